"""layers.seeded_uniform / reinitialise: the same random weights on every Keras backend, equal to TensorFlow's.

The oracle is TensorFlow itself (the suite runs on it): ``tf.random.stateless_uniform`` and Keras's seeded
initializers. The parity suite (test_backend_parity.py) checks that JAX and PyTorch give the same twins.
"""

import numpy as np
import pytest

from helpers import layers


@pytest.mark.parametrize("seed", [0, 1, 7, 1000, 123_456, 2**31 - 3])
@pytest.mark.parametrize("shape", [(1,), (5,), (7, 5), (3, 3, 3, 16), (3, 3, 32, 64), (0, 4)])
def test_seeded_uniform_is_tensorflows_stateless_uniform(seed, shape):
    import tensorflow as tf

    ref = tf.random.stateless_uniform(shape, seed=[seed, 0]).numpy()
    ours = layers.seeded_uniform(shape, seed)
    assert ours.dtype == np.float32 and ours.shape == tuple(shape)
    assert np.array_equal(ours, ref)


@pytest.mark.parametrize("init", ["GlorotUniform", "HeUniform", "LecunUniform"])
@pytest.mark.parametrize("shape", [(128, 64), (3, 3, 32, 64), (64,)])
def test_uniform_variance_scaling_is_keras_with_tensorflow(init, shape):
    import keras

    initializer = getattr(keras.initializers, init)(seed=42)
    ref = keras.ops.convert_to_numpy(initializer(shape))
    ours = layers._uniform_variance_scaling(initializer, shape, 42)
    assert np.array_equal(ours, ref), f"{init} {shape}: max difference {np.abs(ours - ref).max()}"


def test_reinitialise_draws_glorot_kernels_and_zero_biases_as_keras_does():
    import keras

    layer = keras.layers.Dense(6)
    layer.build((None, 5))
    layers.reinitialise(layer, 11)
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in layer.weights)
    assert np.array_equal(kernel, keras.ops.convert_to_numpy(keras.initializers.GlorotUniform(seed=11)((5, 6))))
    assert not bias.any()
    other = keras.layers.Dense(6)
    other.build((None, 5))
    layers.reinitialise(other, 12)
    assert not np.array_equal(keras.ops.convert_to_numpy(other.weights[0]), kernel), "another seed, another draw"


def test_seeded_uniform_refuses_what_tensorflow_would_change():
    with pytest.raises(ValueError, match="seed"):
        layers.seeded_uniform((3,), 2**31 - 2)      # TensorFlow folds larger seeds (floormod 2^31 - 2)
    with pytest.raises(ValueError, match="seed"):
        layers.seeded_uniform((3,), -1)


@pytest.mark.parametrize("seed", [(0, 0), (1, 0), (-1, 5), (2**31 - 1, -(2**31)), (123_456, 789)])
def test_featurevis_draws_tensorflows_stateless_words_for_plain_and_tensor_seeds(seed):
    """The random jitter, zoom and turn draw TensorFlow's own first four words for a seed: plain ints through
    the NumPy Philox of helpers.layers, tensor seeds through featurevis's 16-bit-halves arithmetic."""
    import tensorflow as tf

    from helpers import featurevis

    ref = tf.random.stateless_uniform([4], seed=list(seed), minval=None, maxval=None, dtype=tf.uint32).numpy().tolist()
    plain = [(hi << 16) | lo for hi, lo in featurevis._stateless_words(*seed)]
    tensors = featurevis._stateless_words(*(tf.constant(s, tf.int32) for s in seed))
    traced = [(int(hi) << 16) | int(lo) for hi, lo in tensors]
    assert plain == ref and traced == ref
