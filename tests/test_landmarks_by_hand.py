"""Landmark helpers on hand-made points and images (no scene generation, no shipped model)."""

import numpy as np
import pytest

from helpers import landmarks as lm
from helpers.scenes import LANDMARK_NAMES

NAMES = LANDMARK_NAMES["pedestrian"]
# the person's left/right partners, written out by hand
PARTNERS = [("right_shoulder", "left_shoulder"), ("right_elbow", "left_elbow"), ("right_wrist", "left_wrist"),
            ("right_hip", "left_hip"), ("right_knee", "left_knee"), ("right_ankle", "left_ankle")]


def distinct_points(n=2, seed=0):
    """(n, 14, 2) points whose x and y all differ, so any mix-up shows."""
    return np.random.default_rng(seed).uniform(0.05, 0.95, (n, len(NAMES), 2))


def test_landmark_index_follows_the_fixed_order():
    assert lm.landmark_index("pedestrian", ["left_wrist", "head", "right_ankle"]) == [7, 0, 10]
    assert lm.landmark_index("car", ["taillight", "front_wheel"]) == [3, 0]
    assert lm.landmark_index("motorcycle", ["rider_head"]) == [5]


def test_flip_pairs_are_the_left_right_partners():
    pairs = {frozenset((NAMES[a], NAMES[b])) for a, b in lm.flip_pairs("pedestrian")}
    assert pairs == {frozenset(p) for p in PARTNERS}
    assert lm.flip_pairs("motorcycle") == []


def test_flip_mirrors_x_keeps_y_and_swaps_every_partner():
    pts = distinct_points()
    images = np.random.default_rng(1).integers(0, 256, (2, 3, 5, 3), dtype=np.uint8)  # 3 rows, 5 columns
    fi, fp = lm.flip_horizontal(images, pts)
    assert fi.shape == images.shape
    for n in range(2):
        for i in range(3):
            for j in range(5):
                assert np.array_equal(fi[n, i, j], images[n, i, 4 - j])   # along the width, not the height
    for right, left in PARTNERS:
        r, l = NAMES.index(right), NAMES.index(left)
        assert np.allclose(fp[:, r, 0], 1 - pts[:, l, 0]) and np.allclose(fp[:, r, 1], pts[:, l, 1])
        assert np.allclose(fp[:, l, 0], 1 - pts[:, r, 0]) and np.allclose(fp[:, l, 1], pts[:, r, 1])
    for name in ("head", "neck"):                                        # no partner: mirrored in place
        k = NAMES.index(name)
        assert np.allclose(fp[:, k], np.column_stack([1 - pts[:, k, 0], pts[:, k, 1]]))
    assert np.array_equal(images, np.random.default_rng(1).integers(0, 256, (2, 3, 5, 3), dtype=np.uint8))


def test_flip_one_image_and_a_vehicle():
    img = np.arange(2 * 3 * 3).reshape(2, 3, 3)
    car = np.random.default_rng(2).uniform(0, 1, (6, 2))
    fi, fp = lm.flip_horizontal(img, car, "car")           # front/rear names: nothing to swap
    assert np.array_equal(fi, img[:, ::-1]) and np.allclose(fp, np.column_stack([1 - car[:, 0], car[:, 1]]))


def test_encode_and_decode_order_is_x_then_y_per_landmark():
    pts = distinct_points()
    v = lm.encode_landmarks(pts)
    assert v.shape == (2, 28)
    for k in range(len(NAMES)):
        assert np.allclose(v[:, 2 * k], pts[:, k, 0]) and np.allclose(v[:, 2 * k + 1], pts[:, k, 1])
    assert np.allclose(lm.decode_landmarks(v), pts)
    out = lm.decode_landmarks(np.array([[-0.2, 1.3] + [0.5] * 26]))   # predictions are clipped into the image
    assert out.shape == (1, 14, 2) and np.allclose(out[0, 0], [0.0, 1.0])


def test_per_joint_error_is_a_mean_over_images_in_pixels():
    true = np.full((2, 14, 2), 0.5)
    pred = true.copy()
    k = np.arange(14)
    pred[0, :, 0] += k / 64            # image 0: joint k is k pixels off in x (64 px image)
    pred[1, :, 1] += 2 * k / 64        # image 1: 2k pixels off in y
    assert np.allclose(lm.per_joint_error_px(pred, true), 1.5 * k)
    assert np.allclose(lm.per_joint_error_px(pred, true, image_size=128), 3.0 * k)
    diag = true.copy()
    diag[..., 0] += 3 / 64
    diag[..., 1] += 4 / 64
    assert np.allclose(lm.per_joint_error_px(diag, true), 5.0)


def test_pck_uses_the_larger_box_side_alpha_and_an_inclusive_bound():
    true = np.full((2, 2, 2), 0.5)
    pred = true.copy()
    pred[:, 0, 0] += 0.0625            # joint 0: exactly alpha * 0.5 away (exact in binary)
    pred[:, 1, 1] += 0.07              # joint 1: a little further
    tall = np.array([[0.3, 0.6, 0.5, 0.1]] * 2)       # (bx, by, bh, bw): the height is the larger side
    wide = np.array([[0.3, 0.6, 0.1, 0.5]] * 2)       # the width is
    assert lm.pck(pred, true, tall, alpha=0.125) == 0.5
    assert lm.pck(pred, true, wide, alpha=0.125) == 0.5
    assert lm.pck(pred, true, tall, alpha=0.2) == 1.0
    assert lm.pck(pred, true, tall, alpha=0.1) == 0.0    # default-size threshold 0.05: both too far
    assert lm.pck(pred, true, tall) == 0.0               # default alpha = 0.1
    mixed = np.array([[0.3, 0.6, 0.5, 0.1], [0.3, 0.6, 0.1, 0.1]])  # the second box is small: misses
    assert lm.pck(pred, true, mixed, alpha=0.125) == 0.25


# ------------------------------------------------------------------------------------------
# The heatmap pose model's soft-argmax
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def heatmap_model():
    from helpers.course_model import build_course_convnet

    return lm.build_heatmap_pose(build_course_convnet(widths=(2, 2, 2, 2), dense=4))


def test_expected_xy_rows_are_the_cell_centres(heatmap_model):
    grid = heatmap_model.get_layer("expected_xy").get_weights()[0]
    h = w = 16
    assert grid.shape == (h * w, 2)
    for k in range(h * w):
        row, col = k // w, k % w                         # maps are flattened row by row
        assert np.allclose(grid[k], [(col + 0.5) / w, (row + 0.5) / h])


def test_a_sharp_off_diagonal_peak_is_read_as_x_column_y_row(heatmap_model):
    """Through the whole model: the joint maps are set (via zero padding at the map's borders) to peak
    in one corner cell, so the soft-argmax must return that cell's centre."""
    m = heatmap_model
    kp1 = m.get_layer("kp_conv1")
    k1, b1 = kp1.get_weights()
    kp1.set_weights([np.zeros_like(k1), np.ones_like(b1)])          # a constant 1 everywhere, whatever the image
    kp2 = m.get_layer("kp_conv2")
    k2, b2 = kp2.get_weights()
    k2 = np.zeros_like(k2)
    # channel c copies the neighbour at one offset: 0 where that neighbour is outside the map (zero padding)
    k2[0, 1, 0, 0] = 1    # the cell above: 0 on row 0
    k2[1, 2, 0, 1] = 1    # the cell to the right: 0 on the last column
    k2[2, 1, 0, 2] = 1    # the cell below: 0 on the last row
    k2[1, 0, 0, 3] = 1    # the cell to the left: 0 on column 0
    kp2.set_weights([k2, np.zeros_like(b2)])
    hm = m.get_layer("heatmaps")
    k3, b3 = hm.get_weights()
    k3 = np.zeros_like(k3)
    k3[0, 0, [0, 1], 0] = -50      # joint 0 peaks where channels 0 and 1 are 0: row 0, column 15
    k3[0, 0, [2, 3], 1] = -50      # joint 1: row 15, column 0
    k3[0, 0, 0, 2] = -50           # joint 2: all of row 0
    hm.set_weights([k3, np.zeros_like(b3)])
    out = np.asarray(m(np.zeros((1, 64, 64, 3), np.float32))).reshape(14, 2)
    assert np.allclose(out[0], [15.5 / 16, 0.5 / 16], atol=1e-5)   # (x, y) = (column, row) centres
    assert np.allclose(out[1], [0.5 / 16, 15.5 / 16], atol=1e-5)
    assert np.allclose(out[2], [0.5, 0.5 / 16], atol=1e-5)
    assert np.allclose(out[3:], 0.5, atol=1e-5)                   # flat maps: the centre
