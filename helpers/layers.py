"""Finding layers and reading their outputs, for every kind of Keras 3 model.

The lessons need "the output of layer X for this image" and "the gradient with respect to
it". Keras 3 makes that easy for a functional model (``keras.Model(model.inputs,
layer.output)``) and hard elsewhere:

* a ``Sequential`` model that was never called has no inputs yet
  ("... has never been called and thus has no defined output");
* a layer inside a nested model (a base model inside a classifier) belongs to the inner
  graph, and mixing graphs gives "Graph disconnected".

:func:`tap_model` handles all of them: it re-traces the model on a fresh input, reusing the
same layer objects (same weights), and returns a functional model whose outputs are the
chosen layers' outputs followed by the model's own output.

:func:`without_activation` is the one way the helpers change what a layer computes (its output
*before* its activation: a filter before its ReLU, class scores before a softmax): it returns a
copy of the model and never modifies the caller's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from . import validate

if TYPE_CHECKING:
    import keras

__all__ = ["all_layers", "spatial_layers", "select_layers", "ensure_built", "tap_model", "output_rank",
           "without_activation", "counterpart", "reinitialise", "untrained_twin"]


def _is_model(layer) -> bool:
    import keras

    return isinstance(layer, keras.Model)


def _layer(value, name: str = "layer"):
    """A Keras layer object (not its name): the functions below work on the layers themselves."""
    import keras

    if not isinstance(value, keras.layers.Layer):
        validate.fail(name, "a Keras layer object, e.g. select_layers(model, 'block1_conv1')[0] or "
                      "model.get_layer('block1_conv1')", validate.describe(value),
                      "look the layer up by its name first" if isinstance(value, str) else None,
                      kind=validate.InputTypeError)
    return value


def all_layers(model: "keras.Model") -> list:
    """Every layer of ``model`` in order, nested models flattened (the nested model itself excluded)."""
    validate.model(model)
    out = []
    for layer in model.layers:
        if _is_model(layer):
            out.extend(all_layers(layer))
        elif type(layer).__name__ != "InputLayer":
            out.append(layer)
    return out


def ensure_built(model: "keras.Model", input_shape: Sequence[int] | None = None) -> "keras.Model":
    """Make sure ``model`` has defined inputs; build a never-called Sequential from ``input_shape``.

    Parameters
    ----------
    input_shape : (H, W, C), optional
        Needed only for a Sequential model that has never been called.
    """
    import keras

    validate.model(model)
    try:
        model.inputs  # noqa: B018  (raises for a Sequential that was never called)
        if model.inputs:
            return model
    except (AttributeError, ValueError):
        pass
    if not isinstance(model, keras.Sequential):
        validate.fail("model", "a model with defined inputs", f"model {model.name!r}, which has none",
                      "build it on a keras.Input first")
    if input_shape is None:
        validate.fail("input_shape", "(height, width, channels) for a Sequential model that was never called",
                      "None", f"the Sequential model {model.name!r} has never been called, so its layers have no "
                      "outputs yet: pass input_shape=... or call it once on an image")
    if isinstance(input_shape, (str, bytes)) or not hasattr(input_shape, "__len__") or len(input_shape) != 3:
        validate.fail("input_shape", "3 whole numbers (height, width, channels), e.g. (64, 64, 3)",
                      validate.describe(input_shape), kind=validate.InputTypeError)
    dims = tuple(validate.integer(d, f"input_shape[{i}]", low=1, high=100_000) for i, d in enumerate(input_shape))
    try:
        model.build((None, *dims))
    except ValueError as err:      # a layer that cannot take this shape: Keras's own words, after ours
        validate.fail("input_shape", f"a shape the layers of model {model.name!r} can take",
                      f"{dims} ({str(err).strip().splitlines()[0][:200]})", "pass your images' (H, W, C)")
    return model


def output_rank(layer) -> int | None:
    """Rank of the layer's output (4 for a spatial map ``(batch, H, W, C)``), or None if unknown."""
    _layer(layer)
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):
        try:
            return len(layer.compute_output_shape(layer.input.shape))
        except Exception:  # noqa: BLE001  (a layer that cannot say)
            return None


def spatial_layers(model: "keras.Model") -> list:
    """The layers whose output is a spatial map ``(batch, H, W, C)`` (convolutions, poolings, ...)."""
    return [layer for layer in all_layers(model) if output_rank(layer) == 4]


def select_layers(model: "keras.Model", select=None, *, input_shape: Sequence[int] | None = None) -> list:
    """Choose layers by name, by type, or "the first N spatial layers".

    Parameters
    ----------
    select : None, str, sequence of str, int, type or tuple of types
        None: every spatial layer (conv, pooling, ...). A name or list of names (nested models
        are searched too). An int N: the first N spatial layers. A layer class (e.g.
        ``keras.layers.Conv2D``) or tuple of classes: every layer of that type.
    input_shape : (H, W, C), optional
        Builds a never-called Sequential model first.

    Raises
    ------
    ValueError
        For an unknown name (listing the valid ones) or a selection that matches nothing.
    """
    validate.model(model)
    ensure_built(model, input_shape)
    layers = all_layers(model)
    if select is None:
        chosen = spatial_layers(model)
    elif isinstance(select, bool) or not isinstance(select, (str, int, type, tuple, list)):
        validate.fail("layers", "a layer name, a list of names, a count or a layer type", validate.describe(select),
                      "e.g. 'block1_conv1'", kind=validate.InputTypeError)
    elif isinstance(select, int):
        spatial = spatial_layers(model)
        if select < 1:
            raise ValueError(f"ask for at least 1 layer, got {select}")
        chosen = spatial[:select]
    elif isinstance(select, type) or (isinstance(select, tuple) and all(isinstance(t, type) for t in select)):
        chosen = [layer for layer in layers if isinstance(layer, select)]
        if not chosen:
            names = select.__name__ if isinstance(select, type) else ", ".join(t.__name__ for t in select)
            raise ValueError(f"model {model.name!r} has no {names} layer; its layer types are: "
                             + ", ".join(sorted({type(layer).__name__ for layer in layers})))
    else:
        names = [select] if isinstance(select, str) else list(select)
        by_name = {layer.name: layer for layer in layers}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise ValueError(f"no layer named {', '.join(map(repr, unknown))} in model {model.name!r}; "
                             f"the layers are: {', '.join(by_name)}")
        chosen = [by_name[n] for n in names]
    if not chosen:
        raise ValueError(f"model {model.name!r} has no spatial (convolution or pooling) layer to show")
    return chosen


def _contains(model, wanted: set[int]) -> bool:
    return any(id(layer) in wanted or (_is_model(layer) and _contains(layer, wanted)) for layer in model.layers)


def tap_model(model: "keras.Model", layers: Iterable, *, input_shape: Sequence[int] | None = None,
              include_output: bool = True) -> "keras.Model":
    """A functional model: the model's input -> the chosen layers' outputs (+ the model's output).

    Works for functional models, Sequential models (even never called, given
    ``input_shape``), models nested inside models, and ``keras.applications`` models.
    The same layer objects are reused, so weights are shared, not copied.

    Parameters
    ----------
    layers : iterable of layers
        From :func:`select_layers`; the outputs come in this order.
    include_output : bool
        Append the model's own output (e.g. class scores) as the last output.
    """
    import keras

    validate.model(model)
    ensure_built(model, input_shape)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        validate.fail("layers", "layer objects, e.g. select_layers(model, 'block1_conv1')", validate.describe(layers),
                      kind=validate.InputTypeError)
    layers = list(layers)
    if not layers or any(not isinstance(layer, keras.layers.Layer) for layer in layers):
        validate.fail("layers", "a non-empty list of layer objects (from select_layers)",
                      f"{[type(layer).__name__ for layer in layers][:3]}", "pick them with select_layers(model, ...)",
                      kind=validate.InputTypeError)
    wanted = {id(layer) for layer in layers}
    found: dict[int, object] = {}
    final = _trace(model, wanted, found)
    missing = [layer.name for layer in layers if id(layer) not in found]
    if missing:
        raise ValueError(f"layers {missing} are not on the path from the input to the output of {model.name!r}")
    outputs = [found[id(layer)] for layer in layers] + ([final[1]] if include_output else [])
    return keras.Model(final[0], outputs, name=f"{model.name}_taps")


def _trace(model, wanted: set[int], found: dict) -> tuple:
    """Re-trace ``model`` on a fresh input, recording outputs of ``wanted`` layers; return (input, output)."""
    import keras

    if isinstance(model, keras.Sequential):
        shape = tuple(model.inputs[0].shape[1:])
        inp = keras.Input(shape, name=f"{model.name}_input")
        x = _run_sequential(model, inp, wanted, found)
        return inp, x

    if not _contains(model, wanted - {id(layer) for layer in model.layers}):
        # every wanted layer is a direct layer of this functional model: read its outputs
        for layer in model.layers:
            if id(layer) in wanted:
                found[id(layer)] = layer.output
        out = model.outputs[0] if len(model.outputs) == 1 else model.outputs
        return (model.inputs[0] if len(model.inputs) == 1 else model.inputs), out

    def call(layer, *args, **kwargs):
        if _is_model(layer) and _contains(layer, wanted):
            return _call_nested(layer, args[0], wanted, found)
        out = layer(*args, **kwargs)
        if id(layer) in wanted:
            found[id(layer)] = out
        return out

    clone = keras.models.clone_model(model, clone_function=lambda layer: layer, call_function=call)
    return clone.inputs[0] if len(clone.inputs) == 1 else clone.inputs, clone.outputs[0]


def _run_sequential(model, x, wanted, found):
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        if _is_model(layer) and _contains(layer, wanted):
            x = _call_nested(layer, x, wanted, found)
        else:
            x = layer(x)
            if id(layer) in wanted:
                found[id(layer)] = x
    return x


def _call_nested(inner, x, wanted, found):
    """Apply a nested model to ``x`` while recording the wanted layers inside it."""
    import keras

    inner_found: dict[int, object] = {}
    inp, out = _trace(inner, wanted, inner_found)
    keys = list(inner_found)
    sub = keras.Model(inp, [inner_found[k] for k in keys] + [out])
    results = sub(x)
    for k, value in zip(keys, results[:-1]):
        found[k] = value
    return results[-1]


def without_activation(model: "keras.Model", layers: Iterable, *,
                       input_shape: Sequence[int] | None = None) -> "keras.Model":
    """A copy of ``model`` in which the chosen layers apply no activation; ``model`` itself is not modified.

    Every layer is rebuilt from its config (the chosen ones with ``activation="linear"``) and gets
    a copy of the original's weights, so the copy computes exactly what ``model`` computes except
    that the chosen layers output their value *before* their activation. Layers keep their names
    and order (see :func:`counterpart`). Works for every kind of model :func:`tap_model` handles,
    including models loaded back from a ``.keras`` file in safe mode.

    The course uses it for filter patterns *before* the ReLU (notebook 02,
    ``filters.filter_patterns(..., objective="pre_activation")``, which copies only the layers up
    to the target) and for Grad-CAM on a model whose last layer has the softmax built in (e.g.
    VGG16 in notebook 03; the course model's separate softmax layer is simply skipped instead).
    Copying costs time and memory in proportion to the model's size: tap a layer directly where
    one holds the value you need.

    Parameters
    ----------
    model : keras.Model
        Functional, Sequential (a never-called one needs ``input_shape``), or containing nested models.
    layers : iterable of layers
        Layers of ``model`` (e.g. from :func:`select_layers`) that have an ``activation`` setting.
    input_shape : (H, W, C), optional
        Builds a never-called Sequential model first.

    Returns
    -------
    keras.Model
        The copy. Training it does not change ``model``.

    Raises
    ------
    ValueError
        For a chosen layer that is not in ``model`` or has no activation setting.
    """
    import keras

    ensure_built(model, input_shape)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        validate.fail("layers", "a list of layer objects, e.g. select_layers(model, 'block1_conv1')",
                      validate.describe(layers), kind=validate.InputTypeError)
    layers = [_layer(layer, "layers") for layer in layers]
    known = {id(layer) for layer in all_layers(model)}
    for layer in layers:
        if id(layer) not in known:
            raise ValueError(f"layer {layer.name!r} is not a layer of model {model.name!r}")
        if "activation" not in layer.get_config():
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) has no activation to remove")
    linear = {id(layer) for layer in layers}
    copies: list[tuple] = []

    def rebuild(layer):
        config = layer.get_config()
        if id(layer) in linear:
            config["activation"] = "linear"
        new = layer.__class__.from_config(config)
        copies.append((layer, new))
        return new

    copy = keras.models.clone_model(model, clone_function=rebuild, recursive=True)
    for old, new in copies:
        new.set_weights(old.get_weights())
    return copy


def counterpart(layer, model: "keras.Model", copy: "keras.Model"):
    """The layer of ``copy`` (from :func:`without_activation`) that stands where ``layer`` stands in ``model``."""
    _layer(layer)
    originals, copies = all_layers(model), all_layers(copy)
    for i, candidate in enumerate(originals):
        if candidate is layer and i < len(copies) and copies[i].name == layer.name:
            return copies[i]
    raise ValueError(f"layer {layer.name!r} has no counterpart in {copy.name!r}")


_PHILOX_M = (0xD2511F53, 0xCD9E8D57)       # Philox4x32-10 multipliers and key increments (Salmon et al., 2011)
_PHILOX_W = (0x9E3779B9, 0xBB67AE85)
_SCRAMBLE_KEY = (0x3EC8F720, 0x02461E29)  # TensorFlow's key that turns a seed into a key and a counter


def _philox(counter: np.ndarray, key: tuple[int, int]) -> np.ndarray:
    """Philox4x32-10 of ``counter`` ``(n, 4)`` uint32 under ``key``: ``(n, 4)`` uint32, as TensorFlow computes it."""
    c = [counter[:, i].astype(np.uint64) for i in range(4)]
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    mask, m0, m1 = np.uint64(0xFFFFFFFF), np.uint64(_PHILOX_M[0]), np.uint64(_PHILOX_M[1])
    for _ in range(10):
        p0, p1 = m0 * c[0], m1 * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0, p1 & mask, (p0 >> np.uint64(32)) ^ c[3] ^ k1, p0 & mask]
        k0, k1 = (k0 + np.uint64(_PHILOX_W[0])) & mask, (k1 + np.uint64(_PHILOX_W[1])) & mask
    return np.stack(c, axis=1).astype(np.uint32)


def seeded_uniform(shape: Sequence[int], seed: int) -> np.ndarray:
    """float32 uniform on [0, 1), the very numbers ``tf.random.stateless_uniform(shape, seed=[seed, 0])`` gives
    on a CPU -- so, on every Keras backend, the numbers Keras's seeded ``GlorotUniform`` draws with TensorFlow.

    Keras draws seeded initial weights with each backend's own generator (TensorFlow's Philox, JAX's threefry,
    PyTorch's), so the same seed gives other weights on another backend. The course's random controls (untrained
    twins, randomised layers) must be the same draw everywhere, so :func:`reinitialise` draws through this
    NumPy copy of TensorFlow's: the seed scrambled by one Philox4x32-10 call into a key and a counter, then
    element ``i`` from word ``i % 4`` of Philox at counter + ``i // 4``, its 23 low bits as the mantissa of a
    float in [1, 2), minus 1. ``tests/test_backend_parity.py`` checks it against TensorFlow bit for bit.
    """
    seed = validate.integer(seed, "seed", low=0, high=2**31 - 3)
    shape = tuple(validate.integer(d, "shape", low=0) for d in shape)
    n = int(np.prod(shape, dtype=np.int64))
    mix = _philox(np.array([[seed, 0, 0, 0]], np.uint32), _SCRAMBLE_KEY)[0]
    groups = (n + 3) // 4
    counter = np.zeros((groups, 4), np.uint32)
    counter[:, 0] = np.arange(groups, dtype=np.uint32)      # counter (0, 0, mix2, mix3) + i // 4: never carries
    counter[:, 2], counter[:, 3] = mix[2], mix[3]
    bits = _philox(counter, (int(mix[0]), int(mix[1]))).reshape(-1)[:n]
    floats = ((bits & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1.0)
    return floats.reshape(shape)


def _uniform_variance_scaling(init, shape: tuple, seed: int) -> np.ndarray | None:
    """Keras's ``VarianceScaling(distribution="uniform")`` (Glorot, He and LeCun uniform) drawn with
    :func:`seeded_uniform`: the same values as Keras with TensorFlow, on any backend. None for other
    initializers."""
    import keras

    if not isinstance(init, keras.initializers.VarianceScaling) or init.distribution != "uniform" or \
            getattr(init, "input_axes", None) is not None or getattr(init, "output_axes", None) is not None:
        return None
    fan_in, fan_out = _fans(shape)
    scale = init.scale / max(1.0, {"fan_in": fan_in, "fan_out": fan_out}.get(init.mode, (fan_in + fan_out) / 2.0))
    limit = np.float32(math.sqrt(3.0 * scale))
    return seeded_uniform(shape, seed) * (limit - (-limit)) + (-limit)      # as TensorFlow: u * (max - min) + min


def _fans(shape: tuple) -> tuple[float, float]:
    """Keras's fan-in and fan-out of a weight shape (dense: (in, out); convolution: (*kernel, in, out))."""
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def reinitialise(layer, seed: int) -> None:
    """Give every weight of ``layer`` new values from the layer's own initializer, seeded (in place).

    The building block of the course's controls: :func:`untrained_twin` (every layer) and
    ``explain.cascading_randomisation`` (the top k layers). Never touches Keras's global random state. Uniform
    variance-scaling initializers (Glorot, the course models' kernels) are drawn with :func:`seeded_uniform`, so
    a seed gives the same weights on TensorFlow, JAX and PyTorch -- the values Keras gives with TensorFlow;
    constant ones (zeros: the biases) are the same anyway; any other initializer draws with the backend's own
    generator (the same on one backend, not across backends).
    """
    import keras

    _layer(layer)
    seed = validate.integer(seed, "seed", low=0, high=2**31 - 3)
    rng = np.random.default_rng(seed)
    for v in layer.weights:
        init = getattr(layer, f"{v.name.split('/')[-1]}_initializer", None)
        if init is not None and hasattr(init, "get_config"):
            value = _uniform_variance_scaling(init, tuple(int(d) for d in v.shape), seed)
            if value is None:
                config = init.get_config()
                if "seed" in config:
                    init = type(init).from_config({**config, "seed": seed})
                value = keras.ops.convert_to_numpy(init(tuple(v.shape), dtype=v.dtype))
        else:   # no initializer to ask: a normal draw of the weights' own spread
            old = keras.ops.convert_to_numpy(v.value)
            value = rng.normal(0.0, max(float(old.std()), 0.05), old.shape).astype(old.dtype)
        v.assign(np.asarray(value).astype(v.dtype))


def untrained_twin(model: "keras.Model", seed: int = 0) -> "keras.Model":
    """The **untrained twin** of ``model``: the same architecture (layers, names, shapes), fresh initial weights.

    The course's control for any claim about what layers *learned* ("would an untrained network show this
    too?"): measure the same thing on the twin and report trained minus untrained. Layer ``i`` (in
    :func:`all_layers` order) gets its initializer's draw with seed ``1000 * seed + i``, so a twin is the same on
    every machine and run, different seeds give independent twins, and Keras's global random state is left
    alone. ``model`` itself is never modified. Used in notebooks 01 and 02 (depth claims) and 03 (the
    sanity check).

    Parameters
    ----------
    model : keras.Model
        A trained model (any kind :func:`all_layers` reads: functional, Sequential, nested).
    seed : int
        Which twin (0, 1, 2, ... for several, where the spread between initialisations matters).
    """
    import keras

    import random

    import numpy as np

    validate.model(model)
    seed = validate.integer(seed, "seed", low=0, high=2**20)
    ensure_built(model)
    saved = random.getstate(), np.random.get_state()
    try:   # cloning builds layers whose unseeded initializers draw from Python's random state: give it back
        twin = keras.models.clone_model(model, recursive=True)
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
    if {id(v) for v in twin.weights} & {id(v) for v in model.weights}:
        raise RuntimeError(f"the clone of model {model.name!r} shares weights with it; cannot make its twin")
    for i, layer in enumerate(all_layers(twin)):
        if layer.weights:
            reinitialise(layer, 1000 * seed + i)
    return twin
