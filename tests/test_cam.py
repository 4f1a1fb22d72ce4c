import keras
import numpy as np
import pytest

from helpers import cam

from tiny_models import KINDS, SHAPE, images


def softmax_model():
    i = keras.Input(SHAPE)
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="c1")(i)
    h = keras.layers.Conv2D(5, 3, padding="same", activation="relu", name="c2")(h)
    h = keras.layers.Flatten()(h)
    return keras.Model(i, keras.layers.Dense(3, activation="softmax", name="probs")(h), name="soft")


@pytest.mark.parametrize("kind", KINDS)
def test_batched_heatmaps_on_every_model_kind(kind, capsys):
    model = KINDS[kind]()
    x = images(6)
    r = cam.class_activation_maps(model, x, input_shape=SHAPE)
    assert "c2" in capsys.readouterr().out  # says which layer it chose
    assert r.layer == "c2" and r.heatmaps.shape == (6, 4, 4)
    assert np.isfinite(r.heatmaps).all() and r.heatmaps.min() >= 0 and r.heatmaps.max() <= 1
    # no class given: each image's top class, as the model itself predicts it
    assert np.array_equal(r.class_index, np.asarray(model(x)).argmax(axis=1))


def test_batch_equals_one_image_at_a_time():
    model = KINDS["functional"]()
    x = images(5)
    batch = cam.class_activation_maps(model, x, 1, "c1", verbose=False).heatmaps
    single = np.stack([cam.class_activation_maps(model, x[i:i + 1], 1, "c1", verbose=False).heatmaps[0]
                       for i in range(5)])
    assert np.allclose(batch, single, atol=1e-5)


def test_matches_a_hand_computed_grad_cam():
    import tensorflow as tf

    model = KINDS["functional"]()
    x = images(2)
    grad_model = keras.Model(model.input, [model.get_layer("c2").output, model.output])
    with tf.GradientTape() as tape:
        fmap, scores = grad_model(x)
        score = scores[:, 2]
    grads = tape.gradient(score, fmap).numpy()
    expected = np.maximum((fmap.numpy() * grads.mean(axis=(1, 2))[:, None, None, :]).mean(axis=-1), 0)
    expected = expected / np.maximum(expected.max(axis=(1, 2), keepdims=True), 1e-12)
    got = cam.class_activation_maps(model, x, 2, "c2", verbose=False).heatmaps
    assert np.allclose(got, expected, atol=1e-5)


@pytest.mark.filterwarnings("ignore:.*all zero")  # a random tiny model: some maps are empty, as they may be
def test_score_is_taken_before_the_softmax():
    model = softmax_model()
    x = images(3)
    before = cam.class_activation_maps(model, x, 0, "c2", verbose=False)
    after = cam.class_activation_maps(model, x, 0, "c2", verbose=False, before_softmax=False)
    assert not np.allclose(before.scores, np.asarray(model(x)))      # logits, not probabilities
    assert np.allclose(after.scores, np.asarray(model(x)), atol=1e-6)
    assert model.get_layer("probs").activation.__name__ == "softmax"  # restored


def test_after_a_save_load_round_trip(tmp_path):
    model = KINDS["nested_in_sequential"]()
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    x = images(2)
    a = cam.class_activation_maps(model, x, 0, "c2", verbose=False).heatmaps
    b = cam.class_activation_maps(again, x, 0, "c2", verbose=False).heatmaps
    assert np.allclose(a, b, atol=1e-6)


def test_all_zero_gradients_give_zero_maps_and_a_warning():
    model = KINDS["functional"]()
    dense = model.get_layer("scores")
    kernel, bias = dense.get_weights()
    dense.set_weights([np.zeros_like(kernel), bias])  # no channel influences any score
    with pytest.warns(UserWarning, match="all zero"):
        r = cam.class_activation_maps(model, images(2), 0, "c2", verbose=False)
    assert np.all(r.heatmaps == 0) and np.isfinite(r.heatmaps).all()


def test_layercam_runs():
    r = cam.class_activation_maps(KINDS["functional"](), images(2), 0, "c1", method="layercam", verbose=False)
    assert r.heatmaps.shape == (2, 8, 8) and np.isfinite(r.heatmaps).all()


@pytest.mark.parametrize("kwargs, message", [
    (dict(class_index=3), "out of range.*0..2"),
    (dict(class_index=0, layer="gap"), "no spatial map"),
    (dict(class_index=0, layer="nope"), "no layer named 'nope'"),
    (dict(class_index=0, method="magic"), "method"),
])
def test_bad_requests(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cam.class_activation_maps(KINDS["functional"](), images(1), verbose=False, **kwargs)


def test_pointing_game_and_box_from_heatmap():
    h = np.zeros((2, 8, 8), np.float32)
    h[0, 2, 6] = 1.0              # peak at x = 6.5/8, y = 2.5/8
    boxes = np.array([[0.8, 0.3, 0.2, 0.2], [0.5, 0.5, 0.5, 0.5]], np.float32)
    assert cam.pointing_game(h, boxes).tolist() == [True, False]   # an all-zero map points nowhere
    h[0, 2:4, 5:7] = 0.9
    box = cam.box_from_heatmap(h, 0.5)[0]
    assert np.allclose(box, [6 / 8, 3 / 8, 2 / 8, 2 / 8])


def test_rank_correlation_and_baselines():
    a = np.random.default_rng(0).random((3, 5, 5))
    assert np.allclose(cam.rank_correlation(a, a), 1.0)
    assert np.allclose(cam.rank_correlation(a, -a), -1.0)
    assert cam.center_heatmaps(2, 8).shape == (2, 8, 8)
    assert cam.pointing_game(cam.center_heatmaps(1, 8), np.array([[0.5, 0.5, 0.2, 0.2]])).all()


def test_overlay_and_upsample():
    img = np.zeros((8, 8, 3), np.uint8)
    out = cam.overlay(img, np.ones((4, 4), np.float32), 0.4)
    assert out.shape == (8, 8, 3) and out.dtype == np.uint8
    assert cam.upsample(np.ones((2, 4, 4)), 8).shape == (2, 8, 8)
    with pytest.raises(ValueError, match="intensity"):
        cam.overlay(img, np.ones((8, 8)), 1.5)
