"""Issue 27, notebook 05: PCK per pedestrian, the raised wrist's drop, and exercise 05.1 numbered as the slides.

Expected values are computed independently: loops over objects and arms, hand-made poses with known numbers.
"""

import numpy as np
import pytest

from helpers import exercises as ex
from helpers import landmarks
from helpers.scenes import LANDMARK_NAMES, generate_scenes

NAMES = LANDMARK_NAMES["pedestrian"]


def _pedestrians(n=120, seed=11):
    s = generate_scenes(n, seed, classes=["pedestrian"])
    return np.stack([objs[0].landmarks for objs in s.objects]), s.boxes


# ---------------------------------------------------------------- pck_per_object

def test_pck_per_object_by_hand():
    true = np.full((2, 3, 2), 0.5)
    pred = true.copy()
    boxes = np.array([[0.5, 0.5, 0.4, 0.2], [0.5, 0.5, 0.1, 0.3]])   # larger sides 0.4 and 0.3: bounds 0.04, 0.03
    pred[0, 0, 0] += 0.039        # within 0.04
    pred[0, 1, 1] += 0.05         # beyond
    pred[1, 2, 0] += 0.031        # beyond 0.03
    got = landmarks.pck_per_object(pred, true, boxes, alpha=0.1)
    np.testing.assert_allclose(got, [2 / 3, 2 / 3])


def test_pck_per_object_against_a_loop_and_the_mean():
    true, boxes = _pedestrians()
    rng = np.random.default_rng(3)
    pred = np.clip(true + rng.normal(0, 0.02, true.shape), 0, 1)
    want = []
    for p, t, b in zip(pred, true, boxes):
        bound = 0.1 * max(b[2], b[3])
        want.append(np.mean([np.hypot(*(p[k] - t[k])) <= bound for k in range(len(t))]))
    got = landmarks.pck_per_object(pred, true, boxes)
    np.testing.assert_allclose(got, want)
    assert np.isclose(got.mean(), landmarks.pck(pred, true, boxes)), "their mean is PCK"


def test_pck_per_object_bad_boxes():
    true, boxes = _pedestrians(4)
    with pytest.raises(ValueError, match="boxes"):
        landmarks.pck_per_object(true, true, boxes[:3])


# ---------------------------------------------------------------- raised_wrist_drop_px

def _raised_arm_pose(both=False):
    """One standing pose with the right arm raised (and the left one too when ``both``)."""
    p = np.zeros((14, 2))
    p[:, 0] = 0.5
    p[:, 1] = np.linspace(0.2, 0.8, 14)
    for side, x in (("right", 0.45), ("left", 0.55)):
        p[NAMES.index(f"{side}_shoulder")] = (x, 0.3)
        raise_it = side == "right" or both
        p[NAMES.index(f"{side}_elbow")] = (x, 0.25 if raise_it else 0.37)
        p[NAMES.index(f"{side}_wrist")] = (x, 0.2 if raise_it else 0.44)
    return p


def test_raised_wrist_drop_by_hand():
    one, two, down = _raised_arm_pose(), _raised_arm_pose(both=True), _raised_arm_pose()
    down[NAMES.index("right_elbow"), 1], down[NAMES.index("right_wrist"), 1] = 0.37, 0.44   # no arm raised
    true = np.stack([one, down, two])
    pred = true.copy()
    pred[0, NAMES.index("right_wrist"), 1] += 4 / 64          # 4 px lower
    pred[0, NAMES.index("left_wrist"), 1] += 10 / 64          # a hanging arm: not counted
    pred[1, NAMES.index("right_wrist"), 1] += 8 / 64          # no raised arm: no value at all
    pred[2, NAMES.index("right_wrist"), 1] += 2 / 64          # both raised: the mean of 2 px and -1 px
    pred[2, NAMES.index("left_wrist"), 1] -= 1 / 64
    got = landmarks.raised_wrist_drop_px(pred, true)
    np.testing.assert_allclose(got, [4.0, 0.5], atol=1e-4)


def test_raised_wrist_drop_against_a_loop():
    true, _ = _pedestrians(300)
    rng = np.random.default_rng(4)
    pred = np.clip(true + rng.normal(0, 0.03, true.shape), 0, 1)
    want = []
    for p, t in zip(pred, true):
        drops = [(p[NAMES.index(f"{s}_wrist"), 1] - t[NAMES.index(f"{s}_wrist"), 1]) * 64
                 for s in ("right", "left") if t[NAMES.index(f"{s}_elbow"), 1] < t[NAMES.index(f"{s}_shoulder"), 1]]
        if drops:
            want.append(np.mean(drops))
    got = landmarks.raised_wrist_drop_px(pred, true)
    assert len(got) == landmarks.raised_arm(true).sum() > 20
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert np.allclose(landmarks.raised_wrist_drop_px(true, true), 0), "a perfect prediction drops nothing"


def test_raised_wrist_drop_bad_input_names_the_argument():
    true, _ = _pedestrians(3)
    with pytest.raises(ValueError, match="pred"):
        landmarks.raised_wrist_drop_px(true[:2], true)
    with pytest.raises(ValueError, match="image_size"):
        landmarks.raised_wrist_drop_px(true, true, image_size=0)


# ---------------------------------------------------------------- exercise 05.1, numbered l1 ... l14

TRUTH = [(3, 6), (4, 7), (5, 8), (9, 12), (10, 13), (11, 14)]     # written out by hand from the landmark list


def test_flip_pairs_numbered_as_the_slides():
    assert ex.check_flip_pairs(TRUTH).right
    assert [NAMES[a - 1][6:] == NAMES[b - 1][5:] for a, b in TRUTH] == [True] * 6   # right_X with left_X


def test_flip_pairs_swapped_order_within_a_pair_is_right():
    assert ex.check_flip_pairs([(b, a) for a, b in TRUTH]).right
    assert ex.check_flip_pairs([(6, 3), (4, 7), (8, 5), (9, 12), (13, 10), (11, 14)]).right


@pytest.mark.parametrize("answer", [
    [(a - 1, b - 1) for a, b in TRUTH],                  # Python's indices: the right answer counted from 0
    [(b - 1, a - 1) for a, b in TRUTH],                  # ... in the other order
    [(2, 5), (7, 4)],                                    # some pairs counted from 0
    [(0, 1)] + TRUTH,                                    # there is no l0
])
def test_flip_pairs_counted_from_zero_is_told_so(answer):
    f = ex.check_flip_pairs(answer)
    assert not f.right and "counted from 0" in f.message and "k - 1" in f.hint


def test_flip_pairs_other_mistakes():
    f = ex.check_flip_pairs([(3, 7), (4, 6)] + TRUTH[2:])          # partners mixed up: shoulder with elbow
    assert not f.right and "not partners" in f.message and "l3 right_shoulder swaps with l6 left_shoulder" in f.hint
    f = ex.check_flip_pairs(TRUTH + [(1, 2)])                      # head and neck stay
    assert not f.right and "(l1 head, l2 neck) should not swap" in f.message
    f = ex.check_flip_pairs(TRUTH[:-1])
    assert not f.right and "missing (l11 right_ankle, l14 left_ankle)" in f.message
    f = ex.check_flip_pairs([(3, 15)])
    assert not f.right and "l1 to l14" in f.message
    f = ex.check_flip_pairs(...)
    assert not f.right and "(3, 6)" in f.message
