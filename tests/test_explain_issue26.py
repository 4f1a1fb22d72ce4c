"""Issue 26's additions to helpers.explain, each checked against a computation that does not use the function
under test: a tf.GradientTape in the test, numpy by hand, a brute-force loop, or a model built by hand.

* SmoothGrad's four forms ("paper", "abs", "squared", "var") and smoothgrad_forms;
* Ablation-CAM (against the full model with a channel multiplier, and the algebra on a linear head after GAP);
* cam_weights (features and gradients; on the course model's GAP head the gradient is flat in space);
* deletion / insertion with the black fill and a grid of fractions, auc over that grid, curve_fractions;
* independent_randomisation.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import cam, explain
from helpers.validate import InputError
from tests import tiny_models

L = keras.layers


@pytest.fixture(params=[explain.STACK, 3, 5], ids=["one-stack", "stacks-of-3", "stacks-of-5"])
def stacked(request, monkeypatch):
    """Variants (noisy copies, curve points) in one stacked batch or split over small ones: same answers."""
    monkeypatch.setattr(explain, "STACK", request.param)
    return request.param


from tests.test_explain import nonlinear_model  # noqa: E402  (the same small model test_explain checks)


def images(n=2, seed=1, shape=(8, 8, 3)):
    return np.random.default_rng(seed).uniform(0.05, 0.95, (n, *shape)).astype(np.float32)


def tape_gradients(score_model, x, cls):
    """d score[n, cls[n]] / d x by a GradientTape here (score_model: images -> scores before the softmax)."""
    x = tf.constant(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        s = score_model(x, training=False)
        picked = tf.reduce_sum(tf.gather(s, tf.constant(cls), axis=1, batch_dims=1))
    return tape.gradient(picked, x).numpy().astype(np.float64)


def logits_of(model):
    return keras.Model(model.input, model.get_layer("logits").output)


def bad(call, name, fix=True):
    with pytest.raises(InputError, match=f"^{name}: expected") as err:
        call()
    if fix:
        assert "; fix: " in str(err.value)


# ------------------------------------------------------------------------------------------ SmoothGrad forms

def test_smoothgrad_forms_by_hand_with_a_tape(stacked):
    model, x, cls = nonlinear_model(), images(2), [0, 2]
    S, noise, seed = 5, 0.2, 11
    e = np.random.default_rng(seed).standard_normal((S, *x.shape)) * noise   # the documented noise
    g = np.stack([tape_gradients(logits_of(model), (x + e[s]).astype(np.float32), cls) for s in range(S)])
    want = {"paper": np.abs(g.mean(axis=0)).max(axis=-1),
            "abs": np.abs(g).max(axis=-1).mean(axis=0),
            "squared": (g ** 2).mean(axis=0).max(axis=-1),
            "var": g.var(axis=0).max(axis=-1)}
    got = explain.smoothgrad_forms(model, x, cls, n_samples=S, noise=noise, seed=seed)
    assert set(got) == {"paper", "abs", "squared", "var"}
    for form, maps in want.items():
        scale = np.abs(maps).max()
        assert got[form].shape == (2, 8, 8) and got[form].dtype == np.float64
        assert np.allclose(got[form], maps, atol=1e-5 * scale), form
        one = explain.smoothgrad(model, x, cls, n_samples=S, noise=noise, seed=seed, form=form)
        assert np.array_equal(one, got[form]), f"{form}: smoothgrad and smoothgrad_forms must agree exactly"
    assert np.array_equal(explain.smoothgrad(model, x, cls, n_samples=S, noise=noise, seed=seed), got["paper"])
    # the forms really differ here (averaging first is not the mean magnitude)
    assert not np.allclose(got["paper"], got["abs"], atol=1e-3 * np.abs(want["abs"]).max())


def test_smoothgrad_forms_on_a_linear_model_are_closed_form():
    """The gradient of a linear score is the weight itself, whatever the noise: no variance, |w| and w**2."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    i = keras.Input((8, 8, 3))
    z = L.Dense(3, use_bias=False, name="logits")(L.Flatten()(i))
    model = keras.Model(i, L.Activation("softmax", name="predictions")(z))
    model.get_layer("logits").set_weights([w.reshape(-1, 3)])
    got = explain.smoothgrad_forms(model, images(2), [1, 2], n_samples=4, noise=0.3)
    wc = w[..., [1, 2]].transpose(3, 0, 1, 2).astype(np.float64)          # (2, 8, 8, 3)
    assert np.allclose(got["paper"], np.abs(wc).max(-1), atol=1e-6)
    assert np.allclose(got["abs"], np.abs(wc).max(-1), atol=1e-6)
    assert np.allclose(got["squared"], (wc ** 2).max(-1), atol=1e-5)
    assert np.allclose(got["var"], 0, atol=1e-10)


def test_smoothgrad_forms_share_the_noise_and_are_seeded():
    model, x = nonlinear_model(), images(2)
    a = explain.smoothgrad_forms(model, x, [0, 1], n_samples=3, noise=0.2, seed=4)
    b = explain.smoothgrad_forms(model, x, [0, 1], n_samples=3, noise=0.2, seed=4)
    c = explain.smoothgrad_forms(model, x, [0, 1], n_samples=3, noise=0.2, seed=5)
    for form in a:
        assert np.array_equal(a[form], b[form]) and not np.allclose(a[form], c[form]), form
    one = explain.smoothgrad_forms(model, x, [0, 1], n_samples=1, noise=0.2, seed=4)   # one copy: all from one g
    assert np.allclose(one["paper"], one["abs"]) and np.allclose(one["var"], 0)
    assert np.allclose(one["squared"], one["abs"] ** 2)


# ------------------------------------------------------------------------------------------ cam_weights

def test_cam_weights_by_hand_with_a_tape():
    model, x = tiny_models.functional(), tiny_models.images(3)
    cls = [2, 0, 1]
    tap = keras.Model(model.input, [model.get_layer("c2").output, model.output])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        features, scores = tap(xt, training=False)
        picked = tf.reduce_sum(tf.gather(scores, tf.constant(cls), axis=1, batch_dims=1))
    want_g = tape.gradient(picked, features).numpy()
    f, g = explain.cam_weights(model, x, cls, "c2")
    assert f.shape == g.shape == (3, 4, 4, 5) and f.dtype == g.dtype == np.float32
    assert np.allclose(f, features.numpy(), atol=1e-6) and np.allclose(g, want_g, atol=1e-6)
    f2, g2 = explain.cam_weights(model, x, cls, "c2")
    assert np.array_equal(f, f2) and np.array_equal(g, g2)
    fd, _ = explain.cam_weights(model, x, cls)                        # default: the last convolution (c2)
    assert np.array_equal(fd, f)


@pytest.fixture(scope="module")
def course():
    from helpers import course_model
    from helpers.scenes import generate_scenes

    model = course_model.load_course_model()
    scenes = generate_scenes(8, seed=course_model.TEST_SEED)
    return model, course_model.preprocess(scenes.images), scenes.labels


def spread(g):
    """Largest (max - min over positions) of a channel's gradient, relative to the largest |gradient|."""
    g = g.astype(np.float64)
    return float((g.max(axis=(1, 2)) - g.min(axis=(1, 2))).max() / np.abs(g).max())


def test_cam_weights_on_the_course_model_gradient_is_flat_only_before_the_gap(course):
    model, x, y = course
    _, g4 = explain.cam_weights(model, x[:4], y[:4], "block4_conv1")
    _, g3 = explain.cam_weights(model, x[:4], y[:4], "block3_conv1")
    assert g4.shape == (4, 8, 8, 128) and g3.shape == (4, 16, 16, 64)
    assert spread(g4) <= 1e-6 and spread(g3) > 0.1


# ------------------------------------------------------------------------------------------ Ablation-CAM

def by_hand_upsampled(m, size):
    peak = m.max(axis=(1, 2), keepdims=True)
    m = np.where(peak > 0, m / np.where(peak > 0, peak, 1), 0)
    out = tf.image.resize(m.astype(np.float32)[..., None], size, method="bilinear").numpy()[..., 0]
    return np.clip(out, 0, 1)


def test_ablation_cam_on_the_course_model_against_a_channel_multiplier(course):
    """The full model rebuilt by hand with a multiplier on block4_conv1's channels: y_k = that model with
    channel k multiplied by 0 (every layer run from the image, not from the features)."""
    model, x, y = course
    x, y = x[:2], y[:2]
    image = keras.Input((64, 64, 3))
    mult = keras.Input((128,))
    h = image
    for name in ("block1_conv1", "block1_pool", "block2_conv1", "block2_pool", "block3_conv1", "block3_pool",
                 "block4_conv1"):
        h = model.get_layer(name)(h)
    features = h
    h = L.Multiply()([h, L.Reshape((1, 1, 128))(mult)])
    for name in ("global_pool", "dropout", "dense", "logits"):
        h = model.get_layer(name)(h)
    full = keras.Model([image, mult], [features, h])
    K = 128
    masks = np.concatenate([np.ones((1, K)), 1 - np.eye(K)]).astype(np.float32)        # intact, then each k off
    want = []
    for n in range(2):
        A, scores = (t.numpy().astype(np.float64)
                     for t in full([np.repeat(x[n:n + 1], K + 1, axis=0), masks], training=False))
        s = scores[:, y[n]]
        w = (s[0] - s[1:]) / abs(s[0])
        want.append(np.maximum(np.einsum("hwk,k->hw", A[0], w), 0))
    want = by_hand_upsampled(np.stack(want), (64, 64))
    got = explain.ablation_cam(model, x, y)
    assert got.shape == (2, 64, 64) and got.dtype == np.float64
    assert np.allclose(got, want, atol=1e-4)
    assert np.array_equal(got, explain.ablation_cam(model, x, y, "block4_conv1"))      # the default layer


def test_ablation_cam_on_a_linear_head_after_gap_is_grad_cam_weighted_by_each_channel_sum():
    """tiny_models.functional: c2 -> GAP -> Dense. y - y_k = v[k, c] * mean(A_k) and Grad-CAM's channel weight
    is alpha_k = v[k, c] / (h w), so Ablation-CAM = relu(sum_k alpha_k * sum_ij A_k * A_k) / peak: Grad-CAM
    with each channel's weight multiplied by the channel's total activation -- not Grad-CAM itself."""
    model, x = tiny_models.functional(), tiny_models.images(4)
    cls = np.array([0, 1, 2, 1])
    features = keras.Model(model.input, model.get_layer("c2").output)(x).numpy().astype(np.float64)
    v = model.get_layer("scores").get_weights()[0].astype(np.float64)                  # (5, 3)
    alpha = v[:, cls].T / 16                                                            # Grad-CAM weights (4, 5)
    weights = alpha * features.sum(axis=(1, 2))
    want = by_hand_upsampled(np.maximum(np.einsum("nhwk,nk->nhw", features, weights), 0), (8, 8))
    got = explain.ablation_cam(model, x, cls, "c2")
    assert got.shape == (4, 8, 8)
    assert np.allclose(got, want, atol=1e-5)
    grad_cam = by_hand_upsampled(np.maximum(np.einsum("nhwk,nk->nhw", features, alpha), 0), (8, 8))
    assert not np.allclose(got, grad_cam, atol=1e-2), "the channel sums make a difference on this model"


def test_ablation_cam_runs_only_the_layers_after_the_chosen_one_and_takes_the_top_class():
    model, x = tiny_models.functional(), tiny_models.images(3)
    _, head = explain._head(model, model.get_layer("c2"))
    assert [type(layer).__name__ for layer in head.layers] == ["InputLayer", "GlobalAveragePooling2D", "Dense"]
    top = model(x).numpy().argmax(axis=1)
    assert np.array_equal(explain.ablation_cam(model, x), explain.ablation_cam(model, x, top, "c2"))
    seq = tiny_models.sequential_never_called()
    assert explain.ablation_cam(seq, x, [0, 1, 2]).shape == (3, 8, 8)


# ------------------------------------------------------------------------------------------ curves

def sum_model(side=4):
    i = keras.Input((side, side, 3))
    model = keras.Model(i, L.Dense(1, use_bias=False, name="sum")(L.Flatten()(i)))
    model.get_layer("sum").set_weights([np.ones((side * side * 3, 1), np.float32)])
    return model


def test_black_fill_and_fractions_by_hand():
    x = images(1, shape=(4, 4, 3))
    maps = np.arange(16, dtype=float)[::-1].reshape(1, 4, 4)
    maps[0, 0, 0], maps[0, 3, 3] = -1.0, 99.0
    order = [15] + list(range(1, 15)) + [0]
    px = x[0].reshape(16, 3).astype(np.float64)
    fractions = [0, 0.25, 0.3, 0.5, 1]                      # pixel counts round(f * 16) = 0, 4, 5, 8, 16
    counts = [0, 4, 5, 8, 16]
    deleted = [px.sum() - sum(px[p].sum() for p in order[:r]) for r in counts]
    inserted = [sum(px[p].sum() for p in order[:r]) for r in counts]
    model = sum_model()
    d = explain.deletion_curve(model, x, [0], maps, fill="black", fractions=fractions)
    i = explain.insertion_curve(model, x, [0], maps, fill="black", fractions=fractions)
    assert d.shape == i.shape == (1, 5)
    assert np.allclose(d[0], deleted, atol=1e-4) and np.allclose(i[0], inserted, atol=1e-4)
    assert np.isclose(d[0, -1], 0) and np.isclose(i[0, 0], 0)
    equal = explain.deletion_curve(model, x, [0], maps, fill="black", fractions=np.linspace(0, 1, 5))
    assert np.array_equal(equal, explain.deletion_curve(model, x, [0], maps, steps=4, fill="black"))


def brute_force_curve(model, x, cls, maps, fractions, fill, insert):
    """One image at a time, one pixel at a time, in the map's order (ties: raster order)."""
    out = np.zeros((len(x), len(fractions)))
    n, H, W, _ = x.shape
    for a in range(n):
        img = x[a].astype(np.float64)
        if fill == "black":
            empty = np.zeros_like(img)
        elif fill == "mean":
            empty = np.broadcast_to(x[a].mean(axis=(0, 1)), img.shape)
        else:
            empty = explain.blurred(x[a:a + 1])[0]
        ranked = sorted(range(H * W), key=lambda p: (-maps[a].reshape(-1)[p], p))
        for j, f in enumerate(fractions):
            changed = set(ranked[:int(np.round(f * H * W))])
            pic = np.empty_like(img)
            for p in range(H * W):
                r, c = divmod(p, W)
                pic[r, c] = (img if (p in changed) == insert else empty)[r, c]
            out[a, j] = model(pic[None].astype(np.float32)).numpy()[0, cls[a]]
    return out


@pytest.mark.parametrize("fill", ["black", "blur", "mean"])
def test_curves_against_a_brute_force_loop(fill, stacked):
    model, x = nonlinear_model(), images(3)
    maps = np.round(np.random.default_rng(2).random((3, 8, 8)), 1)          # ties on purpose
    fractions = explain.curve_fractions(fine=16, fine_until=0.25, coarse=4)  # 0, 1/16, ..., 4/16, 2/4, 3/4, 1: 8 points
    cls = [0, 1, 2]
    for insert, fn in ((False, explain.deletion_curve), (True, explain.insertion_curve)):
        got = fn(model, x, cls, maps, fill=fill, fractions=fractions)
        want = brute_force_curve(model, x, cls, maps, fractions, fill, insert)
        assert got.shape == (3, 8) and np.allclose(got, want, atol=1e-6), (fill, insert)


def test_fills_differ_and_blur_is_reused_across_calls():
    model, x = nonlinear_model(), images(2)
    maps = np.random.default_rng(0).random((2, 8, 8))
    ends = [explain.deletion_curve(model, x, [0, 1], maps, steps=2, fill=f)[:, -1] for f in ("black", "blur", "mean")]
    assert not np.allclose(ends[0], ends[1]) and not np.allclose(ends[1], ends[2])
    again = explain.deletion_curve(model, x, [0, 1], maps, steps=2, fill="blur")[:, -1]
    assert np.array_equal(again, ends[1])
    other = x.copy()
    other[0, 0, 0, 0] = 0.5                                          # other images: a fresh blur, not the cached one
    fresh = explain.insertion_curve(model, other, [0, 1], maps, steps=2, fill="blur")[:, 0]
    want = explain.insertion_curve(model, other, [0, 1], maps, steps=2, fill="mean")[:, 0]
    assert not np.allclose(fresh, want)
    probs = model(explain.blurred(other).astype(np.float32)).numpy()[[0, 1], [0, 1]]
    assert np.allclose(fresh, probs, atol=1e-6)


def test_auc_over_fractions_by_hand():
    assert explain.auc([1.0, 0.5, 0.0], fractions=[0, 0.25, 1]) == pytest.approx(0.25 * 0.75 + 0.75 * 0.25)
    c = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.2, 0.4, 3.0]])
    f = [0, 0.1, 0.5, 1]
    want = [sum((c[n, k] + c[n, k + 1]) / 2 * (f[k + 1] - f[k]) for k in range(3)) for n in range(2)]
    assert np.allclose(explain.auc(c, f), want)
    assert np.allclose(explain.auc(c, np.linspace(0, 1, 4)), explain.auc(c))


def test_curve_fractions_by_hand():
    got = explain.curve_fractions()
    want = [k / 64 for k in range(17)] + [k / 8 for k in range(3, 9)]
    assert got.dtype == np.float64 and len(got) == 23 and np.array_equal(got, want)
    assert np.allclose(explain.curve_fractions(10, 0.3, 4), [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0])
    assert np.allclose(explain.curve_fractions(64, 0, 4), [0, 0.25, 0.5, 0.75, 1.0])
    assert np.allclose(explain.curve_fractions(4, 1, 8), [0, 0.25, 0.5, 0.75, 1.0])
    assert np.array_equal(explain.curve_fractions(), explain.curve_fractions())


# ------------------------------------------------------------------------------------------ independent randomisation

def test_independent_randomisation_changes_exactly_one_layer_with_the_cascades_weights():
    model = tiny_models.functional()
    before = [v.copy() for v in model.get_weights()]
    chosen = ["scores", "c2", "c1"]
    clones = list(explain.independent_randomisation(model, chosen, seed=3))
    cascade = list(explain.cascading_randomisation(model, chosen, seed=3))
    assert [name for name, _ in clones] == chosen
    for i, (name, clone) in enumerate(clones):
        for layer in (lyr for lyr in model.layers if lyr.weights):
            mine, theirs = layer.get_weights(), clone.get_layer(layer.name).get_weights()
            differs = any(not np.array_equal(a, b) for a, b in zip(mine, theirs))
            assert differs == (layer.name == name), (name, layer.name)
        # seed + 1 + i, as the cascade: the same new weights as the cascade gives that layer
        for a, b in zip(clone.get_layer(name).get_weights(), cascade[i][1].get_layer(name).get_weights()):
            assert np.array_equal(a, b)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    again = dict(explain.independent_randomisation(model, chosen, seed=3))
    assert all(np.array_equal(a, b) for a, b in zip(again["c2"].get_weights(), clones[1][1].get_weights()))


# ------------------------------------------------------------------------------------------ bad inputs and caps

M, X = tiny_models.functional, tiny_models.images


@pytest.mark.parametrize("call, name, fix", [
    (lambda: explain.smoothgrad(M(), X(2), [0, 1], form="mean"), "form", False),
    (lambda: explain.smoothgrad(M(), X(2), [0, 1], form=None), "form", False),
    (lambda: explain.smoothgrad_forms(M(), X(2), [0, 1], n_samples=0), "n_samples", False),
    (lambda: explain.smoothgrad_forms(M(), X(2), [0, 1], noise=-1), "noise", False),
    (lambda: explain.smoothgrad_forms(M(), X(2), [0, 9]), "class_index", True),
    (lambda: explain.ablation_cam(M(), X(2), [0, 1], layer="scores"), "layer", True),
    (lambda: explain.ablation_cam(M(), X(2), [0, 1], layer="nope"), "layer", True),
    (lambda: explain.ablation_cam(tiny_models.nested_in_functional(), X(2), [0, 1]), "layer", True),
    (lambda: explain.ablation_cam(M(), X(2) * 255, [0, 1]), "images", True),
    (lambda: explain.cam_weights(M(), X(2), [0, 1], layer="gap"), "layer", True),
    (lambda: explain.cam_weights(M(), X(2), [0, 3]), "class_index", True),
    (lambda: explain.deletion_curve(M(), X(2), [0, 1], np.zeros((2, 8, 8)), fill="white"), "fill", False),
    (lambda: explain.deletion_curve(M(), X(2), [0, 1], np.zeros((2, 8, 8)), fractions=[0.1, 1]), "fractions", True),
    (lambda: explain.deletion_curve(M(), X(2), [0, 1], np.zeros((2, 8, 8)), fractions=[0, 0.9]), "fractions", True),
    (lambda: explain.insertion_curve(M(), X(2), [0, 1], np.zeros((2, 8, 8)), fractions=[0, 0.5, 0.5, 1]),
     "fractions", True),
    (lambda: explain.insertion_curve(M(), X(2), [0, 1], np.zeros((2, 8, 8)), fractions=[0]), "fractions", True),
    (lambda: explain.insertion_curve(M(), X(2), [0, 1], np.zeros((2, 8, 8)), fractions=np.linspace(0, 1, 5000)),
     "fractions", True),
    (lambda: explain.deletion_curve(M(), X(2), [0, 1], np.zeros((2, 8, 8)), 4, fractions=[0, 1]), "steps", True),
    (lambda: explain.auc([1, 0.5, 0], fractions=[0, 1]), "fractions", True),
    (lambda: explain.auc([1, 0.5, 0], fractions=[0, 0.7, 0.5]), "fractions", True),
    (lambda: explain.curve_fractions(fine=0), "fine", False),
    (lambda: explain.curve_fractions(fine=1.5), "fine", True),
    (lambda: explain.curve_fractions(fine_until=1.5), "fine_until", False),
    (lambda: explain.curve_fractions(coarse=10 ** 6), "coarse", False),
    (lambda: explain.independent_randomisation(M(), ["c1", "scores"]), "layers", True),
    (lambda: explain.independent_randomisation(M(), ["scores", "scores"]), "layers", True),
    (lambda: explain.independent_randomisation(M(), ["gap"]), "layers", True),
    (lambda: explain.independent_randomisation(M(), []), "layers", True),
    (lambda: explain.independent_randomisation(M(), "scores"), "layers", True),
    (lambda: explain.independent_randomisation(M(), ["scores"], seed=-1), "seed", False),
])
def test_bad_inputs_name_the_argument(call, name, fix):
    bad(call, name, fix)


def test_caps_are_checked_before_the_work(monkeypatch):
    model, x = M(), X(3)
    monkeypatch.setattr(explain, "MAX_ABLATIONS", 14)                   # 3 images x 5 channels = 15
    bad(lambda: explain.ablation_cam(model, x, [0, 1, 2]), "images")
    monkeypatch.setattr(explain, "MAX_ABLATIONS", 15)
    assert explain.ablation_cam(model, x, [0, 1, 2]).shape == (3, 8, 8)
    monkeypatch.setattr(cam, "MAX_VALUES", 2 * 3 * 4 * 4 * 5 - 1)      # features + gradients of 3 images at c2
    bad(lambda: explain.cam_weights(model, x, [0, 1, 2]), "images")
    monkeypatch.setattr(cam, "MAX_VALUES", 4 * 3 * 8 * 8 * 3 - 1)      # SmoothGrad's 4 running sums
    bad(lambda: explain.smoothgrad_forms(model, x, [0, 1, 2]), "images")


def test_new_names_are_exported():
    for name in ("smoothgrad_forms", "ablation_cam", "cam_weights", "curve_fractions", "independent_randomisation"):
        assert name in explain.__all__ and callable(getattr(explain, name))
