"""Detection: many objects per image. A grid of the lecture's label vectors with anchors, its loss, IoU for many
boxes, non-max suppression and average precision.

The grid (YOLO-style, in the lecture's notation) splits the image into ``S x S`` cells; each cell has ``A``
anchor shapes and each cell-and-anchor slot carries the label vector of :mod:`helpers.localization`,
``[p_d, bx, by, bh, bw, c1, c2, c3]``, with one change: ``(bx, by)`` are relative to the *cell* (0..1 inside
it), while ``(bh, bw)`` stay fractions of the *image*. Boxes everywhere else are the course's
``(bx, by, bh, bw)`` image fractions (:mod:`helpers.scenes.schema`); class ids 1 motorcycle, 2 car, 3 pedestrian.

Grids are indexed like images: ``y[n, row, col, anchor]``, ``row`` counting cells downwards (y), ``col``
to the right (x).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from . import shipped, validate
from .localization import LABEL_LENGTH
from .scenes import SceneObject, box_corners

__all__ = ["GridSpec", "encode_grid", "decode_grid", "grid_loss", "iou_matrix", "nms", "nms_per_class",
           "nms_agreement", "AveragePrecision", "average_precision", "coco_map", "AP_METHODS", "COCO_IOU_THRESHOLDS",
           "ERROR_TYPES", "ErrorBreakdown", "error_breakdown", "build_grid_detector", "load_grid_detector"]

#: The interpolations :func:`average_precision` knows.
AP_METHODS = ("voc", "coco")
#: COCO's IoU thresholds 0.50:0.05:0.95 (:func:`coco_map`).
COCO_IOU_THRESHOLDS = tuple(round(0.5 + 0.05 * k, 2) for k in range(10))
#: Object class ids (the background, 4, is no object: p_d = 0).
_OBJECT_IDS = (1, 2, 3)

#: Bounded work (issue 29), each checked before anything is allocated:
#: most box pairs one IoU matrix may hold (2**22: a 2,048 x 2,048 matrix, 32 MiB of float64; its temporaries
#: take a few times that) -- for :func:`iou_matrix` and for one image's detections x objects in
#: :func:`average_precision` and :func:`error_breakdown`;
MAX_IOU_PAIRS = 2 ** 22
#: most boxes one :func:`nms` or :func:`nms_per_class` call takes. NMS never holds the N x N IoU matrix: each
#: kept box is compared with all the boxes (one row at a time, O(N) memory), so the cap bounds the time
#: (N rows at worst): a 64 x 64 grid with 4 anchors decoded at threshold 0 is 16,384 boxes;
MAX_NMS_BOXES = 20_000
#: most anchors a GridSpec may have, and most values (N x S x S x A x 8) :func:`encode_grid` may create
#: (2**28 float32 values = 1 GiB).
MAX_ANCHORS = 32
MAX_GRID_VALUES = 2 ** 28


# ------------------------------------------------------------------------------------------
# input checks shared by this module
# ------------------------------------------------------------------------------------------

def _boxes(value: Any, name: str) -> np.ndarray:
    """``(N, 4)`` boxes ``(bx, by, bh, bw)`` in image fractions, float64; ``N = 0`` (also ``[]``) is allowed."""
    if value is not None and not isinstance(value, (str, bytes, dict)):
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):
            arr = None
        if arr is not None and arr.dtype != object and arr.size == 0 and (
                arr.shape == (0,) or (arr.ndim == 2 and arr.shape[1] == 4)):
            return np.zeros((0, 4), np.float64)
        if arr is not None and arr.dtype != object and arr.shape == (4,):
            validate.fail(name, "boxes shaped (N, 4) as (bx, by, bh, bw)", "one box of shape (4,)",
                          "for one box, wrap it in a list: [box]")
    return validate.boxes(value, name, single=False)


def _vector(value: Any, name: str, n: int, what: str) -> np.ndarray:
    v = validate.array(value, name, ndim=1, nonempty=False) if not (
        isinstance(value, (list, tuple)) and len(value) == 0) else np.zeros(0)
    if len(v) != n:
        validate.fail(name, f"one {what} per box ({n})", f"{len(v)}")
    return v


def _ids(value: Any, name: str, n: int, allowed: Sequence[int] | None = _OBJECT_IDS) -> np.ndarray:
    if getattr(value, "dtype", None) == bool:
        validate.fail(name, "whole-number class ids", validate.describe(value), kind=validate.InputTypeError)
    v = _vector(value, name, n, "class id")
    if not np.all(v == np.round(v)):
        validate.fail(name, "whole-number class ids", f"{v[v != np.round(v)][0]}", kind=validate.InputTypeError)
    ids = v.astype(np.int64)
    if allowed is not None and ids.size and not np.isin(ids, allowed).all():
        bad = int(ids[~np.isin(ids, allowed)][0])
        validate.fail(name, "object class ids 1 motorcycle, 2 car, 3 pedestrian", f"{bad}",
                      "the background (4) is no object: leave it out")
    return ids


def _max_out(value: Any) -> int | None:
    return None if value is None else validate.integer(value, "max_out", low=0)


# ------------------------------------------------------------------------------------------
# The grid of label vectors with anchors
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GridSpec:
    """The detection grid: ``size x size`` cells, each with the anchor shapes ``anchors``.

    Attributes
    ----------
    size : int
        Cells per side ``S`` (1..64); a cell is ``1 / S`` of the image wide and high.
    anchors : tuple of (h, w)
        Anchor shapes as fractions of the image, height first like ``(bh, bw)``. The default has one tall
        anchor (pedestrians) and one wide anchor (cars).
    """

    size: int = 4
    anchors: tuple[tuple[float, float], ...] = ((0.45, 0.2), (0.3, 0.6))

    def __post_init__(self):
        object.__setattr__(self, "size", validate.integer(self.size, "size", low=1, high=64))
        a = self.anchors
        if isinstance(a, (str, bytes)) or not hasattr(a, "__len__"):
            validate.fail("anchors", "a tuple of anchor shapes (h, w), e.g. ((0.45, 0.2), (0.3, 0.6))",
                          validate.describe(a), kind=validate.InputTypeError)
        if len(a) == 0:
            validate.fail("anchors", "at least one anchor shape (h, w)", "none",
                          "e.g. anchors=((0.45, 0.2), (0.3, 0.6))")
        if len(a) > MAX_ANCHORS:
            validate.fail("anchors", f"at most {MAX_ANCHORS} anchor shapes", f"{len(a)} of them",
                          "a few shapes that cover the objects' (h, w), e.g. a tall one and a wide one")
        arr = validate.array(a, "anchors", ndim=2, last=2)
        if (arr <= 0).any() or (arr > 1).any():
            validate.fail("anchors", "anchor heights and widths in (0, 1] (fractions of the image)",
                          f"values from {arr.min():.3g} to {arr.max():.3g}")
        object.__setattr__(self, "anchors", tuple((float(h), float(w)) for h, w in arr))

    @property
    def n_anchors(self) -> int:
        """``A``, the number of anchors per cell."""
        return len(self.anchors)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """One image's grid: ``(S, S, A, 8)``."""
        return (self.size, self.size, self.n_anchors, LABEL_LENGTH)


def _spec(spec: Any) -> GridSpec:
    if not isinstance(spec, GridSpec):
        validate.fail("spec", "a GridSpec, e.g. GridSpec(size=4)", validate.describe(spec),
                      kind=validate.InputTypeError)
    return spec


def _shape_iou(h: float, w: float, anchors: np.ndarray) -> np.ndarray:
    """IoU of a box of shape ``(h, w)`` with each anchor ``(h, w)``, all centred on the same point."""
    inter = np.minimum(h, anchors[:, 0]) * np.minimum(w, anchors[:, 1])
    return inter / (h * w + anchors[:, 0] * anchors[:, 1] - inter)


def _objects(objects_per_image: Any) -> list[list[SceneObject]]:
    objects_per_image = validate.scene_objects(objects_per_image, "objects_per_image", per="image")
    for objs in objects_per_image:
        for o in objs:
            b = validate.boxes(o.box, "objects_per_image", single=True)
            if b[2] <= 0 or b[3] <= 0:
                validate.fail("objects_per_image", "object boxes with a height and width > 0",
                              f"a {o.class_name} with box {tuple(o.box)}")
    return [list(objs) for objs in objects_per_image]


def encode_grid(objects_per_image: Sequence[Sequence[SceneObject]], spec: GridSpec = GridSpec(), *,
                return_collisions: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The grid of label vectors of a batch of images, the training target of a detector.

    Each object goes to the cell that contains its centre ``(bx, by)`` (a centre on the image's right or bottom
    edge belongs to the last cell) and, in that cell, to the anchor whose shape has the highest IoU with the
    object's ``(bh, bw)``, both centred on the same point (ties: the lower anchor index). Its slot holds
    ``[1, bx', by', bh, bw, c1, c2, c3]``, where

    - ``bx' = bx * S - col`` and ``by' = by * S - row``: the centre **relative to the cell**, 0..1 inside it;
    - ``bh, bw``: the height and width **relative to the image** (not to the cell, not to the anchor);
    - ``c1, c2, c3``: one-hot class (1 motorcycle, 2 car, 3 pedestrian).

    Empty slots are all zeros (``p_d = 0``; the rest is "don't care", masked by :func:`grid_loss`).

    **Collisions**: when two objects of one image want the same cell and anchor, only one can be stored. The
    larger one (box area ``bh * bw``) wins; for equal areas, the one listed first. The other is lost from the
    target: each loss counts as one collision.

    Parameters
    ----------
    objects_per_image : list of list of SceneObject
        Each image's objects, e.g. ``scenes.objects`` from ``generate_scenes(n, seed, n_objects=(2, 4))``;
        an empty list for an empty street.
    spec : GridSpec
        Grid size and anchors.
    return_collisions : bool
        Also return the number of objects lost to collisions per image.

    Returns
    -------
    y : numpy.ndarray
        ``(N, S, S, A, 8)`` float32, indexed ``y[n, row, col, anchor]``.
    collisions : numpy.ndarray
        ``(N,)`` int, only with ``return_collisions=True``: objects per image that are not in ``y``.

    Examples
    --------
    >>> from helpers.scenes import SceneObject
    >>> car = SceneObject(2, (0.3, 0.6, 0.2, 0.5), np.zeros((6, 2)))
    >>> y = encode_grid([[car]], GridSpec(size=4))      # centre in column 1 (x 0.25..0.5), row 2 (y 0.5..0.75)
    >>> y.shape, y[0, 2, 1, 1].astype(float).round(3).tolist()     # the wide anchor (index 1)
    ((1, 4, 4, 2, 8), [1.0, 0.2, 0.4, 0.2, 0.5, 0.0, 1.0, 0.0])
    """
    spec = _spec(spec)
    objects = _objects(objects_per_image)
    if not isinstance(return_collisions, (bool, np.bool_)):
        validate.fail("return_collisions", "True or False", validate.describe(return_collisions),
                      kind=validate.InputTypeError)
    s, anchors = spec.size, np.asarray(spec.anchors, np.float64)
    validate.at_most(len(objects) * math.prod(spec.shape), MAX_GRID_VALUES, "objects_per_image", "grid values",
                     f"{len(objects)} images x {' x '.join(str(d) for d in spec.shape)}",
                     "encode fewer images at a time, or use a smaller grid")
    y = np.zeros((len(objects),) + spec.shape, np.float32)
    collisions = np.zeros(len(objects), np.int64)
    for n, objs in enumerate(objects):
        owner: dict[tuple[int, int, int], tuple[float, int]] = {}      # slot -> (area, object index)
        for k, o in enumerate(objs):
            bx, by, bh, bw = (float(v) for v in o.box)
            col, row = min(math.floor(bx * s), s - 1), min(math.floor(by * s), s - 1)
            slot = (row, col, int(np.argmax(_shape_iou(bh, bw, anchors))))
            area = bh * bw
            if slot in owner:
                collisions[n] += 1
                if area <= owner[slot][0]:
                    continue
            owner[slot] = (area, k)
        for (row, col, a), (_, k) in owner.items():
            o = objs[k]
            bx, by, bh, bw = (float(v) for v in o.box)
            y[n, row, col, a, :5] = (1.0, bx * s - col, by * s - row, bh, bw)
            y[n, row, col, a, 4 + int(o.class_id)] = 1.0
    return (y, collisions) if return_collisions else y


def _grid(y: Any, spec: GridSpec, name: str = "y") -> np.ndarray:
    """``(N, S, S, A, 8)`` from that shape or a network's flat ``(N, S, S, A * 8)``."""
    v = validate.array(y, name, ndim=(4, 5))
    s, a = spec.size, spec.n_anchors
    want = f"(N, {s}, {s}, {a}, {LABEL_LENGTH}) or (N, {s}, {s}, {a * LABEL_LENGTH})"
    if v.ndim == 4 and v.shape[1:] == (s, s, a * LABEL_LENGTH):
        v = v.reshape((len(v),) + spec.shape)
    if v.shape[1:] != spec.shape:
        validate.fail(name, f"a batch of grids shaped {want} for this GridSpec", f"shape {v.shape}",
                      "for one image, add a batch axis: y[None]; check spec's size and anchors")
    return v


def decode_grid(y: Any, spec: GridSpec = GridSpec(), threshold: float = 0.5
                ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Read a grid (a target or a detector's output) back into boxes in image fractions.

    Every slot whose score ``p_d * max(c1, c2, c3)`` is at least ``threshold`` gives one detection: the box
    ``(bx, by, bh, bw)`` with ``bx = (col + bx') / S`` and ``by = (row + by') / S`` (undoing the cell offset of
    :func:`encode_grid`; ``bh, bw`` are already image fractions), the score, and the class id
    ``1 + argmax(c1, c2, c3)``. No suppression is done here: see :func:`nms_per_class`.

    Parameters
    ----------
    y : array
        ``(N, S, S, A, 8)`` grids, or a network's flat ``(N, S, S, A * 8)`` (anchor after anchor), every entry in
        [0, 1] (a target, or sigmoid outputs: a grid scaled by 255 or scores before the sigmoid are refused).
    spec : GridSpec
        The grid the network or :func:`encode_grid` used.
    threshold : float
        Lowest score kept, in [0, 1].

    Returns
    -------
    list of (boxes, scores, class_ids)
        One tuple per image: ``(M, 4)`` float64 boxes, ``(M,)`` float64 scores, ``(M,)`` int64 class ids
        1..3, ordered by descending score (equal scores: row, column, anchor order). On a target from
        :func:`encode_grid` the boxes are the objects' boxes (to float32 precision) with score 1, unless
        collisions dropped some.
    """
    spec = _spec(spec)
    v = _grid(y, spec)
    threshold = validate.number(threshold, "threshold", low=0, high=1)
    validate.in_unit_range(v, "y", "grid entries [p_d, bx', by', bh, bw, c1, c2, c3]", "pass the detector's output "
                           "(sigmoids) or encode_grid's target; scores before a sigmoid: apply it first")
    s, a = spec.size, spec.n_anchors
    rows, cols = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
    offx = np.broadcast_to(cols[:, :, None], (s, s, a)).reshape(-1).astype(np.float64)
    offy = np.broadcast_to(rows[:, :, None], (s, s, a)).reshape(-1).astype(np.float64)
    out = []
    for grid in v.reshape(len(v), -1, LABEL_LENGTH):
        scores = grid[:, 0] * grid[:, 5:].max(axis=1)
        keep = np.flatnonzero(scores >= threshold)
        keep = keep[np.argsort(-scores[keep], kind="stable")]
        boxes = np.column_stack([(offx[keep] + grid[keep, 1]) / s, (offy[keep] + grid[keep, 2]) / s,
                                 grid[keep, 3], grid[keep, 4]]).reshape(-1, 4)
        out.append((boxes, scores[keep].astype(np.float64), 1 + grid[keep, 5:].argmax(axis=1).astype(np.int64)))
    return out


def _check_grid_tensors(y_true, y_pred) -> None:
    shapes = []
    for name, t in (("y_true", y_true), ("y_pred", y_pred)):
        shape = getattr(t, "shape", None)
        ok = shape is not None and (
            (len(shape) == 5 and shape[-1] == LABEL_LENGTH)
            or (len(shape) == 4 and shape[-1] is not None and shape[-1] % LABEL_LENGTH == 0))
        if not ok or any(d is None for d in tuple(shape)[1:]):
            validate.fail(name, f"a batch of grids shaped (N, S, S, A, {LABEL_LENGTH}) or (N, S, S, A * "
                          f"{LABEL_LENGTH})", validate.describe(t) if shape is None else f"shape {tuple(shape)}",
                          "encode targets with detection.encode_grid; for one image add a batch axis: y[None]")
        if shape[1] != shape[2]:      # one image's (S, S, A, 8) read as a batch of S: rows S, cols A
            validate.fail(name, f"a batch of square grids (N, S, S, A, {LABEL_LENGTH}) or (N, S, S, A * "
                          f"{LABEL_LENGTH})", f"shape {tuple(shape)}: one image's grid without its batch axis?",
                          "for one image add a batch axis: y[None]")
        shapes.append(tuple(shape))
    slots = [math.prod(sh[1:]) for sh in shapes]
    if slots[0] != slots[1]:
        validate.fail("y_pred", f"as many grid entries per image as y_true ({shapes[0][1:]})",
                      f"shape {shapes[1]}", "build the network's output for the same GridSpec")
    if shapes[0][0] is not None and shapes[1][0] is not None and shapes[0][0] != shapes[1][0]:
        validate.fail("y_pred", f"one grid per image of y_true ({shapes[0][0]})", f"{shapes[1][0]} grids",
                      "pass the network's output for the same images")
    for name, t in (("y_true", y_true), ("y_pred", y_pred)):
        validate.finite_if_concrete(t, name, "a NaN loss trains nothing: check the network's inputs and targets")


def grid_loss(y_true, y_pred):
    """The slide's masked loss on every cell and anchor, averaged over the slots of each image.

    For each slot (cell and anchor): if the target's ``p_d = 1``, the sum of the squared errors of all eight
    entries ``[p_d, bx, by, bh, bw, c1, c2, c3]``; if ``p_d = 0``, only ``(p̂_d - p_d)²`` (the box and classes
    are "don't care"). Per image, the **mean over its** ``S * S * A`` **slots**; Keras then averages over the
    batch. A Keras 3 loss: ``model.compile(loss=grid_loss)``; works on NumPy arrays and tensors.

    Parameters
    ----------
    y_true, y_pred : array or tensor
        ``(N, S, S, A, 8)``, or flat ``(N, S, S, A * 8)`` (anchor after anchor), same number of entries.

    Returns
    -------
    tensor
        ``(N,)`` loss per image.
    """
    from keras import ops

    _check_grid_tensors(y_true, y_pred)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    n_slots = math.prod(tuple(y_pred.shape)[1:]) // LABEL_LENGTH
    t = ops.reshape(y_true, (-1, n_slots, LABEL_LENGTH))
    p = ops.reshape(y_pred, (-1, n_slots, LABEL_LENGTH))
    se = ops.square(p - t)
    per_slot = ops.where(t[..., 0] > 0.5, ops.sum(se, axis=-1), se[..., 0])
    return ops.mean(per_slot, axis=-1)


# ------------------------------------------------------------------------------------------
# IoU and non-max suppression
# ------------------------------------------------------------------------------------------

def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _iou_corners(box_corners(a), box_corners(b))


def _iou_corners(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """:func:`_iou` of boxes given by their corners ``(x0, y0, x1, y1)`` (``box_corners``'s output)."""
    ax0, ay0, ax1, ay1 = (c[:, None] for c in ca.T)
    bx0, by0, bx1, by1 = (c[None, :] for c in cb.T)
    inter = np.clip(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), 0, None) * \
        np.clip(np.minimum(ay1, by1) - np.maximum(ay0, by0), 0, None)
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def iou_matrix(a: Any, b: Any) -> np.ndarray:
    """IoU of every box of ``a`` with every box of ``b``.

    Parameters
    ----------
    a, b : array
        ``(N, 4)`` and ``(M, 4)`` boxes ``(bx, by, bh, bw)`` in image fractions (N or M may be 0).

    Returns
    -------
    numpy.ndarray
        ``(N, M)`` float64 in [0, 1]: 1 for identical boxes (with an area), 0 for disjoint or only touching
        boxes; a box of zero area has IoU 0 with anything. Areas come from the corners, so that a box is
        exactly as large as its overlap with itself. At most :data:`MAX_IOU_PAIRS` (``N x M``) per call.
    """
    a, b = _boxes(a, "a"), _boxes(b, "b")
    validate.at_most(len(a) * len(b), MAX_IOU_PAIRS, "a", "box pairs", f"{len(a):,} x {len(b):,} boxes",
                     "compute it in blocks of rows, e.g. iou_matrix(a[i:i + 1000], b), keeping only what you need")
    return _iou(a, b)


def _greedy_nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, max_out: int | None) -> np.ndarray:
    order = np.lexsort((np.arange(len(scores)), -scores))       # highest score first; ties: lower index
    corners = box_corners(boxes)
    suppressed = np.zeros(len(scores), bool)
    keep: list[int] = []
    for i in order:
        if max_out is not None and len(keep) >= max_out:
            break
        if suppressed[i]:
            continue
        keep.append(int(i))
        suppressed |= _iou_corners(corners[i:i + 1], corners)[0] > iou_threshold   # a row, never the N x N matrix
    return np.asarray(keep, np.int64)


def _nms_boxes(boxes: Any) -> np.ndarray:
    b = _boxes(boxes, "boxes")
    validate.at_most(len(b), MAX_NMS_BOXES, "boxes", "boxes", f"{len(b):,} boxes",
                     "raise decode_grid's threshold (most slots score near 0), or suppress image by image")
    return b


def nms(boxes: Any, scores: Any, iou_threshold: float = 0.5, max_out: int | None = None) -> np.ndarray:
    """Greedy non-max suppression, class-blind.

    Repeatedly keep the highest-scoring box left (equal scores: the lower index first) and drop every remaining
    box whose IoU with it is **greater than** ``iou_threshold`` (a box at exactly the threshold stays), as
    ``tf.image.non_max_suppression`` does.

    Parameters
    ----------
    boxes : array
        ``(N, 4)`` boxes ``(bx, by, bh, bw)`` in image fractions, at most :data:`MAX_NMS_BOXES` (the IoU is
        computed one kept box at a time: the ``N x N`` matrix is never held).
    scores : array
        ``(N,)`` scores.
    iou_threshold : float
        In [0, 1].
    max_out : int, optional
        Keep at most this many boxes.

    Returns
    -------
    numpy.ndarray
        int64 indices of the kept boxes, in the order they were kept (descending score).
    """
    b = _nms_boxes(boxes)
    s = _vector(scores, "scores", len(b), "score")
    t = validate.number(iou_threshold, "iou_threshold", low=0, high=1)
    return _greedy_nms(b, s, t, _max_out(max_out))


def nms_per_class(boxes: Any, scores: Any, class_ids: Any, iou_threshold: float = 0.5,
                  max_out: int | None = None) -> np.ndarray:
    """Non-max suppression within each class: a car never suppresses a pedestrian.

    :func:`nms` on the boxes of each class separately, then all kept boxes ordered by descending score
    (equal scores: lower index first); ``max_out`` caps the total.

    Parameters
    ----------
    boxes, scores, iou_threshold, max_out
        As for :func:`nms`.
    class_ids : array
        ``(N,)`` whole-number class ids (any labels; the course's are 1..3).

    Returns
    -------
    numpy.ndarray
        int64 indices into ``boxes`` of the kept detections.
    """
    b = _nms_boxes(boxes)
    s = _vector(scores, "scores", len(b), "score")
    c = _ids(class_ids, "class_ids", len(b), allowed=None)
    t = validate.number(iou_threshold, "iou_threshold", low=0, high=1)
    max_out = _max_out(max_out)
    kept = [idx[_greedy_nms(b[idx], s[idx], t, None)] for idx in (np.flatnonzero(c == k) for k in np.unique(c))]
    kept = np.concatenate(kept) if kept else np.zeros(0, np.int64)
    kept = kept[np.lexsort((kept, -s[kept]))]
    return (kept if max_out is None else kept[:max_out]).astype(np.int64)


def _nms_case(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float, int]:
    """A random NMS problem whose IoU decisions are exact in float32 too: corners on a grid of 1/step (step 8
    or 256), thresholds multiples of 1/8, so TensorFlow's float32 arithmetic and ours agree on every
    comparison, including IoU exactly at the threshold. Scores are continuous or from 3 values (ties)."""
    n = int(rng.integers(1, 25))
    step = 8 if rng.random() < 0.4 else 256
    centres = rng.integers(0, step + 1, (int(rng.integers(1, 4)), 2))
    pick = centres[rng.integers(0, len(centres), n)]
    half = rng.integers(0, max(step // 4, 2), (n, 2, 2))                 # distances to the 4 edges
    lo = np.clip(pick - half[:, 0], 0, step)
    hi = np.clip(pick + half[:, 1], 0, step)
    corners = np.column_stack([lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]]) / step     # x0, y0, x1, y1
    if rng.random() < 0.5:
        scores = rng.random(n)
    else:
        scores = rng.choice([0.3, 0.6, 0.9], n)
    threshold = float(rng.integers(0, 9)) / 8
    max_out = int(rng.integers(1, n + 1)) if rng.random() < 0.3 else n
    return corners, scores, threshold, max_out


def nms_agreement(n_cases: int = 200, seed: int = 0) -> float:
    """The fraction of random cases on which :func:`nms` keeps exactly the boxes, in the same order, that
    ``tf.image.non_max_suppression`` keeps (boxes given to it as corners ``[y0, x0, y1, x1]``).

    The cases (seeded) mix clustered boxes, zero-area boxes, tied scores, IoUs exactly at the threshold and
    ``max_out`` caps. Expected: 1.0. Needs TensorFlow installed (its NMS is the reference), whatever the Keras
    backend: with ``make lab BACKEND=jax`` or ``torch`` it is not, and this says so.
    """
    import importlib.util

    n_cases = validate.integer(n_cases, "n_cases", low=1, high=10_000)
    seed = validate.integer(seed, "seed", low=0)
    if importlib.util.find_spec("tensorflow") is None:
        raise ModuleNotFoundError("nms_agreement compares with TensorFlow's non_max_suppression, and TensorFlow is "
                                  "not installed here; run it where it is (make test, or make lab without BACKEND)")
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    same = 0
    for _ in range(n_cases):
        corners, scores, threshold, max_out = _nms_case(rng)
        x0, y0, x1, y1 = corners.T
        ours = nms(np.column_stack([(x0 + x1) / 2, (y0 + y1) / 2, y1 - y0, x1 - x0]), scores, threshold, max_out)
        theirs = tf.image.non_max_suppression(np.column_stack([y0, x0, y1, x1]).astype(np.float32),
                                              scores.astype(np.float32), max_out, iou_threshold=threshold).numpy()
        same += int(np.array_equal(ours, theirs))
    return same / n_cases


# ------------------------------------------------------------------------------------------
# Average precision
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AveragePrecision:
    """The result of :func:`average_precision`.

    Attributes
    ----------
    per_class : dict of int to float
        AP of each class id that has at least one ground-truth box.
    curves : dict of int to (precision, recall)
        Per class, two ``(D,)`` arrays: precision and recall after each of the class's ``D`` detections in
        descending score (before interpolation). Empty arrays when the class has no detections.
    mean_ap : float
        mAP: the mean of ``per_class``.
    n_ground_truth : dict of int to int
        Ground-truth boxes per class.
    iou_threshold : float
    method : str
    """

    per_class: dict[int, float]
    curves: dict[int, tuple[np.ndarray, np.ndarray]] = field(repr=False)
    mean_ap: float
    n_ground_truth: dict[int, int]
    iou_threshold: float
    method: str


def _per_image(value: Any, name: str, what: str) -> list:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        validate.fail(name, f"a list with one {what} per image", validate.describe(value),
                      kind=validate.InputTypeError)
    return list(value)


def _detections(detections: Any) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    out = []
    for i, d in enumerate(_per_image(detections, "detections", "(boxes, scores, class_ids)")):
        name = f"detections[{i}]"
        if not isinstance(d, (list, tuple)) or len(d) != 3:
            validate.fail(name, "a tuple (boxes, scores, class_ids), as decode_grid gives", validate.describe(d),
                          kind=validate.InputTypeError)
        b = _boxes(d[0], name + " boxes")
        out.append((b, _vector(d[1], name + " scores", len(b), "score"), _ids(d[2], name + " class_ids", len(b))))
    return out


def _ground_truth(ground_truth: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for i, g in enumerate(_per_image(ground_truth, "ground_truth", "(boxes, class_ids)")):
        name = f"ground_truth[{i}]"
        if isinstance(g, list) and all(isinstance(o, SceneObject) for o in g):    # scenes.objects[i]
            g = (np.array([o.box for o in g], np.float64).reshape(-1, 4), [o.class_id for o in g])
        if not isinstance(g, (list, tuple)) or len(g) != 2:
            validate.fail(name, "a tuple (boxes, class_ids) or a list of SceneObjects", validate.describe(g),
                          kind=validate.InputTypeError)
        b = _boxes(g[0], name + " boxes")
        out.append((b, _ids(g[1], name + " class_ids", len(b))))
    return out


def _pairs_per_image(dets: list, gts: list) -> None:
    """One image's detections x objects is one IoU matrix: at most :data:`MAX_IOU_PAIRS` of them."""
    for n, ((b, _, _), (g, _)) in enumerate(zip(dets, gts)):
        validate.at_most(len(b) * len(g), MAX_IOU_PAIRS, f"detections[{n}]", "detection-object pairs in one image",
                         f"{len(b):,} detections x {len(g):,} objects",
                         "suppress duplicates first (nms_per_class) or raise decode_grid's threshold")


def _match(dets: list, gts: list, cls: int, iou_threshold: float) -> tuple[np.ndarray, int]:
    """True/false positive flags of class ``cls``'s detections, in descending score, and its number of
    ground-truth boxes. VOC rule: a detection takes the ground-truth box of its image and class it overlaps
    most; a match if that IoU >= the threshold and the box is not taken yet, otherwise a false positive."""
    gt_boxes = [g[0][g[1] == cls] for g in gts]
    image, index, score, best_box, best_iou = [], [], [], [], []
    for n, (b, s, c) in enumerate(dets):
        k = np.flatnonzero(c == cls)
        image += [n] * len(k)
        index += k.tolist()
        score += s[k].tolist()
        if len(k) and len(gt_boxes[n]):
            overlaps = _iou(b[k], gt_boxes[n])                   # every detection of the image at once
            best = np.argmax(overlaps, axis=1)                   # ties: the first box, as before
            best_box += best.tolist()
            best_iou += overlaps[np.arange(len(k)), best].tolist()
        else:
            best_box += [-1] * len(k)
            best_iou += [-1.0] * len(k)
    image_a, index_a, score_a = np.asarray(image, np.int64), np.asarray(index, np.int64), np.asarray(score)
    order = np.lexsort((index_a, image_a, -score_a))    # descending score; ties: image, then detection order
    taken = [np.zeros(len(g), bool) for g in gt_boxes]
    tp = np.zeros(len(order), bool)
    for r, j in enumerate(order):
        n, best = image[j], best_box[j]
        if best >= 0 and best_iou[j] >= iou_threshold and not taken[n][best]:
            tp[r] = True
            taken[n][best] = True
    return tp, sum(len(g) for g in gt_boxes)


def _ap(precision: np.ndarray, recall: np.ndarray, method: str) -> float:
    if method == "voc":      # all points (VOC 2010+): area under the precision envelope
        mrec = np.concatenate([[0.0], recall, [1.0]])
        mpre = np.concatenate([[0.0], precision, [0.0]])
        mpre = np.maximum.accumulate(mpre[::-1])[::-1]
        step = np.flatnonzero(mrec[1:] != mrec[:-1])
        return float(np.sum((mrec[step + 1] - mrec[step]) * mpre[step + 1]))
    # coco: the envelope read at 101 recall levels 0, 0.01, ..., 1 (0 where the recall is never reached)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    at = np.searchsorted(recall, np.linspace(0.0, 1.0, 101), side="left")
    q = np.zeros(101)
    q[at < len(envelope)] = envelope[at[at < len(envelope)]]
    return float(np.mean(q))


def average_precision(detections: Any, ground_truth: Any, iou_threshold: float = 0.5,
                      method: str = "voc") -> AveragePrecision:
    """Average precision per class and its mean (mAP) over a set of images.

    Per class, all its detections (over all images) are taken in descending score (equal scores: image order,
    then detection order) and matched greedily with the VOC rule: a detection goes to the ground-truth box of
    the same image and class it overlaps most; if that IoU is at least ``iou_threshold`` (``>=``, as in the
    VOC devkit's MATLAB code and in COCO) and the box is not matched yet, it is a true positive and the box is
    matched; otherwise (too little overlap, or the box is already taken: a duplicate) a false positive.
    (COCO's own matcher would try the next-best free box instead; the two differ only where ground-truth boxes
    of one class overlap each other.) Precision and recall after each detection make the curve; AP is the area
    under its envelope (precision made non-increasing: the best precision at this recall or any higher one).

    Parameters
    ----------
    detections : list of (boxes, scores, class_ids)
        One tuple per image, e.g. :func:`decode_grid`'s output after :func:`nms_per_class`: ``(M, 4)`` boxes
        ``(bx, by, bh, bw)``, ``(M,)`` scores, ``(M,)`` class ids 1..3 (M may be 0).
    ground_truth : list of (boxes, class_ids), or of lists of SceneObject
        One entry per image (``scenes.objects`` works).
    iou_threshold : float
        In (0, 1]: the overlap a true positive needs.
    method : {"voc", "coco"}
        ``"voc"``: all-point interpolation (VOC 2010 and later); ``"coco"``: the mean of the envelope at the
        101 recall levels 0, 0.01, ..., 1 (COCO).

    Returns
    -------
    AveragePrecision
        ``per_class`` and ``curves`` for every class with at least one ground-truth box; ``mean_ap`` their mean.
        A class with ground truth but no detections has AP 0; detections of a class without ground truth
        do not count.
    """
    dets, gts = _detections(detections), _ground_truth(ground_truth)
    if len(dets) != len(gts):
        validate.fail("detections", f"one entry per image of ground_truth ({len(gts)})", f"{len(dets)} entries")
    _pairs_per_image(dets, gts)
    iou_threshold = validate.number(iou_threshold, "iou_threshold", low=0, high=1, low_open=True)
    method = validate.choice(method, "method", AP_METHODS)
    classes = sorted({int(c) for _, ids in gts for c in ids})
    if not classes:
        validate.fail("ground_truth", "at least one ground-truth box (AP is precision over what there is to find)",
                      "no boxes in any image")
    per_class, curves, counts = {}, {}, {}
    for cls in classes:
        tp, n_gt = _match(dets, gts, cls, iou_threshold)
        ctp, cfp = np.cumsum(tp), np.cumsum(~tp)
        recall = ctp / n_gt
        precision = ctp / np.maximum(ctp + cfp, 1)
        per_class[cls] = _ap(precision, recall, method)
        curves[cls] = (precision, recall)
        counts[cls] = n_gt
    return AveragePrecision(per_class, curves, float(np.mean(list(per_class.values()))), counts,
                            iou_threshold, method)


def coco_map(detections: Any, ground_truth: Any) -> float:
    """COCO's mAP ("AP@[.5:.95]"): the mean over the IoU thresholds 0.50, 0.55, ..., 0.95 of the 101-point mAP
    of :func:`average_precision` (``method="coco"``). Same arguments as :func:`average_precision`."""
    return float(np.mean([average_precision(detections, ground_truth, t, "coco").mean_ap
                          for t in COCO_IOU_THRESHOLDS]))


# ------------------------------------------------------------------------------------------
# Where the errors are: TIDE's six kinds
# ------------------------------------------------------------------------------------------

#: The kinds of error of :func:`error_breakdown`, in TIDE's order (Bolya et al. 2020): five for a false detection,
#: one for a true object nothing accounts for.
ERROR_TYPES = ("classification", "localisation", "both", "duplicate", "background", "missed")


@dataclass(frozen=True)
class ErrorBreakdown:
    """The result of :func:`error_breakdown`.

    Attributes
    ----------
    counts : dict of int to dict of str to int
        Per class id 1..3, how many errors of each kind in :data:`ERROR_TYPES`. A false detection counts under
        the class it *says* (a pedestrian called a car is a car's classification error); a missed object under
        its own class.
    detections : list of numpy.ndarray
        Per image, one label per detection (in the order given): ``"correct"`` (a true positive, as
        :func:`average_precision` counts it) or the kind of error.
    objects : list of numpy.ndarray
        Per image, one label per true object: ``"found"`` (matched by a true positive); ``"localisation"`` or
        ``"classification"`` (not matched, but a false detection of that kind is on it -- TIDE counts the
        detection, not a miss); ``"missed"``.
    iou_threshold, background_threshold : float
    """

    counts: dict[int, dict[str, int]]
    detections: list[np.ndarray] = field(repr=False)
    objects: list[np.ndarray] = field(repr=False)
    iou_threshold: float
    background_threshold: float


def error_breakdown(detections: Any, ground_truth: Any, iou_threshold: float = 0.5,
                    background_threshold: float = 0.1) -> ErrorBreakdown:
    """Every false detection and every unfound object, sorted into TIDE's six kinds of error (notebook 06).

    Bolya et al. (2020), "TIDE: A General Toolbox for Identifying Object Detection Errors", split what keeps AP
    below 1 into six kinds. With ``t_f = iou_threshold`` and ``t_b = background_threshold``, a detection that
    is not a true positive is, checked in this order (TIDE's own):

    1. **localisation**: the right class, box off -- IoU in ``[t_b, t_f)`` with an object of its class;
    2. **classification**: the box right, wrong class -- IoU >= ``t_f`` with an object of another class;
    3. **duplicate**: IoU >= ``t_f`` with an object of its class that a higher-scoring detection already took;
    4. **background**: IoU <= ``t_b`` with every object;
    5. **both**: anything else (wrong class *and* box off: IoU in ``(t_b, t_f)`` with an object of another class).

    A true object that no true positive matched is **missed** -- unless a localisation or classification error
    sits on it (the object the test above found), in which case the detector did find it and that error already
    counts it: TIDE counts each failure once.

    True positives are decided exactly as :func:`average_precision` decides them (the VOC rule, per class in
    descending score: a detection takes the object of its class it overlaps most, if that IoU >= ``t_f`` and the
    object is still free), so the counts and the AP at ``t_f`` describe the same matching. TIDE's own code
    matches as COCO does (the best *free* object); the two differ only where objects of one class overlap each
    other. TIDE also weighs each kind by the AP regained when it is fixed; this helper counts.

    Parameters
    ----------
    detections : list of (boxes, scores, class_ids)
        One tuple per image, as for :func:`average_precision`.
    ground_truth : list of (boxes, class_ids), or of lists of SceneObject
        One entry per image.
    iou_threshold : float
        ``t_f`` in (0, 1]: the overlap a true positive needs (TIDE and the notebook: 0.5).
    background_threshold : float
        ``t_b`` in [0, ``t_f``): at or below it a detection is on the background (TIDE: 0.1).

    Returns
    -------
    ErrorBreakdown

    Examples
    --------
    >>> car, person = (0.3, 0.5, 0.3, 0.4), (0.75, 0.5, 0.5, 0.2)
    >>> truth = [(np.array([car, person]), np.array([2, 3]))]
    >>> found = [(np.array([car, car, (0.75, 0.65, 0.2, 0.2)]), np.array([0.9, 0.8, 0.7]), np.array([2, 2, 3]))]
    >>> result = error_breakdown(found, truth)
    >>> result.detections[0].tolist(), result.objects[0].tolist()
    (['correct', 'duplicate', 'localisation'], ['found', 'localisation'])
    """
    dets, gts = _detections(detections), _ground_truth(ground_truth)
    if len(dets) != len(gts):
        validate.fail("detections", f"one entry per image of ground_truth ({len(gts)})", f"{len(dets)} entries")
    _pairs_per_image(dets, gts)
    t_f = validate.number(iou_threshold, "iou_threshold", low=0, high=1, low_open=True)
    t_b = validate.number(background_threshold, "background_threshold", low=0, high=1)
    if t_b >= t_f:
        validate.fail("background_threshold", f"a number below iou_threshold ({t_f})", str(t_b),
                      "TIDE uses 0.1 with 0.5")
    counts = {c: dict.fromkeys(ERROR_TYPES, 0) for c in _OBJECT_IDS}
    det_labels, obj_labels = [], []
    for (boxes, scores, ids), (tboxes, tids) in zip(dets, gts):
        overlap = _iou(boxes, tboxes)                                         # (detections, objects)
        same = ids[:, None] == tids[None, :]
        taken = np.zeros(len(tids), bool)
        correct = np.zeros(len(ids), bool)
        for j in np.lexsort((np.arange(len(ids)), -scores)):                  # descending score; ties: order
            mine = np.flatnonzero(same[j])                                    # the VOC rule, class by class
            if len(mine):
                best = mine[np.argmax(overlap[j, mine])]
                if overlap[j, best] >= t_f and not taken[best]:
                    taken[best] = correct[j] = True
        labels = np.where(correct, "correct", "").astype(object)
        status = np.where(taken, "found", "").astype(object)
        claim_score = np.full(len(tids), -np.inf)                             # the best error sitting on an object
        for j in np.flatnonzero(~correct):
            o = overlap[j]
            o_same, o_other = np.where(same[j], o, 0.0), np.where(same[j], 0.0, o)
            if len(tids) and t_b <= o_same.max() < t_f:
                kind, on = "localisation", int(np.argmax(o_same))
            elif len(tids) and o_other.max() >= t_f:
                kind, on = "classification", int(np.argmax(o_other))
            elif len(tids) and np.where(taken, o_same, 0.0).max() >= t_f:
                kind, on = "duplicate", None
            elif not len(tids) or o.max() <= t_b:
                kind, on = "background", None
            else:
                kind, on = "both", None
            labels[j] = kind
            counts[int(ids[j])][kind] += 1
            if on is not None and not taken[on] and scores[j] > claim_score[on]:
                status[on], claim_score[on] = kind, scores[j]
        for k in np.flatnonzero(status == ""):
            status[k] = "missed"
            counts[int(tids[k])]["missed"] += 1
        det_labels.append(labels.astype(str))
        obj_labels.append(status.astype(str))
    return ErrorBreakdown(counts, det_labels, obj_labels, t_f, t_b)


# ------------------------------------------------------------------------------------------
# The grid detector: the grid of label vectors straight out of the course convnet's blocks
# ------------------------------------------------------------------------------------------

def build_grid_detector(classifier, spec: GridSpec = GridSpec()):
    """A small YOLO-style detector whose output is directly the grid of label vectors (notebook 06 uses it).

    The course convnet's convolution blocks up to ``block4_conv1`` (an 8x8 map for 64 px; the classifier's
    layers themselves, so their weights are shared, as in :func:`helpers.localization.build_localizer`), then a
    3x3 convolution of 64 channels (relu), a max pooling from the map down to the ``S x S`` grid (2x2 for an 8x8
    map and ``S = 4``), a 1x1 convolution to ``A * 8`` channels with a sigmoid and a reshape to ``(S, S, A, 8)``:
    cell ``[row, col]`` of the output looks at the same ``1 / S`` of the image as cell ``[row, col]`` of
    :func:`encode_grid`'s target, and each of its ``A`` slots is ``[p_d, bx', by', bh, bw, c1, c2, c3]``.

    **Every entry is a sigmoid**, ``p_d`` and the classes included (no softmax): the slides' squared-error loss
    (:func:`grid_loss`) treats each entry as a number in 0..1 to be pulled towards its target, and the targets
    are all in 0..1 (``bx', by'`` relative to the cell, ``bh, bw`` fractions of the image, one-hot classes).
    :func:`decode_grid` reads the output as it reads a target.

    Only standard Keras layers: the model saves to ``.keras`` and loads back in safe mode
    (:func:`load_grid_detector`).

    Parameters
    ----------
    classifier : keras.Model
        The course convnet (``course_model.build_course_convnet()`` or the shipped one); needs a layer
        ``block4_conv1``.
    spec : GridSpec
        Grid size ``S`` and anchors ``A``. ``S`` must divide the side of ``block4_conv1``'s map (1, 2, 4 or 8
        for 64 px images).

    Returns
    -------
    keras.Model
        Named ``grid_detector``: ``(N, H, W, 3)`` images in [0, 1] -> ``(N, S, S, A, 8)`` grids in (0, 1).

    Examples
    --------
    >>> from helpers.course_model import build_course_convnet
    >>> build_grid_detector(build_course_convnet()).output.shape
    (None, 4, 4, 2, 8)
    """
    import keras
    from keras import layers

    validate.model(classifier, "classifier")
    spec = _spec(spec)
    try:
        block4 = classifier.get_layer("block4_conv1")
    except ValueError:
        validate.fail("classifier", "the course convnet (a model with a layer 'block4_conv1')",
                      f"the model {classifier.name!r} without one", "pass course_model.build_course_convnet() "
                      "or course_model.load_course_model()")
    h, w = (int(d) if d is not None else 0 for d in tuple(block4.output.shape)[1:3])
    s, a = spec.size, spec.n_anchors
    if h == 0 or h % s or w % s:
        validate.fail("spec", f"a grid size S that divides block4_conv1's {h}x{w} map (S in "
                      f"{', '.join(str(k) for k in range(1, h + 1) if h % k == 0 and w % k == 0)})",
                      f"GridSpec(size={s})", "each cell pools a whole number of map positions; e.g. GridSpec(size=4)")
    base = keras.Model(classifier.input, block4.output, name="conv_base")
    inputs = keras.Input(classifier.input.shape[1:], name="image")
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="det_conv")(base(inputs))
    x = layers.MaxPooling2D(pool_size=(h // s, w // s), name="det_pool")(x)                  # (S, S, 64)
    x = layers.Conv2D(a * LABEL_LENGTH, 1, activation="sigmoid", name="det_slots")(x)       # (S, S, A * 8)
    out = layers.Reshape(spec.shape, name="grid")(x)                                         # (S, S, A, 8)
    return keras.Model(inputs, out, name="grid_detector")


def load_grid_detector(path=None):
    """The shipped grid detector (Keras safe mode); says how to make it when the file is missing. A file that holds
    another model (its output not a grid ``(N, S, S, A, 8)``, e.g. the classifier's) is refused."""
    model = shipped.load("grid_detector", path)
    shipped.check_output(model, path, "grid detector", f"grids (N, S, S, A, {LABEL_LENGTH})",
                         lambda out: len(out) == 5 and out[-1] == LABEL_LENGTH and out[1] == out[2])
    return model
