"""Every public function of helpers.cam refuses a wrong input clearly (issue 13): the error names the argument,
what was expected and, where it helps, the fix -- instead of a TensorFlow traceback, NaN, or a silently wrong
map (uint8 pixels run as they are, ``class_index=1.7`` taken as 1).

One row per case: (id, the call, the error type, words the message must hold); see bad_input_support.py.
"""

from functools import lru_cache

import keras
import numpy as np
import pytest

from bad_input_support import Case, ids, outcome
from helpers import cam
from helpers.validate import InputError, InputTypeError

from tiny_models import KINDS, SHAPE, images

L = keras.layers


@lru_cache(maxsize=None)
def model(kind="functional"):
    """Tiny models, built once (a never-called Sequential is built afresh: a call would build it)."""
    return KINDS[kind]()


@lru_cache(maxsize=None)
def dense_only():
    i = keras.Input(SHAPE)
    return keras.Model(i, L.Dense(3)(L.Flatten()(i)), name="dense_only")


@lru_cache(maxsize=None)
def two_inputs():
    a, b = keras.Input(SHAPE), keras.Input(SHAPE)
    h = L.Conv2D(2, 3, name="c")(L.Concatenate()([a, b]))
    return keras.Model([a, b], L.Dense(3)(L.GlobalAveragePooling2D()(h)), name="two_inputs")


@lru_cache(maxsize=None)
def segmenter():
    """Fully convolutional: its output is a map per class, not one score per class."""
    i = keras.Input(SHAPE)
    h = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(i)
    return keras.Model(i, L.Conv2D(3, 1, name="per_pixel")(h), name="segmenter")


@lru_cache(maxsize=None)
def huge_weights():
    """Finite weights so large that the class scores overflow to inf."""
    m = KINDS["functional"]()
    for name in ("c2", "scores"):
        kernel, bias = m.get_layer(name).get_weights()
        m.get_layer(name).set_weights([kernel * 1e25, bias])
    return m


@lru_cache(maxsize=None)
def softmax_of_an_op():
    """The softmax's input is a computation (scores x 2), not a layer: no layer holds the scores."""
    i = keras.Input(SHAPE)
    z = L.Dense(3, name="scores")(L.GlobalAveragePooling2D()(L.Conv2D(4, 3, name="c1")(i)))
    return keras.Model(i, L.Softmax(name="sm")(z * 2.0), name="softmax_of_an_op")


X = images(2)
MAPS = np.random.default_rng(0).random((2, 4, 4)).astype("float32")
BOXES = np.array([[0.5, 0.5, 0.2, 0.2], [0.3, 0.3, 0.2, 0.2]], np.float32)
PICTURE = (np.random.default_rng(1).random((8, 8, 3)) * 255).astype("uint8")


def maps(**kwargs):
    return cam.class_activation_maps(kwargs.pop("model", None) or model(), kwargs.pop("images", X),
                                     kwargs.pop("class_index", 0), kwargs.pop("layer", "c2"), verbose=False, **kwargs)


def with_nan(a):
    a = np.array(a, dtype="float32")
    a.flat[1] = np.nan
    return a


CASES = [
    # ---- class_activation_maps: the model
    Case("cam-model-none", lambda: cam.class_activation_maps(None, X), InputTypeError,
         ["model", "keras.Model", "None"]),
    Case("cam-model-path", lambda: cam.class_activation_maps("model.keras", X), InputTypeError,
         ["model", "path", "load it first"]),
    Case("cam-model-a-layer", lambda: cam.class_activation_maps(L.Dense(3), X), InputTypeError,
         ["model", "keras.Model", "Dense"]),
    Case("cam-model-without-spatial-layer", lambda: maps(model=dense_only(), layer=None), InputError,
         ["model", "convolution or pooling", "dense_only"]),
    Case("cam-model-two-inputs", lambda: maps(model=two_inputs()), InputError,
         ["model", "one image input", "2 inputs"]),
    Case("cam-model-output-not-class-scores", lambda: maps(model=segmenter(), layer="c1"), InputError,
         ["model", "class scores", "(batch, classes)", "(None, 8, 8, 3)"]),
    Case("cam-softmax-fed-by-no-layer", lambda: maps(model=softmax_of_an_op(), layer="c1"), InputError,
         ["before_softmax", "'sm'", "no single layer", "before_softmax=False"]),
    # ---- the images
    Case("cam-images-none", lambda: maps(images=None), InputTypeError, ["images", "array", "None"]),
    Case("cam-images-a-file-name", lambda: maps(images="scene.png"), InputTypeError, ["images", "array of numbers"]),
    Case("cam-images-ragged", lambda: maps(images=[X[0], X[0, :4]]), InputTypeError, ["images", "ragged"]),
    Case("cam-images-empty", lambda: maps(images=np.zeros((0, 8, 8, 3), "float32")), InputError,
         ["images", "non-empty", "(0, 8, 8, 3)"]),
    Case("cam-images-rank-2", lambda: maps(images=X[0, ..., 0]), InputError, ["images", "3 or 4 dimensions", "(8, 8)"]),
    Case("cam-images-rank-5", lambda: maps(images=X[None]), InputError, ["images", "3 or 4 dimensions"]),
    Case("cam-images-grayscale", lambda: maps(images=X[..., :1]), InputError, ["images", "3 channels", "to_rgb_batch"]),
    Case("cam-images-rgba", lambda: maps(images=np.concatenate([X, X[..., :1]], -1)), InputError,
         ["images", "3 channels", "(2, 8, 8, 4)", "to_rgb_batch"]),
    Case("cam-images-wrong-size", lambda: maps(images=np.zeros((2, 16, 16, 3), "float32")), InputError,
         ["images", "8x8", "16x16", "resize"]),
    Case("cam-images-uint8-unscaled", lambda: maps(images=(X * 255).astype("uint8")), InputError,
         ["images", "scaled like training", "uint8", "preprocess"]),
    Case("cam-images-float-0-255", lambda: maps(images=X * 255), InputError,
         ["images", "about 0..1", "0..255", "preprocess"]),
    Case("cam-images-16-bit", lambda: maps(images=(X * 65535).astype("uint16")), InputError,
         ["images", "about 0..1", "values up to", "preprocess"]),
    Case("cam-images-nan", lambda: maps(images=with_nan(X)), InputError, ["images", "finite", "NaN"]),
    Case("cam-images-inf", lambda: maps(images=np.where(X > 0.5, np.inf, X)), InputError, ["images", "finite"]),
    Case("cam-images-absurdly-large", lambda: maps(images=np.full((2, 8, 8, 3), -3e38, "float32")), InputError,
         ["images", "magnitude", "3e+38", "preprocess"]),
    Case("cam-scores-overflow-to-inf", lambda: maps(model=huge_weights()), InputError,
         ["images", "inf or NaN", "2 of 2 images", "weights"]),
    # ---- the class index
    Case("cam-class-1.7", lambda: maps(class_index=1.7), InputTypeError, ["class_index", "whole-number", "1.7"]),
    Case("cam-class-list-with-a-fraction", lambda: maps(class_index=[0, 1.5]), InputTypeError,
         ["class_index", "whole-number"]),
    Case("cam-class-nan", lambda: maps(class_index=float("nan")), InputTypeError, ["class_index", "whole-number"]),
    Case("cam-class-a-name", lambda: maps(class_index="car"), InputTypeError, ["class_index", "whole-number", "car"]),
    Case("cam-class-bool", lambda: maps(class_index=True), InputTypeError, ["class_index", "whole-number"]),
    Case("cam-class-too-big", lambda: maps(class_index=3), InputError,
         ["class_index", "3 classes", "out of range", "0..2"]),
    Case("cam-class-negative", lambda: maps(class_index=-1), InputError, ["class_index", "-1", "out of range", "0..2"]),
    Case("cam-class-one-too-many", lambda: maps(class_index=[0, 1, 2]), InputError,
         ["class_index", "one per image", "shape (3,)"]),
    Case("cam-class-2d", lambda: maps(class_index=[[0], [1]]), InputError, ["class_index", "one per image", "(2, 1)"]),
    # ---- the layer
    Case("cam-layer-unknown", lambda: maps(layer="conv9"), InputError,
         ["layer", "no layer named 'conv9'", "choose one of", "c2"]),
    Case("cam-layer-not-spatial", lambda: maps(layer="gap"), InputError,
         ["layer", "no spatial map", "rank 2", "convolution or pooling"]),
    Case("cam-layer-the-scores", lambda: maps(layer="scores"), InputError, ["layer", "no spatial map"]),
    Case("cam-layer-an-int", lambda: maps(layer=2), InputTypeError, ["layer", "layer name", "int 2"]),
    Case("cam-layer-a-nested-model", lambda: maps(model=model("nested_in_functional"), layer="base"), InputError,
         ["layer", "no layer named 'base'", "nested model", "c2"]),
    Case("cam-layer-unknown-in-never-called-sequential", lambda: maps(model=KINDS["sequential_never_called"](),
                                                                     layer="conv9"), InputError,
         ["layer", "no layer named 'conv9'", "c1"]),
    Case("cam-never-called-sequential-uint8", lambda: maps(model=KINDS["sequential_never_called"](),
                                                          images=(X * 255).astype("uint8")), InputError,
         ["images", "uint8", "preprocess"]),
    # ---- the options
    Case("cam-method-unknown", lambda: maps(method="gradcam++"), InputError,
         ["method", "'gradcam', 'layercam'", "gradcam++"]),
    Case("cam-method-none", lambda: maps(method=None), InputError, ["method", "'gradcam'", "None"]),
    Case("cam-before-softmax-a-string", lambda: maps(before_softmax="no"), InputTypeError,
         ["before_softmax", "True or False", "'no'"]),
    Case("cam-verbose-a-string", lambda: cam.class_activation_maps(model(), X, 0, "c2", verbose="quiet"),
         InputTypeError, ["verbose", "True or False"]),
    Case("cam-input-shape-two-numbers", lambda: maps(input_shape=(8, 8)), InputError,
         ["input_shape", "3 whole numbers", "(height, width, channels)"]),
    Case("cam-input-shape-not-the-images", lambda: maps(input_shape=(16, 16, 3)), InputError,
         ["input_shape", "images' own shape", "(8, 8, 3)", "leave input_shape out"]),
    Case("cam-input-shape-negative", lambda: maps(input_shape=(8, -8, 3)), InputError, ["input_shape[1]", "1..", "-8"]),
    Case("cam-input-shape-a-string", lambda: maps(input_shape="8x8x3"), InputTypeError,
         ["input_shape", "3 whole numbers"]),
    # ---- default_layer
    Case("default-layer-model-none", lambda: cam.default_layer(None), InputTypeError, ["model", "keras.Model"]),
    Case("default-layer-never-called-sequential", lambda: cam.default_layer(KINDS["sequential_never_called"]()),
         InputError, ["input_shape", "never been called", "(height, width, channels)", "input_shape=("]),
    Case("default-layer-no-spatial-layer", lambda: cam.default_layer(dense_only()), InputError,
         ["model", "convolution or pooling", "Dense"]),
    Case("default-layer-input-shape-zero", lambda: cam.default_layer(KINDS["sequential_never_called"](), (0, 8, 3)),
         InputError, ["input_shape[0]", "1..", "0"]),
    # ---- upsample
    Case("upsample-none", lambda: cam.upsample(None, 8), InputTypeError, ["heatmaps", "array", "None"]),
    Case("upsample-channel-axis", lambda: cam.upsample(MAPS[..., None], 8), InputError,
         ["heatmaps", "2 or 3 dimensions"]),
    Case("upsample-nan", lambda: cam.upsample(with_nan(MAPS), 8), InputError, ["heatmaps", "finite"]),
    Case("upsample-empty", lambda: cam.upsample(np.zeros((0, 4, 4)), 8), InputError, ["heatmaps", "non-empty"]),
    Case("upsample-size-zero", lambda: cam.upsample(MAPS, 0), InputError, ["size", "1..", "got 0"]),
    Case("upsample-size-negative", lambda: cam.upsample(MAPS, (8, -1)), InputError, ["size[1]", "1..", "-1"]),
    Case("upsample-size-huge", lambda: cam.upsample(MAPS, 10 ** 6), InputError, ["size", "16384", "1000000"]),
    Case("upsample-too-many-values", lambda: cam.upsample(np.zeros((5000, 2, 2)), 1024), InputError,
         ["size", "at most", "5000 maps of 1024x1024", "fewer maps"]),
    Case("upsample-size-a-fraction", lambda: cam.upsample(MAPS, 7.5), InputTypeError, ["size", "whole number", "7.5"]),
    Case("upsample-size-three-numbers", lambda: cam.upsample(MAPS, (8, 8, 3)), InputError,
         ["size", "2 whole numbers", "(height, width)"]),
    # ---- overlay
    Case("overlay-grayscale-picture", lambda: cam.overlay(PICTURE[..., 0], MAPS[0]), InputError,
         ["image", "RGB", "(8, 8)", "to_rgb_batch"]),
    Case("overlay-rgba-picture", lambda: cam.overlay(np.concatenate([PICTURE, PICTURE[..., :1]], -1), MAPS[0]),
         InputError, ["image", "RGB", "4 channels", "to_rgb_batch"]),
    Case("overlay-a-batch", lambda: cam.overlay(PICTURE[None].repeat(2, 0), MAPS[0]), InputError,
         ["image", "one RGB picture", "images[i]"]),
    Case("overlay-scaled-picture", lambda: cam.overlay(PICTURE / 255, MAPS[0]), InputError,
         ["image", "uint8", "already scaled"]),
    Case("overlay-16-bit-picture", lambda: cam.overlay(PICTURE.astype("uint16") * 257, MAPS[0]), InputError,
         ["image", "uint8", "16-bit"]),
    Case("overlay-picture-none", lambda: cam.overlay(None, MAPS[0]), InputTypeError, ["image", "None"]),
    Case("overlay-intensity-too-big", lambda: cam.overlay(PICTURE, MAPS[0], 1.5), InputError,
         ["intensity", "<= 1", "1.5"]),
    Case("overlay-intensity-negative", lambda: cam.overlay(PICTURE, MAPS[0], -0.1), InputError, ["intensity", ">= 0"]),
    Case("overlay-intensity-nan", lambda: cam.overlay(PICTURE, MAPS[0], float("nan")), InputError,
         ["intensity", "finite"]),
    Case("overlay-intensity-a-string", lambda: cam.overlay(PICTURE, MAPS[0], "0.4"), InputTypeError,
         ["intensity", "a number"]),
    Case("overlay-several-heatmaps", lambda: cam.overlay(PICTURE, MAPS), InputError,
         ["heatmap", "one heatmap", "result.heatmaps[i]"]),
    Case("overlay-heatmap-nan", lambda: cam.overlay(PICTURE, with_nan(MAPS[0])), InputError, ["heatmap", "finite"]),
    # ---- pointing_game
    Case("pointing-fewer-boxes", lambda: cam.pointing_game(MAPS, BOXES[:1]), InputError,
         ["boxes", "one box per heatmap", "2 of them", "got 1 box"]),
    Case("pointing-boxes-in-pixels", lambda: cam.pointing_game(MAPS, BOXES * 64), InputError,
         ["boxes", "fractions", "pixels", "divide"]),
    Case("pointing-boxes-five-numbers", lambda: cam.pointing_game(MAPS, np.zeros((2, 5))), InputError,
         ["boxes", "4 entries"]),
    Case("pointing-box-negative-size", lambda: cam.pointing_game(MAPS, BOXES * [1, 1, -1, 1]), InputError,
         ["boxes", ">= 0"]),
    Case("pointing-one-map", lambda: cam.pointing_game(MAPS[0], BOXES[:1]), InputError,
         ["heatmaps", "(N, height, width)", "heatmap[None]"]),
    Case("pointing-heatmaps-nan", lambda: cam.pointing_game(with_nan(MAPS), BOXES), InputError, ["heatmaps", "finite"]),
    Case("pointing-boxes-none", lambda: cam.pointing_game(MAPS, None), InputTypeError, ["boxes", "None"]),
    # ---- box_from_heatmap
    Case("box-threshold-too-big", lambda: cam.box_from_heatmap(MAPS, 1.5), InputError, ["threshold", "<= 1", "1.5"]),
    Case("box-threshold-negative", lambda: cam.box_from_heatmap(MAPS, -0.5), InputError, ["threshold", ">= 0"]),
    Case("box-threshold-none", lambda: cam.box_from_heatmap(MAPS, None), InputTypeError, ["threshold", "a number"]),
    Case("box-heatmaps-channel-axis", lambda: cam.box_from_heatmap(MAPS[..., None]), InputError,
         ["heatmaps", "(N, height, width)", "maps[..., 0]"]),
    Case("box-heatmaps-inf", lambda: cam.box_from_heatmap(np.where(MAPS > 0.5, np.inf, MAPS)), InputError,
         ["heatmaps", "finite"]),
    # ---- rank_correlation
    Case("rank-shapes-differ", lambda: cam.rank_correlation(MAPS, MAPS[:, :2]), InputError,
         ["b", "same shape as a", "(2, 4, 4)", "(2, 2, 4)"]),
    Case("rank-nan", lambda: cam.rank_correlation(with_nan(MAPS), MAPS), InputError, ["a", "finite"]),
    Case("rank-one-map-flat", lambda: cam.rank_correlation(MAPS[0, 0], MAPS[0, 0]), InputError,
         ["a", "2 or 3 dimensions"]),
    # ---- center_heatmaps, random_heatmaps
    Case("center-n-zero", lambda: cam.center_heatmaps(0, 8), InputError, ["n", "1..", "got 0"]),
    Case("center-size-negative", lambda: cam.center_heatmaps(2, -8), InputError, ["size", "1..", "-8"]),
    Case("center-n-huge", lambda: cam.center_heatmaps(10 ** 9, 8), InputError, ["n", "1..200000"]),
    Case("center-too-many-values", lambda: cam.center_heatmaps(100_000, 4096), InputError,
         ["n", "at most", "100000 x 4096 x 4096", "fewer or smaller"]),
    Case("center-n-a-fraction", lambda: cam.center_heatmaps(2.5, 8), InputTypeError, ["n", "whole number", "2.5"]),
    Case("random-size-zero", lambda: cam.random_heatmaps(2, 0), InputError, ["size", "1..", "got 0"]),
    Case("random-size-none", lambda: cam.random_heatmaps(2, None), InputTypeError, ["size", "whole number", "None"]),
    Case("random-seed-negative", lambda: cam.random_heatmaps(2, 8, seed=-1), InputError, ["seed", ">= 0", "-1"]),
    Case("random-seed-a-string", lambda: cam.random_heatmaps(2, 8, seed="a"), InputTypeError, ["seed", "whole number"]),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_bad_input_is_refused_clearly(case):
    assert outcome(case) is None


def test_the_table_covers_every_public_function():
    names = {c.id.split("-")[0] for c in CASES}
    assert names == {"cam", "default", "upsample", "overlay", "pointing", "box", "rank", "center", "random"}
    assert len(CASES) >= 40 and len(set(ids(CASES))) == len(CASES)
