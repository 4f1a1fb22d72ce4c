"""The course's notebook structure: a main path to present, evidence one click away, going further after.

Every notebook has these parts, in this order (``tests/test_structure.py`` checks them, and records the budgets
below in ``build/metrics.json``):

* the **main path** -- what an instructor presents and a student must read. Per ``##`` section: the slide's claim,
  the algorithm in a short cell, the figure, and a **takeaway** -- a markdown cell starting ``**Takeaway.**``, one
  to three sentences with its number (and its interval where it compares). A claim is checked in the main path
  with ``helpers.notebook.claim`` (one line in plain words), never with a bare ``assert``. The main path ends with
  the **takeaway table** (``## Takeaways``): each slide sentence the notebook tests | what our model shows | how
  sure | the control it was measured against.
* **evidence** cells (tag ``evidence``), each right after the takeaway it backs: the intervals, subgroups,
  controls and confounds, with the ``assert`` statements CI checks. They open **collapsed** in JupyterLab
  (``metadata.jupyter.source_hidden``/``outputs_hidden``; in Colab ``cellView: form``), are left off the slides --
  an evidence markdown cell becomes the slide's **speaker notes** (``slide_type: notes``), an evidence code cell
  is skipped -- and stay, collapsed, in students' copies.
* **going further** (a ``## Going further: ...`` section, after the takeaway table): optional material past the
  slides, marked as such in the notebook and the deck; not counted in the main path's budgets.
* the **exercises** (``## Exercises``), then the maintainer's cell.

Budgets (:data:`BUDGETS`), for the main path: its markdown words; its deck slides (slides and sub-slides: what
the presenter pages through before going further); its minutes, estimated as :func:`minutes` says; no paragraph
over 120 words.
"""

from __future__ import annotations

import ast
import re

__all__ = ["EVIDENCE_TAG", "TAKEAWAY_MARK", "TAKEAWAYS_HEADING", "GOING_FURTHER", "EXERCISES_HEADING", "PENDING",
           "BUDGETS", "PARAGRAPH_WORDS", "part_of_each_cell", "main_path", "minutes", "budgets",
           "mark_evidence", "KERNEL_DISPLAY_NAME", "as_jupyterlab_writes", "problems"]

#: Cells with this tag back a takeaway: collapsed, off the slides (speaker notes), kept in students' copies.
EVIDENCE_TAG = "evidence"
#: A takeaway is a main-path markdown cell that starts with this.
TAKEAWAY_MARK = "**Takeaway.**"
#: The closing takeaway table's heading (the last section of the main path).
TAKEAWAYS_HEADING = "## Takeaways"
#: A going-further section's heading starts with this (a section number may come first: ``## 7 · Going further``).
GOING_FURTHER = "## Going further"
EXERCISES_HEADING = "## Exercises"
#: Notebooks not yet rebuilt in this structure, and the issue that rebuilds them: the test lists them as pending.
PENDING: dict[str, str] = {}
#: Main-path budgets per notebook number: words, deck slides, minutes.
BUDGETS = {nb: {"words": 1300 if nb in ("06", "07", "08") else 1000, "deck_slides": 24, "minutes": 20}
           for nb in ("00", "01", "02", "03", "04", "05", "06", "07", "08")}
#: No main-path paragraph may be longer.
PARAGRAPH_WORDS = 120

#: Sections of the main path that are not a slide's claim, so need no takeaway.
_NO_TAKEAWAY = re.compile(r"##\s+(?:\d+\s*·\s*)?(?:where next|takeaways|explore)\b", re.I)
_WHERE_NEXT = re.compile(r"##\s+(?:\d+\s*·\s*)?where next\b", re.I)
_GOING_FURTHER = re.compile(r"##\s+(?:\d+\s*·\s*)?going further\b", re.I)
_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)")


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _slide_type(cell) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")


def part_of_each_cell(nb) -> list[str]:
    """The part each cell of ``nb`` belongs to: ``main``, ``evidence``, ``skipped`` (the Colab and setup cells),
    ``going_further``, ``exercises``, ``solution`` or ``maintainer``."""
    out, part = [], "main"
    for cell in nb.cells:
        source = cell.source.lstrip()
        tags = _tags(cell)
        if cell.cell_type == "markdown" and _GOING_FURTHER.match(source):
            part = "going_further"
        elif cell.cell_type == "markdown" and source.startswith(EXERCISES_HEADING):
            part = "exercises"
        if "maintainer" in tags:
            out.append("maintainer")
        elif "solution" in tags:
            out.append("solution")
        elif EVIDENCE_TAG in tags:
            out.append("evidence" if part == "main" else part)
        elif part == "main" and _slide_type(cell) == "skip":
            out.append("skipped")
        else:
            out.append(part)
    return out


def main_path(nb) -> list:
    """The cells of the main path, in order."""
    return [c for c, p in zip(nb.cells, part_of_each_cell(nb)) if p == "main"]


def _prose(markdown: str) -> str:
    """Markdown as read aloud: no badges, no code fences' markup, no table rules."""
    text = _BADGE.sub("", markdown)
    text = re.sub(r"^\s*\|?\s*:?-{3,}.*$", "", text, flags=re.M)          # table separator rows
    return text.replace("|", " ")


def _words(text: str) -> int:
    return sum(bool(re.search(r"\w", token)) for token in _prose(text).split())


def _paragraphs(markdown: str) -> list[str]:
    """Blocks separated by blank lines; a table counts row by row, a list item by item (a long bullet is a long
    paragraph; a table of short rows is not one long paragraph)."""
    out = []
    for block in re.split(r"\n\s*\n", _BADGE.sub("", markdown)):
        if not block.strip():
            continue
        lines = block.strip().splitlines()
        if all(line.lstrip().startswith("|") for line in lines):
            out += [_prose(line) for line in lines]
        else:
            items = re.split(r"\n(?=\s*(?:[*-]|\d+\.)\s)", block)
            out += [_prose(item) for item in items]
    return out


def _has_figure(cell) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def minutes(words: int, figures: int, code_cells: int) -> float:
    """Minutes to present a main path: the text at 130 words a minute (a lecture's pace), plus 45 s to explain
    each figure and 15 s to show each code cell."""
    return round(words / 130 + 0.75 * figures + 0.25 * code_cells, 1)


def budgets(nb) -> dict:
    """The main path's measured budgets: ``words``, ``deck_slides``, ``minutes``, ``longest_paragraph``,
    ``figures``, ``code_cells``."""
    cells = main_path(nb)
    markdown = [c.source for c in cells if c.cell_type == "markdown"]
    code = [c for c in cells if c.cell_type == "code"]
    words = sum(_words(m) for m in markdown)
    figures = sum(_has_figure(c) for c in code)
    paragraphs = [_words(p) for m in markdown for p in _paragraphs(m)]
    return {"words": words,
            "deck_slides": sum(_slide_type(c) in ("slide", "subslide") for c in cells),
            "minutes": minutes(words, figures, len(code)),
            "longest_paragraph": max(paragraphs, default=0),
            "figures": figures, "code_cells": len(code)}


def mark_evidence(nb) -> int:
    """Give every evidence cell of ``nb`` its metadata: collapsed in JupyterLab and Colab, speaker notes
    (markdown) or skipped (code) on slides. Returns how many cells changed."""
    changed = 0
    for cell in nb.cells:
        if EVIDENCE_TAG not in _tags(cell):
            continue
        before = repr(cell.metadata)
        jupyter = cell.metadata.setdefault("jupyter", {})
        jupyter["source_hidden"] = True
        if cell.cell_type == "code":
            jupyter["outputs_hidden"] = True
            cell.metadata["cellView"] = "form"
        cell.metadata.setdefault("slideshow", {})["slide_type"] = "notes" if cell.cell_type == "markdown" else "skip"
        changed += repr(cell.metadata) != before
    return changed


#: The kernel's name as JupyterLab writes it into a notebook when it starts ipykernel's ``python3`` kernel.
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"


def as_jupyterlab_writes(nb) -> int:
    """Store ``nb`` as JupyterLab itself writes it, so that a notebook opened and closed untouched is not "changed"
    (no "Save your work?"): the kernel's display name, and ``collapsed`` beside every hidden output (JupyterLab keeps
    the old flag and ``jupyter.outputs_hidden`` in step). Returns how many things changed. Called by ``make execute``
    and ``python -m course_tools.slides --tag``."""
    changed = 0
    spec = nb.metadata.setdefault("kernelspec", {})
    want = {"display_name": KERNEL_DISPLAY_NAME, "language": "python", "name": "python3"}
    if spec != want:
        nb.metadata["kernelspec"] = want
        changed += 1
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        hidden = bool(cell.metadata.get("jupyter", {}).get("outputs_hidden"))
        if hidden and cell.metadata.get("collapsed") is not True:
            cell.metadata["collapsed"] = True
            changed += 1
        elif not hidden and "collapsed" in cell.metadata:
            del cell.metadata["collapsed"]
            changed += 1
    return changed


def _asserts(source: str) -> int:
    try:
        return sum(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(source)))
    except SyntaxError:
        return len(re.findall(r"^\s*assert\b", source, flags=re.M))


def _sentences(text: str) -> int:
    body = re.sub(r"`[^`]*`|\$[^$]*\$", "x", text.replace(TAKEAWAY_MARK, ""))
    body = re.sub(r"\b(?:e\.g|i\.e|vs|cf|et al)\.", "x", body)
    body = re.sub(r"\d\.\d", "0", body)
    return len([s for s in re.split(r"(?<=[.!?])\s+", body.strip()) if s.strip()])


def problems(nb, number: str) -> list[str]:
    """What breaks the structure in ``nb`` (notebook ``number``, e.g. ``"03"``): an empty list when it holds."""
    found: list[str] = []
    parts = part_of_each_cell(nb)
    cells = list(zip(nb.cells, parts))
    # sections of the main path, and their takeaways
    section, has_takeaway, sections = None, False, []
    for cell, part in cells:
        if part != "main" or cell.cell_type != "markdown":
            continue
        source = cell.source.lstrip()
        if source.startswith("## "):
            sections.append((section, has_takeaway))
            section, has_takeaway = source.splitlines()[0], False
        if source.startswith(TAKEAWAY_MARK):
            has_takeaway = True
            n = _sentences(source)
            if not 1 <= n <= 3:
                found.append(f"takeaway under {section!r}: {n} sentences (one to three)")
            if not re.search(r"\d", source):
                found.append(f"takeaway under {section!r}: no number")
    sections.append((section, has_takeaway))
    for name, ok in sections[1:]:
        if not ok and not _NO_TAKEAWAY.match(name):
            found.append(f"section {name!r} has no takeaway (a markdown cell starting {TAKEAWAY_MARK!r})")
    # the takeaway table closes the main path
    main_md = [c for c, p in cells if p == "main" and c.cell_type == "markdown"]
    headings = [c.source.lstrip().splitlines()[0] for c in main_md if c.source.lstrip().startswith("## ")]
    headings = [h for h in headings if not _WHERE_NEXT.match(h)]          # a roadmap may follow the table
    if not headings or headings[-1] != TAKEAWAYS_HEADING:
        found.append(f"the main path does not end with the takeaway table ({TAKEAWAYS_HEADING!r} section)")
    else:
        table = next(c.source for c in main_md if c.source.lstrip().startswith(TAKEAWAYS_HEADING))
        header = next((line.lower() for line in table.splitlines() if line.startswith("|")), "")
        for column in ("slide", "our model", "how sure", "control"):
            if column not in header:
                found.append(f"the takeaway table has no {column!r} column")
    # claims in plain words, evidence collapsed and off the slides
    for i, (cell, part) in enumerate(cells):
        if (cell.cell_type == "code" and part in ("main", "going_further") and EVIDENCE_TAG not in _tags(cell)
                and _asserts(cell.source)):
            found.append(f"cell {i}: a bare `assert` in the {part.replace('_', ' ')} (use notebook.claim, or move "
                         "it to an evidence cell)")
        if part == "evidence":
            meta = cell.metadata
            if not meta.get("jupyter", {}).get("source_hidden"):
                found.append(f"cell {i}: evidence not collapsed (run `python -m course_tools.slides --tag`)")
            if _slide_type(cell) not in ("skip", "notes"):
                found.append(f"cell {i}: evidence shown on the slides")
    if not any(p == "evidence" for p in parts):
        found.append("no evidence cell: where are the intervals and asserts that back the takeaways?")
    # budgets
    limits, got = BUDGETS[number], budgets(nb)
    for key in ("words", "deck_slides", "minutes"):
        if got[key] > limits[key]:
            found.append(f"main path {key.replace('_', ' ')}: {got[key]} > {limits[key]}")
    if got["longest_paragraph"] > PARAGRAPH_WORDS:
        found.append(f"a main-path paragraph of {got['longest_paragraph']} words (> {PARAGRAPH_WORDS})")
    return found
