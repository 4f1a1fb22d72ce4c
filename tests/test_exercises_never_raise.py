"""Every exercise check answers with feedback -- never a traceback -- whatever a student passes or returns."""

import sys

import numpy as np
import pytest

from helpers import exercises as ex


class _ExitsWhenRead:
    """An answer whose reading calls sys.exit (issue 29: a SystemExit must not escape a check)."""

    def __float__(self):
        sys.exit(1)

    def __iter__(self):
        sys.exit(1)

    def __len__(self):
        sys.exit(1)


WEIRD_VALUES = [..., None, "0.5", {"a": 1}, ["x", "y"], np.nan, [np.nan] * 4, object(), -1, 10 ** 9, (1, 2),
                _ExitsWhenRead()]
WEIRD_FUNCTIONS = [lambda *a, **k: "0.5", lambda *a, **k: {"a": 1}, lambda *a, **k: ["x"], lambda *a, **k: np.nan,
                   lambda *a, **k: None, lambda *a, **k: 1 / 0, lambda *a, **k: np.zeros((2, 3, 4)),
                   lambda *a, **k: (lambda: 1), "not a function", None, ..., lambda *a, **k: sys.exit(0),
                   lambda *a, **k: _ExitsWhenRead()]
TUNING = np.random.default_rng(0).random((4, 3))
ANSWER_CHECKS = {
    "box_corners": lambda a: ex.check_box_corners(a, (0.5, 0.5, 0.2, 0.3)),
    "class_accuracy": lambda a: ex.check_class_accuracy(a, np.eye(4, dtype=int) * 5 + 1),
    "best_channel": lambda a: ex.check_best_channel(a, TUNING, ["edge", "red", "blue"], "red"),
    "dead_filters": lambda a: ex.check_dead_filters(a, np.array([True, False, True])),
    "iou_values": lambda a: ex.check_iou_values(a, [((0.5, 0.5, 0.4, 0.4), (0.6, 0.5, 0.4, 0.4))]),
    "nms": lambda a: ex.check_nms(a, np.array([[0.5, 0.5, 0.4, 0.4], [0.52, 0.5, 0.4, 0.4]]), np.array([0.2, 0.9])),
    "part_filter": lambda a: ex.check_part_filter(a, {"labels": ["street", "car wheels"],
                                                      "parts": np.array([[0.2, 0.8], [1.0, 0.0]])}, [3, 5],
                                                  "car wheels"),
    "closest_filter": lambda a: ex.check_closest_filter(a, {"labels": ["street", "car wheels"],
                                                            "parts": np.array([[0.2, 0.8], [1.0, 0.0]])}, [3, 5],
                                                        ["car wheels"]),
    "cam_ingredients": lambda a: ex.check_cam_ingredients(a, a),
    "label": lambda a: ex.check_label(a, np.array([1, 0.5, 0.5, 0.2, 0.3, 0, 1, 0], np.float32)),
    "decoded": lambda a: ex.check_decoded(a, [1, 0.5, 0.5, 0.2, 0.3, 0.1, 0.8, 0.1]),
    "flip_pairs": lambda a: ex.check_flip_pairs(a),
}
FUNCTION_CHECKS = {"scale": ex.check_scale, "rms_normalize": ex.check_rms_normalize,
                   "channel_weights": ex.check_channel_weights, "heatmap": ex.check_heatmap, "iou": ex.check_iou,
                   "pck": ex.check_pck, "energy_in_mask": ex.check_energy_in_mask,
                   "deletion_curve": ex.check_deletion_curve, "rank_correlation": ex.check_rank_correlation}


@pytest.mark.parametrize("check", list(ANSWER_CHECKS), ids=list(ANSWER_CHECKS))
def test_answer_checks_give_feedback_for_anything(check):
    for value in WEIRD_VALUES:
        result = ANSWER_CHECKS[check](value)
        assert isinstance(result, ex.Feedback) and not result.right, (check, value)
        assert result.message and "Traceback" not in repr(result)


@pytest.mark.parametrize("check", list(FUNCTION_CHECKS), ids=list(FUNCTION_CHECKS))
def test_function_checks_give_feedback_for_anything(check):
    for fn in WEIRD_FUNCTIONS:
        result = FUNCTION_CHECKS[check](fn)
        assert isinstance(result, ex.Feedback) and not result.right, (check, fn)
        assert result.message
