"""The lecture's localization label: ``y = [p_d, bx, by, bh, bw, c1, c2, c3]``.

``p_d`` is 1 when an object is present; ``(bx, by)`` the box centre and ``(bh, bw)`` its
height and width as fractions of the image; ``c1, c2, c3`` one-hot for pedestrian, car,
motorcycle. For a background scene only ``p_d = 0`` matters: the other seven entries are
"don't care" (``?`` on the slides). They are stored as 0 and masked out by the loss.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .scenes import CLASS_IDS, CLASS_NAMES, SceneObject, class_id

__all__ = ["LABEL_LENGTH", "LABEL_FIELDS", "encode_label", "format_label", "iou"]

LABEL_LENGTH = 8
LABEL_FIELDS = ("p_d", "bx", "by", "bh", "bw", "c1", "c2", "c3")


def _check_box(box: Sequence[float]) -> tuple[float, float, float, float]:
    b = np.asarray(box, np.float64)
    if b.shape != (4,) or not np.all(np.isfinite(b)):
        raise ValueError(f"a box is 4 finite numbers (bx, by, bh, bw), got {box!r}")
    bx, by, bh, bw = (float(v) for v in b)
    if bh <= 0 or bw <= 0:
        raise ValueError(f"box height and width must be > 0, got bh={bh}, bw={bw}")
    eps = 1e-6
    if bx - bw / 2 < -eps or bx + bw / 2 > 1 + eps or by - bh / 2 < -eps or by + bh / 2 > 1 + eps:
        raise ValueError(f"box (bx={bx}, by={by}, bh={bh}, bw={bw}) reaches outside the image: "
                         "all edges must lie in [0, 1] (fractions of the image size)")
    return bx, by, bh, bw


def encode_label(cls: str | int | SceneObject | None, box: Sequence[float] | None = None) -> np.ndarray:
    """The 8-entry label vector of one image.

    Parameters
    ----------
    cls : str, int, SceneObject or None
        Class name or id (1 pedestrian, 2 car, 3 motorcycle, 4 background), a scene object
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
    y = np.zeros(LABEL_LENGTH, np.float32)
    cid = CLASS_IDS["background"] if cls is None else class_id(cls)
    if cid == CLASS_IDS["background"]:
        return y
    if box is None:
        raise ValueError(f"a {CLASS_NAMES[cid - 1]} label needs its box (bx, by, bh, bw)")
    y[0] = 1.0
    y[1:5] = _check_box(box)
    y[4 + cid] = 1.0
    return y


def format_label(y: Sequence[float], digits: int = 2) -> str:
    """The label as on the slides, e.g. ``[1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0]`` or ``[0, ?, ?, ...]``."""
    v = np.asarray(y, np.float64)
    if v.shape != (LABEL_LENGTH,):
        raise ValueError(f"a label vector has {LABEL_LENGTH} entries {LABEL_FIELDS}, got shape {v.shape}")
    if v[0] == 0:
        return "[0, " + ", ".join("?" * 1 for _ in range(LABEL_LENGTH - 1)) + "]"

    def num(x: float) -> str:
        return f"{x:.{digits}f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))

    return "[" + ", ".join(num(x) for x in v) + "]"


def iou(box_a, box_b) -> np.ndarray | float:
    """Intersection over union of boxes ``(bx, by, bh, bw)`` (single boxes or ``(N, 4)`` arrays, pairwise by row).

    1 for identical boxes, 0 for disjoint ones, symmetric; a box of zero area has IoU 0 with anything.
    """
    a, b = np.asarray(box_a, np.float64), np.asarray(box_b, np.float64)
    single = a.ndim == 1 and b.ndim == 1
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    if a.shape[-1] != 4 or b.shape[-1] != 4:
        raise ValueError(f"boxes are (bx, by, bh, bw): got shapes {a.shape} and {b.shape}")
    if (a[:, 2:] < 0).any() or (b[:, 2:] < 0).any():
        raise ValueError("box heights and widths must not be negative")
    ax0, ax1, ay0, ay1 = a[:, 0] - a[:, 3] / 2, a[:, 0] + a[:, 3] / 2, a[:, 1] - a[:, 2] / 2, a[:, 1] + a[:, 2] / 2
    bx0, bx1, by0, by1 = b[:, 0] - b[:, 3] / 2, b[:, 0] + b[:, 3] / 2, b[:, 1] - b[:, 2] / 2, b[:, 1] + b[:, 2] / 2
    inter = np.clip(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), 0, None) * \
        np.clip(np.minimum(ay1, by1) - np.maximum(ay0, by0), 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    out = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
    return float(out[0]) if single else out
