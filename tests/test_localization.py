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
    (("car", None), "the car's box"),
    (("car", (0.5, 0.5, -0.2, 0.2)), "heights and widths >= 0"),
    (("car", (0.95, 0.5, 0.2, 0.2)), "outside the image"),
    (("car", (0.5, 0.5, 0.2)), "4 entries"),
    (("car", (0.5, float("nan"), 0.2, 0.2)), "finite values"),
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


def test_decode_reads_labels_and_predictions_back():
    from helpers.localization import decode_label

    assert decode_label(encode_label("motorcycle", (0.4, 0.6, 0.3, 0.2)))[0] == "motorcycle"
    name, box = decode_label([0.9, 0.5, 0.5, 0.2, 0.3, 0.1, 0.7, 0.2])
    assert name == "car" and box == pytest.approx((0.5, 0.5, 0.2, 0.3))
    assert decode_label(encode_label(None)) == ("background", None)
    with pytest.raises(ValueError, match="8 entries"):
        decode_label([1, 0.5])


def test_slide_loss_matches_hand_computed_values():
    from helpers.localization import slide_loss

    y = np.array([[1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0, 0]], np.float32)
    p = np.array([[0.9, 0.4, 0.5, 0.2, 0.5, 0.1, 0.8, 0.1], [0.2, 0.9, 0.1, 0.7, 0.3, 0.6, 0.2, 0.2]], np.float32)
    # object: 0.1² + 0.1² + 0 + 0 + 0.2² + 0.1² + 0.2² + 0.1² = 0.12 ; background: only 0.2² = 0.04
    assert np.allclose(np.asarray(slide_loss(y, p)), [0.12, 0.04], atol=1e-6)
    # the "?" entries of a background label have no effect, whatever the label or prediction holds there
    y2, p2 = y.copy(), p.copy()
    y2[1, 1:] = 0.77
    p2[1, 1:] = 0.11
    assert np.allclose(np.asarray(slide_loss(y2, p2))[1], 0.04, atol=1e-6)


def test_practical_loss_ignores_box_and_class_without_an_object():
    from helpers.localization import practical_loss

    y = np.zeros((1, 8), np.float32)
    a = np.array([[0.1, 0.9, 0.9, 0.9, 0.9, 0.3, 0.3, 0.4]], np.float32)
    b = np.array([[0.1, 0.1, 0.2, 0.3, 0.4, 0.9, 0.05, 0.05]], np.float32)
    assert np.allclose(np.asarray(practical_loss(y, a)), -np.log(0.9), atol=1e-5)
    assert np.allclose(np.asarray(practical_loss(y, a)), np.asarray(practical_loss(y, b)), atol=1e-6)


def test_localizer_outputs_a_label_vector():
    from helpers.course_model import build_course_convnet
    from helpers.localization import build_localizer

    model = build_localizer(build_course_convnet(image_size=32))
    out = np.asarray(model(np.random.default_rng(0).random((3, 32, 32, 3)).astype(np.float32)))
    assert out.shape == (3, 8) and np.all((out >= 0) & (out <= 1))
    assert np.allclose(out[:, 5:].sum(axis=1), 1, atol=1e-5)  # the classes are a softmax


def test_shipped_localizer_finds_the_objects():
    from helpers.course_model import TEST_SEED
    from helpers.localization import evaluate_localizer, load_localizer

    r = evaluate_localizer(load_localizer(), generate_scenes(400, TEST_SEED))
    assert r["mean_iou"] >= 0.75 and r["class_accuracy"] >= 0.95 and r["presence_accuracy"] >= 0.95, \
        {k: v for k, v in r.items() if k in ("mean_iou", "class_accuracy", "presence_accuracy")}
