import keras
import numpy as np
import pytest

from helpers import filters as F
from helpers.gradients import rms_normalize, value_and_gradient

from tiny_models import KINDS, SHAPE


@pytest.mark.parametrize("kind", KINDS)
def test_ascent_raises_the_activation_on_every_model_kind(kind):
    model = KINDS[kind]()
    r = F.filter_patterns(model, "c2", steps=10, step_size=0.05, input_shape=SHAPE)
    assert r.images.shape == (5, 8, 8, 3) and r.images.dtype == np.uint8
    assert r.history.shape == (11, 5)
    live = ~r.dead
    assert live.any() and np.all(r.activation_after[live] > r.activation_before[live])


def test_batched_gives_the_same_pictures_as_one_at_a_time():
    model = KINDS["functional"]()
    a = F.filter_patterns(model, "c2", [0, 2, 4], steps=8, batched=True)
    b = F.filter_patterns(model, "c2", [0, 2, 4], steps=8, batched=False)
    assert np.allclose(a.inputs, b.inputs, atol=1e-5) and np.allclose(a.history, b.history, atol=1e-5)


def test_a_filter_that_never_fires_is_reported_dead_and_pre_activation_wakes_it():
    model = KINDS["functional"]()
    conv = model.get_layer("c1")
    kernel, bias = conv.get_weights()
    bias[0] = 1.0     # filter 0 is on everywhere: it always has a gradient to follow
    bias[1] = -100.0  # filter 1 can never get above zero on inputs in [0, 1]
    conv.set_weights([kernel, bias])
    r = F.filter_patterns(model, "c1", steps=5)
    assert r.dead[1] and not r.dead[0]
    assert np.all(np.isfinite(r.gain()))
    woken = F.filter_patterns(model, "c1", [1], steps=5, pre_activation=True)
    assert woken.activation_after[0] > woken.activation_before[0]
    assert conv.activation is keras.activations.relu  # the layer is left as it was


def test_after_a_save_load_round_trip(tmp_path):
    model = KINDS["nested_in_functional"]()
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    a = F.filter_patterns(model, "c2", [1], steps=4)
    b = F.filter_patterns(again, "c2", [1], steps=4)
    assert np.allclose(a.inputs, b.inputs, atol=1e-5)


def test_regularised_ascent_runs_and_stays_finite():
    r = F.filter_patterns(KINDS["functional"](), "c2", [0, 1], steps=6, jitter=1, blur_every=2)
    assert np.isfinite(r.inputs).all()


@pytest.mark.parametrize("layer, filters, message", [
    ("nope", None, "no layer named 'nope'"),
    ("p1", None, "not a convolution"),
    ("c2", [5], "out of range.*0..4"),
    ("c2", [], "non-empty"),
])
def test_bad_requests(layer, filters, message):
    with pytest.raises(ValueError, match=message):
        F.filter_patterns(KINDS["functional"](), layer, filters, steps=1)


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
