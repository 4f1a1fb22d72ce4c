"""Backend parity (issue 30): run every public helper that touches Keras on one backend and save its outputs.

::

    python -m course_tools.parity --backend jax --out /tmp/jax.npz

``tests/test_backend_parity.py`` runs it once per backend (``tensorflow``, ``jax``, ``torch``, in parallel) and
compares the JAX and PyTorch outputs with TensorFlow's. Everything is small: the 8x8 models of
``tests/tiny_models.py`` (functional, Sequential never called, nested in a functional model and in a Sequential
one, a softmax built into the last layer, a separate softmax layer), the shipped models on four 64x64 scenes, and
a few steps of every iterative method.

Weights are set from NumPy (:func:`numpy_weights`): Keras's initialisers draw different numbers on each backend,
so a model built from a seed is a different model on JAX; a ``.keras`` file is the same model on every backend
(the shipped models are loaded as they are). Randomness inside the helpers is seeded; a helper whose seeded
output still differs between backends is a parity failure, as any other.

On JAX and PyTorch ``sys.modules["tensorflow"] = None`` is set before Keras is imported, so that any import of
TensorFlow on those paths fails loudly (and is recorded as that output's failure).

The ``.npz`` holds one array per output, named ``"<case>.<what>"`` (a case is named after the function it runs,
e.g. ``explain.grad_cam.nested_in_sequential``), and ``__meta__``: a JSON string with each output's kind (how to
compare it: :data:`KINDS`), the failing cases (case -> ``"Error: message (at file:line ...)"``: a case stops at its
first error, the other cases run on), which public functions each case covers, the TensorFlow modules loaded at the
end and the seconds per case and group (``--times``: per output).
:func:`backend_functions` lists the public functions that touch a backend (read from their code), so the test can
check that each is covered or excluded in :data:`EXCLUDED`, with a reason.
"""

from __future__ import annotations

import argparse
import contextlib
import dis
import importlib
import inspect
import json
import os
import pkgutil
import sys
import time
import traceback
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("tensorflow", "jax", "torch")

#: How an output is compared (tests/test_backend_parity.py states the tolerances once):
#: "map" -- saliency maps, gradients, activations, images: each map (first axis) normalised by its max abs;
#: "values" -- scores, probabilities, losses, curves, metrics: relative to the array's largest magnitude;
#: "pixels" -- uint8 pictures made from float maps (a value on a rounding edge may move one level);
#: "exact" -- integers, booleans, class indices, NMS indices, shapes, names and text.
KINDS = ("map", "ascent", "values", "pixels", "exact")

#: Public functions that touch Keras or a backend but have no backend-comparable output. Everything else that
#: :func:`backend_functions` finds must be covered by a case below (the test fails otherwise).
EXCLUDED = {
    "gradients.backend": "returns the active backend's name: differs by design",
    "imagenet.cached_vgg16": "downloads VGG16's ImageNet weights (optional, online): no network in tests",
    "imagenet.fetch": "downloads VGG16's ImageNet weights (optional, online): no network in tests",
    "detection.nms_agreement": "compares detection.nms (NumPy) with TensorFlow's NMS, the oracle: needs TensorFlow "
                               "installed, whatever the backend (tests/test_detection.py runs it)",
    "notebook.setup": "sets up a notebook (environment, matplotlib); picks the backend itself",
    "validate.*": "input checks: whether a value is a model or a tensor, the same answer on every backend "
                  "(exercised by every case here)",
}

#: Modules whose public functions are all excluded (see the "validate.*" entry).
_EXCLUDED_MODULES = {name.split(".")[0] for name in EXCLUDED if name.endswith(".*")}
#: Parameter names that hold a model: a public function taking one touches the backend.
_MODEL_PARAMETERS = {"model", "classifier", "tap", "base"}
_BACKEND_MODULES = {"keras", "tensorflow", "jax", "torch"}


# ------------------------------------------------------------------------------------------
# which public functions touch a backend (static: read from their code)
# ------------------------------------------------------------------------------------------

def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _references(fn) -> tuple[set, set, list]:
    """(global names, imported top-level modules, (module global, attribute) pairs) that ``fn``'s code uses."""
    names, imports, attributes = set(), set(), []
    for code in _code_objects(fn.__code__):
        previous = None
        for ins in dis.get_instructions(code):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                names.add(ins.argval)
            elif ins.opname == "IMPORT_NAME":
                imports.add(ins.argval)
            elif ins.opname == "IMPORT_FROM":
                names.add(ins.argval)
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and previous is not None and \
                    previous.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                attributes.append((previous.argval, ins.argval))
            previous = ins
    return names, imports, attributes


def _why_backend(fn, seen: set) -> str | None:
    """A chain saying why ``fn`` touches a backend (e.g. ``"_prepare -> cam._build -> keras"``), or None."""
    if id(fn) in seen or not inspect.isfunction(fn) or not fn.__module__.startswith("helpers"):
        return None
    seen.add(id(fn))
    names, imports, attributes = _references(fn)
    for module in sorted(imports):
        top = module.split(".")[0]
        if top in _BACKEND_MODULES:
            return top
        if module == "gradients" or module.endswith(".gradients"):
            return "helpers.gradients"
    if names & _BACKEND_MODULES:
        return sorted(names & _BACKEND_MODULES)[0]
    g = fn.__globals__
    for name in sorted(names):
        obj = g.get(name)
        if obj is None:                      # a name imported inside the function: from .module import name
            for module in imports:
                mod = sys.modules.get(f"helpers.{module}") if not module.startswith("helpers") else \
                    sys.modules.get(module)
                if mod is not None and inspect.isfunction(getattr(mod, name, None)):
                    obj = getattr(mod, name)
                    break
        if isinstance(obj, types.ModuleType) and obj.__name__ == "helpers.gradients":
            return "helpers.gradients"
        if inspect.isfunction(obj) and obj.__module__ != "helpers.validate":
            why = _why_backend(obj, seen)
            if why:
                return f"{name} -> {why}"
    for module_name, attr in attributes:
        module = g.get(module_name)
        if isinstance(module, types.ModuleType) and module.__name__.startswith("helpers."):
            if module.__name__ == "helpers.gradients":
                return "helpers.gradients"
            obj = getattr(module, attr, None)
            if inspect.isfunction(obj) and obj.__module__ != "helpers.validate":
                why = _why_backend(obj, seen)
                if why:
                    return f"{module_name}.{attr} -> {why}"
    return None


def backend_functions() -> dict[str, str]:
    """``{"module.function": why}`` for every public function (in ``__all__``) of every ``helpers`` module that
    touches Keras or a backend: it imports one, takes a model (:data:`_MODEL_PARAMETERS`), or calls a helper
    that does. Functions of pure NumPy need no parity check and are not listed."""
    import helpers

    found = {}
    for info in pkgutil.iter_modules(helpers.__path__):
        module = importlib.import_module(f"helpers.{info.name}")
        for name in getattr(module, "__all__", ()):
            fn = getattr(module, name, None)
            if not inspect.isfunction(fn):
                continue
            params = set(inspect.signature(fn).parameters) & _MODEL_PARAMETERS
            why = f"takes {sorted(params)[0]!r}" if params else _why_backend(fn, set())
            if why:
                found[f"{info.name}.{name}"] = why
    return found


def excluded(name: str) -> str | None:
    """The reason ``"module.function"`` is excluded from parity, or None."""
    module = name.split(".")[0]
    return EXCLUDED.get(name) or (EXCLUDED[f"{module}.*"] if module in _EXCLUDED_MODULES else None)


# ------------------------------------------------------------------------------------------
# recording outputs
# ------------------------------------------------------------------------------------------

class Recorder:
    """Collects named outputs, their kinds, the failures and the functions each case covers."""

    def __init__(self):
        self.values: dict = {}
        self.kinds: dict[str, str] = {}
        self.failures: dict[str, str] = {}
        self.covers: dict[str, list[str]] = {}
        self.seconds: dict[str, float] = {}
        self._case = None
        self.times: dict | None = None
        self._last = time.perf_counter()

    @contextlib.contextmanager
    def case(self, name: str, *functions: str):
        """A named group of outputs covering ``functions``; an exception is recorded as the case's failure."""
        for fn in functions:
            self.covers.setdefault(fn, []).append(name)
        self._case = name
        start = self._last = time.perf_counter()
        try:
            yield
        except Exception as err:  # noqa: BLE001  (every failure is reported by the test, none stops the run)
            text = str(err).strip().splitlines()
            frames = traceback.extract_tb(err.__traceback__)
            ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(ROOT / "helpers")]
            chain = ours[:1] + ours[-1:] if len(ours) > 1 else ours     # where the helper starts and ends
            if not ours or frames[-1] is not ours[-1]:
                chain.append(frames[-1])                                # and the library call that raised
            where = " -> ".join(f"{Path(f.filename).name}:{f.lineno}" for f in chain)
            self.failures[name] = f"{type(err).__name__}: {text[0][:300] if text else ''} (at {where})"
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 3)
            self._case = None

    def put(self, kind: str, name: str, value) -> None:
        import numpy as np

        assert kind in KINDS, kind
        key = f"{self._case}.{name}" if self._case and name else (self._case or name)
        if kind == "exact" and isinstance(value, str):
            arr = np.asarray(value)
        elif kind == "exact" and isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
            arr = np.asarray(list(value))
        else:
            arr = np.asarray(_numpy(value))
            if kind in ("map", "ascent", "values") and arr.dtype != np.float64:
                arr = arr.astype(np.float64)
        assert key not in self.values, f"output {key!r} recorded twice"
        if self.times is not None:          # --times: seconds since the previous output (what made this one)
            now = time.perf_counter()
            self.times[key] = round(now - self._last, 3)
            self._last = now
        self.values[key] = arr
        self.kinds[key] = kind

    def map(self, name, value):
        self.put("map", name, value)

    def ascent(self, name, value):
        """Pictures after several Adam steps (a looser limit: see tests/test_backend_parity.py)."""
        self.put("ascent", name, value)

    def val(self, name, value):
        self.put("values", name, value)

    def exact(self, name, value):
        self.put("exact", name, value)

    def pixels(self, name, value):
        self.put("pixels", name, value)

    def save(self, out: Path, backend: str, total: float) -> None:
        import numpy as np

        tf_modules = sorted(m for m, v in sys.modules.items() if m.split(".")[0] == "tensorflow" and v is not None)
        meta = {"backend": backend, "kinds": self.kinds, "failures": self.failures, "covers": self.covers,
                "seconds": self.seconds, "total_seconds": round(total, 2), "tensorflow_modules": tf_modules[:20],
                "n_tensorflow_modules": len(tf_modules), "times": self.times}
        np.savez(out, __meta__=np.asarray(json.dumps(meta)), **self.values)


def _numpy(value):
    import numpy as np

    if isinstance(value, np.ndarray) or np.isscalar(value):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, np.number, bool)) for v in value):
        return np.asarray(value)
    import keras

    return keras.ops.convert_to_numpy(value)


# ------------------------------------------------------------------------------------------
# models with the same weights on every backend
# ------------------------------------------------------------------------------------------

def numpy_weights(model, seed: int = 0):
    """Set every trainable weight of ``model`` from a seeded NumPy generator (He-normal kernels, small random
    biases), so that the model is the same on every backend. Returns the model."""
    import numpy as np

    rng = np.random.default_rng(seed)
    for v in model.trainable_weights:
        shape = tuple(int(d) for d in v.shape)
        if len(shape) >= 2:
            fan_in = int(np.prod(shape[:-1]))
            value = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        else:
            value = rng.normal(0.0, 0.05, shape)
        v.assign(value.astype(v.dtype))
    return model


def _tiny_models():
    """The tiny models of tests/tiny_models.py (and two with a softmax), built, with NumPy weights."""
    import keras

    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import tiny_models
    finally:
        sys.path.remove(str(ROOT / "tests"))
    from helpers import layers

    L = keras.layers
    models = {}
    for kind, build in tiny_models.KINDS.items():
        model = build()
        layers.ensure_built(model, tiny_models.SHAPE)
        models[kind] = numpy_weights(model, seed=len(models))

    def with_softmax(separate: bool):
        i = keras.Input(tiny_models.SHAPE)
        h = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(i)
        h = L.MaxPooling2D(name="p1")(h)
        h = L.Conv2D(5, 3, padding="same", activation="relu", name="c2")(h)
        h = L.GlobalAveragePooling2D(name="gap")(h)
        if separate:
            out = L.Activation("softmax", name="predictions")(L.Dense(3, name="logits")(h))
        else:
            out = L.Dense(3, activation="softmax", name="scores")(h)
        return keras.Model(i, out, name="separate_softmax" if separate else "softmax_in_dense")

    models["softmax_in_dense"] = numpy_weights(with_softmax(False), seed=10)
    models["separate_softmax"] = numpy_weights(with_softmax(True), seed=11)
    return models, tiny_models.images(4, seed=0), tiny_models.SHAPE


def _forward(model, x):
    out = model(x, training=False)
    return out[0] if isinstance(out, (list, tuple)) and len(out) == 1 else out


# ------------------------------------------------------------------------------------------
# the cases
# ------------------------------------------------------------------------------------------

def run_gradients(r: Recorder, tiny, x8):
    import keras
    import numpy as np

    from helpers import gradients, layers

    model = tiny["functional"]
    cls = np.array([0, 1, 2, 0])
    with r.case("gradients.value_and_gradient", "gradients.value_and_gradient", "gradients.to_tensor",
                "gradients.to_numpy"):
        def fn(x):
            return keras.ops.take_along_axis(model(x, training=False), keras.ops.convert_to_tensor(cls[:, None]),
                                             axis=1)[:, 0]
        v, g = gradients.value_and_gradient(fn, gradients.to_tensor(x8))
        r.val("value", gradients.to_numpy(v))
        r.map("gradient", gradients.to_numpy(g))
    with r.case("gradients.compiled", "gradients.compiled"):
        step = gradients.compiled(lambda x: gradients._ADAPTERS[gradients.backend()](fn, x))
        v, g = step(gradients.to_tensor(x8))
        r.val("value", v)
        r.map("gradient", g)
    with r.case("gradients.feature_gradients", "gradients.feature_gradients"):
        for kind in ("functional", "nested_in_sequential"):
            m = tiny[kind]
            target = layers.select_layers(m, "c2")[0]
            tap = layers.tap_model(m, [target])
            f, s, g = gradients.feature_gradients(tap, gradients.to_tensor(x8), None, layer=target)
            r.map(f"{kind}.features", f)
            r.val(f"{kind}.scores", s)
            r.map(f"{kind}.gradients", g)
    with r.case("gradients.rms_normalize", "gradients.rms_normalize"):
        g = np.random.default_rng(3).normal(size=(4, 8, 8, 3)).astype(np.float32)
        r.map("tensor", gradients.rms_normalize(gradients.to_tensor(g)))
        r.map("numpy", gradients.rms_normalize(g))
    with r.case("gradients.class_scores", "gradients.class_scores", "gradients.class_score_gradients"):
        for kind in ("functional", "sequential_never_called", "nested_in_functional"):
            r.val(f"{kind}.scores", gradients.class_scores(tiny[kind], x8, cls))
            s, g = gradients.class_score_gradients(tiny[kind], x8, cls)
            r.val(f"{kind}.gradient_scores", s)
            r.map(f"{kind}.gradients", g)
    with r.case("gradients.adapter_source", "gradients.adapter_source"):
        for name in ("tensorflow", "jax", "torch"):
            r.exact(name, gradients.adapter_source(name))


def run_layers(r: Recorder, tiny, x8, shape):
    import numpy as np

    from helpers import layers

    with r.case("layers.names", "layers.all_layers", "layers.spatial_layers", "layers.select_layers",
                "layers.output_rank"):
        for kind, m in tiny.items():
            r.exact(f"{kind}.all", [ly.name for ly in layers.all_layers(m)])
            r.exact(f"{kind}.spatial", [ly.name for ly in layers.spatial_layers(m)])
            r.exact(f"{kind}.select2", [ly.name for ly in layers.select_layers(m, 2)])
            r.exact(f"{kind}.ranks", np.array([layers.output_rank(ly) or -1 for ly in layers.all_layers(m)]))
    with r.case("layers.ensure_built", "layers.ensure_built"):
        sys.path.insert(0, str(ROOT / "tests"))
        try:
            import tiny_models
        finally:
            sys.path.remove(str(ROOT / "tests"))
        m = numpy_weights(layers.ensure_built(tiny_models.sequential_never_called(), shape), seed=1)
        r.exact("input_shape", np.array(m.inputs[0].shape[1:]))
        r.val("scores", _forward(m, x8))
    with r.case("layers.tap_model", "layers.tap_model"):
        for kind, m in tiny.items():
            chosen = layers.select_layers(m, ["c1", "c2"])
            outs = layers.tap_model(m, chosen)(x8, training=False)
            r.map(f"{kind}.c1", outs[0])
            r.map(f"{kind}.c2", outs[1])
            r.val(f"{kind}.output", outs[2])
    with r.case("layers.without_activation", "layers.without_activation", "layers.counterpart"):
        for kind in ("functional", "nested_in_sequential", "softmax_in_dense"):
            m = tiny[kind]
            chosen = layers.select_layers(m, ["c2"])
            copy = layers.without_activation(m, chosen)
            r.exact(f"{kind}.counterpart", layers.counterpart(chosen[0], m, copy).name)
            r.val(f"{kind}.output", _forward(copy, x8))
    with r.case("layers.reinitialise", "layers.reinitialise"):
        import keras

        m = keras.models.clone_model(tiny["functional"])
        layers.reinitialise(m.get_layer("c2"), seed=7)
        for v in m.get_layer("c2").weights:
            r.val(v.name, v)
    with r.case("layers.untrained_twin", "layers.untrained_twin"):
        twin = layers.untrained_twin(tiny["functional"], seed=1)
        r.val("scores", _forward(twin, x8))


def run_activations(r: Recorder, tiny, x8, course, scenes_x):
    from helpers import activations

    with r.case("activations.activation_model", "activations.activation_model"):
        for kind in ("functional", "sequential_never_called", "nested_in_functional"):
            extractor, names = activations.activation_model(tiny[kind])
            r.exact(f"{kind}.names", names)
            for name, out in zip(names, extractor(x8, training=False)):
                r.map(f"{kind}.{name}", out)
    with r.case("activations.compute_activations", "activations.compute_activations"):
        for compiled in (False, True):
            for kind in ("functional", "nested_in_sequential"):
                for name, a in activations.compute_activations(tiny[kind], x8, batch_size=3,
                                                               compiled=compiled).items():
                    r.map(f"{kind}.compiled={compiled}.{name}", a)
        acts = activations.compute_activations(course, scenes_x, ["block1_conv1", "block4_conv1"], compiled=True)
        for name, a in acts.items():
            r.map(f"course.{name}", a)


def run_cam(r: Recorder, tiny, x8, course, scenes):
    import keras
    import numpy as np

    from helpers import cam, course_model, gradients, layers

    with r.case("cam.default_layer", "cam.default_layer"):
        for kind, m in tiny.items():
            r.exact(kind, cam.default_layer(m).name)
    with r.case("cam.class_activation_maps", "cam.class_activation_maps"):
        for kind, m in tiny.items():
            for method in ("gradcam", "layercam"):
                res = cam.class_activation_maps(m, x8, method=method, verbose=False)
                r.map(f"{kind}.{method}", res.heatmaps)
                r.exact(f"{kind}.{method}.class_index", res.class_index)
                r.val(f"{kind}.{method}.scores", res.scores)
        m = tiny["separate_softmax"]
        r.map("separate_softmax.after_softmax", cam.class_activation_maps(m, x8, before_softmax=False,
                                                                            verbose=False).heatmaps)
        r.map("functional.eager", cam.class_activation_maps(tiny["functional"], x8, [0, 1, 2, 1], verbose=False,
                                                            _compiled=False).heatmaps)
        x = course_model.preprocess(scenes.images)
        for layer in ("block4_conv1", "block3_conv1"):
            res = cam.class_activation_maps(course, x, layer=layer, verbose=False)
            r.map(f"course.{layer}", res.heatmaps)
            r.exact(f"course.{layer}.class_index", res.class_index)
            r.val(f"course.{layer}.scores", res.scores)
        r.map("course.layercam", cam.class_activation_maps(course, x, scenes.labels, method="layercam",
                                                           verbose=False).heatmaps)
        # weights changed after the step was compiled (training, a randomisation): the next call must see them
        # (jax.jit would otherwise keep the values it traced with; TensorFlow reads its variables every call)
        changed = keras.models.clone_model(tiny["functional"])
        changed.set_weights(tiny["functional"].get_weights())
        cam.class_activation_maps(changed, x8, [0, 1, 2, 1], verbose=False)
        gradients.class_score_gradients(changed, x8, np.array([0, 1, 2, 1]))
        layers.reinitialise(changed.layers[-1], 5)
        r.map("functional.after_weights_change", cam.class_activation_maps(changed, x8, [0, 1, 2, 1],
                                                                             verbose=False).heatmaps)
        r.map("functional.after_weights_change.gradients",
              gradients.class_score_gradients(changed, x8, np.array([0, 1, 2, 1]))[1])
    with r.case("cam.upsample", "cam.upsample", "cam.overlay"):
        maps = np.random.default_rng(4).random((4, 8, 8)).astype(np.float32)
        r.map("square", cam.upsample(maps, 64))
        r.map("rect", cam.upsample(maps[0], (24, 40)))
        r.pixels("overlay", cam.overlay(scenes.images[0], maps[0]))


def run_explain(r: Recorder, tiny, x8, course, scenes):
    import numpy as np

    from helpers import course_model, explain

    x = course_model.preprocess(scenes.images)
    all_kinds = dict(tiny, course=course)
    inputs = {kind: (x if kind == "course" else x8) for kind in all_kinds}
    full = ("functional", "course")          # every method; the other kinds get the gradient and CAM core
    rng = np.random.default_rng(5)

    def each(name, fn, kinds, kind_of="map", functions=()):
        with r.case(f"explain.{name}", f"explain.{name}", *functions):
            for kind in kinds:
                out = fn(all_kinds[kind], inputs[kind])
                outs = out if isinstance(out, tuple) else (out,)
                for k, o in enumerate(outs):
                    r.put(kind_of, f"{kind}" + (f".{k}" if len(outs) > 1 else ""), o)

    core = tuple(all_kinds)                  # every kind of model: functional, Sequential, nested, softmax
    cams = ("functional", "nested_in_sequential", "course")   # the CAM family shares grad_cam's compiled step
    each("vanilla_gradient", lambda m, xi: explain.vanilla_gradient(m, xi), core)
    each("gradient_times_input", lambda m, xi: explain.gradient_times_input(m, xi, 1), full)
    each("smoothgrad", lambda m, xi: explain.smoothgrad(m, xi, n_samples=4, seed=3), full)
    with r.case("explain.smoothgrad_forms", "explain.smoothgrad_forms"):
        for kind in full:
            for form, maps in explain.smoothgrad_forms(all_kinds[kind], inputs[kind], n_samples=4,
                                                       seed=3).items():
                r.map(f"{kind}.{form}", maps)
    each("integrated_gradients", lambda m, xi: explain.integrated_gradients(m, xi, steps=8), full)
    each("ig_completeness_error", lambda m, xi: explain.ig_completeness_error(m, xi, steps=8), full, "values")
    each("occlusion", lambda m, xi: explain.occlusion(m, xi, patch=xi.shape[1] // 4, stride=xi.shape[1] // 4),
         full)
    each("grad_cam", lambda m, xi: explain.grad_cam(m, xi), core)
    each("layer_cam", lambda m, xi: explain.layer_cam(m, xi), full)
    each("grad_cam_plus_plus", lambda m, xi: explain.grad_cam_plus_plus(m, xi), cams)
    each("cam_weights", lambda m, xi: explain.cam_weights(m, xi), cams)
    # Ablation-CAM refuses a layer inside a nested model (the head after it is not the outer model's own graph)
    each("ablation_cam", lambda m, xi: explain.ablation_cam(m, xi), ("functional", "softmax_in_dense", "course"))
    with r.case("explain.curves", "explain.deletion_curve", "explain.insertion_curve", "explain.average_drop"):
        for kind in full:
            xi = inputs[kind]
            maps = rng.random(xi.shape[:3])            # the same map on every backend: only the model differs
            for fill in ("black", "blur", "mean"):
                r.val(f"{kind}.deletion.{fill}", explain.deletion_curve(all_kinds[kind], xi, None, maps, steps=8,
                                                                        fill=fill))
                r.val(f"{kind}.insertion.{fill}", explain.insertion_curve(all_kinds[kind], xi, [0, 1, 2, 0],
                                                                          maps, steps=8, fill=fill))
            drop, increase = explain.average_drop(all_kinds[kind], xi, None, maps)
            r.val(f"{kind}.average_drop", drop)
            r.exact(f"{kind}.increase", increase)
    with r.case("explain.randomisation", "explain.cascading_randomisation", "explain.independent_randomisation"):
        for how, fn in (("cascading", explain.cascading_randomisation),
                        ("independent", explain.independent_randomisation)):
            for kind, names in (("functional", ["scores", "c2"]), ("course", ["logits", "block4_conv1"])):
                for name, clone in fn(all_kinds[kind], names, seed=2):
                    r.val(f"{how}.{kind}.{name}", _forward(clone, inputs[kind]))
                r.map(f"{how}.{kind}.grad_cam", explain.grad_cam(clone, inputs[kind]))


def run_filters(r: Recorder, tiny, course):
    from helpers import filters

    with r.case("filters.conv_layer", "filters.conv_layer"):
        for kind in ("functional", "nested_in_functional"):
            r.exact(kind, filters.conv_layer(tiny[kind], "c2").name)
    with r.case("filters.filter_patterns", "filters.filter_patterns"):
        for kind in ("functional", "sequential_never_called", "nested_in_functional"):
            for objective in ("post_activation", "pre_activation"):
                fp = filters.filter_patterns(tiny[kind], "c2", [0, 1, 3], steps=5, objective=objective)
                r.map(f"{kind}.{objective}.inputs", fp.inputs)
                r.val(f"{kind}.{objective}.history", fp.history)
        fp = filters.filter_patterns(tiny["functional"], "c2", [0, 1, 3], steps=5, batched=False,
                                     transforms=[filters.Jitter(1), filters.BlurEvery(2)])
        r.map("functional.transforms.inputs", fp.inputs)
        r.val("functional.transforms.history", fp.history)
    with r.case("filters.pre_activations", "filters.pre_activations"):
        import numpy as np

        x = np.random.default_rng(6).random((3, 64, 64, 3)).astype(np.float32)
        for name, a in filters.pre_activations(course, x, ["block1_conv1", "block3_conv1"], batch_size=2).items():
            r.map(name, a)
    with r.case("filters.dead_at_start", "filters.dead_at_start"):
        for name, dead in filters.dead_at_start(course, ["block1_conv1", "block2_conv1"], seed=1).items():
            r.exact(name, dead)


def run_featurevis(r: Recorder, tiny, course):
    import numpy as np

    from helpers import featurevis as fv

    rng = np.random.default_rng(8)
    images = rng.random((2, 16, 16, 3)).astype(np.float32)
    M = fv.TYPICAL_COLOUR_MATRIX
    with r.case("featurevis.spectrum", "featurevis.image_from_spectrum", "featurevis.spectrum_from_image"):
        spectrum = rng.normal(size=(2, 3, 16, 9, 2)).astype(np.float32)
        r.map("image", fv.image_from_spectrum(spectrum, 16))
        r.map("spectrum", fv.spectrum_from_image(images))
    with r.case("featurevis.colour", "featurevis.to_rgb", "featurevis.from_rgb"):
        r.map("to_rgb", fv.to_rgb(images, M))
        r.map("from_rgb", fv.from_rgb(images, M))
    with r.case("featurevis.transforms", "featurevis.jitter", "featurevis.random_scale", "featurevis.random_rotate",
                "featurevis.compose", "featurevis.standard_transforms"):
        r.map("jitter", fv.jitter(images, 2, seed=3))
        r.map("random_scale", fv.random_scale(images, (0.8, 1.2), seed=3))
        r.map("random_rotate", fv.random_rotate(images, 10.0, seed=3))
        r.map("standard", fv.compose(fv.standard_transforms(16))(images, seed=4))
    with r.case("featurevis.total_variation", "featurevis.total_variation"):
        r.val("tv", fv.total_variation(images))
    with r.case("featurevis.one_edge_residual", "featurevis.one_edge_residual"):
        r.val("residual", fv.one_edge_residual(images, size=8, orientations=4, offsets=3))
    with r.case("featurevis.regularised_patterns", "featurevis.regularised_patterns"):
        settings = {"plain": dict(transforms=(), decorrelate=False, fourier=False),
                    "fourier": dict(transforms=()),
                    "standard": dict(transforms=None, tv_weight=0.01)}
        for name, kwargs in settings.items():
            p = fv.regularised_patterns(tiny["functional"], "c2", [0, 2], size=8, steps=4, lr=0.05, **kwargs)
            r.ascent(f"functional.{name}.images", p.images)
            r.val(f"functional.{name}.history", p.history)
        p = fv.regularised_patterns(tiny["nested_in_sequential"], "c2", [1], size=8, steps=4, batched=False,
                                    objective="post_activation", transforms=())
        r.map("nested_in_sequential.images", p.images)
        r.val("nested_in_sequential.objective", p.objective)


def run_course_model(r: Recorder, scenes, course):
    import numpy as np

    from helpers import course_model, scenes as scenes_module, shipped

    x = course_model.preprocess(scenes.images)
    with r.case("course_model.load", "course_model.load_random_label_convnet", "course_model.load_second_seed_convnet",
                "course_model.load_shortcut_convnet"):
        # the course convnet itself: loaded in setup by course_model.load_course_model (its forward pass is below)
        for load in (course_model.load_random_label_convnet, course_model.load_second_seed_convnet,
                     course_model.load_shortcut_convnet):
            r.val(load.__name__, _forward(load(), x))
    with r.case("shipped.load", "shipped.load", "course_model.load_course_model"):
        # every loader of a lesson ends in shipped.load (safe mode, SHA-256 against data/MANIFEST)
        r.val("course_convnet", _forward(course, x))
        r.exact("course_convnet.layers", [layer.name for layer in course.layers])
    with r.case("shipped.build", "shipped.build", "course_model.build_course_convnet",
                "course_model.build_random_label_convnet", "course_model.build_second_seed_convnet",
                "course_model.build_shortcut_convnet", "localization.build_localizer", "landmarks.build_pose_regressor",
                "landmarks.build_heatmap_pose", "landmarks.build_block3_regressor", "detection.build_grid_detector",
                "course_model.summary_table"):
        # shipped.build calls every builder of the registry; the layers are those of the shipped files, whose
        # forward passes are compared, so the architecture is compared here (and one forward pass with NumPy
        # weights: the heatmap model's soft-argmax is keras.ops)
        for name, entry in shipped.MODELS.items():
            # on the loaded course convnet (its layers shared, never changed here): no second untrained base
            m = shipped.build(name, course if entry.base and name != "pose_heatmaps" else None)
            r.exact(f"{name}.summary", course_model.summary_table(m))
            if name == "pose_heatmaps":    # its own untrained base: the NumPy weights change every layer
                r.val(f"{name}.output", _forward(numpy_weights(m, seed=5), x))
        r.exact("shipped.summary", course_model.summary_table(course))
    with r.case("course_model.evaluate", "course_model.evaluate"):
        acc, pred = course_model.evaluate(course, scenes, batch_size=3)
        r.val("accuracy", acc)
        r.exact("pred", pred)
    with r.case("course_model.train", "course_model.compile_for_training", "course_model.train", "notebook.progress"):
        # one batch per epoch and no dropout: the batch order and the dropout masks (the backend's own random
        # numbers) do not enter, so the training itself must agree
        m = numpy_weights(course_model.build_course_convnet(image_size=16, widths=(4, 8), dense=8, dropout=0.0), 4)
        course_model.compile_for_training(m, learning_rate=0.01)
        train = scenes_module.generate_scenes(16, seed=21, size=16)
        val = scenes_module.generate_scenes(8, seed=22, size=16)
        history = course_model.train(m, train, val, epochs=2, batch_size=16, seed=0, progress=True)
        for key in sorted(history.history):
            r.val(key, np.asarray(history.history[key]))
        r.val("scores_after", _forward(m, course_model.preprocess(val.images)))


def run_lessons(r: Recorder, scenes, course):
    import numpy as np

    from helpers import atlas, course_model, detection, landmarks, localization, shortcut

    x = course_model.preprocess(scenes.images)
    with r.case("atlas.receptive_field", "atlas.receptive_field"):
        for layer in ("block1_conv1", "block2_pool", "block4_conv1"):
            f = atlas.receptive_field(course, layer)
            r.exact(layer, np.array([f.size, f.jump, f.start]))
    with r.case("detection.grid_detector", "detection.load_grid_detector", "detection.grid_loss"):
        det = detection.load_grid_detector()
        y = np.asarray(_numpy(_forward(det, x)))
        r.val("output", y)
        r.val("grid_loss", detection.grid_loss(detection.encode_grid(scenes.objects), y))
        for i, (boxes, scores, classes) in enumerate(detection.decode_grid(y, threshold=0.3)):
            r.val(f"decoded{i}.boxes", boxes)
            r.val(f"decoded{i}.scores", scores)
            r.exact(f"decoded{i}.classes", classes)
            r.exact(f"decoded{i}.nms", detection.nms(boxes, scores, 0.5))
    with r.case("localization.localizer", "localization.load_localizer", "localization.evaluate_localizer",
                "localization.slide_loss", "localization.practical_loss", "shipped.check_output"):
        loc = localization.load_localizer()          # checks its output with shipped.check_output
        y = _numpy(_forward(loc, x))
        r.val("output", y)
        target = localization.encode_scenes(scenes.objects)
        r.val("slide_loss", localization.slide_loss(target, y))
        r.val("practical_loss", localization.practical_loss(target, y))
        for key, value in sorted(localization.evaluate_localizer(loc, scenes, batch_size=3).items()):
            r.val(f"evaluate.{key}", value)
    with r.case("localization.build_head", "localization.build_head"):
        head = numpy_weights(localization.build_head((8, 8, 16)), seed=8)
        r.exact("summary", course_model.summary_table(head))
        r.val("head", _forward(head, np.random.default_rng(9).random((3, 8, 8, 16)).astype(np.float32)))
    with r.case("landmarks.load", "landmarks.load_pose_regressor", "landmarks.load_heatmap_pose",
                "landmarks.load_block3_regressor"):
        people, targets, boxes = landmarks.pedestrian_data(4, seed=5)
        px = course_model.preprocess(people)
        for load in (landmarks.load_pose_regressor, landmarks.load_heatmap_pose, landmarks.load_block3_regressor):
            pred = _numpy(_forward(load(), px))
            r.val(load.__name__, pred)
            r.val(f"{load.__name__}.pck", landmarks.pck(landmarks.decode_landmarks(pred),
                                                      landmarks.decode_landmarks(targets), boxes))
    with r.case("shortcut.evaluate_shortcut", "shortcut.evaluate_shortcut"):
        result = shortcut.evaluate_shortcut(course_model.load_shortcut_convnet(), n=8, seed=3, batch_size=8)
        for key, value in sorted(result.items()):
            if isinstance(value, (int, float, np.floating, np.integer)):
                r.val(key, value)


#: Case groups, in run order.
GROUPS = ("gradients", "layers", "activations", "cam", "explain", "filters", "featurevis", "course_model",
          "lessons")


#: One thread per backend: the models are tiny (threads only add overhead) and the test runs the three backends
#: at once on two cores.
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
              "TF_NUM_INTEROP_THREADS": "1",
              "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}


#: JAX's persistent compilation cache: JAX compiles every new shape of every op and function (most of its run
#: time here, about 45 of 55 CPU seconds); later runs read the compiled programs back (about 10 MB, kept to
#: JAX_CACHE_MAX_BYTES, oldest dropped first). Keyed by the program, JAX's version and flags: never stale.
JAX_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "seeing-convnets" / "jax-parity"
JAX_CACHE_MAX_BYTES = 256 * 2 ** 20


def run(backend: str, out: Path, groups=GROUPS, times: bool = False, threads: int = 1,
        jax_cache: Path | None = JAX_CACHE) -> Recorder:
    start = time.perf_counter()
    if threads == 1:
        for key, value in THREAD_ENV.items():
            os.environ.setdefault(key, value)
    if backend == "jax" and jax_cache is not None:
        os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(jax_cache))
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
        os.environ.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(JAX_CACHE_MAX_BYTES))
    os.environ["KERAS_BACKEND"] = backend
    if backend != "tensorflow":
        sys.modules["tensorflow"] = None     # any TensorFlow import on this path fails loudly
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras

    assert keras.backend.backend() == backend, (keras.backend.backend(), backend)
    if backend == "torch" and threads:
        import torch

        torch.set_num_threads(threads)
    import helpers  # noqa: F401
    from helpers import course_model
    from helpers.scenes import generate_scenes

    r = Recorder()
    r.times = {} if times else None
    with r.case("setup"):
        tiny, x8, shape = _tiny_models()
        scenes = generate_scenes(4, seed=11, n_objects=(1, 2))
        course = course_model.load_course_model()
        scenes_x = course_model.preprocess(scenes.images)
    if "setup" in r.failures:
        r.save(out, backend, time.perf_counter() - start)
        return r
    calls = {"gradients": lambda: run_gradients(r, tiny, x8),
             "layers": lambda: run_layers(r, tiny, x8, shape),
             "activations": lambda: run_activations(r, tiny, x8, course, scenes_x),
             "cam": lambda: run_cam(r, tiny, x8, course, scenes),
             "explain": lambda: run_explain(r, tiny, x8, course, scenes),
             "filters": lambda: run_filters(r, tiny, course),
             "featurevis": lambda: run_featurevis(r, tiny, course),
             "course_model": lambda: run_course_model(r, scenes, course),
             "lessons": lambda: run_lessons(r, scenes, course)}
    for group in groups:
        t = time.perf_counter()
        calls[group]()
        r.seconds[f"group:{group}"] = round(time.perf_counter() - t, 2)
    del np
    r.save(out, backend, time.perf_counter() - start)
    return r


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1, help="1 (default): one thread; 0: the backend's default")
    parser.add_argument("--jax-cache", default=str(JAX_CACHE),
                        help=f"JAX's compilation cache folder (default {JAX_CACHE}); 'none': no cache")
    parser.add_argument("--times", action="store_true", help="record the seconds before each output in __meta__")
    parser.add_argument("--groups", default=",".join(GROUPS), help="comma-separated subset of " + ", ".join(GROUPS))
    args = parser.parse_args(argv)
    groups = [g for g in args.groups.split(",") if g]
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown groups {unknown}")
    r = run(args.backend, args.out, groups, args.times, args.threads,
            None if args.jax_cache.lower() == "none" else Path(args.jax_cache))
    print(f"{args.backend}: {len(r.values)} outputs, {len(r.failures)} failing cases -> {args.out}")
    for name, why in r.failures.items():
        print(f"  FAIL {name}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
