"""Landmarks: chosen points in a fixed order, their consistency under flips, and how to score them.

Landmark ``k`` must mean the same point in every label. The pedestrian's joints are named from the
person's own side ("right_shoulder" is *their* right), so a horizontal flip of the picture must also
swap every left joint with its right partner -- or the labels stop meaning the same thing.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import shipped, validate
from .scenes import LANDMARK_NAMES, generate_scenes

__all__ = ["landmark_index", "flip_pairs", "flip_horizontal", "encode_landmarks", "decode_landmarks",
           "per_joint_error_px", "pck", "build_pose_regressor", "load_pose_regressor", "pedestrian_data",
           "build_heatmap_pose", "load_heatmap_pose", "build_block3_regressor", "load_block3_regressor", "raised_arm",
           "pck_per_object", "raised_wrist_drop_px"]


def _class_with_landmarks(class_name: str) -> tuple[str, ...]:
    if not isinstance(class_name, str) or class_name not in LANDMARK_NAMES or not LANDMARK_NAMES[class_name]:
        validate.fail("class_name", "a class with landmarks: " + ", ".join(k for k, v in LANDMARK_NAMES.items() if v),
                      validate.describe(class_name))
    return LANDMARK_NAMES[class_name]


def landmark_index(class_name: str, names: Sequence[str]) -> list[int]:
    """Positions of landmark ``names`` in the class's fixed order (clear error for unknown names)."""
    order = _class_with_landmarks(class_name)
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        validate.fail("names", "a list of landmark names", validate.describe(names), f"e.g. [{order[0]!r}]",
                      kind=validate.InputTypeError)
    unknown = [n for n in names if n not in order]
    if unknown:
        raise ValueError(f"unknown {class_name} landmark(s) {unknown}; the landmarks are: {', '.join(order)}")
    return [order.index(n) for n in names]


def flip_pairs(class_name: str = "pedestrian") -> list[tuple[int, int]]:
    """Index pairs ``(left, right)`` that swap under a horizontal flip (none for vehicles: their
    landmarks are named front/rear, which a flip does not change)."""
    order = _class_with_landmarks(class_name)
    return [(i, order.index("right_" + n[5:])) for i, n in enumerate(order) if n.startswith("left_")]


def _check(points: np.ndarray, class_name: str, name: str = "points") -> np.ndarray:
    return validate.points(points, name, k=len(_class_with_landmarks(class_name)))


def raised_arm(points: np.ndarray) -> np.ndarray:
    """Which pedestrians raise an arm: either elbow above its shoulder (a smaller ``y``: image rows grow downwards).

    The scene generator draws an upper arm hanging or swinging 6-35 degrees from straight down, or -- for a waving
    pedestrian, about one in five -- raised 110-160 degrees from it, so "elbow above shoulder" splits the two
    kinds exactly, with no threshold to choose. The course's one named failure, followed in 04 (box IoU by pose),
    05 (landmark error by pose: regression to the mean pose) and 06 (misses by pose).

    Parameters
    ----------
    points : (N, 14, 2) or (14, 2)
        Pedestrian landmarks as ``(x, y)`` fractions, in ``LANDMARK_NAMES["pedestrian"]``'s order (e.g.
        ``scenes.objects[i][0].landmarks``, or a model's decoded prediction).

    Returns
    -------
    (N,) bool, or one bool for one pedestrian.
    """
    p = _check(points, "pedestrian")
    one = p.ndim == 2
    p = p[None] if one else p
    rs, re, ls, le = landmark_index("pedestrian", ["right_shoulder", "right_elbow", "left_shoulder", "left_elbow"])
    up = (p[:, re, 1] < p[:, rs, 1]) | (p[:, le, 1] < p[:, ls, 1])
    return bool(up[0]) if one else up


def flip_horizontal(images: np.ndarray, points: np.ndarray, class_name: str = "pedestrian"):
    """Mirror images left-right and their landmarks with them, swapping left/right joints.

    Parameters
    ----------
    images : (N, H, W, C) or (H, W, C)
    points : (N, K, 2) or (K, 2) fractions ``(x, y)``
    """
    p = _check(points, class_name).copy()
    if np.ndim(images) == 2:
        validate.fail("images", "images with their colour axis last: (H, W, C) or (N, H, W, C)",
                      f"a grayscale picture of shape {np.shape(images)}", "pass picture[..., None]")
    imgs = validate.array(images, "images", dtype=None, ndim=(3, 4))
    if imgs.shape[-1] not in (1, 3, 4):
        validate.fail("images", "images with their colour axis last: (H, W, C) or (N, H, W, C)",
                      f"shape {imgs.shape}", "a grayscale (H, W) picture needs picture[..., None]")
    if (imgs.ndim == 4) != (p.ndim == 3) or (imgs.ndim == 4 and len(imgs) != len(p)):
        validate.fail("points", f"one set of landmarks per image ({1 if imgs.ndim == 3 else len(imgs)})",
                      f"shape {p.shape} for images of shape {imgs.shape}")
    p[..., 0] = 1.0 - p[..., 0]
    for a, b in flip_pairs(class_name):
        p[..., [a, b], :] = p[..., [b, a], :]
    return imgs[..., ::-1, :].copy(), p.astype(np.float32)


def encode_landmarks(points: np.ndarray, class_name: str = "pedestrian") -> np.ndarray:
    """``(N, K, 2)`` points -> ``(N, 2K)`` target vectors ``[l1x, l1y, l2x, l2y, ...]`` (the slides' order)."""
    p = _check(points, class_name)
    return p.reshape(*p.shape[:-2], -1).astype(np.float32)


def decode_landmarks(vectors: np.ndarray, class_name: str = "pedestrian") -> np.ndarray:
    """``(N, 2K)`` vectors -> ``(N, K, 2)`` points (clipped into the image)."""
    k = len(_class_with_landmarks(class_name))
    v = validate.array(vectors, "vectors", ndim=(1, 2), last=2 * k)
    if v.min() < -0.5 or v.max() > 1.5:          # a prediction strays a little outside; pixels never pass
        validate.fail("vectors", "landmark coordinates as fractions of the image (about 0..1; a prediction may "
                      "stray a little outside, and is clipped)", f"values from {v.min():.3g} to {v.max():.3g}" +
                      (" (pixels?)" if v.max() > 1.5 else ""), "divide pixel coordinates by the image size")
    return np.clip(v.reshape(*v.shape[:-1], k, 2), 0, 1).astype(np.float32)


def per_joint_error_px(pred: np.ndarray, true: np.ndarray, image_size: int = 64) -> np.ndarray:
    """Mean distance in pixels between predicted and true landmarks, per landmark: ``(K,)``.

    ``pred`` and ``true`` are ``(N, K, 2)`` fractions (decode flat vectors with :func:`decode_landmarks`).
    """
    pred, true = _pair(pred, true)
    image_size = validate.integer(image_size, "image_size", low=1, high=100_000)
    d = np.linalg.norm((pred - true) * image_size, axis=-1)
    return d.mean(axis=0)


def _pair(pred, true) -> tuple[np.ndarray, np.ndarray]:
    true = validate.points(true, "true")
    pred = validate.points(pred, "pred", k=true.shape[-2], slack=0.5)
    if pred.shape != true.shape:
        validate.fail("pred", f"the same shape as true {true.shape}", f"shape {pred.shape}")
    return (pred, true) if true.ndim == 3 else (pred[None], true[None])


def _object_boxes(boxes, n: int, per: str) -> np.ndarray:
    """One box per object, with a size: PCK's distance bound is alpha x its larger side (a zero box makes it 0)."""
    boxes = validate.boxes(boxes, "boxes", single=False)
    if len(boxes) != n:
        validate.fail("boxes", f"one box per {per} ({n})", f"{len(boxes)} boxes")
    empty = np.flatnonzero(np.maximum(boxes[:, 2], boxes[:, 3]) <= 0)
    if empty.size:
        validate.fail("boxes", "each object's box, with a height or width > 0 (PCK scales by its larger side)",
                      f"box {int(empty[0])} of size 0 {boxes[empty[0]].tolist()} (a scene without the object?)",
                      "keep only the scenes that hold the object, e.g. scenes.subset(present)")
    return boxes


def pck(pred: np.ndarray, true: np.ndarray, boxes: np.ndarray, alpha: float = 0.1) -> float:
    """Percentage of correct keypoints: share of predicted landmarks within ``alpha`` × the object's box size
    (its larger side) of the truth.

    ``pred``, ``true``: ``(N, K, 2)`` fractions; ``boxes``: ``(N, 4)`` fractions ``(bx, by, bh, bw)``.
    """
    pred, true = _pair(pred, true)
    boxes = _object_boxes(boxes, len(true), "image")
    alpha = validate.number(alpha, "alpha", low=0, high=1, low_open=True)
    size = np.maximum(boxes[:, 2], boxes[:, 3])
    d = np.linalg.norm(pred - true, axis=-1)                       # (N, K) in image fractions
    return float((d <= alpha * size[:, None]).mean())


def pck_per_object(pred: np.ndarray, true: np.ndarray, boxes: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """Each object's own PCK: the share of its landmarks within ``alpha`` × its box's larger side of the truth.

    Their mean is :func:`pck`; one value per object is what a comparison by object needs -- a bootstrap over the
    pedestrians, or PCK by pose in notebook 05 (a raised arm against the rest, :func:`raised_arm`).

    Parameters
    ----------
    pred, true : (N, K, 2)
        Landmarks as ``(x, y)`` fractions of the image.
    boxes : (N, 4)
        Each object's box ``(bx, by, bh, bw)``, fractions.
    alpha : float
        The distance bound, as a fraction of the box's larger side (PCK@0.1: ``alpha=0.1``).

    Returns
    -------
    (N,) float array in [0, 1].
    """
    pred, true = _pair(pred, true)
    boxes = _object_boxes(boxes, len(true), "object")
    alpha = validate.number(alpha, "alpha", low=0, high=1, low_open=True)
    size = np.maximum(boxes[:, 2], boxes[:, 3])
    d = np.linalg.norm(pred - true, axis=-1)                       # (N, K) in image fractions
    return (d <= alpha * size[:, None]).mean(axis=1)


def raised_wrist_drop_px(pred: np.ndarray, true: np.ndarray, image_size: int = 64) -> np.ndarray:
    """How far below the truth a model puts the wrist of a raised arm: predicted ``y`` − true ``y``, in pixels.

    For every pedestrian with a raised arm in the truth (:func:`raised_arm`: an elbow above its shoulder), the
    mean over its raised arms (one or both). Positive: the wrist is predicted lower than it is -- toward a hanging
    arm, the pose most pedestrians have. Notebook 05 reads a regressor's "regression to the mean pose" with it.

    Parameters
    ----------
    pred, true : (N, 14, 2)
        Pedestrian landmarks as ``(x, y)`` fractions, in ``LANDMARK_NAMES["pedestrian"]``'s order.
    image_size : int
        Pixels per image side (the course's scenes: 64).

    Returns
    -------
    (M,) float array, one value per pedestrian with a raised arm, in the pedestrians' order (``M`` =
    ``raised_arm(true).sum()``; empty when none raises an arm).
    """
    pred, true = _pair(pred, true)
    _check(true, "pedestrian", "true")
    image_size = validate.integer(image_size, "image_size", low=1, high=100_000)
    drops, ups = [], []
    for side in ("right", "left"):
        shoulder, elbow, wrist = landmark_index("pedestrian", [f"{side}_shoulder", f"{side}_elbow", f"{side}_wrist"])
        ups.append(true[:, elbow, 1] < true[:, shoulder, 1])
        drops.append((pred[:, wrist, 1] - true[:, wrist, 1]) * image_size)
    up, drop = np.stack(ups, axis=1), np.stack(drops, axis=1)      # (N, 2): right arm, left arm
    any_up = up.any(axis=1)
    return ((drop * up).sum(axis=1)[any_up] / up.sum(axis=1)[any_up]).astype(np.float64)


# ------------------------------------------------------------------------------------------
# A landmark (pose) regressor on the course convnet's conv base
# ------------------------------------------------------------------------------------------

def build_pose_regressor(classifier, n_landmarks: int = len(LANDMARK_NAMES["pedestrian"])):
    """The course convnet's convolution blocks up to ``block4_conv1`` (an 8x8 map), then a
    head that outputs ``[l1x, l1y, l2x, l2y, ...]`` in [0, 1]: a 1x1 convolution to 64 channels, flatten, a
    dense layer of 256, a dense sigmoid layer of ``2 * n_landmarks``."""
    import keras
    from keras import layers

    validate.model(classifier, "classifier")
    n_landmarks = validate.integer(n_landmarks, "n_landmarks", low=1, high=100)
    base = keras.Model(classifier.input, classifier.get_layer("block4_conv1").output, name="conv_base")
    inputs = keras.Input(classifier.input.shape[1:], name="image")
    x = layers.Conv2D(64, 1, activation="relu", name="pose_reduce")(base(inputs))
    x = layers.Flatten(name="pose_flatten")(x)
    x = layers.Dense(256, activation="relu", name="pose_dense")(x)
    out = layers.Dense(2 * n_landmarks, activation="sigmoid", name="landmarks")(x)
    return keras.Model(inputs, out, name="pose_regressor")


def load_pose_regressor(path=None):
    """The shipped pose regressor (Keras safe mode); says how to make it when the file is missing."""
    return _pose_model(shipped.load("pose_regressor", path), path, "pose regressor")


def _pose_model(model, path, what: str):
    """A loaded pose model answers ``[l1x, l1y, ...]``: a file holding another model is refused."""
    k = 2 * len(LANDMARK_NAMES["pedestrian"])
    return shipped.check_output(model, path, what, f"{k} coordinates (N, {k})",
                                lambda out: len(out) == 2 and out[-1] == k)


def pedestrian_data(n: int, seed: int, flip: bool = False):
    """Pedestrian scenes, their landmark targets ``(N, 28)`` and boxes; with ``flip``, mirrored copies added
    (joints swapped, so every label keeps its meaning)."""
    n = validate.integer(n, "n", low=1, high=validate.MAX_SCENES)
    if not isinstance(flip, (bool, np.bool_)):
        validate.fail("flip", "True or False", validate.describe(flip), kind=validate.InputTypeError)
    s = generate_scenes(n, seed, classes=["pedestrian"])
    pts, _ = s.landmarks("pedestrian")
    images, boxes = s.images, s.boxes
    if flip:
        fi, fp = flip_horizontal(images, pts)
        fb = boxes.copy()
        fb[:, 0] = 1 - fb[:, 0]
        images, pts, boxes = np.concatenate([images, fi]), np.concatenate([pts, fp]), np.concatenate([boxes, fb])
    return images, encode_landmarks(pts), boxes


# ------------------------------------------------------------------------------------------
# Going further: heatmap keypoints (one map per joint, read off by a soft-argmax)
# ------------------------------------------------------------------------------------------

def _keypoint_maps(classifier, n_landmarks: int):
    """``(inputs, maps)``: ``block3_conv1`` (16x16), two 3x3 convolutions of 64 channels, one 1x1 map per joint.
    The trunk both block-3 pose models share, layer for layer."""
    import keras
    from keras import layers

    base = keras.Model(classifier.input, classifier.get_layer("block3_conv1").output, name="conv_base")
    inputs = keras.Input(classifier.input.shape[1:], name="image")
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="kp_conv1")(base(inputs))
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="kp_conv2")(x)
    return inputs, layers.Conv2D(n_landmarks, 1, name="heatmaps")(x)                # (16, 16, K)


def build_heatmap_pose(classifier, n_landmarks: int = len(LANDMARK_NAMES["pedestrian"])):
    """One heatmap per joint on the 16x16 grid of ``block3_conv1``, after two 3x3
    convolutions of 64 channels, turned into coordinates by a soft-argmax.

    Trained on the coordinates (a loss on the expected positions, not on target heatmaps): integral
    regression (Sun et al. 2018), not the Gaussian target maps of SimpleBaseline or HRNet.

    The soft-argmax is built from standard layers only (so the model loads in safe mode): a softmax over
    the positions of each map, then a fixed, non-trainable dense layer whose weights are the positions'
    ``(x, y)`` centres -- the expected position under each map. Output: ``[l1x, l1y, ...]`` like the regressor.
    """
    import keras
    from keras import layers

    validate.model(classifier, "classifier")
    n_landmarks = validate.integer(n_landmarks, "n_landmarks", low=1, high=100)
    inputs, maps = _keypoint_maps(classifier, n_landmarks)                      # (16, 16, K) logits
    h, w = int(maps.shape[1]), int(maps.shape[2])
    flat = layers.Reshape((h * w, n_landmarks), name="flat_maps")(maps)
    flat = layers.Permute((2, 1), name="per_joint")(flat)                      # (K, h*w)
    probs = layers.Softmax(axis=-1, name="where")(flat)
    grid = layers.Dense(2, use_bias=False, trainable=False, name="expected_xy")
    coords = grid(probs)                                                      # (K, 2)
    ys, xs = np.meshgrid((np.arange(h) + 0.5) / h, (np.arange(w) + 0.5) / w, indexing="ij")
    grid.set_weights([np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)])
    out = layers.Flatten(name="landmarks")(coords)
    return keras.Model(inputs, out, name="pose_heatmaps")


def load_heatmap_pose(path=None):
    """The shipped heatmap keypoint model (Keras safe mode)."""
    return _pose_model(shipped.load("pose_heatmaps", path), path, "heatmap pose model")


def build_block3_regressor(classifier, n_landmarks: int = len(LANDMARK_NAMES["pedestrian"])):
    """The controlled comparison of notebook 05: the heatmap model's trunk, layer for layer (``block3_conv1``,
    two 3x3 convolutions of 64, one 1x1 map per joint), read out by a learned dense layer instead of the
    soft-argmax: flatten the 16x16xK maps, a dense sigmoid layer of ``2 * n_landmarks``.

    Same layer, same convolutions, same data and schedule (``make model``) as :func:`build_heatmap_pose`; the one
    difference is the read-out -- a fixed soft-argmax (no weights) against a learned dense layer
    (``16 * 16 * K * 2K + 2K`` weights).
    """
    import keras
    from keras import layers

    validate.model(classifier, "classifier")
    n_landmarks = validate.integer(n_landmarks, "n_landmarks", low=1, high=100)
    inputs, maps = _keypoint_maps(classifier, n_landmarks)
    x = layers.Flatten(name="flat_maps")(maps)
    out = layers.Dense(2 * n_landmarks, activation="sigmoid", name="landmarks")(x)
    return keras.Model(inputs, out, name="pose_block3_regressor")


def load_block3_regressor(path=None):
    """The shipped block-3 regressor (Keras safe mode): the heatmap model's trunk with a dense read-out."""
    return _pose_model(shipped.load("pose_block3_regressor", path), path, "block-3 pose regressor")
