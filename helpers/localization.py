"""The lecture's localization label: ``y = [p_d, bx, by, bh, bw, c1, c2, c3]``.

``p_d`` is 1 when an object is present; ``(bx, by)`` the box centre and ``(bh, bw)`` its
height and width as fractions of the image; ``c1, c2, c3`` one-hot for the lecture's
classes 1 motorcycle, 2 car, 3 pedestrian. For a background scene only ``p_d = 0`` matters: the other seven entries are
"don't care" (``?`` on the slides). They are stored as 0 and masked out by the loss.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import shipped, validate
from .course_model import preprocess
from .scenes import CLASS_IDS, CLASS_NAMES, SceneObject, StreetScenes, box_corners, class_id

__all__ = ["LABEL_LENGTH", "LABEL_FIELDS", "encode_label", "decode_label", "encode_scenes", "format_label", "iou",
           "slide_loss", "practical_loss", "build_localizer", "build_head", "load_localizer", "evaluate_localizer"]

LABEL_LENGTH = 8
LABEL_FIELDS = ("p_d", "bx", "by", "bh", "bw", "c1", "c2", "c3")


def _check_box(box: Sequence[float]) -> tuple[float, float, float, float]:
    b = validate.boxes(box, "box", single=True)
    bx, by, bh, bw = (float(v) for v in b)
    if bh <= 0 or bw <= 0:
        validate.fail("box", "a height and width > 0 (bx, by, bh, bw)", f"bh={bh}, bw={bw}")
    eps = 1e-6
    x0, y0, x1, y1 = box_corners(b)
    if x0 < -eps or x1 > 1 + eps or y0 < -eps or y1 > 1 + eps:
        raise ValueError(f"box (bx={bx}, by={by}, bh={bh}, bw={bw}) reaches outside the image: "
                         "all edges must lie in [0, 1] (fractions of the image size)")
    return bx, by, bh, bw


def encode_label(cls: str | int | SceneObject | None, box: Sequence[float] | None = None) -> np.ndarray:
    """The 8-entry label vector of one image.

    Parameters
    ----------
    cls : str, int, SceneObject or None
        Class name or id (1 motorcycle, 2 car, 3 pedestrian, 4 background), a scene object
        (its class and box are used), or None for background.
    box : (bx, by, bh, bw), optional
        Required for an object class; ignored for background.

    Returns
    -------
    numpy.ndarray
        float32 ``[p_d, bx, by, bh, bw, c1, c2, c3]``; the "don't care" entries of a
        background label are 0.

    Examples
    --------
    >>> encode_label("car", (0.5, 0.5, 0.2, 0.3)).tolist()  # the slide's example
    [1.0, 0.5, 0.5, 0.20000000298023224, 0.30000001192092896, 0.0, 1.0, 0.0]
    """
    if isinstance(cls, SceneObject):
        cls, box = cls.class_id, cls.box
    if cls is not None and not isinstance(cls, (str, int, np.integer)) or isinstance(cls, bool):
        validate.fail("cls", "a class name, a class id 1..4, a SceneObject or None", validate.describe(cls),
                      kind=validate.InputTypeError)
    y = np.zeros(LABEL_LENGTH, np.float32)
    cid = CLASS_IDS["background"] if cls is None else class_id(cls, "cls")
    if cid == CLASS_IDS["background"]:
        return y
    if box is None:
        validate.fail("box", f"the {CLASS_NAMES[cid - 1]}'s box (bx, by, bh, bw)", "None",
                      "pass box=(bx, by, bh, bw) in fractions of the image")
    y[0] = 1.0
    y[1:5] = _check_box(box)
    y[4 + cid] = 1.0
    return y


def _label(y) -> np.ndarray:
    v = validate.array(y, "y", ndim=1)
    if v.shape != (LABEL_LENGTH,):
        validate.fail("y", f"a label vector of {LABEL_LENGTH} entries [{', '.join(LABEL_FIELDS)}]", f"shape {v.shape}",
                      "pass one image's label; for a batch, loop over its rows")
    return v


def format_label(y: Sequence[float], digits: int = 2) -> str:
    """The label as on the slides, e.g. ``[1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0]`` or ``[0, ?, ?, ...]``."""
    v = _label(y)
    digits = validate.integer(digits, "digits", low=0, high=10)
    if v[0] == 0:
        return "[0, " + ", ".join("?" * 1 for _ in range(LABEL_LENGTH - 1)) + "]"

    def num(x: float) -> str:
        return f"{x:.{digits}f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))

    return "[" + ", ".join(num(x) for x in v) + "]"


def iou(box_a, box_b) -> np.ndarray | float:
    """Intersection over union of boxes ``(bx, by, bh, bw)`` (single boxes or ``(N, 4)`` arrays, pairwise by row).

    1 for identical boxes, 0 for disjoint ones, symmetric; a box of zero area has IoU 0 with anything.
    """
    a, b = validate.boxes(box_a, "box_a"), validate.boxes(box_b, "box_b")
    single = a.ndim == 1 and b.ndim == 1
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    if len(a) != len(b) and 1 not in (len(a), len(b)):
        validate.fail("box_b", f"as many boxes as box_a ({len(a)}), or one", f"{len(b)} boxes",
                      "pair the boxes row by row")
    ax0, ay0, ax1, ay1 = box_corners(a).T
    bx0, by0, bx1, by1 = box_corners(b).T
    inter = np.clip(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), 0, None) * \
        np.clip(np.minimum(ay1, by1) - np.maximum(ay0, by0), 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    out = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
    return float(out[0]) if single else out


def decode_label(y: Sequence[float], threshold: float = 0.5) -> tuple[str, tuple[float, float, float, float] | None]:
    """Read a label (or a prediction) back: ``(class name, box)``, or ``("background", None)``.

    ``y[0] < threshold`` means no object; otherwise the class is the largest of ``c1, c2, c3``.
    """
    v = _label(y)
    threshold = validate.number(threshold, "threshold", low=0, high=1)
    if v[0] >= threshold and (v[3] < 0 or v[4] < 0):
        validate.fail("y", "a box with a height and width >= 0 (entries bh, bw of [p_d, bx, by, bh, bw, ...])",
                      f"bh={v[3]:.4g}, bw={v[4]:.4g}: no box has a negative size", "check the order of the entries")
    validate.in_unit_range(v, "y", "a label or a prediction: p_d, the box as fractions of the image (so bh, bw "
                           ">= 0) and the class scores, all", "pass the localizer's output (sigmoids and a softmax) "
                           "or encode_label's vector; a box in pixels: divide by the image size")
    if v[0] < threshold:
        return "background", None
    return CLASS_NAMES[int(np.argmax(v[5:]))], tuple(float(t) for t in v[1:5])


def encode_scenes(objects: Sequence[Sequence[SceneObject]]) -> np.ndarray:
    """``(N, 8)`` label vectors of a batch of scenes (their first, largest object; zeros for background)."""
    objects = validate.scene_objects(objects, "objects")
    return np.stack([encode_label(objs[0] if objs else None) for objs in objects]).astype(np.float32)


def _check_label_tensors(y_true, y_pred) -> None:
    """Both are batches of label vectors ``(N, 8)`` (NumPy arrays or tensors, symbolic ones included), of one
    batch size, finite (values that can be read now: a symbolic tensor inside ``fit`` passes unread)."""
    for name, t in (("y_true", y_true), ("y_pred", y_pred)):
        shape = getattr(t, "shape", None)
        if shape is None or len(shape) != 2 or shape[-1] != LABEL_LENGTH:
            validate.fail(name, f"a batch of label vectors shaped (N, {LABEL_LENGTH})",
                          validate.describe(t) if shape is None else f"shape {tuple(shape)}",
                          "for one label, add a batch axis: y[None]")
    n_true, n_pred = y_true.shape[0], y_pred.shape[0]
    if n_true is not None and n_pred is not None and n_true != n_pred:
        validate.fail("y_pred", f"one prediction per label of y_true ({n_true})", f"{n_pred} predictions",
                      "pass the model's outputs for the same images")
    for name, t in (("y_true", y_true), ("y_pred", y_pred)):
        validate.finite_if_concrete(t, name, "a NaN loss trains nothing: check the model's inputs and targets")


def slide_loss(y_true, y_pred):
    """The slide's loss, per image: the sum of squared errors over all 8 entries if ``y1 = 1``,
    only ``(ŷ1 − y1)²`` if ``y1 = 0`` (the other seven are "don't care")."""
    from keras import ops

    _check_label_tensors(y_true, y_pred)
    se = ops.square(y_pred - y_true)
    present = y_true[:, 0] > 0.5
    return ops.where(present, ops.sum(se, axis=-1), se[:, 0])


def practical_loss(y_true, y_pred, eps: float = 1e-7):
    """What is used in practice, per image: logistic loss for ``p_d``; if an object is present, add the
    softmax cross-entropy of the classes and the squared error of the box."""
    from keras import ops

    _check_label_tensors(y_true, y_pred)
    eps = validate.number(eps, "eps", low=0, high=0.1, low_open=True)
    y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)   # NumPy too, on any backend
    p, box, cls = y_pred[:, 0], y_pred[:, 1:5], y_pred[:, 5:]
    t_p, t_box, t_cls = y_true[:, 0], y_true[:, 1:5], y_true[:, 5:]
    p = ops.clip(p, eps, 1 - eps)
    bce = -(t_p * ops.log(p) + (1 - t_p) * ops.log(1 - p))
    ce = -ops.sum(t_cls * ops.log(ops.clip(cls, eps, 1.0)), axis=-1)
    se = ops.sum(ops.square(box - t_box), axis=-1)
    return bce + t_p * (ce + se)


# ------------------------------------------------------------------------------------------
# The localizer: classification with localization on the course convnet's conv base
# ------------------------------------------------------------------------------------------

def _head(x):
    """The localizer's head on a feature map ``x`` (a Keras tensor): a 1x1 convolution, flatten, a dense layer,
    then ``p_d`` (sigmoid), the box (sigmoid) and the classes (softmax), concatenated into the 8-vector ``label``.
    One definition for :func:`build_localizer` and :func:`build_head`, so the two are the same layers."""
    from keras import layers

    x = layers.Conv2D(32, 1, activation="relu", name="loc_reduce")(x)
    x = layers.Flatten(name="loc_flatten")(x)
    x = layers.Dense(128, activation="relu", name="loc_dense")(x)
    p = layers.Dense(1, activation="sigmoid", name="p_d")(x)
    box = layers.Dense(4, activation="sigmoid", name="box")(x)
    cls = layers.Dense(3, activation="softmax", name="classes")(x)
    return layers.Concatenate(name="label")([p, box, cls])


def build_localizer(classifier, trainable_base: bool = True):
    """A network whose output is the slide's label ``[p_d, bx, by, bh, bw, c1, c2, c3]``.

    The convolution blocks are the course convnet's (``block1_conv1`` ... ``block4_conv1``, with their
    weights); the head keeps *where* things are (no spatial averaging): a 1x1 convolution, flatten,
    a dense layer, then ``p_d`` (sigmoid), the box (sigmoid: fractions in [0, 1]) and the classes
    (softmax), concatenated into one 8-vector named ``label``.
    """
    import keras

    validate.model(classifier, "classifier")
    base = keras.Model(classifier.input, classifier.get_layer("block4_conv1").output, name="conv_base")
    base.trainable = bool(trainable_base)
    inputs = keras.Input(classifier.input.shape[1:], name="image")
    return keras.Model(inputs, _head(base(inputs)), name="localizer")


def build_head(feature_shape: Sequence[int] = (8, 8, 128)):
    """The localizer's head alone, untrained: the layers :func:`build_localizer` puts on the conv base.

    Notebook 04 ("don't care", shown by its consequence) trains it twice on the course convnet's frozen
    ``block4_conv1`` feature maps, computed once -- with the slide's masked loss and without the mask -- which
    is the same as training :func:`build_localizer` with ``trainable_base=False``, only faster.

    Parameters
    ----------
    feature_shape : (height, width, channels)
        The shape of one feature map the head reads; the course convnet's ``block4_conv1`` gives (8, 8, 128).

    Returns
    -------
    keras.Model
        Feature map -> the 8-vector ``[p_d, bx, by, bh, bw, c1, c2, c3]``.
    """
    import keras

    if isinstance(feature_shape, (str, bytes)) or not isinstance(feature_shape, Sequence) or \
            len(feature_shape) != 3:
        validate.fail("feature_shape", "one feature map's shape (height, width, channels), e.g. (8, 8, 128)",
                      validate.describe(feature_shape), "pass features.shape[1:] (without the batch axis)")
    shape = tuple(validate.integer(v, "feature_shape", low=1) for v in feature_shape)
    inputs = keras.Input(shape, name="features")
    return keras.Model(inputs, _head(inputs), name="localizer_head")


def load_localizer(path=None):
    """The shipped localizer (Keras safe mode); says how to make it when the file is missing. A file that holds
    another model (its output not the 8-entry label) is refused."""
    model = shipped.load("localizer", path)
    shipped.check_output(model, path, "localizer", f"the {LABEL_LENGTH}-entry label (N, {LABEL_LENGTH})",
                         lambda out: len(out) == 2 and out[-1] == LABEL_LENGTH)
    return model


def evaluate_localizer(model, scenes, batch_size: int = 256) -> dict:
    """Presence accuracy (all scenes), class accuracy and mean IoU (scenes with an object) of a localizer."""
    validate.model(model)
    if not isinstance(scenes, StreetScenes):
        validate.fail("scenes", "StreetScenes (from generate_scenes)", validate.describe(scenes),
                      kind=validate.InputTypeError)
    if not scenes.has_object().any():
        validate.fail("scenes", "at least one scene with an object (class accuracy and IoU need one)",
                      f"{len(scenes)} scenes, none with an object",
                      "generate more scenes, or not only classes=['background']")
    batch_size = validate.integer(batch_size, "batch_size", low=1, high=4096)
    try:
        outputs = list(model.outputs or [])
    except (AttributeError, ValueError):       # a Sequential that was never called: its predictions will tell
        outputs = []
    out = tuple(outputs[0].shape) if outputs else None
    if out is not None and (len(outputs) != 1 or len(out) != 2 or out[-1] != LABEL_LENGTH):
        validate.fail("model", f"a localizer whose output is the {LABEL_LENGTH}-entry label (batch, {LABEL_LENGTH})",
                      f"model {model.name!r} with output shape {out}",
                      "pass localization.load_localizer() or a model from build_localizer")
    pred = np.asarray(model.predict(preprocess(scenes.images), batch_size=batch_size, verbose=0))
    has = scenes.has_object()
    presence = float(((pred[:, 0] >= 0.5) == has).mean())
    cls_ok = pred[has, 5:].argmax(axis=1) == scenes.labels[has]
    ious = iou(pred[has, 1:5], scenes.boxes[has])
    return {"presence_accuracy": presence, "class_accuracy": float(cls_ok.mean()),
            "mean_iou": float(np.mean(ious)), "predictions": pred, "ious": ious}
