"""Students' own copies of the notebooks: ``make student``.

Writes each notebook into ``student/`` (git-ignored, so ``git pull`` never touches a student's work) without
outputs and without the exercises' solutions. A copy that already exists is never overwritten: it is kept,
and the command says so (delete or rename it to get a fresh one).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.paths import ROOT

from .run_notebooks import notebooks
from .slides import MAINTAINER_TAG, SOLUTION_TAG

__all__ = ["STUDENT_DIR", "SOLUTIONS_SENTENCE", "STUDENT_SENTENCE", "student_version", "write_copies", "main"]

#: Where students' copies go (listed in .gitignore).
STUDENT_DIR = ROOT / "student"


#: What every notebook says about its solutions (above its exercises) ...
SOLUTIONS_SENTENCE = ("Each exercise is followed by its **solution**, collapsed: one click on the `···` bar opens it "
                      "(in Colab: click *Show code*).")
#: ... and what a student's copy, which has none, says instead.
STUDENT_SENTENCE = ("Your copy has **no solutions**: the check under each exercise tells you when you are right. "
                    "Stuck? `make lab TEACH=1` opens the instructor's copies, with every solution (one click on "
                    "the `···` bar under an exercise opens it).")


def student_version(nb):
    """A clean copy of ``nb``: no outputs, no execution counts, no solution or maintainer cells, no widget state."""
    import copy

    clean = copy.deepcopy(nb)
    clean.metadata.pop("widgets", None)
    clean.cells = [c for c in clean.cells
                   if not {SOLUTION_TAG, MAINTAINER_TAG} & set(c.metadata.get("tags", []))]
    for cell in clean.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(SOLUTIONS_SENTENCE, STUDENT_SENTENCE)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return clean


def write_copies(sources: list[Path], folder: Path = STUDENT_DIR) -> tuple[list[Path], list[Path]]:
    """Write students' copies of ``sources`` into ``folder``; returns ``(written, kept)``: copies that
    already existed are kept untouched."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for src in sources:
        dest = folder / src.name
        if dest.exists():
            kept.append(dest)
            continue
        nbformat.write(student_version(nbformat.read(src, as_version=4)), dest)
        written.append(dest)
    return written, kept


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("only", nargs="*", help="only notebooks whose name starts with these (e.g. 03)")
    args = ap.parse_args(argv)

    written, kept = write_copies(notebooks(args.only))
    for p in written:
        print(f"wrote {p.relative_to(ROOT)}")
    for p in kept:
        print(f"kept  {p.relative_to(ROOT)}: it is already there, and may hold your work "
              "(delete or rename it for a fresh copy)")
    print(f"open them with: make lab  (or jupyter lab {STUDENT_DIR.relative_to(ROOT)}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
