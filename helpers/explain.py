"""Which explanation can you trust? Pixel saliency methods, metrics against true masks, and a sanity check.

Groundwork for issue 18. Every saliency method has the same form::

    maps = method(model, images, class_index)      # images (N, H, W, 3) in [0, 1] -> maps (N, H, W)

so methods can be swapped in one comparison loop. The explained quantity is the class *score* before
the softmax (the course model's ``logits`` layer, read where it is, as :mod:`helpers.cam` does; a model
whose last layer has the softmax built in is read through a copy without it). Gradients are taken by
:func:`helpers.gradients.class_score_gradients` (compiled, batched); Grad-CAM and LayerCAM come from :mod:`helpers.cam`.

The metrics score a map against the scene's exact object mask (``generate_scenes(n, seed, masks=True)``)
or against the model itself (deletion and insertion curves); :func:`cascading_randomisation` and
:func:`sanity_rank_correlation` are the model-randomisation test of Adebayo et al. (2018), "Sanity checks
for saliency maps", NeurIPS.

Every public function checks its inputs with :mod:`helpers.validate` and says what to fix.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from . import cam, validate
from .gradients import _first, class_score_gradients, class_scores
from .layers import all_layers, reinitialise, tap_model, without_activation
from .validate import InputTypeError, describe, fail

if TYPE_CHECKING:
    import keras

__all__ = ["vanilla_gradient", "gradient_times_input", "smoothgrad", "integrated_gradients",
           "ig_completeness_error", "occlusion", "grad_cam", "layer_cam", "grad_cam_plus_plus",
           "mask_energy", "pointing_in_mask", "box_masks", "blurred", "edge_maps", "deletion_curve",
           "insertion_curve", "auc", "average_drop", "cascading_randomisation", "sanity_rank_correlation"]

#: Most steps, samples or curve points one call accepts (each is a pass over the whole batch).
MAX_STEPS = 4096


# ------------------------------------------------------------------------------------------
# the class score before the softmax, and its gradient with respect to the pixels
# ------------------------------------------------------------------------------------------

#: model -> (layer ids when made, scorer or None for "the model itself", [(model var, copy var)]).
#: Weak keys: a scorer holds the model's layers (or a copy), never the model, so entries go with their model.
_SCORERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _scorer(model):
    """images -> class scores before the softmax (see :func:`helpers.cam._score_layer`)."""
    signature = tuple(id(layer) for layer in all_layers(model))
    entry = _SCORERS.get(model)
    if entry is None or entry[0] != signature:
        layer, copy_needed = cam._score_layer(model)
        synced: list = []
        if layer is None:                       # no softmax at the end: the output is the score
            scorer = None
        elif not copy_needed:                   # the course model: read its logits layer
            scorer = tap_model(model, [layer], include_output=False)
        else:                                   # softmax built into the last layer: a copy without it
            scorer = without_activation(model, [layer])
            synced = list(zip(model.weights, scorer.weights))
        entry = _SCORERS[model] = (signature, scorer, synced)
    for original, copy in entry[2]:             # the copy's weights follow the model's (after training)
        copy.assign(original.value)
    return model if entry[1] is None else entry[1]


def _class_scores(fn, x: np.ndarray, cls: np.ndarray) -> np.ndarray:
    """``fn(x)[n, cls[n]]`` for every image (no gradient), compiled and chunked by :mod:`helpers.gradients`."""
    return class_scores(fn, np.asarray(x, np.float32), np.asarray(cls))


def _input_gradients(scorer, x: np.ndarray, cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scores (N,), d score / d pixels (N, H, W, C)) through :func:`helpers.gradients.class_score_gradients`."""
    return class_score_gradients(scorer, np.asarray(x, np.float32), np.asarray(cls))


#: Images per stacked batch when many variants of each image go through the model (noisy copies, path points,
#: occluded copies, curve points): variants are grouped so that one group holds about this many images.
STACK = 1024


def _groups(n_variants: int, n_images: int) -> list[range]:
    size = max(1, STACK // max(n_images, 1))
    return [range(a, min(a + size, n_variants)) for a in range(0, n_variants, size)]


# ------------------------------------------------------------------------------------------
# argument checks (helpers.validate's format)
# ------------------------------------------------------------------------------------------

def _prepare(model: Any, images: Any, class_index: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    """Checked (images float32 (N, H, W, 3) in [0, 1], class indices (N,), scorer)."""
    cam._checked_model(model)
    x = validate.images(images, "images", model=model)
    if not cam._has_inputs(model):
        cam._build(model, x.shape[1:])
        x = validate.images(x, "images", model=model, unit_range=False)
    if x.shape[-1] != 3:
        fail("images", "RGB images (N, H, W, 3)", f"shape {x.shape}",
             "convert grayscale or RGBA pictures with helpers.images.to_rgb_batch")
    if x.min() < 0 or x.max() > 1:
        fail("images", "pixels scaled to [0, 1]", f"values from {x.min():.3g} to {x.max():.3g}",
             "pass course_model.preprocess(uint8 images)")
    scorer = _scorer(model)
    shape = tuple(_first(scorer.outputs).shape)
    if len(shape) != 2:
        fail("model", "a classifier whose output is class scores shaped (batch, classes)",
             f"model {model.name!r} with output shape {shape}", "pass an image classifier")
    cls = validate.class_index(class_index, "class_index", int(shape[-1]), n=len(x))
    if cls is None:   # each image's top class
        cls = np.asarray(_first(scorer.predict(x, verbose=0)) if len(x) > cam.CHUNK
                         else _first(scorer(x, training=False))).argmax(axis=1)
    return x, cls.astype(np.int64), scorer


def _maps_like(value: Any, name: str, images: np.ndarray) -> np.ndarray:
    maps = cam._maps(value, name)
    if maps.shape != images.shape[:3]:
        fail(name, f"one map per image at the images' size, shape {images.shape[:3]}", f"shape {maps.shape}",
             "resize the maps to the image size with helpers.cam.upsample (pixel-level methods need nothing)")
    return maps


def _masks(value: Any, maps: np.ndarray) -> np.ndarray:
    fix = "pass one boolean mask per image, e.g. scenes.class_map() == 2 (the cars) or scenes.masks == 1"
    arr = validate.array(value, "masks", dtype=None, ndim=3)
    if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
        fail("masks", "object masks of 0/1 or True/False", f"values {np.unique(arr)[:6].tolist()}", fix)
    if arr.shape != maps.shape:
        fail("masks", f"one mask per map at the maps' size, shape {maps.shape}", f"shape {arr.shape}",
             "resize the maps to the masks' size with helpers.cam.upsample")
    return arr.astype(bool)


def _steps(value: Any, name: str = "steps") -> int:
    return validate.integer(value, name, low=1, high=MAX_STEPS)


# ------------------------------------------------------------------------------------------
# gradient methods
# ------------------------------------------------------------------------------------------

def vanilla_gradient(model: "keras.Model", images: np.ndarray,
                     class_index: int | Sequence[int] | None = None) -> np.ndarray:
    """Saliency as the size of the class score's gradient (Simonyan et al., 2014).

    Parameters
    ----------
    model : keras.Model
        An image classifier; the score explained is the one before its softmax.
    images : (N, H, W, 3) float in [0, 1]
        E.g. ``course_model.preprocess(scenes.images)``.
    class_index : int, (N,) ints, or None
        The class to explain per image (0-based; None: each image's top class).

    Returns
    -------
    (N, H, W) float64
        ``max`` over the three channels of ``|d score / d pixel|``.
    """
    x, cls, scorer = _prepare(model, images, class_index)
    _, g = _input_gradients(scorer, x, cls)
    return np.abs(g).max(axis=-1)


def gradient_times_input(model: "keras.Model", images: np.ndarray,
                         class_index: int | Sequence[int] | None = None) -> np.ndarray:
    """Gradient × input (Shrikumar et al., 2016): ``sum`` over channels of ``x * d score / d x`` (signed).

    Arguments as :func:`vanilla_gradient`. For a model linear in its pixels this is each pixel's exact share
    of the score (with a black reference); the sign is kept: negative pixels speak against the class.
    """
    x, cls, scorer = _prepare(model, images, class_index)
    _, g = _input_gradients(scorer, x, cls)
    return (g * x).sum(axis=-1)


def smoothgrad(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None, *,
               n_samples: int = 16, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """SmoothGrad (Smilkov et al., 2017): the vanilla map averaged over noisy copies of each image.

    Parameters
    ----------
    n_samples : int
        Noisy copies per image.
    noise : float
        Standard deviation of the Gaussian noise, in pixel units (the images span [0, 1], so this is also
        the paper's noise level sigma / (x_max - x_min)). Noisy pixels are not clipped. 0 gives the vanilla map.
    seed : int
        The noise is ``noise * numpy.random.default_rng(seed).standard_normal((n_samples, N, H, W, 3))``:
        the same seed gives the same map.

    Returns
    -------
    (N, H, W) float64: the mean over the samples of :func:`vanilla_gradient`'s map (max |gradient| over channels).
    """
    x, cls, scorer = _prepare(model, images, class_index)
    n_samples = _steps(n_samples, "n_samples")
    noise = validate.number(noise, "noise", low=0, high=10)
    seed = validate.integer(seed, "seed", low=0)
    rng = np.random.default_rng(seed)
    total = np.zeros(x.shape[:3])
    for group in _groups(n_samples, len(x)):            # noisy copies drawn in order, stacked into one batch
        noisy = np.concatenate([x + rng.standard_normal(x.shape) * noise for _ in group]).astype(np.float32)
        _, g = _input_gradients(scorer, noisy, np.tile(cls, len(group)))
        total += np.abs(g).max(axis=-1).reshape(len(group), *x.shape[:3]).sum(axis=0)
    return total / n_samples


def _baseline(value: Any, x: np.ndarray) -> np.ndarray:
    if value is None:
        return np.zeros_like(x, dtype=np.float64)
    b = validate.array(value, "baseline", ndim=(3, 4))
    try:
        return np.broadcast_to(b, x.shape).astype(np.float64)
    except ValueError:
        fail("baseline", f"one image {x.shape[1:]} or one per image {x.shape}", f"shape {b.shape}",
             "pass None for black, or e.g. np.full(images.shape, 0.5) for grey")


def _integrated(scorer, x: np.ndarray, cls: np.ndarray, base: np.ndarray, steps: int) -> tuple:
    """(attributions (N, H, W, C), score(x), score(baseline)); the path integral by the trapezoid rule."""
    alphas = np.linspace(0.0, 1.0, steps + 1)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2
    total = np.zeros_like(base)
    ends = {}
    for group in _groups(steps + 1, len(x)):            # path points stacked into one batch
        points = np.concatenate([base + alphas[k] * (x - base) for k in group]).astype(np.float32)
        s, g = _input_gradients(scorer, points, np.tile(cls, len(group)))
        s, g = s.reshape(len(group), len(x)), g.reshape(len(group), *x.shape)
        total += np.tensordot(weights[list(group)], g, axes=1)
        for j, k in enumerate(group):
            if k in (0, steps):
                ends[k] = s[j]
    return (x - base) * total, ends[steps], ends[0]


def integrated_gradients(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None,
                         *, baseline: np.ndarray | None = None, steps: int = 32) -> np.ndarray:
    """Integrated gradients (Sundararajan et al., 2017), summed over the channels.

    ``(x - baseline) * mean gradient along the straight path from the baseline to x``; the path integral
    is the trapezoid rule on ``steps`` equal intervals (``steps + 1`` gradient evaluations). Exact for a
    model linear in its pixels; :func:`ig_completeness_error` measures how far from exact it is otherwise.

    Parameters
    ----------
    baseline : None, (H, W, 3) or (N, H, W, 3)
        The reference image; None: black (all zeros).
    steps : int
        Intervals of the path.

    Returns
    -------
    (N, H, W) float64: each pixel's attribution (signed), summed over its three channels.
    """
    x, cls, scorer = _prepare(model, images, class_index)
    base = _baseline(baseline, x)
    steps = _steps(steps)
    attributions, _, _ = _integrated(scorer, x.astype(np.float64), cls, base, steps)
    return attributions.sum(axis=-1)


def ig_completeness_error(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None,
                          steps: int = 32, *, baseline: np.ndarray | None = None) -> float:
    """How far integrated gradients is from adding up: the largest relative error over the images.

    ``max_n |sum(attributions_n) - (score(x_n) - score(baseline_n))| / |score(x_n) - score(baseline_n)|``, the
    scores being the class scores before the softmax. Completeness is exact in the limit of many steps;
    Sundararajan et al. suggest more steps until this is within about 5 %. An image whose score equals the
    baseline's has nothing to attribute: its denominator is taken as 1e-12 (a huge error shows it).
    """
    x, cls, scorer = _prepare(model, images, class_index)
    base = _baseline(baseline, x)
    steps = _steps(steps)
    attributions, s_x, s_base = _integrated(scorer, x.astype(np.float64), cls, base, steps)
    delta = s_x - s_base
    err = np.abs(attributions.sum(axis=(1, 2, 3)) - delta) / np.maximum(np.abs(delta), 1e-12)
    return float(err.max())


# ------------------------------------------------------------------------------------------
# occlusion
# ------------------------------------------------------------------------------------------

def _starts(side: int, patch: int, stride: int) -> list[int]:
    """Patch positions along one side: every ``stride`` pixels, plus one flush with the far edge."""
    starts = list(range(0, side - patch + 1, stride))
    if starts[-1] != side - patch:
        starts.append(side - patch)
    return starts


def occlusion(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None, *,
              patch: int = 8, stride: int = 4, fill: float = 0.5) -> np.ndarray:
    """Occlusion sensitivity (Zeiler & Fergus, 2014): how much the class score drops when a patch is greyed.

    A ``patch`` × ``patch`` square of all three channels is set to ``fill`` at every ``stride`` pixels (and
    flush with the right and bottom edges, so every pixel is covered); each pixel's value is the mean
    ``score(x) - score(occluded x)`` over the patches that cover it. Scores are before the softmax.

    Returns
    -------
    (N, H, W) float64: positive where hiding the pixel lowers the score.
    """
    x, cls, scorer = _prepare(model, images, class_index)
    n, H, W, _ = x.shape
    patch = validate.integer(patch, "patch", low=1, high=min(H, W))
    stride = validate.integer(stride, "stride", low=1, high=max(H, W))
    fill = validate.number(fill, "fill", low=0, high=1)
    base = _class_scores(scorer, x, cls)
    total, count = np.zeros((n, H, W)), np.zeros((H, W))
    places = [(top, left) for top in _starts(H, patch, stride) for left in _starts(W, patch, stride)]
    for group in _groups(len(places), n):               # occluded copies stacked into one batch
        hidden = np.repeat(x[None], len(group), axis=0)
        for j, k in enumerate(group):
            top, left = places[k]
            hidden[j, :, top:top + patch, left:left + patch, :] = fill
        drops = np.tile(base, len(group)) - _class_scores(scorer, hidden.reshape(-1, H, W, x.shape[-1]),
                                                          np.tile(cls, len(group)))
        for j, k in enumerate(group):
            top, left = places[k]
            total[:, top:top + patch, left:left + patch] += drops[j * n:(j + 1) * n, None, None]
            count[top:top + patch, left:left + patch] += 1
    return total / count


# ------------------------------------------------------------------------------------------
# class activation maps at pixel level
# ------------------------------------------------------------------------------------------

def grad_cam(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None,
             layer: str | None = None) -> np.ndarray:
    """:func:`helpers.cam.class_activation_maps` (Grad-CAM) upsampled to the image size: (N, H, W) in [0, 1].

    ``layer``: a spatial layer's name (default: the last convolution).
    """
    x, cls, _ = _prepare(model, images, class_index)
    result = cam.class_activation_maps(model, x, cls, layer, method="gradcam", verbose=False)
    return cam.upsample(result.heatmaps, x.shape[1:3]).astype(np.float64)


def layer_cam(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None,
              layer: str | None = None) -> np.ndarray:
    """:func:`helpers.cam.class_activation_maps` (LayerCAM) upsampled to the image size: (N, H, W) in [0, 1]."""
    x, cls, _ = _prepare(model, images, class_index)
    result = cam.class_activation_maps(model, x, cls, layer, method="layercam", verbose=False)
    return cam.upsample(result.heatmaps, x.shape[1:3]).astype(np.float64)


def grad_cam_plus_plus(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None,
                       layer: str | None = None) -> np.ndarray:
    """Grad-CAM++ (Chattopadhyay et al., 2018, "Grad-CAM++: Generalized gradient-based visual explanations
    for deep convolutional networks", WACV), upsampled to the image size.

    With features ``A`` of ``layer`` and the gradient ``g = d score / d A`` of the class score before the softmax,
    the closed form for an exponential output (the paper's eq. 19, as common implementations use it)::

        alpha[i, j, k] = g**2 / (2 g**2 + sum_ab A[a, b, k] * g**3)       (0 where g = 0)
        w[k] = sum_ij alpha[i, j, k] * relu(g[i, j, k])
        map  = relu(sum_k w[k] * A[..., k]), divided by its peak

    Unlike Grad-CAM's mean gradient, only positive gradients count, each weighted by ``alpha``.

    Returns
    -------
    (N, H, W) float64 in [0, 1] (all zero where nothing supports the class).
    """
    x, cls, _ = _prepare(model, images, class_index)
    target = cam._target(model, layer)
    entry = cam._tap_for(model, target, True)
    maps = []
    for start in range(0, len(x), cam.CHUNK):
        features, _, grads = (np.asarray(t, dtype=np.float64)
                              for t in entry.compiled(x[start:start + cam.CHUNK], cls[start:start + cam.CHUNK]))
        g2, g3 = grads ** 2, grads ** 3
        denom = 2 * g2 + features.sum(axis=(1, 2), keepdims=True) * g3
        alpha = np.where((grads != 0) & (denom != 0), g2 / np.where(denom != 0, denom, 1), 0.0)
        weights = (alpha * np.maximum(grads, 0)).sum(axis=(1, 2))           # (n, K)
        maps.append(np.maximum(np.einsum("nhwk,nk->nhw", features, weights), 0))
    m = np.concatenate(maps)
    peak = m.max(axis=(1, 2), keepdims=True)
    m = np.where(peak > 0, m / np.where(peak > 0, peak, 1), 0.0)
    return cam.upsample(m, x.shape[1:3]).astype(np.float64)


# ------------------------------------------------------------------------------------------
# metrics against the exact masks
# ------------------------------------------------------------------------------------------

def mask_energy(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Share of each map's positive mass inside the object's mask ("energy-based pointing game", Score-CAM).

    ``maps`` ``(N, H, W)``; ``masks`` ``(N, H, W)`` bool or 0/1, e.g. ``scenes.class_map() == 2`` (cars).
    Only the positive part of a map counts; a map with no positive value gets 0.

    Returns
    -------
    (N,) float64 in [0, 1]; compare with the mask's own share of the image (what a flat map scores).
    """
    m = np.maximum(cam._maps(maps, "maps"), 0)
    k = _masks(masks, m)
    total = m.sum(axis=(1, 2))
    inside = (m * k).sum(axis=(1, 2))
    return np.where(total > 0, inside / np.where(total > 0, total, 1), 0.0)


def pointing_in_mask(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Is each map's peak pixel on the object? (N,) bool.

    The peak is the first largest value in raster order; a map whose largest value is <= 0 points nowhere (False).
    """
    m = cam._maps(maps, "maps")
    k = _masks(masks, m)
    flat = m.reshape(len(m), -1)
    peak = flat.argmax(axis=1)
    return k.reshape(len(k), -1)[np.arange(len(k)), peak] & (flat.max(axis=1) > 0)


def box_masks(boxes: np.ndarray, size: int) -> np.ndarray:
    """``(N, size, size)`` bool: the pixels whose centres lie inside each box.

    ``boxes`` ``(N, 4)`` as ``(bx, by, bh, bw)`` fractions of the image (the scenes' ``boxes``). Used in 07 to
    score a map's energy inside the box, as on photos, beside the exact mask.
    """
    b = validate.array(boxes, "boxes", ndim=2)
    if b.shape[1] != 4:
        fail("boxes", "(N, 4) boxes (bx, by, bh, bw)", f"shape {b.shape}", "pass scenes.boxes")
    size = validate.integer(size, "size", low=1, high=4096)
    c = (np.arange(size) + 0.5) / size
    x0, x1 = b[:, 0] - b[:, 3] / 2, b[:, 0] + b[:, 3] / 2
    y0, y1 = b[:, 1] - b[:, 2] / 2, b[:, 1] + b[:, 2] / 2
    inside_x = (c[None] >= x0[:, None]) & (c[None] < x1[:, None])          # (N, size)
    inside_y = (c[None] >= y0[:, None]) & (c[None] < y1[:, None])
    return inside_y[:, :, None] & inside_x[:, None, :]


def blurred(images: np.ndarray) -> np.ndarray:
    """Each image Gaussian-blurred: sigma = max(1, max(H, W) / 16) pixels, edges repeated (separable, per
    channel); float64. The deletion and insertion curves' ``"blur"`` imputation, and a baseline for
    :func:`integrated_gradients` that keeps the colours but not the detail (used so in 07)."""
    x = validate.array(images, "images", ndim=4)
    return _blurred(x)


def edge_maps(images: np.ndarray) -> np.ndarray:
    """Baseline "explanation" that never looks at the model: the Sobel edge strength of each image's grey
    version, ``(N, H, W)`` float64 (edges repeated at the border). Used in 07: a method that scores like it
    may only be finding edges."""
    x = validate.array(images, "images", ndim=4)
    grey = x.astype(np.float64).mean(axis=-1)
    p = np.pad(grey, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = grey.shape[1:]
    win = lambda dy, dx: p[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]       # neighbour at (dy, dx)
    gx = (win(-1, 1) + 2 * win(0, 1) + win(1, 1)) - (win(-1, -1) + 2 * win(0, -1) + win(1, -1))
    gy = (win(1, -1) + 2 * win(1, 0) + win(1, 1)) - (win(-1, -1) + 2 * win(-1, 0) + win(-1, 1))
    return np.sqrt(gx ** 2 + gy ** 2)


def _blurred(x: np.ndarray) -> np.ndarray:
    """Gaussian blur, sigma = max(1, max(H, W) / 16) pixels, edges repeated (separable, per channel)."""
    sigma = max(1.0, max(x.shape[1:3]) / 16)
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    p = np.pad(x.astype(np.float64), ((0, 0), (r, r), (r, r), (0, 0)), mode="edge")
    rows = sum(k[i] * p[:, i:i + x.shape[1], :, :] for i in range(2 * r + 1))
    return sum(k[i] * rows[:, :, i:i + x.shape[2], :] for i in range(2 * r + 1))


def _curve(model, images, class_index, maps, steps, fill, insert: bool) -> np.ndarray:
    x, cls, _ = _prepare(model, images, class_index)
    m = _maps_like(maps, "maps", x)
    steps = _steps(steps)
    fill = validate.choice(fill, "fill", ("blur", "mean"))
    n, H, W, _ = x.shape
    empty = _blurred(x) if fill == "blur" else np.broadcast_to(x.mean(axis=(1, 2), keepdims=True), x.shape)
    order = np.argsort(-m.reshape(n, -1), axis=1, kind="stable")     # most important first; ties in raster order
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(H * W)[None].repeat(n, 0), axis=1)
    rank = rank.reshape(n, H, W, 1)
    counts = np.round(np.linspace(0, H * W, steps + 1)).astype(int)
    out = np.zeros((n, steps + 1))
    for group in _groups(steps + 1, n):                 # curve points stacked into one batch
        chosen = [rank < counts[k] for k in group]
        xk = np.concatenate([np.where(c, x, empty) if insert else np.where(c, empty, x) for c in chosen])
        out[:, list(group)] = _class_scores(model, xk.astype(np.float32), np.tile(cls, len(group))).reshape(
            len(group), n).T
    return out


def deletion_curve(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None,
                   maps: np.ndarray, steps: int = 16, fill: str = "blur") -> np.ndarray:
    """Deletion (Petsiuk et al., 2018, RISE): the class output as pixels are removed, most important first.

    Pixels are ranked by ``maps`` ``(N, H, W)`` (largest first; ties in raster order). At point ``k`` of
    ``steps + 1`` the first ``round(k * H * W / steps)`` pixels (all three channels) are replaced by the
    imputation ``fill``:

    * ``"blur"``: the same pixel of a Gaussian-blurred copy of the image (sigma = max(1, max(H, W) / 16)
      pixels, edges repeated), so removed pixels keep the local colour but lose detail;
    * ``"mean"``: the image's mean colour (per channel).

    Returns
    -------
    (N, steps + 1) float64: the model's output for the class -- its probability for a classifier ending
    in a softmax such as the course model (for a model without one, its raw output). Point 0 is the
    intact image, the last the fully imputed one. A faithful map makes it fall fast: a small :func:`auc`.
    """
    return _curve(model, images, class_index, maps, steps, fill, insert=False)


def insertion_curve(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None,
                    maps: np.ndarray, steps: int = 16, fill: str = "blur") -> np.ndarray:
    """Insertion (Petsiuk et al., 2018): the class output as pixels are put back, most important first.

    Starts from the fully imputed image (``fill`` as in :func:`deletion_curve`) and restores the original
    pixels in the map's order. Returns ``(N, steps + 1)``; a faithful map makes it rise fast: a large :func:`auc`.
    """
    return _curve(model, images, class_index, maps, steps, fill, insert=True)


def auc(curve: np.ndarray) -> np.ndarray | float:
    """Area under curves sampled at equal steps over [0, 1] (trapezoid rule).

    ``curve``: ``(K,)`` or ``(N, K)`` with ``K >= 2`` points (e.g. from :func:`deletion_curve`); a float or ``(N,)``.
    """
    c = validate.array(curve, "curve", ndim=(1, 2))
    if c.shape[-1] < 2:
        fail("curve", "at least 2 points per curve", f"shape {c.shape}", "compute the curve with steps >= 1")
    area = (c[..., :-1] + c[..., 1:]).sum(axis=-1) / (2 * (c.shape[-1] - 1))
    return float(area) if c.ndim == 1 else area


def average_drop(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None,
                 maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average drop and increase in confidence (Chattopadhyay et al., 2018, Grad-CAM++), per image.

    Each map, its positive part divided by its peak, is used as a soft mask: the model sees ``image * mask``
    (black where the map is 0). With ``p`` the class output for the image and ``o`` for the masked one:
    ``drop = max(0, p - o) / p`` and ``increase = o > p``. A map that keeps what the model needs loses little
    (a small mean drop) and sometimes gains. A map with no positive value masks everything.

    Returns
    -------
    (drop (N,) float64 in [0, 1], increase (N,) bool). Their means are the paper's "average drop" and
    "increase in confidence" (the paper gives them in %).
    """
    x, cls, _ = _prepare(model, images, class_index)
    m = np.maximum(_maps_like(maps, "maps", x), 0)
    peak = m.max(axis=(1, 2), keepdims=True)
    soft = np.where(peak > 0, m / np.where(peak > 0, peak, 1), 0.0)
    p = _class_scores(model, x, cls)
    o = _class_scores(model, (x * soft[..., None]).astype(np.float32), cls)
    drop = np.maximum(p - o, 0) / np.maximum(p, 1e-12)
    return drop, o > p


# ------------------------------------------------------------------------------------------
# the sanity check: cascading model randomisation (Adebayo et al., 2018)
# ------------------------------------------------------------------------------------------

def _clone(model):
    import keras

    clone = keras.models.clone_model(model, recursive=True)
    clone.set_weights(model.get_weights())
    if {id(v) for v in clone.weights} & {id(v) for v in model.weights}:
        raise RuntimeError(f"the clone of model {model.name!r} shares weights with it; randomising would change it")
    return clone


def cascading_randomisation(model: "keras.Model", layers_top_down: Sequence[str],
                            seed: int = 0) -> Iterator[tuple[str, "keras.Model"]]:
    """Cascading model-parameter randomisation (Adebayo et al., 2018, "Sanity checks for saliency maps").

    Yields ``(layer name, clone)`` for each name in ``layers_top_down``: the k-th clone is a copy of
    ``model`` (``keras.models.clone_model`` + its weights) whose top k chosen layers (the first k names)
    have fresh weights from their own initializers. Layer i always gets the same new weights (seed
    ``seed + 1 + i``), so randomisation accumulates. ``model`` itself is never modified.
    An explanation that still looks the same on clones whose top layers are random does not explain what
    the model learned: compare the maps with :func:`sanity_rank_correlation`.

    Parameters
    ----------
    layers_top_down : sequence of str
        Names of layers with weights, from the output towards the input, e.g. ``["logits", "dense",
        "conv3", ...]`` for the course model.

    Returns
    -------
    An iterator (one clone alive at a time if you do not keep them); the checks run at the call.
    """
    cam._checked_model(model)
    cam._build(model, None)
    if isinstance(layers_top_down, (str, bytes)) or not isinstance(layers_top_down, (list, tuple)):
        fail("layers_top_down", "a list of layer names, top (output side) first", describe(layers_top_down),
             "e.g. ['logits', 'dense']", kind=InputTypeError)
    names = list(layers_top_down)
    positions = {layer.name: i for i, layer in enumerate(all_layers(model))}
    with_weights = [layer.name for layer in all_layers(model) if layer.weights and layer.name in positions]
    if not names:
        fail("layers_top_down", "at least one layer name", "an empty list", f"choose among {with_weights[::-1]}")
    for name in names:
        if not isinstance(name, str) or name not in positions:
            fail("layers_top_down", f"names of layers of model {model.name!r}", repr(name),
                 f"choose among {with_weights[::-1]}")
        if name not in with_weights:
            fail("layers_top_down", "layers with weights to randomise", f"{name!r}, which has none",
                 f"choose among {with_weights[::-1]}")
    order = [positions[name] for name in names]
    if any(a <= b for a, b in zip(order, order[1:])):
        fail("layers_top_down", "each layer once, from the output towards the input", str(names),
             f"order them as {sorted(names, key=positions.get, reverse=True)}")
    seed = validate.integer(seed, "seed", low=0)
    return _cascade(model, names, seed)


def _cascade(model, names: list[str], seed: int):
    for k in range(1, len(names) + 1):
        clone = _clone(model)
        by_name = {layer.name: layer for layer in all_layers(clone)}
        for i, name in enumerate(names[:k]):
            reinitialise(by_name[name], seed + 1 + i)
        yield names[k - 1], clone


def sanity_rank_correlation(maps_a: np.ndarray, maps_b: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each pair of maps (:func:`helpers.cam.rank_correlation`, average ranks).

    ``maps_a``, ``maps_b``: ``(N, H, W)`` of the same images, e.g. the original model's maps and a
    randomised clone's. Near 1: the map did not change when the model did (a failed sanity check).
    Adebayo et al. also compare absolute values: pass ``np.abs(maps)`` for signed methods.
    """
    a = cam._maps(maps_a, "maps_a")
    b = cam._maps(maps_b, "maps_b")
    if a.shape != b.shape:
        fail("maps_b", f"maps of the same shape as maps_a, {a.shape}", f"shape {b.shape}",
             "compare maps of the same images at the same size")
    return cam.rank_correlation(a, b)
