"""Gradients, taken in one place.

Keras 2's ``K.gradients`` / ``K.function`` do not exist in Keras 3. With the TensorFlow
backend a ``tf.GradientTape`` records the forward pass and returns the gradient of a
scalar (or a sum of per-image scalars) with respect to any tensor it watched.
"""

from __future__ import annotations

import weakref
from typing import Callable

import numpy as np

from . import validate

__all__ = ["value_and_gradient", "feature_gradients", "rms_normalize", "class_scores", "class_score_gradients"]

#: Images per compiled call of :func:`class_scores` and :func:`class_score_gradients`.
FORWARD_CHUNK = 512
GRADIENT_CHUNK = 256
#: id(model) -> (weak reference to it, {"scores": tf.function, "gradients": tf.function}).
_COMPILED: dict = {}


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


def _first(out):
    return out[0] if isinstance(out, (list, tuple)) else out


def _compiled(model, kind: str):
    """One tf.function per model and kind, traced once for any batch size; it holds the model weakly (the
    traced graph keeps the weights), so an entry goes when its model does (e.g. the clones of a sanity check)."""
    import tensorflow as tf

    key = id(model)
    entry = _COMPILED.get(key)
    if entry is None or entry[0]() is not model:
        entry = _COMPILED[key] = (weakref.ref(model, lambda _, k=key: _COMPILED.pop(k, None)), {})
    functions = entry[1]
    if kind not in functions:
        ref = entry[0]

        def chosen(x, c):
            return tf.gather(_first(ref()(x, training=False)), c, axis=1, batch_dims=1)

        if kind == "scores":
            functions[kind] = tf.function(chosen, reduce_retracing=True)
        else:
            def with_gradient(x, c):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    value = chosen(x, c)
                    total = tf.reduce_sum(value)        # each image gets the gradient of its own value
                return value, tape.gradient(total, x)

            functions[kind] = tf.function(with_gradient, reduce_retracing=True)
    return functions[kind]


def class_scores(model, images: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """``model(images)[n, classes[n]]`` for every image (no gradient), compiled once per model, in chunks of
    :data:`FORWARD_CHUNK`. ``images`` float32 ``(N, H, W, C)``; ``classes`` ``(N,)`` ints. Used by
    :mod:`helpers.explain` (occlusion, deletion and insertion curves), where thousands of images go through
    one model."""
    import tensorflow as tf

    fn = _compiled(model, "scores")
    out = [fn(tf.constant(images[i:i + FORWARD_CHUNK], tf.float32),
              tf.constant(np.asarray(classes[i:i + FORWARD_CHUNK], np.int32))).numpy()
           for i in range(0, len(images), FORWARD_CHUNK)]
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


def class_score_gradients(model, images: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(scores (N,), d score / d images (N, H, W, C))`` for ``score[n] = model(images)[n, classes[n]]``,
    compiled once per model, in chunks of :data:`GRADIENT_CHUNK` (the same values as
    :func:`value_and_gradient` of that score, faster for many images). Used by :mod:`helpers.explain`."""
    import tensorflow as tf

    fn = _compiled(model, "gradients")
    scores, grads = [], []
    for i in range(0, len(images), GRADIENT_CHUNK):
        v, g = fn(tf.constant(images[i:i + GRADIENT_CHUNK], tf.float32),
                  tf.constant(np.asarray(classes[i:i + GRADIENT_CHUNK], np.int32)))
        scores.append(v.numpy())
        grads.append(g.numpy())
    return np.concatenate(scores).astype(np.float64), np.concatenate(grads).astype(np.float64)
