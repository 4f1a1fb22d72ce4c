"""One class numbering everywhere, the lecture's: 1 motorcycle (c1), 2 car (c2), 3 pedestrian (c3), 4 background.

The names are checked against the slides' order written out here (not read from ``CLASS_NAMES``); the shipped
models are checked by what they *do* on scenes drawn by class name; notebooks, helpers and tests are searched
for another order in words.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

from course_tools.run_notebooks import notebooks
from helpers.paths import ROOT

LECTURE = {1: "motorcycle", 2: "car", 3: "pedestrian", 4: "background"}

#: Ways of writing another numbering in words ("1 pedestrian", "c3 motorcycle", "pedestrian, car, motorcycle").
_OTHER_ORDER = re.compile(
    r"(?<![\w-])(?<!scene )(?:c?1\s*[:=]?\s*(?:pedestrian|car)|c?2\s*[:=]?\s*(?:pedestrian|motorcycle)|c?3\s*[:=]?\s*(?:car|motorcycle)"
    r"|pedestrian,\s*car,\s*motorcycle|car,\s*motorcycle,\s*pedestrian)\b", re.I)


def test_the_numbering_is_the_lectures():
    from helpers.scenes import CLASS_IDS, CLASS_NAMES, class_id

    assert dict(enumerate(CLASS_NAMES, start=1)) == LECTURE
    assert all(CLASS_IDS[name] == i == class_id(name) for i, name in LECTURE.items())


def test_the_pattern_finds_another_order():
    for bad in ("1 pedestrian", "c3 motorcycle", "classes: 3 = car", "pedestrian, car, motorcycle", "c1 car"):
        assert _OTHER_ORDER.search(bad), bad
    for good in ("1 motorcycle, 2 car, 3 pedestrian, 4 background", "c1 motorcycle, c2 car, c3 pedestrian",
                 "class 3: pedestrian", "14 body joints", "scene 3: car", "top-3: car"):
        assert not _OTHER_ORDER.search(good), good


def _texts():
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            yield f"{path.name} cell {i}", cell.source
            for out in cell.get("outputs", []):
                yield f"{path.name} cell {i} output", out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
    for folder in ("helpers", "course_tools", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name != "test_class_order.py":
                yield str(path.relative_to(ROOT)), path.read_text()
    yield "README.md", (ROOT / "README.md").read_text()


def test_no_notebook_helper_test_or_readme_uses_another_order():
    found = [f"{where}: {m.group(0)!r}" for where, text in _texts() for m in _OTHER_ORDER.finditer(text)]
    assert not found, "another class numbering than the lecture's:\n" + "\n".join(found[:20])


@pytest.fixture(scope="module")
def by_class():
    """Scenes drawn by class *name*, 40 of each: what the models must call them does not depend on any id table."""
    from helpers.scenes import generate_scenes

    return {name: generate_scenes(40, seed=77, classes=[name]) for name in LECTURE.values()}


def test_the_shipped_classifier_outputs_the_lectures_order(by_class):
    from helpers import course_model

    model = course_model.load_course_model()
    for cid, name in LECTURE.items():
        x = by_class[name].images.astype("float32") / 255
        predicted = model.predict(x, verbose=0).argmax(axis=1) + 1       # output k is class k + 1
        assert (predicted == cid).mean() >= 0.9, f"{name} scenes should come out as class {cid}"


def test_the_shipped_localizer_puts_c1_c2_c3_in_the_lectures_order(by_class):
    from helpers import shipped

    model = shipped.load("localizer")
    for cid, name in list(LECTURE.items())[:3]:
        y = model.predict(by_class[name].images.astype("float32") / 255, verbose=0)
        assert (y[:, 5:].argmax(axis=1) + 1 == cid).mean() >= 0.9, f"{name}: c{cid} should be the largest"
        assert np.all(y[:, 0] > 0.5)
