"""Gradients, taken in one place.

Keras 2's ``K.gradients`` / ``K.function`` do not exist in Keras 3. With the TensorFlow
backend a ``tf.GradientTape`` records the forward pass and returns the gradient of a
scalar (or a sum of per-image scalars) with respect to any tensor it watched.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import validate

__all__ = ["value_and_gradient", "feature_gradients", "rms_normalize"]


def value_and_gradient(fn: Callable, x, *extra):
    """Evaluate ``fn(x, *extra)`` and its gradient with respect to ``x``.

    ``fn`` returns either a scalar or a vector of per-example values; a vector is summed before
    differentiating, which gives every example the gradient of its *own* value (examples in a
    batch do not interact in an inference-mode convnet).

    Returns
    -------
    (value, gradient) as TensorFlow tensors; ``value`` keeps ``fn``'s shape.
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = fn(x, *extra)
        total = tf.reduce_sum(value)
    grad = tape.gradient(total, x)
    if grad is None:  # fn does not depend on x at all
        grad = tf.zeros_like(x)
    return value, grad


def feature_gradients(tap, x, class_index=None):
    """Features, class scores, and the gradient of each image's class score with respect to its features.

    Parameters
    ----------
    tap : keras.Model
        Maps images to ``[features, scores]`` (see :func:`helpers.layers.tap_model`).
    x : (N, H, W, C) images
    class_index : (N,) ints, or None for each image's top-scoring class

    The input is watched, so the gradient exists even when the model's weights are frozen.
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        features, scores = tap(x, training=False)
        cls = tf.argmax(scores, axis=1) if class_index is None else tf.convert_to_tensor(class_index)
        target = tf.gather(scores, cls, axis=1, batch_dims=1)   # (N,): each image's own class score
    grads = tape.gradient(target, features)
    if grads is None:
        grads = tf.zeros_like(features)
    return features, scores, grads


def rms_normalize(grad, eps: float = 1e-5):
    """Divide each example's gradient by its root-mean-square (+ eps): the slides' normalisation trick.

    Works on TensorFlow tensors and NumPy arrays shaped ``(N, ...)``; an all-zero gradient stays zero.
    """
    eps = validate.number(eps, "eps", low=0, low_open=True)
    if not hasattr(grad, "shape") or len(grad.shape) < 2:
        validate.fail("grad", "a batch of gradients shaped (N, ...)", validate.describe(grad),
                      "add a batch axis: grad[None]")
    if isinstance(grad, np.ndarray):
        axes = tuple(range(1, grad.ndim))
        return grad / (np.sqrt(np.mean(np.square(grad), axis=axes, keepdims=True)) + eps)
    import tensorflow as tf

    axes = list(range(1, len(grad.shape)))
    return grad / (tf.sqrt(tf.reduce_mean(tf.square(grad), axis=axes, keepdims=True)) + eps)
