"""The untrained twin (``helpers.layers.untrained_twin``): the course's control for claims about what layers learned.

Checked on tiny models of every kind and on the course convnet: the same architecture, weights drawn afresh from
each layer's own initializer (the Glorot bound and zero biases, computed here independently), the same twin for
the same seed, different twins for different seeds, the trained model untouched, Keras's global random state
untouched, and clear errors for wrong inputs.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import tiny_models
from helpers import layers
from helpers.validate import InputError


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.parametrize("kind", list(tiny_models.KINDS))
def test_same_architecture_fresh_weights_model_untouched(kind):
    model = tiny_models.KINDS[kind]()
    layers.ensure_built(model, tiny_models.SHAPE)
    before = _weights(model)
    twin = layers.untrained_twin(model, seed=0)
    assert [(l.name, tuple(np.shape(w)) ) for l in layers.all_layers(twin) for w in l.get_weights()] == \
        [(l.name, tuple(np.shape(w))) for l in layers.all_layers(model) for w in l.get_weights()]
    assert all(np.array_equal(a, b) for a, b in zip(_weights(model), before)), "the trained model is untouched"
    kernels = [(a, b) for a, b in zip(_weights(twin), before) if a.ndim > 1]
    assert kernels and all(not np.allclose(a, b) for a, b in kernels), "every kernel is new"
    out = twin(tiny_models.images(2))
    assert np.all(np.isfinite(np.asarray(out)))


def test_each_kernel_is_its_initializers_draw_and_biases_start_at_zero():
    model = tiny_models.functional()
    twin = layers.untrained_twin(model, seed=3)
    for layer in layers.all_layers(twin):
        if not layer.weights:
            continue
        kernel, bias = (np.asarray(w) for w in layer.get_weights())
        fan_in, fan_out = int(np.prod(kernel.shape[:-1])), int(np.prod(kernel.shape[:-2])) * kernel.shape[-1]
        if kernel.ndim == 2:
            fan_in, fan_out = kernel.shape
        bound = np.sqrt(6 / (fan_in + fan_out))                     # Glorot uniform, Keras's default
        assert np.abs(kernel).max() <= bound + 1e-6 and np.abs(kernel).max() > 0.5 * bound, layer.name
        assert np.all(bias == 0), layer.name


def test_the_same_seed_gives_the_same_twin_another_seed_another():
    model = tiny_models.functional()
    a, b, c = (layers.untrained_twin(model, seed=s) for s in (1, 1, 2))
    assert all(np.array_equal(x, y) for x, y in zip(_weights(a), _weights(b)))
    assert all(not np.array_equal(x, y) for x, y in zip(_weights(a), _weights(c)) if x.ndim > 1)
    layer_kernels = [np.asarray(l.get_weights()[0]) for l in layers.all_layers(a) if l.weights]
    assert not np.allclose(layer_kernels[0].ravel()[:20], layer_kernels[1].ravel()[:20]), \
        "each layer has its own seed"


def test_keras_global_random_state_is_left_alone():
    model = tiny_models.functional()
    keras.utils.set_random_seed(7)
    expected = np.asarray(keras.random.uniform((5,))), np.random.random(3)
    keras.utils.set_random_seed(7)
    layers.untrained_twin(model, seed=0)
    got = np.asarray(keras.random.uniform((5,))), np.random.random(3)
    assert np.allclose(got[0], expected[0]) and np.allclose(got[1], expected[1]), \
        "making a twin must not shift what a notebook draws next"


def test_the_course_convnet_twin_predicts_near_chance():
    from helpers import course_model
    from helpers.scenes import generate_scenes

    model = course_model.load_course_model()
    twin = layers.untrained_twin(model, seed=0)
    scenes = generate_scenes(200, seed=course_model.TEST_SEED)
    acc_trained, _ = course_model.evaluate(model, scenes)
    acc_twin, _ = course_model.evaluate(twin, scenes)
    assert acc_trained > 0.95 and acc_twin < 0.5


@pytest.mark.parametrize("call, words", [
    (lambda m: layers.untrained_twin(m, seed=-1), ["seed"]),
    (lambda m: layers.untrained_twin(m, seed=1.5), ["seed"]),
    (lambda m: layers.untrained_twin("model.keras", seed=0), ["model"]),
    (lambda m: layers.reinitialise(m.layers[1], seed=-3), ["seed"]),
])
def test_wrong_inputs_are_named(call, words):
    with pytest.raises(InputError) as err:
        call(tiny_models.functional())
    assert all(w in str(err.value) for w in words)
