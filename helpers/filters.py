"""Filter patterns by gradient ascent in input space (the slides' "Visualizing filters").

Notebook 02 writes the one-filter loop in its cells; this module holds the reusable, tested
form: every filter of a layer optimised **at once** (one image per filter, each with its own
gradient normalisation), computing only up to the target layer, optionally with transforms
(:class:`Jitter`, :class:`BlurEvery`, or your own :class:`Transform`) that regularise the ascent.

Every Keras 3 backend runs it: ``keras.ops``, the gradient from :mod:`helpers.gradients`, the ascent's step compiled
by ``tf.function`` or ``jax.jit`` (eager on PyTorch). The patterns agree between backends to float rounding, which
the ascent amplifies over its steps (see the notes of :func:`filter_patterns`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from . import gradients, validate
from .gradients import rms_normalize, to_numpy, to_tensor
from .layers import select_layers, tap_model, without_activation

if TYPE_CHECKING:
    import keras

__all__ = ["FilterPatterns", "filter_patterns", "Transform", "Jitter", "BlurEvery", "start_images", "deprocess",
           "explained_by_edges_and_colours", "conv_layer", "pre_activations", "dead_at_start",
           "trained_minus_untrained"]


@dataclass
class FilterPatterns:
    """What :func:`filter_patterns` found for each filter of one layer.

    Attributes
    ----------
    layer : str
    filters : numpy.ndarray
        ``(F,)`` filter indices.
    images : numpy.ndarray
        ``(F, H, W, 3)`` uint8: the patterns, deprocessed for display.
    inputs : numpy.ndarray
        ``(F, H, W, 3)`` float32: the optimised model inputs themselves.
    history : numpy.ndarray
        ``(steps + 1, F)`` mean activation of each filter (before its ReLU for the ``"pre_activation"``
        objective) before each step and at the end.
    """

    layer: str
    filters: np.ndarray
    images: np.ndarray
    inputs: np.ndarray
    history: np.ndarray

    @property
    def activation_before(self) -> np.ndarray:
        return self.history[0]

    @property
    def activation_after(self) -> np.ndarray:
        return self.history[-1]

    @property
    def dead(self) -> np.ndarray:
        """True for filters that stayed at zero from start to end: the ascent had no gradient to follow."""
        return (np.abs(self.history) <= 1e-7).all(axis=0)

    def gain(self) -> np.ndarray:
        """Final / initial mean activation of each live filter (NaN-free: dead filters are left out)."""
        live = ~self.dead & (self.activation_before > 1e-7)
        return self.activation_after[live] / self.activation_before[live]


def conv_layer(model: "keras.Model", layer: str, input_shape: Sequence[int] | None = None):
    """The named layer, checked to be a convolution (its output a spatial map of filters)."""
    import keras

    chosen = select_layers(model, layer, input_shape=input_shape)[0]
    if not isinstance(chosen, keras.layers.Conv2D):
        kind = type(chosen).__name__
        convs = [lyr.name for lyr in select_layers(model, None, input_shape=input_shape)
                 if isinstance(lyr, keras.layers.Conv2D)]
        raise ValueError(f"layer {layer!r} is a {kind}, not a convolution: filter patterns need a Conv2D "
                         f"layer; the convolutions are: {', '.join(convs) or 'none'}")
    return chosen


def start_images(filters: Sequence[int], shape: Sequence[int], seed: int = 0, noise: float = 0.08) -> np.ndarray:
    """Grey images with a little noise, one per filter; filter ``f`` always gets the same start image."""
    if len(np.shape(shape)) != 1 or len(shape) != 3:
        validate.fail("shape", "(height, width, channels)", validate.describe(shape))
    h, w, c = (validate.integer(v, "shape", low=1, high=4096) for v in shape)
    filters = validate.array(list(filters), "filters", dtype=None, ndim=1)
    seed = validate.integer(seed, "seed", low=0)
    noise = validate.number(noise, "noise", low=0)
    return np.stack([0.5 + noise * (np.random.default_rng([seed, int(f)]).random((h, w, c), dtype=np.float32) - 0.5)
                     for f in filters]).astype(np.float32)


def deprocess(x: np.ndarray, contrast: float = 0.15) -> np.ndarray:
    """Make optimised inputs displayable: centre, scale to a fixed contrast, clip, to uint8 (per image)."""
    x = validate.array(x, "x", dtype=np.float32, ndim=(3, 4))
    contrast = validate.number(contrast, "contrast", low=0, low_open=True)
    single = x.ndim == 3
    x = x[None] if single else x
    axes = (1, 2, 3)
    x = x - x.mean(axis=axes, keepdims=True)
    x = x / (x.std(axis=axes, keepdims=True) + 1e-5) * contrast + 0.5
    out = (np.clip(x, 0, 1) * 255).astype(np.uint8)
    return out[0] if single else out


def _blur(x, sigma: float):
    """Separable Gaussian blur of a batch ``(N, H, W, C)`` (reflect padding; a tensor of the active backend)."""
    import keras

    ops = keras.ops
    r = max(1, int(round(2 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k = (k / k.sum()).astype(np.float32)
    c = x.shape[-1]
    kx = to_tensor(np.tile(k[None, :, None, None], (1, 1, c, 1)))
    ky = to_tensor(np.tile(k[:, None, None, None], (1, 1, c, 1)))
    x = ops.pad(x, [[0, 0], [r, r], [r, r], [0, 0]], mode="reflect")
    x = ops.depthwise_conv(x, kx, strides=1, padding="valid", data_format="channels_last")
    return ops.depthwise_conv(x, ky, strides=1, padding="valid", data_format="channels_last")


class Transform:
    """One change to the plain ascent, passed in ``filter_patterns(..., transforms=[...])``.

    A transform may act at two moments of every step; each hook does nothing unless overridden:

    * :meth:`before_gradient` — what the model sees this step, plus how to carry the gradient back
      onto the image being optimised (e.g. :class:`Jitter`: roll the image, roll the gradient back);
    * :meth:`after_step` — change the image after the step (e.g. :class:`BlurEvery`).

    Both run inside the compiled step (``tf.function`` or ``jax.jit``; eagerly on PyTorch) on tensors of the
    active backend: write them with ``keras.ops``. Anything random or scheduled is drawn beforehand by
    :meth:`plan`, once per call, so every filter (batched or one at a time) sees the same choices; a hook gets
    that step's row as ``p``, a tensor (traced when compiled: branch on it with ``keras.ops.cond`` or
    ``keras.ops.where``, not ``if``). Several transforms act in list order before the gradient, carry it back in
    reverse order, and act in list order after the step.
    """

    def plan(self, steps: int, seed: int) -> np.ndarray:
        """One row of settings per step, handed to the hooks as that step's ``p`` (default: no settings)."""
        return np.zeros((steps, 0), np.float32)

    def before_gradient(self, x, p):
        """Return ``(what the model sees, a function mapping its gradient back onto x)``."""
        return x, lambda grad: grad

    def after_step(self, x, p):
        """Return the image after the step."""
        return x


class Jitter(Transform):
    """Roll the image by up to ``pixels`` pixels (random, per step) before taking the gradient; roll the gradient back.

    Transformation robustness: a pattern that still works when shifted a little is less of a pixel-level trick.
    """

    def __init__(self, pixels: int = 2):
        self.pixels = validate.integer(pixels, "pixels", low=0, high=64)

    def __repr__(self) -> str:
        return f"Jitter({self.pixels})"

    def plan(self, steps: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng([seed, 7])
        return rng.integers(-self.pixels, self.pixels + 1, size=(steps, 2)).astype(np.int32)

    def before_gradient(self, x, p):
        import keras

        ops = keras.ops
        shift = _ints_if_readable(p)
        back = tuple(-v for v in shift) if isinstance(shift, tuple) else -shift
        return ops.roll(x, shift=shift, axis=(1, 2)), lambda grad: ops.roll(grad, shift=back, axis=(1, 2))


def _ints_if_readable(p):
    """A shift as a tuple of ints when its values can be read now (PyTorch, eager: its roll takes ints only); a
    traced tensor (inside ``tf.function`` or ``jax.jit``) as it is."""
    if isinstance(p, np.ndarray):
        return tuple(int(v) for v in p)
    try:
        return tuple(int(v) for v in to_numpy(p))
    except Exception:  # noqa: BLE001  (TensorFlow and JAX raise their own errors for a traced tensor)
        return p


class BlurEvery(Transform):
    """Blur the image (Gaussian, ``sigma`` pixels) after every ``every``-th step: penalises high frequencies."""

    def __init__(self, every: int = 4, sigma: float = 0.7):
        self.every = validate.integer(every, "every", low=1, high=validate.MAX_STEPS)
        self.sigma = validate.number(sigma, "sigma", low=0, high=20, low_open=True)

    def __repr__(self) -> str:
        return f"BlurEvery({self.every}, sigma={self.sigma})"

    def plan(self, steps: int, seed: int) -> np.ndarray:
        return np.array([[(s + 1) % self.every == 0] for s in range(steps)], bool).reshape(steps, 1)

    def after_step(self, x, p):
        import keras

        return keras.ops.cond(p[0], lambda: _blur(x, self.sigma), lambda: x)


OBJECTIVES = ("post_activation", "pre_activation")


def filter_patterns(model: "keras.Model", layer: str, filters: Sequence[int] | range | None = None, *,
                    steps: int = 30, step_size: float = 0.02, objective: str = "post_activation",
                    transforms: Sequence[Transform] = (), batched: bool = True, seed: int = 0,
                    noise: float = 0.08, input_shape: Sequence[int] | None = None) -> FilterPatterns:
    """Find, by gradient ascent, an input that each chosen filter of ``layer`` responds to most.

    For every filter ``n``: loss = mean activation of channel ``n``; gradient of the loss with
    respect to the input image; normalise it by its RMS (+1e-5); step up; repeat. The start
    images are :func:`start_images` ``(filters, shape, seed, noise)``. The model is never modified.

    Parameters
    ----------
    model : keras.Model
        Any kind (functional, never-called Sequential with ``input_shape``, nested, applications).
    layer : str
        A Conv2D layer's name.
    filters : sequence of int, optional
        Filter indices (default: all).
    steps, step_size : int, float
        Gradient-ascent steps and their size (in the model's input units: [0, 1] for the course model).
    objective : "post_activation" or "pre_activation"
        What to maximise: the filter's output as the model computes it (after its ReLU, the slides'
        recipe), or its output *before* the ReLU. A filter that outputs zero everywhere on the start
        image has zero gradient after the ReLU (a "dead" start); before it, it always has a direction
        to climb. (Computed on a copy of the layers up to ``layer``, ``layer`` without its activation:
        see :func:`helpers.layers.without_activation`.)
    transforms : sequence of Transform
        Regularisation ("going further"), e.g. ``[Jitter(2), BlurEvery(4)]``: roll the image by up to
        2 pixels before each step and blur it every 4 steps. See :class:`Transform` to write your own.
    batched : bool
        Optimise all filters at once (one image per filter) instead of one after another.
        Both give the same pictures.
    seed, noise : int, float
        The start images' seed and noise amplitude (also the seed of random transforms).
    input_shape : (H, W, C), optional
        The image shape, needed for a never-called Sequential model or a model that takes images
        of any size (e.g. ``(128, 128, 3)``).

    Notes
    -----
    The step (gradient, normalisation, transforms) is compiled on TensorFlow and JAX
    (:func:`helpers.gradients.compiled`), eager on PyTorch. The backends compute the same thing; their float32
    rounding differs, and the ascent amplifies it over the steps (the normalised gradient of a near-dead filter can
    turn another way), so patterns from different backends agree closely but not to the bit.
    """
    import keras

    ops = keras.ops
    validate.model(model)
    steps = validate.integer(steps, "steps", low=0, high=validate.MAX_STEPS)
    step_size = validate.number(step_size, "step_size", low=0, low_open=True)
    objective = validate.choice(objective, "objective", OBJECTIVES)
    seed = validate.integer(seed, "seed", low=0)
    noise = validate.number(noise, "noise", low=0)
    if not isinstance(transforms, Transform) and (isinstance(transforms, (str, bytes))
                                                  or not hasattr(transforms, "__iter__")):
        validate.fail("transforms", "a list of Transform objects such as [Jitter(2), BlurEvery(4)]",
                      validate.describe(transforms), kind=validate.InputTypeError)
    transforms = [transforms] if isinstance(transforms, Transform) else list(transforms)
    for t in transforms:
        if not isinstance(t, Transform):
            validate.fail("transforms", "Transform objects such as Jitter(2) or BlurEvery(4)", repr(t),
                          "build them from helpers.filters (Jitter, BlurEvery) or subclass Transform",
                          kind=validate.InputTypeError)
    target = conv_layer(model, layer, input_shape)
    extractor = tap_model(model, [target], input_shape=input_shape, include_output=False)
    n_filters = int(target.filters)
    if filters is not None and (isinstance(filters, (str, bytes, float)) or not hasattr(filters, "__iter__")):
        validate.fail("filters", "a list or range of filter indices, e.g. range(8) or [1, 12]",
                      validate.describe(filters), "for one filter, pass [12]", kind=validate.InputTypeError)
    idx = np.arange(n_filters) if filters is None else validate.class_index(
        validate.array(list(filters), "filters", dtype=None, ndim=1), "filters", n_filters, what="filter",
        owner=f"layer {layer!r}")
    if idx.size == 0:
        validate.fail("filters", "a non-empty list or range of filter indices", "an empty one")
    shape = list(extractor.inputs[0].shape[1:])
    if input_shape is not None:
        if len(input_shape) != len(shape) or any(d is not None and d != int(s) for d, s in zip(shape, input_shape)):
            raise ValueError(f"input_shape {tuple(input_shape)} does not fit the model's input {tuple(shape)}")
        shape = [int(s) for s in input_shape]
    if None in shape:
        raise ValueError("the model takes images of any size: pass input_shape=(height, width, channels), "
                         "e.g. (128, 128, 3)")
    if objective == "pre_activation":
        extractor = without_activation(extractor, [target])  # only the layers up to the target are copied
    x0 = start_images(idx, shape, seed, noise)

    def activation(x, channels):
        a = extractor(x, training=False)
        return ops.mean(ops.take_along_axis(a, ops.reshape(channels, (-1, 1, 1, 1)), axis=3)[..., 0], axis=(1, 2))

    adapter = gradients._ADAPTERS[gradients.backend()]   # inside compiled code: no input checks on traced values

    def step(x, channels, settings):
        seen, back = x, []
        for t, p in zip(transforms, settings):
            seen, undo = t.before_gradient(seen, p)
            back.append(undo)
        value, grad = adapter(activation, seen, channels)
        for undo in reversed(back):
            grad = undo(grad)
        x = x + step_size * rms_normalize(grad)
        for t, p in zip(transforms, settings):
            x = t.after_step(x, p)
        return x, value

    step = gradients.compiled(step)

    plans = [np.asarray(t.plan(steps, seed)) for t in transforms]
    for t, p in zip(transforms, plans):
        if len(p) != steps:
            raise ValueError(f"{t!r}.plan gave {len(p)} rows of settings for {steps} steps")
    groups = [slice(0, len(idx))] if batched else [slice(i, i + 1) for i in range(len(idx))]
    xs, hist = [], []
    for group in groups:
        x = to_tensor(x0[group])
        channels = to_tensor(idx[group].astype(np.int32))
        h = []
        for s in range(steps):
            x, value = step(x, channels, tuple(to_tensor(p[s]) for p in plans))
            h.append(to_numpy(value))
        h.append(to_numpy(activation(x, channels)))
        xs.append(to_numpy(x))
        hist.append(np.stack(h))
    inputs = np.concatenate(xs)
    history = np.concatenate(hist, axis=1)
    return FilterPatterns(target.name, idx, deprocess(inputs), inputs, history)


def explained_by_edges_and_colours(activation: np.ndarray, images: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """For each channel: the share of its response (R²) that a linear mix of simple edge and colour maps explains.

    The maps are those of :func:`helpers.activations.edge_and_colour_maps`, average-pooled to the
    layer's resolution, and their 3x3 neighbourhood means; each feature is standardised before a ridge fit with
    penalty ``l2`` per data point, so that fainter (pooled, deeper) maps are not shrunk more. A filter that *is*
    an edge or colour detector scores near 1; a filter that responds to something more complex scores low.
    Channels that never respond are NaN-free: 0. A ReLU's output is not linear in anything: pass the layer's
    values before its activation (:func:`helpers.layers.without_activation`) to measure the filter, not the
    rectification. Used in 02 (complexity by depth).

    Parameters
    ----------
    activation : (N, h, w, C) a layer's outputs for ``images``
    images : (N, H, W, 3) the inputs in [0, 1]
    """
    from .activations import edge_and_colour_maps

    a = validate.array(activation, "activation", ndim=4)
    x = validate.images(images, "images")
    if len(a) != len(x):
        validate.fail("activation", f"one map per image ({len(x)} images)", f"{len(a)} maps")
    l2 = validate.number(l2, "l2", low=0, low_open=True)
    maps = edge_and_colour_maps(x).astype(np.float64)
    f = maps.shape[1] // a.shape[1]
    if f < 1 or maps.shape[1] != a.shape[1] * f:
        validate.fail("activation", f"a map size that divides the image size {maps.shape[1:3]}", f"{a.shape[1:3]}")
    n, h, w, k = maps.shape
    if f > 1:
        maps = maps.reshape(n, h // f, f, w // f, f, k).mean(axis=(2, 4))
    # the features a unit at depth d can see: the maps, and their 3x3 neighbourhood means
    p = np.pad(maps, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    hood = sum(p[:, 1 + dy:p.shape[1] - 1 + dy, 1 + dx:p.shape[2] - 1 + dx]
               for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9
    X = np.concatenate([maps, hood], axis=-1).reshape(-1, 2 * k)
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 1e-12, sd, 1.0)   # standardised: one penalty means the same at
    X = np.hstack([X, np.ones((len(X), 1))])                   # every depth (pooled maps are fainter)
    Y = a.reshape(-1, a.shape[-1]).astype(np.float64)
    Y = Y - Y.mean(axis=0)                                     # centred: the intercept's fit is exactly 0 then
    xtx, xty = X.T @ X, X.T @ Y
    W = np.linalg.solve(xtx + l2 * len(X) * np.eye(X.shape[1]), xty)
    # the residuals' sum of squares from the products already made: |Y - XW|² = |Y|² - 2 W·XᵀY + W·XᵀX W
    yy = np.einsum("ij,ij->j", Y, Y)
    ssr = yy - 2 * np.einsum("ij,ij->j", W, xty) + np.einsum("ij,ij->j", W, xtx @ W)
    var = yy / len(Y)
    r2 = 1.0 - np.maximum(ssr, 0.0) / len(Y) / np.maximum(var, 1e-12)
    return np.where(var > 1e-12, np.clip(r2, 0.0, 1.0), 0.0)


def pre_activations(model: "keras.Model", images: np.ndarray, layers: Sequence[str],
                    batch_size: int = 200) -> dict[str, np.ndarray]:
    """Each chosen convolution's output **before its activation** (the filter itself, not its ReLU), in one pass.

    The model is tapped at the inputs of the chosen ``Conv2D`` layers (one forward pass), and each layer's
    convolution and bias are applied to its input: what :func:`helpers.layers.without_activation` computes, but
    without copying the model once per layer. Every other layer keeps its activation, so a layer's input is what
    the trained (or untrained) network really feeds it. Used in 02 (complexity by depth, for the course model and
    its untrained twins).

    Parameters
    ----------
    model : keras.Model
        A functional model whose chosen layers are ``Conv2D`` (the course model, or its
        :func:`helpers.layers.untrained_twin`).
    images : numpy.ndarray
        ``(N, H, W, 3)`` what the model takes (for the course model: ``course_model.preprocess(...)``).
    layers : sequence of str
        Names of ``Conv2D`` layers, e.g. ``["block1_conv1", "block2_conv1"]``.
    batch_size : int
        Images per forward pass.

    Returns
    -------
    dict
        ``{layer name: (N, h, w, filters) float32}``, before the activation.
    """
    import keras

    validate.model(model)
    x = validate.images(images, "images", model=model)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__") or not list(layers):
        validate.fail("layers", "a list of Conv2D layer names, e.g. ['block1_conv1']", validate.describe(layers),
                      "wrap one name in a list: ['block1_conv1']", kind=validate.InputTypeError)
    batch_size = validate.integer(batch_size, "batch_size", low=1, high=4096)
    convs = [conv_layer(model, name) for name in layers]
    try:
        feeds = [conv.input for conv in convs]
    except (AttributeError, ValueError):
        validate.fail("model", "a functional model (its layers' inputs are known)", type(model).__name__,
                      "use layers.without_activation(model, [layer]) and activations.compute_activations instead")
    tap = keras.Model(model.input, feeds)
    out: dict[str, list] = {conv.name: [] for conv in convs}
    for start in range(0, len(x), batch_size):
        ins = tap(x[start:start + batch_size], training=False)
        ins = ins if isinstance(ins, (list, tuple)) else [ins]
        for conv, i in zip(convs, ins):
            y = conv.convolution_op(i, conv.kernel)
            if conv.use_bias:
                y = y + conv.bias
            out[conv.name].append(to_numpy(y))
    return {name: np.concatenate(v).astype(np.float32) for name, v in out.items()}


def dead_at_start(model: "keras.Model", layers: Sequence[str], seed: int = 0, noise: float = 0.08) -> dict[str, np.ndarray]:
    """Which filters are dead for :func:`filter_patterns`' grey start, without running the ascent.

    Filter ``f`` starts from its own image :func:`start_images` ``([f], ...)``. If its output before the ReLU is
    nowhere above 0 on that image, the ReLU gives 0 everywhere, the gradient is 0 and the ascent never moves:
    exactly :attr:`FilterPatterns.dead`. One forward pass per model instead of one ascent per filter. Used in 02
    (dead filters of the course model against its untrained twins).

    Parameters
    ----------
    model : keras.Model
        A functional model taking 0-1 images (the course model or a :func:`helpers.layers.untrained_twin`).
    layers : sequence of str
        Names of ``Conv2D`` layers.
    seed, noise : int, float
        As for :func:`filter_patterns` (defaults: the same start images).

    Returns
    -------
    dict
        ``{layer name: (filters,) bool}``, True for a dead filter.
    """
    validate.model(model)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__") or not list(layers):
        validate.fail("layers", "a list of Conv2D layer names, e.g. ['block1_conv1']", validate.describe(layers),
                      "wrap one name in a list: ['block1_conv1']", kind=validate.InputTypeError)
    seed = validate.integer(seed, "seed", low=0)
    noise = validate.number(noise, "noise", low=0)
    widths = {name: int(conv_layer(model, name).filters) for name in layers}
    shape = tuple(int(v) for v in model.input.shape[1:])
    starts = start_images(range(max(widths.values())), shape, seed=seed, noise=noise)
    pre = pre_activations(model, starts, list(layers))
    out = {}
    for name, k in widths.items():
        own = pre[name][np.arange(k), :, :, np.arange(k)]          # (k, h, w): filter f on its own start
        out[name] = own.reshape(k, -1).max(axis=1) <= 0
    return out


def trained_minus_untrained(trained: Sequence[np.ndarray], twins: Sequence[Sequence[np.ndarray]],
                            draws: int = 2000, seed: int = 0) -> tuple[list[float], list[tuple[float, float]]]:
    """Per block, the trained median minus the twins' mean median, and a 95 % bootstrap interval.

    Each draw resamples the trained network's per-filter values and those of one twin picked at random, and takes
    the difference of the medians: the interval covers the choice of filters and of initialisation. One random
    generator runs through the blocks in order. Used in 02 (what training adds to complexity, per block).

    Parameters
    ----------
    trained : sequence of 1-D arrays
        Per block, one value per filter of the trained network.
    twins : sequence of sequences of 1-D arrays
        Per block, per twin, one value per filter.
    draws : int
        Bootstrap draws per block.
    seed : int
        Seed of the generator.

    Returns
    -------
    (list of float, list of (float, float))
        The differences and their intervals, per block.
    """
    for value, name in ((trained, "trained"), (twins, "twins")):
        if isinstance(value, (str, bytes, np.ndarray)) or not isinstance(value, (list, tuple)):
            validate.fail(name, "a list with one entry per block", validate.describe(value),
                          "pass e.g. [per_filter[n] for n in conv_layers]", kind=validate.InputTypeError)
    if len(trained) != len(twins) or not len(trained):
        validate.fail("twins", f"one list of twins per block ({len(trained)} blocks)", f"{len(twins)} blocks",
                      "pass per block the twins' per-filter values")
    trained = [validate.array(t, "trained", dtype=None, ndim=1) for t in trained]
    twins = [[validate.array(u, "twins", dtype=None, ndim=1) for u in tw] for tw in twins]
    if any(not len(tw) for tw in twins):
        validate.fail("twins", "at least one twin per block", "a block without twins", "add the twins' values")
    draws = validate.integer(draws, "draws", low=1, high=10 ** 6)
    rng = np.random.default_rng(validate.integer(seed, "seed", low=0))
    diffs, cis = [], []
    for t, tw in zip(trained, twins):
        d = [np.median(rng.choice(t, len(t))) - np.median(rng.choice(u, len(u))) for u in
             (tw[s] for s in rng.integers(0, len(tw), draws))]
        diffs.append(float(np.median(t) - np.mean([np.median(u) for u in tw])))
        cis.append(tuple(float(q) for q in np.quantile(d, [0.025, 0.975])))
    return diffs, cis
