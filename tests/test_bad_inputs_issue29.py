"""Issue 29: no silent answer, no unbounded call -- the modules added since the input standard was written
(detection, atlas, uncertainty, gradients) and the old gaps (localization's losses and labels, scenes' box
conventions, cam's overlay and upsample, landmarks; the deep errors left in course_tools.metrics, layers and
plotting), held to it.

One row per case: (id, the call, the error type, words the message must hold); see bad_input_support.py. The id's
first word is the module. ``# was silent``: returned an answer (or NaN) before issue 29; ``# was unclear``: ended in
a deep error (TensorFlow, NumPy) or a misleading message; ``# unbounded``: allocated or ran without a cap.
Explain and featurevis have their own tables (test_bad_inputs_explain.py, test_bad_inputs_featurevis.py), the
exercise checks theirs (test_bad_inputs_exercises.py).
"""

from functools import lru_cache

import keras
import numpy as np
import pytest
import tensorflow as tf

from bad_input_support import Case, ids, outcome, scratch_folder
from course_tools import metrics
from helpers import atlas as AT
from helpers import cam
from helpers import detection as D
from helpers import gradients as G
from helpers import landmarks as LM
from helpers import localization as LOC
from helpers import shipped
from helpers import layers as LY
from helpers import plotting as PL
from helpers import uncertainty as U
from helpers.scenes import SceneObject, box_corners, box_from_corners, class_id, generate_scenes
from helpers.validate import InputError, InputTypeError

from tiny_models import SHAPE, functional, images, sequential_never_called

E, T = InputError, InputTypeError
L = keras.layers
X = images(2)
SPEC = D.GridSpec()                                     # 4 x 4 cells, 2 anchors
CAR = SceneObject(2, (0.3, 0.6, 0.2, 0.5), np.zeros((6, 2)))
BOXES = np.array([[0.3, 0.3, 0.2, 0.2], [0.7, 0.6, 0.3, 0.2]])
PTS = np.full((3, 14, 2), 0.5)
PBOX = np.tile([0.5, 0.5, 0.4, 0.2], (3, 1))
RNG = np.random.default_rng(29)


@lru_cache(maxsize=None)
def model():
    return functional()


@lru_cache(maxsize=None)
def grids():
    """A target batch of two images (encode_grid), and a detector-like output (sigmoids)."""
    y = D.encode_grid([[CAR], []], SPEC)
    return y, RNG.random(y.shape).astype(np.float32)


@lru_cache(maxsize=None)
def segmenter():
    i = keras.Input(SHAPE)
    return keras.Model(i, L.Conv2D(3, 1, name="per_pixel")(i), name="segmenter")


@lru_cache(maxsize=None)
def oblong_kernels():
    i = keras.Input(SHAPE)
    h = L.Conv2D(2, (3, 1), name="tall")(i)
    return keras.Model(i, L.Dense(3)(L.GlobalAveragePooling2D()(h)), name="oblong")


@lru_cache(maxsize=None)
def dense_on_the_way():
    i = keras.Input(SHAPE)
    h = L.Dense(4, name="mix")(i)
    h = L.Conv2D(2, 3, name="after")(h)
    return keras.Model(i, L.Dense(3)(L.GlobalAveragePooling2D()(h)), name="dense_first")


@lru_cache(maxsize=None)
def masked_scenes():
    return generate_scenes(4, seed=3, masks=True)


@lru_cache(maxsize=None)
def examples():
    field = AT.receptive_field(model(), "c2")
    acts = RNG.random((4, 4, 4, 5)).astype(np.float32)
    return AT.dataset_examples(acts, field, k=2), field


def axis():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plt.close(fig)
    return ax


def scratch_metrics():
    return scratch_folder("metrics_") / "metrics.json"


def file_of(name):
    return shipped.path(name)


def with_nan(a, where=1):
    a = np.array(a, dtype=np.float64)
    a.flat[where] = np.nan
    return a


def many_boxes(n, seed=0):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.random((n, 2)) * 0.8 + 0.1, rng.random((n, 2)) * 0.1])


def dets(n_images=2, **change):
    """Detections of ``n_images`` images in decode_grid's form, with one entry changed."""
    out = [(BOXES.copy(), np.array([0.9, 0.4]), np.array([2, 3])) for _ in range(n_images)]
    for k, v in change.items():
        i = {"boxes": 0, "scores": 1, "ids": 2}[k]
        out[0] = tuple(v if j == i else out[0][j] for j in range(3))
    return out


def truth(n_images=2):
    return [(BOXES.copy(), np.array([2, 3])) for _ in range(n_images)]


CASES = [
    # ================================ detection ================================
    # ---- GridSpec
    Case("detection GridSpec size 0", lambda: D.GridSpec(size=0), E, ["size:", "1..64", "0"]),
    Case("detection GridSpec size 65", lambda: D.GridSpec(size=65), E, ["size:", "1..64"]),
    Case("detection GridSpec size 2.5", lambda: D.GridSpec(size=2.5), T, ["size:", "whole number", "2.5"]),
    Case("detection GridSpec anchors empty", lambda: D.GridSpec(anchors=()), E, ["anchors:", "at least one"]),
    Case("detection GridSpec anchors a string", lambda: D.GridSpec(anchors="tall"), T, ["anchors:", "tuple"]),
    Case("detection GridSpec anchor of height 0", lambda: D.GridSpec(anchors=((0.0, 0.2),)), E,
         ["anchors:", "(0, 1]"]),
    Case("detection GridSpec anchors in pixels", lambda: D.GridSpec(anchors=((29, 13),)), E,
         ["anchors:", "fractions of the image", "29"]),
    Case("detection GridSpec anchor NaN", lambda: D.GridSpec(anchors=((np.nan, 0.2),)), E, ["anchors:", "finite"]),
    Case("detection GridSpec 33 anchors", lambda: D.GridSpec(anchors=((0.3, 0.3),) * 33), E,
         ["anchors:", "at most 32", "33"]),                                                      # unbounded
    Case("detection GridSpec anchors of 3 numbers", lambda: D.GridSpec(anchors=((0.3, 0.3, 0.3),)), E,
         ["anchors:", "last axis has 2"]),
    # ---- encode_grid
    Case("detection encode_grid a string", lambda: D.encode_grid("car"), E, ["objects_per_image:", "non-empty list"]),
    Case("detection encode_grid a list of ints", lambda: D.encode_grid([[1, 2]]), T,
         ["objects_per_image:", "SceneObjects"]),
    Case("detection encode_grid no images", lambda: D.encode_grid([]), E, ["objects_per_image:", "non-empty"]),
    Case("detection encode_grid spec an int", lambda: D.encode_grid([[CAR]], 4), T, ["spec:", "GridSpec", "int 4"]),
    Case("detection encode_grid return_collisions 'yes'", lambda: D.encode_grid([[CAR]], return_collisions="yes"), T,
         ["return_collisions:", "True or False"]),
    Case("detection encode_grid a box of width 0", lambda: D.encode_grid([[SceneObject(2, (0.5, 0.5, 0.2, 0.0),
                                                                                   np.zeros((6, 2)))]]), E,
         ["objects_per_image:", "height and width > 0"]),
    Case("detection encode_grid a box with a negative height", lambda: D.encode_grid(
        [[SceneObject(2, (0.5, 0.5, -0.2, 0.3), np.zeros((6, 2)))]]), E, ["objects_per_image:", ">= 0"]),
    Case("detection encode_grid a box in pixels", lambda: D.encode_grid(
        [[SceneObject(2, (32, 32, 10, 20), np.zeros((6, 2)))]]), E, ["objects_per_image:", "pixels"]),
    Case("detection encode_grid 300 images on a 64x64 grid of 32 anchors", lambda: D.encode_grid(
        [[]] * 300, D.GridSpec(size=64, anchors=((0.3, 0.3),) * 32)), E,
         ["objects_per_image:", "at most 268,435,456 grid values", "300 images", "fewer images"]),     # unbounded
    # ---- decode_grid
    Case("detection decode_grid a grid scaled by 255", lambda: D.decode_grid(grids()[0] * 255), E,
         ["y:", "in [0, 1]", "0..255"]),                                                         # was silent
    Case("detection decode_grid scores before the sigmoid", lambda: D.decode_grid(grids()[1] * 8 - 4), E,
         ["y:", "in [0, 1]", "before a sigmoid", "apply it"]),                                   # was silent
    Case("detection decode_grid NaN", lambda: D.decode_grid(with_nan(grids()[1])), E, ["y:", "finite"]),
    Case("detection decode_grid one grid without its batch axis", lambda: D.decode_grid(grids()[0][0]), E,
         ["y:", "y[none]"]),
    Case("detection decode_grid for another grid size", lambda: D.decode_grid(grids()[0], D.GridSpec(size=2)), E,
         ["y:", "(n, 2, 2, 2, 8)", "shape (2, 4, 4, 2, 8)"]),
    Case("detection decode_grid threshold 1.5", lambda: D.decode_grid(grids()[0], threshold=1.5), E,
         ["threshold:", "<= 1"]),
    Case("detection decode_grid threshold NaN", lambda: D.decode_grid(grids()[0], threshold=float("nan")), E,
         ["threshold:", "finite"]),
    Case("detection decode_grid threshold a string", lambda: D.decode_grid(grids()[0], threshold="0.5"), T,
         ["threshold:", "a number"]),
    Case("detection decode_grid spec a tuple", lambda: D.decode_grid(grids()[0], (4, 2)), T, ["spec:", "GridSpec"]),
    Case("detection decode_grid None", lambda: D.decode_grid(None), T, ["y:", "None"]),
    Case("detection decode_grid no images", lambda: D.decode_grid(np.zeros((0, 4, 4, 2, 8))), E, ["y:", "non-empty"]),
    # ---- grid_loss
    Case("detection grid_loss NaN predictions", lambda: D.grid_loss(grids()[0], with_nan(grids()[1])), E,
         ["y_pred:", "finite", "nan"]),                                                          # was silent: NaN
    Case("detection grid_loss inf targets", lambda: D.grid_loss(np.where(grids()[0] > 0, np.inf, 0), grids()[1]), E,
         ["y_true:", "finite"]),                                                                 # was silent
    Case("detection grid_loss NaN in a tensor", lambda: D.grid_loss(grids()[0], tf.constant(with_nan(grids()[1]),
                                                                                           tf.float32)), E,
         ["y_pred:", "finite"]),                                                                 # was silent: NaN
    Case("detection grid_loss without the batch axis", lambda: D.grid_loss(grids()[0][0], grids()[1][0]), E,
         ["y_true:", "square grids", "without its batch axis", "y[none]"]),                      # was silent
    Case("detection grid_loss on lists", lambda: D.grid_loss(grids()[0].tolist(), grids()[1]), E,
         ["y_true:", "batch of grids", "list"]),
    Case("detection grid_loss another grid size", lambda: D.grid_loss(grids()[0], np.zeros((2, 2, 2, 2, 8))), E,
         ["y_pred:", "as many grid entries per image"]),
    Case("detection grid_loss batch sizes differ", lambda: D.grid_loss(grids()[0], grids()[1][:1]), E,
         ["y_pred:", "one grid per image of y_true (2)", "1 grids"]),                            # was silent
    Case("detection grid_loss rank 3", lambda: D.grid_loss(np.zeros((2, 4, 8)), np.zeros((2, 4, 8))), E,
         ["y_true:", "(n, s, s, a, 8)"]),
    Case("detection grid_loss 7 entries per slot", lambda: D.grid_loss(np.zeros((2, 4, 4, 2, 7)),
                                                                       np.zeros((2, 4, 4, 2, 7))), E,
         ["y_true:", "(n, s, s, a, 8)"]),
    # ---- iou_matrix
    Case("detection iou_matrix of 11,000 boxes", lambda: D.iou_matrix(many_boxes(11_000), many_boxes(11_000)), E,
         ["a:", "at most 4,194,304 box pairs", "11,000 x 11,000", "blocks of rows"]),            # unbounded: 8 GiB
    Case("detection iou_matrix of one box", lambda: D.iou_matrix(BOXES[0], BOXES), E,
         ["a:", "(n, 4)", "wrap it in a list"]),
    Case("detection iou_matrix boxes in pixels", lambda: D.iou_matrix(BOXES, BOXES * 64), E, ["b:", "pixels"]),
    Case("detection iou_matrix a negative size", lambda: D.iou_matrix(BOXES * [1, 1, -1, 1], BOXES), E,
         ["a:", ">= 0"]),
    Case("detection iou_matrix NaN", lambda: D.iou_matrix(with_nan(BOXES), BOXES), E, ["a:", "finite"]),
    Case("detection iou_matrix a string", lambda: D.iou_matrix("boxes", BOXES), T, ["a:", "array of numbers"]),
    Case("detection iou_matrix 5 numbers a box", lambda: D.iou_matrix(np.zeros((2, 5)), BOXES), E,
         ["a:", "4 entries"]),
    # ---- nms, nms_per_class, nms_agreement
    Case("detection nms of 20,001 boxes", lambda: D.nms(many_boxes(20_001), np.ones(20_001)), E,
         ["boxes:", "at most 20,000 boxes", "20,001", "threshold"]),                            # unbounded: N x N
    Case("detection nms scores NaN", lambda: D.nms(BOXES, [0.5, np.nan]), E, ["scores:", "finite"]),
    Case("detection nms fewer scores", lambda: D.nms(BOXES, [0.5]), E, ["scores:", "one score per box (2)", "1"]),
    Case("detection nms threshold 1.5", lambda: D.nms(BOXES, [0.5, 0.4], 1.5), E, ["iou_threshold:", "<= 1"]),
    Case("detection nms max_out -1", lambda: D.nms(BOXES, [0.5, 0.4], max_out=-1), E, ["max_out:", ">= 0"]),
    Case("detection nms max_out 2.5", lambda: D.nms(BOXES, [0.5, 0.4], max_out=2.5), T, ["max_out:", "whole"]),
    Case("detection nms boxes None", lambda: D.nms(None, [0.5]), T, ["boxes:", "None"]),
    Case("detection nms scores 2-D", lambda: D.nms(BOXES, [[0.5, 0.4]]), E, ["scores:", "1 dimensions"]),
    Case("detection nms boxes in pixels", lambda: D.nms(BOXES * 64, [0.5, 0.4]), E, ["boxes:", "pixels"]),
    Case("detection nms_per_class ids 1.5", lambda: D.nms_per_class(BOXES, [0.5, 0.4], [1.5, 2]), T,
         ["class_ids:", "whole-number", "1.5"]),
    Case("detection nms_per_class ids bool", lambda: D.nms_per_class(BOXES, [0.5, 0.4], np.array([True, False])),
         T, ["class_ids:", "whole-number"]),
    Case("detection nms_per_class fewer ids", lambda: D.nms_per_class(BOXES, [0.5, 0.4], [2]), E,
         ["class_ids:", "one class id per box"]),
    Case("detection nms_per_class of 20,001 boxes", lambda: D.nms_per_class(many_boxes(20_001), np.ones(20_001),
                                                                            np.ones(20_001)), E,
         ["boxes:", "at most 20,000 boxes"]),                                                    # unbounded
    Case("detection nms_agreement 0 cases", lambda: D.nms_agreement(0), E, ["n_cases:", "1..10000"]),
    Case("detection nms_agreement a million cases", lambda: D.nms_agreement(10 ** 6), E, ["n_cases:", "1..10000"]),
    Case("detection nms_agreement seed -1", lambda: D.nms_agreement(5, seed=-1), E, ["seed:", ">= 0"]),
    # ---- average_precision, coco_map, error_breakdown
    Case("detection average_precision of a dict", lambda: D.average_precision({"boxes": BOXES}, truth()), T,
         ["detections:", "a list with one"]),
    Case("detection average_precision an entry of two", lambda: D.average_precision([(BOXES, [0.5, 0.4])], truth(1)), T,
         ["detections[0]:", "(boxes, scores, class_ids)"]),
    Case("detection average_precision images differ", lambda: D.average_precision(dets(2), truth(3)), E,
         ["detections:", "one entry per image of ground_truth (3)", "2 entries"]),
    Case("detection average_precision method '11pt'", lambda: D.average_precision(dets(), truth(), method="11pt"), E,
         ["method:", "'voc', 'coco'"]),
    Case("detection average_precision threshold 0", lambda: D.average_precision(dets(), truth(), iou_threshold=0), E,
         ["iou_threshold:", "> 0"]),
    Case("detection average_precision nothing to find", lambda: D.average_precision(
        dets(), [(np.zeros((0, 4)), [])] * 2), E, ["ground_truth:", "at least one ground-truth box"]),
    Case("detection average_precision a background detection", lambda: D.average_precision(
        dets(ids=np.array([2, 4])), truth()), E, ["class_ids:", "1 motorcycle", "4", "background"]),
    Case("detection average_precision scores NaN", lambda: D.average_precision(
        dets(scores=np.array([0.5, np.nan])), truth()), E, ["scores:", "finite"]),
    Case("detection average_precision boxes in pixels", lambda: D.average_precision(dets(boxes=BOXES * 64), truth()), E,
         ["boxes:", "pixels"]),
    Case("detection average_precision 2,049 detections x 2,049 objects", lambda: D.average_precision(
        [(many_boxes(2049), np.ones(2049), np.full(2049, 2))], [(many_boxes(2049, 1), np.full(2049, 2))]), E,
         ["detections[0]:", "at most 4,194,304", "2,049 detections x 2,049 objects", "nms_per_class"]),  # unbounded
    Case("detection coco_map images differ", lambda: D.coco_map(dets(1), truth(2)), E,
         ["detections:", "one entry per image"]),
    Case("detection coco_map ground truth a string", lambda: D.coco_map(dets(1), "truth"), T,
         ["ground_truth:", "a list"]),
    Case("detection error_breakdown thresholds crossed", lambda: D.error_breakdown(dets(), truth(), 0.5, 0.6), E,
         ["background_threshold:", "below iou_threshold (0.5)", "0.6", "0.1 with 0.5"]),
    Case("detection error_breakdown background threshold -0.1", lambda: D.error_breakdown(
        dets(), truth(), 0.5, -0.1), E, ["background_threshold:", ">= 0"]),
    Case("detection error_breakdown threshold 1.5", lambda: D.error_breakdown(dets(), truth(), 1.5), E,
         ["iou_threshold:", "<= 1"]),
    Case("detection error_breakdown 2,049 x 2,049", lambda: D.error_breakdown(
        [(many_boxes(2049), np.ones(2049), np.full(2049, 2))], [(many_boxes(2049, 1), np.full(2049, 2))]), E,
         ["detections[0]:", "at most 4,194,304"]),                                              # unbounded
    # ---- the detector
    Case("detection build_grid_detector on None", lambda: D.build_grid_detector(None), T,
         ["classifier:", "keras.Model"]),
    Case("detection build_grid_detector on a path", lambda: D.build_grid_detector("course_convnet.keras"), T,
         ["classifier:", "load it first"]),
    Case("detection load_grid_detector of the classifier's file", lambda: D.load_grid_detector(
        file_of("course_convnet")), E, ["path:", "grid detector", "course_convnet", "(none, 4)"]),  # was silent
    Case("detection load_grid_detector of the localizer's file", lambda: D.load_grid_detector(file_of("localizer")),
         E, ["path:", "grid detector", "localizer", "(none, 8)"]),                               # was silent
    Case("detection load_grid_detector of an .h5 file", lambda: D.load_grid_detector("detector.h5"), E,
         ["path:", ".keras file", "detector.h5"]),
    Case("detection load_grid_detector of a missing file", lambda: D.load_grid_detector("nowhere/det.keras"),
         FileNotFoundError, ["grid detector", "make model"]),

    # ================================ localization ================================
    Case("localization slide_loss NaN predictions", lambda: LOC.slide_loss(
        np.zeros((2, 8)), with_nan(np.zeros((2, 8)))), E, ["y_pred:", "finite", "nan loss"]),   # was silent: NaN
    Case("localization slide_loss inf targets", lambda: LOC.slide_loss(np.full((2, 8), np.inf), np.zeros((2, 8))), E,
         ["y_true:", "finite"]),                                                                 # was silent
    Case("localization slide_loss NaN tensor", lambda: LOC.slide_loss(tf.zeros((2, 8)), tf.constant(
        with_nan(np.zeros((2, 8))), tf.float32)), E, ["y_pred:", "finite"]),                    # was silent: NaN
    Case("localization slide_loss batch sizes differ", lambda: LOC.slide_loss(np.zeros((3, 8)), np.zeros((2, 8))), E,
         ["y_pred:", "one prediction per label of y_true (3)", "2 predictions"]),                # was unclear
    Case("localization practical_loss NaN predictions", lambda: LOC.practical_loss(
        np.zeros((2, 8)), with_nan(np.full((2, 8), 0.5))), E, ["y_pred:", "finite"]),            # was silent: NaN
    Case("localization practical_loss batch sizes differ", lambda: LOC.practical_loss(np.zeros((1, 8)),
                                                                                     np.zeros((2, 8))), E,
         ["y_pred:", "one prediction per label"]),                                               # was silent
    Case("localization practical_loss eps NaN", lambda: LOC.practical_loss(np.zeros((2, 8)), np.zeros((2, 8)),
                                                                          eps=float("nan")), E, ["eps:", "finite"]),
    Case("localization decode_label a negative height", lambda: LOC.decode_label([1, 0.5, 0.5, -0.2, 0.3, 0, 1, 0]), E,
         ["y:", "height and width >= 0", "bh=-0.2", "no box has a negative size"]),              # was silent
    Case("localization decode_label a label scaled by 255", lambda: LOC.decode_label(
        np.array([1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0]) * 255), E, ["y:", "in [0, 1]", "0..255"]),     # was silent
    Case("localization decode_label scores before the sigmoid", lambda: LOC.decode_label(
        [2.3, 0.5, 0.5, 0.2, 0.3, -1, 3, -2]), E,
         ["y:", "in [0, 1]", "before a sigmoid"]),                                               # was silent
    Case("localization decode_label a box in pixels", lambda: LOC.decode_label([1, 32, 32, 12, 20, 0, 1, 0]), E,
         ["y:", "in [0, 1]", "pixels"]),                                                         # was silent
    Case("localization decode_label a batch", lambda: LOC.decode_label(np.zeros((2, 8))), E,
         ["y:", "1 dimensions", "(2, 8)"]),
    Case("localization format_label None", lambda: LOC.format_label(None), T, ["y:", "None"]),
    Case("localization encode_label a negative width", lambda: LOC.encode_label("car", (0.5, 0.5, 0.2, -0.3)), E,
         ["box:", ">= 0"]),
    Case("localization encode_label an object with a negative box", lambda: LOC.encode_label(
        SceneObject(2, (0.5, 0.5, -0.2, 0.3), np.zeros((6, 2)))), E, ["box:", ">= 0"]),
    Case("localization evaluate_localizer the classifier", lambda: LOC.evaluate_localizer(
        model(), generate_scenes(3, 1)), E, ["model:", "localizer", "8-entry label", "(none, 3)"]),  # was unclear
    Case("localization load_localizer of the classifier's file", lambda: LOC.load_localizer(
        file_of("course_convnet")), E, ["path:", "localizer", "course_convnet", "(none, 4)"]),   # was silent
    Case("localization load_localizer of the detector's file", lambda: LOC.load_localizer(file_of("grid_detector")),
         E, ["path:", "localizer", "grid_detector"]),                                           # was silent
    Case("localization build_head of two numbers", lambda: LOC.build_head((8, 8)), E,
         ["feature_shape:", "(height, width, channels)", "features.shape[1:]"]),
    Case("localization build_head of a negative side", lambda: LOC.build_head((8, -8, 128)), E,
         ["feature_shape:", ">= 1", "-8"]),
    Case("localization iou of a box with a negative height", lambda: LOC.iou((0.5, 0.5, 0.2, 0.2),
                                                                             (0.5, 0.5, -0.2, 0.2)), E,
         ["box_b:", ">= 0"]),
    Case("localization encode_scenes of strings", lambda: LOC.encode_scenes(["car", "car"]), T,
         ["objects:", "SceneObjects"]),

    # ================================ scenes (the box convention) ================================
    Case("scenes box_corners a negative height", lambda: box_corners((0.5, 0.5, -0.2, 0.4)), E,
         ["boxes:", "heights and widths >= 0", "-0.2"]),                                         # was silent
    Case("scenes box_corners a negative width in a batch", lambda: box_corners(BOXES * [1, 1, 1, -1]), E,
         ["boxes:", ">= 0", "-0.2"]),                                                            # was silent
    Case("scenes box_corners NaN", lambda: box_corners((0.5, np.nan, 0.2, 0.4)), E, ["boxes:", "finite"]),  # was silent
    Case("scenes box_corners inf", lambda: box_corners((0.5, 0.5, np.inf, 0.4)), E, ["boxes:", "finite"]),  # was silent
    Case("scenes box_corners text", lambda: box_corners("0.5 0.5 0.2 0.4"), T, ["boxes:", "array of numbers"]),
    Case("scenes box_corners three numbers", lambda: box_corners((0.5, 0.5, 0.2)), E, ["boxes:", "4 entries"]),
    Case("scenes box_corners ragged", lambda: box_corners([(0.5, 0.5, 0.2, 0.4), (0.5, 0.5)]), T,
         ["boxes:", "ragged"]),                                                                  # was unclear
    Case("scenes box_from_corners right before left", lambda: box_from_corners((0.7, 0.2, 0.3, 0.6)), E,
         ["corners:", "x1 >= x0", "swap"]),                                                      # was silent
    Case("scenes box_from_corners bottom above top", lambda: box_from_corners((0.2, 0.7, 0.6, 0.3)), E,
         ["corners:", "y1 >= y0"]),                                                              # was silent
    Case("scenes box_from_corners (x0, x1, y0, y1)", lambda: box_from_corners(np.array([[0.1, 0.5, 0.2, 0.4],
                                                                                        [0.6, 0.9, 0.1, 0.3]])),
         E, ["corners:", "left, top, right, bottom"]),                                            # was silent
    Case("scenes box_from_corners NaN", lambda: box_from_corners((0.1, np.nan, 0.5, 0.6)), E, ["corners:", "finite"]),
    Case("scenes box_from_corners five numbers", lambda: box_from_corners((0, 0, 1, 1, 1)), E,
         ["corners:", "4 entries"]),                                                             # was unclear
    Case("scenes SceneObject.corners of a negative size", lambda: SceneObject(
        2, (0.5, 0.5, -0.1, 0.2), np.zeros((6, 2))).corners(), E, ["box:", ">= 0"]),             # was silent
    Case("scenes SceneObject.corners of a NaN box", lambda: SceneObject(
        2, (0.5, np.nan, 0.1, 0.2), np.zeros((6, 2))).corners(), E, ["box:", "finite"]),         # was silent
    Case("scenes class_id 0", lambda: class_id(0), E, ["class:", "1..4", "out of range"]),
    Case("scenes class_id 2.0", lambda: class_id(2.0), T, ["class:", "class name or id", "float"]),
    Case("scenes subset with fractions", lambda: masked_scenes().subset([0.5]), T, ["index:", "scene numbers"]),

    # ================================ cam (old gaps) ================================
    Case("cam overlay of a 0..255 heatmap", lambda: cam.overlay(np.zeros((8, 8, 3), np.uint8),
                                                                RNG.random((4, 4)) * 255), E,
         ["heatmap:", "in [0, 1]", "0..255", "divide it by 255"]),                               # was silent
    Case("cam overlay of a uint8 heatmap", lambda: cam.overlay(np.zeros((8, 8, 3), np.uint8),
                                                               (RNG.random((4, 4)) * 255).astype(np.uint8)), E,
         ["heatmap:", "in [0, 1]"]),                                                             # was silent
    Case("cam overlay of a signed map", lambda: cam.overlay(np.zeros((8, 8, 3), np.uint8), RNG.normal(size=(4, 4))),
         E, ["heatmap:", "in [0, 1]"]),                                                          # was silent
    Case("cam overlay intensity inf", lambda: cam.overlay(np.zeros((8, 8, 3), np.uint8), np.zeros((4, 4)), np.inf),
         E, ["intensity:", "finite"]),
    Case("cam upsample one map with a channel axis", lambda: cam.upsample(RNG.random((4, 4, 1)), 8), E,
         ["heatmaps:", "trailing channel axis", "heatmap[..., 0]"]),                             # was silent
    Case("cam upsample size a fraction pair", lambda: cam.upsample(RNG.random((4, 4)), (8, 7.5)), T,
         ["size[1]:", "whole number"]),
    Case("cam upsample text", lambda: cam.upsample("map", 8), T, ["heatmaps:", "array of numbers"]),
    Case("cam box_from_heatmap one map", lambda: cam.box_from_heatmap(RNG.random((4, 4))), E,
         ["heatmaps:", "heatmap[none]"]),

    # ================================ landmarks ================================
    Case("landmarks pck on boxes of size 0", lambda: LM.pck(PTS, PTS, np.zeros((3, 4))), E,
         ["boxes:", "height or width > 0", "size 0", "subset"]),                                 # was silent: 1.0
    Case("landmarks pck_per_object on boxes of size 0", lambda: LM.pck_per_object(PTS, PTS, np.zeros((3, 4))), E,
         ["boxes:", "height or width > 0"]),                                                     # was silent
    Case("landmarks pck_per_object alpha 2", lambda: LM.pck_per_object(PTS, PTS, PBOX, alpha=2), E,
         ["alpha:", "<= 1"]),
    Case("landmarks pck_per_object boxes negative", lambda: LM.pck_per_object(PTS, PTS, PBOX * [1, 1, -1, 1]), E,
         ["boxes:", ">= 0"]),
    Case("landmarks pedestrian_data flip 'no'", lambda: LM.pedestrian_data(2, 0, flip="no"), T,
         ["flip:", "True or False", "'no'"]),                                                    # was silent: flipped
    Case("landmarks pedestrian_data flip 1", lambda: LM.pedestrian_data(2, 0, flip=1), T, ["flip:", "True or False"]),
    Case("landmarks decode_landmarks in pixels", lambda: LM.decode_landmarks(np.full((1, 28), 32.0)), E,
         ["vectors:", "fractions", "pixels", "divide"]),                                         # was silent: clipped
    Case("landmarks decode_landmarks None", lambda: LM.decode_landmarks(None), T, ["vectors:", "None"]),
    Case("landmarks load_pose_regressor of the classifier's file", lambda: LM.load_pose_regressor(
        file_of("course_convnet")), E, ["path:", "pose regressor", "28 coordinates", "course_convnet"]),  # was silent
    Case("landmarks load_heatmap_pose of the localizer's file", lambda: LM.load_heatmap_pose(file_of("localizer")),
         E, ["path:", "heatmap pose model", "localizer"]),                                       # was silent
    Case("landmarks load_block3_regressor of the detector's file", lambda: LM.load_block3_regressor(
        file_of("grid_detector")), E, ["path:", "block-3 pose regressor", "grid_detector"]),     # was silent
    Case("landmarks raised_arm in pixels", lambda: LM.raised_arm(PTS * 64), E, ["points:", "pixels"]),
    Case("landmarks raised_arm 13 joints", lambda: LM.raised_arm(np.zeros((2, 13, 2))), E,
         ["points:", "14 landmarks"]),
    Case("landmarks raised_wrist_drop_px shapes differ", lambda: LM.raised_wrist_drop_px(PTS[:2], PTS), E,
         ["pred:", "same shape"]),
    Case("landmarks per_joint_error_px NaN", lambda: LM.per_joint_error_px(with_nan(PTS), PTS), E,
         ["pred:", "finite"]),
    Case("landmarks flip a car's points as a pedestrian's", lambda: LM.flip_horizontal(
        np.zeros((8, 8, 3)), np.full((6, 2), 0.5)), E, ["points:", "14 landmarks"]),

    # ================================ uncertainty ================================
    Case("uncertainty bootstrap_ci of one value", lambda: U.bootstrap_ci([0.7]), E,
         ["values:", "at least 2 values", "1 value", "measure more"]),                           # was silent
    Case("uncertainty bootstrap_ci of nothing", lambda: U.bootstrap_ci([]), E, ["values:", "non-empty"]),
    Case("uncertainty bootstrap_ci NaN", lambda: U.bootstrap_ci([0.1, np.nan, 0.3]), E, ["values:", "finite"]),
    Case("uncertainty bootstrap_ci a table", lambda: U.bootstrap_ci(np.zeros((3, 4))), E,
         ["values:", "1 dimensions"]),
    Case("uncertainty bootstrap_ci 10 resamples", lambda: U.bootstrap_ci([0.1, 0.2], n_boot=10), E,
         ["n_boot:", "100..100000"]),
    Case("uncertainty bootstrap_ci level 1", lambda: U.bootstrap_ci([0.1, 0.2], level=1.0), E,
         ["level:", "<= 0.999"]),
    Case("uncertainty bootstrap_ci level 95", lambda: U.bootstrap_ci([0.1, 0.2], level=95), E, ["level:", "<= 0.999"]),
    Case("uncertainty bootstrap_ci statistic 'mode'", lambda: U.bootstrap_ci([0.1, 0.2], "mode"), E,
         ["statistic:", "'mean', 'median'"]),
    Case("uncertainty bootstrap_ci strata of another length", lambda: U.bootstrap_ci([0.1, 0.2, 0.3], strata=[0, 1]),
         E, ["strata:", "one group label per value (3)", "2 labels"]),
    Case("uncertainty bootstrap_ci text", lambda: U.bootstrap_ci(["0.1", "0.2"]), T, ["values:", "array of numbers"]),
    Case("uncertainty bootstrap_ci seed -1", lambda: U.bootstrap_ci([0.1, 0.2], seed=-1), E, ["seed:", ">= 0"]),
    Case("uncertainty bootstrap_ci 100,000 x 200 resampled", lambda: U.bootstrap_ci(np.zeros(200), n_boot=100_000),
         E, ["n_boot:", "at most 10,000,000", "100000 x 200"]),
    Case("uncertainty bootstrap_difference_ci one value before", lambda: U.bootstrap_difference_ci([0.3], [0.1, 0.2]),
         E, ["before:", "at least 2 values"]),                                                   # was silent
    Case("uncertainty bootstrap_difference_ci one value after", lambda: U.bootstrap_difference_ci([0.3, 0.4], [0.1]),
         E, ["after:", "at least 2 values"]),                                                    # was silent
    Case("uncertainty bootstrap_difference_ci inf", lambda: U.bootstrap_difference_ci([0.3, 0.4], [0.1, np.inf]), E,
         ["after:", "finite"]),
    Case("uncertainty t_interval of one run", lambda: U.t_interval([0.9]), E, ["values:", "at least two runs"]),
    Case("uncertainty t_quantile df 0", lambda: U.t_quantile(0.975, 0), E, ["df:", "1..10000"]),
    Case("uncertainty t_quantile p 97.5", lambda: U.t_quantile(97.5, 3), E, ["p:", "<= 0.9999"]),
    Case("uncertainty proportion_interval a percentage", lambda: U.proportion_interval(97, 600), E, ["p:", "<= 1"]),
    Case("uncertainty proportion_interval n 0", lambda: U.proportion_interval(0.5, 0), E, ["n:", "1..1000000000"]),
    Case("uncertainty proportion_interval n 2.5", lambda: U.proportion_interval(0.5, 2.5), T, ["n:", "whole number"]),

    # ================================ gradients ================================
    Case("gradients class_scores of uint8 pictures", lambda: G.class_scores(model(), (X * 255).astype(np.uint8),
                                                                          [0, 1]), E,
         ["images:", "scaled like training", "uint8", "preprocess"]),                            # was unclear
    Case("gradients class_scores NaN", lambda: G.class_scores(model(), with_nan(X), [0, 1]), E,
         ["images:", "finite"]),                                                                 # was unclear
    Case("gradients class_score_gradients of uint8 pictures", lambda: G.class_score_gradients(
        model(), (X * 255).astype(np.uint8), [0, 1]), E, ["images:", "uint8", "preprocess"]),    # was unclear
    Case("gradients class_score_gradients inf", lambda: G.class_score_gradients(
        model(), np.where(X > 0.5, np.inf, X), [0, 1]), E, ["images:", "finite"]),               # was unclear
    Case("gradients class_scores class 3 of 3", lambda: G.class_scores(model(), X, [0, 3]), E,
         ["classes:", "0..2", "out of range"]),                                                  # was unclear
    Case("gradients class_scores class 1.5", lambda: G.class_scores(model(), X, [0, 1.5]), T,
         ["classes:", "whole-number"]),                                                          # was silent
    Case("gradients class_scores one class for two images", lambda: G.class_scores(model(), X, [0, 1, 2]), E,
         ["classes:", "one per image", "(3,)"]),                                                 # was unclear
    Case("gradients class_scores classes None", lambda: G.class_scores(model(), X, None), T,
         ["classes:", "one class index per image"]),                                             # was unclear
    Case("gradients class_scores model a path", lambda: G.class_scores("model.keras", X, [0, 1]), T,
         ["model:", "keras.model"]),                                                             # was unclear
    Case("gradients class_scores of a segmenter", lambda: G.class_scores(segmenter(), X, [0, 1]), E,
         ["model:", "class scores shaped (batch, classes)", "(none, 8, 8, 3)"]),                 # was silent
    Case("gradients class_score_gradients text", lambda: G.class_score_gradients(model(), "images", [0]), T,
         ["images:", "array of numbers"]),                                                       # was unclear
    Case("gradients class_score_gradients one image without a batch axis", lambda: G.class_score_gradients(
        model(), X[0, 0, 0], [0]), E, ["images:", "dimensions"]),                                # was unclear
    Case("gradients rms_normalize NaN", lambda: G.rms_normalize(with_nan(np.ones((2, 3)))), E,
         ["grad:", "finite"]),                                                                   # was silent
    Case("gradients rms_normalize NaN tensor", lambda: G.rms_normalize(tf.constant(with_nan(np.ones((2, 3))))), E,
         ["grad:", "finite"]),                                                                   # was silent
    Case("gradients rms_normalize text", lambda: G.rms_normalize(np.array([["a", "b"]])), T,
         ["grad:", "array of numbers"]),                                                         # was unclear
    Case("gradients value_and_gradient of a value", lambda: G.value_and_gradient(3.0, np.ones((1, 2))), T,
         ["fn:", "a function", "without calling it"]),                                           # was unclear
    Case("gradients value_and_gradient NaN", lambda: G.value_and_gradient(lambda t: t, with_nan(np.ones((1, 3)))), E,
         ["x:", "finite"]),                                                                      # was silent
    Case("gradients value_and_gradient uint8", lambda: G.value_and_gradient(lambda t: t, np.ones((1, 3), np.uint8)),
         E, ["x:", "uint8", "preprocess"]),                                                      # was silent
    Case("gradients feature_gradients tap a string", lambda: G.feature_gradients("tap", X), T,
         ["tap:", "[features, scores]"]),                                                        # was unclear
    Case("gradients feature_gradients one image", lambda: G.feature_gradients(model(), X[0]), E,
         ["x:", "4 dimensions"]),                                                                # was unclear
    # issue 30: the backend adapters' helpers
    Case("gradients compiled of a value", lambda: G.compiled(3.0), T, ["fn:", "a function to compile"]),
    Case("gradients adapter_source of another backend", lambda: G.adapter_source("mxnet"), E,
         ["name:", "tensorflow", "jax", "torch"]),
    Case("gradients to_numpy of text", lambda: G.to_numpy("abc"), T, ["x:", "array or a tensor"]),
    Case("gradients to_tensor of None", lambda: G.to_tensor(None), T, ["x:", "array or a tensor"]),

    # ================================ atlas ================================
    Case("atlas receptive_field model None", lambda: AT.receptive_field(None, "c2"), T, ["model:", "keras.Model"]),
    Case("atlas receptive_field unknown layer", lambda: AT.receptive_field(model(), "conv9"), E,
         ["layer:", "c1", "conv9"]),
    Case("atlas receptive_field layer an int", lambda: AT.receptive_field(model(), 2), E, ["layer:", "int 2"]),
    Case("atlas receptive_field oblong kernels", lambda: AT.receptive_field(oblong_kernels(), "tall"), E,
         ["model:", "square kernels", "tall", "3x1"]),                                           # was unclear
    Case("atlas receptive_field a dense layer on the way", lambda: AT.receptive_field(dense_on_the_way(), "after"), E,
         ["model:", "chain of convolutions", "mix (dense)"]),
    Case("atlas dataset_examples 3-D activations", lambda: AT.dataset_examples(np.zeros((4, 4, 5)), examples()[1]), E,
         ["activation:", "4 dimensions"]),
    Case("atlas dataset_examples NaN", lambda: AT.dataset_examples(with_nan(np.zeros((4, 4, 4, 5))), examples()[1]),
         E, ["activation:", "finite"]),
    Case("atlas dataset_examples field a tuple", lambda: AT.dataset_examples(np.zeros((4, 4, 4, 5)), (10, 2, 0.5)),
         T, ["field:", "ReceptiveField"]),
    Case("atlas dataset_examples k 0", lambda: AT.dataset_examples(np.zeros((4, 4, 4, 5)), examples()[1], k=0), E,
         ["k:", "1..4"]),
    Case("atlas dataset_examples k beyond the images", lambda: AT.dataset_examples(np.zeros((4, 4, 4, 5)),
                                                                                  examples()[1], k=5), E,
         ["k:", "1..4", "5"]),
    Case("atlas dataset_examples channel 5 of 5", lambda: AT.dataset_examples(np.zeros((4, 4, 4, 5)), examples()[1],
                                                                             channels=[1, 5], k=2), E,
         ["channels:", "0..4"]),
    Case("atlas dataset_examples no channels", lambda: AT.dataset_examples(np.zeros((4, 4, 4, 5)), examples()[1],
                                                                          channels=[], k=2), E,
         ["channels:", "at least one", "none for all"]),                                         # was silent
    Case("atlas dataset_examples channels a string", lambda: AT.dataset_examples(np.zeros((4, 4, 4, 5)),
                                                                                examples()[1], channels="12", k=2), T,
         ["channels:", "channel indices"]),                                                      # was silent: 1, 2
    Case("atlas dataset_examples channels 1.5", lambda: AT.dataset_examples(np.zeros((4, 4, 4, 5)), examples()[1],
                                                                           channels=[1.5], k=2), T,
         ["channels:", "whole number"]),
    Case("atlas DatasetExamples.patches of float pictures", lambda: examples()[0].patches(X), E,
         ["images:", "uint8", "already scaled"]),
    Case("atlas DatasetExamples.patches fill 300", lambda: examples()[0].patches(
        (X * 255).astype(np.uint8).repeat(2, 0), fill=300), E, ["fill:", "0..255", "300"]),      # was silent: 44
    Case("atlas DatasetExamples.patches fill grey as a fraction", lambda: examples()[0].patches(
        (X * 255).astype(np.uint8).repeat(2, 0), fill=0.5), T, ["fill:", "whole number"]),       # was silent
    Case("atlas DatasetExamples.patches too few pictures", lambda: examples()[0].patches(
        (X[:1] * 255).astype(np.uint8)), E, ["images:", "the images the activations came from"]),
    Case("atlas DatasetExamples.patches 2,500 crops of a 200-pixel field", lambda: AT.DatasetExamples(
        np.arange(50), np.zeros((50, 50), int), np.zeros((50, 50), int), np.zeros((50, 50), int), np.zeros((50, 50)),
        AT.ReceptiveField(200, 8, 0.5)).patches(np.zeros((1, 8, 8, 3), np.uint8)), E,
         ["examples:", "at most 268,435,456 crop values", "50 filters x 50 examples x 200x200x3"]),   # unbounded
    Case("atlas ground_truth_shares of 1,100,000 top activations", lambda: AT.ground_truth_shares(AT.DatasetExamples(
        np.arange(1100), np.zeros((1100, 1000), int), np.zeros((1100, 1000), int), np.zeros((1100, 1000), int),
        np.zeros((1100, 1000)), examples()[1]), masked_scenes()), E,
         ["examples:", "at most 1,048,576", "1100 filters x 1000 examples"]),                   # unbounded
    Case("atlas centre_window a 10,000-pixel field", lambda: AT.centre_window(X, AT.ReceptiveField(10_000, 8, 0.5)),
         E, ["images:", "at most 268,435,456 padded values", "10000-pixel field"]),              # unbounded
    Case("atlas ground_truth_shares of a dict", lambda: AT.ground_truth_shares({"scene": 1}, masked_scenes()), T,
         ["examples:", "DatasetExamples"]),
    Case("atlas ground_truth_shares scenes without masks", lambda: AT.ground_truth_shares(
        examples()[0], generate_scenes(4, seed=3)), E, ["scenes:", "masks=True"]),
    Case("atlas ground_truth_shares radius 0", lambda: AT.ground_truth_shares(examples()[0], masked_scenes(), 0), E,
         ["radius:", "> 0"]),
    Case("atlas ground_truth_shares too few scenes", lambda: AT.ground_truth_shares(
        examples()[0], masked_scenes().subset([0])), E, ["scenes:", "the scenes the activations came from"]),
    Case("atlas name_filters shares without labels", lambda: AT.name_filters({"parts": np.eye(2)}, [0, 1]), T,
         ["shares:", "'labels'"]),                                                               # was unclear
    Case("atlas name_filters shares in percent", lambda: AT.name_filters(
        {"parts": np.eye(2) * 100, "labels": ["street", "car wheels"]}, [0, 1]), E,
         ["shares['parts']:", "in [0, 1]", "percentages"]),                                      # was silent
    Case("atlas name_filters labels of another length", lambda: AT.name_filters(
        {"parts": np.eye(2), "labels": ["street"]}, [0, 1]), E,
         ["shares['labels']:", "one label per column of shares['parts'] (2)"]),                  # was unclear
    Case("atlas name_filters channels an int", lambda: AT.name_filters(
        {"parts": np.eye(2), "labels": ["street", "car wheels"]}, 3), T, ["channels:", "examples.channels"]),
    Case("atlas name_filters channels fewer than rows", lambda: AT.name_filters(
        {"parts": np.eye(2), "labels": ["street", "car wheels"]}, [0]), E,
         ["channels:", "one channel per row of shares (2)", "got 1"]),
    Case("atlas name_filters threshold 1.5", lambda: AT.name_filters(
        {"parts": np.eye(2), "labels": ["street", "car wheels"]}, [0, 1], 1.5), E, ["threshold:", "<= 1"]),
    Case("atlas centre_window of one picture", lambda: AT.centre_window(X[0], examples()[1]), E,
         ["images:", "4 dimensions"]),
    Case("atlas centre_window of oblong pictures", lambda: AT.centre_window(np.zeros((1, 8, 6, 3)), examples()[1]),
         E, ["images:", "square"]),
    Case("atlas centre_window field a number", lambda: AT.centre_window(X, 10), T, ["field:", "ReceptiveField"]),
    Case("atlas resemblance patches for other patterns", lambda: AT.resemblance(np.zeros((2, 4, 4, 3)),
                                                                               np.zeros((3, 2, 4, 4, 3))), E,
         ["patches:", "to match patterns"]),
    Case("atlas resemblance NaN", lambda: AT.resemblance(with_nan(np.zeros((2, 4, 4, 3))), np.zeros((2, 2, 4, 4, 3))),
         E, ["patterns:", "finite"]),
    # ================================ course_tools.metrics, layers, plotting (deep errors before) ================
    Case("metrics record None", lambda: metrics.record(None, path=scratch_metrics()), TypeError,
         ["metrics:", "a mapping", "nonetype"]),                                                 # was unclear
    Case("metrics record to a path of 123", lambda: metrics.record({"a": 1}, path=123), TypeError,
         ["path:", "a file path", "int 123"]),                                                   # was unclear
    Case("metrics record into a folder", lambda: metrics.record({"a": 1}, path=scratch_folder("metrics_")),
         ValueError, ["path:", ".json file", "the folder", "name a file in it"]),                # was unclear
    Case("metrics load a folder", lambda: metrics.load(scratch_folder("metrics_")), ValueError,
         ["path:", ".json file", "the folder"]),                                                 # was silent: {}
    Case("metrics record NaN", lambda: metrics.record({"a": float("nan")}, path=scratch_metrics()), ValueError,
         ["'a'", "not finite", "fix the measurement"]),
    Case("layers without_activation a layer name", lambda: LY.without_activation(model(), "c1"), T,
         ["layers:", "a list of layer objects", "'c1'"]),                                        # was unclear
    Case("layers without_activation None in the list", lambda: LY.without_activation(model(), [None]), T,
         ["layers:", "a keras layer object", "none"]),                                           # was unclear
    Case("layers reinitialise a layer name", lambda: LY.reinitialise("c1", 0), T,
         ["layer:", "keras layer object", "model.get_layer", "look the layer up"]),              # was unclear
    Case("layers counterpart a layer name", lambda: LY.counterpart("c1", model(), model()), T,
         ["layer:", "keras layer object"]),                                                      # was unclear
    Case("layers output_rank a layer name", lambda: LY.output_rank("c1"), T,
         ["layer:", "keras layer object"]),                                                      # was silent: None
    Case("layers ensure_built two numbers", lambda: LY.ensure_built(sequential_never_called(), (8, 8)), T,
         ["input_shape:", "3 whole numbers", "(8, 8)"]),                                         # was unclear
    Case("layers ensure_built a negative side", lambda: LY.ensure_built(sequential_never_called(), (8, -8, 3)), E,
         ["input_shape[1]:", "-8"]),                                                            # was silent
    Case("layers ensure_built a shape the layers cannot take", lambda: LY.ensure_built(
        sequential_never_called(), (1, 1, 3)), E, ["input_shape:", "a shape the layers", "can take"]),  # was unclear
    Case("plotting draw_box without an axis", lambda: PL.draw_box(None, (0.5, 0.5, 0.2, 0.2), 64), T,
         ["ax:", "matplotlib axis", "plt.subplots()"]),                                          # was unclear
    Case("plotting draw_scene without an axis", lambda: PL.draw_scene(np.zeros((8, 8, 3), np.uint8), []), T,
         ["ax:", "matplotlib axis"]),                                                            # was unclear
    Case("plotting annotate_box text", lambda: PL.annotate_box(axis(), "box", 64), T,
         ["box:", "array of numbers"]),                                                          # was unclear
    Case("plotting annotate_box in pixels", lambda: PL.annotate_box(axis(), (32, 32, 10, 10), 64), E,
         ["box:", "pixels"]),                                                                    # was silent
    Case("plotting annotate_box image_size 0", lambda: PL.annotate_box(axis(), (0.5, 0.5, 0.2, 0.2), 0), E,
         ["image_size:", "1..100000"]),                                                          # was silent
    Case("plotting zoom_to_box without an axis", lambda: PL.zoom_to_box("ax", (0.5, 0.5, 0.2, 0.2), 64), T,
         ["ax:", "matplotlib axis"]),                                                            # was unclear
    Case("plotting label_landmarks without an axis", lambda: PL.label_landmarks(None, CAR, 64), T,
         ["ax:", "matplotlib axis"]),                                                            # was unclear
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_bad_input_is_refused_clearly(case):
    assert outcome(case) is None


def test_the_table_covers_every_public_function_of_the_new_modules():
    import helpers.atlas
    import helpers.detection
    import helpers.gradients
    import helpers.uncertainty

    modules = {c.id.split()[0] for c in CASES}
    assert modules == {"detection", "localization", "scenes", "cam", "landmarks", "uncertainty", "gradients",
                       "atlas", "metrics", "layers", "plotting"}
    assert len(set(ids(CASES))) == len(CASES)
    results = {"AveragePrecision", "ErrorBreakdown", "DatasetExamples", "ReceptiveField", "part_labels",  # no input
               "backend"}
    named = {tuple(c.id.split()[:2]) for c in CASES}
    for module in (helpers.detection, helpers.gradients, helpers.atlas, helpers.uncertainty):
        short = module.__name__.split(".")[-1]
        public = {n for n in module.__all__ if callable(getattr(module, n)) and n not in results}
        missing = sorted(n for n in public if (short, n) not in named)
        assert not missing, f"{short}: no case for {missing}"
