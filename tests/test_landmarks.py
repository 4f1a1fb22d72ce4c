import numpy as np
import pytest

from helpers import landmarks as lm
from helpers.scenes import LANDMARK_NAMES, generate_scenes


@pytest.fixture(scope="module")
def people():
    s = generate_scenes(40, seed=5, classes=["pedestrian"])
    pts, present = s.landmarks("pedestrian")
    assert present.all()
    return s, pts


def test_flip_swaps_left_and_right(people):
    s, pts = people
    images, flipped = lm.flip_horizontal(s.images, pts)
    names = LANDMARK_NAMES["pedestrian"]
    r, l = names.index("right_wrist"), names.index("left_wrist")
    # the new right wrist is the old left wrist, mirrored
    assert np.allclose(flipped[:, r, 0], 1 - pts[:, l, 0]) and np.allclose(flipped[:, r, 1], pts[:, l, 1])
    # after the flip the person still faces us: their right shoulder is still on the image's left
    rs, ls = names.index("right_shoulder"), names.index("left_shoulder")
    assert np.all(flipped[:, rs, 0] < flipped[:, ls, 0])
    # flipping twice gives back the original
    again_imgs, again = lm.flip_horizontal(images, flipped)
    assert np.array_equal(again_imgs, s.images) and np.allclose(again, pts, atol=1e-6)
    assert np.array_equal(images[:, :, ::-1], s.images)
    assert len(lm.flip_pairs()) == 6 and lm.flip_pairs("car") == []


def test_encode_decode_round_trip(people):
    _, pts = people
    v = lm.encode_landmarks(pts)
    assert v.shape == (40, 28) and np.allclose(v[:, :2], pts[:, 0])  # [l1x, l1y, ...]
    assert np.allclose(lm.decode_landmarks(v), pts)


def test_pck_and_error(people):
    s, pts = people
    assert lm.pck(pts, pts, s.boxes) == 1.0
    shifted = pts.copy()
    shifted[..., 0] += 0.5 * s.boxes[:, None, 2]  # half a body height away: never within 0.1
    assert lm.pck(np.clip(shifted, 0, 1), pts, s.boxes) < 0.2
    err = lm.per_joint_error_px(pts + np.array([3 / 64, 4 / 64]), pts)
    assert err.shape == (14,) and np.allclose(err, 5.0)


@pytest.mark.parametrize("call, message", [
    (lambda: lm.encode_landmarks(np.zeros((2, 13, 2))), "14 landmarks"),
    (lambda: lm.encode_landmarks(np.full((1, 14, 2), 1.5)), "fractions of the image"),
    (lambda: lm.landmark_index("pedestrian", ["left_ear"]), "unknown pedestrian landmark"),
    (lambda: lm.landmark_index("background", ["x"]), "a class with landmarks"),
    (lambda: lm.decode_landmarks(np.zeros((1, 27))), "28 entries"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_pose_regressor_outputs_landmarks():
    from helpers.course_model import build_course_convnet

    model = lm.build_pose_regressor(build_course_convnet(image_size=32))
    out = np.asarray(model(np.zeros((2, 32, 32, 3), np.float32)))
    assert out.shape == (2, 28) and np.all((out >= 0) & (out <= 1))


def test_shipped_pose_regressor_meets_pck():
    from helpers.course_model import TEST_SEED, preprocess

    model = lm.load_pose_regressor()
    x, y, boxes = lm.pedestrian_data(300, TEST_SEED)
    pred = lm.decode_landmarks(model.predict(preprocess(x), verbose=0))
    assert lm.pck(pred, lm.decode_landmarks(y), boxes) >= 0.85


def test_flipped_training_data_keeps_joint_meaning():
    x, y, boxes = lm.pedestrian_data(10, 3, flip=True)
    assert len(x) == 20
    pts = lm.decode_landmarks(y)
    names = LANDMARK_NAMES["pedestrian"]
    assert np.all(pts[:, names.index("right_hip"), 0] < pts[:, names.index("left_hip"), 0])
    assert np.allclose(boxes[10:, 0], 1 - boxes[:10, 0])


def test_heatmap_model_reads_joints_off_its_maps(tmp_path):
    from helpers.course_model import build_course_convnet

    model = lm.build_heatmap_pose(build_course_convnet())
    out = np.asarray(model(np.zeros((1, 64, 64, 3), np.float32)))
    assert out.shape == (1, 28) and np.allclose(out, 0.5, atol=1e-5)  # flat maps: the expected position is the centre
    assert not model.get_layer("expected_xy").trainable
    model.save(tmp_path / "hm.keras")  # standard layers only: loads in safe mode
    assert np.allclose(np.asarray(lm.load_heatmap_pose(tmp_path / "hm.keras")(np.zeros((1, 64, 64, 3)))), out)


def test_shipped_heatmap_model_beats_the_bar_too():
    from helpers.course_model import TEST_SEED, preprocess

    x, y, boxes = lm.pedestrian_data(300, TEST_SEED)
    pred = lm.decode_landmarks(lm.load_heatmap_pose().predict(preprocess(x), verbose=0))
    assert lm.pck(pred, lm.decode_landmarks(y), boxes) >= 0.85


def test_block3_regressor_shares_the_heatmap_models_trunk_and_differs_only_in_its_read_out(tmp_path):
    """The controlled comparison of notebook 05: every layer up to the 14 maps is the same (name, kind, shape,
    settings); after them one model has a fixed soft-argmax, the other a learned dense layer."""
    from helpers.course_model import build_course_convnet

    base = build_course_convnet()
    heat, reg = lm.build_heatmap_pose(base), lm.build_block3_regressor(base)

    def trunk(model):
        out = []
        for layer in model.layers:
            cfg = {k: v for k, v in layer.get_config().items() if k not in ("name", "dtype")}
            out.append((layer.name, type(layer).__name__, tuple(layer.output.shape), str(cfg)))
            if layer.name == "heatmaps":
                return out
        raise AssertionError(f"{model.name} has no 'heatmaps' layer")

    assert trunk(heat) == trunk(reg)
    assert reg.get_layer("conv_base").layers[-1].name == "block3_conv1"
    extra = reg.count_params() - heat.count_params()
    fixed_grid = 16 * 16 * 2                                  # the soft-argmax's (x, y) of each cell, not trained
    assert extra == 16 * 16 * 14 * 28 + 28 - fixed_grid, f"the dense read-out's weights, and nothing else: {extra}"
    out = np.asarray(reg(np.zeros((2, 64, 64, 3), np.float32)))
    assert out.shape == (2, 28) and np.all((out > 0) & (out < 1))
    reg.save(tmp_path / "b3.keras")                           # standard layers: loads in safe mode
    again = lm.load_block3_regressor(tmp_path / "b3.keras")
    x = np.random.default_rng(0).random((2, 64, 64, 3)).astype(np.float32)
    assert np.allclose(np.asarray(again(x)), np.asarray(reg(x)), atol=1e-6)


def test_shipped_block3_regressor_meets_the_bar():
    from helpers.course_model import TEST_SEED, preprocess

    x, y, boxes = lm.pedestrian_data(300, TEST_SEED)
    pred = lm.decode_landmarks(lm.load_block3_regressor().predict(preprocess(x), verbose=0))
    assert lm.pck(pred, lm.decode_landmarks(y), boxes) >= 0.85
