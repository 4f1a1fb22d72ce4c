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


def test_dead_at_start_matches_the_ascent():
    model = functional()
    conv = model.get_layer("c1")
    k, b = conv.get_weights()
    b[:2] = -100.0                                      # two filters that cannot fire on any 0-1 image
    conv.set_weights([k, b])
    dead = F.dead_at_start(model, ["c1", "c2"])
    for name in ("c1", "c2"):                           # independent: run the ascent itself
        ascent = F.filter_patterns(model, name, steps=3, step_size=0.03)
        assert dead[name].dtype == bool and np.array_equal(dead[name], ascent.dead)
    assert dead["c1"][:2].all()


@pytest.mark.parametrize("bad", ["c1", []])
def test_dead_at_start_bad_layers(bad):
    with pytest.raises((InputError, TypeError), match="layers"):
        F.dead_at_start(functional(), bad)


def test_trained_minus_untrained_matches_a_loop():
    rng = np.random.default_rng(3)
    trained = [rng.random(16), rng.random(32) + 0.2]
    twins = [[rng.random(16) for _ in range(3)], [rng.random(32) for _ in range(3)]]
    diffs, cis = F.trained_minus_untrained(trained, twins, draws=300, seed=5)
    loop = np.random.default_rng(5)                     # independent: the notebook's loop, by hand
    for t, tw, d, (lo, hi) in zip(trained, twins, diffs, cis):
        picks = loop.integers(0, len(tw), 300)
        draws = [np.median(loop.choice(t, len(t))) - np.median(loop.choice(tw[s], len(tw[s]))) for s in picks]
        assert np.isclose(d, np.median(t) - np.mean([np.median(u) for u in tw]))
        assert np.allclose((lo, hi), np.quantile(draws, [0.025, 0.975]))
    assert cis[1][0] > 0 > cis[0][0]                   # the shifted block is told from 0, the other is not


def test_trained_minus_untrained_bad_twins():
    with pytest.raises(InputError, match="twins"):
        F.trained_minus_untrained([np.ones(4)], [])
