"""helpers.gradients on functions whose gradients are known in closed form."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers.gradients import feature_gradients, rms_normalize, value_and_gradient


def test_a_vector_value_gives_each_example_its_own_gradient():
    x = np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]], np.float32)

    def per_example(t, scale):
        return scale * tf.reduce_sum(t ** 2, axis=1)        # (N,): the gradient of example n is 2 * scale * x[n]

    value, grad = value_and_gradient(per_example, x, 3.0)
    assert value.shape == (2,) and np.allclose(value, [3 * 14.0, 3 * 1.25])
    assert np.allclose(grad, 6 * x)                          # summed, not averaged, over the batch


def test_a_function_that_ignores_x_has_a_zero_gradient():
    x = np.ones((2, 3), np.float32)
    value, grad = value_and_gradient(lambda t: tf.constant(5.0), x)
    assert float(value) == 5.0 and grad.shape == (2, 3) and np.all(np.asarray(grad) == 0)


@pytest.mark.parametrize("as_tensor", [False, True])
def test_rms_normalize_per_example(as_tensor):
    g = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]], np.float32)  # RMS 5/sqrt(2), 0, 1
    out = rms_normalize(tf.constant(g) if as_tensor else g)
    out = np.asarray(out)
    assert np.allclose(out[0], g[0] / (5 / np.sqrt(2) + 1e-5))
    assert np.all(out[1] == 0)                                       # an all-zero gradient stays zero
    assert np.allclose(out[2], 1 / (1 + 1e-5))
    with_eps = np.asarray(rms_normalize(tf.constant(g) if as_tensor else g, eps=1.0))
    assert np.allclose(with_eps[2], 0.5)                             # the eps parameter is used
    batch = np.random.default_rng(0).standard_normal((2, 3, 4, 2)).astype(np.float32)
    normed = np.asarray(rms_normalize(tf.constant(batch) if as_tensor else batch))
    assert np.allclose(np.sqrt((normed ** 2).mean(axis=(1, 2, 3))), 1.0, atol=1e-4)   # each example, all axes


def test_feature_gradients_of_a_linear_score():
    """score = features . W: the gradient with respect to the features is W's column of the class."""
    x = np.random.default_rng(1).uniform(-1, 1, (3, 2, 2, 2)).astype(np.float32)
    w = np.random.default_rng(2).standard_normal((8, 3)).astype(np.float32)
    inputs = keras.Input((2, 2, 2))
    feats = keras.layers.Activation("linear", name="feats")(inputs)
    scores = keras.layers.Dense(3, use_bias=False, name="scores")(keras.layers.Flatten()(feats))
    tap = keras.Model(inputs, [feats, scores])
    tap.get_layer("scores").set_weights([w])
    z = x.reshape(3, 8) @ w
    f, s, g = feature_gradients(tap, x, np.array([2, 0, 1]))
    assert np.allclose(s, z, atol=1e-5) and np.allclose(f, x)
    for n, c in enumerate([2, 0, 1]):
        assert np.allclose(np.asarray(g[n]).ravel(), w[:, c], atol=1e-6)
    _, _, top = feature_gradients(tap, x)                     # None: each image's top class
    for n, c in enumerate(z.argmax(axis=1)):
        assert np.allclose(np.asarray(top[n]).ravel(), w[:, c], atol=1e-6)


def _quadratic_model(w):
    """scores[c] = sum_i w[i, c] * x_i ** 2 (then a softmax, which the helpers ignore when the layer is named)."""
    i = keras.Input((2, 2, 1))
    sq = keras.layers.Multiply()([i, i])
    out = keras.layers.Dense(w.shape[1], use_bias=False, name="scores")(keras.layers.Flatten()(sq))
    model = keras.Model(i, out)
    model.get_layer("scores").set_weights([w])
    return model


def test_class_scores_and_gradients_by_hand_across_chunks(monkeypatch):
    from helpers import gradients

    w = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    model = _quadratic_model(w)
    x = np.random.default_rng(2).uniform(-1, 1, (7, 2, 2, 1)).astype(np.float32)
    cls = np.array([0, 2, 1, 1, 0, 2, 2])
    monkeypatch.setattr(gradients, "GRADIENT_CHUNK", 3)        # 7 images: chunks of 3, 3 and 1
    monkeypatch.setattr(gradients, "FORWARD_CHUNK", 2)
    flat = x.reshape(7, 4).astype(np.float64)
    want_scores = np.array([(w[:, c] * flat[n] ** 2).sum() for n, c in enumerate(cls)])
    want_grads = np.array([2 * w[:, c] * flat[n] for n, c in enumerate(cls)]).reshape(x.shape)
    scores, grads = gradients.class_score_gradients(model, x, cls)
    assert np.allclose(scores, want_scores, atol=1e-5) and np.allclose(grads, want_grads, atol=1e-5)
    assert np.allclose(gradients.class_scores(model, x, cls), want_scores, atol=1e-5)
    # compiled once per model: new weights are seen (the graph reads the variables), another model gets its own
    model.get_layer("scores").set_weights([2 * w])
    assert np.allclose(gradients.class_scores(model, x, cls), 2 * want_scores, atol=1e-5)
    other = _quadratic_model(-w)
    assert np.allclose(gradients.class_scores(other, x, cls), -2 * want_scores / 2, atol=1e-5)


def test_compiled_functions_go_with_their_model():
    import gc

    from helpers import gradients

    model = _quadratic_model(np.ones((4, 2), np.float32))
    gradients.class_scores(model, np.ones((1, 2, 2, 1), np.float32), np.array([0]))
    key = id(model)
    assert key in gradients._COMPILED
    del model
    gc.collect()
    assert key not in gradients._COMPILED, "a deleted model's compiled functions must not be kept"
