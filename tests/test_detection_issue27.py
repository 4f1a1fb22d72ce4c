"""Issue 27, notebook 06: TIDE's error breakdown against a case labelled by hand, the AP exercise's check against
AP worked out by hand (and each slip students make), and pycocotools' own matching as the oracle for the VOC and
the 101-point AP."""

import contextlib
import io

import numpy as np
import pytest

from helpers import exercises as ex
from helpers.detection import ERROR_TYPES, average_precision, error_breakdown
from helpers.validate import InputError

# ------------------------------------------------------------------------------------------
# error_breakdown: one small case, every label worked out by hand
# ------------------------------------------------------------------------------------------

CAR_A = (0.25, 0.25, 0.2, 0.3)          # x 0.10-0.40, y 0.15-0.35
PED_B = (0.75, 0.25, 0.3, 0.1)          # x 0.70-0.80, y 0.10-0.40
MOTO_C = (0.25, 0.75, 0.3, 0.3)         # x 0.10-0.40, y 0.60-0.90
PED_D = (0.75, 0.75, 0.3, 0.1)          # x 0.70-0.80, y 0.60-0.90
CAR_E = (0.5, 0.5, 0.2, 0.4)            # image 2: x 0.30-0.70, y 0.40-0.60


def hand_case():
    """Two images, five objects, eight detections; the label of each worked out by hand (IoUs in comments)."""
    truth = [(np.array([CAR_A, PED_B, MOTO_C, PED_D]), np.array([2, 3, 1, 3])),
             (np.array([CAR_E]), np.array([2]))]
    dets = [
        (np.array([CAR_A,                          # car on car A: IoU 1 -> correct
                   (0.25, 0.25, 0.2, 0.28),        # car on car A again: IoU 0.93, A taken -> duplicate
                   (0.75, 0.3, 0.2, 0.1),          # pedestrian on B, y 0.2-0.4: IoU 0.2/0.3 = 0.67 -> correct
                   (0.75, 0.85, 0.1, 0.1),         # pedestrian on D, y 0.8-0.9: IoU 0.1/0.3 = 0.33 -> localisation
                   MOTO_C,                         # car on motorcycle C: IoU 1, other class -> classification
                   (0.55, 0.5, 0.1, 0.1)]),        # motorcycle on nothing: IoU 0 with all -> background
         np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6]), np.array([2, 2, 3, 3, 2, 1])),
        # pedestrian on car E, y 0.45-0.65: IoU 0.06 / 0.10 = 0.6 >= 0.5 with another class -> classification
        (np.array([(0.5, 0.55, 0.2, 0.4)]), np.array([0.5]), np.array([3])),
    ]
    return dets, truth


def test_error_breakdown_matches_the_hand_labels():
    dets, truth = hand_case()
    result = error_breakdown(dets, truth)
    assert result.detections[0].tolist() == ["correct", "duplicate", "correct", "localisation", "classification",
                                             "background"]
    assert result.detections[1].tolist() == ["classification"]
    # car A and pedestrian B found; motorcycle C has a classification error on it, pedestrian D a localisation
    # error: TIDE counts those detections, not a miss; car E has the pedestrian on it (classification)
    assert result.objects[0].tolist() == ["found", "found", "classification", "localisation"]
    assert result.objects[1].tolist() == ["classification"]
    assert result.counts == {1: {**dict.fromkeys(ERROR_TYPES, 0), "background": 1},
                             2: {**dict.fromkeys(ERROR_TYPES, 0), "duplicate": 1, "classification": 1},
                             3: {**dict.fromkeys(ERROR_TYPES, 0), "localisation": 1, "classification": 1}}


def test_both_and_missed_by_hand():
    truth = [(np.array([CAR_A, PED_B]), np.array([2, 3]))]
    # a motorcycle half on car A: x 0.25-0.55, y 0.15-0.35 -> IoU with A: 0.15 x 0.2 / (0.06 + 0.06 - 0.03) = 0.33,
    # another class and box off -> both; nothing near pedestrian B -> missed; car A, never matched -> missed too
    dets = [(np.array([(0.4, 0.25, 0.2, 0.3)]), np.array([0.9]), np.array([1]))]
    result = error_breakdown(dets, truth)
    assert result.detections[0].tolist() == ["both"]
    assert result.objects[0].tolist() == ["missed", "missed"]
    assert result.counts[1]["both"] == 1 and result.counts[2]["missed"] == 1 and result.counts[3]["missed"] == 1


def test_localisation_is_checked_before_classification_as_in_tide():
    # a pedestrian in front of a car; a pedestrian detection as wide as the car's middle: IoU 0.06 / 0.08 = 0.75
    # with the car (another class) and 0.02 / 0.08 = 0.25 with the pedestrian -> TIDE calls it localisation
    truth = [(np.array([CAR_E, (0.5, 0.5, 0.4, 0.1)]), np.array([2, 3]))]
    dets = [(np.array([(0.5, 0.5, 0.2, 0.3)]), np.array([0.9]), np.array([3]))]
    result = error_breakdown(dets, truth)
    assert result.detections[0].tolist() == ["localisation"]
    assert result.objects[0].tolist() == ["missed", "localisation"]


def test_an_image_without_objects_gives_background_errors_and_empty_images_count_nothing():
    dets = [(np.array([CAR_A]), np.array([0.9]), np.array([2])), (np.zeros((0, 4)), np.zeros(0), np.zeros(0))]
    truth = [(np.zeros((0, 4)), np.zeros(0)), (np.array([PED_B]), np.array([3]))]
    result = error_breakdown(dets, truth)
    assert result.detections[0].tolist() == ["background"] and result.detections[1].tolist() == []
    assert result.objects[1].tolist() == ["missed"] and result.counts[2]["background"] == 1


def test_the_thresholds_move_the_line_between_localisation_and_correct():
    truth = [(np.array([PED_D]), np.array([3]))]
    dets = [(np.array([(0.75, 0.85, 0.1, 0.1)]), np.array([0.9]), np.array([3]))]   # IoU 1/3 with D
    assert error_breakdown(dets, truth).detections[0].tolist() == ["localisation"]
    assert error_breakdown(dets, truth, iou_threshold=0.3).detections[0].tolist() == ["correct"]
    assert error_breakdown(dets, truth, iou_threshold=0.5, background_threshold=0.4).detections[0].tolist() == \
        ["background"]


def random_case(rng):
    gt, dets = [], []
    for _ in range(int(rng.integers(1, 6))):
        k = int(rng.integers(0, 4))
        boxes = np.column_stack([rng.uniform(0.2, 0.8, (k, 2)), rng.uniform(0.1, 0.4, (k, 2))])
        ids = rng.integers(1, 4, k)
        found = [np.concatenate([b[:2] + rng.normal(0, 0.04, 2), b[2:] * rng.uniform(0.7, 1.3, 2)])
                 for b in boxes for _ in range(int(rng.integers(0, 3)))]
        found += [np.concatenate([rng.uniform(0.2, 0.8, 2), rng.uniform(0.1, 0.4, 2)])
                  for _ in range(int(rng.integers(0, 3)))]
        found = np.array(found).reshape(-1, 4)
        gt.append((boxes, ids))
        dets.append((found, rng.random(len(found)), rng.integers(1, 4, len(found))))
    if not any(len(g[0]) for g in gt):
        gt[0] = (np.array([CAR_A]), np.array([2]))
    return dets, gt


def test_every_error_once_and_the_true_positives_are_those_of_average_precision():
    rng = np.random.default_rng(27)
    kinds = set()
    for _ in range(60):
        dets, gt = random_case(rng)
        result = error_breakdown(dets, gt)
        ap = average_precision(dets, gt)
        for c in ap.per_class:                 # AP's recall at the end = the objects of class c found
            precision, recall = ap.curves[c]
            found = sum(((d[2] == c) & (lab == "correct")).sum() for d, lab in zip(dets, result.detections))
            assert found == round((recall[-1] if len(recall) else 0) * ap.n_ground_truth[c])
        n_dets = sum(len(d[0]) for d in dets)
        labels = np.concatenate(result.detections) if n_dets else np.zeros(0, str)
        assert len(labels) == n_dets
        false = sum(result.counts[c][k] for c in result.counts for k in ERROR_TYPES if k != "missed")
        assert false == (labels != "correct").sum()                      # each false detection once
        statuses = np.concatenate(result.objects)
        assert sum(result.counts[c]["missed"] for c in result.counts) == (statuses == "missed").sum()
        assert (statuses == "found").sum() == (labels == "correct").sum()
        kinds |= set(labels) | set(statuses)
    assert {"correct", "found", *ERROR_TYPES} <= kinds                   # the cases reach every kind


@pytest.mark.parametrize("kwargs, name", [
    ({"iou_threshold": 0}, "iou_threshold"),
    ({"background_threshold": 0.5}, "background_threshold"),
    ({"background_threshold": -0.1}, "background_threshold"),
])
def test_error_breakdown_bad_inputs_name_the_argument(kwargs, name):
    dets, truth = hand_case()
    with pytest.raises(InputError) as info:
        error_breakdown(dets, truth, **kwargs)
    assert str(info.value).startswith(name + ":"), str(info.value)


def test_error_breakdown_needs_one_entry_per_image():
    dets, truth = hand_case()
    with pytest.raises(InputError, match="^detections:"):
        error_breakdown(dets[:1], truth)


# ------------------------------------------------------------------------------------------
# Exercise 06.4: the AP of a ranked list, and the slips students make
# ------------------------------------------------------------------------------------------

SCORES = [0.7, 0.5, 0.1, 0.2, 0.4, 0.8, 0.3, 0.9]
RIGHT = [1, 0, 0, 1, 1, 1, 1, 1]
N_OBJECTS = 7
# Ranked by score: right 1 1 1 0 1 1 1 0; precision 1 1 1 3/4 4/5 5/6 6/7 6/8; recall 1/7 ... 6/7.
# Envelope: 1 up to recall 3/7, then 6/7 up to 6/7, then nothing.
HAND = {
    "101-point": (43 * 1 + 43 * 6 / 7) / 101,       # levels 0-0.42 read 1, 0.43-0.85 read 6/7, 0.86-1 read 0
    "all-point": 3 / 7 * 1 + 3 / 7 * 6 / 7,          # area under the envelope
    "11-point": (5 * 1 + 4 * 6 / 7) / 11,            # 0-0.4 read 1, 0.5-0.8 read 6/7, 0.9 and 1 read 0
    # recall over the 6 hits: k/6; levels 0-0.5 read 1, 0.51-1 read 6/7
    "recall over hits": (51 * 1 + 50 * 6 / 7) / 101,
    # in the given order: right 1 0 0 1 1 1 1 1, envelope 1 up to recall 1/7, then 6/8 up to 6/7
    "unsorted": (15 * 1 + 71 * 6 / 8) / 101,
    # the raw sawtooth, ranked: read 1 at 0-0.42, 4/5 at 0.43-0.57, 5/6 at 0.58-0.71, 6/7 at 0.72-0.85
    "no envelope": (43 * 1 + 15 * 4 / 5 + 14 * 5 / 6 + 14 * 6 / 7) / 101,
}


def check(answer):
    return ex.check_average_precision(answer, SCORES, RIGHT, N_OBJECTS)


def test_the_right_ap_passes_also_rounded_to_three_decimals():
    assert HAND["101-point"] == pytest.approx(0.7907, abs=1e-4)
    for answer in (HAND["101-point"], round(HAND["101-point"], 3), np.float32(HAND["101-point"])):
        feedback = check(answer)
        assert feedback.right, feedback
        assert "0.7959" in feedback.message and "0.7662" in feedback.message   # the other interpolations named


@pytest.mark.parametrize("slip, words", [
    ("all-point", "all-point"),
    ("11-point", "11-point"),
    ("recall over hits", "number of objects"),
    ("unsorted", "order given"),
    ("no envelope", "envelope"),
])
def test_each_slip_gets_its_own_hint(slip, words):
    feedback = check(HAND[slip])
    assert not feedback.right and words in (feedback.message + feedback.hint), feedback


def test_the_slips_are_far_enough_apart_to_tell():
    values = sorted(HAND.values())
    assert min(np.diff(values)) > 2 * 2e-3                   # the check's tolerance, twice


def test_not_yet_answers():
    assert "no answer yet" in check(...).message
    assert "percentage" in check(100 * HAND["101-point"]).message
    feedback = check(0.5)
    assert not feedback.right and "is not it" in feedback.message
    assert not check("AP").right and not check([0.79, 0.8]).right


def test_the_check_refuses_a_wrong_setup():
    with pytest.raises(ex.CheckSetupError):
        ex.check_average_precision(0.5, SCORES, RIGHT[:-1], N_OBJECTS)
    with pytest.raises(ex.CheckSetupError):
        ex.check_average_precision(0.5, SCORES, RIGHT, 3)               # fewer objects than hits


# ------------------------------------------------------------------------------------------
# pycocotools: its own matching, read as VOC's all-point AP and as COCO's 101-point AP at IoU 0.5
# ------------------------------------------------------------------------------------------

def coco_case(seed):
    """Objects in separate quarters (no two overlap, so COCO's matcher and VOC's decide alike), each found once
    or twice with jitter, sometimes as the wrong class, plus false alarms; every class present."""
    rng = np.random.default_rng(seed)
    gt, dets = [], []
    for n in range(8):
        cells = rng.permutation(4)[: int(rng.integers(1, 5))]
        centres = np.column_stack([0.25 + 0.5 * (cells % 2), 0.25 + 0.5 * (cells // 2)])
        boxes = np.column_stack([centres + rng.uniform(-0.05, 0.05, centres.shape),
                                 rng.uniform(0.1, 0.4, centres.shape)])
        ids = np.array([1 + (n + k) % 3 for k in range(len(boxes))])
        found, found_ids = [], []
        for b, c in zip(boxes, ids):
            for _ in range(1 + int(rng.random() < 0.3)):
                found.append(np.concatenate([b[:2] + rng.normal(0, 0.03, 2), b[2:] * rng.uniform(0.8, 1.2, 2)]))
                found_ids.append(c if rng.random() > 0.15 else 1 + (c % 3))
        found += list(rng.uniform(0.2, 0.8, (2, 4)) * [1, 1, 0.4, 0.4])
        found_ids += list(rng.integers(1, 4, 2))
        gt.append((boxes, ids))
        dets.append((np.clip(np.array(found), 0, 1), rng.random(len(found)), np.array(found_ids)))
    return dets, gt


def pycocotools_matches(dets, gt):
    """pycocotools' evaluation at IoU 0.5 (all areas, up to 100 detections): per class, its true/false positive
    flags in descending score, its object count and its 101-point AP."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def xywh(b):
        return [100 * (b[0] - b[3] / 2), 100 * (b[1] - b[2] / 2), 100 * b[3], 100 * b[2]]

    images = [{"id": n, "width": 100, "height": 100} for n in range(len(gt))]
    anns = [{"id": 1 + i, "image_id": n, "category_id": int(c), "bbox": xywh(b), "area": 1e4 * b[2] * b[3],
             "iscrowd": 0} for i, (n, b, c) in enumerate((n, b, c) for n, g in enumerate(gt) for b, c in zip(*g))]
    results = [{"image_id": n, "category_id": int(c), "bbox": xywh(b), "score": float(s)}
               for n, d in enumerate(dets) for b, s, c in zip(*d)]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = {"images": images, "annotations": anns,
                           "categories": [{"id": k, "name": str(k)} for k in (1, 2, 3)]}
        coco_gt.createIndex()
        evaluation = COCOeval(coco_gt, coco_gt.loadRes(results), "bbox")
        evaluation.params.iouThrs = np.array([0.5])
        evaluation.params.areaRng, evaluation.params.areaRngLbl = [[0, 1e10]], ["all"]
        evaluation.evaluate()
        evaluation.accumulate()
    out = {}
    for k, cat in enumerate(evaluation.params.catIds):
        per_image = [e for e in evaluation.evalImgs if e is not None and e["category_id"] == cat]
        scores = np.concatenate([e["dtScores"] for e in per_image])
        matched = np.concatenate([e["dtMatches"][0] for e in per_image]) > 0
        order = np.argsort(-scores, kind="mergesort")                   # pycocotools' own order
        n_objects = sum(int((~np.asarray(e["gtIgnore"], bool)).sum()) for e in per_image)
        ap101 = evaluation.eval["precision"][0, :, k, 0, -1].mean()
        out[cat] = (matched[order], n_objects, ap101)
    return out


def voc_all_point(tp, n_objects):
    """All-point AP from true/false positive flags: the area under the precision envelope, summed step by step."""
    hits = np.cumsum(tp)
    precision, recall = hits / np.arange(1, len(tp) + 1), hits / n_objects
    return sum((1 / n_objects) * precision[i:].max() for i in range(len(tp)) if tp[i])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_voc_and_101_point_ap_against_pycocotools_matching(seed):
    dets, gt = coco_case(seed)
    voc = average_precision(dets, gt, iou_threshold=0.5, method="voc")
    coco = average_precision(dets, gt, iou_threshold=0.5, method="coco")
    theirs = pycocotools_matches(dets, gt)
    assert sorted(theirs) == sorted(voc.per_class) == [1, 2, 3]
    for c, (tp, n_objects, ap101) in theirs.items():
        assert n_objects == voc.n_ground_truth[c]
        assert 0 < voc.per_class[c] < 1                                      # not a trivial case
        assert voc.per_class[c] == pytest.approx(voc_all_point(tp, n_objects), abs=1e-9)
        assert coco.per_class[c] == pytest.approx(ap101, abs=1e-9)
