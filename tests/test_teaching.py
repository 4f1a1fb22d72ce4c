"""Teaching experience: exercises in every notebook, students' copies, and opening anywhere (Colab/Binder).

Records ``teaching.exercises`` (the number of exercises across the notebooks).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types

import nbformat
import pytest

from course_tools import metrics, open_anywhere, student
from course_tools.run_notebooks import notebooks
from course_tools.slides import MAINTAINER_TAG, SOLUTION_TAG
from helpers.paths import ROOT

NOTEBOOKS = notebooks()


def _exercises(nb) -> list[tuple]:
    """``(heading, stub, solution)`` cells of each exercise: a '### Exercise' heading, the code cell a
    student fills in, and the solution cell after it."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.startswith("### Exercise"):
            found.append((cell, nb.cells[i + 1], nb.cells[i + 2]))
    return found


def _text(cell) -> str:
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_ends_with_two_to_four_checked_exercises(path):
    nb = nbformat.read(path, as_version=4)
    exercises = _exercises(nb)
    assert 2 <= len(exercises) <= 4, f"{len(exercises)} exercises"
    first = nb.cells.index(exercises[0][0])
    assert nb.cells[first - 1].source.startswith("## Exercises"), "the exercises come together, at the end"
    for heading, stub, solution in exercises:
        assert "..." in stub.source and "exercises.check_" in stub.source, heading.source
        assert "✘ Not yet" in _text(stub), f"{heading.source[:40]}: the blank exercise should say 'not yet'"
        assert SOLUTION_TAG in solution.metadata.get("tags", []), heading.source
        assert solution.metadata.get("jupyter", {}).get("source_hidden") is True, "solutions start collapsed"
        assert solution.metadata.get("cellView") == "form", "in Colab too"
        assert "✔ Right" in _text(solution), f"{heading.source[:40]}: the solution must pass its own check"


def test_exercise_count_is_recorded():
    count = sum(len(_exercises(nbformat.read(p, as_version=4))) for p in NOTEBOOKS)
    assert count >= 2 * len(NOTEBOOKS)
    metrics.record("teaching.exercises", count)


# ------------------------------------------------------------------------------------------
# students' own copies
# ------------------------------------------------------------------------------------------

def test_student_copies_have_no_outputs_and_no_solutions(tmp_path):
    written, kept = student.write_copies(NOTEBOOKS, tmp_path)
    assert len(written) == len(NOTEBOOKS) and kept == []
    for copy in written:
        nb = nbformat.read(copy, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code)
        assert not any(SOLUTION_TAG in c.metadata.get("tags", []) for c in nb.cells)
        assert not any(MAINTAINER_TAG in c.metadata.get("tags", []) or "metrics." in c.source for c in nb.cells), \
            "students' copies carry no maintainer instrumentation"
        assert "widgets" not in nb.metadata
        assert _exercises_without_solutions(nb) >= 2, "the exercises themselves stay"
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert student.STUDENT_SENTENCE in text and "solution**, collapsed" not in text, \
            "a student's copy says it has no solutions (never that one follows each exercise)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_the_notebooks_say_how_to_open_a_solution_in_one_click(path):
    nb = nbformat.read(path, as_version=4)
    assert sum(student.SOLUTIONS_SENTENCE in c.source for c in nb.cells) == 1
    titles = [c.source.splitlines()[0] for c in nb.cells if SOLUTION_TAG in c.metadata.get("tags", [])]
    assert titles and all(t == "# @title Solution (click to show)" for t in titles), titles


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_instrumentation_lives_in_the_last_cell_only(path):
    """What maintainers measure (``metrics.record``, timing checks) stays out of the cells students read."""
    nb = nbformat.read(path, as_version=4)
    last = nb.cells[-1]
    assert MAINTAINER_TAG in last.metadata.get("tags", []) and "metrics.record" in last.source
    assert last.metadata.get("slideshow", {}).get("slide_type") == "skip"
    for i, cell in enumerate(nb.cells[:-1]):
        assert MAINTAINER_TAG not in cell.metadata.get("tags", []), f"cell {i}: only the last cell is the maintainer's"
        assert "metrics." not in cell.source and "_ms <=" not in cell.source, f"cell {i} records or times: move it"


def _exercises_without_solutions(nb) -> int:
    return sum(c.cell_type == "markdown" and c.source.startswith("### Exercise") for c in nb.cells)


def _names(source: str, ctx) -> set[str]:
    import ast

    tree = ast.parse("\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!"))))
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}
    if ctx is ast.Store:
        found |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        found |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                  if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nothing_after_a_solution_needs_it(path):
    """Students' copies have no solutions: no later cell may use a name that only a solution defines."""
    import ast
    import builtins

    defined = set(dir(builtins))
    only_in_solutions: set[str] = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            only_in_solutions |= _names(cell.source, ast.Store) - defined
            continue
        used = _names(cell.source, ast.Load) - _names(cell.source, ast.Store) - defined
        assert not used & only_in_solutions, f"uses {used & only_in_solutions}, defined only in a solution"
        defined |= _names(cell.source, ast.Store)


def test_student_copies_are_never_overwritten(tmp_path):
    student.write_copies(NOTEBOOKS[:1], tmp_path)
    mine = tmp_path / NOTEBOOKS[0].name
    mine.write_text(mine.read_text().replace("# your code", "# my own answer"))
    edited = mine.read_text()
    written, kept = student.write_copies(NOTEBOOKS[:2], tmp_path)
    assert kept == [mine] and [p.name for p in written] == [NOTEBOOKS[1].name]
    assert mine.read_text() == edited


def test_make_student_says_what_it_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(student, "ROOT", tmp_path)
    monkeypatch.setattr(student, "STUDENT_DIR", tmp_path / "student")
    monkeypatch.setattr(student, "write_copies",
                        lambda sources: ([tmp_path / "student" / "a.ipynb"], [tmp_path / "student" / "b.ipynb"]))
    assert student.main(["00"]) == 0
    out = capsys.readouterr().out
    assert "wrote student/a.ipynb" in out and "kept  student/b.ipynb" in out and "fresh copy" in out


def test_student_folder_is_git_ignored():
    assert "student/" in (ROOT / ".gitignore").read_text().split()


# ------------------------------------------------------------------------------------------
# open anywhere: badges and the Colab cell
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cells_carry_badges_and_the_colab_cell(path):
    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(ROOT).as_posix()
    title, _, rest = nb.cells[0].source.partition("\n")
    assert title.startswith("# "), "the first cell is the notebook's title: the first slide"
    assert rest.lstrip("\n").startswith(open_anywhere.badges(rel)), "badges for this very notebook, under its title"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == open_anywhere.colab_cell_source()
    assert first_code.outputs == [], "outside Colab the cell prints nothing"
    assert first_code.metadata.get("jupyter", {}).get("source_hidden") is True and \
        first_code.metadata.get("cellView") == "form", "the installer opens collapsed (JupyterLab and Colab)"
    assert first_code.metadata["slideshow"]["slide_type"] == "skip", "and is never on a slide"


def test_readme_badges_open_the_first_notebook():
    assert open_anywhere.badges(open_anywhere.README_NOTEBOOK) in (ROOT / "README.md").read_text()


def test_badges_point_at_the_repository():
    line = open_anywhere.badges("notebooks/x.ipynb", "https://github.com/someone/course")
    assert "colab.research.google.com/github/someone/course/blob/main/notebooks/x.ipynb" in line
    assert "mybinder.org/v2/gh/someone/course/main?labpath=notebooks%2Fx.ipynb" in line
    assert open_anywhere.strip_badges(line + "\n\n# Title") == "# Title"
    placed = open_anywhere.with_badges("# Title\n\nSome words.", "notebooks/x.ipynb", "https://github.com/a/b")
    assert placed.splitlines()[0] == "# Title" and placed.splitlines()[2].startswith("[![Open in Colab]")
    assert placed.endswith("\n\nSome words.") and open_anywhere.strip_badges(placed) == "# Title\n\nSome words."
    assert open_anywhere.with_badges(placed, "notebooks/x.ipynb", "https://github.com/a/b") == placed
    with pytest.raises(ValueError, match="OWNER/NAME"):
        open_anywhere.repository_url(_pyproject_with("https://gitlab.com/a/b"))


def _pyproject_with(url):
    import tempfile
    from pathlib import Path

    p = Path(tempfile.mkdtemp()) / "pyproject.toml"
    p.write_text(f'[project]\nname = "x"\n[project.urls]\nRepository = "{url}"\n')
    return p


def _run_colab_cell(monkeypatch, in_colab: bool, present=("keras", "ipywidgets", "matplotlib"), isdir=False):
    """Run the Colab cell with a fake Colab; returns pip/git calls, folder changes, widget managers turned on and
    the files it wrote (the clone's constraints.txt is the repository's own)."""
    import tempfile
    from pathlib import Path

    calls, moved, widgets, written = [], [], [], {}
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(os, "chdir", lambda d: moved.append(d))
    monkeypatch.setattr(os.path, "isdir", lambda d: isdir)
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: real(name, *a) if name in present else None)
    if in_colab:
        colab = types.ModuleType("google.colab")
        colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: widgets.append(True))
        monkeypatch.setitem(sys.modules, "google.colab", colab)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    scratch = Path(tempfile.mkdtemp())
    clone = "/content/" + open_anywhere.repository_url().rsplit("/", 1)[1]

    def fake_open(path, mode="r", *args, **kwargs):
        path = str(path)
        if path.startswith(clone + "/"):
            return open(ROOT / path[len(clone) + 1:], mode, *args, **kwargs)
        assert "w" in mode, f"the cell reads only the course's files, not {path}"
        written[path] = scratch / Path(path).name
        return open(written[path], mode, *args, **kwargs)

    saved_path = list(sys.path)
    try:
        exec(open_anywhere.colab_cell_source(), {"open": fake_open})
        return calls, moved, widgets, {k: v.read_text().split() for k, v in written.items()}
    finally:
        sys.path[:] = saved_path
        shutil.rmtree(scratch, ignore_errors=True)


def test_colab_cell_does_nothing_elsewhere(monkeypatch, capsys):
    calls, moved, widgets, written = _run_colab_cell(monkeypatch, in_colab=False)
    assert calls == [] and moved == [] and widgets == [] and written == {} and capsys.readouterr().out == ""


def _pip(call) -> tuple[list[str], str]:
    """The packages of a pip install call and the constraints file it names (-c)."""
    assert call[:5] == [sys.executable, "-m", "pip", "install", "--quiet"] and call[5] == "-c", call
    return call[7:], call[6]


def test_colab_cell_fetches_the_course_and_installs_only_what_is_missing(monkeypatch):
    url = open_anywhere.repository_url()
    calls, moved, widgets, written = _run_colab_cell(monkeypatch, in_colab=True)
    assert calls[0][:4] == ["git", "clone", "--depth", "1"] and calls[0][4] == url
    assert len(calls) == 1 and written == {}, "Colab already has everything: nothing to pip-install"
    assert moved and moved[0].endswith("/notebooks") and widgets == [True]

    calls, _, _, written = _run_colab_cell(monkeypatch, in_colab=True, present=("keras", "matplotlib"), isdir=True)
    assert len(calls) == 1, "already cloned: just pip"
    packages, constraints = _pip(calls[0])
    assert packages == ["ipywidgets>=8.1,<9"], "installs just ipywidgets"
    pins = written[constraints]
    assert "ipywidgets==8.1.9" in pins, "at the version the course is tested with (constraints.txt)"
    assert not any(p.startswith(("numpy==", "keras==", "matplotlib==")) for p in pins), \
        "a package already there (Colab's numpy under its TensorFlow) is never replaced by a pin"


@pytest.mark.parametrize("old", ["2.15.0", "3.10.0"])
def test_colab_cell_replaces_a_keras_older_than_the_floor(monkeypatch, old):
    """Keras 2, and a Keras 3 from before the load_model fixes, are replaced by the tested Keras."""
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda name: old)
    calls, _, _, written = _run_colab_cell(monkeypatch, in_colab=True, isdir=True)
    assert len(calls) == 1
    packages, constraints = _pip(calls[0])
    assert packages == [open_anywhere.colab_requirements()["keras"]] == ["keras>=3.15.1,<4"]
    pins = written[constraints]
    assert "keras==3.15.1" in pins and not any(p.startswith("numpy==") for p in pins)


def test_colab_cell_keeps_a_keras_at_the_floor(monkeypatch):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda name: "3.15.1")
    calls, _, _, written = _run_colab_cell(monkeypatch, in_colab=True, isdir=True)
    assert calls == [] and written == {}


def test_environment_file_works_for_binder():
    """Binder (repo2docker) builds environment.yml at the top; with `-e .` it copies the repository first."""
    import yaml

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip and any(p.startswith("jupyterlab-rise") for p in pip)
    assert not (ROOT / "binder").exists(), "a binder/ folder would hide the top-level environment.yml"


def test_stored_prints_are_merged_as_jupyterlab_shows_them():
    import nbformat

    from course_tools.run_notebooks import merge_streams

    out = nbformat.v4.new_output
    parts = [out("stream", name="stdout", text="epoch "), out("stream", name="stdout", text="1/2 · "),
             out("stream", name="stderr", text="warn\n"), out("stream", name="stdout", text="2/2\n"),
             out("display_data", data={"text/plain": "x"}), out("stream", name="stdout", text="done\n")]
    merged = merge_streams(parts)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "epoch 1/2 · "), ("stream", "stderr", "warn\n"), ("stream", "stdout", "2/2\n"),
        ("display_data", None, None), ("stream", "stdout", "done\n")]
    for path in NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            outs = cell.get("outputs", [])
            assert merge_streams([dict(o) for o in outs]) == [dict(o) for o in outs], f"{path.name} cell {i}"
