"""Class activation heatmaps (Grad-CAM and LayerCAM) and how well they locate objects.

Notebook 03 writes every Grad-CAM step in its cells; this module is the reusable, tested,
batched form (one call for a whole batch), plus the measures of "does the heatmap find the
object?": the pointing game and the IoU of a box cut from the thresholded heatmap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .gradients import feature_gradients
from .layers import (
    counterpart,
    output_rank,
    select_layers,
    spatial_layers,
    tap_model,
    without_activation,
)
from .scenes import box_corners, box_from_corners

if TYPE_CHECKING:
    import keras

__all__ = ["CamResult", "default_layer", "class_activation_maps", "upsample", "overlay", "pointing_game",
           "box_from_heatmap", "rank_correlation", "center_heatmaps", "random_heatmaps"]


@dataclass
class CamResult:
    """Heatmaps for a batch: ``heatmaps`` ``(N, h, w)`` in [0, 1] (all-zero where nothing supports the class)."""

    heatmaps: np.ndarray
    layer: str
    class_index: np.ndarray
    scores: np.ndarray


def default_layer(model: "keras.Model", input_shape: Sequence[int] | None = None):
    """The last convolution of the model (or, if it has none, its last spatial layer)."""
    import keras

    spatial = select_layers(model, None, input_shape=input_shape)  # every spatial layer, in order
    convs = [layer for layer in spatial if isinstance(layer, keras.layers.Conv2D)]
    return (convs or spatial)[-1]


def _score_layer(model: "keras.Model") -> tuple:
    """Where to read the class scores before a final softmax: ``(layer, copy_needed)``.

    * the last layer is a softmax of its own (``Activation("softmax")``, ``Softmax``), as in the course
      model: the layer that feeds it (the course model's ``logits``) and False -- tap it directly;
    * the last layer has the softmax built in (``Dense(..., activation="softmax")``, e.g. VGG16): that
      layer and True -- a copy without its activation is needed (:func:`helpers.layers.without_activation`);
    * no softmax at the end: ``(None, False)`` -- the output already is a score.
    """
    import keras

    last = model.layers[-1]
    while isinstance(last, keras.Model):  # a nested model at the end: look inside
        last = last.layers[-1]
    if isinstance(last, keras.layers.Softmax) or (isinstance(last, keras.layers.Activation)
                                                   and getattr(last.activation, "__name__", "") == "softmax"):
        try:
            history = last.input._keras_history
        except (AttributeError, ValueError):  # no recorded input: copy instead
            return last, True
        feeder = history.operation
        if (isinstance(feeder, keras.layers.Layer) and not isinstance(feeder, (keras.layers.InputLayer, keras.Model))
                and history.tensor_index == 0):
            return feeder, False
        return last, True
    if getattr(getattr(last, "activation", None), "__name__", "") == "softmax":
        return last, True
    return None, False


def class_activation_maps(model: "keras.Model", images: np.ndarray, class_index: int | Sequence[int] | None = None,
                          layer: str | None = None, *, method: str = "gradcam", before_softmax: bool = True,
                          input_shape: Sequence[int] | None = None, verbose: bool = True) -> CamResult:
    """Grad-CAM (or LayerCAM) heatmaps for a batch of preprocessed images, in one vectorised call.

    Parameters
    ----------
    images : (N, H, W, C) what the model takes (for the course model: ``preprocess(uint8 images)``).
    class_index : int, sequence of int, or None
        The class to explain for every image, one per image, or None for each image's top class.
    layer : str, optional
        A spatial layer's name; default: the last convolution (printed when ``verbose``).
    method : "gradcam" or "layercam"
        Grad-CAM weights each channel by its mean gradient; LayerCAM weights each position of each
        channel by its own positive gradient.
    before_softmax : bool
        Differentiate the class *score* before the softmax (default). After a saturated softmax the
        gradients vanish and the heatmap goes blank. The model is never modified: the score is read
        from the layer before a separate softmax layer (the course model's ``logits``), or from a copy
        of the model without the softmax when the last layer has it built in.

    Returns
    -------
    CamResult
    """
    x = np.asarray(images, np.float32)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or not np.isfinite(x).all():
        raise ValueError(f"expected a finite batch of images (N, H, W, C), got shape {x.shape}")
    if method not in ("gradcam", "layercam"):
        raise ValueError(f"method must be 'gradcam' or 'layercam', got {method!r}")
    input_shape = input_shape or x.shape[1:]
    if layer is None:
        target = default_layer(model, input_shape)
        if verbose:
            print(f"Grad-CAM on layer {target.name!r}, the last convolution (pass layer=... to choose another)")
    else:
        target = select_layers(model, layer, input_shape=input_shape)[0]
        if output_rank(target) != 4:
            raise ValueError(f"layer {layer!r} has no spatial map (its output rank is {output_rank(target)}): "
                             "choose a convolution or pooling layer, e.g. "
                             + ", ".join(lyr.name for lyr in spatial_layers(model)[-3:]))
    score, copy_needed = _score_layer(model) if before_softmax else (None, False)
    if score is not None and not copy_needed:   # e.g. the course model's logits: read them where they are
        tap = tap_model(model, [target, score], input_shape=input_shape, include_output=False)
    elif copy_needed:                           # softmax inside the last layer: a copy without it
        copy = without_activation(model, [score], input_shape=input_shape)
        tap = tap_model(copy, [counterpart(target, model, copy)])
    else:
        tap = tap_model(model, [target], input_shape=input_shape)
    n_classes = int(tap.outputs[-1].shape[-1])
    if class_index is None:
        cls = None
    else:
        cls = np.broadcast_to(np.asarray(class_index, np.int64), (len(x),)).copy()
        if cls.min() < 0 or cls.max() >= n_classes:
            raise ValueError(f"class index {int(cls.max() if cls.max() >= n_classes else cls.min())} is out of "
                             f"range: the model has {n_classes} classes (0..{n_classes - 1})")
    features, scores, grads = feature_gradients(tap, x, cls)
    features, grads, scores = np.asarray(features), np.asarray(grads), np.asarray(scores)
    if cls is None:
        cls = scores.argmax(axis=1)
    if method == "gradcam":
        weights = grads.mean(axis=(1, 2))                         # (N, C): how important is each channel
        cam = np.einsum("nhwc,nc->nhw", features, weights) / features.shape[-1]
    else:
        cam = (np.maximum(grads, 0) * features).sum(axis=-1)
    cam = np.maximum(cam, 0)
    peak = cam.max(axis=(1, 2), keepdims=True)
    empty = peak[:, 0, 0] <= 0
    if empty.any():
        warnings.warn(f"{int(empty.sum())} of {len(cam)} heatmaps are all zero: nothing in layer {target.name!r} "
                      "raises that class's score (returned as zeros, not NaN)", stacklevel=2)
    cam = np.where(peak > 0, cam / np.where(peak > 0, peak, 1), 0.0).astype(np.float32)
    return CamResult(cam, target.name, cls, scores)


def upsample(heatmaps: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize ``(N, h, w)`` (or one ``(h, w)``) heatmaps to the image size, bilinearly."""
    import tensorflow as tf

    h = np.asarray(heatmaps, np.float32)
    single = h.ndim == 2
    h = h[None] if single else h
    size = (size, size) if isinstance(size, int) else tuple(size)
    out = tf.image.resize(h[..., None], size, method="bilinear").numpy()[..., 0]
    out = np.clip(out, 0, 1)
    return out[0] if single else out


def overlay(image: np.ndarray, heatmap: np.ndarray, intensity: float = 0.4) -> np.ndarray:
    """The slides' picture: the heatmap in the jet colour map, scaled by ``intensity``, added to the image."""
    from matplotlib import colormaps

    img = np.asarray(image)
    if img.ndim != 3 or img.shape[-1] != 3:
        raise ValueError(f"expected one RGB image (H, W, 3), got {img.shape}")
    if not 0 <= intensity <= 1:
        raise ValueError(f"intensity must be in [0, 1], got {intensity}")
    hm = np.asarray(heatmap, np.float32)
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
    h = np.asarray(heatmaps, np.float32)
    n, H, W = h.shape
    flat = h.reshape(n, -1)
    k = flat.argmax(axis=1)
    py, px = (k // W + 0.5) / H, (k % W + 0.5) / W
    x0, y0, x1, y1 = box_corners(np.asarray(boxes, np.float32)).T
    inside = (x0 <= px) & (px <= x1) & (y0 <= py) & (py <= y1)
    return inside & (flat.max(axis=1) > 0)


def box_from_heatmap(heatmaps: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The box ``(bx, by, bh, bw)`` around every pixel at or above ``threshold`` × the peak (zeros if none)."""
    h = np.asarray(heatmaps, np.float32)
    n, H, W = h.shape
    out = np.zeros((n, 4), np.float32)
    for i in range(n):
        peak = h[i].max()
        if peak <= 0:
            continue
        ys, xs = np.nonzero(h[i] >= threshold * peak)
        out[i] = box_from_corners((xs.min() / W, ys.min() / H, (xs.max() + 1) / W, (ys.max() + 1) / H))
    return out


def _average_ranks(row: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 of ``row``; tied values share the mean of the ranks they span (as Spearman's rho needs)."""
    _, inverse, counts = np.unique(row, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])          # rank of each distinct value's first copy
    return (first + (counts - 1) / 2.0)[inverse]


def rank_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each pair of maps ``a[i]``, ``b[i]`` (0 where a map is constant).

    Tied values get their average rank, so the many zeros a ReLU leaves in a heatmap do not correlate by
    their position.
    """
    a = np.asarray(a, np.float64).reshape(len(a), -1)
    b = np.asarray(b, np.float64).reshape(len(b), -1)
    ra = np.stack([_average_ranks(r) for r in a]) if len(a) else a
    rb = np.stack([_average_ranks(r) for r in b]) if len(b) else b
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    den = np.sqrt((ra ** 2).sum(axis=1) * (rb ** 2).sum(axis=1))
    const = (a.std(axis=1) == 0) | (b.std(axis=1) == 0)
    return np.where(const | (den == 0), 0.0, (ra * rb).sum(axis=1) / np.where(den == 0, 1, den))


def center_heatmaps(n: int, size: int) -> np.ndarray:
    """Baseline: a bump at the image centre for every image."""
    c = (np.arange(size) + 0.5) / size - 0.5
    bump = np.exp(-(c[None, :] ** 2 + c[:, None] ** 2) / 0.05).astype(np.float32)
    return np.repeat(bump[None], n, axis=0)


def random_heatmaps(n: int, size: int, seed: int = 0) -> np.ndarray:
    """Baseline: uniform random heatmaps (seeded)."""
    return np.random.default_rng(seed).random((n, size, size), dtype=np.float32)
