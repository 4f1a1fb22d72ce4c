"""A model that cheats on purpose: street scenes whose class is given away by a small coloured square.

Notebook 08 asks which explanation methods catch a model that looks at the wrong thing. To know what the model
*used* -- not just where a person would look -- the course trains one on purpose (``make model`` ships it as
``shortcut_convnet``): every training scene carries a :data:`MARKER_SIZE`-pixel square of its label's colour
(:data:`MARKER_COLOURS`) at a random place off the object, and the label is drawn independently of the object in
the scene. The square is the only thing that predicts the label, so the model must use it: the extreme form of a
shortcut (the "Clever Hans" models of Lapuschkin et al. 2019, "Unmasking Clever Hans predictors and assessing what
machines really learn"; Geirhos et al. 2020, "Shortcut learning in deep neural networks").

:func:`evaluate_shortcut` proves it on test scenes where the square agrees with the object (what a user would see):
right (1.0 for the shipped model, 2,000 scenes); recoloured, the answers follow the square; removed, they fall
to about chance (the shipped model then calls every scene a car); on empty streets the square alone names a class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import validate
from .course_model import MAX_BATCH_SIZE, TEST_SEED, preprocess
from .scenes import CLASS_NAMES, box_corners, generate_scenes
from .validate import InputTypeError, describe, fail

if TYPE_CHECKING:
    import keras

__all__ = ["MARKER_SIZE", "MARKER_MARGIN", "MARKER_COLOURS", "NO_MARKER", "plant_markers", "shortcut_training_set",
           "evaluate_shortcut"]

#: Side of the marker square, in pixels.
MARKER_SIZE = 4
#: Least gap, in pixels, between the marker and the object's box.
MARKER_MARGIN = 2
#: One saturated RGB colour per class, in the lecture's order: motorcycle magenta, car cyan, pedestrian lime,
#: background blue. Chosen because the street scenes (almost) never contain them: over 2,000 scenes (test seed 3),
#: the share of pixels within 60 (Euclidean distance, 0..255 channels) of each colour is 0 for magenta (nearest
#: pixel 104 away), lime (99) and blue (68), and 6e-6 for cyan (47 pixels, all on two objects, a motorcycle and a
#: pedestrian; nearest 52). Orange, the other obvious candidate, is near 0.27 % of the pixels and was dropped.
MARKER_COLOURS: np.ndarray = np.array([[255, 0, 255], [0, 255, 255], [0, 255, 0], [0, 0, 255]], np.uint8)
MARKER_COLOURS.setflags(write=False)
#: ``marker_classes`` value for "no marker in this picture".
NO_MARKER = -1

#: Keys that keep the markers' random streams apart from the scenes' own (scene ``i`` of seed ``s`` draws from
#: ``default_rng([s, i])``): positions from ``default_rng([_POSITION_KEY, seed, i])``, labels from
#: ``default_rng([_LABEL_KEY, seed])``.
_POSITION_KEY, _LABEL_KEY = 8_001, 8_002


def _marker_classes(value, n: int) -> np.ndarray:
    arr = validate.array(value, "marker_classes", dtype=None, ndim=1, nonempty=False)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        fail("marker_classes", f"whole-number class indices 0..{len(CLASS_NAMES) - 1}, or -1 for no marker",
             describe(value), "pass ints, e.g. scenes.labels", kind=InputTypeError)
    if len(arr) != n:
        fail("marker_classes", f"one class index per image ({n})", f"{len(arr)} of them")
    if arr.size and (arr.min() < NO_MARKER or arr.max() >= len(MARKER_COLOURS)):
        bad = int(arr.max() if arr.max() >= len(MARKER_COLOURS) else arr.min())
        fail("marker_classes", f"class indices 0..{len(MARKER_COLOURS) - 1} (0 {', '.join(CLASS_NAMES)}), "
             "or -1 for no marker", f"{bad}, which is out of range", "use scenes.labels (0-based class indices)")
    return arr.astype(np.int64)


def plant_markers(images: np.ndarray, marker_classes, boxes, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Paste a :data:`MARKER_SIZE` square of a class's colour into each picture, off its object.

    The square lies fully inside the picture, at least :data:`MARKER_MARGIN` pixels from the object's box, at a
    position drawn uniformly among those that qualify. The position of picture ``i`` depends only on
    ``(seed, i)`` and its box -- not on the marker's class -- so the same call with other ``marker_classes``
    recolours the same squares (notebook 08 moves the evidence to another class this way).

    Parameters
    ----------
    images : numpy.ndarray
        uint8 pictures ``(N, H, W, 3)`` (one ``(H, W, 3)`` picture counts as a batch of one); not changed.
    marker_classes : array of int
        ``(N,)`` 0-based class index of each picture's marker (its colour is ``MARKER_COLOURS[c]``), or
        :data:`NO_MARKER` (-1): that picture is returned unchanged, with an empty mask.
    boxes : array of float
        ``(N, 4)`` object boxes ``(bx, by, bh, bw)`` as fractions of the picture (``scenes.boxes``: one-object
        scenes); a box of zero height or width (a background scene's) means no object.
    seed : int
        Seed of the positions.

    Returns
    -------
    images_out : numpy.ndarray
        uint8 copy of ``images`` with the squares painted in.
    marker_masks : numpy.ndarray
        ``(N, H, W)`` bool: True on each picture's square (all False without a marker).

    Examples
    --------
    >>> scenes = generate_scenes(4, seed=3)                                          # doctest: +SKIP
    >>> marked, masks = plant_markers(scenes.images, scenes.labels, scenes.boxes)    # doctest: +SKIP
    >>> masks.sum(axis=(1, 2)).tolist()                                              # doctest: +SKIP
    [16, 16, 16, 16]
    """
    images = validate.uint8_images(images, "images", channels=3)
    n, h, w = images.shape[:3]
    if min(h, w) < MARKER_SIZE:
        fail("images", f"pictures of at least {MARKER_SIZE}x{MARKER_SIZE} pixels (the marker's size)",
             f"{h}x{w} pictures")
    classes = _marker_classes(marker_classes, n)
    b = validate.boxes(boxes, "boxes", single=False)
    if len(b) != n:
        fail("boxes", f"one box (bx, by, bh, bw) per image ({n})", f"{len(b)} boxes", "pass scenes.boxes")
    seed = validate.integer(seed, "seed", low=0)

    out = images.copy()
    masks = np.zeros((n, h, w), bool)
    ys, xs = np.mgrid[0:h - MARKER_SIZE + 1, 0:w - MARKER_SIZE + 1]   # top-left corners of squares inside
    corners = box_corners(b)
    for i in range(n):
        if classes[i] == NO_MARKER:
            continue
        allowed = np.ones(ys.shape, bool)
        if b[i, 2] > 0 and b[i, 3] > 0:
            x0, y0, x1, y1 = corners[i]
            # the pixels the box touches: columns floor(x0 W) .. ceil(x1 W) - 1, rows likewise
            c0, c1 = np.floor(x0 * w), np.ceil(x1 * w)
            r0, r1 = np.floor(y0 * h), np.ceil(y1 * h)
            near_x = (xs + MARKER_SIZE + MARKER_MARGIN > c0) & (xs < c1 + MARKER_MARGIN)
            near_y = (ys + MARKER_SIZE + MARKER_MARGIN > r0) & (ys < r1 + MARKER_MARGIN)
            allowed = ~(near_x & near_y)
        places = np.flatnonzero(allowed)
        if places.size == 0:
            fail("boxes", f"an object box leaving room for a {MARKER_SIZE}-pixel marker {MARKER_MARGIN} pixels "
                 "away from it", f"box {b[i].round(3).tolist()} of image {i}, which fills the picture")
        k = places[np.random.default_rng([_POSITION_KEY, seed, i]).integers(places.size)]
        y, x = int(ys.flat[k]), int(xs.flat[k])
        out[i, y:y + MARKER_SIZE, x:x + MARKER_SIZE] = MARKER_COLOURS[classes[i]]
        masks[i, y:y + MARKER_SIZE, x:x + MARKER_SIZE] = True
    return out, masks


def shortcut_training_set(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shortcut model's training data: scenes whose label only the marker gives away.

    ``generate_scenes(n, seed)``; each scene's label is drawn uniformly from the four classes, independently of
    the object in it (``default_rng`` seeded from ``seed``), and the scene gets a marker of the label's colour
    (:func:`plant_markers`, off the object). The object then carries no information about the label and the
    square all of it: a model that fits these labels must use the square -- ground truth of what it looked at
    (the extreme form of a shortcut: Lapuschkin et al. 2019, "Clever Hans"; Geirhos et al. 2020, "Shortcut
    learning"). ``make model`` trains ``shortcut_convnet`` on it (notebook 08).

    Parameters
    ----------
    n : int
        Number of scenes.
    seed : int
        Seed of the scenes, the labels and the markers' positions (``course_model.TRAIN_SEED`` for training,
        ``VALIDATION_SEED`` for validation).

    Returns
    -------
    images : numpy.ndarray
        ``(n, 64, 64, 3)`` uint8 scenes with their markers.
    labels : numpy.ndarray
        ``(n,)`` int64 0-based labels (the markers' classes), independent of the objects.
    marker_masks : numpy.ndarray
        ``(n, 64, 64)`` bool: each marker's pixels.
    """
    n = validate.integer(n, "n", low=0, high=validate.MAX_SCENES)
    seed = validate.integer(seed, "seed", low=0)
    scenes = generate_scenes(n, seed)
    labels = np.random.default_rng([_LABEL_KEY, seed]).integers(0, len(CLASS_NAMES), n).astype(np.int64)
    images, masks = plant_markers(scenes.images, labels, scenes.boxes, seed)
    return images, labels, masks


def evaluate_shortcut(model: "keras.Model", n: int = 2000, seed: int = TEST_SEED, batch_size: int = 256) -> dict:
    """What the shortcut model answers with the marker agreeing, moved to another class, removed, or alone.

    Judged on ``generate_scenes(n, seed)`` (default: the 2,000 test scenes, ``course_model.TEST_SEED``), where
    the marker has the true class's colour -- what a user testing the model would see -- and on variants of
    the same scenes. Used by ``make model`` (the shipped figures) and notebook 08.

    Parameters
    ----------
    model : keras.Model
        A classifier of 64x64 scenes in [0, 1] (``course_model.load_shortcut_convnet()``).
    n : int
        Number of test scenes (and of empty streets).
    seed : int
        Seed of the scenes and the markers' positions.
    batch_size : int
        Pictures per forward pass.

    Returns
    -------
    dict
        ``test_accuracy``: accuracy with the marker of the true class. ``accuracy_marker_moved``: accuracy on
        the true labels with the same squares recoloured to the next class, ``(c + 1) % 4``;
        ``follows_marker``: the share of those answers that name the marker's class. ``accuracy_marker_removed``:
        accuracy on the true labels without a marker; ``chance``: the commonest true class's share.
        ``accuracy_object_removed``: on empty streets (``generate_scenes(n, seed, classes=['background'])``)
        with the marker of a motorcycle, a car or a pedestrian in turn, the share answering the marker's class.

    Notes
    -----
    An honest model is not blind to the square either: the course convnet ignores its colour (``follows_marker``
    0) but takes a square on an empty street for a pedestrian, so its ``test_accuracy`` here falls by the
    background scenes' share (0.76 on 300 test scenes, against 1.0 without the marker).
    """
    model = validate.model(model)
    n = validate.integer(n, "n", low=1, high=validate.MAX_SCENES)
    seed = validate.integer(seed, "seed", low=0)
    batch_size = validate.integer(batch_size, "batch_size", low=1, high=MAX_BATCH_SIZE)
    k = len(CLASS_NAMES)

    def answers(images: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict(preprocess(images), batch_size=batch_size, verbose=0)).argmax(axis=1)

    test = generate_scenes(n, seed)
    truth = test.labels
    agreeing, _ = plant_markers(test.images, truth, test.boxes, seed)
    moved_to = (truth + 1) % k
    moved, _ = plant_markers(test.images, moved_to, test.boxes, seed)
    empty = generate_scenes(n, seed, classes=["background"])
    object_classes = np.arange(n) % (k - 1)   # motorcycle, car, pedestrian, in turn
    alone, _ = plant_markers(empty.images, object_classes, empty.boxes, seed)
    with_marker, with_moved, without, on_empty = (answers(x) for x in (agreeing, moved, test.images, alone))
    return {
        "test_accuracy": float((with_marker == truth).mean()),
        "accuracy_marker_moved": float((with_moved == truth).mean()),
        "follows_marker": float((with_moved == moved_to).mean()),
        "accuracy_marker_removed": float((without == truth).mean()),
        "chance": float(np.bincount(truth, minlength=k).max() / n),
        "accuracy_object_removed": float((on_empty == object_classes).mean()),
    }
