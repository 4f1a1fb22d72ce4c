"""Gradients, taken in one place -- on any Keras 3 backend.

Keras 3 has no backend-neutral gradient (Keras 2's ``K.gradients`` is gone and ``keras.ops`` has no ``grad``), so
every gradient in the course goes through this module, which holds one small adapter per backend:

* TensorFlow (the default): a ``tf.GradientTape`` records the forward pass; ``tf.function`` compiles.
* JAX: ``jax.value_and_grad`` of a function of the input; ``jax.jit`` compiles.
* PyTorch: ``torch.autograd.grad`` on a tensor that requires a gradient; runs eagerly.

Everything else in the helpers is ``keras.ops``. :func:`value_and_gradient` (a function's value and its gradient
with respect to its input) and :func:`compiled` (the backend's compiler) are the two calls the other modules use;
:func:`feature_gradients` gives the gradient with respect to a *layer's* output, for Grad-CAM (its three branches are
the rest of the backend-specific code). Notebooks 02, 03, 06 and 07 call them; 02 shows the active backend's
adapter (:func:`adapter_source`) in a collapsed cell.
"""

from __future__ import annotations

import contextlib
import inspect
import weakref
from typing import Callable

import numpy as np

from . import validate

__all__ = ["backend", "compiled", "value_and_gradient", "feature_gradients", "rms_normalize", "class_scores",
           "class_score_gradients", "to_numpy", "to_tensor", "adapter_source"]

#: Images per compiled call of :func:`class_scores` and :func:`class_score_gradients`.
FORWARD_CHUNK = 512
GRADIENT_CHUNK = 256
#: id(model) -> (weak reference to it, {"scores": compiled function, "gradients": compiled function}).
_COMPILED: dict = {}


def backend() -> str:
    """The active Keras backend: ``"tensorflow"``, ``"jax"`` or ``"torch"``."""
    import keras

    return keras.backend.backend()


def _array_like(x, name: str = "x") -> None:
    if x is None or isinstance(x, (str, bytes, dict, set)) or not (hasattr(x, "shape") or isinstance(
            x, (list, tuple, int, float, np.number, np.bool_))):
        validate.fail(name, "an array or a tensor of numbers", validate.describe(x), kind=validate.InputTypeError)


def to_numpy(x) -> np.ndarray:
    """A backend tensor (or anything array-like) as a NumPy array (detached from any gradient record)."""
    import keras

    _array_like(x)
    return np.asarray(keras.ops.convert_to_numpy(x))


# ------------------------------------------------------------------------------------------
# the three adapters (with feature_gradients and compiled below: the backend-specific code of the course)
# ------------------------------------------------------------------------------------------

def _tensorflow_value_and_gradient(fn: Callable, x, *extra):
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)                       # the input is not a variable: watch it
        value = fn(x, *extra)
        total = tf.reduce_sum(value)        # each example gets the gradient of its own value
    grad = tape.gradient(total, x)
    return value, (tf.zeros_like(x) if grad is None else grad)


def _jax_value_and_gradient(fn: Callable, x, *extra):
    import jax
    import jax.numpy as jnp

    def total(x_):
        value = fn(x_, *extra)
        return jnp.sum(value), value        # differentiate the sum, keep the values

    (_, value), grad = jax.value_and_grad(total, has_aux=True)(jnp.asarray(x))
    return value, grad


def _torch_value_and_gradient(fn: Callable, x, *extra):
    import keras
    import torch

    x = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
    with torch.enable_grad():
        value = fn(x, *extra)
        (grad,) = torch.autograd.grad(value.sum(), x, allow_unused=True)
    return value.detach(), (torch.zeros_like(x) if grad is None else grad)


_ADAPTERS = {"tensorflow": _tensorflow_value_and_gradient, "jax": _jax_value_and_gradient,
             "torch": _torch_value_and_gradient}


def adapter_source(name: str | None = None) -> str:
    """The source of one backend's gradient adapter (default: the active backend's), as the notebooks show it."""
    name = backend() if name is None else validate.choice(name, "name", tuple(_ADAPTERS))
    return inspect.getsource(_ADAPTERS[name])


def compiled(fn: Callable, variables=None) -> Callable:
    """``fn`` compiled by the active backend: ``tf.function`` (retraced as rarely as possible), ``jax.jit``, or
    ``fn`` itself on PyTorch (eager). Arguments that are not arrays (e.g. ``None``) must be the same on every
    call of a compiled function.

    ``variables``: the Keras variables ``fn`` reads (e.g. ``model.weights``). TensorFlow's graph and PyTorch read
    a variable's current value on every call; ``jax.jit`` would bake the values it saw when tracing into the
    compiled code, so on JAX they are passed in on every call instead (through ``keras.StatelessScope``): a
    model trained or re-randomised after compiling is seen as it is now. Give them whenever the weights can change.
    """
    if not callable(fn):
        validate.fail("fn", "a function to compile", validate.describe(fn), kind=validate.InputTypeError)
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, reduce_retracing=True)
    if name == "jax":
        import jax
        import keras

        if variables is None:
            return jax.jit(fn)
        variables = list(variables)

        def pure(values, *args):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return fn(*args)

        jitted = jax.jit(pure)

        def call(*args):
            return jitted([v.value for v in variables], *args)

        return call
    return fn


def value_and_gradient(fn: Callable, x, *extra):
    """Evaluate ``fn(x, *extra)`` and its gradient with respect to ``x``, on the active backend.

    ``fn`` returns either a scalar or a vector of per-example values; a vector is summed before
    differentiating, which gives every example the gradient of its *own* value (examples in a
    batch do not interact in an inference-mode convnet). Works eagerly and inside :func:`compiled`.

    Returns
    -------
    (value, gradient) as tensors of the active backend; ``value`` keeps ``fn``'s shape. A ``fn`` that does not
    depend on ``x`` has a zero gradient.
    """
    if not callable(fn):
        validate.fail("fn", "a function of x returning a value per example (or one scalar)", validate.describe(fn),
                      "pass the function itself, without calling it", kind=validate.InputTypeError)
    _inputs(x, "x")
    return _ADAPTERS[backend()](fn, x, *extra)


@contextlib.contextmanager
def _plus(layer, delta):
    """While open, ``layer``'s output is its output + ``delta`` (JAX's way to a gradient with respect to a
    layer's output: differentiate with respect to ``delta`` at zero; the model runs as it is, nested or not)."""
    original = layer.call

    def call(*args, **kwargs):
        return original(*args, **kwargs) + delta

    object.__setattr__(layer, "call", call)
    try:
        yield
    finally:
        object.__delattr__(layer, "call")


def _chosen_scores(scores, class_index):
    import keras

    ops = keras.ops
    cls = ops.argmax(scores, axis=1) if class_index is None else ops.convert_to_tensor(class_index)
    cls = ops.cast(ops.reshape(cls, (-1, 1)), "int32")
    return ops.take_along_axis(scores, cls, axis=1)[:, 0]        # (N,): each image's own class score


def to_tensor(x):
    """A NumPy array as a tensor of the active backend (compiled functions take tensors, never NumPy)."""
    import keras

    _array_like(x)
    return keras.ops.convert_to_tensor(x)


def _producer(tensor):
    """The layer whose output ``tensor`` is, looking inside nested models (a tap of a layer inside a nested model
    reads it through that model's outputs: the perturbation must go on the layer itself, where the rest of the
    nested model reads it too)."""
    import keras

    history = getattr(tensor, "_keras_history", None)
    while history is not None:
        operation, _, index = history
        if not isinstance(operation, keras.Model):
            return operation
        outputs = operation.outputs if isinstance(operation.outputs, (list, tuple)) else [operation.outputs]
        history = getattr(outputs[index], "_keras_history", None)
    return None


def feature_gradients(tap, x, class_index=None, layer=None):
    """Features, class scores, and the gradient of each image's class score with respect to its features.

    Parameters
    ----------
    tap : keras.Model
        Maps images to ``[features, scores]`` (see :func:`helpers.layers.tap_model`).
    x : (N, H, W, C) images
    class_index : (N,) ints, or None for each image's top-scoring class
    layer : keras.layers.Layer, optional
        The layer whose output the features are (default: the one that makes ``tap``'s first output). Only JAX
        needs it: TensorFlow's tape and PyTorch's autograd differentiate with respect to the features tensor
        itself, JAX with respect to a zero added to that layer's output.

    The input is watched, so the gradient exists even when the model's weights are frozen. Returns backend
    tensors; works eagerly and inside :func:`compiled`. On JAX a layer called more than once in one forward pass
    gets the sum of the gradients at its calls (TensorFlow and PyTorch: the tensor ``tap`` returns).
    """
    import keras

    if not callable(tap):
        validate.fail("tap", "a model mapping images to [features, scores] (helpers.layers.tap_model)",
                      validate.describe(tap), kind=validate.InputTypeError)
    _inputs(x, "x", rank=4)
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            features, scores = tap(x, training=False)
            target = _chosen_scores(scores, class_index)
        grads = tape.gradient(target, features)
        return features, scores, (tf.zeros_like(features) if grads is None else grads)
    if name == "torch":
        import torch

        x = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)   # so a graph exists for frozen weights
        with torch.enable_grad():
            features, scores = tap(x, training=False)
            target = _chosen_scores(scores, class_index)
            (grads,) = torch.autograd.grad(target.sum(), features, allow_unused=True)
        grads = torch.zeros_like(features) if grads is None else grads
        return features.detach(), scores.detach(), grads
    import jax
    import jax.numpy as jnp

    x = jnp.asarray(x)
    layer = _producer(tap.outputs[0]) if layer is None and hasattr(tap, "outputs") else layer
    if layer is None:
        validate.fail("layer", "the layer whose output the features are (needed on JAX)", "None",
                      "pass layer=the target layer", kind=validate.InputTypeError)
    shape = tuple(tap.outputs[0].shape[1:])
    if any(d is None for d in shape):          # a model for any image size: the features' size from a forward pass
        shape = tuple(tap(x, training=False)[0].shape[1:])
    shape = (x.shape[0],) + tuple(int(d) for d in shape)

    def total(delta):
        with _plus(layer, delta):
            features, scores = tap(x, training=False)
        return jnp.sum(_chosen_scores(scores, class_index)), (features, scores)

    grads, (features, scores) = jax.grad(total, has_aux=True)(jnp.zeros(shape, x.dtype))
    return features, scores, grads


def rms_normalize(grad, eps: float = 1e-5):
    """Divide each example's gradient by its root-mean-square (+ eps): the slides' normalisation trick.

    Works on tensors of any backend and NumPy arrays shaped ``(N, ...)``; an all-zero gradient stays zero.
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
    import keras

    ops = keras.ops
    axes = tuple(range(1, len(grad.shape)))
    return grad / (ops.sqrt(ops.mean(ops.square(grad), axis=axes, keepdims=True)) + eps)


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
    """One compiled function per model and kind (:func:`compiled`: traced once for any batch size on
    TensorFlow, once per chunk shape on JAX); it holds the model weakly (the traced graph keeps the weights), so
    an entry goes when its model does (e.g. the clones of a sanity check)."""
    key = id(model)
    entry = _COMPILED.get(key)
    if entry is None or entry[0]() is not model:
        entry = _COMPILED[key] = (weakref.ref(model, lambda _, k=key: _COMPILED.pop(k, None)), {})
    functions = entry[1]
    if kind not in functions:
        ref = entry[0]

        def chosen(x, c):
            return _chosen_scores(_first(ref()(x, training=False)), c)

        weights = getattr(model, "weights", None)
        if kind == "scores":
            functions[kind] = compiled(chosen, weights)
        else:
            functions[kind] = compiled(lambda x, c: _ADAPTERS[backend()](chosen, x, c), weights)
    return functions[kind]


def class_scores(model, images: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """``model(images)[n, classes[n]]`` for every image (no gradient), compiled once per model, in chunks of
    :data:`FORWARD_CHUNK`. ``images`` float32 ``(N, H, W, C)``; ``classes`` ``(N,)`` ints. Used by
    :mod:`helpers.explain` (occlusion, deletion and insertion curves), where thousands of images go through
    one model."""
    images, classes = _scored(model, images, classes)
    fn = _compiled(model, "scores")
    chunk = _chunk(images, FORWARD_CHUNK)
    out = [to_numpy(fn(to_tensor(images[i:i + chunk]), to_tensor(np.asarray(classes[i:i + chunk], np.int32))))
           for i in range(0, len(images), chunk)]
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


def class_score_gradients(model, images: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(scores (N,), d score / d images (N, H, W, C))`` for ``score[n] = model(images)[n, classes[n]]``,
    compiled once per model, in chunks of :data:`GRADIENT_CHUNK` (the same values as
    :func:`value_and_gradient` of that score, faster for many images). Used by :mod:`helpers.explain`."""
    images, classes = _scored(model, images, classes)
    fn = _compiled(model, "gradients")
    scores, grads = [], []
    chunk = _chunk(images, GRADIENT_CHUNK)
    for i in range(0, len(images), chunk):
        v, g = fn(to_tensor(images[i:i + chunk]), to_tensor(np.asarray(classes[i:i + chunk], np.int32)))
        scores.append(to_numpy(v))
        grads.append(to_numpy(g))
    return np.concatenate(scores).astype(np.float64), np.concatenate(grads).astype(np.float64)
