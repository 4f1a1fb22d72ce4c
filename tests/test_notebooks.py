"""Hygiene of the committed notebooks (nbval checks that their outputs reproduce)."""

import json
import re

import pytest

from helpers.paths import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_the_course_has_its_first_notebook():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_course_data_and_model.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_executed_clean_and_portable(path):
    cells = json.loads(path.read_text())["cells"]
    counts = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        assert not re.search(r"(/Users/|/home/|/root/|C:\\)", source), f"cell {i} names a machine path"
        assert cell["execution_count"] is not None, f"cell {i} was not executed"
        counts.append(cell["execution_count"])
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"cell {i} stores an error"
            text = "".join(out.get("data", {}).get("text/plain", "")) + "".join(out.get("text", ""))
            assert "<Figure size" not in text, f"cell {i} stores a <Figure ...> line: end it with plt.show()"
            assert not re.search(r"(/Users/|/home/|/root/|/work/)", text), f"cell {i} prints a machine path"
    assert counts == list(range(1, len(counts) + 1)), "cells were not executed top to bottom in one run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_as_jupyterlab_writes_it(path):
    """Opened and closed untouched, a notebook must not ask "Save your work?": it is stored with the kernel's
    name as JupyterLab writes it, and ``collapsed`` in step with every hidden output (``make execute`` does it)."""
    from course_tools.structure import KERNEL_DISPLAY_NAME

    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["display_name"] == KERNEL_DISPLAY_NAME
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            hidden = bool(cell["metadata"].get("jupyter", {}).get("outputs_hidden"))
            assert cell["metadata"].get("collapsed", False) is hidden, f"cell {i}: `collapsed` out of step"
