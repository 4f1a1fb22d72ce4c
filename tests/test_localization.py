import numpy as np
import pytest

from helpers.localization import encode_label, format_label
from helpers.scenes import generate_scenes


def test_slide_example_is_a_car():
    y = encode_label("car", (0.5, 0.5, 0.2, 0.3))
    assert np.allclose(y, [1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0])
    assert format_label(y) == "[1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0]"


def test_background_is_dont_care():
    y = encode_label("background")
    assert y.tolist() == [0] * 8 and np.array_equal(encode_label(None), y)
    assert format_label(y) == "[0, ?, ?, ?, ?, ?, ?, ?]"


def test_scene_objects_encode_their_own_box():
    s = generate_scenes(20, seed=4)
    for objs, cid in zip(s.objects, s.class_ids):
        y = encode_label(objs[0] if objs else None)
        assert y[0] == (cid != 4)
        if objs:
            assert np.allclose(y[1:5], objs[0].box) and y[4 + cid] == 1 and y[5:].sum() == 1


@pytest.mark.parametrize("args, message", [
    (("truck", (0.5, 0.5, 0.2, 0.2)), "unknown class"),
    (("car", None), "needs its box"),
    (("car", (0.5, 0.5, -0.2, 0.2)), "must be > 0"),
    (("car", (0.95, 0.5, 0.2, 0.2)), "outside the image"),
    (("car", (0.5, 0.5, 0.2)), "4 finite numbers"),
    (("car", (0.5, float("nan"), 0.2, 0.2)), "4 finite numbers"),
])
def test_bad_labels(args, message):
    with pytest.raises(ValueError, match=message):
        encode_label(*args)


def test_wrong_label_length():
    with pytest.raises(ValueError, match="8 entries"):
        format_label([1, 0.5, 0.5])
