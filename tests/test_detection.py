"""Detection helpers (grid with anchors, grid loss, IoU matrix, NMS, average precision) against values worked out by
hand and against independent implementations: TensorFlow's NMS, a loop-by-loop AP, pycocotools (the `tools` extra)."""

import math

import numpy as np
import pytest

from helpers.detection import (
    AveragePrecision,
    GridSpec,
    average_precision,
    coco_map,
    decode_grid,
    encode_grid,
    grid_loss,
    iou_matrix,
    nms,
    nms_agreement,
    nms_per_class,
)
from helpers.scenes import SceneObject, generate_scenes
from helpers.validate import InputError

_LANDMARKS = {1: 6, 2: 6, 3: 14}


def obj(cls, box):
    return SceneObject(cls, tuple(box), np.zeros((_LANDMARKS[cls], 2), np.float32))


def iou_by_hand(a, b):
    """Corners, then overlap lengths, one pair of boxes at a time."""
    (ax, ay, ah, aw), (bx, by, bh, bw) = a, b
    left, right = max(ax - aw / 2, bx - bw / 2), min(ax + aw / 2, bx + bw / 2)
    top, bottom = max(ay - ah / 2, by - bh / 2), min(ay + ah / 2, by + bh / 2)
    inter = max(right - left, 0) * max(bottom - top, 0)
    union = ah * aw + bh * bw - inter
    return inter / union if union > 0 else 0.0


# ------------------------------------------------------------------------------------------
# The grid
# ------------------------------------------------------------------------------------------

def test_encode_grid_puts_each_object_in_its_cell_and_anchor_by_hand():
    spec = GridSpec(size=4, anchors=((0.45, 0.2), (0.3, 0.6)))
    car = obj(2, (0.3, 0.6, 0.2, 0.5))
    # centre x 0.3 -> column floor(1.2) = 1, y 0.6 -> row floor(2.4) = 2; relative to the cell: 0.2, 0.4.
    # shape (0.2, 0.5) against the anchors, centred: tall (0.45, 0.2): 0.2*0.2 / (0.1 + 0.09 - 0.04) = 0.267;
    # wide (0.3, 0.6): 0.2*0.5 / (0.1 + 0.18 - 0.1) = 0.556 -> anchor 1
    ped = obj(3, (0.9, 0.1, 0.4, 0.15))
    # column floor(3.6) = 3, row floor(0.4) = 0, relative 0.6, 0.4; tall: 0.06 / (0.06 + 0.09 - 0.06) = 0.667,
    # wide: 0.3*0.15 / (0.06 + 0.18 - 0.045) = 0.231 -> anchor 0
    y = encode_grid([[car, ped], []], spec)
    assert y.shape == (2, 4, 4, 2, 8) and y.dtype == np.float32
    np.testing.assert_allclose(y[0, 2, 1, 1], [1, 0.2, 0.4, 0.2, 0.5, 0, 1, 0], atol=1e-6)
    np.testing.assert_allclose(y[0, 0, 3, 0], [1, 0.6, 0.4, 0.4, 0.15, 0, 0, 1], atol=1e-6)
    assert np.count_nonzero(y[0, ..., 0]) == 2                       # every other slot is empty
    assert not y[1].any()                                            # an empty street: all zeros
    assert (np.count_nonzero(y[0], axis=-1) > 0).sum() == 2


def test_encode_grid_centres_on_cell_edges():
    spec = GridSpec(size=4, anchors=((0.4, 0.4),))
    y = encode_grid([[obj(1, (0.25, 0.5, 0.2, 0.2))], [obj(1, (0.9, 0.9, 0.2, 0.2))]], spec)
    np.testing.assert_allclose(y[0, 2, 1, 0, :3], [1, 0.0, 0.0])    # x = 0.25 starts column 1; y = 0.5 row 2
    np.testing.assert_allclose(y[1, 3, 3, 0, :3], [1, 0.6, 0.6], atol=1e-6)
    edge = SceneObject(1, (1.0, 1.0, 0.0001, 0.0001), np.zeros((6, 2)))  # a centre on the image's corner
    y = encode_grid([[edge]], spec)
    np.testing.assert_allclose(y[0, 3, 3, 0, :3], [1, 1.0, 1.0])     # belongs to the last cell, at its edge


def test_collisions_the_larger_object_wins_and_is_counted():
    spec = GridSpec(size=2, anchors=((0.3, 0.3),))
    small, large = obj(3, (0.2, 0.2, 0.2, 0.1)), obj(2, (0.3, 0.3, 0.3, 0.4))   # both in cell (0, 0)
    apart = obj(1, (0.7, 0.7, 0.2, 0.2))
    for objects in ([small, large, apart], [large, small, apart]):           # the order does not matter
        y, lost = encode_grid([objects], spec, return_collisions=True)
        assert lost.tolist() == [1]
        np.testing.assert_allclose(y[0, 0, 0, 0], [1, 0.6, 0.6, 0.3, 0.4, 0, 1, 0], atol=1e-6)  # the car
        assert y[0, 1, 1, 0, 0] == 1
    twin_a, twin_b = obj(1, (0.2, 0.2, 0.2, 0.2)), obj(3, (0.25, 0.25, 0.2, 0.2))  # equal areas: first listed
    y, lost = encode_grid([[twin_a, twin_b], [twin_b, twin_a]], spec, return_collisions=True)
    assert lost.tolist() == [1, 1]
    assert y[0, 0, 0, 0, 5] == 1 and y[1, 0, 0, 0, 7] == 1
    y, lost = encode_grid([[small, large]], GridSpec(size=2, anchors=((0.2, 0.1), (0.3, 0.4))),
                          return_collisions=True)
    assert lost.tolist() == [0] and y[0, 0, 0, :, 0].tolist() == [1, 1]   # different anchors: both stored


def test_encode_then_decode_round_trips_on_generated_scenes():
    scenes = generate_scenes(40, seed=3, n_objects=(2, 4))
    spec = GridSpec()
    y, lost = encode_grid(scenes.objects, spec, return_collisions=True)
    decoded = decode_grid(y, spec)
    checked = 0
    for objects, (boxes, scores, ids), n_lost in zip(scenes.objects, decoded, lost):
        assert len(boxes) == len(objects) - n_lost
        assert np.all(scores == 1.0)                                 # p_d = 1, one-hot class
        if n_lost:
            continue
        checked += 1
        want = sorted((o.class_id, *o.box) for o in objects)
        got = sorted((int(c), *b) for c, b in zip(ids, boxes))
        assert [w[0] for w in want] == [g[0] for g in got]
        np.testing.assert_allclose(np.array(got)[:, 1:], np.array(want)[:, 1:], rtol=0, atol=1e-6)  # float32
    assert checked >= 30                                             # most scenes have no collision
    whole = lost == 0
    assert average_precision([d for d, w in zip(decoded, whole) if w],
                             [o for o, w in zip(scenes.objects, whole) if w]).mean_ap == 1.0
    assert lost.sum() == sum(map(len, scenes.objects)) - sum(len(d[0]) for d in decoded)


def test_decode_grid_adds_the_cell_offset_and_scores_by_hand():
    spec = GridSpec(size=4, anchors=((0.45, 0.2), (0.3, 0.6)))
    y = np.zeros((1, 4, 4, 2, 8), np.float32)
    y[0, 2, 3, 1] = [0.9, 0.5, 0.25, 0.3, 0.6, 0.1, 0.8, 0.1]       # row 2, column 3, wide anchor
    y[0, 0, 1, 0] = [0.8, 0.0, 1.0, 0.4, 0.2, 0.5, 0.3, 0.2]        # score 0.8 * 0.5 = 0.4
    (boxes, scores, ids), = decode_grid(y, spec)                     # threshold 0.5: only the first
    # x = (3 + 0.5) / 4 = 0.875, y = (2 + 0.25) / 4 = 0.5625; bh, bw as stored; score 0.9 * 0.8 = 0.72; class 2
    np.testing.assert_allclose(boxes, [[0.875, 0.5625, 0.3, 0.6]], atol=1e-7)
    np.testing.assert_allclose(scores, [0.72], atol=1e-6)
    assert ids.tolist() == [2]
    (boxes, scores, ids), = decode_grid(y, spec, threshold=0.4)
    np.testing.assert_allclose(scores, [0.72, 0.4], atol=1e-6)      # descending score
    np.testing.assert_allclose(boxes[1], [0.25, 0.25, 0.4, 0.2], atol=1e-7)   # x (1 + 0) / 4, y (0 + 1) / 4
    assert ids.tolist() == [2, 1]
    flat = decode_grid(y.reshape(1, 4, 4, 16), spec, threshold=0.4)[0]     # a network's flat output
    np.testing.assert_array_equal(flat[0], boxes)
    (boxes, scores, ids), = decode_grid(np.zeros((1, 4, 4, 2, 8)), spec)
    assert boxes.shape == (0, 4) and scores.shape == (0,) and ids.shape == (0,)


# ------------------------------------------------------------------------------------------
# The loss
# ------------------------------------------------------------------------------------------

def grid_loss_by_hand(y_true, y_pred):
    """Slot by slot with Python loops: all 8 squared errors where p_d = 1, only p_d's where p_d = 0."""
    out = []
    for t_img, p_img in zip(y_true.reshape(len(y_true), -1, 8), y_pred.reshape(len(y_pred), -1, 8)):
        total = 0.0
        for t, p in zip(t_img, p_img):
            if t[0] == 1:
                total += sum((float(a) - float(b)) ** 2 for a, b in zip(t, p))
            else:
                total += (float(p[0]) - float(t[0])) ** 2
        out.append(total / len(t_img))
    return np.array(out)


def test_grid_loss_against_a_hand_computation():
    scenes = generate_scenes(6, seed=11, n_objects=(2, 4))
    spec = GridSpec(size=3)
    y_true = encode_grid(scenes.objects, spec)
    y_pred = np.random.default_rng(0).random(y_true.shape).astype(np.float32)
    want = grid_loss_by_hand(y_true, y_pred)
    np.testing.assert_allclose(np.asarray(grid_loss(y_true, y_pred)), want, rtol=1e-5)
    flat = (y_true.reshape(6, 3, 3, -1), y_pred.reshape(6, 3, 3, -1))
    np.testing.assert_allclose(np.asarray(grid_loss(*flat)), want, rtol=1e-5)
    # one slot by hand: an object where the prediction is off by 0.1 in bx only, everything else exact
    t = np.zeros((1, 1, 1, 1, 8), np.float32)
    t[..., :] = [1, 0.5, 0.5, 0.2, 0.2, 0, 1, 0]
    p = t.copy()
    p[..., 1] += 0.1
    assert float(np.asarray(grid_loss(t, p))[0]) == pytest.approx(0.01, rel=1e-5)
    # an empty slot: only p_d counts, the box and classes are "don't care"
    p0 = np.full((1, 1, 1, 1, 8), 0.7, np.float32)
    assert float(np.asarray(grid_loss(np.zeros_like(p0), p0))[0]) == pytest.approx(0.49, rel=1e-5)


def test_grid_loss_trains_in_a_keras_model():
    import keras

    spec = GridSpec(size=2, anchors=((0.4, 0.2),))
    scenes = generate_scenes(8, seed=2, n_objects=(2, 3))
    y = encode_grid(scenes.objects, spec).reshape(8, 2, 2, 8)
    x = np.random.default_rng(1).random((8, 2, 2, 3)).astype(np.float32)
    model = keras.Sequential([keras.Input((2, 2, 3)), keras.layers.Conv2D(8, 1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss=grid_loss)
    got = model.evaluate(x, y, batch_size=8, verbose=0)
    want = grid_loss_by_hand(y, np.asarray(model.predict(x, verbose=0))).mean()
    assert got == pytest.approx(want, rel=1e-4)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)                 # it trains (graph mode)


# ------------------------------------------------------------------------------------------
# IoU for many boxes
# ------------------------------------------------------------------------------------------

def test_iou_matrix_by_hand_and_edge_cases():
    tall = (0.3, 0.5, 0.6, 0.2)     # x in [0.2, 0.4], y in [0.2, 0.8]: area 0.12
    wide = (0.4, 0.3, 0.2, 0.4)     # x in [0.2, 0.6], y in [0.2, 0.4]: area 0.08; overlap 0.2 x 0.2 = 0.04
    touching = (0.5, 0.5, 0.6, 0.2)  # x in [0.4, 0.6]: shares the edge x = 0.4 with tall
    inside = (0.3, 0.5, 0.3, 0.1)   # area 0.03, all inside tall
    flat = (0.3, 0.5, 0.0, 0.2)     # zero area, inside tall
    m = iou_matrix([tall, wide, touching, inside, flat], [tall, wide, touching, inside, flat])
    assert m.shape == (5, 5)
    assert m[0, 1] == pytest.approx(0.04 / 0.16) and m[1, 0] == pytest.approx(0.25)
    assert m[0, 2] == 0.0                                            # touching: IoU 0
    assert m[0, 3] == pytest.approx(0.03 / 0.12)                     # contained: the ratio of the areas
    assert m[0, 0] == 1.0 and m[1, 1] == 1.0 and m[3, 3] == 1.0      # identical: exactly 1
    assert m[4, 4] == 0.0 and not m[4].any() and not m[:, 4].any()   # zero area: 0, never NaN
    assert m[1, 2] == pytest.approx(0.04 / 0.16)          # wide x touching: x in [0.4, 0.6], y in [0.2, 0.4]
    np.testing.assert_allclose(m, m.T)
    assert iou_matrix(np.zeros((0, 4)), [tall]).shape == (0, 1) and iou_matrix([tall], []).shape == (1, 0)


def test_iou_matrix_on_random_boxes():
    rng = np.random.default_rng(4)
    a = np.column_stack([rng.uniform(0.2, 0.8, (30, 2)), rng.uniform(0.0, 0.5, (30, 2))])
    b = np.column_stack([rng.uniform(0.2, 0.8, (20, 2)), rng.uniform(0.0, 0.5, (20, 2))])
    got = iou_matrix(a, b)
    assert got.shape == (30, 20)
    np.testing.assert_allclose(got, [[iou_by_hand(p, q) for q in b] for p in a], atol=1e-12)
    assert (got > 0).mean() > 0.2 and (got == 0).any()


# ------------------------------------------------------------------------------------------
# Non-max suppression
# ------------------------------------------------------------------------------------------

def test_nms_by_hand():
    boxes = [(0.3, 0.3, 0.2, 0.2),      # 0
             (0.32, 0.3, 0.2, 0.2),     # 1: IoU with 0 = 0.18*0.2 / (0.08 - 0.036) = 0.818
             (0.7, 0.7, 0.2, 0.2),      # 2: far away
             (0.35, 0.3, 0.2, 0.2)]     # 3: IoU with 0 = 0.15 / 0.25 = 0.6, with 1 = 0.17/0.23 = 0.739
    scores = [0.6, 0.9, 0.5, 0.8]
    assert nms(boxes, scores).tolist() == [1, 2]          # 1 first; it removes 0 and 3
    assert nms(boxes, scores, iou_threshold=0.75).tolist() == [1, 3, 2]   # 0 (0.818) goes, 3 (0.739) stays
    assert nms(boxes, scores, iou_threshold=1.0).tolist() == [1, 3, 0, 2]  # nothing suppressed
    assert nms(boxes, scores, max_out=1).tolist() == [1]
    assert nms([], []).tolist() == []


def test_nms_keeps_a_box_exactly_at_the_threshold_and_breaks_ties_by_index():
    a, half = (0.5, 0.5, 0.5, 0.5), (0.375, 0.5, 0.5, 0.25)   # half is a's left half: IoU exactly 0.5
    assert iou_matrix([a], [half])[0, 0] == 0.5
    assert nms([a, half], [0.9, 0.8], iou_threshold=0.5).tolist() == [0, 1]   # not greater than: kept
    assert nms([a, half], [0.9, 0.8], iou_threshold=0.499).tolist() == [0]
    assert nms([half, a], [0.7, 0.7], iou_threshold=0.3).tolist() == [0]      # equal scores: lower index
    assert nms([a, half], [0.7, 0.7], iou_threshold=0.3).tolist() == [0]
    zero = (0.5, 0.5, 0.0, 0.0)
    assert nms([zero, zero], [0.9, 0.8], iou_threshold=0.0).tolist() == [0, 1]   # no area: never suppressed


def test_nms_per_class_only_suppresses_within_a_class():
    boxes = [(0.3, 0.3, 0.2, 0.2), (0.31, 0.3, 0.2, 0.2), (0.3, 0.31, 0.2, 0.2), (0.7, 0.7, 0.2, 0.2)]
    scores = [0.9, 0.8, 0.7, 0.95]
    assert nms(boxes, scores).tolist() == [3, 0]
    assert nms_per_class(boxes, scores, [2, 3, 2, 2]).tolist() == [3, 0, 1]   # the pedestrian survives the car
    assert nms_per_class(boxes, scores, [2, 3, 2, 2], max_out=2).tolist() == [3, 0]
    assert nms_per_class([], [], []).tolist() == []


def test_nms_agrees_with_tensorflow_on_200_random_cases():
    import tensorflow as tf

    rng = np.random.default_rng(2024)
    agree = 0
    for case in range(200):
        n = int(rng.integers(1, 30))
        # corners on a 1/64 grid and thresholds in quarters: float32 (TensorFlow) and float64 (ours) take every
        # IoU comparison the same way, exact ties included
        c = rng.integers(0, 65, (n, 2)) if case % 2 else np.repeat(rng.integers(16, 49, (1, 2)), n, axis=0)
        size = rng.integers(0, 24, (n, 2))
        x0, y0 = np.clip(c[:, 0] - size[:, 0] // 2, 0, 64), np.clip(c[:, 1] - size[:, 1] // 2, 0, 64)
        x1, y1 = np.clip(x0 + size[:, 0], 0, 64), np.clip(y0 + size[:, 1], 0, 64)
        x0, y0, x1, y1 = x0 / 64, y0 / 64, x1 / 64, y1 / 64
        scores = rng.random(n) if case % 3 else rng.integers(1, 4, n) / 4   # every third case: tied scores
        threshold = float(rng.integers(0, 5)) / 4
        max_out = n if case % 4 else int(rng.integers(1, n + 1))
        boxes = np.column_stack([(x0 + x1) / 2, (y0 + y1) / 2, y1 - y0, x1 - x0])
        ours = nms(boxes, scores, threshold, max_out)
        theirs = tf.image.non_max_suppression(np.column_stack([y0, x0, y1, x1]).astype(np.float32),
                                              scores.astype(np.float32), max_out, iou_threshold=threshold)
        agree += np.array_equal(ours, theirs.numpy())
    fraction = agree / 200
    assert fraction == 1.0
    assert nms_agreement(n_cases=200, seed=0) == 1.0                 # what the notebook records


# ------------------------------------------------------------------------------------------
# Average precision
# ------------------------------------------------------------------------------------------

G1, G2, G3 = (0.2, 0.2, 0.2, 0.2), (0.5, 0.5, 0.2, 0.2), (0.8, 0.8, 0.2, 0.2)   # disjoint ground truth


def test_ap_three_ground_truth_four_detections_by_hand():
    gt = [([G1, G2, G3], [2, 2, 2])]
    dets = [([G1,                          # score 0.9: on G1, TP
              (0.8, 0.2, 0.2, 0.2),        # 0.8: nothing there, FP
              G2,                          # 0.7: on G2, TP
              (0.9, 0.8, 0.2, 0.2)],       # 0.6: G3 shifted by 0.1: IoU 0.02 / 0.06 = 1/3 < 0.5, FP
             [0.9, 0.8, 0.7, 0.6], [2, 2, 2, 2])]
    res = average_precision(dets, gt)
    # TP FP TP FP: precision 1, 1/2, 2/3, 2/4; recall 1/3, 1/3, 2/3, 2/3
    precision, recall = res.curves[2]
    np.testing.assert_allclose(precision, [1, 1 / 2, 2 / 3, 1 / 2])
    np.testing.assert_allclose(recall, [1 / 3, 1 / 3, 2 / 3, 2 / 3])
    # VOC: recall 0 -> 1/3 at the best precision to the right, 1; 1/3 -> 2/3 at 2/3; 2/3 -> 1 never reached: 0
    # AP = 1/3 * 1 + 1/3 * 2/3 = 5/9
    assert res.per_class == {2: pytest.approx(5 / 9, abs=1e-12)} and res.mean_ap == pytest.approx(5 / 9)
    assert res.n_ground_truth == {2: 3} and res.method == "voc" and res.iou_threshold == 0.5
    # COCO: recall levels 0.00..0.33 (34 of them) reach precision 1, 0.34..0.66 (33) reach 2/3, 0.67..1.00 (34)
    # are never reached: (34 * 1 + 33 * 2/3) / 101 = 56/101
    assert average_precision(dets, gt, method="coco").mean_ap == pytest.approx(56 / 101, abs=1e-12)


def test_ap_uses_the_best_precision_to_the_right():
    gt = [([G1, G2], [1, 1])]
    dets = [([G3, G1, G2], [0.9, 0.8, 0.7], [1, 1, 1])]
    # FP TP TP: precision 0, 1/2, 2/3; recall 0, 1/2, 1. The envelope is 2/3 everywhere up to recall 1:
    # VOC 1/2 * 2/3 + 1/2 * 2/3 = 2/3 (without the envelope: 1/2 * 1/2 + 1/2 * 2/3 = 7/12)
    assert average_precision(dets, gt).mean_ap == pytest.approx(2 / 3, abs=1e-12)
    # COCO: all 101 recall levels read the envelope, 2/3
    assert average_precision(dets, gt, method="coco").mean_ap == pytest.approx(2 / 3, abs=1e-12)


def test_ap_over_images_and_classes_by_hand():
    gt = [([G1, G2], [1, 3]), ([G3], [3])]
    dets = [([G2, G1, G3], [0.5, 0.4, 0.9], [3, 3, 1]),    # G1 as a pedestrian: FP (wrong class); G3 as class 1
            ([G3, G3], [0.7, 0.6], [3, 3])]                 # the second is a duplicate: FP
    res = average_precision(dets, gt)
    # class 1 (one GT, G1 in image 0): its only detection (G3) misses: AP 0
    # class 3 (two GT): in score order 0.7 TP (image 1), 0.6 FP (duplicate), 0.5 TP (G2), 0.4 FP (G1, no
    # pedestrian there); precision 1, 1/2, 2/3, 1/2, recall 1/2, 1/2, 1, 1: AP = 1/2 * 1 + 1/2 * 2/3 = 5/6
    assert res.per_class == {1: 0.0, 3: pytest.approx(5 / 6, abs=1e-12)}
    assert res.mean_ap == pytest.approx((0 + 5 / 6) / 2)
    assert res.n_ground_truth == {1: 1, 3: 2}


def test_ap_follows_the_voc_matching_rule():
    a, b = (0.4, 0.5, 0.4, 0.4), (0.6, 0.5, 0.4, 0.4)      # two overlapping cars, IoU 1/3
    d = (0.49, 0.5, 0.4, 0.4)                              # IoU 0.633 with a, 0.569 with b
    assert iou_by_hand(d, a) > iou_by_hand(d, b) >= 0.5
    res = average_precision([([a, d], [0.9, 0.8], [2, 2])], [([a, b], [2, 2])])
    # a takes a; d's best box, a, is taken: a false positive (VOC does not fall back to b)
    np.testing.assert_allclose(res.curves[2][0], [1, 1 / 2])
    assert res.mean_ap == pytest.approx(0.5)


def test_ap_an_overlap_exactly_at_the_threshold_is_a_match():
    a, half = (0.5, 0.5, 0.5, 0.5), (0.375, 0.5, 0.5, 0.25)   # half of a: IoU exactly 0.5
    res = average_precision([([half], [0.9], [1])], [([a], [1])], iou_threshold=0.5)
    assert res.mean_ap == 1.0                                 # IoU >= threshold (VOC devkit, COCO)
    assert average_precision([([half], [0.9], [1])], [([a], [1])], iou_threshold=0.51).mean_ap == 0.0


def test_ap_perfect_none_and_duplicates():
    gt = [([G1, G2], [1, 2]), ([G3], [3]), ([], [])]
    perfect = [([G1, G2], [0.9, 0.8], [1, 2]), ([G3], [0.5], [3]), ([], [], [])]
    for method in ("voc", "coco"):
        res = average_precision(perfect, gt, method=method)
        assert res.per_class == {1: 1.0, 2: 1.0, 3: 1.0} and res.mean_ap == 1.0
    assert coco_map(perfect, gt) == pytest.approx(1.0)
    none = [([], [], []), (np.zeros((0, 4)), np.zeros(0), np.zeros(0, int)), ([], [], [])]
    res = average_precision(none, gt)
    assert res.mean_ap == 0.0 and res.per_class == {1: 0.0, 2: 0.0, 3: 0.0}
    assert res.curves[1][0].shape == (0,) and res.curves[1][1].shape == (0,)
    assert coco_map(none, gt) == 0.0
    duplicate = [([G1, G1, G2], [0.9, 0.8, 0.7], [1, 1, 2]), ([G3], [0.5], [3]), ([], [], [])]
    res = average_precision(duplicate, gt)
    np.testing.assert_allclose(res.curves[1][0], [1, 1 / 2])        # the duplicate is a false positive
    np.testing.assert_allclose(res.curves[1][1], [1, 1])
    assert res.per_class[1] == 1.0                                   # ... after full recall: AP unchanged
    late = [([G1, G1, G2], [0.8, 0.9, 0.7], [1, 1, 2]), ([G3], [0.5], [3]), ([], [], [])]
    assert average_precision(late, gt).per_class[1] == 1.0           # the same pair: one TP, one FP
    ghost = [([G1, G2, (0.5, 0.2, 0.1, 0.1)], [0.9, 0.8, 0.95], [1, 2, 2]), ([G3], [0.5], [3]), ([], [], [])]
    assert average_precision(ghost, gt).per_class[2] == pytest.approx(0.5)   # FP first: precision 1/2 at recall 1


def test_ap_accepts_scene_objects_as_ground_truth():
    scenes = generate_scenes(5, seed=1, n_objects=(2, 3))
    dets = [(np.array([o.box for o in objs]), np.linspace(1, 0.5, len(objs)), [o.class_id for o in objs])
            for objs in scenes.objects]
    res = average_precision(dets, scenes.objects)
    assert isinstance(res, AveragePrecision) and res.mean_ap == 1.0
    assert sum(res.n_ground_truth.values()) == sum(map(len, scenes.objects))


def ap_by_loops(detections, ground_truth, cls, iou_threshold, coco):
    """A second AP, written differently: Python lists, pairwise IoU by hand, and AP as the sum over true
    positives of (recall step) x (the best precision at this recall or beyond)."""
    found = []
    for n, (boxes, scores, ids) in enumerate(detections):
        for k in range(len(boxes)):
            if ids[k] == cls:
                found.append((-scores[k], n, k))
    found.sort()
    truth = {n: [tuple(b) for b, c in zip(g[0], g[1]) if c == cls] for n, g in enumerate(ground_truth)}
    total = sum(len(v) for v in truth.values())
    used = {n: [False] * len(v) for n, v in truth.items()}
    hits, precision, recall = 0, [], []
    flags = []
    for rank, (_, n, k) in enumerate(found, start=1):
        box = tuple(detections[n][0][k])
        best, best_j = -1.0, None
        for j, g in enumerate(truth[n]):
            o = iou_by_hand(box, g)
            if o > best:
                best, best_j = o, j
        hit = best_j is not None and best >= iou_threshold and not used[n][best_j]
        if hit:
            used[n][best_j] = True
            hits += 1
        flags.append(hit)
        precision.append(hits / rank)
        recall.append(hits / total)
    if coco:
        levels = [i / 100 for i in range(101)]
        return sum(max([p for p, r in zip(precision, recall) if r >= level], default=0.0)
                   for level in levels) / 101
    ap = 0.0
    for i, hit in enumerate(flags):
        if hit:
            ap += (1 / total) * max(precision[i:])        # the VOC rule: max precision to the right
    return ap


def random_case(rng):
    """A few images: ground truth, most of it found (jittered, sometimes twice, sometimes as the wrong class),
    and some false alarms; continuous scores."""
    gt, dets = [], []
    for _ in range(int(rng.integers(1, 5))):
        k = int(rng.integers(0, 5))
        boxes = np.column_stack([rng.uniform(0.15, 0.85, (k, 2)), rng.uniform(0.05, 0.3, (k, 2))])
        ids = rng.integers(1, 4, k)
        found, found_ids = [], []
        for b, c in zip(boxes, ids):
            for _ in range(int(rng.random() < 0.8) + int(rng.random() < 0.25)):
                found.append(np.concatenate([b[:2] + rng.normal(0, 0.03, 2), b[2:] * rng.uniform(0.8, 1.2, 2)]))
                found_ids.append(c if rng.random() > 0.1 else rng.integers(1, 4))
        for _ in range(int(rng.integers(0, 4))):
            found.append(np.concatenate([rng.uniform(0.15, 0.85, 2), rng.uniform(0.05, 0.3, 2)]))
            found_ids.append(rng.integers(1, 4))
        found = np.clip(np.array(found).reshape(-1, 4), 0, 1)
        gt.append((boxes, ids))
        dets.append((found, rng.random(len(found)), np.array(found_ids, int)))
    if not any(len(g[0]) for g in gt):
        gt[0] = (np.array([[0.5, 0.5, 0.2, 0.2]]), np.array([2]))
    return dets, gt


def test_ap_agrees_with_a_loop_implementation_on_50_random_cases():
    rng = np.random.default_rng(7)
    seen_partial = 0
    for _ in range(50):
        dets, gt = random_case(rng)
        threshold = float(rng.choice([0.3, 0.5, 0.7]))
        for method in ("voc", "coco"):
            res = average_precision(dets, gt, iou_threshold=threshold, method=method)
            classes = sorted({int(c) for _, ids in gt for c in ids})
            assert sorted(res.per_class) == classes
            for c in classes:
                want = ap_by_loops(dets, gt, c, threshold, coco=method == "coco")
                assert res.per_class[c] == pytest.approx(want, abs=1e-9)
                seen_partial += 0 < want < 1
            assert res.mean_ap == pytest.approx(np.mean([res.per_class[c] for c in classes]), abs=1e-12)
    assert seen_partial > 50                                 # the cases are not all trivial


def test_coco_map_against_pycocotools():
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    rng = np.random.default_rng(3)
    gt, dets = [], []
    for _ in range(6):
        # ground truth in separate quarters of the image: no two overlap, so COCO's matcher (best free box)
        # and the VOC rule (best box, if free) decide alike
        cells = rng.permutation(4)[: int(rng.integers(1, 4))]
        centres = np.column_stack([0.25 + 0.5 * (cells % 2), 0.25 + 0.5 * (cells // 2)])
        boxes = np.column_stack([centres + rng.uniform(-0.05, 0.05, centres.shape),
                                 rng.uniform(0.1, 0.4, centres.shape)])
        ids = rng.integers(1, 4, len(boxes))
        found = np.column_stack([boxes[:, :2] + rng.normal(0, 0.02, (len(boxes), 2)),
                                 boxes[:, 2:] * rng.uniform(0.85, 1.15, (len(boxes), 2))])
        found = np.clip(np.concatenate([found, rng.uniform(0.2, 0.8, (2, 4)) * [1, 1, 0.4, 0.4]]), 0, 1)
        gt.append((boxes, ids))
        dets.append((found, rng.random(len(found)), np.concatenate([ids, rng.integers(1, 4, 2)])))

    def xywh(b):          # COCO: top-left corner, width, height, in pixels of a 100 x 100 image
        return [100 * (b[0] - b[3] / 2), 100 * (b[1] - b[2] / 2), 100 * b[3], 100 * b[2]]

    images = [{"id": n, "width": 100, "height": 100} for n in range(len(gt))]
    anns = [{"id": len(images) + i, "image_id": n, "category_id": int(c), "bbox": xywh(b),
             "area": 1e4 * b[2] * b[3], "iscrowd": 0}
            for i, (n, b, c) in enumerate((n, b, c) for n, g in enumerate(gt) for b, c in zip(*g))]
    results = [{"image_id": n, "category_id": int(c), "bbox": xywh(b), "score": float(s)}
               for n, d in enumerate(dets) for b, s, c in zip(*d)]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = {"images": images, "annotations": anns,
                           "categories": [{"id": k, "name": str(k)} for k in (1, 2, 3)]}
        coco_gt.createIndex()
        evaluation = COCOeval(coco_gt, coco_gt.loadRes(results), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    assert coco_map(dets, gt) == pytest.approx(evaluation.stats[0], abs=1e-6)


# ------------------------------------------------------------------------------------------
# Bad inputs: the argument's name first
# ------------------------------------------------------------------------------------------

_B = [(0.5, 0.5, 0.2, 0.2)]


@pytest.mark.parametrize("call, name", [
    (lambda: GridSpec(anchors=()), "anchors"),
    (lambda: GridSpec(anchors=((0.5, 0.0),)), "anchors"),
    (lambda: GridSpec(size=0), "size"),
    (lambda: encode_grid([[obj(2, (0.5, 0.5, 0.2, 0.2))]], spec="4x4"), "spec"),
    (lambda: encode_grid([], GridSpec()), "objects_per_image"),
    (lambda: encode_grid([[(0.5, 0.5, 0.2, 0.2)]], GridSpec()), "objects_per_image"),
    (lambda: encode_grid([[obj(2, (0.5, 0.5, 0.2, 0.0))]], GridSpec()), "objects_per_image"),
    (lambda: decode_grid(np.zeros((1, 4, 4, 3, 8)), GridSpec()), "y"),
    (lambda: decode_grid(np.zeros((4, 4, 2, 8)), GridSpec()), "y"),
    (lambda: decode_grid(np.zeros((1, 4, 4, 2, 8)), GridSpec(), threshold=1.5), "threshold"),
    (lambda: grid_loss(np.zeros((1, 4, 4, 2, 7)), np.zeros((1, 4, 4, 2, 7))), "y_true"),
    (lambda: grid_loss(np.zeros((1, 4, 4, 2, 8)), np.zeros((1, 4, 4, 3, 8))), "y_pred"),
    (lambda: iou_matrix((0.5, 0.5, 0.2, 0.2), _B), "a"),
    (lambda: iou_matrix(_B, [(0.5, 0.5, 0.2)]), "b"),
    (lambda: iou_matrix(_B, [(50, 50, 20, 20)]), "b"),
    (lambda: iou_matrix(_B, [(0.5, 0.5, -0.2, 0.2)]), "b"),
    (lambda: nms(_B, [0.5, 0.4]), "scores"),
    (lambda: nms(_B, [np.nan]), "scores"),
    (lambda: nms(_B, [0.5], iou_threshold=1.2), "iou_threshold"),
    (lambda: nms(_B, [0.5], iou_threshold=-0.1), "iou_threshold"),
    (lambda: nms(_B, [0.5], max_out=-1), "max_out"),
    (lambda: nms_per_class(_B, [0.5], [1.5]), "class_ids"),
    (lambda: nms_agreement(n_cases=0), "n_cases"),
    (lambda: average_precision([(_B, [0.5], [2])], [(_B, [2])], iou_threshold=0), "iou_threshold"),
    (lambda: average_precision([(_B, [0.5], [2])], [(_B, [2])], iou_threshold=1.5), "iou_threshold"),
    (lambda: average_precision([(_B, [0.5], [2])], [(_B, [2])], method="pascal"), "method"),
    (lambda: average_precision([(_B, [0.5], [4])], [(_B, [2])]), "detections[0] class_ids"),
    (lambda: average_precision([(_B, [0.5])], [(_B, [2])]), "detections[0]"),
    (lambda: average_precision([(_B, [0.5], [2])], [(_B, [2]), (_B, [2])]), "detections"),
    (lambda: average_precision([([], [], [])], [([], [])]), "ground_truth"),
    (lambda: average_precision([(_B, [0.5], [2])], [([(0.5, 0.5, 0.2)], [2])]), "ground_truth[0] boxes"),
    (lambda: coco_map("detections", [(_B, [2])]), "detections"),
])
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(InputError) as info:
        call()
    assert str(info.value).startswith(name + ":"), str(info.value)


def test_error_messages_say_what_came_and_how_to_fix():
    with pytest.raises(InputError, match=r"^anchors: expected at least one anchor shape \(h, w\), got none; fix"):
        GridSpec(anchors=())
    with pytest.raises(InputError, match=r"^a: expected boxes shaped \(N, 4\).*fix: for one box, wrap it"):
        iou_matrix((0.5, 0.5, 0.2, 0.2), _B)
    with pytest.raises(InputError, match=r"^method: expected one of 'voc', 'coco', got str 'pascal'"):
        average_precision([(_B, [0.5], [2])], [(_B, [2])], method="pascal")
    with pytest.raises(InputError, match=r"^y: .*fix: for one image, add a batch axis"):
        decode_grid(np.zeros((1, 4, 4, 3, 8)), GridSpec())
    assert math.isclose(GridSpec().anchors[0][0], 0.45) and GridSpec().shape == (4, 4, 2, 8)
