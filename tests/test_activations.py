import keras
import numpy as np
import pytest

from helpers import activations as A
from helpers.layers import select_layers, tap_model

from tiny_models import KINDS, SHAPE, images


@pytest.mark.parametrize("kind", KINDS)
def test_every_model_kind_gives_its_layer_outputs(kind):
    model = KINDS[kind]()
    x = images()
    acts = A.compute_activations(model, x)
    assert list(acts) == ["c1", "p1", "c2"]
    assert acts["c1"].shape == (4, 8, 8, 4) and acts["p1"].shape == (4, 4, 4, 4) and acts["c2"].shape == (4, 4, 4, 5)
    # the taps share the model's weights: the last output equals the model's own prediction
    tapped = tap_model(model, select_layers(model, "c2"), input_shape=SHAPE)
    out = tapped(x)
    assert np.allclose(out[-1], model(x), atol=1e-6)
    # and the first conv layer's output is what the layer computes on the input
    c1 = select_layers(model, "c1")[0]
    assert np.allclose(acts["c1"], c1(x), atol=1e-5)


def test_keras_applications_model():
    model = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35)
    acts = A.compute_activations(model, np.zeros((1, 32, 32, 3), "float32"), ["Conv1", "out_relu"])
    assert acts["Conv1"].shape == (1, 16, 16, 16) and acts["out_relu"].shape[-1] == 1280


def test_after_a_save_load_round_trip(tmp_path):
    model = KINDS["nested_in_functional"]()
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    x = images()
    a, b = A.compute_activations(model, x, "c2"), A.compute_activations(again, x, "c2")
    assert np.allclose(a["c2"], b["c2"], atol=1e-6)


def test_choose_layers_by_name_type_and_count():
    model = KINDS["functional"]()
    assert [layer.name for layer in select_layers(model, 2)] == ["c1", "p1"]
    assert [layer.name for layer in select_layers(model, keras.layers.Conv2D)] == ["c1", "c2"]
    assert [layer.name for layer in select_layers(model, ["c2", "c1"])] == ["c2", "c1"]


def test_bad_choices_say_what_to_do():
    model = KINDS["functional"]()
    with pytest.raises(ValueError, match="no layer named 'conv9'.*c1, p1, c2"):
        select_layers(model, "conv9")
    with pytest.raises(ValueError, match="no LSTM layer"):
        select_layers(model, keras.layers.LSTM)
    with pytest.raises(ValueError, match="never been called.*input_shape"):
        select_layers(KINDS["sequential_never_called"](), "c1")
    with pytest.raises(ValueError, match="images: expected 8x8 images"):
        A.compute_activations(model, np.zeros((1, 16, 16, 3), "float32"))
    with pytest.raises(ValueError, match="NaN"):
        A.compute_activations(model, np.full((1, *SHAPE), np.nan, "float32"))


def test_blank_fraction_counts_all_zero_maps():
    a = np.zeros((2, 4, 4, 3), np.float32)
    a[0, 1, 1, 0] = 1.0
    assert A.blank_fraction(a) == pytest.approx(5 / 6)


def test_channel_tuning_recognises_an_edge_and_a_colour():
    rng = np.random.default_rng(0)
    x = rng.random((20, 16, 16, 3)).astype(np.float32) * 0.2
    x[:, :, 8:, :] += 0.6  # a vertical edge, brighter to the right
    maps = A.edge_and_colour_maps(x)
    fake = np.stack([maps[..., 0], maps[..., A.EDGE_NAMES.__len__() + A.COLOUR_NAMES.index("red")]], -1)
    tuning = A.channel_tuning(fake, x)
    assert tuning.shape == (2, 14)
    assert tuning[0].argmax() == 0 and tuning[0, 0] == pytest.approx(1.0)
    assert tuning[1].argmax() == 8 + A.COLOUR_NAMES.index("red")


def test_probe_finds_class_information_only_where_it_is():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 400)
    informative = np.eye(4)[y] + 0.1 * rng.standard_normal((400, 4))
    noise = rng.standard_normal((400, 4))
    assert A.probe_accuracy(informative[:300], y[:300], informative[300:], y[300:]) > 0.95
    assert A.probe_accuracy(noise[:300], y[:300], noise[300:], y[300:]) < 0.45


def test_edge_similarity_is_high_for_the_edges_themselves():
    rng = np.random.default_rng(2)
    x = rng.random((5, 16, 16, 3)).astype(np.float32)
    edges = A.edge_and_colour_maps(x)[..., :8].sum(-1, keepdims=True)
    assert A.edge_similarity(edges, x) == pytest.approx(1.0, abs=1e-5)
    assert A.edge_similarity(rng.random((5, 16, 16, 2)).astype(np.float32), x) < 0.5
