import numpy as np
import pytest

from helpers.images import load_photo, photo_names, to_rgb_batch


def test_shipped_photos_load_at_the_model_size():
    assert {"chelsea_cat", "coffee_cup"} <= set(photo_names())
    cat = load_photo("chelsea_cat", size=64)
    assert cat.shape == (64, 64, 3) and cat.dtype == np.uint8 and cat.std() > 10


def test_missing_photo_lists_the_shipped_ones():
    with pytest.raises(FileNotFoundError, match="chelsea_cat"):
        load_photo("no_such_photo")


def test_grayscale_and_rgba_are_converted():
    gray = np.full((8, 8), 100, np.uint8)
    assert to_rgb_batch(gray).shape == (1, 8, 8, 3)
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = 255
    rgba[0, 0, 3] = 0  # one transparent pixel becomes white
    out = to_rgb_batch(rgba)[0]
    assert tuple(out[1, 1]) == (255, 0, 0) and tuple(out[0, 0]) == (255, 255, 255)


def test_wrong_size_is_refused_unless_resized():
    img = np.zeros((32, 48, 3), np.uint8)
    with pytest.raises(ValueError, match="resize=True"):
        to_rgb_batch(img, size=64)
    assert to_rgb_batch(img, size=64, resize=True).shape == (1, 64, 64, 3)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((8, 8, 3), np.float32), "pass the uint8 image"),
    (np.zeros((8, 8, 3), np.int64) + 300, "uint8"),
    (np.zeros((2, 8, 8, 2), np.uint8), "expected"),
])
def test_bad_images(bad, message):
    with pytest.raises(ValueError, match=message):
        to_rgb_batch(bad)
