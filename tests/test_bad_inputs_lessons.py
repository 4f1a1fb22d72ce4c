"""Bad inputs to the lesson helpers (scenes, localization, landmarks, activations, filters, layers, plotting):
each must be refused with a clear message naming the argument -- never a deep traceback, never a silent answer.

Cases marked ``# was silent`` returned something wrong without a word before the shared validators.
"""

import keras
import matplotlib
import numpy as np
import pytest

from bad_input_support import Case, ids, outcome
from helpers import activations as A
from helpers import filters as F
from helpers import landmarks as LM
from helpers import localization as LOC
from helpers import plotting
from helpers.layers import select_layers, untrained_twin
from helpers.notebook import claim, progress
from helpers.scenes import SceneObject, class_id, generate_scenes
from helpers.validate import InputError
from tiny_models import functional, images, sequential_never_called

matplotlib.use("Agg")

E = InputError          # every refusal is an InputError (a ValueError; InputTypeError is also a TypeError)
BOX = (0.5, 0.5, 0.2, 0.3)
PTS = np.full((3, 14, 2), 0.5)
PBOX = np.tile([0.5, 0.5, 0.4, 0.2], (3, 1))
_models = {}


def model():
    if "m" not in _models:
        _models["m"] = functional()
    return _models["m"]


def scenes_without_objects():
    if "bg" not in _models:
        _models["bg"] = generate_scenes(3, 0, classes=["background"])
    return _models["bg"]


def _axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plt.close(fig)
    return ax


X = images(2)

CASES = [
    # the untrained twin (the control of 01 and 02) and a claim in plain words (every notebook's main path)
    Case("trained minus untrained, not a list", lambda: F.trained_minus_untrained(np.zeros(4), [[np.zeros(4)]]), E,
         ["trained:", "one entry per block"]),
    Case("trained minus untrained, blocks differ", lambda: F.trained_minus_untrained([np.zeros(4)], []), E,
         ["twins:", "1 blocks"]),
    Case("twin seed negative", lambda: untrained_twin(functional(), seed=-1), E, ["seed:", "-1"]),
    Case("twin seed float", lambda: untrained_twin(functional(), seed=0.5), E, ["seed:", "whole number"]),
    Case("twin of a path", lambda: untrained_twin("data/models/course_convnet.keras"), E, ["model:"]),
    Case("claim holds is a list", lambda: claim("x", [True, False]), E, ["holds:", "True or False", "fix"]),
    Case("claim value NaN", lambda: claim("x", True, float("nan")), E, ["value:", "finite"]),
    Case("claim interval reversed", lambda: claim("x", True, 0.5, (0.6, 0.4)), E, ["interval:", "swap"]),
    Case("claim no statement", lambda: claim("", True), E, ["statement:", "claim in words"]),
    # ---- scenes
    Case("scenes n negative", lambda: generate_scenes(-1), E, ["n:", "whole number"]),
    Case("scenes n float", lambda: generate_scenes(2.5), E, ["n:", "whole number"]),
    Case("scenes n string", lambda: generate_scenes("10"), E, ["n:", "whole number"]),
    Case("scenes n huge", lambda: generate_scenes(10 ** 9), E, ["n:", "200000"]),
    Case("scenes seed negative", lambda: generate_scenes(2, seed=-1), E, ["seed:", ">= 0"]),
    Case("scenes size too small", lambda: generate_scenes(2, size=8), E, ["size:", "16..512"]),
    Case("scenes classes as a string", lambda: generate_scenes(2, classes="car"), E, ["classes:", "list"]),
    Case("scenes unknown class", lambda: generate_scenes(2, classes=["truck"]), E, ["truck", "pedestrian"]),
    Case("scenes no classes", lambda: generate_scenes(2, classes=[]), E, ["classes:", "at least one"]),
    Case("scenes background-only crowds", lambda: generate_scenes(2, classes=["background"], n_objects=(2, 3)), E,
         ["classes:", "object class"]),                                                      # was silent: drew cars
    Case("scenes n_objects 5", lambda: generate_scenes(2, n_objects=5), E, ["n_objects:", "1..4"]),
    Case("scenes n_objects reversed", lambda: generate_scenes(2, n_objects=(3, 1)), E, ["n_objects:", "min <= max"]),
    Case("scenes workers 0", lambda: generate_scenes(2, workers=0), E, ["workers:", "1..64"]),
    Case("class id 7", lambda: class_id(7), ValueError, ["1..4"]),
    Case("class name unknown", lambda: class_id("truck"), ValueError, ["unknown class", "car"]),
    # ---- localization
    Case("label unknown class", lambda: LOC.encode_label("truck", BOX), ValueError, ["truck", "car"]),
    Case("label missing box", lambda: LOC.encode_label("car", None), E, ["box:", "car"]),
    Case("label box of 3", lambda: LOC.encode_label("car", (0.5, 0.5, 0.2)), E, ["box:", "4 entries"]),
    Case("label box in pixels", lambda: LOC.encode_label("car", (32, 32, 10, 10)), E, ["box:", "fractions", "pixels"]),
    Case("label box NaN", lambda: LOC.encode_label("car", (0.5, np.nan, 0.2, 0.2)), E, ["box:", "finite"]),
    Case("label box leaves the image", lambda: LOC.encode_label("car", (0.95, 0.5, 0.2, 0.3)), ValueError,
         ["outside the image"]),
    Case("label box zero height", lambda: LOC.encode_label("car", (0.5, 0.5, 0.0, 0.3)), E, ["box:", "> 0"]),
    Case("label class id 5", lambda: LOC.encode_label(5, BOX), ValueError, ["1..4"]),
    Case("label class 1.5", lambda: LOC.encode_label(1.5, BOX), E, ["cls:", "class name"]),
    Case("label box as text", lambda: LOC.encode_label("car", "0.5 0.5 0.2 0.3"), E, ["box:", "numbers"]),
    Case("decode 3 entries", lambda: LOC.decode_label([1, 2, 3]), E, ["y:", "8 entries"]),
    Case("decode threshold 2", lambda: LOC.decode_label(np.zeros(8), threshold=2), E, ["threshold:", "<= 1"]),
    Case("decode NaN", lambda: LOC.decode_label([np.nan] * 8), E, ["y:", "finite"]),
    Case("decode None", lambda: LOC.decode_label(None), E, ["y:", "None"]),
    Case("format 7 entries", lambda: LOC.format_label(np.zeros(7)), E, ["y:", "8 entries"]),
    Case("format digits -1", lambda: LOC.format_label(np.zeros(8), digits=-1), E, ["digits:", "0..10"]),
    Case("iou NaN box", lambda: LOC.iou((np.nan, 0.5, 0.2, 0.2), BOX), E, ["box_a:", "finite"]),   # was silent: 0.0
    Case("iou row counts differ", lambda: LOC.iou(np.tile(BOX, (3, 1)), np.tile(BOX, (2, 1))), E,
         ["box_b:", "as many boxes"]),
    Case("iou box of 3", lambda: LOC.iou((0.5, 0.5, 0.2), BOX), E, ["box_a:", "4 entries"]),
    Case("iou boxes in pixels", lambda: LOC.iou((32, 32, 10, 10), BOX), E, ["box_a:", "pixels"]),
    Case("iou text", lambda: LOC.iou("box", BOX), E, ["box_a:", "numbers"]),
    Case("iou negative size", lambda: LOC.iou((0.5, 0.5, -0.1, 0.2), BOX), E, ["box_a:", ">= 0"]),
    Case("encode_scenes empty", lambda: LOC.encode_scenes([]), E, ["objects:", "non-empty"]),
    Case("encode_scenes wrong items", lambda: LOC.encode_scenes([[1, 2]]), E, ["objects:", "SceneObjects"]),
    Case("evaluate localizer no model", lambda: LOC.evaluate_localizer(None, scenes_without_objects()), E,
         ["model:", "keras.Model"]),
    Case("evaluate localizer on empty streets", lambda: LOC.evaluate_localizer(model(), scenes_without_objects()), E,
         ["scenes:", "with an object"]),                                                   # was silent: NaN
    Case("evaluate localizer not scenes", lambda: LOC.evaluate_localizer(model(), X), E, ["scenes:", "StreetScenes"]),
    # ---- landmarks
    Case("pck on flat vectors", lambda: LM.pck(PTS.reshape(3, 28), PTS, PBOX), E,
         ["pred:", "decode_landmarks"]),                                                   # was silent: broadcast
    Case("pck pixels vs fractions", lambda: LM.pck(PTS * 64, PTS, PBOX), E, ["pred:", "pixels"]),  # was silent: 0.0
    Case("pck negative alpha", lambda: LM.pck(PTS, PTS, PBOX, alpha=-0.1), E, ["alpha:", "> 0"]),  # was silent
    Case("pck alpha zero", lambda: LM.pck(PTS, PTS, PBOX, alpha=0), E, ["alpha:", "> 0"]),
    Case("pck too few boxes", lambda: LM.pck(PTS, PTS, PBOX[:2]), E, ["boxes:", "one box per image"]),
    Case("pck boxes in pixels", lambda: LM.pck(PTS, PTS, PBOX * 64), E, ["boxes:", "pixels"]),
    Case("pck shapes differ", lambda: LM.pck(PTS[:2], PTS, PBOX), E, ["pred:", "same shape"]),
    Case("pck NaN", lambda: LM.pck(np.full_like(PTS, np.nan), PTS, PBOX), E, ["pred:", "finite"]),
    Case("flip grayscale picture", lambda: LM.flip_horizontal(np.zeros((64, 48), np.uint8), PTS[0]), E,
         ["images:", "[..., none]"]),                                                      # was silent: upside down
    Case("flip one point set for two images", lambda: LM.flip_horizontal(np.zeros((2, 8, 8, 3)), PTS[0]), E,
         ["points:", "one set of landmarks per image"]),
    Case("encode 13 landmarks", lambda: LM.encode_landmarks(np.zeros((2, 13, 2))), E, ["points:", "14 landmarks"]),
    Case("encode pixels", lambda: LM.encode_landmarks(PTS * 64), E, ["points:", "pixels"]),
    Case("decode 27 entries", lambda: LM.decode_landmarks(np.zeros((1, 27))), E, ["vectors:", "28 entries"]),
    Case("decode text", lambda: LM.decode_landmarks("abc"), E, ["vectors:", "numbers"]),
    Case("landmarks of background", lambda: LM.landmark_index("background", ["x"]), E,
         ["class_name:", "class with landmarks"]),
    Case("landmark names as a string", lambda: LM.landmark_index("pedestrian", "head"), E, ["names:", "list"]),
    Case("unknown landmark", lambda: LM.landmark_index("pedestrian", ["left_ear"]), ValueError, ["left_ear", "head"]),
    Case("flip pairs of a truck", lambda: LM.flip_pairs("truck"), E, ["class_name:", "truck"]),
    Case("joint error image size 0", lambda: LM.per_joint_error_px(PTS, PTS, image_size=0), E, ["image_size:", "1..100000"]),
    Case("pedestrian data n 0", lambda: LM.pedestrian_data(0, 1), E, ["n:", "1.."]),
    # ---- activations
    Case("activations on uint8 pixels", lambda: A.compute_activations(model(), (X * 255).astype(np.uint8)), E,
         ["images:", "preprocess"]),                                                       # was silent: 288x too large
    Case("activations on 0..255 floats", lambda: A.compute_activations(model(), X * 255), E,
         ["images:", "preprocess"]),                                                       # was silent
    Case("activations NaN", lambda: A.compute_activations(model(), np.full_like(X, np.nan)), E, ["images:", "finite"]),
    Case("activations grayscale", lambda: A.compute_activations(model(), X[..., :1]), E, ["images:", "3 channels"]),
    Case("activations RGBA", lambda: A.compute_activations(model(), np.concatenate([X, X[..., :1]], -1)), E,
         ["images:", "3 channels"]),
    Case("activations wrong size", lambda: A.compute_activations(model(), np.zeros((1, 16, 16, 3))), E,
         ["images:", "8x8"]),
    Case("activations model as a path", lambda: A.compute_activations("model.keras", X), E, ["model:", "load it"]),
    Case("activations unknown layer", lambda: A.compute_activations(model(), X, "nope"), ValueError,
         ["no layer named", "c1"]),
    Case("activations batch size 0", lambda: A.compute_activations(model(), X, batch_size=0), E, ["batch_size:"]),
    Case("activations 2-D", lambda: A.compute_activations(model(), np.zeros((8, 8))), E, ["images:", "dimensions"]),
    Case("blank fraction 3-D", lambda: A.blank_fraction(np.zeros((3, 3, 2))), E, ["activation:", "4 dimensions"]),
    Case("blank fraction negative tol", lambda: A.blank_fraction(np.zeros((1, 2, 2, 1)), tol=-1), E, ["tol:", ">= 0"]),
    Case("edge maps of uint8", lambda: A.edge_and_colour_maps((X * 255).astype(np.uint8)), E, ["images:", "preprocess"]),
    Case("edge maps of grayscale", lambda: A.edge_and_colour_maps(X[..., :1]), E, ["images:", "RGB"]),
    Case("tuning size mismatch", lambda: A.channel_tuning(np.zeros((2, 3, 3, 1)), X), E,
         ["activation:", "divides the image size"]),
    Case("tuning count mismatch", lambda: A.channel_tuning(np.zeros((1, 4, 4, 1)), X), E,
         ["activation:", "one map per image"]),
    Case("pool grid does not divide", lambda: A.pooled_features(np.zeros((1, 4, 6, 1)), grid=4), E,
         ["grid:", "divides"]),
    Case("pool grid 0", lambda: A.pooled_features(np.zeros((1, 4, 4, 1)), grid=0), E, ["grid:", "1.."]),
    Case("probe rows differ", lambda: A.probe_accuracy(np.zeros((4, 2)), [0, 1, 0], np.zeros((2, 2)), [0, 1]), E,
         ["train_labels:", "one per image"]),
    Case("probe l2 0", lambda: A.probe_accuracy(np.zeros((2, 2)), [0, 1], np.zeros((2, 2)), [0, 1], l2=0), E,
         ["l2:", "> 0"]),
    Case("probe float labels", lambda: A.probe_accuracy(np.zeros((2, 2)), [0.5, 1], np.zeros((2, 2)), [0, 1]), E,
         ["train_labels:", "whole-number"]),
    # ---- filters
    Case("filters as a string", lambda: F.filter_patterns(model(), "c1", "12", steps=1), E,
         ["filters:", "list or range"]),                                                  # was silent: filters 1, 2
    Case("filters as an int", lambda: F.filter_patterns(model(), "c1", 3, steps=1), E, ["filters:", "[12]"]),
    Case("filter out of range", lambda: F.filter_patterns(model(), "c1", [99], steps=1), E,
         ["filters:", "0..3", "c1"]),
    Case("filter 1.5", lambda: F.filter_patterns(model(), "c1", [1.5], steps=1), E, ["filters:", "whole-number"]),
    Case("no filters", lambda: F.filter_patterns(model(), "c1", [], steps=1), E, ["filters:", "non-empty"]),
    Case("steps negative", lambda: F.filter_patterns(model(), "c1", steps=-1), E, ["steps:", "0..10000"]),
    Case("steps without bound", lambda: F.filter_patterns(model(), "c1", steps=10 ** 9), E, ["steps:", "0..10000"]),
    Case("step size 0", lambda: F.filter_patterns(model(), "c1", step_size=0), E, ["step_size:", "> 0"]),
    Case("unknown objective", lambda: F.filter_patterns(model(), "c1", objective="x"), E,
         ["objective:", "pre_activation"]),
    Case("filters of a pooling layer", lambda: F.filter_patterns(model(), "p1", steps=1), ValueError,
         ["not a convolution", "c1"]),
    Case("filters of an unknown layer", lambda: F.filter_patterns(model(), "nope", steps=1), ValueError,
         ["no layer named"]),
    Case("filters without a model", lambda: F.filter_patterns(None, "c1"), E, ["model:", "keras.Model"]),
    Case("transforms as strings", lambda: F.filter_patterns(model(), "c1", transforms=["jitter"], steps=1), TypeError,
         ["transforms", "Jitter"]),
    Case("seed negative", lambda: F.filter_patterns(model(), "c1", seed=-1, steps=1), E, ["seed:", ">= 0"]),
    Case("never-called Sequential without input_shape", lambda: F.filter_patterns(sequential_never_called(), "c1"),
         E, ["input_shape:", "never been called"]),
    # ---- layers
    Case("select by float", lambda: select_layers(model(), 3.5), E, ["layers:", "layer name"]),
    Case("select 0 layers", lambda: select_layers(model(), 0), ValueError, ["at least 1"]),
    Case("select on a path", lambda: select_layers("model.keras"), E, ["model:", "load it"]),
    Case("select a missing type", lambda: select_layers(model(), keras.layers.LSTM), ValueError, ["no lstm layer"]),
    Case("select on a never-called Sequential", lambda: select_layers(sequential_never_called(), "c1"), E,
         ["input_shape:", "never been called"]),
    # ---- plotting
    Case("draw a grayscale scene", lambda: plotting.draw_scene(_axes(), np.zeros((8, 8))), E, ["image:", "dimensions"]),
    Case("draw an RGBA scene", lambda: plotting.draw_scene(_axes(), np.zeros((8, 8, 4), np.uint8)), E,
         ["image:", "RGB"]),
    Case("draw one object not in a list", lambda: plotting.draw_scene(_axes(), np.zeros((8, 8, 3), np.uint8),
                                                                       "car"), E, ["objects:", "list"]),
    Case("draw a box in pixels", lambda: plotting.draw_box(_axes(), (32, 32, 10, 10), 64), E, ["box:", "pixels"]),
    Case("draw a box on size 0", lambda: plotting.draw_box(_axes(), BOX, 0), E, ["image_size:"]),
    Case("zoom to a box of three numbers", lambda: plotting.zoom_to_box(_axes(), (0.5, 0.5, 0.2), 64), E,
         ["box:", "4 entries"]),
    Case("zoom to a background's empty box", lambda: plotting.zoom_to_box(_axes(), (0, 0, 0, 0), 64), E,
         ["box:", "background scene has no box"]),
    Case("label landmarks in a size 0 font", lambda: plotting.label_landmarks(
        _axes(), generate_scenes(1, seed=1, classes=["car"]).objects[0][0], 64, fontsize=0), E, ["fontsize:"]),
    Case("an object of class 4", lambda: SceneObject(4, BOX, np.zeros((0, 2))), E, ["class_id:", "background"]),
    Case("an object of class True", lambda: SceneObject(True, BOX, np.zeros((0, 2))), E, ["class_id:", "bool"]),
    Case("a pedestrian with a car's points", lambda: SceneObject(3, BOX, np.zeros((6, 2))), E,
         ["landmarks:", "(14, 2)", "pedestrian"]),
    Case("progress with a number", lambda: progress(3), E, ["label:", "short text"]),
]



def _y(n=2, k=8):
    return np.zeros((n, k), np.float32)


CASES += [
    Case("slide loss on 7-entry labels", lambda: LOC.slide_loss(_y(2, 7), _y(2, 7)), E, ["y_true:", "(n, 8)"]),
    Case("slide loss on one label", lambda: LOC.slide_loss(np.zeros(8), np.zeros(8)), E, ["y_true:", "y[none]"]),
    Case("practical loss eps 0", lambda: LOC.practical_loss(_y(), _y(), eps=0), E, ["eps:", "> 0"]),
    Case("practical loss on a list", lambda: LOC.practical_loss([[0] * 8], _y()), E, ["y_true:", "(n, 8)"]),
    Case("localizer on a path", lambda: LOC.build_localizer("course_convnet.keras"), E, ["classifier:", "load it"]),
    Case("pose regressor without a model", lambda: LM.build_pose_regressor(None), E, ["classifier:", "keras.Model"]),
    Case("heatmap pose with 0 joints", lambda: LM.build_heatmap_pose(model(), n_landmarks=0), E, ["n_landmarks:"]),
    Case("block-3 regressor without a model", lambda: LM.build_block3_regressor("model"), E, ["classifier:", "keras.Model"]),
    Case("block-3 regressor with 0 joints", lambda: LM.build_block3_regressor(model(), n_landmarks=0), E, ["n_landmarks:"]),
    Case("grid detector on a grid that does not divide the map", lambda: __import__("helpers.detection").detection
         .build_grid_detector(__import__("helpers.course_model").course_model.build_course_convnet(),
                              __import__("helpers.detection").detection.GridSpec(size=3)), E,
         ["spec:", "divides", "8x8"]),
    Case("grid detector on a model without block4_conv1", lambda: __import__("helpers.detection").detection
         .build_grid_detector(model()), E, ["classifier:", "block4_conv1"]),
    Case("tap a layer name", lambda: __import__("helpers.layers").layers.tap_model(model(), "c1"), E,
         ["layers:", "select_layers"]),
    Case("tap nothing", lambda: __import__("helpers.layers").layers.tap_model(model(), []), E, ["layers:", "non-empty"]),
    Case("edge R2 count mismatch", lambda: F.explained_by_edges_and_colours(np.zeros((1, 4, 4, 2)), X), E,
         ["activation:", "one map per image"]),
    Case("edge R2 uint8 images", lambda: F.explained_by_edges_and_colours(np.zeros((2, 4, 4, 2)),
                                                                         (X * 255).astype(np.uint8)), E,
         ["images:", "preprocess"]),
    Case("jitter 1.5", lambda: F.Jitter(1.5), E, ["pixels:", "whole number"]),
    Case("blur every 0", lambda: F.BlurEvery(0), E, ["every:", "1.."]),
    Case("blur sigma 0", lambda: F.BlurEvery(2, sigma=0), E, ["sigma:", "> 0"]),
    Case("start images bad shape", lambda: F.start_images([0], (8, 8)), E, ["shape:", "(height, width, channels)"]),
    Case("deprocess 2-D", lambda: F.deprocess(np.zeros((8, 8))), E, ["x:", "dimensions"]),
    Case("subset out of range", lambda: scenes_without_objects().subset([7]), E, ["index:", "0..2"]),
    Case("subset short mask", lambda: scenes_without_objects().subset(np.array([True])), E, ["index:", "bool mask"]),
    Case("mosaic of a batch", lambda: plotting.channel_mosaic(np.zeros((2, 4, 4, 3))), E, ["maps:", "3 dimensions"]),
    Case("confusion of probabilities", lambda: plotting.plot_confusion(np.zeros((5, 4))), E, ["cm:", "4x4"]),
    Case("history of a list", lambda: plotting.plot_history([0.1, 0.2]), E, ["history:", "model.fit"]),
    Case("gallery of an array", lambda: plotting.show_gallery(X), E, ["scenes:", "StreetScenes"]),
    Case("pattern grid dead flags", lambda: plotting.plot_pattern_grid(np.zeros((3, 4, 4, 3), np.uint8), "t",
                                                                      dead=[True]), E, ["dead:", "one flag"]),
    Case("setup seed negative", lambda: __import__("helpers.notebook").notebook.setup(seed=-1), E, ["seed:"]),
    Case("all layers of a path", lambda: __import__("helpers.layers").layers.all_layers("m.keras"), E,
         ["model:", "load it"]),
    Case("spatial layers of a layer", lambda: __import__("helpers.layers").layers.spatial_layers(model().layers[1]),
         E, ["model:", "keras.Model"]),
    Case("rms eps 0", lambda: __import__("helpers.gradients").gradients.rms_normalize(np.ones((1, 2)), eps=0), E,
         ["eps:", "> 0"]),
    Case("rms without batch", lambda: __import__("helpers.gradients").gradients.rms_normalize(np.ones(3)), E,
         ["grad:", "grad[none]"]),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_bad_input_is_refused_clearly(case):
    assert outcome(case) is None
