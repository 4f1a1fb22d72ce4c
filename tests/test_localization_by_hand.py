"""The localization label, IoU and losses against values worked out by hand."""

import math

import numpy as np
import pytest

from helpers.localization import (
    decode_label,
    encode_label,
    encode_scenes,
    format_label,
    iou,
    practical_loss,
    slide_loss,
)
from helpers.scenes import SceneObject, generate_scenes


@pytest.mark.parametrize("cls, index", [("motorcycle", 5), ("car", 6), ("pedestrian", 7), (1, 5), (3, 7)])
def test_each_class_sets_its_own_one_hot_entry(cls, index):
    y = encode_label(cls, (0.3, 0.4, 0.5, 0.2))
    expected = np.zeros(8, np.float32)
    expected[[0, 1, 2, 3, 4]] = [1, 0.3, 0.4, 0.5, 0.2]      # p_d, bx, by, bh, bw in that order
    expected[index] = 1
    assert np.allclose(y, expected)


def test_a_scene_object_gives_its_class_and_box():
    obj = SceneObject(1, (0.3, 0.4, 0.5, 0.2), np.zeros((6, 2), np.float32))     # class 1: a motorcycle
    assert np.allclose(encode_label(obj), [1, 0.3, 0.4, 0.5, 0.2, 1, 0, 0])
    with pytest.raises(ValueError, match="landmarks: expected \\(14, 2\\) points for a pedestrian"):
        SceneObject(3, (0.3, 0.4, 0.5, 0.2), np.zeros((6, 2), np.float32))  # class 3 is the pedestrian
    with pytest.raises(ValueError, match="class_id"):
        SceneObject(4, (0.3, 0.4, 0.5, 0.2), np.zeros((0, 2), np.float32))
    assert np.allclose(encode_label(4, (0.5, 0.5, 0.2, 0.2)), np.zeros(8))  # background: the box is ignored


@pytest.mark.parametrize("box", [
    (0.1, 0.5, 0.6, 0.2),            # left edge at 0, tall box: only the width counts for x
    (0.9, 0.5, 0.6, 0.2),            # right edge at 1
    (0.5, 0.1, 0.2, 0.6),            # top edge at 0, wide box: only the height counts for y
    (0.5, 0.9, 0.2, 0.6),            # bottom edge at 1
    (0.1 - 5e-7, 0.5, 0.6, 0.2),     # within the 1e-6 tolerance of the edge
    (0.5, 0.5, 1.0, 1.0),            # the whole image
])
def test_boxes_that_touch_the_image_edges_are_accepted(box):
    assert np.allclose(encode_label("car", box)[1:5], box)


@pytest.mark.parametrize("box", [
    (0.1 - 1e-4, 0.5, 0.6, 0.2),     # left edge just outside
    (0.9 + 1e-4, 0.5, 0.6, 0.2),     # right
    (0.5, 0.1 - 1e-4, 0.2, 0.6),     # top
    (0.5, 0.9 + 1e-4, 0.2, 0.6),     # bottom
    (0.5, 0.5, 0.2, 0.0),            # zero width
    (0.5, 0.5, 0.0, 0.2),            # zero height
])
def test_boxes_reaching_outside_are_refused(box):
    with pytest.raises(ValueError):
        encode_label("car", box)


def test_format_label_digits_and_whole_numbers():
    y = [1, 1 / 3, 0.5, 0.25, 0.125, 0, 0, 1]
    assert format_label(y) == "[1, 0.33, 0.5, 0.25, 0.12, 0, 0, 1]"
    assert format_label(y, digits=1) == "[1, 0.3, 0.5, 0.2, 0.1, 0, 0, 1]"
    assert format_label(y, digits=3) == "[1, 0.333, 0.5, 0.25, 0.125, 0, 0, 1]"
    assert format_label([0, 0.4, 0.4, 0.4, 0.4, 1, 0, 0]) == "[0, ?, ?, ?, ?, ?, ?, ?]"  # p_d = 0: don't care


def test_decode_label_threshold_and_classes():
    y = [0.4, 0.2, 0.3, 0.4, 0.5, 0.1, 0.2, 0.7]
    assert decode_label(y) == ("background", None)                     # default threshold 0.5
    name, box = decode_label(y, threshold=0.3)
    assert name == "pedestrian" and box == pytest.approx((0.2, 0.3, 0.4, 0.5))    # c3: class 3
    assert decode_label(y, threshold=0.4)[0] == "pedestrian"           # p_d at the threshold: an object
    assert decode_label([0.9, 0.5, 0.5, 0.2, 0.2, 0.6, 0.3, 0.1])[0] == "motorcycle"   # c1: class 1
    with pytest.raises(ValueError, match="NaN"):
        decode_label([0.9, np.nan, 0.5, 0.2, 0.2, 0.6, 0.3, 0.1])


def test_encode_scenes_uses_the_first_object_and_zeros_for_background():
    s = generate_scenes(12, seed=7, n_objects=(1, 2))
    y = encode_scenes(s.objects)
    assert y.shape == (12, 8) and y.dtype == np.float32
    for row, objs in zip(y, s.objects):
        first = objs[0]
        assert row[0] == 1 and np.allclose(row[1:5], first.box) and row[4 + first.class_id] == 1
    empty = encode_scenes([[], s.objects[0]])
    assert np.all(empty[0] == 0) and empty[1, 0] == 1


# ------------------------------------------------------------------------------------------
# IoU
# ------------------------------------------------------------------------------------------

def iou_by_hand(a, b):
    """Corners, then overlap lengths, one pair of boxes at a time."""
    (ax, ay, ah, aw), (bx, by, bh, bw) = a, b
    left, right = max(ax - aw / 2, bx - bw / 2), min(ax + aw / 2, bx + bw / 2)
    top, bottom = max(ay - ah / 2, by - bh / 2), min(ay + ah / 2, by + bh / 2)
    inter = max(right - left, 0) * max(bottom - top, 0)
    union = ah * aw + bh * bw - inter
    return inter / union if union > 0 else 0.0


def test_iou_of_a_tall_and_a_wide_box():
    a = (0.3, 0.5, 0.6, 0.2)    # x in [0.2, 0.4], y in [0.2, 0.8]: area 0.12
    b = (0.4, 0.3, 0.2, 0.4)    # x in [0.2, 0.6], y in [0.2, 0.4]: area 0.08
    # overlap: x in [0.2, 0.4], y in [0.2, 0.4] = 0.04; union 0.12 + 0.08 - 0.04 = 0.16
    assert iou(a, b) == pytest.approx(0.25)
    assert iou(b, a) == pytest.approx(0.25)
    c = (0.5, 0.5, 0.2, 0.4)    # x in [0.3, 0.7], y in [0.4, 0.6]: overlap with a 0.1 x 0.2 = 0.02
    assert iou(a, c) == pytest.approx(0.02 / (0.12 + 0.08 - 0.02))


def test_iou_touching_zero_area_and_containment():
    a = (0.25, 0.5, 0.5, 0.5)
    assert iou(a, (0.75, 0.5, 0.5, 0.5)) == 0.0                     # sharing an edge only
    assert iou(a, (0.25, 0.5, 0.25, 0.25)) == pytest.approx(0.25)   # contained: its area / a's area
    assert iou((0.5, 0.5, 0.0, 0.0), (0.5, 0.5, 0.0, 0.0)) == 0.0   # no area: 0, not NaN
    assert iou((0.5, 0.5, 0.0, 0.3), a) == 0.0


def test_iou_on_random_boxes_rowwise():
    rng = np.random.default_rng(1)
    a = np.column_stack([rng.uniform(0.2, 0.8, (200, 2)), rng.uniform(0.02, 0.6, (200, 2))])
    b = np.column_stack([rng.uniform(0.2, 0.8, (200, 2)), rng.uniform(0.02, 0.6, (200, 2))])
    got = iou(a, b)
    assert got.shape == (200,)
    assert np.allclose(got, [iou_by_hand(p, q) for p, q in zip(a, b)], atol=1e-12)
    assert (got > 0).mean() > 0.3 and (got == 0).any()   # partial overlaps and disjoint pairs both occur
    assert isinstance(iou(a[0], b[0]), float)
    with pytest.raises(ValueError, match="last axis has 4 entries"):
        iou(a[0], b[0, :3])                               # one malformed box is enough to refuse
    with pytest.raises(ValueError, match="last axis has 4 entries"):
        iou(a[0, :3], b[0])


# ------------------------------------------------------------------------------------------
# Losses
# ------------------------------------------------------------------------------------------

def test_slide_loss_presence_comes_from_the_label_not_the_prediction():
    y = np.array([[0, 0, 0, 0, 0, 0, 0, 0]], np.float32)
    p = np.array([[1, 0.5, 0.5, 0.5, 0.5, 1, 0, 0]], np.float32)   # predicts an object that is not there
    assert np.allclose(np.asarray(slide_loss(y, p)), [1.0])           # only (1 - 0)²
    y1 = np.array([[1, 0.5, 0.5, 0.5, 0.5, 1, 0, 0]], np.float32)
    p1 = np.array([[0, 0.5, 0.5, 0.5, 0.5, 0, 0, 0]], np.float32)   # misses it
    assert np.allclose(np.asarray(slide_loss(y1, p1)), [2.0])         # (0 - 1)² + (0 - 1)²


def test_practical_loss_on_an_object_by_hand():
    y = np.array([[1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0]], np.float32)
    p = np.array([[0.8, 0.4, 0.5, 0.25, 0.3, 0.1, 0.7, 0.2]], np.float32)
    bce = -math.log(0.8)              # p_d
    ce = -math.log(0.7)               # the true class's probability
    se = 0.1 ** 2 + 0 + 0.05 ** 2 + 0  # the box
    assert np.allclose(np.asarray(practical_loss(y, p)), [bce + ce + se], atol=1e-5)


def test_practical_loss_terms_one_at_a_time():
    y = np.array([[1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0]], np.float32)
    p = np.array([[0.8, 0.4, 0.5, 0.25, 0.3, 0.1, 0.7, 0.2]], np.float32)

    def loss(pred):
        return float(np.asarray(practical_loss(y, pred))[0])

    base = loss(p)
    box = p.copy()
    box[0, 1:5] = [0.5, 0.3, 0.2, 0.6]                # only the box changes
    se_old, se_new = 0.1 ** 2 + 0.05 ** 2, 0.2 ** 2 + 0.3 ** 2
    assert loss(box) - base == pytest.approx(se_new - se_old, abs=1e-5)
    cls = p.copy()
    cls[0, 5:] = [0.5, 0.35, 0.15]                     # only the classes change
    assert loss(cls) - base == pytest.approx(math.log(0.7 / 0.35), abs=1e-5)
    other = p.copy()
    other[0, 5] = 0.9                                  # a wrong class's probability does not enter directly
    assert loss(other) == pytest.approx(base, abs=1e-6)
    pres = p.copy()
    pres[0, 0] = 0.4                                   # only p_d changes
    assert loss(pres) - base == pytest.approx(math.log(0.8 / 0.4), abs=1e-5)


def test_practical_loss_background_and_eps():
    y0 = np.zeros((1, 8), np.float32)
    p = np.array([[0.3, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.8]], np.float32)
    assert np.allclose(np.asarray(practical_loss(y0, p)), [-math.log(0.7)], atol=1e-6)
    y1 = np.array([[1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0]], np.float32)
    sure_wrong = np.array([[0.0, 0.5, 0.5, 0.2, 0.3, 0, 1, 0]], np.float32)   # p_d = 0 for a present object
    assert np.allclose(np.asarray(practical_loss(y1, sure_wrong)), [-math.log(1e-7)], rtol=1e-3)
    assert np.allclose(np.asarray(practical_loss(y1, sure_wrong, eps=1e-3)), [-math.log(1e-3)], rtol=1e-4)
    no_class = np.array([[1.0, 0.5, 0.5, 0.2, 0.3, 0.5, 0, 0.5]], np.float32)  # true class probability 0
    assert np.allclose(np.asarray(practical_loss(y1, no_class, eps=1e-3)), [-math.log(1 - 1e-3) - math.log(1e-3)],
                       rtol=1e-4)
