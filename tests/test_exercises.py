"""The exercises' checks: right answers pass, typical wrong answers get the matching hint, nothing raises."""

import numpy as np
import pytest

from helpers import exercises as ex
from helpers.landmarks import flip_pairs, pck
from helpers.localization import encode_label, iou


def right(feedback):
    assert isinstance(feedback, ex.Feedback) and feedback.right, feedback
    return feedback


def wrong(feedback, *words):
    assert isinstance(feedback, ex.Feedback) and not feedback.right, feedback
    text = (feedback.message + " " + feedback.hint).lower()
    for w in words:
        assert w.lower() in text, f"{w!r} not in {feedback!r}"
    return feedback


def test_feedback_shows_as_text_and_html():
    good, bad = ex.Feedback(True, "fine."), ex.Feedback(False, "off <by> one.", "look again.")
    assert repr(good).startswith("✔ Right.") and "Hint" not in repr(good)
    assert repr(bad).startswith("✘ Not yet.") and "Hint: look again." in repr(bad)
    assert "&lt;by&gt;" in bad._repr_html_() and bool(good) and not bool(bad)


@pytest.mark.parametrize("check", [ex.check_scale, ex.check_rms_normalize, ex.check_channel_weights,
                                   ex.check_heatmap, ex.check_iou, ex.check_pck, ex.check_flip_pairs])
def test_placeholder_is_not_answered_yet(check):
    wrong(check(...), "no answer yet")


def test_box_corners():
    box = (0.5, 0.25, 0.2, 0.4)                       # centre (32, 16) px, 12.8 high, 25.6 wide
    right(ex.check_box_corners((19.2, 9.6, 44.8, 22.4), box))
    right(ex.check_box_corners((19, 10, 45, 22), box))  # read off a printout: rounding is fine
    wrong(ex.check_box_corners((0.3, 0.15, 0.7, 0.35), box), "fractions")
    wrong(ex.check_box_corners((32, 16, 57.6, 28.8), box), "centre")
    wrong(ex.check_box_corners((25.6, 3.2, 38.4, 28.8), box), "swapped")
    wrong(ex.check_box_corners((9.6, 19.2, 22.4, 44.8), box), "x and y")
    wrong(ex.check_box_corners((1, 2, 3), box), "shape")
    wrong(ex.check_box_corners("left", box), "expected")
    wrong(ex.check_box_corners((np.nan, 1, 2, 3), box), "nan")


def test_class_accuracy():
    cm = np.array([[8, 2, 0], [1, 9, 0], [0, 5, 5]])
    right(ex.check_class_accuracy(np.diag(cm) / cm.sum(axis=1), cm))
    wrong(ex.check_class_accuracy(np.diag(cm) / cm.sum(axis=0), cm), "column", "precision")
    wrong(ex.check_class_accuracy(100 * np.diag(cm) / cm.sum(axis=1), cm), "percentages")
    wrong(ex.check_class_accuracy([0.5, 0.5], cm), "3 accuracies")


def test_scale():
    right(ex.check_scale(lambda x: x.astype("float32") / 255))
    wrong(ex.check_scale(lambda x: x // 255), "integers")
    wrong(ex.check_scale(lambda x: x / 256), "256")
    wrong(ex.check_scale(lambda x: x / 127.5 - 1), "[-1, 1]")
    wrong(ex.check_scale(lambda x: x / 255), "float32")          # float64: right values, wrong dtype
    wrong(ex.check_scale(lambda x: x[0] / 255), "shape")
    wrong(ex.check_scale(lambda x: 1 / 0), "ZeroDivisionError")  # a crash becomes feedback
    wrong(ex.check_scale(3), "expected a function")


def test_best_channel():
    names = ("edge", "green", "red")
    tuning = np.array([[0.1, -0.9, 0.0], [0.2, 0.5, 0.1], [0.0, 0.7, 0.3]])
    right(ex.check_best_channel(2, tuning, names, "green"))
    right(ex.check_best_channel(np.int64(2), tuning, names, "green"))
    wrong(ex.check_best_channel(1, tuning, names, "green"), "another channel")
    wrong(ex.check_best_channel(0, tuning, names, "green"), "anti")
    wrong(ex.check_best_channel(7, tuning, names, "green"), "0 to 2")
    wrong(ex.check_best_channel("2", tuning, names, "green"), "channel number")
    with pytest.raises(ValueError, match="unknown feature"):
        ex.check_best_channel(1, tuning, names, "blue")


def test_rms_normalize():
    right(ex.check_rms_normalize(lambda g: g / (np.sqrt(np.mean(g ** 2)) + 1e-5)))
    wrong(ex.check_rms_normalize(lambda g: g / np.sqrt(np.mean(g ** 2))), "nan")      # no epsilon
    wrong(ex.check_rms_normalize(lambda g: g / (np.mean(g ** 2) + 1e-5)), "square root")
    wrong(ex.check_rms_normalize(lambda g: g / (np.abs(g).mean() + 1e-5)), "absolute")
    wrong(ex.check_rms_normalize(lambda g: g / (np.linalg.norm(g) + 1e-5)), "l2 norm")
    wrong(ex.check_rms_normalize(lambda g: g.mean()), "shape")


def test_rms_normalize_accepts_tensorflow():
    import tensorflow as tf
    right(ex.check_rms_normalize(lambda g: g / (tf.sqrt(tf.reduce_mean(tf.square(g))) + 1e-5)))


def test_dead_filters():
    dead = np.array([False, True, False, True])
    right(ex.check_dead_filters([1, 3], dead))
    right(ex.check_dead_filters(np.array([3, 1]), dead))
    wrong(ex.check_dead_filters([1], dead), "missing [3]")
    wrong(ex.check_dead_filters([0, 1, 3], dead), "not dead: [0]")
    right(ex.check_dead_filters([], np.zeros(3, bool)))


def test_channel_weights():
    right(ex.check_channel_weights(lambda g: g.mean(axis=(0, 1))))
    wrong(ex.check_channel_weights(lambda g: g.sum(axis=(0, 1))), "summed")
    wrong(ex.check_channel_weights(lambda g: g.mean(axis=-1)), "over the channels")
    wrong(ex.check_channel_weights(lambda g: g.max(axis=(0, 1))), "mean gradient")


def _gradcam(f, w):
    h = np.maximum((f * w).mean(axis=-1), 0)
    return h / h.max() if h.max() > 0 else h


def test_heatmap():
    right(ex.check_heatmap(_gradcam))
    wrong(ex.check_heatmap(lambda f, w: (lambda h: h / h.max())(np.maximum((f * w).mean(-1), 0))), "nan")
    wrong(ex.check_heatmap(lambda f, w: (lambda h: h / np.abs(h).max())((f * w).mean(-1))), "negative", "relu")
    wrong(ex.check_heatmap(lambda f, w: np.maximum((f * w).mean(-1), 0)), "maximum of 1")
    wrong(ex.check_heatmap(lambda f, w: (f * w).mean(axis=(0, 1))), "expected a (4, 5) map")


def test_label_for_an_object():
    truth = encode_label("car", (0.5, 0.5, 0.2, 0.3))
    right(ex.check_label([1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0], truth))
    right(ex.check_label([1, 0.51, 0.49, 0.2, 0.3, 0, 1, 0], truth))        # rounded read-off
    wrong(ex.check_label([0, 0.5, 0.5, 0.2, 0.3, 0, 1, 0], truth), "p_d")
    wrong(ex.check_label([1, 0.5, 0.5, 0.2, 0.3, 1, 0, 0], truth), "motorcycle", "car")
    wrong(ex.check_label([1, 0.5, 0.5, 0.2, 0.3, 0, 1, 1], truth), "one-hot")
    wrong(ex.check_label([1, 0.5, 0.5, 0.3, 0.2, 0, 1, 0], truth), "swapped")
    wrong(ex.check_label([1, 0.35, 0.4, 0.2, 0.3, 0, 1, 0], truth), "centre")
    wrong(ex.check_label([1, 0.5, 0.5, 0.2, 0.3, 0, 1], truth), "8 numbers")


def test_label_for_background_ignores_dont_care():
    truth = encode_label("background")
    right(ex.check_label([0, "?", "?", "?", "?", "?", "?", "?"], truth))
    right(ex.check_label([0, 0.3, 0.9, 0, 0, 1, 0, 0], truth))
    wrong(ex.check_label([1, 0.5, 0.5, 0.2, 0.2, 0, 1, 0], truth), "no object")


def _my_iou(a, b):
    ax0, ay0, ax1, ay1 = a[0] - a[3] / 2, a[1] - a[2] / 2, a[0] + a[3] / 2, a[1] + a[2] / 2
    bx0, by0, bx1, by1 = b[0] - b[3] / 2, b[1] - b[2] / 2, b[0] + b[3] / 2, b[1] + b[2] / 2
    inter = max(0, min(ax1, bx1) - max(ax0, bx0)) * max(0, min(ay1, by1) - max(ay0, by0))
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_iou():
    right(ex.check_iou(_my_iou))
    right(ex.check_iou(iou))

    def no_clip(a, b):   # negative overlaps multiply to a positive "intersection"
        ax0, ay0, ax1, ay1 = a[0] - a[3] / 2, a[1] - a[2] / 2, a[0] + a[3] / 2, a[1] + a[2] / 2
        bx0, by0, bx1, by1 = b[0] - b[3] / 2, b[1] - b[2] / 2, b[0] + b[3] / 2, b[1] + b[2] / 2
        inter = (min(ax1, bx1) - max(ax0, bx0)) * (min(ay1, by1) - max(ay0, by0))
        return inter / (a[2] * a[3] + b[2] * b[3] - inter)

    def corners(a, b):   # (bx, by) taken as the top-left corner
        return _my_iou((a[0] + a[3] / 2, a[1] + a[2] / 2, a[3], a[2]), (b[0] + b[3] / 2, b[1] + b[2] / 2, b[3], b[2]))

    wrong(ex.check_iou(no_clip), "far apart")
    wrong(ex.check_iou(corners), "centre")
    wrong(ex.check_iou(lambda a, b: "big"), "not a number")


def test_decoded():
    car = [0.9, 0.4, 0.6, 0.3, 0.2, 0.1, 0.7, 0.2]
    right(ex.check_decoded(("car", (0.4, 0.6, 0.3, 0.2)), car))
    wrong(ex.check_decoded("car", car), "box too")
    wrong(ex.check_decoded(("motorcycle", (0.4, 0.6, 0.3, 0.2)), car), "largest")
    wrong(ex.check_decoded(("car", (0.6, 0.4, 0.3, 0.2)), car), "wrong box")
    wrong(ex.check_decoded("background", car), "object")
    empty = [0.2, 0.4, 0.6, 0.3, 0.2, 0.1, 0.7, 0.2]
    right(ex.check_decoded("background", empty))
    wrong(ex.check_decoded(("car", (0.4, 0.6, 0.3, 0.2)), empty), "below 0.5")


def test_flip_pairs():
    truth = [(a + 1, b + 1) for a, b in flip_pairs("pedestrian")]       # numbered as the slides: l1 ... l14
    right(ex.check_flip_pairs(truth))
    right(ex.check_flip_pairs([(b, a) for a, b in reversed(truth)]))   # order does not matter
    wrong(ex.check_flip_pairs(truth[1:]), "missing")
    wrong(ex.check_flip_pairs(truth + [(1, 2)]), "should not swap")
    wrong(ex.check_flip_pairs([(3, 3)] + truth), "itself")
    wrong(ex.check_flip_pairs([(1, 99)]), "l1 to l14")
    wrong(ex.check_flip_pairs("left-right"), "expected pairs")


def test_pck():
    right(ex.check_pck(pck))

    def mine(pred, true, boxes, alpha):
        d = np.sqrt(((pred - true) ** 2).sum(-1))
        return (d <= alpha * np.maximum(boxes[:, 2], boxes[:, 3])[:, None]).mean()

    right(ex.check_pck(mine))
    wrong(ex.check_pck(lambda p, t, b, a: 100 * mine(p, t, b, a)), "percentage")
    wrong(ex.check_pck(lambda p, t, b, a: (np.sqrt(((p - t) ** 2).sum(-1))
                                           <= a * np.minimum(b[:, 2], b[:, 3])[:, None]).mean()), "smaller side")
    wrong(ex.check_pck(lambda p, t, b, a: (np.abs(p - t) <= a * np.maximum(b[:, 2], b[:, 3])[:, None, None]).mean()),
          "separately")


def test_unfinished_function_is_told_to_return():
    def scale(images):
        ...

    wrong(ex.check_scale(scale), "returns nothing", "return")


def test_check_part_filter():
    labels = ["street", "car wheels", "car other"]
    shares = {"labels": labels, "parts": np.array([[0.1, 0.9, 0.0], [0.6, 0.2, 0.2], [0.0, 0.5, 0.5]])}
    right(ex.check_part_filter(4, shares, [4, 7, 9], "car wheels"))
    right(ex.check_part_filter(np.int64(9), shares, [4, 7, 9], "car wheels"))
    wrong(ex.check_part_filter(7, shares, [4, 7, 9], "car wheels"), "only 20%")
    wrong(ex.check_part_filter(5, shares, [4, 7, 9], "car wheels"), "not one of this block")
    wrong(ex.check_part_filter("4", shares, [4, 7, 9], "car wheels"), "one filter number")
    wrong(ex.check_part_filter(..., shares, [4, 7, 9], "car wheels"), "no answer yet")
    with pytest.raises(ex.CheckSetupError):
        ex.check_part_filter(4, shares, [4, 7, 9], "wings")


def test_check_closest_filter():
    labels = ["street", "car wheels", "motorcycle wheels", "car other"]
    shares = {"labels": labels, "parts": np.array([[0.7, 0.1, 0.1, 0.1],      # filter 4: wheels 0.2
                                                   [0.4, 0.2, 0.1, 0.3],      # filter 7: wheels 0.3 (best)
                                                   [0.3, 0.0, 0.25, 0.45]])}  # filter 9: motorcycle alone best
    wheels = ["car wheels", "motorcycle wheels"]
    assert "none of them is a detector" in right(ex.check_closest_filter(7, shares, [4, 7, 9], wheels)).message
    wrong(ex.check_closest_filter(9, shares, [4, 7, 9], wheels), "another filter of this block has 30%")
    right(ex.check_closest_filter(9, shares, [4, 7, 9], ["motorcycle wheels"]))
    wrong(ex.check_closest_filter(4, shares, [4, 7, 9], wheels), "has 20%")
    strong = {"labels": labels, "parts": np.array([[0.2, 0.5, 0.1, 0.2], [0.4, 0.2, 0.1, 0.3]])}
    assert "a detector" in right(ex.check_closest_filter(4, strong, [4, 7], wheels)).message
    wrong(ex.check_closest_filter(5, shares, [4, 7, 9], wheels), "not one of this block")
    wrong(ex.check_closest_filter(7.0, shares, [4, 7, 9], wheels), "one filter number")
    wrong(ex.check_closest_filter(..., shares, [4, 7, 9], wheels), "no answer yet")
    for bad in ("car wheels", [], ["wings"]):
        with pytest.raises(ex.CheckSetupError):
            ex.check_closest_filter(7, shares, [4, 7, 9], bad)


def test_detection_checks():
    from helpers.detection import GridSpec
    from helpers.scenes import SceneObject

    pairs = [((0.25, 0.5, 0.5, 0.5), (0.75, 0.5, 0.5, 0.5)), ((0.5, 0.5, 0.8, 0.8), (0.5, 0.5, 0.4, 0.4))]
    right(ex.check_iou_values((0.0, 0.25), pairs))                    # touching: 0; inside: 0.16 / 0.64
    wrong(ex.check_iou_values((0.0, 0.5), pairs), "pair 2")
    wrong(ex.check_iou_values((0.1, 0.25), pairs), "pair 1")
    wrong(ex.check_iou_values((0.0, ...), pairs), "not every")
    wrong(ex.check_iou_values(..., pairs), "no answer")
    car = SceneObject(2, (0.6, 0.3, 0.2, 0.5), np.zeros((6, 2), np.float32))            # wide: anchor 1
    spec = GridSpec(size=4, anchors=((0.45, 0.2), (0.3, 0.6)))
    right(ex.check_cell_anchor((1, 2, 1), car, spec))                                   # row int(0.3*4)=1, col 2
    wrong(ex.check_cell_anchor((2, 1, 1), car, spec), "row comes from by")
    wrong(ex.check_cell_anchor((1, 2, 0), car, spec), "anchor 0")
    boxes = np.array([[0.5, 0.5, 0.4, 0.4], [0.52, 0.5, 0.4, 0.4], [0.1, 0.1, 0.1, 0.1]], np.float32)
    scores = np.array([0.6, 0.9, 0.5], np.float32)
    right(ex.check_nms([1, 2], boxes, scores))                                          # box 0 overlaps box 1
    wrong(ex.check_nms([2, 1], boxes, scores), "another order")
    wrong(ex.check_nms([1, 0, 2], boxes, scores), "not what NMS keeps")


def test_check_energy_in_mask():
    def good(s, m):
        p = np.maximum(s, 0)
        return p[m].sum() / p.sum() if p.sum() > 0 else 0.0

    right(ex.check_energy_in_mask(good))
    wrong(ex.check_energy_in_mask(lambda s, m: s[m].sum() / s.sum()), "negative values cancel")
    wrong(ex.check_energy_in_mask(lambda s, m: np.maximum(s, 0)[m].sum() / np.maximum(s, 0).sum()), "nothing positive")
    wrong(ex.check_energy_in_mask(lambda s, m: np.maximum(s, 0)[~m].sum() / max(np.maximum(s, 0).sum(), 1e-9)),
          "expected")
    wrong(ex.check_energy_in_mask(...), "no answer yet")


def test_check_deletion_curve():
    def good(predict, image, saliency, empty, steps):
        order = np.argsort(-saliency.ravel())
        out = []
        for k in range(steps + 1):
            gone = np.zeros(saliency.size, bool)
            gone[order[:round(k * saliency.size / steps)]] = True
            out.append(predict(np.where(gone.reshape(saliency.shape)[..., None], empty, image)[None])[0])
        return out

    right(ex.check_deletion_curve(good))
    wrong(ex.check_deletion_curve(lambda p, i, s, e, n: good(p, i, -s, e, n)), "least salient")
    wrong(ex.check_deletion_curve(lambda p, i, s, e, n: good(p, i, s, e, n)[1:]), "points")
    wrong(ex.check_deletion_curve(lambda p, i, s, e, n: good(p, i, s, np.zeros_like(e), n)), "point 1")
    wrong(ex.check_deletion_curve(lambda p, i, s, e, n: good(p, i, s, e, 3)), "steps = 6")


CASCADE = ["logits", "dense", "block4_conv1", "block3_conv1", "block2_conv1", "block1_conv1"]


def _cam_truth():
    """Independent of the check: a step changes the features A = block4_conv1's output iff block 4 or a layer below it
    is random by then (the cascade accumulates from the top); the weights d score / d A involve the head, random from
    the first step on."""
    below_or_at_block4 = [name.startswith("block") and int(name[5]) <= 4 for name in CASCADE]
    features = [any(below_or_at_block4[:i + 1]) for i in range(len(CASCADE))]
    weights = [True for _ in CASCADE]
    return features, weights


def test_check_cam_ingredients_right_in_every_style():
    features, weights = _cam_truth()
    assert list(ex.CASCADE_STEPS) == CASCADE
    right(ex.check_cam_ingredients(features, weights))
    right(ex.check_cam_ingredients(tuple(features), np.array(weights)))                   # tuple, numpy
    right(ex.check_cam_ingredients([int(v) for v in features], [1] * 6))                 # 1/0
    right(ex.check_cam_ingredients(np.array(features), np.ones(6, bool)))
    right(ex.check_cam_ingredients([step not in ("logits", "dense") for step in CASCADE], [True] * 6))   # a loop


@pytest.mark.parametrize("features, weights, says", [
    ([True] * 6, [True] * 6, "logits and dense layers come after block 4"),              # direction of the network
    ([False, False, False, True, True, True], [True] * 6, "off-by-one"),                # block 4's own output
    ([False, False, True, False, False, False], [True] * 6, "accumulates"),              # forgets the cascade
    ([False, False, True, True, True, True], [True, True, False, False, False, False], "stay randomised"),
    ([False, False, True, True, True, True], [False] + [True] * 5, "last factor"),       # logits don't matter
    ([False, False, True, True, True, True], [False, False, True, True, True, True], "last factor"),  # swapped lists
    ([True, True, False, False, False, False], [True] * 6, "come after block 4"),       # reversed order
])
def test_check_cam_ingredients_names_each_mistake(features, weights, says):
    truth = _cam_truth()
    assert (features, weights) != truth, "each wrong answer really is wrong"
    wrong(ex.check_cam_ingredients(features, weights), says)


def test_check_cam_ingredients_unreadable_answers():
    features, weights = _cam_truth()
    wrong(ex.check_cam_ingredients(..., weights), "no answer")
    wrong(ex.check_cam_ingredients(features, ...), "no answer")
    wrong(ex.check_cam_ingredients(features[:5], weights), "5 entries")
    wrong(ex.check_cam_ingredients(features + [True], weights), "7 entries")
    wrong(ex.check_cam_ingredients("FFTTTT", weights), "list of six")
    wrong(ex.check_cam_ingredients([0.5] * 6, weights), "only True/False")
    wrong(ex.check_cam_ingredients(features, ["yes"] * 6), "only True/False")