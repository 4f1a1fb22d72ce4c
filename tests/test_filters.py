import keras
import numpy as np
import pytest

from helpers import filters as F
from helpers.filters import BlurEvery, Jitter, Transform
from helpers.gradients import rms_normalize, value_and_gradient

from tiny_models import KINDS, SHAPE

# ------------------------------------------------------------------------------------------
# an independent ascent: eager TensorFlow for the gradient, NumPy for everything else
# ------------------------------------------------------------------------------------------


def _start(filters, seed=0, noise=0.08):
    return np.stack([0.5 + noise * (np.random.default_rng([seed, f]).random(SHAPE, dtype=np.float32) - 0.5)
                     for f in filters]).astype(np.float32)


def _np_blur(x, sigma):
    r = max(1, int(round(2 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    p = np.pad(x, ((0, 0), (r, r), (r, r), (0, 0)), mode="reflect")
    n = x.shape[1]
    rows = sum(k[i] * p[:, :, i:i + x.shape[2]] for i in range(2 * r + 1))      # along the width
    return sum(k[i] * rows[:, i:i + n] for i in range(2 * r + 1)).astype(np.float32)  # then the height


def _filter_output(model, layer, pre):
    """images -> (N, h, w, F) output of ``layer`` of the functional tiny model; ``pre``: before its ReLU,
    computed by hand from the layer's input and weights."""
    import tensorflow as tf

    conv = model.get_layer(layer)
    if not pre:
        return keras.Model(model.input, conv.output)
    feed = keras.Model(model.input, conv.input)
    kernel, bias = (tf.constant(w) for w in conv.get_weights())
    return lambda x: tf.nn.conv2d(feed(x), kernel, 1, "SAME") + bias


def reference_ascent(model, layer, filters, steps, step_size, *, pre=False, jitter=0, blur=(0, 0.7), seed=0):
    """What filter_patterns should compute, one filter at a time: (inputs, history)."""
    import tensorflow as tf

    out = _filter_output(model, layer, pre)
    shifts = np.random.default_rng([seed, 7]).integers(-jitter, jitter + 1, size=(steps, 2)) if jitter else None
    every, sigma = blur
    xs, hist = [], []
    for f in filters:
        x = _start([f], seed)
        h = []
        for s in range(steps):
            seen = np.roll(x, tuple(shifts[s]), axis=(1, 2)) if jitter else x
            t = tf.constant(seen)
            with tf.GradientTape() as tape:
                tape.watch(t)
                value = tf.reduce_mean(out(t)[..., f])
            g = tape.gradient(value, t).numpy()
            if jitter:
                g = np.roll(g, tuple(-shifts[s]), axis=(1, 2))
            x = x + step_size * g / (np.sqrt(np.mean(g ** 2)) + 1e-5)
            if every and (s + 1) % every == 0:
                x = _np_blur(x, sigma)
            h.append(float(value))
        h.append(float(tf.reduce_mean(out(tf.constant(x))[..., f])))
        xs.append(x[0])
        hist.append(h)
    return np.stack(xs), np.array(hist).T


def _same(result, expected, atol=1e-4):
    inputs, history = expected
    return (np.allclose(result.inputs, inputs, atol=atol, rtol=1e-4)
            and np.allclose(result.history, history, atol=atol, rtol=1e-4))


# Filters out of order: a wrong gather (axis, or order of the result) gives another filter's picture.
CASES = {
    "plain": (dict(steps=6, step_size=0.05), dict(steps=6, step_size=0.05)),
    "jitter+blur": (dict(steps=6, step_size=0.04, transforms=[Jitter(2), BlurEvery(3, sigma=0.8)], seed=2),
                    dict(steps=6, step_size=0.04, jitter=2, blur=(3, 0.8), seed=2)),
    "pre-activation": (dict(steps=6, step_size=0.05, objective="pre_activation"),
                       dict(steps=6, step_size=0.05, pre=True)),
}


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "one_at_a_time"])
@pytest.mark.parametrize("case", CASES)
def test_the_ascent_is_the_hand_written_loop(case, batched):
    model = KINDS["functional"]()
    options, expected = CASES[case]
    r = F.filter_patterns(model, "c2", [3, 0, 4], batched=batched, **options)
    assert list(r.filters) == [3, 0, 4] and r.layer == "c2"
    assert _same(r, reference_ascent(model, "c2", [3, 0, 4], **expected))


def test_step_size_and_filter_choice_matter():
    """The comparison above is sharp enough: another step size or another filter gives another result."""
    model = KINDS["functional"]()
    r = F.filter_patterns(model, "c2", [3], steps=6, step_size=0.05)
    assert not _same(r, reference_ascent(model, "c2", [3], steps=6, step_size=0.02))
    assert not _same(r, reference_ascent(model, "c2", [2], steps=6, step_size=0.05))


def test_blur_every_k_steps_not_every_step_nor_never():
    model = KINDS["functional"]()
    r = F.filter_patterns(model, "c1", [1, 2], steps=6, step_size=0.05, transforms=[BlurEvery(3, sigma=1.0)])
    assert _same(r, reference_ascent(model, "c1", [1, 2], steps=6, step_size=0.05, blur=(3, 1.0)))
    assert not _same(r, reference_ascent(model, "c1", [1, 2], steps=6, step_size=0.05, blur=(1, 1.0)))
    assert not _same(r, reference_ascent(model, "c1", [1, 2], steps=6, step_size=0.05))


def test_jitter_rolls_the_gradient_back():
    model = KINDS["functional"]()
    r = F.filter_patterns(model, "c1", [0, 3], steps=5, step_size=0.05, transforms=Jitter(3), seed=1)
    assert _same(r, reference_ascent(model, "c1", [0, 3], steps=5, step_size=0.05, jitter=3, seed=1))


def test_a_filter_that_never_fires_is_reported_dead_and_pre_activation_wakes_it():
    model = KINDS["functional"]()
    conv = model.get_layer("c1")
    kernel, bias = conv.get_weights()
    bias[0] = 1.0     # filter 0 is on everywhere: it always has a gradient to follow
    bias[1] = -100.0  # filter 1 can never get above zero on inputs in [0, 1]
    conv.set_weights([kernel, bias])
    r = F.filter_patterns(model, "c1", steps=5)
    assert r.dead[1] and not r.dead[0]
    assert np.all(r.history[:, 1] == 0) and np.array_equal(r.inputs[1], _start([1])[0])  # no gradient, no change
    assert np.all(np.isfinite(r.gain()))
    woken = F.filter_patterns(model, "c1", [1], steps=5, objective="pre_activation")
    assert np.all(np.diff(woken.history[:, 0]) > 0) and woken.history[0, 0] < -90  # climbs from about -100
    assert _same(woken, reference_ascent(model, "c1", [1], steps=5, step_size=0.02, pre=True))
    assert conv.activation is keras.activations.relu  # the layer is left as it was


@pytest.mark.parametrize("kind", KINDS)
def test_ascent_raises_the_activation_on_every_model_kind(kind):
    model = KINDS[kind]()
    r = F.filter_patterns(model, "c2", steps=10, step_size=0.05, input_shape=SHAPE)
    assert r.images.shape == (5, 8, 8, 3) and r.images.dtype == np.uint8
    assert r.history.shape == (11, 5)
    live = ~r.dead
    assert live.any() and np.all(r.activation_after[live] > r.activation_before[live])
    pre = F.filter_patterns(model, "c2", [0, 1], steps=3, objective="pre_activation", input_shape=SHAPE)
    assert _same(pre, reference_ascent(KINDS["functional"](), "c2", [0, 1], steps=3, step_size=0.02, pre=True))


def test_after_a_save_load_round_trip(tmp_path):
    model = KINDS["nested_in_functional"]()
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    for options in (dict(), dict(objective="pre_activation", transforms=[Jitter(1), BlurEvery(2)])):
        a = F.filter_patterns(model, "c2", [1], steps=4, **options)
        b = F.filter_patterns(again, "c2", [1], steps=4, **options)
        assert np.allclose(a.inputs, b.inputs, atol=1e-5)


def test_a_model_for_any_image_size_needs_input_shape():
    keras.utils.set_random_seed(0)
    i = keras.Input((None, None, 3))
    model = keras.Model(i, keras.layers.Conv2D(2, 3, activation="relu", name="c")(i))
    with pytest.raises(ValueError, match="any size.*input_shape"):
        F.filter_patterns(model, "c", steps=1)
    r = F.filter_patterns(model, "c", steps=2, input_shape=(12, 10, 3))
    assert r.inputs.shape == (2, 12, 10, 3)
    with pytest.raises(ValueError, match="does not fit"):
        F.filter_patterns(KINDS["functional"](), "c2", steps=1, input_shape=(16, 16, 3))


def test_a_transform_of_ones_own():
    class Brighten(Transform):
        """Adds 0.5 after every step: nothing else changes."""

        def after_step(self, x, p):
            return x + 0.5

    model = KINDS["functional"]()
    plain = F.filter_patterns(model, "c1", [0], steps=1, step_size=0.05)
    bright = F.filter_patterns(model, "c1", [0], steps=1, step_size=0.05, transforms=[Brighten()])
    assert np.allclose(bright.inputs, plain.inputs + 0.5, atol=1e-6)


@pytest.mark.parametrize("layer, filters, options, error, message", [
    ("nope", None, {}, ValueError, "no layer named 'nope'"),
    ("p1", None, {}, ValueError, "not a convolution"),
    ("c2", [5], {}, ValueError, "filter indices in 0..4"),
    ("c2", [], {}, ValueError, "non-empty"),
    ("c2", None, dict(step_size=0), ValueError, "step_size: expected a number > 0"),
    ("c2", None, dict(objective="pre_relu"), ValueError, "objective: expected one of"),
    ("c2", None, dict(transforms=["jitter"]), TypeError, "^transforms: expected Transform objects.*'jitter'"),
    ("c2", None, dict(transforms=3), TypeError, "^transforms: expected a list of Transform objects"),
    ("c2", None, dict(transforms="jitter"), TypeError, "^transforms: expected a list of Transform objects"),
])
def test_bad_requests(layer, filters, options, error, message):
    with pytest.raises(error, match=message):
        F.filter_patterns(KINDS["functional"](), layer, filters, steps=1, **options)


def test_bad_transforms():
    with pytest.raises(ValueError, match="whole number"):
        Jitter(1.5)
    with pytest.raises(ValueError, match="every: expected a whole number in 1.."):
        BlurEvery(0)
    assert repr([Jitter(2), BlurEvery(4)]) == "[Jitter(2), BlurEvery(4, sigma=0.7)]"


def test_gradient_helpers():
    import tensorflow as tf

    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    value, grad = value_and_gradient(lambda t: tf.reduce_sum(t * t, axis=1), x)
    assert np.allclose(grad, 2 * x.numpy())
    g = rms_normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(np.sqrt((g[0] ** 2).mean()), 1.0, atol=1e-4) and np.all(g[1] == 0)


def test_deprocess_and_complexity_measure():
    x = np.random.default_rng(0).random((2, 16, 16, 3)).astype(np.float32)
    out = F.deprocess(x)
    assert out.dtype == np.uint8 and out.shape == x.shape
    from helpers.activations import edge_and_colour_maps

    maps = edge_and_colour_maps(x)
    r2 = F.explained_by_edges_and_colours(np.stack([maps[..., 0], np.random.default_rng(1).random((2, 16, 16))], -1), x)
    assert r2[0] > 0.9 and r2[1] < 0.2


def _r2_by_lstsq(y, features, l2):
    """Ridge R² of ``y`` on standardised ``features`` plus an intercept, as an augmented least-squares problem:
    rows sqrt(l2 * N) * I appended (the intercept unpenalised)."""
    n, k = features.shape
    z = (features - features.mean(0)) / features.std(0)
    aug_x = np.vstack([np.hstack([z, np.ones((n, 1))]),
                       np.hstack([np.sqrt(l2 * n) * np.eye(k), np.zeros((k, 1))])])
    aug_y = np.concatenate([y, np.zeros(k)])
    w, *_ = np.linalg.lstsq(aug_x, aug_y, rcond=None)
    resid = y - np.hstack([z, np.ones((n, 1))]) @ w
    return 1 - resid.var() / y.var()


def test_complexity_measure_is_a_ridge_on_standardised_features_by_hand():
    from helpers.activations import edge_and_colour_maps

    rng = np.random.default_rng(5)
    x = rng.random((3, 8, 8, 3)).astype(np.float32)
    act = rng.random((3, 4, 4, 2)).astype(np.float32)
    maps = edge_and_colour_maps(x).astype(np.float64)
    pooled = maps.reshape(3, 4, 2, 4, 2, -1).mean(axis=(2, 4))
    padded = np.pad(pooled, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    hood = np.mean([padded[:, 1 + dy:5 + dy, 1 + dx:5 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)
    feats = np.concatenate([pooled, hood], -1).reshape(48, -1)
    keep = feats.std(0) > 1e-12
    for l2 in (1e-3, 0.5):
        want = [_r2_by_lstsq(act[..., c].reshape(-1).astype(np.float64), feats[:, keep], l2) for c in range(2)]
        got = F.explained_by_edges_and_colours(act, x, l2=l2)
        assert got == pytest.approx(np.clip(want, 0, 1), abs=1e-6)


def test_complexity_measure_does_not_depend_on_how_faint_the_edges_are():
    """A filter that is exactly an edge map is explained as well in a low-contrast image (fainter features):
    without standardising, the same penalty would shrink the fit more there."""
    from helpers.activations import edge_and_colour_maps

    x = np.random.default_rng(6).random((2, 16, 16, 3)).astype(np.float32)
    faint = (0.45 + 0.05 * x).astype(np.float32)
    r2 = []
    for img in (x, faint):
        edge = edge_and_colour_maps(img)[..., 0]
        noise = np.random.default_rng(7).normal(0, edge.std(), edge.shape)
        r2.append(F.explained_by_edges_and_colours(np.stack([edge + noise], -1), img, l2=0.05)[0])
    assert r2[0] == pytest.approx(r2[1], abs=1e-6) and 0.3 < r2[0] < 0.7
