"""Wrong inputs to helpers.images and helpers.imagenet are refused with a clear message (see bad_input_support)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from bad_input_support import Case, ids, outcome, scratch_folder
from PIL import Image

from helpers import imagenet
from helpers.images import PHOTO_DIR, load_photo, to_rgb_batch

U8 = np.uint8


def folder() -> Path:
    return scratch_folder("bad_pictures_")


@functools.cache
def picture(kind: str) -> Path:
    """Picture files a student might pass by mistake."""
    cat = (PHOTO_DIR / "chelsea_cat.png").read_bytes()
    p = folder() / {"text": "notes.txt", "model": "model.keras", "not a png": "broken.png", "truncated": "half.png",
                    "float": "depth.tiff", "no suffix": "photo"}[kind]
    if kind in ("text", "model"):
        p.write_text("not a picture")
    elif kind == "not a png":
        p.write_bytes(b"\x89PNG\r\n\x1a\n and then nonsense")
    elif kind == "truncated":
        p.write_bytes(cat[:5000])
    elif kind == "float":
        Image.fromarray(np.zeros((4, 4), np.float32), "F").save(p)
    else:
        p.write_bytes(cat)
    return p


CASES = [
    # to_rgb_batch
    Case("to_rgb/None", lambda: to_rgb_batch(None), TypeError, ["images", "None"]),
    Case("to_rgb/a file name", lambda: to_rgb_batch("cat.png"), TypeError, ["images", "load_photo"]),
    Case("to_rgb/empty", lambda: to_rgb_batch(np.zeros((0, 8, 8, 3), U8)), ValueError, ["images", "non-empty"]),
    Case("to_rgb/already scaled", lambda: to_rgb_batch(np.full((8, 8, 3), 0.5)), ValueError,
         ["images", "uint8", "[0, 1]", "preprocess"]),
    Case("to_rgb/16-bit", lambda: to_rgb_batch(np.full((8, 8, 3), 40_000, np.uint16)), ValueError,
         ["images", "16-bit", "// 257"]),
    Case("to_rgb/NaN", lambda: to_rgb_batch(np.full((8, 8, 3), np.nan)), ValueError, ["images", "NaN"]),
    Case("to_rgb/negative", lambda: to_rgb_batch(np.full((8, 8, 3), -3)), ValueError, ["images", "uint8", "-3", "np.clip"]),
    Case("to_rgb/two channels", lambda: to_rgb_batch(np.zeros((2, 8, 8, 2), U8)), ValueError,
         ["images[0]", "RGBA", "(8, 8, 2)"]),
    Case("to_rgb/rank 5", lambda: to_rgb_batch(np.zeros((1, 2, 8, 8, 3), U8)), ValueError, ["images", "shape"]),
    Case("to_rgb/one row of pixels", lambda: to_rgb_batch(np.zeros(8, U8)), ValueError, ["images", "shape (8,)"]),
    Case("to_rgb/text in a list", lambda: to_rgb_batch([["a", "b"]]), TypeError, ["images", "numbers"]),
    Case("to_rgb/a bad picture in a list", lambda: to_rgb_batch([np.zeros((4, 4), U8), np.ones((5, 5))]),
         ValueError, ["images[1]", "uint8"]),
    Case("to_rgb/size 0", lambda: to_rgb_batch(np.zeros((8, 8), U8), size=0), ValueError, ["size", "1..2048"]),
    Case("to_rgb/huge size", lambda: to_rgb_batch(np.zeros((8, 8), U8), size=10**6), ValueError, ["size", "2048"]),
    Case("to_rgb/size as text", lambda: to_rgb_batch(np.zeros((8, 8), U8), size="64"), TypeError,
         ["size", "whole number"]),
    Case("to_rgb/resize not a bool", lambda: to_rgb_batch(np.zeros((8, 8), U8), size=4, resize="yes"), TypeError,
         ["resize", "True or False"]),
    Case("to_rgb/other size", lambda: to_rgb_batch(np.zeros((8, 8), U8), size=4), ValueError,
         ["images", "4x4", "8x8", "resize=True"]),
    # load_photo
    Case("photo/unknown name", lambda: load_photo("no_such_photo"), FileNotFoundError,
         ["no_such_photo", "chelsea_cat", "coffee_cup"]),
    Case("photo/None", lambda: load_photo(None), TypeError, ["name_or_path", "None"]),
    Case("photo/an array", lambda: load_photo(np.zeros((8, 8, 3), U8)), TypeError,
         ["name_or_path", "already a picture", "to_rgb_batch"]),
    Case("photo/empty name", lambda: load_photo(""), ValueError, ["name_or_path", "empty", "chelsea_cat"]),
    Case("photo/size 0", lambda: load_photo("chelsea_cat", size=0), ValueError, ["size", "1..2048"]),
    Case("photo/huge size", lambda: load_photo("chelsea_cat", size=100_000), ValueError, ["size", "2048"]),
    Case("photo/a text file", lambda: load_photo(picture("text")), ValueError,
         ["name_or_path", "picture file", "notes.txt"]),
    Case("photo/a model file", lambda: load_photo(picture("model")), ValueError,
         ["name_or_path", "picture file", "model.keras"]),
    Case("photo/no suffix", lambda: load_photo(picture("no suffix")), ValueError, ["name_or_path", "suffix"]),
    Case("photo/not a png", lambda: load_photo(picture("not a png")), ValueError,
         ["name_or_path", "broken.png", "cannot be read"]),
    Case("photo/truncated", lambda: load_photo(picture("truncated")), ValueError,
         ["name_or_path", "half.png", "truncated"]),
    Case("photo/32-bit float picture", lambda: load_photo(picture("float")), ValueError,
         ["name_or_path", "8- or 16-bit", "depth.tiff"]),
    Case("photo/missing file", lambda: load_photo(folder() / "gone.png"), FileNotFoundError,
         ["gone.png", "chelsea_cat"]),
    # imagenet
    Case("vgg16/include_top as text", lambda: imagenet.cached_vgg16(include_top="yes"), TypeError,
         ["include_top", "True or False"]),
    Case("vgg16/quiet None", lambda: imagenet.cached_vgg16(quiet=None), TypeError, ["quiet", "True or False"]),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_bad_input_is_refused_clearly(case):
    assert outcome(case) is None


def test_a_16_bit_photo_is_scaled_not_clipped(tmp_path):
    """Pillow reads 16-bit grayscale PNGs as 'I;16'; a plain RGB conversion clipped them to white."""
    ramp = (np.arange(16 * 16).reshape(16, 16) * 257).astype(np.uint16)        # 0..65535 in steps of 257
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    out = load_photo(tmp_path / "deep.png", size=16)
    assert out.dtype == np.uint8 and np.array_equal(out[..., 0], (ramp // 257).astype(np.uint8))
