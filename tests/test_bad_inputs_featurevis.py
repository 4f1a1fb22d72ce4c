"""Every public function of helpers.featurevis refuses a wrong input clearly and bounds its work (issue 29).

One row per case: (id, the call, the error type, words the message must hold); see bad_input_support.py. The id's
first word is the function. ``# was silent``: returned garbage before issue 29; ``# unbounded``: ran without a cap.
"""

from functools import lru_cache, partial

import numpy as np
import pytest

from bad_input_support import Case, ids, outcome
from helpers import featurevis as FV
from helpers.validate import InputError, InputTypeError

import tiny_models
from tiny_models import functional, images

E, T = InputError, InputTypeError
IMGS = images(2)
RNG = np.random.default_rng(29)
COLOURFUL = RNG.random((2, 6, 6, 3))
GREY = np.repeat(RNG.random((2, 6, 6, 1)), 3, axis=-1)         # R = G = B: colours on one line


@lru_cache(maxsize=None)
def model():
    return functional()


@lru_cache(maxsize=None)
def any_size():
    return tiny_models.any_size(4)


def spectrum(size=8, n=1):
    return np.zeros((n, 3, size, size // 2 + 1, 2), np.float32)


def with_nan(a):
    a = np.array(a, dtype=np.float64)
    a.flat[1] = np.nan
    return a


def patterns(**kwargs):
    settings = dict(steps=1, transforms=())
    settings.update(kwargs)
    m = settings.pop("model", None) or model()
    return FV.regularised_patterns(m, settings.pop("layer_name", "c1"), settings.pop("channels", [0]),
                                   settings.pop("size", 8), **settings)


CASES = [
    # ---- 1. Fourier parameterisation
    Case("fourier_scale size 0", lambda: FV.fourier_scale(0), E, ["size:", "1..512"]),
    Case("fourier_scale size 1000", lambda: FV.fourier_scale(1000), E, ["size:", "1..512"]),
    Case("fourier_scale decay -1", lambda: FV.fourier_scale(8, -1), E, ["decay:", ">= 0"]),
    Case("fourier_scale decay NaN", lambda: FV.fourier_scale(8, float("nan")), E, ["decay:", "finite"]),
    Case("fourier_scale size 8.5", lambda: FV.fourier_scale(8.5), T, ["size:", "whole number"]),
    Case("image_from_spectrum a picture for a spectrum", lambda: FV.image_from_spectrum(IMGS, 8), E,
         ["spectrum:", "(f, channels, 8, 5, 2)", "spectrum_from_image"]),
    Case("image_from_spectrum NaN", lambda: FV.image_from_spectrum(with_nan(spectrum()), 8), E,
         ["spectrum:", "finite"]),
    Case("image_from_spectrum size of another spectrum", lambda: FV.image_from_spectrum(spectrum(8), 16), E,
         ["spectrum:", "16x16"]),
    Case("image_from_spectrum size 0", lambda: FV.image_from_spectrum(spectrum(), 0), E, ["size:", "1..512"]),
    Case("spectrum_from_image oblong pictures", lambda: FV.spectrum_from_image(np.zeros((1, 8, 6, 3))), E,
         ["images:", "square", "crop"]),
    Case("spectrum_from_image one picture", lambda: FV.spectrum_from_image(IMGS[0]), E, ["images:", "4 dimensions"]),
    Case("spectrum_from_image 600x600 pictures", lambda: FV.spectrum_from_image(np.zeros((1, 600, 600, 3))), E,
         ["images:", "at most 512x512", "resize"]),                                             # was: "size: ..."
    Case("spectrum_from_image decay 9", lambda: FV.spectrum_from_image(IMGS, 9), E, ["decay:", "<= 4"]),
    # ---- 2. decorrelated colours
    Case("colour_decorrelation of grey pictures", lambda: FV.colour_decorrelation(GREY), E,
         ["images:", "vary along all three colour axes", "grey pictures", "typical_colour_matrix"]),  # was silent
    Case("colour_decorrelation of one flat colour", lambda: FV.colour_decorrelation(np.full((2, 4, 4, 3), 0.3)), E,
         ["images:", "do not vary at all"]),                                         # was silent: the zero matrix
    Case("colour_decorrelation a channel that never changes", lambda: FV.colour_decorrelation(
        COLOURFUL * [1, 1, 0]), E, ["images:", "plane or a line"]),                               # was silent
    Case("colour_decorrelation one pixel", lambda: FV.colour_decorrelation([[0.1, 0.2, 0.3]]), E,
         ["images:", "at least 2 pixels"]),
    Case("colour_decorrelation RGBA", lambda: FV.colour_decorrelation(np.zeros((2, 4, 4, 4))), E,
         ["images:", "last axis has 3"]),
    Case("colour_decorrelation NaN", lambda: FV.colour_decorrelation(with_nan(COLOURFUL)), E, ["images:", "finite"]),
    Case("colour_decorrelation of 4,097 scenes", lambda: FV.colour_decorrelation(
        np.broadcast_to(np.zeros(3, np.uint8), (4097, 64, 64, 3))), E,
         ["images:", "at most 16,777,216 pixels", "on a sample"]),                                # unbounded
    Case("to_rgb a zero colour matrix", lambda: FV.to_rgb(COLOURFUL, np.zeros((3, 3))), E,
         ["m:", "invertible colour matrix", "a zero matrix", "typical_colour_matrix"]),           # was silent: black
    Case("to_rgb a singular colour matrix", lambda: FV.to_rgb(COLOURFUL, np.ones((3, 3))), E,
         ["m:", "invertible", "singular"]),                                                       # was silent
    Case("to_rgb a 2x2 matrix", lambda: FV.to_rgb(COLOURFUL, np.eye(2)), E, ["m:", "3x3 colour matrix"]),
    Case("to_rgb RGBA values", lambda: FV.to_rgb(np.zeros((2, 4, 4, 4)), np.eye(3)), E,
         ["decorrelated:", "last axis has 3"]),
    Case("to_rgb NaN matrix", lambda: FV.to_rgb(COLOURFUL, with_nan(np.eye(3))), E, ["m:", "finite"]),
    Case("from_rgb a singular matrix", lambda: FV.from_rgb(COLOURFUL, np.ones((3, 3))), E, ["m:", "invertible"]),
    Case("from_rgb NaN values", lambda: FV.from_rgb(with_nan(COLOURFUL), np.eye(3)), E, ["rgb:", "finite"]),
    # ---- 3. transformation robustness
    Case("jitter pixels -1", lambda: FV.jitter(IMGS, -1), E, ["pixels:", "0..256"]),
    Case("jitter pixels 1000", lambda: FV.jitter(IMGS, 1000), E, ["pixels:", "0..256"]),
    Case("jitter one picture", lambda: FV.jitter(IMGS[0], 1), E, ["images:", "4 dimensions"]),
    Case("jitter seed -1", lambda: FV.jitter(IMGS, 1, seed=-1), E, ["seed:", "0..2147483647", "-1"]),
    Case("jitter seed of three", lambda: FV.jitter(IMGS, 1, seed=(1, 2, 3)), E, ["seed:", "a pair of ints"]),
    Case("jitter NaN", lambda: FV.jitter(with_nan(IMGS), 1), E, ["images:", "finite"]),
    Case("random_scale reversed", lambda: FV.random_scale(IMGS, (1.2, 0.8)), E, ["factors:", "low <= high"]),
    Case("random_scale factor 0", lambda: FV.random_scale(IMGS, 0), E, ["factors:", "> 0"]),
    Case("random_scale factor 100", lambda: FV.random_scale(IMGS, 100), E, ["factors:", "<= 10"]),
    Case("random_rotate reversed bounds", lambda: FV.random_rotate(IMGS, (10, -10)), E,
         ["degrees:", "low <= high", "swap them"]),                                  # was silent: always 10 degrees
    Case("random_rotate 200 degrees", lambda: FV.random_rotate(IMGS, 200), E, ["degrees:", "<= 180"]),
    Case("random_rotate NaN degrees", lambda: FV.random_rotate(IMGS, float("nan")), E, ["degrees:", "finite"]),
    Case("random_rotate three numbers", lambda: FV.random_rotate(IMGS, (1, 2, 3)), E,
         ["degrees:", "(low, high) pair"]),
    Case("random_rotate a bound of 400", lambda: FV.random_rotate(IMGS, (0, 400)), E, ["degrees:", "<= 360"]),
    Case("compose strings", lambda: FV.compose(["jitter", "rotate"]), T, ["transforms:", "callables"]),
    Case("compose a number", lambda: FV.compose(4), T, ["transforms:", "a list of callables", "pass ()"]),
    Case("standard_transforms size 0", lambda: FV.standard_transforms(0), E, ["size:", "1..512"]),
    # ---- 4. total variation
    Case("total_variation of 1x1 pictures", lambda: FV.total_variation(np.zeros((2, 1, 1, 3))), E,
         ["images:", "at least 2 pixels"]),
    Case("total_variation one picture", lambda: FV.total_variation(IMGS[0]), E, ["images:", "4 dimensions"]),
    Case("total_variation text", lambda: FV.total_variation("x"), T, ["images:", "array of numbers"]),
    # ---- 6. how fine-grained, one edge
    Case("high_frequency_share a batch of single-channel maps", lambda: FV.high_frequency_share(
        RNG.random((5, 16, 16))), E, ["images:", "1, 3 or 4 colour channels", "(5, 16, 16)", "images[..., none]"]),
    # was silent: read as one 5x16 picture of 16 channels
    Case("high_frequency_share 64 channels", lambda: FV.high_frequency_share(np.zeros((2, 8, 8, 64))), E,
         ["images:", "1, 3 or 4 colour channels"]),                                               # was silent
    Case("high_frequency_share cutoff 0", lambda: FV.high_frequency_share(IMGS, 0), E, ["cutoff:", "> 0"]),
    Case("high_frequency_share cutoff 1.5", lambda: FV.high_frequency_share(IMGS, 1.5), E, ["cutoff:", "<= 1"]),
    Case("high_frequency_share NaN", lambda: FV.high_frequency_share(with_nan(IMGS)), E, ["images:", "finite"]),
    Case("high_frequency_share of 6,000 scenes", lambda: FV.high_frequency_share(
        np.broadcast_to(np.float32(0.5), (6000, 64, 64, 3))), E,
         ["images:", "at most 67,108,864 values", "fewer or smaller"]),                          # unbounded
    Case("one_edge_residual size 1", lambda: FV.one_edge_residual(IMGS, size=1), E, ["size:", "2..128"]),
    Case("one_edge_residual relative 'yes'", lambda: FV.one_edge_residual(IMGS, relative="yes"), T,
         ["relative:", "True or False"]),
    Case("one_edge_residual a 128-pixel search of 180 x 128 lines", lambda: FV.one_edge_residual(
        IMGS, size=128, orientations=180, offsets=128), E,
         ["orientations:", "at most 16,777,216", "180 orientations x 128 offsets", "fewer orientations"]),  # 3 GB
    Case("one_edge_residual of 35,000 pictures", lambda: FV.one_edge_residual(np.zeros((35_000, 2, 2, 3))), E,
         ["images:", "at most 2,147,483,648 multiply-adds", "35000 images x 240 lines", "fewer images"]),  # unbounded
    Case("one_edge_residual a flat picture", lambda: FV.one_edge_residual(np.zeros(4)), E,
         ["images:", "3 or 4 dimensions"]),
    # ---- 5. the ascent
    Case("regularised_patterns model a path", lambda: FV.regularised_patterns("m.keras", "c1"), T,
         ["model:", "load it first"]),
    Case("regularised_patterns steps 0", lambda: patterns(steps=0), E, ["steps:", "1..10000"]),
    Case("regularised_patterns lr 0", lambda: patterns(lr=0), E, ["lr:", "> 0"]),
    Case("regularised_patterns tv_weight inf", lambda: patterns(tv_weight=float("inf")), E,
         ["tv_weight:", "finite"]),
    Case("regularised_patterns objective 'max'", lambda: patterns(objective="max"), E,
         ["objective:", "pre_activation"]),
    Case("regularised_patterns a pooling layer", lambda: patterns(layer_name="p1"), E,
         ["layer_name:", "convolution layer", "maxpooling2d", "c1, c2"]),
    Case("regularised_patterns layer an int", lambda: patterns(layer_name=1), T, ["layer_name:", "a layer's name"]),
    Case("regularised_patterns no channels", lambda: patterns(channels=[]), E, ["channels:", "non-empty"]),
    Case("regularised_patterns channel 4 of 4", lambda: patterns(channels=[4]), E, ["channels:", "0..3"]),
    Case("regularised_patterns channels a string", lambda: patterns(channels="01"), T, ["channels:", "range(8)"]),
    Case("regularised_patterns size of another model", lambda: patterns(size=16), E,
         ["size:", "8x8", "size=8"]),
    Case("regularised_patterns a zero colour matrix", lambda: patterns(colour_matrix=np.zeros((3, 3))), E,
         ["colour_matrix:", "invertible", "a zero matrix"]),                                     # was silent: grey
    Case("regularised_patterns transforms as names", lambda: patterns(transforms=["jitter"]), T,
         ["transforms:", "callables"]),
    Case("regularised_patterns batched 'yes'", lambda: patterns(batched="yes"), T, ["batched:", "True or False"]),
    Case("regularised_patterns spatial 'corner'", lambda: patterns(spatial="corner"), E,
         ["spatial:", "'mean', 'centre'"]),
    Case("regularised_patterns seed 2**31", lambda: patterns(seed=2 ** 31), E, ["seed:", "2147483647"]),
    Case("regularised_patterns 10,000 steps of 512x512 patterns", lambda: patterns(
        model=any_size(), channels=[0, 1, 2, 3], size=512, steps=10_000), E,
         ["steps:", "at most 268,435,456 pixel-steps", "10000 steps x 4 channels x 512x512",
          "fewer steps or channels"]),                                                            # unbounded
    Case("RegularisedPatterns.high_frequency_share cutoff 0", lambda: FV.RegularisedPatterns(
        "c1", np.array([0]), IMGS, np.zeros(2), np.zeros(2), np.zeros((1, 2)), np.zeros(1)).high_frequency_share(0),
         E, ["cutoff:", "> 0"]),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_bad_input_is_refused_clearly(case):
    assert outcome(case) is None


def test_every_public_function_has_a_case():
    names = {c.id.split()[0].split(".")[0] for c in CASES}
    public = {n for n in FV.__all__ if callable(getattr(FV, n)) and n != "RegularisedPatterns"}
    assert public <= names, sorted(public - names)
    assert len(set(ids(CASES))) == len(CASES)
