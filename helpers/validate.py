"""Shared input checks for every public helper: the same wrong input gets the same clear message everywhere.

Each check names the argument, says what was expected and what came, and how to fix it, e.g.::

    images: expected model inputs scaled like training (floats, about 0..1), got uint8 pixels 0..255;
    fix: pass course_model.preprocess(images)

Errors are :class:`InputError` (a ``ValueError``) for a wrong value and :class:`InputTypeError` (also a
``TypeError``) for a wrong kind of object. Nothing here imports TensorFlow unless a model is checked.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

__all__ = ["InputError", "InputTypeError", "describe", "fail", "integer", "number", "choice", "array", "images",
           "uint8_images", "boxes", "points", "class_index", "scene_objects", "model", "file_path", "finite_if_concrete",
           "at_most", "in_unit_range", "MAX_SCENES", "MAX_STEPS"]

#: Hard limits on what cannot fit in a laptop's memory or a lesson's time.
MAX_SCENES = 200_000          # 64x64 scenes: 2.5 GB of uint8 pixels
MAX_STEPS = 10_000            # gradient-ascent steps


class InputError(ValueError):
    """A public helper got a value it cannot use; the message says which argument, what and how to fix it."""


class InputTypeError(InputError, TypeError):
    """A public helper got the wrong kind of object for an argument (both a ``TypeError`` and a ``ValueError``)."""


def describe(value: Any) -> str:
    """A short description of what was passed: type, shape and dtype, or a short repr."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"a {type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def fail(name: str, expected: str, got: str, fix: str | None = None, *, kind: type = InputError):
    """Raise ``kind`` with the course's message format."""
    raise kind(f"{name}: expected {expected}, got {got}" + (f"; fix: {fix}" if fix else ""))


# ------------------------------------------------------------------------------------------
# numbers and choices
# ------------------------------------------------------------------------------------------

def integer(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """A whole number (not a bool, not 1.7, not "3") within ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            fail(name, "a whole number", describe(value), "pass an int", kind=InputTypeError)
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        span = f"in {low}..{high}" if low is not None and high is not None else (
            f">= {low}" if low is not None else f"<= {high}")
        fail(name, f"a whole number {span}", str(v))
    return v


def number(value: Any, name: str, *, low: float | None = None, high: float | None = None,
           low_open: bool = False) -> float:
    """A finite real number within ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        fail(name, "a number", describe(value), kind=InputTypeError)
    v = float(value)
    if not np.isfinite(v):
        fail(name, "a finite number", str(v))
    if low is not None and (v < low or (low_open and v == low)):
        fail(name, f"a number {'>' if low_open else '>='} {low}" + (f" and <= {high}" if high is not None else ""),
             str(v))
    if high is not None and v > high:
        fail(name, f"a number <= {high}", str(v))
    return v


def choice(value: Any, name: str, options: Sequence[str]) -> str:
    """One of a few named options."""
    if not isinstance(value, str) or value not in options:
        fail(name, "one of " + ", ".join(repr(o) for o in options), describe(value))
    return value


# ------------------------------------------------------------------------------------------
# arrays
# ------------------------------------------------------------------------------------------

def array(value: Any, name: str, *, dtype=np.float64, ndim: int | Sequence[int] | None = None,
          last: int | None = None, finite: bool = True, nonempty: bool = True) -> np.ndarray:
    """A numeric array (lists are fine), of the given rank(s) and last-axis length, finite."""
    if value is None:
        fail(name, "an array", "None", kind=InputTypeError)
    if isinstance(value, (str, bytes, dict)):
        fail(name, "an array of numbers", describe(value), kind=InputTypeError)
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        fail(name, "an array of numbers with one shape", describe(value) + " (ragged: items of different sizes)",
             kind=InputTypeError)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        fail(name, "an array of numbers", describe(value), kind=InputTypeError)
    ranks = (ndim,) if isinstance(ndim, int) else tuple(ndim) if ndim is not None else None
    if ranks is not None and arr.ndim not in ranks:
        fail(name, f"an array with {' or '.join(str(r) for r in ranks)} dimensions", f"shape {arr.shape}")
    if last is not None and (arr.ndim == 0 or arr.shape[-1] != last):
        fail(name, f"an array whose last axis has {last} entries", f"shape {arr.shape}")
    if nonempty and arr.size == 0:
        fail(name, "a non-empty array", f"shape {arr.shape}")
    out = arr.astype(dtype, copy=False) if dtype is not None else arr
    if finite and np.issubdtype(out.dtype, np.floating) and not np.isfinite(out).all():
        fail(name, "finite values", "NaN or infinite values", "remove or replace them before the call")
    return out


def uint8_images(value: Any, name: str = "images", *, channels: int | None = 3) -> np.ndarray:
    """Raw pictures: uint8 ``(N, H, W, C)`` or one ``(H, W, C)`` (returned as a batch)."""
    arr = array(value, name, dtype=None, ndim=(3, 4))
    if arr.dtype != np.uint8:
        if np.issubdtype(arr.dtype, np.floating) and arr.min() >= 0 and arr.max() <= 1:
            fail(name, "uint8 pixels 0..255", f"{arr.dtype} values in [0, 1] (already scaled?)",
                 "pass the raw uint8 images; the helper scales them")
        if np.issubdtype(arr.dtype, np.integer) and arr.max() > 255:
            fail(name, "uint8 pixels 0..255", f"{arr.dtype} values up to {arr.max()} (16-bit?)",
                 "convert to 8 bits, e.g. (image // 257).astype('uint8')")
        fail(name, "uint8 pixels 0..255", f"dtype {arr.dtype}", "use image.astype('uint8') if they are 0..255")
    if arr.ndim == 3:
        arr = arr[None]
    if channels is not None and arr.shape[-1] != channels:
        fail(name, f"RGB images with {channels} channels (N, H, W, {channels})", f"shape {arr.shape}",
             "convert grayscale or RGBA pictures with helpers.images.to_rgb_batch")
    return arr


def images(value: Any, name: str = "images", *, model: Any = None, unit_range: bool | None = None) -> np.ndarray:
    """Model inputs: a finite float batch ``(N, H, W, C)`` (one ``(H, W, C)`` image becomes a batch of one).

    Parameters
    ----------
    model : keras.Model, optional
        Checks the channels and (for a fixed input size) the height and width against the model's input.
    unit_range : bool, optional
        Inputs must look like the course's scaling (0..1): uint8 arrays and 0..255 floats are refused with the
        fix. Default: on, unless the model starts with a ``Rescaling`` layer (it takes raw pixels itself) or its
        inputs are centred (negative values, e.g. ImageNet ``preprocess_input``).
    """
    if model is not None and unit_range is None:
        unit_range = not _takes_raw_pixels(model)
    arr = array(value, name, dtype=None, ndim=(3, 4))
    if unit_range is not False and arr.dtype == np.uint8:
        fail(name, "model inputs scaled like training (floats, about 0..1)", "uint8 pixels 0..255",
             "pass course_model.preprocess(images)")
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        fail(name, "finite values", "NaN or infinite values", "remove or replace them before the call")
    if arr.ndim == 3:
        arr = arr[None]
    if unit_range is not False and arr.min() >= 0 and arr.max() > 1.5:
        fail(name, "model inputs scaled like training (about 0..1)", f"values up to {arr.max():.0f} (0..255 pixels?)",
             "pass course_model.preprocess(uint8 images)")
    if model is not None:
        shape = _input_shape(model)
        if shape is not None and len(shape) != 4:
            fail("model", "a model that takes images (batch, height, width, channels)",
                 f"model {model.name!r} with input shape {shape}", "pass an image model, e.g. the course convnet")
        if shape is not None:
            want = tuple(shape[-3:])
            got = arr.shape[1:]
            if want[-1] is not None and got[-1] != want[-1]:
                fail(name, f"images with {want[-1]} channels, as model {model.name!r} takes", f"shape {arr.shape}",
                     "convert grayscale or RGBA pictures with helpers.images.to_rgb_batch")
            if None not in want[:2] and got[:2] != want[:2]:
                fail(name, f"{want[0]}x{want[1]} images, as model {model.name!r} takes",
                     f"{got[0]}x{got[1]} (shape {arr.shape})", "resize them, e.g. images.to_rgb_batch(..., size=...)")
    return arr


def _input_shape(model) -> tuple | None:
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape)


def _takes_raw_pixels(model) -> bool:
    from .layers import all_layers

    try:
        first = [layer for layer in all_layers(model)][:2]
    except Exception:  # noqa: BLE001  (a model whose layers cannot be listed: no exemption)
        return False
    return any(type(layer).__name__ in ("Rescaling", "Normalization") for layer in first)


def boxes(value: Any, name: str = "boxes", *, single: bool | None = None) -> np.ndarray:
    """Boxes ``(bx, by, bh, bw)`` as fractions of the image: ``(4,)`` or ``(N, 4)``, finite, sizes >= 0, in [0, 1]."""
    ranks = (1,) if single else (2,) if single is False else (1, 2)
    b = array(value, name, ndim=ranks, last=4)
    if (b[..., 2:] < 0).any():
        bad = b[(b[..., 2:] < 0).any(-1)] if b.ndim == 2 else b
        fail(name, "box heights and widths >= 0 (bx, by, bh, bw)",
             f"a negative size in {np.atleast_2d(bad)[:1].tolist()}")
    if b.max() > 1.0 + 1e-6 or b.min() < -1e-6:
        fail(name, "boxes as fractions of the image (bx, by, bh, bw in 0..1)",
             f"values from {b.min():.3g} to {b.max():.3g}" + (" (pixels?)" if b.max() > 1.5 else ""),
             "divide pixel coordinates by the image size")
    return b


def points(value: Any, name: str = "points", *, k: int | None = None, slack: float = 0.0) -> np.ndarray:
    """Landmarks ``(..., K, 2)`` as ``(x, y)`` fractions of the image, finite, in [0, 1] (``± slack``: predictions
    may stray a little outside the image; pixel coordinates never pass)."""
    p = array(value, name, ndim=(2, 3))
    if p.shape[-1] != 2:
        fail(name, "landmarks as (x, y) pairs, shape (N, K, 2) or (K, 2)", f"shape {p.shape}",
             "turn flat vectors [x1, y1, x2, y2, ...] into pairs with landmarks.decode_landmarks(vectors)")
    if k is not None and p.shape[-2] != k:
        fail(name, f"{k} landmarks as (x, y) pairs, shape (N, {k}, 2) or ({k}, 2)", f"shape {p.shape}",
             f"reshape flat vectors (N, {2 * k}) with landmarks.decode_landmarks")
    if p.min() < -slack - 1e-6 or p.max() > 1 + slack + 1e-6:
        fail(name, "landmark coordinates as fractions of the image (0..1)",
             f"values from {p.min():.3g} to {p.max():.3g}" + (" (pixels?)" if p.max() > 1.5 else ""),
             "divide pixel coordinates by the image size")
    return p


def class_index(value: Any, name: str, n_classes: int, *, n: int | None = None, what: str = "class",
                owner: str = "the model") -> np.ndarray | None:
    """0-based indices (of classes, filters, ...): None, one int, or one per image (``n`` of them) -> int array."""
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or (
            np.issubdtype(arr.dtype, np.floating) and np.isfinite(arr).all() and np.all(arr == np.round(arr)))):
        fail(name, f"whole-number {what} indices (0-based)", describe(value),
             "pass ints, e.g. scenes.labels" if what == "class" else "pass ints", kind=InputTypeError)
    arr = arr.astype(np.int64)
    if arr.ndim > 1 or (arr.ndim == 1 and n is not None and len(arr) != n):
        fail(name, f"one {what} index or {n} of them (one per image)", f"shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        bad = int(arr.max() if arr.max() >= n_classes else arr.min())
        plural = what + ("es" if what.endswith("s") else "s")
        fail(name, f"{what} indices in 0..{n_classes - 1} ({owner} has {n_classes} {plural})",
             f"{bad}, which is out of range", f"use 0..{n_classes - 1} ({what} indices count from 0)")
    return np.broadcast_to(arr, (n,)).copy() if n is not None else arr


def scene_objects(value: Any, name: str = "objects", per: str = "scene") -> list:
    """Each image's list of :class:`~helpers.scenes.SceneObject` (``scenes.objects``): a non-empty list of lists."""
    from .scenes.schema import SceneObject

    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or not len(value):
        fail(name, f"a non-empty list of each {per}'s objects (scenes.objects)", describe(value))
    if any(not isinstance(objs, (list, tuple)) or any(not isinstance(o, SceneObject) for o in objs)
           for objs in value):
        fail(name, f"one list of SceneObjects per {per} (scenes.objects)", "something else in the list",
             "pass scenes.objects", kind=InputTypeError)
    return list(value)


def model(value: Any, name: str = "model"):
    """A Keras model object (not a path, not a layer)."""
    import keras

    if isinstance(value, (str, os.PathLike)):
        fail(name, "a keras.Model object", f"the path {str(value)!r}",
             "load it first, e.g. course_model.load_course_model()",
             kind=InputTypeError)
    if not isinstance(value, keras.Model):
        fail(name, "a keras.Model object", describe(value), kind=InputTypeError)
    return value


def finite_if_concrete(value: Any, name: str, fix: str = "remove or replace them before the call") -> None:
    """NaN and inf refused in a value whose numbers can be read now (a NumPy array, a list, an eager tensor of any
    backend); a symbolic tensor (inside ``model.fit``, a ``tf.function`` or a ``jax.jit``) passes unread."""
    if not isinstance(value, (np.ndarray, list, tuple, numbers.Number)) and not (
            hasattr(value, "dtype") and (hasattr(value, "numpy") or hasattr(value, "__array__"))):
        return
    try:
        if hasattr(value, "detach"):                       # a PyTorch tensor, perhaps recording a gradient
            value = value.detach().cpu()
        arr = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    except Exception:  # noqa: BLE001  (a traced tensor has no values yet; a ragged list is another check's job)
        return
    if arr.dtype != object and np.issubdtype(arr.dtype, np.inexact) and not np.isfinite(arr).all():
        fail(name, "finite values", "NaN or infinite values", fix)


def at_most(count: int, limit: int, name: str, unit: str, got: str, fix: str) -> None:
    """A stated cap on work or memory, checked before anything is allocated: ``count`` ``unit`` (worked out as
    ``got``, e.g. "3 images x 4,096 positions") must not exceed ``limit``; the error says how to stay under it."""
    if count > limit:
        fail(name, f"at most {limit:,} {unit} per call", f"{got} = {count:,} {unit.split(' (')[0]}", fix)


def in_unit_range(value: np.ndarray, name: str, what: str, fix: str, *, tol: float = 1e-6) -> np.ndarray:
    """Values in [0, 1] (``± tol``): probabilities, fractions, heatmaps; 0..255 pixels and logits are refused."""
    if value.size and (value.min() < -tol or value.max() > 1 + tol):
        hint = " (0..255 pixels?)" if value.max() > 1.5 and value.min() >= 0 else (
            " (scores before a sigmoid?)" if value.min() < 0 else "")
        fail(name, f"{what} in [0, 1]", f"values from {value.min():.4g} to {value.max():.4g}{hint}", fix)
    return value


def file_path(value: Any, name: str = "path", *, suffix: str | None = None, must_exist: bool = True) -> Path:
    """A path to a file (with the given suffix)."""
    if not isinstance(value, (str, os.PathLike)):
        fail(name, "a file path", describe(value), kind=InputTypeError)
    p = Path(value)
    if suffix is not None and p.suffix != suffix:
        fail(name, f"a {suffix} file", repr(p.name))
    if must_exist and not p.is_file():
        fail(name, "an existing file", f"{str(p)!r}, which does not exist", kind=FileNotFoundError)
    return p
