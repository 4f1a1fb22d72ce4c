"""How scenes are generated: placing objects on a street, rendering in parallel, and :func:`generate_scenes`.

Every scene ``i`` of seed ``s`` draws from its own generator ``default_rng([s, i])``: the same seed gives
the same scene in any batch size, any order and with any number of worker processes.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Sequence

import numpy as np

from .. import validate
from .drawing import PAINTERS, Canvas, Layout, draw_street
from .schema import CLASS_IDS, CLASS_NAMES, SceneObject, StreetScenes, box_from_corners, class_id

__all__ = ["generate_scenes"]


#: The order in which the generator's random draws pick a class. It is not the class numbering (that is the
#: lecture's, in ``CLASS_NAMES``): keeping it fixed keeps every scene of every seed the same picture.
_DRAW_ORDER = ("pedestrian", "car", "motorcycle", "background")


def _draw_order(ids) -> tuple[int, ...]:
    """Class ids sorted in the generator's draw order."""
    rank = {CLASS_IDS[n]: i for i, n in enumerate(_DRAW_ORDER)}
    return tuple(sorted(set(ids), key=rank.__getitem__))


def _place(rng, cls: int, lay: Layout, x_range=(0.0, 1.0), shrink: float = 1.0):
    """Ground line, horizontal position and size (fractions) for an object of class ``cls``."""
    pedestrian = cls == CLASS_IDS["pedestrian"]
    lo = lay.curb + 0.06 if not pedestrian else lay.base + 0.05
    ground = float(rng.uniform(lo, 0.98))
    depth = (ground - lay.base) / (1.0 - lay.base)  # 0 far .. 1 near
    if pedestrian:
        size = (0.36 + 0.30 * depth) * float(rng.uniform(0.9, 1.1))   # body height
        half = 0.22 * size
    elif cls == CLASS_IDS["car"]:
        size = (0.48 + 0.32 * depth) * float(rng.uniform(0.9, 1.1))   # car length
        half = 0.52 * size
    else:
        size = (0.34 + 0.22 * depth) * float(rng.uniform(0.9, 1.1))   # motorcycle length
        half = 0.55 * size
    size, half = size * shrink, half * shrink
    a, b = max(x_range[0] + 0.5 * half, half + 0.02), min(x_range[1] - 0.5 * half, 1.0 - half - 0.02)
    x = float(rng.uniform(a, b)) if b > a else 0.5 * (a + b)
    return ground, x, size



def _label_map(covers: list[np.ndarray], order: list[int], size: int) -> np.ndarray:
    """``(size, size)`` uint8: 0 where no object is seen, ``k + 1`` where object ``k`` (of the scene's sorted list)
    covers at least half of the pixel as it finally appears (nearer objects painted over it)."""
    label = np.zeros((size, size), np.uint8)
    if covers:
        stack = np.stack([covers[k] for k in order])                     # in the scene's object order
        best = stack.argmax(axis=0)
        label = np.where(stack.max(axis=0) >= 0.5, best + 1, 0).astype(np.uint8)
    return label


def _render_one(seed: int, index: int, size: int, n_objects: tuple[int, int],
                class_ids: tuple[int, ...], masks: bool = False):
    rng = np.random.default_rng([seed, index])
    cv = Canvas(size)
    lay = draw_street(cv, rng)
    lo, hi = n_objects
    if hi <= 1:
        cls = int(class_ids[int(rng.integers(len(class_ids)))])
        classes = [] if cls == CLASS_IDS["background"] else [cls]
    else:
        k = int(rng.integers(lo, hi + 1))
        fg = [c for c in class_ids if c != CLASS_IDS["background"]]  # never empty: validated
        classes = [int(fg[int(rng.integers(len(fg)))]) for _ in range(k)]
    # place, then draw far (small ground y) to near so nearer objects occlude
    placed = []
    for n, cls in enumerate(classes):
        xr = (n / len(classes), (n + 1) / len(classes)) if len(classes) > 1 else (0.0, 1.0)
        # several objects share the street: draw them smaller
        ground, x, sz = _place(rng, cls, lay, xr, shrink=0.75 if len(classes) > 1 else 1.0)
        placed.append((ground, n, cls, x, sz))
    objects, covers = [], []
    for ground, _, cls, x, sz in sorted(placed):
        cv.extent = [math.inf, math.inf, -math.inf, -math.inf]
        if masks:
            cv.cover = np.zeros((size, size), np.float32)
        pts, facing = PAINTERS[cls](cv, rng, x * size, ground * size, sz * size)
        e = cv.extent
        cv.extent = None
        if masks:                       # what this object paints over, nearer objects no longer show
            for earlier in covers:
                earlier *= 1 - cv.cover
            covers.append(cv.cover)
            cv.cover = None
        x0, y0 = max(e[0], 0.0) / size, max(e[1], 0.0) / size
        x1, y1 = min(e[2], size) / size, min(e[3], size) / size
        box = box_from_corners((x0, y0, x1, y1))
        lm = np.clip(pts / size, 0.0, 1.0).astype(np.float32)
        objects.append(SceneObject(cls, tuple(float(v) for v in box), lm, facing))
    # camera: exposure and sensor noise
    gain = np.float32(rng.uniform(0.85, 1.12))
    sigma = np.float32(rng.uniform(0.0, 0.035))
    # uniform sensor noise with standard deviation sigma (cheaper to draw than Gaussian)
    noise = (rng.random((size, size, 3), dtype=np.float32) - np.float32(0.5)) * (sigma * np.float32(3.4641016))
    img = np.clip(cv.img.transpose(1, 2, 0) * gain + noise, 0, 1)
    img = np.floor(img * np.float32(255) + np.float32(0.5)).astype(np.uint8)
    # biggest object first (it names the scene's class)
    order = sorted(range(len(objects)), key=lambda k: -objects[k].box[2] * objects[k].box[3])
    objects = [objects[k] for k in order]
    if masks:
        return img, objects, _label_map(covers, order, size)
    return img, objects


def _render_range(args):
    seed, start, stop, size, n_objects, class_ids, masks = args
    imgs = np.empty((stop - start, size, size, 3), np.uint8)
    labels = np.zeros((stop - start, size, size), np.uint8) if masks else None
    objs = []
    for k, i in enumerate(range(start, stop)):
        out = _render_one(seed, i, size, n_objects, class_ids, masks)
        imgs[k], o = out[0], out[1]
        if masks:
            labels[k] = out[2]
        objs.append(o)
    return imgs, objs, labels


def _render_into(args) -> list[list[SceneObject]]:
    """Worker: draw scenes straight into a shared-memory batch (no image bytes travel back)."""
    from multiprocessing import shared_memory

    name, total, first, (seed, start, stop, size, n_objects, class_ids, masks) = args
    shm = shared_memory.SharedMemory(name=name)
    try:
        out = np.ndarray((total, size, size, 3), np.uint8, buffer=shm.buf)
        objs, labels = [], []
        for k, i in enumerate(range(start, stop)):
            res = _render_one(seed, i, size, n_objects, class_ids, masks)
            out[first + k], o = res[0], res[1]
            objs.append(o)
            if masks:
                labels.append(res[2])
        del out
        return objs, labels
    finally:
        shm.close()


def _render_parallel(chunks, n: int, size: int, workers: int, base: int):
    from multiprocessing import shared_memory

    shm = shared_memory.SharedMemory(create=True, size=max(1, n * size * size * 3))
    try:
        jobs = [(shm.name, n, c[1] - base, c) for c in chunks]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(_render_into, jobs))
        objs = [o for part in parts for o in part[0]]
        labels = np.stack([m for part in parts for m in part[1]]) if parts and parts[0][1] else None
        images = np.ndarray((n, size, size, 3), np.uint8, buffer=shm.buf).copy()
        return images, objs, labels
    finally:
        shm.close()
        shm.unlink()


def generate_scenes(
    n: int,
    seed: int = 0,
    *,
    size: int = 64,
    start: int = 0,
    classes: Sequence[str | int] | None = None,
    n_objects: int | tuple[int, int] = 1,
    workers: int | None = None,
    masks: bool = False,
) -> StreetScenes:
    """Generate ``n`` street scenes with exact ground truth.

    Parameters
    ----------
    n : int
        Number of scenes (>= 0).
    seed : int
        Seed of the whole set; scene ``start + i`` depends only on ``(seed, start + i)``.
    size : int
        Side of the square image in pixels (16..512). Geometry is drawn in fractions,
        so the same seed at a larger size is the same scene, sharper.
    start : int
        Index of the first scene: ``generate_scenes(10, s, start=5)`` are scenes 5..14 of seed ``s``.
    classes : sequence of str or int, optional
        Classes to draw from uniformly (default: all four).
    n_objects : int or (min, max)
        1 (default) for the lecture's one-object scenes; a ``(min, max)`` range for scenes
        with several objects (detection). ``classes`` then chooses the objects' classes.
    workers : int, optional
        Processes to use; default: up to 2 when ``n >= 4000``, else 1. Results are identical
        for any number of workers.
    masks : bool
        Also return each object's exact pixels (``StreetScenes.masks``): the pixels the renderer painted for it,
        minus what nearer objects painted over. Off by default (4 kB a scene); the pictures are the same.
        Used in 02 (what each filter fires on) and 07 (explanations against the true pixels).

    Returns
    -------
    StreetScenes

    Examples
    --------
    >>> scenes = generate_scenes(8, seed=1)
    >>> scenes.images.shape, scenes.class_names[0]   # doctest: +SKIP
    ((8, 64, 64, 3), 'car')
    """
    size = validate.integer(size, "size", low=16, high=512)
    n = validate.integer(n, "n", low=0, high=validate.MAX_SCENES * 64 * 64 // (size * size))
    seed = validate.integer(seed, "seed", low=0)
    start = validate.integer(start, "start", low=0)
    if isinstance(n_objects, (tuple, list)) and len(n_objects) == 2:
        lo, hi = (validate.integer(v, "n_objects", low=1, high=4) for v in n_objects)
    else:
        lo = hi = validate.integer(n_objects, "n_objects", low=1, high=4)
    if lo > hi:
        validate.fail("n_objects", "1, or a range (min, max) with min <= max", repr(n_objects))
    if classes is not None and (isinstance(classes, (str, int)) or not hasattr(classes, "__iter__")):
        validate.fail("classes", "a list of class names or ids, e.g. ['car']", validate.describe(classes),
                      f"wrap it in a list: classes=[{classes!r}]", kind=validate.InputTypeError)
    cids = _draw_order({class_id(c, "classes") for c in classes} if classes is not None else CLASS_IDS.values())
    if not cids:
        validate.fail("classes", "at least one of " + ", ".join(CLASS_NAMES), "an empty list")
    if hi > 1 and cids == (CLASS_IDS["background"],):
        validate.fail("classes", f"an object class for scenes with {lo}..{hi} objects", "only 'background'",
                      "add the object classes to draw, or use n_objects=1 for empty streets")
    if workers is not None:
        workers = validate.integer(workers, "workers", low=1, high=64)
    if not isinstance(masks, (bool, np.bool_)):
        validate.fail("masks", "True or False", validate.describe(masks), kind=validate.InputTypeError)
    masks = bool(masks)
    n, seed, start, size = int(n), int(seed), int(start), int(size)

    if workers is None:
        workers = min(2, os.cpu_count() or 1) if n >= 4000 else 1
    chunks = [(seed, a, min(a + 500, start + n), size, (lo, hi), cids, masks) for a in range(start, start + n, 500)]
    parts = None
    if workers > 1 and len(chunks) > 1:
        try:
            parts = [_render_parallel(chunks, n, size, workers, start)]
        except (OSError, RuntimeError):  # no process pool or shared memory here: draw in-process
            parts = None
    if parts is None:
        parts = [_render_range(c) for c in chunks]
    images = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, size, size, 3), np.uint8)
    objects = [o for p in parts for o in p[1]]
    labels = None
    if masks:
        labels = (np.concatenate([p[2] for p in parts]) if parts else np.zeros((0, size, size), np.uint8))
    class_ids_arr = np.array([o[0].class_id if o else CLASS_IDS["background"] for o in objects], np.int64)
    boxes = np.array([o[0].box if o else (0.0, 0.0, 0.0, 0.0) for o in objects], np.float32).reshape(-1, 4)
    return StreetScenes(images, class_ids_arr, boxes, objects, seed, start, labels)
