"""helpers.explain checked against hand computations on tiny models whose answers are known in closed form.

The linear model's score for class c is ``sum_ijk x[i, j, k] * w[i, j, k, c]``: its gradient is ``w`` itself,
so vanilla, gradient × input and integrated gradients have exact answers. Images are 6 x 8 (not square),
so swapped axes change the answers.
"""

import keras
import numpy as np
import pytest

from helpers import explain
from helpers.validate import InputError
from tests import tiny_models

H, W, C, K = 6, 8, 3, 3
L = keras.layers


def weights(seed=0):
    return np.random.default_rng(seed).standard_normal((H, W, C, K)).astype(np.float32)


def linear_model(w, softmax=True):
    """Flatten -> Dense "logits" (no bias) [-> Activation softmax "predictions", as the course model]."""
    i = keras.Input((H, W, C))
    z = L.Dense(w.shape[-1], use_bias=False, name="logits")(L.Flatten()(i))
    model = keras.Model(i, L.Activation("softmax", name="predictions")(z) if softmax else z)
    model.get_layer("logits").set_weights([w.reshape(-1, w.shape[-1])])
    return model


def images(n=3, seed=1, shape=(H, W, C)):
    return np.random.default_rng(seed).uniform(0.05, 0.95, (n, *shape)).astype(np.float32)


CLS = np.array([0, 2, 1])


@pytest.fixture(autouse=True, params=[explain.STACK, 3], ids=["one-stack", "stacks-of-3"])
def stacked(request, monkeypatch):
    """Every test twice: variants of the images (noisy copies, path points, occluded copies, curve points) in one
    stacked batch, and split over many small stacks -- the answers must not change."""
    monkeypatch.setattr(explain, "STACK", request.param)


# ------------------------------------------------------------------------------------------ gradients

def test_vanilla_gradient_is_the_largest_absolute_weight_over_channels():
    w, x = weights(), images()
    got = explain.vanilla_gradient(linear_model(w), x, CLS)
    expected = np.array([[[max(abs(w[i, j, k, c]) for k in range(C)) for j in range(W)] for i in range(H)]
                         for c in CLS])
    assert got.shape == (3, H, W)
    assert np.allclose(got, expected, atol=1e-5)   # the logits' gradient, not the softmax's


def test_gradient_times_input_is_x_times_w_summed_over_channels():
    w, x = weights(), images()
    got = explain.gradient_times_input(linear_model(w), x, CLS)
    expected = np.zeros((3, H, W))
    for n, c in enumerate(CLS):
        for i in range(H):
            for j in range(W):
                expected[n, i, j] = sum(float(x[n, i, j, k]) * float(w[i, j, k, c]) for k in range(C))
    assert np.allclose(got, expected, atol=1e-5)


def test_integrated_gradients_on_a_linear_model_is_exact_for_any_baseline():
    w, x = weights(), images()
    base = np.full((H, W, C), 0.25, np.float32)
    base[0, 0] = 0.9
    for baseline, b in ((None, np.zeros((H, W, C))), (base, base)):
        got = explain.integrated_gradients(linear_model(w), x, CLS, baseline=baseline, steps=3)
        expected = np.stack([((x[n] - b) * w[..., c]).sum(-1) for n, c in enumerate(CLS)])
        assert np.allclose(got, expected, atol=1e-5)


def nonlinear_model():
    keras.utils.set_random_seed(3)
    i = keras.Input((8, 8, 3))
    h = L.Conv2D(4, 3, padding="same", activation="tanh", name="c1")(i)
    h = L.Conv2D(4, 3, padding="same", activation="relu", name="c2")(h)
    h = L.GlobalAveragePooling2D()(h)
    z = L.Dense(3, name="logits", kernel_initializer=keras.initializers.RandomNormal(0, 3.0, seed=1))(h)
    return keras.Model(i, L.Activation("softmax", name="predictions")(z))


def test_integrated_gradients_completeness_holds_with_enough_steps_only():
    model, x = nonlinear_model(), images(2, shape=(8, 8, 3))
    fine = explain.ig_completeness_error(model, x, [0, 1], steps=64)
    coarse = explain.ig_completeness_error(model, x, [0, 1], steps=2)
    assert fine < 0.01 and coarse > 3 * fine


def test_smoothgrad_with_no_noise_is_vanilla_and_is_seeded():
    model, x = nonlinear_model(), images(2, shape=(8, 8, 3))
    vanilla = explain.vanilla_gradient(model, x, [0, 2])
    assert np.allclose(explain.smoothgrad(model, x, [0, 2], n_samples=2, noise=0.0), vanilla, atol=1e-6)
    got = explain.smoothgrad(model, x, [0, 2], n_samples=3, noise=0.2, seed=5)
    assert np.array_equal(got, explain.smoothgrad(model, x, [0, 2], n_samples=3, noise=0.2, seed=5))
    assert not np.allclose(got, explain.smoothgrad(model, x, [0, 2], n_samples=3, noise=0.2, seed=6))
    assert not np.allclose(got, vanilla)


def test_smoothgrad_equals_the_mean_of_vanilla_maps_on_the_documented_noise():
    model = nonlinear_model()
    x = np.full((2, 8, 8, 3), 0.5, np.float32) + images(2, shape=(8, 8, 3)) * 0.1
    e = np.random.default_rng(7).standard_normal((2, *x.shape)) * 0.05   # stays inside [0, 1]
    assert ((x + e >= 0) & (x + e <= 1)).all()
    by_hand = np.mean([explain.vanilla_gradient(model, (x + e[s]).astype(np.float32), [1, 0]) for s in range(2)],
                      axis=0)
    got = explain.smoothgrad(model, x, [1, 0], n_samples=2, noise=0.05, seed=7, form="abs")   # the mean of |g|
    assert np.allclose(got, by_hand, atol=1e-5)


# ------------------------------------------------------------------------------------------ occlusion

def region_mean_model(side=12, rows=(1, 4), cols=(6, 9)):
    """One score: the mean of the pixels in rows[0]:rows[1], cols[0]:cols[1] (all channels)."""
    w = np.zeros((side, side, 3, 1), np.float32)
    w[rows[0]:rows[1], cols[0]:cols[1]] = 1.0 / ((rows[1] - rows[0]) * (cols[1] - cols[0]) * 3)
    i = keras.Input((side, side, 3))
    model = keras.Model(i, L.Dense(1, use_bias=False, name="score")(L.Flatten()(i)))
    model.get_layer("score").set_weights([w.reshape(-1, 1)])
    return model, w[..., 0]


def test_occlusion_by_hand_only_patches_touching_the_region_matter():
    model, w = region_mean_model()
    x = images(2, shape=(12, 12, 3))
    got = explain.occlusion(model, x, [0, 0], patch=5, stride=4, fill=0.2)
    starts = [0, 4, 7]                    # every 4 pixels, plus one flush with the edge (12 - 5)
    expected = np.zeros((2, 12, 12))
    count = np.zeros((12, 12))
    for n in range(2):
        for t in starts:
            for s in starts:
                hidden = x[n].astype(np.float64).copy()
                hidden[t:t + 5, s:s + 5] = 0.2
                drop = float((x[n] * w).sum() - (hidden * w).sum())
                expected[n, t:t + 5, s:s + 5] += drop
                if n == 0:
                    count[t:t + 5, s:s + 5] += 1
    expected /= count
    assert np.allclose(got, expected, atol=1e-5)
    touching = np.zeros((12, 12), bool)   # pixels covered by some patch that meets rows 1..3, cols 6..8
    for t in starts:
        for s in starts:
            if t < 4 and t + 5 > 1 and s < 9 and s + 5 > 6:
                touching[t:t + 5, s:s + 5] = True
    assert np.allclose(got[:, ~touching], 0, atol=1e-6) and (np.abs(got[:, touching]) > 1e-4).all()


# ------------------------------------------------------------------------------------------ Grad-CAM++

def feature_model(w):
    """features = the input (1x1 identity conv "feat"), scores linear in them: the gradient is w."""
    i = keras.Input((H, W, C))
    f = L.Conv2D(C, 1, use_bias=False, name="feat")(i)
    model = keras.Model(i, L.Dense(K, use_bias=False, name="scores")(L.Flatten()(f)))
    model.get_layer("feat").set_weights([np.eye(C, dtype=np.float32).reshape(1, 1, C, C)])
    model.get_layer("scores").set_weights([w.reshape(-1, K)])
    return model


def test_grad_cam_plus_plus_by_hand():
    w, x = weights(), images()
    got = explain.grad_cam_plus_plus(feature_model(w), x, CLS, "feat")
    for n, c in enumerate(CLS):
        a, g = x[n].astype(np.float64), w[..., c].astype(np.float64)
        weight = []
        for k in range(C):
            total = sum(a[i, j, k] for i in range(H) for j in range(W))
            wk = 0.0
            for i in range(H):
                for j in range(W):
                    gij = g[i, j, k]
                    alpha = gij ** 2 / (2 * gij ** 2 + total * gij ** 3) if gij != 0 else 0.0
                    wk += alpha * max(gij, 0.0)
            weight.append(wk)
        m = np.maximum(np.array([[sum(weight[k] * a[i, j, k] for k in range(C)) for j in range(W)]
                                 for i in range(H)]), 0)
        assert np.allclose(got[n], m / m.max(), atol=1e-5)


def test_grad_cam_and_layer_cam_are_helpers_cam_at_pixel_level():
    from helpers import cam

    model, x = tiny_models.functional(), tiny_models.images(2)
    for method, fn in (("gradcam", explain.grad_cam), ("layercam", explain.layer_cam)):
        ref = cam.class_activation_maps(model, x, [0, 1], "c2", method=method, verbose=False).heatmaps
        got = fn(model, x, [0, 1], "c2")
        assert got.shape == (2, 8, 8) and np.allclose(got, cam.upsample(ref, 8), atol=1e-6)


# ------------------------------------------------------------------------------------------ metrics

def test_mask_energy_and_pointing_by_hand():
    maps = np.array([[[0, 1, 2, 0], [-5, 0, 3, 0], [0, 0, 0, 4]],
                     [[-1, -1, -1, -1], [-1, -1, -1, -1], [-1, -1, -1, -2]],
                     [[9, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]], float)
    masks = np.zeros((3, 3, 4), bool)
    masks[0, :2, 1:3] = True   # holds 1 + 2 + 3 of the positive mass 10; the peak (4) is outside
    masks[1, 0, 0] = True
    masks[2, 2, 3] = True      # holds 1 of 10; the peak 9 at (0, 0) is outside
    assert np.allclose(explain.mask_energy(maps, masks), [0.6, 0.0, 0.1])
    assert explain.pointing_in_mask(maps, masks).tolist() == [False, False, False]
    masks[0, 2, 3] = True
    masks[2, 0, 0] = True
    assert np.allclose(explain.mask_energy(maps, masks.astype(np.uint8)), [1.0, 0.0, 1.0])
    assert explain.pointing_in_mask(maps, masks).tolist() == [True, False, True]


def sum_model(side=4, weight=1.0):
    i = keras.Input((side, side, 3))
    model = keras.Model(i, L.Dense(1, use_bias=False, name="sum")(L.Flatten()(i)))
    model.get_layer("sum").set_weights([np.full((side * side * 3, 1), weight, np.float32)])
    return model


def test_deletion_and_insertion_curves_by_hand():
    x = images(1, shape=(4, 4, 3))
    maps = np.arange(16, dtype=float)[::-1].reshape(1, 4, 4)    # raster order is the removal order
    maps[0, 0, 0], maps[0, 3, 3] = -1.0, 99.0                    # ... except: (3, 3) first, (0, 0) last
    order = [15] + list(range(1, 15)) + [0]
    px = x[0].reshape(16, 3).astype(np.float64)
    mean = px.mean(axis=0)
    deleted = [px.sum() - sum((px[p] - mean).sum() for p in order[:r]) for r in (0, 4, 8, 12, 16)]
    inserted = [16 * mean.sum() + sum((px[p] - mean).sum() for p in order[:r]) for r in (0, 4, 8, 12, 16)]
    model = sum_model()
    assert np.allclose(explain.deletion_curve(model, x, [0], maps, steps=4, fill="mean")[0], deleted, atol=1e-4)
    assert np.allclose(explain.insertion_curve(model, x, [0], maps, steps=4, fill="mean")[0], inserted, atol=1e-4)
    blur_del = explain.deletion_curve(model, x, [0], maps, steps=2, fill="blur")[0]
    blur_ins = explain.insertion_curve(model, x, [0], maps, steps=2, fill="blur")[0]
    assert blur_del.shape == (3,) and np.isclose(blur_del[0], px.sum(), atol=1e-4)
    assert np.isclose(blur_ins[-1], px.sum(), atol=1e-4) and np.isclose(blur_ins[0], blur_del[-1], atol=1e-4)
    assert not np.isclose(blur_del[-1], deleted[-1], atol=1e-3)   # blur is not the mean colour


def test_curves_are_probabilities_for_a_softmax_model():
    w, x = weights(), images(2)
    maps = explain.gradient_times_input(linear_model(w), x, [0, 1])
    probs = explain.deletion_curve(linear_model(w), x, [0, 1], maps, steps=3)
    logits = np.einsum("nhwk,hwkc->nc", x.astype(np.float64), w.astype(np.float64))
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert probs.shape == (2, 4) and np.allclose(probs[:, 0], p[[0, 1], [0, 1]], atol=1e-5)


def test_auc_by_hand():
    assert explain.auc([1.0, 0.5, 0.0]) == pytest.approx(0.5)
    assert np.allclose(explain.auc([[1, 1, 0, 0], [0, 0, 0, 3]]), [0.5, 0.5])
    assert explain.auc([0.2, 0.6]) == pytest.approx(0.4)


def test_box_masks_by_hand():
    boxes = np.array([[0.5, 0.5, 0.5, 0.25], [0.25, 0.75, 0.5, 0.5]])     # (bx, by, bh, bw)
    got = explain.box_masks(boxes, 8)
    want = np.zeros((2, 8, 8), bool)
    for n, (bx, by, bh, bw) in enumerate(boxes):
        for r in range(8):
            for c in range(8):
                want[n, r, c] = bx - bw / 2 <= (c + 0.5) / 8 < bx + bw / 2 and by - bh / 2 <= (r + 0.5) / 8 < by + bh / 2
    assert np.array_equal(got, want)
    assert got[0].sum() == 4 * 2 and got[0][2:6, 3:5].all(), "rows from by, columns from bx: 4 rows x 2 columns"


def test_blurred_is_a_normalised_gaussian_with_repeated_edges():
    x = np.random.default_rng(5).random((1, 20, 24, 3))
    sigma, r = 1.5, 5                                       # max(1, 24 / 16) and ceil(3 sigma)
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k2 = np.outer(k, k) / np.outer(k, k).sum()
    p = np.pad(x[0], ((r, r), (r, r), (0, 0)), mode="edge")
    want = np.zeros_like(x[0])
    for i in range(20):
        for j in range(24):
            want[i, j] = (p[i:i + 2 * r + 1, j:j + 2 * r + 1] * k2[..., None]).sum(axis=(0, 1))
    assert np.allclose(explain.blurred(x)[0], want, atol=1e-12)


def test_edge_maps_by_hand():
    x = np.zeros((1, 5, 6, 3))
    x[0, :, 3:] = 0.9                                       # a vertical step between columns 2 and 3
    e = explain.edge_maps(x)[0]
    assert np.allclose(e[:, [2, 3]], 4 * 0.9) and np.allclose(e[:, [0, 1, 4, 5]], 0), "(1+2+1) x the step"
    y = np.transpose(x, (0, 2, 1, 3))                       # the same step, horizontal
    assert np.allclose(explain.edge_maps(y)[0], e.T)
    x[0, 2, 0] = 1.0                                        # one bright pixel in the flat part
    e = explain.edge_maps(x)[0]
    # at (1, 0): below it 1 (the pixel, and its repeated copy left of the border) + 2 x 1 -> gy = 3; the
    # left column holds the copy (1) at its bottom, the right column nothing -> gx = -1
    assert np.isclose(e[1, 0], np.sqrt(10))


def test_average_drop_by_hand():
    model = sum_model()
    x = images(2, shape=(4, 4, 3))
    maps = np.zeros((2, 4, 4))
    maps[0, :2] = 2.0                                       # keep the top half (peak 2 -> mask 1)
    maps[1] = -1.0                                          # nothing positive: everything masked
    maps[1, 0, 0] = 0.5
    drop, increase = explain.average_drop(model, x, [0, 0], maps)
    p = x.reshape(2, -1).sum(axis=1)
    o = np.array([x[0, :2].sum(), x[1, 0, 0].sum()])
    assert np.allclose(drop, np.maximum(p - o, 0) / p) and not increase.any()
    negative = sum_model(weight=-1.0)                       # scores below 0: hiding pixels raises them
    drop, increase = explain.average_drop(negative, x, [0, 0], maps)
    assert np.allclose(drop, 0) and increase.all()


# ------------------------------------------------------------------------------------------ sanity check

def test_cascading_randomisation_changes_exactly_the_top_k_layers_and_never_the_model():
    model = tiny_models.functional()
    before = {layer.name: [v.copy() for v in layer.get_weights()] for layer in model.layers}
    chosen = ["scores", "c2", "c1"]
    clones = list(explain.cascading_randomisation(model, chosen, seed=0))
    assert [name for name, _ in clones] == chosen
    for k, (_, clone) in enumerate(clones, start=1):
        for layer in (lyr for lyr in model.layers if lyr.weights):
            mine, theirs = layer.get_weights(), clone.get_layer(layer.name).get_weights()
            differs = any(not np.array_equal(a, b) for a, b in zip(mine, theirs))
            assert differs == (layer.name in chosen[:k]), (k, layer.name)
    for layer in model.layers:   # the given model is untouched
        assert all(np.array_equal(a, b) for a, b in zip(before[layer.name], layer.get_weights()))
    # cumulative: the top layer's new weights are the same in every clone
    tops = [clone.get_layer("scores").get_weights()[0] for _, clone in clones]
    assert all(np.array_equal(tops[0], t) for t in tops[1:])


def test_rank_correlation_of_a_map_with_itself_is_one_and_drops_for_a_random_model():
    model, x = tiny_models.functional(), tiny_models.images(2)
    maps = explain.vanilla_gradient(model, x, [0, 1])
    assert np.allclose(explain.sanity_rank_correlation(maps, maps), 1.0)
    _, clone = next(iter(explain.cascading_randomisation(model, ["scores"])))
    other = explain.vanilla_gradient(clone, x, [0, 1])
    assert (explain.sanity_rank_correlation(maps, other) < 0.999).all()


# ------------------------------------------------------------------------------------------ bad inputs

@pytest.mark.parametrize("call, name", [
    (lambda m, x: explain.vanilla_gradient(m, x[0, :, :, 0], [0]), "images"),
    (lambda m, x: explain.vanilla_gradient(m, x * 255, [0, 1]), "images"),
    (lambda m, x: explain.gradient_times_input(m, x, [0, 7]), "class_index"),
    (lambda m, x: explain.vanilla_gradient("model.keras", x, [0, 1]), "model"),
    (lambda m, x: explain.integrated_gradients(m, x, [0, 1], steps=0), "steps"),
    (lambda m, x: explain.integrated_gradients(m, x, [0, 1], baseline=np.zeros((3, 3, 3))), "baseline"),
    (lambda m, x: explain.ig_completeness_error(m, x, [0, 1], steps=1.5), "steps"),
    (lambda m, x: explain.smoothgrad(m, x, [0, 1], noise=-0.1), "noise"),
    (lambda m, x: explain.smoothgrad(m, x, [0, 1], n_samples=0), "n_samples"),
    (lambda m, x: explain.occlusion(m, x, [0, 1], patch=9), "patch"),
    (lambda m, x: explain.occlusion(m, x, [0, 1], fill=2.0), "fill"),
    (lambda m, x: explain.grad_cam_plus_plus(m, x, [0, 1], layer="scores"), "layer"),
    (lambda m, x: explain.deletion_curve(m, x, [0, 1], np.zeros((2, 4, 4))), "maps"),
    (lambda m, x: explain.insertion_curve(m, x, [0, 1], np.zeros((2, 8, 8)), fill="zero"), "fill"),
    (lambda m, x: explain.mask_energy(np.zeros((2, 8, 8)), np.zeros((2, 4, 4))), "masks"),
    (lambda m, x: explain.pointing_in_mask(np.zeros((2, 8, 8)), np.full((2, 8, 8), 3)), "masks"),
    (lambda m, x: explain.pointing_in_mask(np.zeros((8, 8)), np.zeros((8, 8))), "maps"),
    (lambda m, x: explain.auc([[1.0]]), "curve"),
    (lambda m, x: explain.cascading_randomisation(m, ["c1", "scores"]), "layers_top_down"),
    (lambda m, x: explain.cascading_randomisation(m, ["nope"]), "layers_top_down"),
    (lambda m, x: explain.cascading_randomisation(m, ["gap"]), "layers_top_down"),
    (lambda m, x: explain.cascading_randomisation(m, "scores"), "layers_top_down"),
    (lambda m, x: explain.sanity_rank_correlation(np.zeros((2, 8, 8)), np.zeros((2, 8, 4))), "maps_b"),
])
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(InputError, match=f"^{name}: expected"):
        call(tiny_models.functional(), tiny_models.images(2))
