"""Getting pictures into the shape a model expects: the shipped photos, and any array a student has.

The course model takes ``(N, 64, 64, 3)`` uint8 RGB images (scaled by 1/255 in
:func:`helpers.course_model.preprocess`). Grayscale and RGBA pictures are converted, other
sizes resized on request, and anything else is refused with a message that says what to do.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .paths import DATA_DIR

__all__ = ["PHOTO_DIR", "photo_names", "load_photo", "to_rgb_batch"]

PHOTO_DIR = DATA_DIR / "photos"


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
    raise ValueError(f"{what} has shape {img.shape}: expected (H, W) grayscale, (H, W, 3) RGB or (H, W, 4) RGBA")


def load_photo(name_or_path: str | os.PathLike, size: int = 64) -> np.ndarray:
    """Load a photo as a ``(size, size, 3)`` uint8 RGB array (centre-cropped, resized).

    Parameters
    ----------
    name_or_path : str or path
        A shipped photo's name (``"chelsea_cat"``, ``"coffee_cup"``, see :func:`photo_names`) or a path.
    size : int
        Side of the result in pixels (64 for the course model).
    """
    from PIL import Image

    p = Path(name_or_path)
    if not p.suffix and (PHOTO_DIR / f"{p.name}.png").is_file():
        p = PHOTO_DIR / f"{p.name}.png"
    if not p.is_file():
        raise FileNotFoundError(f"no photo at {name_or_path!r}: use a path to an image file, or one of the "
                                f"shipped photos: {', '.join(photo_names())}")
    with Image.open(p) as im:
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
        elif im.mode != "RGB":
            im = im.convert("RGB")
        arr = np.asarray(im)
    return _resize(_to_rgb(arr, str(p)), size)


def to_rgb_batch(images, size: int | None = None, *, resize: bool = False) -> np.ndarray:
    """Turn one image or a batch into ``(N, H, W, 3)`` uint8 RGB, converting what can be converted.

    Parameters
    ----------
    images : array-like
        ``(H, W)``, ``(H, W, 1|3|4)`` or a batch ``(N, H, W[, C])`` of uint8 pixels.
    size : int, optional
        The side the model expects; a different size is an error unless ``resize=True``.
    resize : bool
        Centre-crop and resize pictures of another size instead of refusing them.
    """
    if isinstance(images, (list, tuple)) and len(images) and len({np.shape(i) for i in images}) > 1:
        # pictures of different sizes: no single array holds them, convert one by one
        return np.stack(_same_size([to_rgb_batch(i, size, resize=resize)[0] for i in images]))
    arr = np.asarray(images)
    if arr.dtype == object or arr.size == 0:
        raise ValueError("expected a non-empty image array of uint8 pixels")
    if arr.dtype != np.uint8:
        if np.issubdtype(arr.dtype, np.floating) and np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1:
            raise ValueError(f"got {arr.dtype} values in [0, 1]: pass the uint8 image (0..255); the course's "
                             "preprocess() does the scaling, exactly as in training")
        raise ValueError(f"expected uint8 pixels (0..255), got dtype {arr.dtype}; use image.astype('uint8') if "
                         "the values are already whole numbers in 0..255")
    single = arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] in (1, 3, 4))  # else a batch
    batch = [arr] if single else list(arr)
    out = []
    for k, img in enumerate(batch):
        img = _to_rgb(img, f"image {k}")
        if size is not None and img.shape[:2] != (size, size):
            if not resize:
                raise ValueError(f"image {k} is {img.shape[0]}x{img.shape[1]} pixels but the model takes "
                                 f"{size}x{size}: pass resize=True to centre-crop and resize it")
            img = _resize(img, size)
        out.append(img)
    return np.stack(_same_size(out))


def _same_size(images: list[np.ndarray]) -> list[np.ndarray]:
    shapes = {o.shape for o in images}
    if len(shapes) > 1:
        raise ValueError(f"the images have different sizes {sorted(shapes)}: pass size=... and resize=True to "
                         "bring them to one size")
    return images
