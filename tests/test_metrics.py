import json

import numpy as np
import pytest

from course_tools.metrics import load, record


def test_record_merges_into_one_flat_object(tmp_path):
    path = tmp_path / "metrics.json"
    record("course_model.test_accuracy", np.float32(0.97), path=path)
    record({"timing.00_x.seconds": 12.5, "activations.sparsity_by_layer": np.array([0.1, 0.4])}, path=path)
    data = json.loads(path.read_text())
    assert data == load(path)
    assert data["course_model.test_accuracy"] == pytest.approx(0.97)
    assert data["activations.sparsity_by_layer"] == pytest.approx([0.1, 0.4])
    assert len(data) == 3


def test_record_takes_a_table_of_numbers_by_name(tmp_path):
    path = tmp_path / "metrics.json"
    record("teaching.slides_overflowing_by_notebook", {"00_x": 2, "01_y": np.int64(0)}, path=path)
    assert load(path) == {"teaching.slides_overflowing_by_notebook": {"00_x": 2, "01_y": 0}}


@pytest.mark.parametrize("value, error", [(float("nan"), ValueError), ([1.0, float("inf")], ValueError),
                                          ("high", TypeError), (None, TypeError),
                                          ({"a": float("nan")}, ValueError), ({"a": "many"}, TypeError),
                                          ({"a": {"b": 1}}, TypeError), ({}, ValueError), ({1: 2}, ValueError)])
def test_record_refuses_what_is_not_a_finite_number(tmp_path, value, error):
    with pytest.raises(error):
        record("x", value, path=tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_record_takes_one_interval_per_layer(tmp_path):
    from course_tools import metrics

    path = tmp_path / "m.json"
    metrics.record("filters.complexity_ci_by_layer", [[0.4, 0.8], [0.79, 0.9]], path=path)
    assert metrics.load(path)["filters.complexity_ci_by_layer"] == [[0.4, 0.8], [0.79, 0.9]]
    for bad in ([[0.4, float("nan")]], [[[0.1]]], [[0.4, "x"]]):
        with pytest.raises((TypeError, ValueError)):
            metrics.record("k", bad, path=path)
