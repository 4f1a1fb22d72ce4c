"""Every public function of helpers.explain refuses a wrong input clearly and bounds its work (issue 29).

One row per case: (id, the call, the error type, words the message must hold); see bad_input_support.py. The id's
first word is the function. ``# was silent``: returned an answer before issue 29; ``# was unclear``: a deep or
misleading error; ``# unbounded``: ran or allocated without a cap (a cap is checked before any copy is made, so
these cases cost nothing).
"""

from functools import lru_cache

import keras
import numpy as np
import pytest

from bad_input_support import Case, ids, outcome
from helpers import explain as X
from helpers.validate import InputError, InputTypeError

import tiny_models
from tiny_models import SHAPE, functional, images

E, T = InputError, InputTypeError
L = keras.layers
IMGS = images(2)
Y = np.array([0, 1])
MAPS = np.random.default_rng(0).random((2, 8, 8))
MASKS = MAPS > 0.5
FRACTIONS = np.linspace(0, 1, 5)


@lru_cache(maxsize=None)
def model():
    return functional()


@lru_cache(maxsize=None)
def any_size():
    return tiny_models.any_size(2)


@lru_cache(maxsize=None)
def flat_input():
    """A classifier of flat vectors of 8 numbers (not of images)."""
    i = keras.Input((8,))
    return keras.Model(i, L.Dense(3)(i), name="flat_input")


@lru_cache(maxsize=None)
def dense_only():
    """Takes images, but has no spatial layer (nothing for a CAM to read)."""
    i = keras.Input(SHAPE)
    return keras.Model(i, L.Dense(3)(L.Flatten()(i)), name="dense_only")


def big(n, side=256):
    return np.full((n, side, side, 3), 0.5, np.float32)


def with_nan(a):
    a = np.array(a, dtype=np.float64)
    a.flat[1] = np.nan
    return a


CASES = [
    # ---- the shared arguments (every method)
    Case("vanilla_gradient model None", lambda: X.vanilla_gradient(None, IMGS, Y), T, ["model:", "keras.Model"]),
    Case("vanilla_gradient model a path", lambda: X.vanilla_gradient("m.keras", IMGS, Y), T,
         ["model:", "load it first"]),
    Case("vanilla_gradient uint8 pictures", lambda: X.vanilla_gradient(model(), (IMGS * 255).astype(np.uint8), Y), E,
         ["images:", "uint8", "preprocess"]),
    Case("vanilla_gradient 0..255 floats", lambda: X.vanilla_gradient(model(), IMGS * 255, Y), E,
         ["images:", "0..255", "preprocess"]),
    Case("vanilla_gradient NaN", lambda: X.vanilla_gradient(model(), with_nan(IMGS), Y), E, ["images:", "finite"]),
    Case("vanilla_gradient centred pictures", lambda: X.vanilla_gradient(model(), IMGS - 0.5, Y), E,
         ["images:", "[0, 1]", "preprocess"]),
    Case("vanilla_gradient class 1.7", lambda: X.vanilla_gradient(model(), IMGS, 1.7), T,
         ["class_index:", "whole-number"]),
    Case("vanilla_gradient class 3 of 3", lambda: X.vanilla_gradient(model(), IMGS, 3), E,
         ["class_index:", "0..2", "out of range"]),
    Case("vanilla_gradient a model of flat vectors", lambda: X.vanilla_gradient(flat_input(), IMGS, Y), E,
         ["model:", "takes images", "(none, 8)"]),                                   # was unclear: "8-channel images"
    Case("gradient_times_input grayscale", lambda: X.gradient_times_input(model(), IMGS[..., :1], Y), E,
         ["images:", "3 channels"]),
    Case("gradient_times_input wrong size", lambda: X.gradient_times_input(model(), big(1, 16), 0), E,
         ["images:", "8x8", "16x16"]),
    Case("gradient_times_input one class per image too many", lambda: X.gradient_times_input(model(), IMGS,
                                                                                             [0, 1, 2]), E,
         ["class_index:", "one per image"]),
    # ---- smoothgrad, smoothgrad_forms
    Case("smoothgrad 0 samples", lambda: X.smoothgrad(model(), IMGS, Y, n_samples=0), E, ["n_samples:", "1..4096"]),
    Case("smoothgrad 5000 samples", lambda: X.smoothgrad(model(), IMGS, Y, n_samples=5000), E,
         ["n_samples:", "1..4096"]),
    Case("smoothgrad noise -1", lambda: X.smoothgrad(model(), IMGS, Y, noise=-1), E, ["noise:", ">= 0"]),
    Case("smoothgrad noise NaN", lambda: X.smoothgrad(model(), IMGS, Y, noise=float("nan")), E, ["noise:", "finite"]),
    Case("smoothgrad noise 255", lambda: X.smoothgrad(model(), IMGS, Y, noise=255), E, ["noise:", "<= 10"]),
    Case("smoothgrad form 'mean'", lambda: X.smoothgrad(model(), IMGS, Y, form="mean"), E,
         ["form:", "'paper', 'abs', 'squared', 'var'"]),
    Case("smoothgrad seed -1", lambda: X.smoothgrad(model(), IMGS, Y, seed=-1), E, ["seed:", ">= 0"]),
    Case("smoothgrad 4096 copies of three 256x256 pictures", lambda: X.smoothgrad(any_size(), big(3), [0, 0, 0],
                                                                                  n_samples=4096), E,
         ["n_samples:", "at most 536,870,912 pixels through the model", "3 images x 4,096 noisy copies",
          "fewer samples"]),                                                                      # unbounded
    Case("smoothgrad_forms 2.5 samples", lambda: X.smoothgrad_forms(model(), IMGS, Y, n_samples=2.5), T,
         ["n_samples:", "whole number"]),
    Case("smoothgrad_forms model None", lambda: X.smoothgrad_forms(None, IMGS, Y), T, ["model:", "keras.Model"]),
    # ---- integrated_gradients, ig_completeness_error
    Case("integrated_gradients a 0..255 baseline", lambda: X.integrated_gradients(model(), IMGS, Y,
                                                                                  baseline=IMGS * 255), E,
         ["baseline:", "scaled like the images", "0..255"]),                                      # was silent
    Case("integrated_gradients a centred baseline", lambda: X.integrated_gradients(model(), IMGS, Y,
                                                                                   baseline=IMGS - 0.5), E,
         ["baseline:", "in [0, 1]"]),                                                             # was silent
    Case("integrated_gradients a baseline of another size", lambda: X.integrated_gradients(
        model(), IMGS, Y, baseline=np.zeros((4, 4, 3))), E, ["baseline:", "one image (8, 8, 3)", "np.full"]),
    Case("integrated_gradients a NaN baseline", lambda: X.integrated_gradients(model(), IMGS, Y,
                                                                               baseline=with_nan(IMGS)), E,
         ["baseline:", "finite"]),
    Case("integrated_gradients 0 steps", lambda: X.integrated_gradients(model(), IMGS, Y, steps=0), E,
         ["steps:", "1..4096"]),
    Case("integrated_gradients 100,000 steps", lambda: X.integrated_gradients(model(), IMGS, Y, steps=10 ** 5), E,
         ["steps:", "1..4096"]),
    Case("integrated_gradients 4096 steps on three 256x256 pictures", lambda: X.integrated_gradients(
        any_size(), big(3), [0, 0, 0], steps=4096), E,
         ["steps:", "at most 536,870,912", "4,097 path points", "fewer steps"]),                   # unbounded
    Case("ig_completeness_error a 0..255 baseline", lambda: X.ig_completeness_error(model(), IMGS, Y,
                                                                                    baseline=IMGS * 255), E,
         ["baseline:", "0..255"]),                                                                # was silent
    Case("ig_completeness_error steps -1", lambda: X.ig_completeness_error(model(), IMGS, Y, steps=-1), E,
         ["steps:", "1..4096"]),
    Case("ig_completeness_error 4096 steps on three 256x256 pictures", lambda: X.ig_completeness_error(
        any_size(), big(3), [0, 0, 0], steps=4096), E, ["steps:", "at most 536,870,912"]),        # unbounded
    # ---- occlusion
    Case("occlusion of a 256x256 input, patch 1, stride 1", lambda: X.occlusion(any_size(), big(1), 0, patch=1,
                                                                                stride=1), E,
         ["stride:", "at most 536,870,912 pixels", "65,536 occluded copies", "larger stride"]),   # unbounded: 2.4 GB
    Case("occlusion patch 0", lambda: X.occlusion(model(), IMGS, Y, patch=0), E, ["patch:", "1..8"]),
    Case("occlusion patch beyond the image", lambda: X.occlusion(model(), IMGS, Y, patch=9), E, ["patch:", "1..8"]),
    Case("occlusion stride 0", lambda: X.occlusion(model(), IMGS, Y, stride=0), E, ["stride:", "1..8"]),
    Case("occlusion stride 1.5", lambda: X.occlusion(model(), IMGS, Y, stride=1.5), T, ["stride:", "whole number"]),
    Case("occlusion fill 128", lambda: X.occlusion(model(), IMGS, Y, fill=128), E, ["fill:", "<= 1"]),
    Case("occlusion fill NaN", lambda: X.occlusion(model(), IMGS, Y, fill=float("nan")), E, ["fill:", "finite"]),
    Case("occlusion uint8 pictures", lambda: X.occlusion(model(), (IMGS * 255).astype(np.uint8), Y), E,
         ["images:", "preprocess"]),
    # ---- the CAMs at pixel level
    Case("grad_cam unknown layer", lambda: X.grad_cam(model(), IMGS, Y, "conv9"), E,
         ["layer:", "no layer named 'conv9'"]),
    Case("grad_cam a model without a spatial layer", lambda: X.grad_cam(dense_only(), IMGS, Y), E,
         ["model:", "convolution or pooling", "dense_only"]),
    Case("grad_cam a model of flat vectors", lambda: X.grad_cam(flat_input(), IMGS, Y), E,
         ["model:", "takes images"]),                                                 # was unclear: "8-channel images"
    Case("layer_cam a layer without a map", lambda: X.layer_cam(model(), IMGS, Y, "gap"), E,
         ["layer:", "no spatial map"]),
    Case("layer_cam NaN", lambda: X.layer_cam(model(), with_nan(IMGS), Y), E, ["images:", "finite"]),
    Case("grad_cam_plus_plus model None", lambda: X.grad_cam_plus_plus(None, IMGS, Y), T, ["model:", "keras.Model"]),
    Case("grad_cam_plus_plus class -1", lambda: X.grad_cam_plus_plus(model(), IMGS, -1), E,
         ["class_index:", "out of range"]),
    Case("cam_weights layer an int", lambda: X.cam_weights(model(), IMGS, Y, 2), T, ["layer:", "layer name"]),
    Case("cam_weights uint8", lambda: X.cam_weights(model(), (IMGS * 255).astype(np.uint8), Y), E,
         ["images:", "preprocess"]),
    Case("ablation_cam uint8", lambda: X.ablation_cam(model(), (IMGS * 255).astype(np.uint8), Y), E,
         ["images:", "preprocess"]),
    Case("ablation_cam the scores' layer", lambda: X.ablation_cam(model(), IMGS, Y, "scores"), E,
         ["layer:", "no spatial map"]),
    # ---- mask_energy, pointing_in_mask, box_masks
    Case("mask_energy masks of 0, 1 and 2", lambda: X.mask_energy(MAPS, MASKS * 2 + 0), E,
         ["masks:", "0/1 or true/false", "scenes.masks == 1"]),
    Case("mask_energy masks of another size", lambda: X.mask_energy(MAPS, MASKS[:, :4]), E,
         ["masks:", "one mask per map", "upsample"]),
    Case("mask_energy NaN maps", lambda: X.mask_energy(with_nan(MAPS), MASKS), E, ["maps:", "finite"]),
    Case("mask_energy one map", lambda: X.mask_energy(MAPS[0], MASKS[0]), E, ["maps:", "heatmap[none]"]),
    Case("mask_energy maps with a channel axis", lambda: X.mask_energy(MAPS[..., None], MASKS), E,
         ["maps:", "maps[..., 0]"]),
    Case("pointing_in_mask masks of 255", lambda: X.pointing_in_mask(MAPS, MASKS * 255), E, ["masks:", "0/1"]),
    Case("pointing_in_mask text masks", lambda: X.pointing_in_mask(MAPS, "car"), T, ["masks:", "array of numbers"]),
    Case("box_masks a negative height", lambda: X.box_masks([[0.5, 0.5, -0.2, 0.3]], 8), E,
         ["boxes:", ">= 0"]),                                                                     # was silent: empty
    Case("box_masks boxes in pixels", lambda: X.box_masks([[32, 32, 10, 20]], 64), E,
         ["boxes:", "fractions", "pixels"]),                                                      # was silent
    Case("box_masks NaN", lambda: X.box_masks([[0.5, np.nan, 0.2, 0.3]], 8), E, ["boxes:", "finite"]),
    Case("box_masks size 0", lambda: X.box_masks([[0.5, 0.5, 0.2, 0.3]], 0), E, ["size:", "1..4096"]),
    Case("box_masks 5 numbers a box", lambda: X.box_masks(np.zeros((2, 5)), 8), E, ["boxes:", "(n, 4)"]),
    Case("box_masks 20,000 masks of 4096x4096", lambda: X.box_masks(np.tile([0.5, 0.5, 0.2, 0.2], (20_000, 1)),
                                                                   4096), E,
         ["size:", "at most 268,435,456 values", "20000 masks of 4096x4096"]),                    # unbounded
    # ---- blurred, edge_maps
    Case("blurred one picture", lambda: X.blurred(IMGS[0]), E, ["images:", "4 dimensions"]),
    Case("blurred NaN", lambda: X.blurred(with_nan(IMGS)), E, ["images:", "finite"]),
    Case("blurred text", lambda: X.blurred("scene.png"), T, ["images:", "array of numbers"]),
    Case("edge_maps one grey picture", lambda: X.edge_maps(IMGS[0, ..., 0]), E, ["images:", "4 dimensions"]),
    Case("edge_maps inf", lambda: X.edge_maps(np.where(IMGS > 0.5, np.inf, IMGS)), E, ["images:", "finite"]),
    # ---- curve_fractions, deletion_curve, insertion_curve, auc, average_drop
    Case("curve_fractions fine 0", lambda: X.curve_fractions(fine=0), E, ["fine:", "1..4096"]),
    Case("curve_fractions fine_until 2", lambda: X.curve_fractions(fine_until=2), E, ["fine_until:", "<= 1"]),
    Case("curve_fractions coarse 10**6", lambda: X.curve_fractions(coarse=10 ** 6), E, ["coarse:", "1..4096"]),
    Case("deletion_curve steps and fractions", lambda: X.deletion_curve(model(), IMGS, Y, MAPS, 4,
                                                                        fractions=FRACTIONS), E,
         ["steps:", "none when fractions is given", "not both"]),
    Case("deletion_curve fractions not from 0", lambda: X.deletion_curve(model(), IMGS, Y, MAPS,
                                                                         fractions=[0.1, 0.5, 1]), E,
         ["fractions:", "starting at 0", "curve_fractions"]),
    Case("deletion_curve fractions going back", lambda: X.deletion_curve(model(), IMGS, Y, MAPS,
                                                                         fractions=[0, 0.5, 0.3, 1]), E,
         ["fractions:", "strictly increasing", "0.5 followed by 0.3"]),
    Case("deletion_curve fill 'white'", lambda: X.deletion_curve(model(), IMGS, Y, MAPS, fill="white"), E,
         ["fill:", "'black', 'blur', 'mean'"]),
    Case("deletion_curve maps of another size", lambda: X.deletion_curve(model(), IMGS, Y, MAPS[:, :4, :4]), E,
         ["maps:", "images' size", "upsample"]),
    Case("deletion_curve 0 steps", lambda: X.deletion_curve(model(), IMGS, Y, MAPS, 0), E, ["steps:", "1..4096"]),
    Case("deletion_curve 4096 steps on three 256x256 pictures", lambda: X.deletion_curve(
        any_size(), big(3), [0, 0, 0], np.zeros((3, 256, 256)), 4096), E,
         ["steps:", "at most 536,870,912", "4,097 curve points", "fewer points"]),                # unbounded
    Case("insertion_curve fill None", lambda: X.insertion_curve(model(), IMGS, Y, MAPS, fill=None), E,
         ["fill:", "'black'"]),
    Case("insertion_curve NaN maps", lambda: X.insertion_curve(model(), IMGS, Y, with_nan(MAPS)), E,
         ["maps:", "finite"]),
    Case("insertion_curve 4097 fractions on three 256x256 pictures", lambda: X.insertion_curve(
        any_size(), big(3), [0, 0, 0], np.zeros((3, 256, 256)), fractions=np.linspace(0, 1, 4097)), E,
         ["fractions:", "at most 536,870,912"]),                                                 # unbounded
    Case("auc of one point", lambda: X.auc([0.5]), E, ["curve:", "at least 2 points"]),
    Case("auc fractions of another length", lambda: X.auc(np.ones((2, 5)), fractions=[0, 0.5, 1]), E,
         ["fractions:", "one share per point of the curve (5)", "3 of them"]),
    Case("auc NaN", lambda: X.auc([0.5, np.nan, 0.2]), E, ["curve:", "finite"]),
    Case("auc a 3-D curve", lambda: X.auc(np.ones((2, 2, 5))), E, ["curve:", "1 or 2 dimensions"]),
    Case("average_drop maps of another size", lambda: X.average_drop(model(), IMGS, Y, MAPS[:1]), E,
         ["maps:", "one map per image"]),
    Case("average_drop NaN pictures", lambda: X.average_drop(model(), with_nan(IMGS), Y, MAPS), E,
         ["images:", "finite"]),
    # ---- the randomisation tests
    Case("cascading_randomisation a layer name", lambda: X.cascading_randomisation(model(), "scores"), T,
         ["layers_top_down:", "a list of layer names", "['logits', 'dense']"]),
    Case("cascading_randomisation no layers", lambda: X.cascading_randomisation(model(), []), E,
         ["layers_top_down:", "at least one layer name"]),
    Case("cascading_randomisation unknown layer", lambda: X.cascading_randomisation(model(), ["logits"]), E,
         ["layers_top_down:", "'logits'", "choose among"]),
    Case("cascading_randomisation a layer without weights", lambda: X.cascading_randomisation(model(), ["gap"]), E,
         ["layers_top_down:", "with weights", "'gap'"]),
    Case("cascading_randomisation bottom up", lambda: X.cascading_randomisation(model(), ["c1", "c2", "scores"]), E,
         ["layers_top_down:", "from the output towards the input", "['scores', 'c2', 'c1']"]),
    Case("cascading_randomisation seed -1", lambda: X.cascading_randomisation(model(), ["scores"], seed=-1), E,
         ["seed:", "0..", "got -1"]),
    Case("cascading_randomisation model a path", lambda: X.cascading_randomisation("m.keras", ["scores"]), T,
         ["model:", "load it first"]),
    Case("independent_randomisation None", lambda: X.independent_randomisation(model(), None), T,
         ["layers:", "a list of layer names"]),
    Case("independent_randomisation a layer twice", lambda: X.independent_randomisation(model(), ["scores", "scores"]),
         E, ["layers:", "each layer once"]),
    Case("independent_randomisation seed 0.5", lambda: X.independent_randomisation(model(), ["scores"], seed=0.5), T,
         ["seed:", "whole number"]),
    Case("sanity_rank_correlation shapes differ", lambda: X.sanity_rank_correlation(MAPS, MAPS[:, :4]), E,
         ["maps_b:", "same shape as maps_a"]),
    Case("sanity_rank_correlation NaN", lambda: X.sanity_rank_correlation(with_nan(MAPS), MAPS), E,
         ["maps_a:", "finite"]),
    Case("sanity_rank_correlation one map", lambda: X.sanity_rank_correlation(MAPS[0], MAPS[0]), E,
         ["maps_a:", "heatmap[none]"]),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_bad_input_is_refused_clearly(case):
    assert outcome(case) is None


def test_every_public_function_has_a_case():
    names = {c.id.split()[0] for c in CASES}
    public = {n for n in X.__all__ if callable(getattr(X, n))}
    assert public <= names, sorted(public - names)
    assert len(set(ids(CASES))) == len(CASES)
