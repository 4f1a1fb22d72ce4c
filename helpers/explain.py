"""Which explanation can you trust? Pixel saliency methods, metrics against true masks, and a sanity check.

Groundwork for issue 18. Every saliency method has the same form::

    maps = method(model, images, class_index)      # images (N, H, W, 3) in [0, 1] -> maps (N, H, W)

so methods can be swapped in one comparison loop. The explained quantity is the class *score* before
the softmax (the course model's ``logits`` layer, read where it is, as :mod:`helpers.cam` does; a model
whose last layer has the softmax built in is read through a copy without it). Gradients are taken by
:func:`helpers.gradients.class_score_gradients` (compiled, batched); Grad-CAM and LayerCAM come from :mod:`helpers.cam`.

The metrics score a map against the scene's exact object mask (``generate_scenes(n, seed, masks=True)``)
or against the model itself (deletion and insertion curves, on the grid of :func:`curve_fractions`, with a
black, blurred or mean-colour fill); :func:`cascading_randomisation`, :func:`independent_randomisation` and
:func:`sanity_rank_correlation` are the model-randomisation tests of Adebayo et al. (2018), "Sanity checks
for saliency maps", NeurIPS. Issue 26 added SmoothGrad's published forms (:func:`smoothgrad_forms`), the
gradient-free :func:`ablation_cam` and :func:`cam_weights` (the features and gradients a CAM is made of).

Every public function checks its inputs with :mod:`helpers.validate` and says what to fix, and bounds its work
(issue 29): :data:`MAX_STEPS` steps, samples or curve points, :data:`MAX_PIXEL_PASSES` pixels through the model per
call (noisy copies, path points, occluded copies, curve points), :data:`MAX_ABLATIONS`, and
``helpers.cam.MAX_VALUES`` for what a call holds -- each checked before any copy is made.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from . import cam, validate
from .gradients import _first, class_score_gradients, class_scores, to_numpy
from .layers import all_layers, reinitialise, tap_model, without_activation
from .validate import InputTypeError, describe, fail

if TYPE_CHECKING:
    import keras

__all__ = ["vanilla_gradient", "gradient_times_input", "smoothgrad", "smoothgrad_forms", "integrated_gradients",
           "ig_completeness_error", "occlusion", "grad_cam", "layer_cam", "grad_cam_plus_plus", "cam_weights",
           "ablation_cam", "mask_energy", "pointing_in_mask", "box_masks", "blurred", "edge_maps",
           "curve_fractions", "deletion_curve", "insertion_curve", "auc", "average_drop", "cascading_randomisation",
           "independent_randomisation", "sanity_rank_correlation"]

#: Most steps, samples or curve points one call accepts (each is a pass over the whole batch).
MAX_STEPS = 4096
#: Bounded work (issue 29): most pixels one call may send through the model -- images x (noisy copies, path
#: points, occluded copies or curve points) x height x width -- checked before any copy is made: 2**29, i.e.
#: 131,072 passes of a 64x64 scene (the notebooks' largest call, integrated gradients with 32 steps on 300
#: scenes, is 9,900 passes).
MAX_PIXEL_PASSES = 2 ** 29


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


def _groups(n_variants: int, n_images: int, pixels: int = 64 * 64) -> list[range]:
    """Variants grouped so that a group holds about :data:`STACK` images -- fewer for images larger than 64x64
    (``pixels`` per image), so that a group's batch never holds more than STACK scenes' worth of pixels."""
    size = max(1, min(STACK // max(n_images, 1), STACK * 64 * 64 // max(n_images * pixels, 1)))
    return [range(a, min(a + size, n_variants)) for a in range(0, n_variants, size)]


def _passes(x: np.ndarray, n_variants: int, what: str, name: str, fix: str) -> None:
    """At most :data:`MAX_PIXEL_PASSES` pixels through the model: ``len(x)`` images x ``n_variants`` ``what``."""
    n, h, w = x.shape[:3]
    validate.at_most(n * n_variants * h * w, MAX_PIXEL_PASSES, name,
                     f"pixels through the model ({MAX_PIXEL_PASSES // 4096:,} passes of a 64x64 scene)",
                     f"{n:,} image{'s' if n != 1 else ''} x {n_variants:,} {what} x {h}x{w} pixels", fix)


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
        cls = to_numpy(_first(scorer.predict(x, verbose=0)) if len(x) > cam.CHUNK
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


#: SmoothGrad's forms: how the gradients of the noisy copies are combined (see :func:`smoothgrad`).
SMOOTHGRAD_FORMS = ("paper", "abs", "squared", "var")


def smoothgrad(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None, *,
               n_samples: int = 16, noise: float = 0.1, seed: int = 0, form: str = "paper") -> np.ndarray:
    """SmoothGrad (Smilkov et al., 2017, "SmoothGrad: removing noise by adding noise") and its variants.

    Each image gets ``n_samples`` noisy copies ``x + e_s``; with ``g_s`` the gradient of the class score
    (before the softmax) at copy ``s``, ``form`` says how they are combined. Every form reduces the three
    colour channels last, by their maximum, as :func:`vanilla_gradient` does:

    * ``"paper"`` (the default; Smilkov et al.'s eq. 2): ``|mean_s g_s|``, max over channels -- the
      gradients are averaged first, then the magnitude is taken;
    * ``"abs"``: ``mean_s (max over channels |g_s|)`` -- the mean of the vanilla maps (Captum's
      ``NoiseTunnel`` on ``Saliency(abs=True)``; this function's only form before issue 26, kept bit for bit);
    * ``"squared"`` (SmoothGrad², Hooker et al., 2019, "A benchmark for interpretability methods in deep
      neural networks", NeurIPS): ``mean_s g_s**2`` per channel, then max over channels;
    * ``"var"`` (VarGrad, Adebayo et al., 2018, "Local explanation methods for deep neural networks lack
      sensitivity to parameter values", ICLR workshop): the variance over the samples of ``g_s``
      (divided by ``n_samples``; 0 for one sample) per channel, then max over channels.

    All forms use the same noisy copies: the same seed gives the same noise whatever the form, and
    :func:`smoothgrad_forms` returns all four from one pass. Notebook 07 (08) shows them side by side.

    Parameters
    ----------
    n_samples : int
        Noisy copies per image (at most :data:`MAX_STEPS`).
    noise : float
        Standard deviation of the Gaussian noise, in pixel units (the images span [0, 1], so this is also
        the paper's noise level sigma / (x_max - x_min)). Noisy pixels are not clipped. 0 gives the vanilla
        map for "paper" and "abs".
    seed : int
        The noise is ``noise * numpy.random.default_rng(seed).standard_normal((n_samples, N, H, W, 3))``
        (drawn in that order): the same seed gives the same map.
    form : "paper", "abs", "squared" or "var"

    Returns
    -------
    (N, H, W) float64, >= 0.
    """
    form = validate.choice(form, "form", SMOOTHGRAD_FORMS)
    return _smoothgrad(model, images, class_index, n_samples, noise, seed)[form]


def smoothgrad_forms(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None, *,
                     n_samples: int = 16, noise: float = 0.1, seed: int = 0) -> dict[str, np.ndarray]:
    """All four forms of :func:`smoothgrad` from one pass over the same noisy copies (as cheap as one form).

    Arguments as :func:`smoothgrad`. Returns ``{"paper": maps, "abs": maps, "squared": maps, "var": maps}``,
    each ``(N, H, W)`` float64, equal to ``smoothgrad(..., form=...)`` with the same arguments. Used in
    notebook 07 (08) to compare Smilkov et al.'s form with the |gradient| convention, SmoothGrad² and VarGrad.
    """
    return _smoothgrad(model, images, class_index, n_samples, noise, seed)


def _smoothgrad(model, images, class_index, n_samples, noise, seed) -> dict[str, np.ndarray]:
    x, cls, scorer = _prepare(model, images, class_index)
    n_samples = _steps(n_samples, "n_samples")
    noise = validate.number(noise, "noise", low=0, high=10)
    seed = validate.integer(seed, "seed", low=0)
    cam._at_most(4 * x.size, f"4 running sums of the images' size, 4 x {x.size:,}", "images",
                 "pass fewer images at a time")
    _passes(x, n_samples, "noisy copies", "n_samples", "use fewer samples, or pass fewer images at a time")
    rng = np.random.default_rng(seed)
    total = np.zeros(x.shape[:3])                       # sum of the vanilla maps ("abs", as before issue 26)
    mean, m2, squares = np.zeros(x.shape), np.zeros(x.shape), np.zeros(x.shape)
    done = 0
    for group in _groups(n_samples, len(x), x.shape[1] * x.shape[2]):   # noisy copies in order, stacked
        noisy = np.concatenate([x + rng.standard_normal(x.shape) * noise for _ in group]).astype(np.float32)
        _, g = _input_gradients(scorer, noisy, np.tile(cls, len(group)))
        total += np.abs(g).max(axis=-1).reshape(len(group), *x.shape[:3]).sum(axis=0)
        g = g.reshape(len(group), *x.shape)
        squares += (g * g).sum(axis=0)
        # the variance merged group by group (Chan et al.'s update), no cancellation of large sums
        size = len(group)
        g_mean = g.mean(axis=0)
        delta = g_mean - mean
        mean += delta * (size / (done + size))
        m2 += ((g - g_mean) ** 2).sum(axis=0) + delta ** 2 * (done * size / (done + size))
        done += size
    return {"paper": np.abs(mean).max(axis=-1), "abs": total / n_samples,
            "squared": (squares / n_samples).max(axis=-1), "var": (m2 / n_samples).max(axis=-1)}


def _baseline(value: Any, x: np.ndarray) -> np.ndarray:
    if value is None:
        return np.zeros_like(x, dtype=np.float64)
    b = validate.array(value, "baseline", ndim=(3, 4))
    try:
        out = np.broadcast_to(b, x.shape).astype(np.float64)
    except ValueError:
        fail("baseline", f"one image {x.shape[1:]} or one per image {x.shape}", f"shape {b.shape}",
             "pass None for black, or e.g. np.full(images.shape, 0.5) for grey")
    return validate.in_unit_range(out, "baseline", "a reference image scaled like the images (0..1), pixels",
                                  "scale it as the images are, e.g. course_model.preprocess(uint8 picture), "
                                  "or explain.blurred(images)")


def _integrated(scorer, x: np.ndarray, cls: np.ndarray, base: np.ndarray, steps: int) -> tuple:
    """(attributions (N, H, W, C), score(x), score(baseline)); the path integral by the trapezoid rule."""
    alphas = np.linspace(0.0, 1.0, steps + 1)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2
    total = np.zeros_like(base)
    ends = {}
    for group in _groups(steps + 1, len(x), x.shape[1] * x.shape[2]):   # path points stacked into one batch
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
        The reference image, scaled like the images (in [0, 1]: a 0..255 baseline is refused); None: black.
    steps : int
        Intervals of the path.

    Returns
    -------
    (N, H, W) float64: each pixel's attribution (signed), summed over its three channels.
    """
    x, cls, scorer = _prepare(model, images, class_index)
    base = _baseline(baseline, x)
    steps = _steps(steps)
    _passes(x, steps + 1, "path points", "steps", "use fewer steps, or pass fewer images at a time")
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
    _passes(x, steps + 1, "path points", "steps", "use fewer steps, or pass fewer images at a time")
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
    n_places = len(_starts(H, patch, stride)) * len(_starts(W, patch, stride))
    _passes(x, n_places, f"occluded copies (patch {patch}, stride {stride})", "stride",
            "a larger stride (and patch), or fewer images at a time")
    base = _class_scores(scorer, x, cls)
    total, count = np.zeros((n, H, W)), np.zeros((H, W))
    places = [(top, left) for top in _starts(H, patch, stride) for left in _starts(W, patch, stride)]
    for group in _groups(len(places), n, H * W):        # occluded copies stacked into one batch
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


def cam_weights(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None,
                layer: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The two ingredients of every gradient CAM: the features of ``layer`` and the class score's gradient there.

    ``features`` ``A`` ``(N, h, w, K)`` and ``gradients`` ``d score / d A`` ``(N, h, w, K)``, the score being the
    class score before the softmax, from the same compiled step as :func:`grad_cam` (:mod:`helpers.cam`'s tap).
    From them: Grad-CAM (Selvaraju et al., 2017) weights channel ``k`` by ``gradients[..., k].mean()``;
    LayerCAM (Jiang et al., 2021) weights each position by ``relu(gradients)``; Grad-CAM++ (Chattopadhyay
    et al., 2018) builds its ``alpha`` from the gradient's powers. Notebook 07 (08) uses it to show that
    when ``layer`` feeds global average pooling (the course model's ``block4_conv1``) the gradient is the same
    at every position, so LayerCAM is Grad-CAM with the negative channel weights set to zero and Grad-CAM++'s
    ``alpha`` is constant per channel -- and that at ``block3_conv1`` (a pooling and a convolution later) it is not.

    Parameters
    ----------
    model, images, class_index
        As :func:`vanilla_gradient`.
    layer : str, optional
        A spatial layer's name (default: the last convolution).

    Returns
    -------
    (features, gradients), both ``(N, h, w, K)`` float32 (the model's own precision). At most
    ``helpers.cam.MAX_VALUES`` values in all (checked before any work).
    """
    x, cls, _ = _prepare(model, images, class_index)
    target = cam._target(model, layer)
    entry = cam._tap_for(model, target, True)
    shape = tuple(int(d) for d in entry.tap.outputs[0].shape[1:])
    cam._at_most(2 * len(x) * int(np.prod(shape)), f"features and gradients of {len(x)} images at "
                 f"{target.name!r} {shape}", "images", "pass fewer images at a time")
    features = np.empty((len(x), *shape), np.float32)
    grads = np.empty((len(x), *shape), np.float32)
    for start in range(0, len(x), cam.CHUNK):
        f, _, g = entry.compiled(x[start:start + cam.CHUNK], cls[start:start + cam.CHUNK])
        features[start:start + cam.CHUNK], grads[start:start + cam.CHUNK] = np.asarray(f), np.asarray(g)
    return features, grads


#: Most feature maps one batch of Ablation-CAM holds (ablated copies of a few images' features), and most
#: ablations (images x channels) one call may ask for.
ABLATION_STACK = 1024
MAX_ABLATIONS = 2 ** 22

#: model -> {layer name: (tap, head)}: the sub-model from the layer's output to the class scores, made once
#: per tap (weak keys: an entry goes with its model; a head holds the model's layers, not the model).
_HEADS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _head(model, target):
    """(tap, head): the cached tap (images -> [features, scores before the softmax]) and the functional
    sub-model features -> scores built from the tap's own tensors (no layer applied by hand)."""
    import keras

    entry = cam._tap_for(model, target, True)
    heads = _HEADS.setdefault(model, {})
    kept = heads.get(target.name)
    if kept is None or kept[0] is not entry.tap:
        try:
            head = keras.Model(entry.tap.outputs[0], entry.tap.outputs[-1], name=f"{model.name}_head")
        except ValueError:
            fail("layer", "a layer whose output alone determines the class scores (the layers after it read "
                 "nothing else), in the model's own graph", f"{target.name!r} of model {model.name!r}: the "
                 "graph after it also reads earlier tensors (a skip connection) or the layer sits inside a nested "
                 "model", "choose a later layer of the outer model, or use grad_cam (which needs only gradients)")
        kept = heads[target.name] = (entry.tap, head)
    return kept


def ablation_cam(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None,
                 layer: str | None = None) -> np.ndarray:
    """Ablation-CAM (Desai & Ramaswamy, 2020, "Ablation-CAM: visual explanations for deep convolutional
    network via gradient-free localization", WACV), upsampled to the image size.

    Gradient-free: with features ``A`` ``(N, h, w, K)`` of ``layer``, ``y`` the class score before the softmax
    and ``y_k`` that score when channel ``k`` of ``A`` is set to zero (everything after ``layer`` run again)::

        w[k] = (y - y_k) / |y|
        map  = relu(sum_k w[k] * A[..., k]), divided by its peak, upsampled like grad_cam (cam.upsample)

    The paper divides by ``y``; dividing by ``|y|`` keeps the sign of each channel's effect when ``y < 0``,
    and the per-image scale disappears in the peak normalisation anyway (``y = 0`` is taken as 1). ``y`` is
    evaluated by the same sub-model as the ``y_k``, so their difference holds no round-off of two paths.

    The ``N x K`` ablations run from the features onward only: the layers before ``layer`` run once, and
    the sub-model from ``layer``'s output to the scores is built from the model's own graph with the
    functional API (a model where that graph also reads earlier tensors, or ``layer`` inside a nested model,
    gets a clear error). Notebook 07 (08) uses it as the gradient-free CAM beside Grad-CAM: on a head that is
    linear after global average pooling, ``y - y_k = v_k * mean(A_k)``, so Ablation-CAM is Grad-CAM with
    channel ``k``'s weight multiplied by ``sum_ij A[i, j, k]``; with the course model's ReLU dense layer it
    differs further.

    Parameters
    ----------
    model, images, class_index
        As :func:`vanilla_gradient`.
    layer : str, optional
        A spatial layer's name (default: the last convolution, as :func:`grad_cam`).

    Returns
    -------
    (N, H, W) float64 in [0, 1] (all zero where no channel supports the class). At most
    :data:`MAX_ABLATIONS` ablations (``N x K``) per call, checked before any work; ablated copies are
    evaluated :data:`ABLATION_STACK` feature maps at a time.
    """
    x, cls, _ = _prepare(model, images, class_index)
    target = cam._target(model, layer)
    tap, head = _head(model, target)
    h, w, k_all = (int(d) for d in tap.outputs[0].shape[1:])
    if len(x) * k_all > MAX_ABLATIONS:
        fail("images", f"at most {MAX_ABLATIONS:,} ablations (images x channels of {target.name!r}) per call",
             f"{len(x)} images x {k_all} channels = {len(x) * k_all:,}", "pass fewer images at a time")
    per_batch = max(1, ABLATION_STACK // (k_all + 1))           # images whose K + 1 copies share a batch
    cam._at_most(per_batch * (k_all + 1) * h * w * k_all, f"{per_batch * (k_all + 1)} copies of {target.name!r}'s "
                 f"features ({h}x{w}x{k_all})", "layer", "choose a layer with fewer positions or channels")
    keep = np.concatenate([np.ones((1, k_all), np.float32), 1 - np.eye(k_all, dtype=np.float32)])  # (K+1, K)
    maps = np.zeros((len(x), h, w))
    for start in range(0, len(x), cam.CHUNK):
        features = to_numpy(tap(x[start:start + cam.CHUNK], training=False)[0]).astype(np.float32)
        for a in range(0, len(features), per_batch):
            feats = features[a:a + per_batch]                                        # (b, h, w, K)
            n = len(feats)
            copies = feats[:, None] * keep[None, :, None, None, :]                  # (b, K+1, h, w, K)
            c = np.repeat(cls[start + a:start + a + n], k_all + 1)
            scores = _class_scores(head, copies.reshape(-1, h, w, k_all), c).reshape(n, k_all + 1)
            y, y_k = scores[:, :1], scores[:, 1:]
            weights = (y - y_k) / np.where(y != 0, np.abs(y), 1.0)                  # (b, K)
            maps[start + a:start + a + n] = np.maximum(
                np.einsum("nhwk,nk->nhw", feats.astype(np.float64), weights), 0)
    peak = maps.max(axis=(1, 2), keepdims=True)
    maps = np.where(peak > 0, maps / np.where(peak > 0, peak, 1), 0.0)
    return cam.upsample(maps, x.shape[1:3]).astype(np.float64)


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
    b = validate.boxes(b, "boxes", single=False)        # sizes >= 0, fractions of the image
    size = validate.integer(size, "size", low=1, high=4096)
    cam._at_most(len(b) * size * size, f"{len(b)} masks of {size}x{size}", "size",
                 "make masks for fewer boxes at a time, or at a smaller size")
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
    r = int(np.ceil(3 * max(1.0, max(x.shape[1:3]) / 16)))
    cam._at_most(3 * x.shape[0] * (x.shape[1] + 2 * r) * (x.shape[2] + 2 * r) * x.shape[3],
                 f"3 float64 copies of {x.shape[0]} images of {x.shape[1]}x{x.shape[2]}x{x.shape[3]} (padded by {r})",
                 "images", "blur fewer images at a time")
    return _blurred(x)


def edge_maps(images: np.ndarray) -> np.ndarray:
    """Baseline "explanation" that never looks at the model: the Sobel edge strength of each image's grey
    version, ``(N, H, W)`` float64 (edges repeated at the border). Used in 07: a method that scores like it
    may only be finding edges."""
    x = validate.array(images, "images", ndim=4)
    cam._at_most(8 * x.shape[0] * (x.shape[1] + 2) * (x.shape[2] + 2), f"8 float64 maps of {x.shape[0]} images of "
                 f"{x.shape[1]}x{x.shape[2]}", "images", "pass fewer images at a time")
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


#: The deletion and insertion curves' imputations (what a removed pixel becomes).
FILLS = ("black", "blur", "mean")


def _fractions(value: Any, name: str = "fractions") -> np.ndarray:
    """An increasing grid of shares from 0 to 1 (at most ``MAX_STEPS + 1`` points), as float64."""
    fix = "e.g. explain.curve_fractions() or np.linspace(0, 1, 21)"
    f = validate.array(value, name, ndim=1)
    if len(f) < 2 or len(f) > MAX_STEPS + 1:
        fail(name, f"2 to {MAX_STEPS + 1} shares of the pixels", f"{len(f)} of them", fix)
    if f[0] != 0 or f[-1] != 1:
        fail(name, "shares starting at 0 (the intact image) and ending at 1 (all pixels)",
             f"first {f[0]:.4g}, last {f[-1]:.4g}", fix)
    if not (np.diff(f) > 0).all():
        k = int(np.argmax(np.diff(f) <= 0))
        fail(name, "strictly increasing shares", f"{f[k]:.4g} followed by {f[k + 1]:.4g} at position {k + 1}", fix)
    return f


def curve_fractions(fine: int = 64, fine_until: float = 0.25, coarse: int = 8) -> np.ndarray:
    """The course's grid of deletion and insertion points: fine where the objects go, coarse after.

    ``k / fine`` for every ``k`` with ``k / fine <= fine_until``, then ``k / coarse`` for the ``k`` beyond
    it up to 1. The default gives ``[0, 1/64, 2/64, ..., 16/64, 3/8, 4/8, ..., 1]`` (23 points): steps of one
    64th up to a quarter of the image -- the course's objects cover 6-18 % of a scene, so the first quarter
    is where a faithful map's curve moves -- and eighths after. Pass it as ``fractions=`` to
    :func:`deletion_curve`, :func:`insertion_curve` and :func:`auc` (notebook 07 (08)).

    Parameters
    ----------
    fine : int
        Denominator of the fine steps, 1..MAX_STEPS.
    fine_until : float
        Share of the pixels, in [0, 1], up to which the fine steps run.
    coarse : int
        Denominator of the coarse steps, 1..MAX_STEPS.

    Returns
    -------
    (K,) float64, strictly increasing from 0 to 1.
    """
    fine = validate.integer(fine, "fine", low=1, high=MAX_STEPS)
    fine_until = validate.number(fine_until, "fine_until", low=0, high=1)
    coarse = validate.integer(coarse, "coarse", low=1, high=MAX_STEPS)
    last = int(np.floor(fine * fine_until + 1e-9))
    head = np.arange(last + 1) / fine
    tail = np.arange(1, coarse + 1) / coarse
    return np.concatenate([head, tail[tail > head[-1] + 1e-12]])


def _curve(model, images, class_index, maps, steps, fill, insert: bool, fractions) -> np.ndarray:
    x, cls, _ = _prepare(model, images, class_index)
    m = _maps_like(maps, "maps", x)
    fill = validate.choice(fill, "fill", FILLS)
    n, H, W, C = x.shape
    if fractions is None:
        steps = _steps(16 if steps is None else steps)
        counts = np.round(np.linspace(0, H * W, steps + 1)).astype(int)
    else:
        if steps is not None:
            fail("steps", "None when fractions is given (the fractions set the points)", str(steps),
                 "pass either steps (equal steps) or fractions, not both")
        counts = np.round(_fractions(fractions) * (H * W)).astype(int)
    _passes(x, len(counts), "curve points", "steps" if fractions is None else "fractions",
            "use fewer points, or pass fewer images at a time")
    x = np.ascontiguousarray(x, np.float32)
    if fill == "blur":
        empty = _blurred_float32(x)
    elif fill == "mean":
        empty = np.broadcast_to(x.mean(axis=(1, 2), keepdims=True), x.shape).astype(np.float32)
    else:
        empty = np.zeros_like(x)
    order = np.argsort(-m.reshape(n, -1), axis=1, kind="stable")     # most important first; ties in raster order
    start, other = (empty, x) if insert else (x, empty)
    other = other.reshape(n, H * W, C)
    state = start.reshape(n, H * W, C).copy()           # the image at the current point, changed in place
    rows = np.arange(n)[:, None]
    done = 0                                            # pixels changed so far (counts never decrease)
    out = np.zeros((n, len(counts)))
    for group in _groups(len(counts), n, H * W):        # curve points stacked into one float32 batch
        batch = np.empty((len(group), n, H * W, C), np.float32)
        for j, k in enumerate(group):
            if counts[k] > done:                        # change the next pixels in the map's order
                pixels = order[:, done:counts[k]]
                state[rows, pixels] = other[rows, pixels]
                done = counts[k]
            batch[j] = state
        out[:, list(group)] = _class_scores(model, batch.reshape(-1, H, W, C), np.tile(cls, len(group))).reshape(
            len(group), n).T
    return out


#: The last images blurred for a curve and their blurred copy: the same images under several maps are
#: blurred once ((sha1 of the bytes, shape), float32 copy).
_LAST_BLUR: list = []


def _blurred_float32(x: np.ndarray) -> np.ndarray:
    """:func:`_blurred` of float32 images as float32, reusing the previous call's result for the same images."""
    import hashlib

    key = (hashlib.sha1(x.tobytes()).hexdigest(), x.shape)
    if _LAST_BLUR and _LAST_BLUR[0][0] == key:
        return _LAST_BLUR[0][1]
    value = _blurred(x).astype(np.float32)
    value.setflags(write=False)
    _LAST_BLUR[:] = [(key, value)]
    return value


_CURVE_ARGS = """
    Pixels are ranked by ``maps`` ``(N, H, W)`` (largest first; ties in raster order), once per call. The
    points are either ``steps`` equal steps (point ``k`` of ``steps + 1`` changes the first
    ``round(k * H * W / steps)`` pixels; ``steps=None`` means 16) or, when ``fractions`` is given (then leave
    ``steps`` None), one point per share ``f`` with the first ``round(f * H * W)`` pixels changed -- e.g.
    :func:`curve_fractions`, fine where the objects are. A changed pixel (all three channels) takes the
    imputation ``fill``:

    * ``"black"``: 0, as RISE deletes (Petsiuk et al.);
    * ``"blur"``: the same pixel of a Gaussian-blurred copy of the image (sigma = max(1, max(H, W) / 16)
      pixels, edges repeated, see :func:`blurred`), so removed pixels keep the local colour but lose detail;
    * ``"mean"``: the image's mean colour (per channel).

    Every fill makes images the model never saw in training: a curve measures the map *and* how the model
    reacts to that imputation (ROAR, Hooker et al., 2019, retrains to avoid it; ROAD, Rong et al., 2022, shows
    the imputation can reorder methods), so compare methods under more than one fill."""


def deletion_curve(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None,
                   maps: np.ndarray, steps: int | None = None, fill: str = "blur", *,
                   fractions: Sequence[float] | None = None) -> np.ndarray:
    """Deletion (Petsiuk et al., 2018, RISE): the class output as pixels are removed, most important first.
{args}

    Used in notebook 07 (08) for every method under the three fills. The work is one forward pass per
    image and point, stacked into batches; ``benchmarks/explain_speed.py`` prints the images per second.

    Returns
    -------
    (N, points) float64: the model's output for the class -- its probability for a classifier ending
    in a softmax such as the course model (for a model without one, its raw output). Point 0 is the
    intact image, the last the fully imputed one. A faithful map makes it fall fast: a small :func:`auc`
    (pass it the same ``fractions``).
    """
    return _curve(model, images, class_index, maps, steps, fill, False, fractions)


def insertion_curve(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None,
                    maps: np.ndarray, steps: int | None = None, fill: str = "blur", *,
                    fractions: Sequence[float] | None = None) -> np.ndarray:
    """Insertion (Petsiuk et al., 2018): the class output as pixels are put back, most important first.

    Starts from the fully imputed image and restores the original pixels in the map's order.
{args}

    Returns
    -------
    (N, points) float64; point 0 is the fully imputed image, the last the intact one. A faithful map makes it
    rise fast: a large :func:`auc` (pass it the same ``fractions``).
    """
    return _curve(model, images, class_index, maps, steps, fill, True, fractions)


deletion_curve.__doc__ = deletion_curve.__doc__.replace("{args}", _CURVE_ARGS)
insertion_curve.__doc__ = insertion_curve.__doc__.replace("{args}", _CURVE_ARGS)


def auc(curve: np.ndarray, fractions: Sequence[float] | None = None) -> np.ndarray | float:
    """Area under curves over [0, 1] (trapezoid rule).

    ``curve``: ``(K,)`` or ``(N, K)`` with ``K >= 2`` points (e.g. from :func:`deletion_curve`);
    ``fractions``: the ``K`` x positions the curve was sampled at (the same ``fractions`` as the curve's; an
    increasing grid from 0 to 1), or None for ``K`` equal steps. Returns a float or ``(N,)``.
    """
    c = validate.array(curve, "curve", ndim=(1, 2))
    if c.shape[-1] < 2:
        fail("curve", "at least 2 points per curve", f"shape {c.shape}", "compute the curve with steps >= 1")
    if fractions is None:
        area = (c[..., :-1] + c[..., 1:]).sum(axis=-1) / (2 * (c.shape[-1] - 1))
    else:
        f = _fractions(fractions)
        if len(f) != c.shape[-1]:
            fail("fractions", f"one share per point of the curve ({c.shape[-1]})", f"{len(f)} of them",
                 "pass the fractions the curve was computed with")
        area = ((c[..., :-1] + c[..., 1:]) * np.diff(f)).sum(axis=-1) / 2
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
    names, seed = _randomised_layers(model, layers_top_down, "layers_top_down", seed)
    return _cascade(model, names, seed)


def independent_randomisation(model: "keras.Model", layers: Sequence[str],
                              seed: int = 0) -> Iterator[tuple[str, "keras.Model"]]:
    """Independent layer randomisation (Adebayo et al., 2018, "Sanity checks for saliency maps", NeurIPS).

    Yields ``(layer name, clone)`` for each name in ``layers``: a copy of ``model`` (``keras.models.clone_model``
    + its weights) in which *only that one layer* has fresh weights from its own initializer -- the paper's
    "independent" variant, beside :func:`cascading_randomisation`'s cumulative one. Layer ``i`` of the list
    gets seed ``seed + 1 + i``, the cascade's rule, so the same list gives that layer the same new weights in
    both tests. ``model`` itself is never modified. Used in notebook 07 (08) beside the cascade: a map that
    changes when one middle layer is randomised depends on that layer.

    Parameters
    ----------
    layers : sequence of str
        Names of layers with weights, each once, from the output towards the input (as for the cascade),
        e.g. ``["logits", "dense", "block4_conv1", ...]`` for the course model.
    seed : int

    Returns
    -------
    An iterator (one clone alive at a time if you do not keep them); the checks run at the call.
    """
    names, seed = _randomised_layers(model, layers, "layers", seed)
    return _independent(model, names, seed)


def _randomised_layers(model, value, arg: str, seed) -> tuple[list[str], int]:
    """The checked layer names (layers with weights, each once, output side first) and seed."""
    cam._checked_model(model)
    cam._build(model, None)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        fail(arg, "a list of layer names, top (output side) first", describe(value),
             "e.g. ['logits', 'dense']", kind=InputTypeError)
    names = list(value)
    positions = {layer.name: i for i, layer in enumerate(all_layers(model))}
    with_weights = [layer.name for layer in all_layers(model) if layer.weights and layer.name in positions]
    if not names:
        fail(arg, "at least one layer name", "an empty list", f"choose among {with_weights[::-1]}")
    for name in names:
        if not isinstance(name, str) or name not in positions:
            fail(arg, f"names of layers of model {model.name!r}", repr(name),
                 f"choose among {with_weights[::-1]}")
        if name not in with_weights:
            fail(arg, "layers with weights to randomise", f"{name!r}, which has none",
                 f"choose among {with_weights[::-1]}")
    order = [positions[name] for name in names]
    if any(a <= b for a, b in zip(order, order[1:])):
        fail(arg, "each layer once, from the output towards the input", str(names),
             f"order them as {sorted(set(names), key=positions.get, reverse=True)}")
    return names, validate.integer(seed, "seed", low=0, high=2**31 - 3 - len(names))   # each layer: seed + 1 + i


def _independent(model, names: list[str], seed: int):
    for i, name in enumerate(names):
        clone = _clone(model)
        reinitialise({layer.name: layer for layer in all_layers(clone)}[name], seed + 1 + i)
        yield name, clone


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
