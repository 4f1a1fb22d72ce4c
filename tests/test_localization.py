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


def test_iou_hand_made_cases_and_properties():
    from helpers.localization import iou

    a = (0.5, 0.5, 0.2, 0.2)
    assert iou(a, a) == pytest.approx(1.0)
    assert iou(a, (0.1, 0.1, 0.1, 0.1)) == 0.0
    # half of a overlapping: intersection 0.02, union 0.06
    assert iou(a, (0.6, 0.5, 0.2, 0.2)) == pytest.approx(1 / 3)
    rng = np.random.default_rng(0)
    b1 = np.column_stack([rng.uniform(0.3, 0.7, (50, 2)), rng.uniform(0.05, 0.5, (50, 2))])
    b2 = np.column_stack([rng.uniform(0.3, 0.7, (50, 2)), rng.uniform(0.05, 0.5, (50, 2))])
    assert np.allclose(iou(b1, b2), iou(b2, b1))
    assert np.all((iou(b1, b2) >= 0) & (iou(b1, b2) <= 1))
    with pytest.raises(ValueError, match="negative"):
        iou(a, (0.5, 0.5, -0.1, 0.2))
