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

    if not callable(fn):
        validate.fail("fn", "a function of x returning a value per example (or one scalar)", validate.describe(fn),
                      "pass the function itself, without calling it", kind=validate.InputTypeError)
    _inputs(x, "x")
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

    if not callable(tap):
        validate.fail("tap", "a model mapping images to [features, scores] (helpers.layers.tap_model)",
                      validate.describe(tap), kind=validate.InputTypeError)
    _inputs(x, "x", rank=4)
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
    if isinstance(grad, np.ndarray) and (grad.dtype == object or not np.issubdtype(grad.dtype, np.number)):
        validate.fail("grad", "an array of numbers", validate.describe(grad), kind=validate.InputTypeError)
    validate.finite_if_concrete(grad, "grad", "a NaN gradient normalises to NaN: check the model's input "
                                "(gradients of a model's output are finite for finite inputs)")
    if isinstance(grad, np.ndarray):
        axes = tuple(range(1, grad.ndim))
        return grad / (np.sqrt(np.mean(np.square(grad), axis=axes, keepdims=True)) + eps)
    import tensorflow as tf

    axes = list(range(1, len(grad.shape)))
    return grad / (tf.sqrt(tf.reduce_mean(tf.square(grad), axis=axes, keepdims=True)) + eps)


def _first(out):
    return out[0] if isinstance(out, (list, tuple)) else out


def _inputs(x, name: str, rank: int | None = None) -> None:
    """A concrete input (NumPy or an eager tensor) is numbers, finite, not uint8 pixels, of the given rank; a
    symbolic one (inside a ``tf.function``) passes unread."""
    if isinstance(x, (str, bytes, dict)) or x is None:
        validate.fail(name, "an array or tensor of numbers", validate.describe(x), kind=validate.InputTypeError)
    if not isinstance(x, (np.ndarray, list, tuple)):
        validate.finite_if_concrete(x, name)
        return
    arr = validate.array(x, name, dtype=None, ndim=rank, finite=True)
    if arr.dtype == np.uint8:
        validate.fail(name, "model inputs scaled like training (floats, about 0..1)", "uint8 pixels 0..255",
                      "pass course_model.preprocess(images)")


def _chunk(images: np.ndarray, chunk: int) -> int:
    """Images per compiled call: ``chunk`` scenes of 64x64 or fewer; larger images go in smaller chunks, so that a
    chunk's activations stay the size of a chunk of scenes' (the same chunks as before for 64x64 and smaller)."""
    pixels = int(np.prod(images.shape[1:3])) if images.ndim >= 3 else 1
    return max(1, min(chunk, chunk * 64 * 64 // max(pixels, 1)))


def _scored(model, images, classes, name: str = "images") -> tuple[np.ndarray, np.ndarray]:
    """The checked arguments of :func:`class_scores` and :func:`class_score_gradients`: float images ``(N, H, W,
    C)`` (or features of a layer, any scale, ``(N, ...)``), finite, never uint8 pixels; ``(N,)`` whole-number
    classes within the model's outputs."""
    if not callable(model):
        validate.fail("model", "a keras.Model (or a function of the images) returning class scores (batch, classes)",
                      validate.describe(model), kind=validate.InputTypeError)
    x = validate.array(images, name, dtype=None, ndim=(2, 3, 4, 5))
    if x.dtype == np.uint8:
        validate.fail(name, "model inputs scaled like training (floats, about 0..1)", "uint8 pixels 0..255",
                      "pass course_model.preprocess(images)")
    try:
        outputs = model.outputs
        shape = tuple(_first(outputs).shape) if outputs else None
    except (AttributeError, TypeError, ValueError):     # a function, or a Sequential never called: not checked
        shape = None
    if shape is not None and len(shape) != 2:
        validate.fail("model", "a model whose output is class scores shaped (batch, classes)",
                      f"model {getattr(model, 'name', '?')!r} with output shape {shape}", "pass an image classifier")
    n_classes = int(shape[-1]) if shape is not None and shape[-1] is not None else 2 ** 31 - 1
    cls = validate.class_index(classes, "classes", n_classes, n=len(x))
    if cls is None:
        validate.fail("classes", f"one class index per image ({len(x)})", "None", "e.g. scenes.labels",
                      kind=validate.InputTypeError)
    return x.astype(np.float32, copy=False), cls


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

    images, classes = _scored(model, images, classes)
    fn = _compiled(model, "scores")
    chunk = _chunk(images, FORWARD_CHUNK)
    out = [fn(tf.constant(images[i:i + chunk], tf.float32),
              tf.constant(np.asarray(classes[i:i + chunk], np.int32))).numpy()
           for i in range(0, len(images), chunk)]
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


def class_score_gradients(model, images: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(scores (N,), d score / d images (N, H, W, C))`` for ``score[n] = model(images)[n, classes[n]]``,
    compiled once per model, in chunks of :data:`GRADIENT_CHUNK` (the same values as
    :func:`value_and_gradient` of that score, faster for many images). Used by :mod:`helpers.explain`."""
    import tensorflow as tf

    images, classes = _scored(model, images, classes)
    fn = _compiled(model, "gradients")
    scores, grads = [], []
    chunk = _chunk(images, GRADIENT_CHUNK)
    for i in range(0, len(images), chunk):
        v, g = fn(tf.constant(images[i:i + chunk], tf.float32),
                  tf.constant(np.asarray(classes[i:i + chunk], np.int32)))
        scores.append(v.numpy())
        grads.append(g.numpy())
    return np.concatenate(scores).astype(np.float64), np.concatenate(grads).astype(np.float64)
