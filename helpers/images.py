"""Getting pictures into the shape a model expects: the shipped photos, and any array a student has.

The course model takes ``(N, 64, 64, 3)`` uint8 RGB images (scaled by 1/255 in
:func:`helpers.course_model.preprocess`). Grayscale and RGBA pictures are converted, other
sizes resized on request, and anything else is refused with a message that says what to do.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import datafiles, validate
from .paths import DATA_DIR
from .validate import InputTypeError, describe, fail

__all__ = ["PHOTO_DIR", "PICTURE_SUFFIXES", "MAX_SIZE", "photo_names", "load_photo", "to_rgb_batch"]

PHOTO_DIR = DATA_DIR / "photos"
#: Picture files load_photo reads (through Pillow).
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
#: The largest side a picture is resized to (a 2048x2048 RGB batch of one is 12 MB).
MAX_SIZE = 2048


def photo_names() -> list[str]:
    """Names of the freely licensed photos shipped in ``data/photos/`` (see data/MANIFEST)."""
    return sorted(p.stem for p in PHOTO_DIR.glob("*.png"))


def _resize(img: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop to a square, then resize with a deterministic high-quality filter."""
    from PIL import Image

    h, w = img.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    square = img[top:top + s, left:left + s]
    if s == size:
        return np.ascontiguousarray(square)
    return np.asarray(Image.fromarray(square).resize((size, size), Image.Resampling.LANCZOS))


def _to_rgb(img: np.ndarray, what: str) -> np.ndarray:
    if img.ndim == 2:
        return np.repeat(img[..., None], 3, axis=2)                # grayscale -> RGB
    if img.ndim == 3 and img.shape[2] == 1:
        return np.repeat(img, 3, axis=2)
    if img.ndim == 3 and img.shape[2] == 4:                       # RGBA -> RGB over white
        rgb, alpha = img[..., :3].astype(np.float32), img[..., 3:].astype(np.float32) / 255
        return np.round(rgb * alpha + 255 * (1 - alpha)).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 3:
        return img
    fail(what, "(H, W) grayscale, (H, W, 3) RGB or (H, W, 4) RGBA pictures", f"shape {img.shape}",
         "pictures with 2 or more than 4 channels cannot be shown as RGB: keep 3 of them, e.g. image[..., :3]")


def load_photo(name_or_path: str | os.PathLike, size: int = 64) -> np.ndarray:
    """Load a photo as a ``(size, size, 3)`` uint8 RGB array (centre-cropped, resized).

    Parameters
    ----------
    name_or_path : str or path
        A shipped photo's name (``"chelsea_cat"``, ``"coffee_cup"``, see :func:`photo_names`) or a path to a
        picture file (``.png``, ``.jpg``, ...). Grayscale, palette, RGBA and 16-bit pictures are converted.
    size : int
        Side of the result in pixels (64 for the course model), 1..2048.

    Shipped photos are checked against their SHA-256 in ``data/MANIFEST`` before use.
    """
    from PIL import Image

    names = photo_names()
    if not isinstance(name_or_path, (str, os.PathLike)):
        fix = ("it is already a picture: use images.to_rgb_batch(picture, size=..., resize=True)"
               if hasattr(name_or_path, "shape") else "pass a name such as 'chelsea_cat', or a file path")
        fail("name_or_path", "a shipped photo's name or a path to a picture file", describe(name_or_path), fix,
             kind=InputTypeError)
    size = validate.integer(size, "size", low=1, high=MAX_SIZE)
    if not str(name_or_path).strip():
        fail("name_or_path", "a shipped photo's name or a path to a picture file", "an empty string",
             f"use one of {', '.join(names)}")
    p = Path(name_or_path)
    if not p.suffix:
        if (PHOTO_DIR / f"{p.name}.png").is_file():
            p = PHOTO_DIR / f"{p.name}.png"
        elif not p.is_file():
            raise FileNotFoundError(f"no photo named {str(name_or_path)!r}: use one of the shipped photos: "
                                    f"{', '.join(names)}, or a path to a picture file")
    if p.suffix.lower() not in PICTURE_SUFFIXES:
        fail("name_or_path", "a picture file (" + ", ".join(PICTURE_SUFFIXES) + ")", repr(p.name),
             "convert it to PNG or JPEG first" if p.suffix else "add the picture's suffix to its file name")
    if not p.is_file():
        raise FileNotFoundError(f"no photo at {str(name_or_path)!r}: use a path to a picture file, or one of the "
                                f"shipped photos: {', '.join(names)}")
    datafiles.verify(p)
    arr, why = None, None
    try:
        with Image.open(p) as im:
            arr = _pixels(im)
    except Exception as err:  # noqa: BLE001  (Pillow raises OSError, ValueError, DecompressionBombError, ...)
        why = f"{type(err).__name__}: {err}"[:200]
    if why is not None:
        fix = datafiles.restore_hint(p.resolve().relative_to(DATA_DIR.resolve()).as_posix()) if _shipped(p) else \
            "open it in an image editor and save it again as PNG or JPEG"
        fail("name_or_path", "a picture Pillow can read", f"{str(p)!r}, which cannot be read ({why}): damaged, "
             "truncated, or not a picture", fix)
    if arr.dtype != np.uint8:
        fail("name_or_path", "an 8- or 16-bit picture", f"{str(p)!r}, a picture of {arr.dtype} values",
             "save it as an 8-bit PNG or JPEG")
    return _resize(_to_rgb(arr, "name_or_path"), size)


def _pixels(im) -> np.ndarray:
    """A Pillow image as uint8 pixels: grayscale, RGB or RGBA (16-bit scaled to 8 bits, palettes expanded)."""
    if im.mode.startswith("I;16") or im.mode == "I":     # 16-bit grayscale (a plain convert would clip it)
        arr = np.asarray(im).astype(np.int64)
        if im.mode.startswith("I;16") or arr.max() > 255:
            arr = arr // 257
        return arr.clip(0, 255).astype(np.uint8)
    if im.mode == "F":
        return np.asarray(im)                            # float pictures: refused by the caller
    if im.mode in ("RGBA", "LA", "P", "PA", "La", "RGBa"):
        im = im.convert("RGBA")
    elif im.mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im)


def _shipped(p: Path) -> bool:
    try:
        p.resolve().relative_to(DATA_DIR.resolve())
    except ValueError:
        return False
    return True


def to_rgb_batch(images, size: int | None = None, *, resize: bool = False) -> np.ndarray:
    """Turn one image or a batch into ``(N, H, W, 3)`` uint8 RGB, converting what can be converted.

    Parameters
    ----------
    images : array-like
        ``(H, W)``, ``(H, W, 1|3|4)`` or a batch ``(N, H, W[, C])`` of uint8 pixels, or a list of pictures.
    size : int, optional
        The side the model expects (1..2048); a different size is an error unless ``resize=True``.
    resize : bool
        Centre-crop and resize pictures of another size instead of refusing them.
    """
    if size is not None:
        size = validate.integer(size, "size", low=1, high=MAX_SIZE)
    if not isinstance(resize, (bool, np.bool_)):
        fail("resize", "True or False", describe(resize), kind=InputTypeError)
    return _rgb_batch(images, size, bool(resize), "images")


def _rgb_batch(images, size: int | None, resize: bool, name: str) -> np.ndarray:
    if images is None or isinstance(images, (str, bytes, dict, os.PathLike)):
        fix = "read a picture file with images.load_photo(path)" if isinstance(images, (str, os.PathLike)) else None
        fail(name, "pictures as uint8 arrays: (H, W), (H, W, 1|3|4), a batch (N, H, W[, C]) or a list",
             describe(images), fix, kind=InputTypeError)
    if isinstance(images, (list, tuple)) and len(images) and len({np.shape(i) for i in images}) > 1:
        # pictures of different sizes: no single array holds them, convert one by one
        return np.stack(_same_size([_rgb_batch(i, size, resize, f"{name}[{k}]")[0] for k, i in enumerate(images)]))
    arr = validate.array(images, name, dtype=None, finite=False)
    if arr.dtype != np.uint8:
        if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
            fail(name, "uint8 pixels (0..255)", f"{arr.dtype} values with NaN or infinity",
                 "replace them, then convert: np.nan_to_num(image).astype('uint8')")
        if np.issubdtype(arr.dtype, np.floating) and arr.min() >= 0 and arr.max() <= 1:
            fail(name, "uint8 pixels (0..255)", f"{arr.dtype} values in [0, 1]",
                 "pass the uint8 image (0..255); the course's preprocess() does the scaling, exactly as in training")
        if np.issubdtype(arr.dtype, np.integer) and arr.min() >= 0 and arr.max() <= 65535 and arr.max() > 255:
            fail(name, "uint8 pixels (0..255)", f"{arr.dtype} values up to {arr.max()} (a 16-bit picture?)",
                 "convert to 8 bits: (image // 257).astype('uint8')")
        if arr.min() < 0 or arr.max() > 255:
            fail(name, "uint8 pixels (0..255)", f"{arr.dtype} values from {arr.min()} to {arr.max()}",
                 "bring them into 0..255 first, e.g. np.clip(image, 0, 255).astype('uint8')")
        fail(name, "uint8 pixels (0..255)", f"dtype {arr.dtype}",
             "use image.astype('uint8') if the values are whole numbers in 0..255")
    if arr.ndim not in (2, 3, 4):
        fail(name, "a picture (H, W) or (H, W, C), or a batch (N, H, W) or (N, H, W, C)", f"shape {arr.shape}")
    single = arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] in (1, 3, 4))  # else a batch
    batch = [arr] if single else list(arr)
    out = []
    for k, img in enumerate(batch):
        what = name if single else f"{name}[{k}]"
        img = _to_rgb(img, what)
        if size is not None and img.shape[:2] != (size, size):
            if not resize:
                fail(what, f"{size}x{size} pixels, as the model takes", f"{img.shape[0]}x{img.shape[1]}",
                     "pass resize=True to centre-crop and resize it")
            img = _resize(img, size)
        out.append(img)
    return np.stack(_same_size(out))


def _same_size(images: list[np.ndarray]) -> list[np.ndarray]:
    shapes = {o.shape for o in images}
    if len(shapes) > 1:
        fail("images", "pictures of one size (they become one batch)", f"sizes {sorted(shapes)}",
             "pass size=... and resize=True to bring them to one size")
    return images
