"""What a scene is: the classes, the box convention, the landmark order, and the containers.

The box convention lives here and only here: ``(bx, by, bh, bw)`` = centre x, centre y, height, width,
as fractions of the image size (x to the right, y downwards). :func:`box_corners` and
:func:`box_from_corners` convert to and from ``(x0, y0, x1, y1)``; every module that needs a box's
edges calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

__all__ = ["CLASS_NAMES", "CLASS_IDS", "LANDMARK_NAMES", "SKELETON", "class_id", "box_corners", "box_from_corners",
           "SceneObject", "StreetScenes"]


#: Class names by id - 1, in the lecture's order: 1 motorcycle (c1), 2 car (c2), 3 pedestrian (c3), 4 background.
CLASS_NAMES: tuple[str, ...] = ("motorcycle", "car", "pedestrian", "background")
#: Class name -> class id (1-based, as on the slides).
CLASS_IDS: dict[str, int] = {name: i + 1 for i, name in enumerate(CLASS_NAMES)}

#: Landmark order per class. "left"/"right" are the pedestrian's own sides.
LANDMARK_NAMES: dict[str, tuple[str, ...]] = {
    "pedestrian": (
        "head", "neck",
        "right_shoulder", "right_elbow", "right_wrist",
        "left_shoulder", "left_elbow", "left_wrist",
        "right_hip", "right_knee", "right_ankle",
        "left_hip", "left_knee", "left_ankle",
    ),
    "car": ("front_wheel", "rear_wheel", "headlight", "taillight", "roof_front", "roof_rear"),
    "motorcycle": ("front_wheel", "rear_wheel", "headlight", "handlebar", "seat", "rider_head"),
    "background": (),
}

#: Pairs of landmark names joined by a line when a skeleton is drawn.
SKELETON: dict[str, tuple[tuple[str, str], ...]] = {
    "pedestrian": (
        ("head", "neck"),
        ("neck", "right_shoulder"), ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
        ("neck", "left_shoulder"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
        ("neck", "right_hip"), ("neck", "left_hip"), ("right_hip", "left_hip"),
        ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
        ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ),
    "car": (),  # points only: a car has no skeleton
    "motorcycle": (("rear_wheel", "seat"), ("seat", "handlebar"), ("handlebar", "front_wheel"),
                   ("handlebar", "headlight"), ("seat", "rider_head")),
    "background": (),
}


def class_id(name_or_id: str | int, name: str = "class") -> int:
    """Return the 1-based class id of a class name (or check an id).

    Raises
    ------
    helpers.validate.InputError
        For an unknown name or an id outside 1..4, listing the valid ones (``name`` is the argument's name).
    """
    from .. import validate  # the validators live outside the scenes package (they check more than scenes)

    listing = ", ".join(f"{i + 1} {n}" for i, n in enumerate(CLASS_NAMES))
    if isinstance(name_or_id, (int, np.integer)) and not isinstance(name_or_id, bool):
        if 1 <= int(name_or_id) <= len(CLASS_NAMES):
            return int(name_or_id)
        validate.fail(name, f"a class id in 1..{len(CLASS_NAMES)} ({listing})", f"id {name_or_id}, out of range")
    if not isinstance(name_or_id, str):
        validate.fail(name, f"a class name or id ({listing})", validate.describe(name_or_id),
                      kind=validate.InputTypeError)
    key = name_or_id.strip().lower()
    if key not in CLASS_IDS:
        validate.fail(name, f"one of {', '.join(CLASS_NAMES)}", f"unknown class {name_or_id!r}")
    return CLASS_IDS[key]


def box_corners(boxes, *, name: str = "boxes") -> np.ndarray:
    """Boxes ``(..., 4)`` as ``(bx, by, bh, bw)`` -> their corners ``(..., 4)`` as ``(x0, y0, x1, y1)`` (same units).

    The boxes must be finite with heights and widths >= 0 (a negative size is no box: its corners would come out
    swapped); ``name`` is the argument's name in the error.

    Examples
    --------
    >>> box_corners((0.5, 0.5, 0.2, 0.4)).tolist()   # centre 0.5, 0.5; 0.2 high, 0.4 wide
    [0.3, 0.4, 0.7, 0.6]
    """
    from .. import validate

    b = validate.array(boxes, name, last=4, nonempty=False)
    if b.size and (b[..., 2:] < 0).any():
        bad = b.reshape(-1, 4)[(b.reshape(-1, 4)[:, 2:] < 0).any(axis=1)][0]
        validate.fail(name, "boxes (bx, by, bh, bw) with heights and widths >= 0", f"the box {bad.tolist()}",
                      "bh and bw are the box's full height and width; for corners use box_from_corners")
    bx, by, bh, bw = np.moveaxis(b, -1, 0)
    return np.stack([bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2], axis=-1)


def box_from_corners(corners, *, name: str = "corners") -> np.ndarray:
    """Corners ``(..., 4)`` as ``(x0, y0, x1, y1)`` -> boxes ``(..., 4)`` as ``(bx, by, bh, bw)``: the inverse of
    :func:`box_corners`. The corners must be finite, with ``x1 >= x0`` and ``y1 >= y0`` (left before right, top
    before bottom)."""
    from .. import validate

    c = validate.array(corners, name, last=4, nonempty=False)
    flat = c.reshape(-1, 4)
    wrong = (flat[:, 2] < flat[:, 0]) | (flat[:, 3] < flat[:, 1])
    if wrong.any():
        validate.fail(name, "corners (x0, y0, x1, y1) with x1 >= x0 and y1 >= y0 (left, top, right, bottom)",
                      f"{flat[wrong][0].tolist()}", "swap them into the order (left, top, right, bottom)")
    x0, y0, x1, y1 = np.moveaxis(c, -1, 0)
    return np.stack([(x0 + x1) / 2, (y0 + y1) / 2, y1 - y0, x1 - x0], axis=-1)


@dataclass(frozen=True)
class SceneObject:
    """One object of a scene, with its exact ground truth.

    Attributes
    ----------
    class_id : int
        1 motorcycle, 2 car, 3 pedestrian.
    box : tuple of float
        ``(bx, by, bh, bw)``: centre x, centre y, height, width as fractions of the image.
    landmarks : numpy.ndarray
        ``(K, 2)`` array of ``(x, y)`` fractions in the order ``LANDMARK_NAMES[class_name]``.
    facing : int
        +1 facing right, -1 facing left (pedestrians face the camera: 0).
    """

    class_id: int
    box: tuple[float, float, float, float]
    landmarks: np.ndarray = field(repr=False)
    facing: int = 0

    def __post_init__(self):
        from .. import validate

        if isinstance(self.class_id, bool) or not isinstance(self.class_id, (int, np.integer)):
            validate.fail("class_id", "an object's class id: 1 motorcycle, 2 car or 3 pedestrian",
                          validate.describe(self.class_id), 'e.g. CLASS_IDS["pedestrian"]', kind=validate.InputTypeError)
        if not 1 <= int(self.class_id) <= 3:
            validate.fail("class_id", "an object's class id: 1 motorcycle, 2 car or 3 pedestrian",
                          f"id {self.class_id}", "a background scene (id 4) has no object: its list is empty")
        want = len(LANDMARK_NAMES[CLASS_NAMES[int(self.class_id) - 1]])
        shape = np.shape(self.landmarks)
        if shape not in ((want, 2), (0, 2), (0,)):
            validate.fail("landmarks", f"({want}, 2) points for a {CLASS_NAMES[int(self.class_id) - 1]} (class "
                          f"{int(self.class_id)})", f"shape {shape}", "check the class id: 1 motorcycle, 2 car, "
                          "3 pedestrian")

    @property
    def class_name(self) -> str:
        return CLASS_NAMES[self.class_id - 1]

    @property
    def landmark_names(self) -> tuple[str, ...]:
        return LANDMARK_NAMES[self.class_name]

    def corners(self) -> tuple[float, float, float, float]:
        """The box as ``(x0, y0, x1, y1)`` fractions (a box with a negative height or width is refused)."""
        return tuple(float(v) for v in box_corners(self.box, name="box"))


@dataclass
class StreetScenes:
    """A batch of street scenes and their ground truth.

    Attributes
    ----------
    images : numpy.ndarray
        ``(N, size, size, 3)`` uint8 RGB pictures.
    class_ids : numpy.ndarray
        ``(N,)`` int, 1..4 (for several objects: the largest object's class).
    boxes : numpy.ndarray
        ``(N, 4)`` float32 ``(bx, by, bh, bw)``; zeros where there is no object.
    objects : list of list of SceneObject
        Every object of every scene (empty list for background).
    seed : int
        The seed the batch was generated from; scene ``i`` is ``generate_scenes(1, seed, start=i)``.
    start : int
        Index of the first scene.
    masks : numpy.ndarray or None
        ``(N, size, size)`` uint8, only from ``generate_scenes(..., masks=True)``: 0 where the street shows,
        ``k + 1`` on the pixels of ``objects[i][k]`` (as the picture shows them: nearer objects hide farther ones).
        :meth:`class_map` turns it into class ids.
    """

    images: np.ndarray
    class_ids: np.ndarray
    boxes: np.ndarray
    objects: list[list[SceneObject]]
    seed: int
    start: int = 0
    masks: np.ndarray | None = field(default=None, repr=False)

    def class_map(self) -> np.ndarray:
        """``(N, size, size)`` uint8: each pixel's class id (1 motorcycle, 2 car, 3 pedestrian), 0 for the street.
        Needs scenes generated with ``masks=True``."""
        if self.masks is None:
            from .. import validate

            validate.fail("masks", "scenes generated with masks", "None",
                          "generate_scenes(..., masks=True)")
        lut = np.zeros((len(self), 5), np.uint8)
        for i, objs in enumerate(self.objects):
            for k, o in enumerate(objs):
                lut[i, k + 1] = o.class_id
        return np.take_along_axis(lut[:, None, :], self.masks.reshape(len(self), 1, -1).astype(np.int64),
                                  axis=2).reshape(self.masks.shape)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def labels(self) -> np.ndarray:
        """0-based class indices (``class_ids - 1``), the targets a Keras classifier uses."""
        return self.class_ids - 1

    @property
    def class_names(self) -> list[str]:
        return [CLASS_NAMES[c - 1] for c in self.class_ids]

    def has_object(self) -> np.ndarray:
        """``(N,)`` bool: True where the scene holds an object (p_d = 1 on the slides)."""
        return self.class_ids != CLASS_IDS["background"]

    def landmarks(self, class_name: str = "pedestrian") -> tuple[np.ndarray, np.ndarray]:
        """Landmarks of the first object of a class in each scene.

        Returns
        -------
        points : numpy.ndarray
            ``(N, K, 2)`` float32 ``(x, y)`` fractions (zeros where absent).
        present : numpy.ndarray
            ``(N,)`` bool, True where the scene has such an object.
        """
        cid = class_id(class_name)
        k = len(LANDMARK_NAMES[CLASS_NAMES[cid - 1]])
        pts = np.zeros((len(self), k, 2), np.float32)
        present = np.zeros(len(self), bool)
        for i, objs in enumerate(self.objects):
            for o in objs:
                if o.class_id == cid:
                    pts[i] = o.landmarks
                    present[i] = True
                    break
        return pts, present

    def subset(self, index: Sequence[int] | np.ndarray) -> "StreetScenes":
        """A new batch holding only the scenes at ``index`` (ints or a bool mask)."""
        from .. import validate

        index = validate.array(index, "index", dtype=None, ndim=1, nonempty=False)
        if index.size == 0:
            index = index.astype(np.int64)
        if index.dtype != bool and not np.issubdtype(index.dtype, np.integer):
            validate.fail("index", "scene numbers (ints) or a bool mask", f"dtype {index.dtype}",
                          kind=validate.InputTypeError)
        if index.dtype == bool and len(index) != len(self):
            validate.fail("index", f"a bool mask of {len(self)} entries (one per scene)", f"{len(index)} entries")
        if index.dtype != bool and index.size and (index.min() < -len(self) or index.max() >= len(self)):
            validate.fail("index", f"scene numbers in 0..{len(self) - 1}", f"{int(index.max())}")
        idx = np.arange(len(self))[index]
        return StreetScenes(self.images[idx], self.class_ids[idx], self.boxes[idx],
                            [self.objects[i] for i in idx], self.seed, self.start,
                            None if self.masks is None else self.masks[idx])

