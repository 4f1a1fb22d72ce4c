"""Issue 25 (notebook 02): helpers added for the untrained-twin control and the calibrations."""

import keras
import numpy as np
import pytest

from helpers import activations, filters as F, layers
from helpers.validate import InputError

from tiny_models import SHAPE, functional


def _images(n=5, seed=0):
    return np.random.default_rng(seed).random((n,) + SHAPE).astype(np.float32)


def test_pre_activations_match_a_copy_without_the_activation():
    model, x = functional(), _images()
    got = F.pre_activations(model, x, ["c1", "c2"], batch_size=2)
    for name in ("c1", "c2"):   # independent: a copy of the model with this one layer linear, run whole
        linear = layers.without_activation(model, [model.get_layer(name)])
        want = activations.compute_activations(linear, x, [name])[name]
        assert got[name].shape == want.shape
        assert np.allclose(got[name], want, atol=1e-5)
    # after the ReLU: the layer's own output
    relu = activations.compute_activations(model, x, ["c2"])["c2"]
    assert np.allclose(np.maximum(got["c2"], 0), relu, atol=1e-5)


def test_pre_activations_of_an_untrained_twin_differ():
    model, x = functional(), _images()
    twin = layers.untrained_twin(model, 0)
    a, b = F.pre_activations(model, x, ["c1"])["c1"], F.pre_activations(twin, x, ["c1"])["c1"]
    assert a.shape == b.shape and not np.allclose(a, b)


@pytest.mark.parametrize("bad, word", [("c1", "layers"), ([], "layers"), (["gap"], "convolution")])
def test_pre_activations_bad_layers(bad, word):
    with pytest.raises((InputError, ValueError, TypeError), match=word):
        F.pre_activations(functional(), _images(), bad)


def test_pre_activations_bad_images():
    with pytest.raises((InputError, ValueError, TypeError), match="images"):
        F.pre_activations(functional(), np.zeros((2, 8, 8)), ["c1"])
