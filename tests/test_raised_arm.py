"""landmarks.raised_arm: the course's one named pose failure (04, 05, 06), checked against the generator's own draw."""

import numpy as np
import pytest

from helpers import landmarks
from helpers.scenes import LANDMARK_NAMES, generate_scenes


def _pedestrians(n=400, seed=5):
    s = generate_scenes(n, seed, classes=["pedestrian"])
    return np.stack([objs[0].landmarks for objs in s.objects])


def test_splits_the_generators_two_kinds_of_arm_exactly():
    pts = _pedestrians()
    names = LANDMARK_NAMES["pedestrian"]
    # independent reading: the upper arm's angle from straight down, in degrees (generator: 6-35 or 110-160)
    angles = []
    for side in ("right", "left"):
        sh, el = pts[:, names.index(f"{side}_shoulder")], pts[:, names.index(f"{side}_elbow")]
        d = el - sh
        angles.append(np.degrees(np.arctan2(np.abs(d[:, 0]), d[:, 1])))
    angles = np.stack(angles, axis=1)
    assert not ((angles > 40) & (angles < 100)).any(), "the generator draws no arm in between"
    want = (angles > 90).any(axis=1)
    got = landmarks.raised_arm(pts)
    assert got.dtype == bool and got.shape == (len(pts),)
    np.testing.assert_array_equal(got, want)
    assert 0.1 < got.mean() < 0.3, "about one pedestrian in five waves"


def test_one_pedestrian_and_each_side():
    pts = _pedestrians(50)
    k = int(np.flatnonzero(~landmarks.raised_arm(pts))[0])
    p = pts[k].copy()
    assert landmarks.raised_arm(p) is False
    for elbow, shoulder in (("right_elbow", "right_shoulder"), ("left_elbow", "left_shoulder")):
        q = p.copy()
        names = LANDMARK_NAMES["pedestrian"]
        q[names.index(elbow), 1] = q[names.index(shoulder), 1] - 0.02      # lift this elbow above its shoulder
        assert landmarks.raised_arm(q) is True


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="points"):
        landmarks.raised_arm(np.zeros((3, 6, 2)))
