"""helpers.images: conversions and centre crops checked pixel by pixel."""

import numpy as np
import pytest
from PIL import Image

from helpers.images import load_photo, to_rgb_batch


def test_grayscale_is_copied_into_all_three_channels():
    gray = np.random.default_rng(0).integers(0, 256, (3, 5), dtype=np.uint8)
    out = to_rgb_batch(gray)[0]
    for k in range(3):
        assert np.array_equal(out[..., k], gray)
    assert np.array_equal(to_rgb_batch(gray[..., None])[0], out)              # (H, W, 1) too


def test_rgba_is_blended_over_white():
    rgba = np.array([[[200, 100, 0, 128], [10, 20, 30, 255]]], np.uint8)
    out = to_rgb_batch(rgba)[0]
    a = 128 / 255
    expected = [round(v * a + 255 * (1 - a)) for v in (200, 100, 0)]        # 227, 177, 127
    assert out[0, 0].tolist() == expected and out[0, 1].tolist() == [10, 20, 30]


def test_a_batch_of_grayscale_images():
    batch = np.random.default_rng(1).integers(0, 256, (2, 4, 6), dtype=np.uint8)   # last axis 6: not channels
    out = to_rgb_batch(batch)
    assert out.shape == (2, 4, 6, 3) and np.array_equal(out[1, ..., 2], batch[1])


def test_resize_crops_the_centre_square():
    wide = np.random.default_rng(2).integers(0, 256, (4, 8, 3), dtype=np.uint8)
    assert np.array_equal(to_rgb_batch(wide, size=4, resize=True)[0], wide[:, 2:6])   # columns 2..5
    tall = np.random.default_rng(3).integers(0, 256, (7, 4, 3), dtype=np.uint8)
    assert np.array_equal(to_rgb_batch(tall, size=4, resize=True)[0], tall[1:5])      # rows 1..4
    flat = np.full((6, 9, 3), 77, np.uint8)
    assert np.all(to_rgb_batch(flat, size=3, resize=True) == 77)                     # resampled, same colour


def test_a_list_of_different_sizes_is_resized():
    same = to_rgb_batch([np.zeros((4, 6), np.uint8), np.zeros((5, 5), np.uint8)], size=4, resize=True)
    assert same.shape == (2, 4, 4, 3)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_load_photo_from_a_path(tmp_path, mode):
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (6, 10, 3), dtype=np.uint8)
    if mode == "L":
        img = Image.fromarray(rgb[..., 0], "L")
        expected = np.repeat(rgb[..., :1], 3, axis=2)
    elif mode == "RGBA":
        img = Image.fromarray(np.dstack([rgb, np.full((6, 10), 255, np.uint8)]), "RGBA")
        expected = rgb
    else:
        img = Image.fromarray(rgb).quantize(8)
        expected = np.asarray(img.convert("RGB"))
    img.save(tmp_path / "pic.png")
    out = load_photo(tmp_path / "pic.png", size=6)
    assert out.shape == (6, 6, 3) and out.dtype == np.uint8
    assert np.array_equal(out, expected[:, 2:8])          # the centre 6x6 square, no resampling


def test_load_photo_size():
    assert load_photo("coffee_cup", size=40).shape == (40, 40, 3)
