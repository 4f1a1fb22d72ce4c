"""make backends: a figure agrees with TensorFlow's to the precision the notebook recorded it with."""

import math

from course_tools.backend_notebooks import compare


def _diffs(reference, other):
    return {key: (diff, allowed) for key, _, _, diff, allowed in compare(reference, other)}


def test_a_figure_agrees_to_its_last_recorded_decimal():
    rows = _diffs({"a.acc": 0.9955, "a.n": 300, "a.ci": [0.12, 0.3]},
                  {"a.acc": 0.9956, "a.n": 300, "a.ci": [0.12, 0.32]})
    assert math.isclose(rows["a.acc"][0], 1e-4, rel_tol=1e-6) and rows["a.acc"][1] == 1e-4   # one unit: allowed
    assert rows["a.n"] == (0.0, 0.0)                                                           # whole numbers: exact
    assert rows["a.ci[1]"][0] > rows["a.ci[1]"][1] + 1e-9                                      # 0.3 vs 0.32: beyond


def test_missing_figures_count_as_infinitely_far_and_timings_are_not_compared():
    rows = _diffs({"b.x": 0.5, "timing.00.seconds": 3.0, "teaching.words.nb00": 900, "c.widget_update_ms": 2.0},
                  {})
    assert rows == {"b.x": (math.inf, 0.1)}


def test_round_off_residuals_agree():
    rows = _diffs({"cam.cam_equals_gradcam": 2.98023e-07}, {"cam.cam_equals_gradcam": 2.38419e-07})
    diff, allowed = rows["cam.cam_equals_gradcam"]
    assert diff <= allowed
