"""Class activation heatmaps (Grad-CAM and LayerCAM) and how well they locate objects.

Notebook 03 writes every Grad-CAM step in its cells; this module is the reusable, tested,
batched form (one call for a whole batch), plus the measures of "does the heatmap find the
object?": the pointing game and the IoU of a box cut from the thresholded heatmap.

The gradient step runs compiled (:func:`helpers.gradients.compiled`: ``tf.function`` or ``jax.jit``), in chunks
of :data:`CHUNK` images so memory stays bounded. The compiled step is built once per (model, layer,
before_softmax) and kept as long as the model lives (see :func:`_tap_for`); ``benchmarks/cam_speed.py``
compares it with the eager step.
Every public function checks its inputs with :mod:`helpers.validate` and says what to fix.
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from . import validate
from .gradients import compiled, feature_gradients, to_numpy, to_tensor
from .layers import (
    all_layers,
    counterpart,
    ensure_built,
    output_rank,
    spatial_layers,
    tap_model,
    without_activation,
)
from .scenes import box_corners, box_from_corners
from .validate import InputTypeError, describe, fail

if TYPE_CHECKING:
    import keras

__all__ = ["CamResult", "default_layer", "class_activation_maps", "upsample", "overlay", "pointing_game",
           "box_from_heatmap", "rank_correlation", "center_heatmaps", "random_heatmaps", "CHUNK"]

#: Images per compiled gradient step: large batches are processed in chunks of this size.
CHUNK = 128
#: Largest side accepted for a heatmap or an image size (pixels), and most values one call may create
#: (2**28 float32 values = 1 GiB).
MAX_SIDE = 16_384
MAX_VALUES = 2 ** 28
#: Largest magnitude accepted in model inputs (preprocessed pixels are at most a few hundred).
MAX_INPUT = 1e6


@dataclass
class CamResult:
    """Heatmaps for a batch: ``heatmaps`` ``(N, h, w)`` in [0, 1] (all-zero where nothing supports the class)."""

    heatmaps: np.ndarray
    layer: str
    class_index: np.ndarray
    scores: np.ndarray


# ------------------------------------------------------------------------------------------
# argument checks (helpers.validate's format: the argument, what was expected, what came, the fix)
# ------------------------------------------------------------------------------------------

def _flag(value: Any, name: str) -> bool:
    """True or False (1 and 0 too, as Keras's ``verbose=1``)."""
    if not (isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1))):
        fail(name, "True or False", describe(value), kind=InputTypeError)
    return bool(value)


def _dims(value: Any, name: str, count: int, example: str) -> tuple:
    """``count`` whole numbers in 1..MAX_SIDE (a shape or a size)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list, np.ndarray)):
        fail(name, f"{count} whole numbers {example}", describe(value), kind=InputTypeError)
    dims = tuple(np.asarray(value, dtype=object).reshape(-1)) if isinstance(value, np.ndarray) else tuple(value)
    if len(dims) != count:
        fail(name, f"{count} whole numbers {example}", f"{len(dims)} of them: {dims}")
    return tuple(validate.integer(d, f"{name}[{i}]", low=1, high=MAX_SIDE) for i, d in enumerate(dims))


def _input_shape(value: Any) -> tuple | None:
    return None if value is None else _dims(value, "input_shape", 3, "(height, width, channels), e.g. (64, 64, 3)")


def _size(value: Any) -> tuple:
    """One side (a square) or ``(height, width)``."""
    if isinstance(value, (tuple, list, np.ndarray)):
        return _dims(value, "size", 2, "(height, width), e.g. (64, 96)")
    side = validate.integer(value, "size", low=1, high=MAX_SIDE)
    return side, side


def _at_most(n_values: int, what: str, name: str, fix: str) -> None:
    if n_values > MAX_VALUES:
        fail(name, f"at most {MAX_VALUES:,} values in all ({MAX_VALUES * 4 // 2 ** 30} GiB of float32)",
             f"{what} = {n_values:,} values", fix)


def _maps(value: Any, name: str, *, one: bool = False) -> np.ndarray:
    """Heatmaps ``(N, h, w)`` (``one``: a single ``(h, w)`` map), finite, as float64."""
    arr = validate.array(value, name)
    want = 2 if one else 3
    if arr.ndim != want:
        if arr.ndim == 4 and arr.shape[-1] == 1:
            fix = "drop the channel axis: maps[..., 0]"
        elif arr.ndim == want - 1:
            fix = "add a batch axis: heatmap[None]"
        elif one and arr.ndim == 3:
            fix = "pass one heatmap, e.g. result.heatmaps[i]"
        else:
            fix = "pass the heatmaps of a CamResult (result.heatmaps)"
        fail(name, "one heatmap (height, width)" if one else "heatmaps shaped (N, height, width)",
             f"shape {arr.shape}", fix)
    return arr


def _checked_model(model: Any) -> "keras.Model":
    validate.model(model, "model")
    if _has_inputs(model) and len(model.inputs) != 1:
        fail("model", "a model with one image input", f"model {model.name!r} with {len(model.inputs)} inputs")
    return model


def _has_inputs(model) -> bool:
    try:
        return bool(model.inputs)
    except (AttributeError, ValueError):  # a Sequential that was never called
        return False


def _build(model, input_shape: tuple | None) -> None:
    """Give a never-called Sequential its inputs (:func:`helpers.layers.ensure_built`), with a clear refusal."""
    import keras

    try:
        ensure_built(model, input_shape)
        return
    except ValueError as err:
        problem = str(err)
    if input_shape is None and isinstance(model, keras.Sequential):
        fail("input_shape", f"(height, width, channels) to build the Sequential model {model.name!r}, which has "
             "never been called", "None", "pass input_shape=(64, 64, 3) (your images' shape) or call the model "
             "once on an image")
    fail("model", "a model with defined inputs", f"model {model.name!r} ({problem})", "build it on a keras.Input")


def _spatial(model) -> list:
    spatial = spatial_layers(model)
    if not spatial:
        kinds = ", ".join(sorted({type(layer).__name__ for layer in all_layers(model)}))
        fail("model", "a convnet with at least one convolution or pooling layer (a spatial map to explain)",
             f"model {model.name!r}, whose layers are {kinds or 'none'}", "pass a convolutional model")
    return spatial


def _target(model, layer: Any):
    """The layer to explain: by name, or the last convolution."""
    import keras

    spatial = _spatial(model)
    if layer is None:
        convs = [lyr for lyr in spatial if isinstance(lyr, keras.layers.Conv2D)]
        return (convs or spatial)[-1]
    names = ", ".join(lyr.name for lyr in spatial[-6:])
    if not isinstance(layer, str):
        fail("layer", "a layer name (str) or None for the last convolution", describe(layer),
             f"e.g. layer={spatial[-1].name!r}", kind=InputTypeError)
    by_name = {lyr.name: lyr for lyr in all_layers(model)}
    if layer not in by_name:
        nested = _nested_names(model)
        hint = f" ({layer!r} is a nested model: name a layer inside it)" if layer in nested else ""
        fail("layer", f"the name of a spatial layer of model {model.name!r}",
             f"{layer!r}: no layer named {layer!r} in it{hint}", f"choose one of {names}")
    target = by_name[layer]
    rank = output_rank(target)
    if rank != 4:
        fail("layer", "a layer with a spatial map (batch, height, width, channels)",
             f"{layer!r}, whose output has rank {rank} (no spatial map)",
             f"choose a convolution or pooling layer, e.g. {names}")
    return target


def _nested_names(model) -> set:
    import keras

    out = set()
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out |= {layer.name} | _nested_names(layer)
    return out


# ------------------------------------------------------------------------------------------
# the compiled gradient step, made once per (model, layer, before_softmax)
# ------------------------------------------------------------------------------------------

@dataclass(eq=False)
class _Tap:
    """A tap model (images -> [features, class scores]) and its compiled gradient step."""

    tap: Any
    signature: tuple                 # ids of the model's layers when made: a model changed since gets a new tap
    compiled: Callable               # (x, class_index or None) -> (features, scores, gradients), compiled
    synced: list = field(default_factory=list)   # (model variable, copy variable) for a copy without softmax
    layer: Any = None                # the layer whose output the features are (in the tap's graph)

    @property
    def n_classes(self) -> int:
        return int(self.tap.outputs[-1].shape[-1])


#: model -> {(layer name, before_softmax): _Tap}. Weak keys: an entry goes when its model goes (a tap
#: holds the model's layers, not the model itself), so a clone or a model rebuilt in a loop does not pile up.
_TAPS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
#: The one kept entry that holds a whole copy of its model (softmax built into the last layer, e.g. VGG16):
#: (weak reference to the model, key). A copy doubles the model's memory, so only the latest is kept.
_KEPT_COPY: list = []


def _tap_for(model, target, before_softmax: bool) -> _Tap:
    """The cached tap and compiled step for ``target`` of ``model`` (made on first use)."""
    signature = tuple(id(layer) for layer in all_layers(model))
    taps = _TAPS.setdefault(model, {})
    key = (target.name, before_softmax)
    entry = taps.get(key)
    if entry is None or entry.signature != signature:
        entry = taps[key] = _new_tap(model, target, before_softmax, signature)
        if entry.synced:
            _keep_only_this_copy(model, key)
    for original, copy in entry.synced:   # a copy holds its own weights: bring them up to date (training)
        copy.assign(original.value)
    return entry


def _keep_only_this_copy(model, key) -> None:
    for ref, old_key in _KEPT_COPY:
        old = ref()
        if old is not None and (old is not model or old_key != key):
            _TAPS.get(old, {}).pop(old_key, None)
    _KEPT_COPY[:] = [(weakref.ref(model), key)]


def _new_tap(model, target, before_softmax: bool, signature: tuple) -> _Tap:
    score, copy_needed = _score_layer(model) if before_softmax else (None, False)
    synced = []
    layer = target
    if score is not None and not copy_needed:   # e.g. the course model's logits: read them where they are
        tap = tap_model(model, [target, score], include_output=False)
    elif copy_needed:                           # softmax inside the last layer: a copy without it
        copy = without_activation(model, [score])
        layer = counterpart(target, model, copy)
        tap = tap_model(copy, [layer])
        synced = [(old, new) for a, b in zip(all_layers(model), all_layers(copy))
                  for old, new in zip(a.weights, b.weights)]
    else:
        tap = tap_model(model, [target])
    shape = tuple(tap.outputs[-1].shape)
    if len(shape) != 2:
        fail("model", "a classifier whose output is class scores shaped (batch, classes)",
             f"model {model.name!r} with output shape {shape}", "pass an image classifier")

    def step(x, class_index):
        return feature_gradients(tap, x, class_index, layer=layer)

    return _Tap(tap, signature, compiled(step, tap.weights), synced, layer)


def _applies_softmax(layer) -> bool:
    """Does the layer's ``activation`` setting apply a softmax (keras's, or ``tf.nn.softmax``: "softmax_v2")?"""
    return getattr(getattr(layer, "activation", None), "__name__", "") in ("softmax", "softmax_v2")


def _is_softmax(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.Softmax) or (isinstance(layer, keras.layers.Activation)
                                                        and _applies_softmax(layer))


def _producer(tensor):
    """The layer whose output ``tensor`` is, looking inside nested models; None if no single layer is."""
    import keras

    while True:
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            return None
        op = history.operation
        if isinstance(op, keras.Model):   # a nested model's output: the layer inside that makes it
            try:
                outputs = list(op.outputs)
            except (AttributeError, ValueError):
                return None
            if history.tensor_index >= len(outputs):
                return None
            tensor = outputs[history.tensor_index]
            continue
        if (not isinstance(op, keras.layers.Layer) or isinstance(op, keras.layers.InputLayer)
                or history.tensor_index != 0):
            return None
        return op


def _score_layer(model: "keras.Model") -> tuple:
    """Where to read the class scores before a final softmax: ``(layer, copy_needed)``.

    * the last layer is a softmax of its own (``Activation("softmax")``, ``Softmax``), as in the course
      model: the layer that feeds it (the course model's ``logits``; inside a nested model if the softmax
      follows one) and False -- tap it directly;
    * the last layer has the softmax built in (``Dense(..., activation="softmax")``, e.g. VGG16): that
      layer and True -- a copy without its activation is needed (:func:`helpers.layers.without_activation`);
    * no softmax at the end: ``(None, False)`` -- the output already is a score.
    """
    import keras

    last = model.layers[-1]
    while isinstance(last, keras.Model):  # a nested model at the end: look inside
        last = last.layers[-1]
    if _is_softmax(last):
        try:
            feeder = _producer(last.input)
        except (AttributeError, ValueError):  # no recorded input
            feeder = None
        if feeder is not None:
            return feeder, False
        if isinstance(last, keras.layers.Softmax):  # no activation setting a copy could remove
            fail("before_softmax", "a softmax layer fed by one layer (the class scores), to read them there",
                 f"softmax layer {last.name!r}, whose input comes from no single layer",
                 "pass before_softmax=False, or put a named scores layer (e.g. Dense) right before the softmax")
        return last, True
    if _applies_softmax(last):
        return last, True
    return None, False


# ------------------------------------------------------------------------------------------
# public functions
# ------------------------------------------------------------------------------------------

def default_layer(model: "keras.Model", input_shape: Sequence[int] | None = None):
    """The last convolution of the model (or, if it has none, its last spatial layer).

    ``input_shape`` ``(height, width, channels)`` is needed only for a Sequential model never called.
    """
    _checked_model(model)
    _build(model, _input_shape(input_shape))
    return _target(model, None)


def class_activation_maps(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None,
                          layer: str | None = None, *, method: str = "gradcam", before_softmax: bool = True,
                          input_shape: Sequence[int] | None = None, verbose: bool = True,
                          _compiled: bool = True) -> CamResult:
    """Grad-CAM (or LayerCAM) heatmaps for a batch of preprocessed images, in one vectorised call.

    Parameters
    ----------
    images : (N, H, W, C) what the model takes (for the course model: ``preprocess(uint8 images)``).
        Raw uint8 pixels are refused unless the model scales them itself (a first ``Rescaling`` layer).
    class_index : int, sequence of int, or None
        The class to explain for every image, one per image, or None for each image's top class.
    layer : str, optional
        A spatial layer's name; default: the last convolution (printed when ``verbose``).
    method : "gradcam" or "layercam"
        Grad-CAM weights each channel by its mean gradient; LayerCAM weights each position of each
        channel by its own positive gradient.
    before_softmax : bool
        Differentiate the class *score* before the softmax (default). The softmax probability's gradient
        is contrastive (the class's score gradient minus the other classes', weighted by their
        probabilities); where the probability is exactly 1.0 in float32 only the other classes' part is
        left, so its heatmap is a different map, sometimes all zero (notebook 03, section 3). The model
        is never modified: the score is read
        from the layer before a separate softmax layer (``Activation("softmax")`` or ``Softmax``, e.g.
        the course model's ``logits``), or from a copy of the model without the softmax when the last
        layer has it built in.
    input_shape : (H, W, C), optional
        Not needed: a never-called Sequential model is built from the images' shape.

    The gradient step is compiled once per (model, layer, before_softmax) and reused; batches run in
    chunks of :data:`CHUNK` images. ``_compiled=False`` runs it eagerly (for ``benchmarks/cam_speed.py``).

    Returns
    -------
    CamResult
    """
    _checked_model(model)
    x = validate.images(images, "images", model=model)
    method = validate.choice(method, "method", ("gradcam", "layercam"))
    before_softmax = _flag(before_softmax, "before_softmax")
    verbose = _flag(verbose, "verbose")
    shape = _input_shape(input_shape)
    if shape is not None and shape != x.shape[1:]:
        fail("input_shape", f"the images' own shape {x.shape[1:]} (height, width, channels)", str(shape),
             "leave input_shape out: it is read from the images")
    big = float(np.abs(x).max())
    if big > MAX_INPUT:   # no image is preprocessed to such values; they overflow inside the model
        fail("images", f"preprocessed images (values of magnitude up to {MAX_INPUT:.0e} at most)",
             f"values up to {big:.3g}", "preprocess the images as in training (e.g. course_model.preprocess)")
    if not _has_inputs(model):
        _build(model, x.shape[1:])
        x = validate.images(x, "images", model=model, unit_range=False)   # the sizes the model now takes
    target = _target(model, layer)
    if layer is None and verbose:
        print(f"Grad-CAM on layer {target.name!r}, the last convolution (pass layer=... to choose another)")
    entry = _tap_for(model, target, before_softmax)
    cls = validate.class_index(class_index, "class_index", entry.n_classes, n=len(x))
    raw, scores = [], []
    for start in range(0, len(x), CHUNK):
        xb, cb = x[start:start + CHUNK], None if cls is None else cls[start:start + CHUNK]
        xt, ct = to_tensor(xb), None if cb is None else to_tensor(np.asarray(cb, np.int32))
        out = entry.compiled(xt, ct) if _compiled else feature_gradients(entry.tap, xt, ct, layer=entry.layer)
        features, s, grads = (to_numpy(t) for t in out)
        if method == "gradcam":
            weights = grads.mean(axis=(1, 2))                         # (n, C): how important is each channel
            chunk = np.einsum("nhwc,nc->nhw", features, weights) / features.shape[-1]
        else:
            chunk = (np.maximum(grads, 0) * features).sum(axis=-1)
        raw.append(np.maximum(chunk, 0))
        scores.append(s)
    cam, scores = np.concatenate(raw), np.concatenate(scores)
    broken = ~(np.isfinite(cam).all(axis=(1, 2)) & np.isfinite(scores).all(axis=1))
    if broken.any():
        fail("images", "inputs on which the model's scores and gradients stay finite",
             f"{int(broken.sum())} of {len(x)} images giving inf or NaN (the first: image {int(np.argmax(broken))})",
             "scale the images as in training (e.g. course_model.preprocess) and check the model's weights")
    if cls is None:
        cls = scores.argmax(axis=1)
    peak = cam.max(axis=(1, 2), keepdims=True)
    empty = peak[:, 0, 0] <= 0
    if empty.any():
        warnings.warn(f"{int(empty.sum())} of {len(cam)} heatmaps are all zero: nothing in layer {target.name!r} "
                      "raises that class's score (returned as zeros, not NaN)", stacklevel=2)
    cam = np.where(peak > 0, cam / np.where(peak > 0, peak, 1), 0.0).astype(np.float32)
    return CamResult(cam, target.name, cls, scores)


def upsample(heatmaps: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize ``(N, h, w)`` (or one ``(h, w)``) heatmaps to the image size, bilinearly; clipped to [0, 1].

    ``size``: one side (a square) or ``(height, width)``.
    """
    import keras

    h = validate.array(heatmaps, "heatmaps", ndim=(2, 3))
    if h.ndim == 3 and h.shape[-1] == 1 and h.shape[1] > 1:   # one (h, w, 1) map: would be read as h maps of w x 1
        fail("heatmaps", "heatmaps shaped (N, height, width) or one (height, width)",
             f"shape {h.shape}: a map with a trailing channel axis?", "drop the channel axis: heatmap[..., 0]")
    out_h, out_w = _size(size)
    single = h.ndim == 2
    h = h[None] if single else h
    _at_most(len(h) * out_h * out_w, f"{len(h)} maps of {out_h}x{out_w}", "size",
             "upsample fewer maps at a time, or to a smaller size")
    peak = float(np.abs(h).max())
    scale = peak if peak > 1e30 else 1.0   # huge values: interpolate h / scale, so nothing overflows to inf
    out = to_numpy(keras.ops.image.resize((h / scale).astype(np.float32)[..., None], (out_h, out_w),
                                          interpolation="bilinear", antialias=False))[..., 0]
    out = np.clip(out if scale == 1.0 else out.astype(np.float64) * scale, 0, 1).astype(np.float32)
    return out[0] if single else out


def overlay(image: np.ndarray, heatmap: np.ndarray, intensity: float = 0.4) -> np.ndarray:
    """The slides' picture: the heatmap in the jet colour map, scaled by ``intensity``, added to the image.

    ``image``: one uint8 RGB picture ``(H, W, 3)``; ``heatmap``: one ``(h, w)`` map in [0, 1] (a CamResult's;
    resized to the image).
    """
    from matplotlib import colormaps

    img = validate.array(image, "image", dtype=None)
    if img.ndim != 3:
        fail("image", "one RGB picture (height, width, 3) of uint8 pixels", f"shape {img.shape}",
             "convert a grayscale picture with helpers.images.to_rgb_batch" if img.ndim == 2
             else "pass one image, e.g. images[i]")
    if img.shape[-1] != 3:
        fail("image", "one RGB picture (height, width, 3)", f"shape {img.shape} ({img.shape[-1]} channels)",
             "convert grayscale or RGBA pictures with helpers.images.to_rgb_batch")
    img = validate.uint8_images(img, "image")[0]
    hm = _maps(heatmap, "heatmap", one=True).astype(np.float32)
    validate.in_unit_range(hm, "heatmap", "a heatmap scaled like a CamResult's, values",
                           "pass result.heatmaps[i] (or cam.upsample of it); a 0..255 map: divide it by 255")
    intensity = validate.number(intensity, "intensity", low=0, high=1)
    if hm.shape != img.shape[:2]:
        hm = upsample(hm, img.shape[:2])
    jet = colormaps["jet"](np.clip(hm, 0, 1))[..., :3] * 255
    out = jet * intensity + img.astype(np.float32)
    return np.clip(out / max(out.max(), 1) * 255, 0, 255).astype(np.uint8)


def pointing_game(heatmaps: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """For each image: is the heatmap's peak inside the true box? (bool array).

    ``heatmaps`` ``(N, H, W)`` at any resolution; ``boxes`` ``(N, 4)`` as ``(bx, by, bh, bw)`` fractions.
    An all-zero heatmap points nowhere (a miss).
    """
    h = _maps(heatmaps, "heatmaps").astype(np.float32)
    b = validate.boxes(boxes, "boxes", single=False)
    if len(b) != len(h):
        fail("boxes", f"one box per heatmap ({len(h)} of them)", f"{len(b)} box{'es' if len(b) != 1 else ''}",
             "pass the boxes of the same images, in the same order")
    n, H, W = h.shape
    flat = h.reshape(n, -1)
    k = flat.argmax(axis=1)
    py, px = (k // W + 0.5) / H, (k % W + 0.5) / W
    x0, y0, x1, y1 = box_corners(b.astype(np.float32)).T
    inside = (x0 <= px) & (px <= x1) & (y0 <= py) & (py <= y1)
    return inside & (flat.max(axis=1) > 0)


def box_from_heatmap(heatmaps: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The box ``(bx, by, bh, bw)`` around every pixel at or above ``threshold`` × the peak (zeros if none).

    ``heatmaps`` ``(N, H, W)``; ``threshold`` in [0, 1].
    """
    h = _maps(heatmaps, "heatmaps").astype(np.float32)
    threshold = validate.number(threshold, "threshold", low=0, high=1)
    n, H, W = h.shape
    out = np.zeros((n, 4), np.float32)
    for i in range(n):
        peak = h[i].max()
        if peak <= 0:
            continue
        ys, xs = np.nonzero(h[i] >= threshold * peak)
        out[i] = box_from_corners((xs.min() / W, ys.min() / H, (xs.max() + 1) / W, (ys.max() + 1) / H))
    return out


def rank_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each pair of maps ``a[i]``, ``b[i]`` (0 where a map is constant): the Pearson
    correlation of their ranks from ``scipy.stats.rankdata``, one pair per row (``scipy.stats.spearmanr`` would compare
    every row with every other).

    ``a`` and ``b``: maps of the same shape, ``(N, h, w)`` (or ``(N, k)``). Tied values get their average
    rank (Spearman's definition): the many zeros a ReLU leaves share one rank instead of an arbitrary order. A
    zero region in the same place in both maps still adds to the correlation.
    """
    a = validate.array(a, "a", ndim=(2, 3))
    b = validate.array(b, "b", ndim=(2, 3))
    if a.shape != b.shape:
        fail("b", f"maps of the same shape as a, {a.shape}", f"shape {b.shape}",
             "compare the heatmaps of the same images at the same size (cam.upsample one of them)")
    from scipy.stats import rankdata

    a = a.reshape(len(a), -1)
    b = b.reshape(len(b), -1)
    ra = rankdata(a, method="average", axis=1)           # ties share their average rank, as Spearman's rho needs
    rb = rankdata(b, method="average", axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    den = np.sqrt((ra ** 2).sum(axis=1) * (rb ** 2).sum(axis=1))
    const = (a.min(axis=1) == a.max(axis=1)) | (b.min(axis=1) == b.max(axis=1))
    return np.where(const | (den == 0), 0.0, (ra * rb).sum(axis=1) / np.where(den == 0, 1, den))


def _baseline_size(n: Any, size: Any) -> tuple[int, int]:
    n = validate.integer(n, "n", low=1, high=validate.MAX_SCENES)
    size = validate.integer(size, "size", low=1, high=MAX_SIDE)
    _at_most(n * size * size, f"n x size x size = {n} x {size} x {size}", "n",
             "make fewer or smaller maps (a baseline needs as many maps as images, at the image size)")
    return n, size


def center_heatmaps(n: int, size: int) -> np.ndarray:
    """Baseline: a bump at the image centre for every image, ``(n, size, size)``."""
    n, size = _baseline_size(n, size)
    c = (np.arange(size) + 0.5) / size - 0.5
    bump = np.exp(-(c[None, :] ** 2 + c[:, None] ** 2) / 0.05).astype(np.float32)
    return np.repeat(bump[None], n, axis=0)


def random_heatmaps(n: int, size: int, seed: int = 0) -> np.ndarray:
    """Baseline: uniform random heatmaps ``(n, size, size)`` (seeded)."""
    n, size = _baseline_size(n, size)
    seed = validate.integer(seed, "seed", low=0)
    return np.random.default_rng(seed).random((n, size, size), dtype=np.float32)
