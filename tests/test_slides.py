"""Slides: every cell carries slide metadata by the course's rules, and `make slides` decks open offline.

The decks are opened in headless Chromium with every request watched: anything fetched from outside the deck's
own file (a CDN, a web font, a badge image) fails the test. Records ``teaching.slides_offline``.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from browser_support import browser  # noqa: F401  (fixture)

from course_tools import metrics, slides
from course_tools.run_notebooks import NOTEBOOK_DIR, notebooks
from helpers.paths import BUILD_DIR

NOTEBOOKS = notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_cell_has_slide_metadata(path):
    nb = nbformat.read(path, as_version=4)
    types = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert None not in types, f"cells without slide metadata: {[i for i, t in enumerate(types) if t is None]}"
    assert set(types) <= {"slide", "subslide", "fragment", "-", "skip", "notes"}, set(types)
    assert types[0] == "slide", "the title opens the deck"
    title = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("# "))
    assert "slide" not in types[1:title + 1], "the title is on the first slide (with the badges), no slide before it"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            assert types[i] == "slide", f"cell {i}: a section of the lecture starts a new slide"
        if slides.SOLUTION_TAG in cell.metadata.get("tags", []):
            assert types[i] == "skip", f"cell {i}: solutions are not shown on slides"
        if slides.EVIDENCE_TAG in cell.metadata.get("tags", []):
            assert types[i] == ("notes" if cell.cell_type == "markdown" else "skip"), \
                f"cell {i}: evidence is the speaker's notes (markdown) or left off (code): --tag"
        if cell.cell_type == "code" and slides._only_checks(cell.source):
            assert types[i] == "skip", f"cell {i}: checks (assert, metrics.record) are not shown on slides " \
                                       "(python -m course_tools.slides --retag)"
    setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and slides._calls_setup(c.source))
    assert types[setup] == "skip", f"cell {setup}: the setup cell is not shown on slides (--retag)"
    assert sum(t == "slide" for t in types) >= 5, "a deck should follow the lecture's slides, section by section"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            inner = [line for line in cell.source.splitlines()[1:] if re.match(r"#{1,3} ", line)]
            assert not inner, f"cell {i}: start a new cell at the heading {inner[0]!r} so it gets its own slide"
    rise = nb.metadata.get("rise", {})
    assert {k: rise.get(k) for k in slides.RISE_SETTINGS} == slides.RISE_SETTINGS, \
        "RISE shows the slides at 1280 x 720 without scrolling: python -m course_tools.slides --tag"


def test_rise_css_is_current():
    assert (NOTEBOOK_DIR / "rise.css").read_text() == slides.RISE_CSS, \
        "notebooks/rise.css is written from course_tools/slides.py: python -m course_tools.slides --tag"


def _types(nb):
    return [c.metadata["slideshow"]["slide_type"] for c in nb.cells]


def test_slide_rules():
    md = nbformat.v4.new_markdown_cell
    code = nbformat.v4.new_code_cell
    figures = [code("plt.show()"), code("plt.show()")]
    for fig in figures:
        fig.outputs = [nbformat.v4.new_output("display_data", {"image/png": "iVBOR"})]
    solution = code("x = 1")
    solution.metadata["tags"] = [slides.SOLUTION_TAG]
    nb = nbformat.v4.new_notebook(cells=[
        md("# Title\n\n[![Open in Colab](https://c/b.svg)](https://c/x)"), code("# Colab only: ..."),
        code("from helpers.notebook import setup\nsetup(seed=0)  # the setup cell\n\nimport numpy as np"),
        md("## 1 · A section"), *figures,
        code('assert accuracy >= 0.95, "the lesson holds"\n# a comment\nassert ok'),     # checks only: skipped
        code('metrics.record("a.b", 1)\nassert ok'),                                        # checks only: skipped
        code("z = f(x)\nassert z > 0"),                                                     # code and a check: shown
        code("setup(seed=1)  # a later call is ordinary code"),
        code("%time assert ok"),                                                            # not plain Python: shown
        md("More words."), md("### A detail"), solution])
    slides.assign_slide_types(nb)
    assert _types(nb) == ["slide", "skip", "skip", "slide", "-", "subslide", "skip", "skip", "-", "-", "-",
                          "subslide", "subslide", "skip"]
    assert slides.assign_slide_types(nb, overwrite=True) == 0, "assigning twice changes nothing"
    nb.cells[11].metadata["slideshow"]["slide_type"] = "fragment"          # an instructor's choice
    nb.cells.append(md("## 2 · A new section"))
    assert slides.assign_slide_types(nb) == 1 and nb.cells[-1].metadata["slideshow"]["slide_type"] == "slide"
    assert nb.cells[11].metadata["slideshow"]["slide_type"] == "fragment", "hand-set types are kept"
    assert slides.assign_slide_types(nb, overwrite=True) == 1, "--retag re-applies the rules"

    # Badges in a cell of their own, above the title: one title slide, the badges in it.
    nb = nbformat.v4.new_notebook(cells=[md("[![Open in Colab](https://c/b.svg)](https://c/x)"),
                                         md("# Title\n\nWords."), code("# Colab only: ..."), md("## 1 · S")])
    slides.assign_slide_types(nb)
    assert _types(nb) == ["slide", "-", "skip", "slide"]


def test_rise_settings_are_stored_in_the_notebook():
    nb = nbformat.v4.new_notebook()
    assert slides.set_rise_settings(nb) == len(slides.RISE_SETTINGS)
    assert nb.metadata["rise"] == slides.RISE_SETTINGS
    assert (slides.RISE_SETTINGS["width"], slides.RISE_SETTINGS["height"]) == (1280, 720)
    assert slides.RISE_SETTINGS["scroll"] is False, "slides fit; they never scroll"
    nb.metadata["rise"].update(width=1920, theme="serif")                      # an instructor's choices
    assert slides.set_rise_settings(nb) == 0 and nb.metadata["rise"]["width"] == 1920
    assert slides.set_rise_settings(nb, overwrite=True) == 1
    assert nb.metadata["rise"]["width"] == 1280 and nb.metadata["rise"]["theme"] == "serif"


def test_retag_writes_slide_types_rise_settings_and_rise_css(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
                                         nbformat.v4.new_code_cell("assert True")])
    nbformat.write(nb, tmp_path / "00_x.ipynb")
    monkeypatch.setattr(slides, "notebooks", lambda only: [tmp_path / "00_x.ipynb"])
    monkeypatch.setattr(slides, "NOTEBOOK_DIR", tmp_path)
    assert slides.main(["--retag"]) == 0
    nb = nbformat.read(tmp_path / "00_x.ipynb", as_version=4)
    assert _types(nb) == ["slide", "skip"] and nb.metadata["rise"] == slides.RISE_SETTINGS
    assert (tmp_path / "rise.css").read_text() == slides.RISE_CSS


@pytest.mark.parametrize("badges_above", [True, False], ids=["badge-cell", "badges-under-title"])
def test_deck_opens_on_the_title_never_a_blank_slide(tmp_path, badges_above):
    try:
        slides.reveal_dir()
    except RuntimeError as exc:
        pytest.skip(f"{exc}: deck tests skipped")
    md = nbformat.v4.new_markdown_cell
    line = "[![Open in Colab](https://c/b.svg)](https://c/x) [![Binder](https://b/b.svg)](https://b/x)"
    first = [md(line), md("# The title\n\nWords.")] if badges_above else [md(f"# The title\n\n{line}\n\nWords.")]
    nb = nbformat.v4.new_notebook(cells=[*first, nbformat.v4.new_code_cell("# Colab only: ..."),
                                         md("## 1 · A section"), md("## 2 · Another")])
    slides.assign_slide_types(nb)
    nbformat.write(nb, tmp_path / "t.ipynb")
    html = slides.export_deck(tmp_path / "t.ipynb", tmp_path).read_text()
    body = html[html.index('<div class="slides">'):]
    first_slide = body[body.index("<section"):body.index("</section>")]
    assert "The title" in first_slide and "Words." in first_slide, "the deck opens on the title"
    assert "Open in Colab" not in html, "no badge images offline"
    assert body.count("<section") - body.count("<section><section") == 3, "three slides: no blank one"
    assert "width: 1280, height: 720" in html and "scrollTallSlides" not in html


def test_external_references_finds_what_a_browser_would_fetch():
    page = ('<link rel="stylesheet" href="https://cdn.example/reveal.css"><img src="data:image/png;base64,AAA">'
            '<a href="https://example.org/">a link is not fetched</a><style>@import url(fonts/a.css);</style>'
            '<script>var s = "url(${x})"; import("https://cdn.example/m.js");</script>')
    assert slides.external_references(page) == ["fonts/a.css", "https://cdn.example/m.js",
                                                 "https://cdn.example/reveal.css"]


@pytest.fixture(scope="module")
def decks():
    """Every notebook as a deck in build/slides/ (what `make slides` writes)."""
    try:
        slides.reveal_dir()
    except RuntimeError as exc:
        pytest.skip(f"{exc}: deck tests skipped")
    return [slides.export_deck(p, slides.SLIDES_DIR) for p in NOTEBOOKS]


def test_decks_are_self_contained_files(decks):
    for deck in decks:
        html = deck.read_text()
        assert slides.external_references(html) == [], deck.name
        assert "Reveal.initialize" in html and "Open in Colab" not in html
    assert all("@title Solution" not in d.read_text() for d in decks), "solutions must not be on the slides"


def _visible_text(html_text: str) -> tuple[str, str]:
    """``(slides, notes)``: the text a deck shows, and that of its speaker notes: tags and white space removed."""
    import html as html_lib

    html_text = re.sub(r"<(script|style)\b.*?</\1>", " ", html_text, flags=re.S | re.I)
    notes = " ".join(re.findall(r'<aside class="notes">(.*?)</aside>', html_text, flags=re.S))
    shown = re.sub(r'<aside class="notes">.*?</aside>', " ", html_text, flags=re.S)

    def words(fragment):              # without white space: highlighted code is split into tokens by tags
        return "".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("$", "").split())
    return words(shown), words(notes)


def _fingerprint(cell) -> str:
    """A stretch of a cell's text as a deck shows it: its longest line, markdown markup and white space removed."""
    line = max(cell.source.splitlines(), key=len)
    return "".join(re.sub(r"[*`$]|\[([^\]]*)\]\([^)]*\)", r"\1", line).split())[:50]


def test_decks_leave_the_evidence_off_the_slides_and_in_the_speaker_notes(decks):
    checked = 0
    for path, deck in zip(NOTEBOOKS, decks):
        shown, notes = _visible_text(deck.read_text())
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if slides.EVIDENCE_TAG not in cell.metadata.get("tags", []) or not cell.source.strip():
                continue
            mark = _fingerprint(cell)
            assert mark not in shown, f"{deck.name}: evidence cell {i} is on a slide ({mark!r})"
            if cell.cell_type == "markdown":
                assert mark in notes, f"{deck.name}: evidence cell {i} is not in the speaker notes ({mark!r})"
            checked += 1
    assert checked >= 10, "the notebooks in the course's structure have evidence cells"


def test_the_evidence_check_sees_evidence_on_a_slide(tmp_path):
    try:
        slides.reveal_dir()
    except RuntimeError as exc:
        pytest.skip(f"{exc}: deck tests skipped")
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [md("# Title"), md("## A section"), md("**How sure are we?** The interval is [0.24, 0.32] here."),
             code("assert hits.mean() > 0.9, 'the pointing game'")]
    nb = nbformat.v4.new_notebook(cells=cells)
    for cell in cells[2:]:
        cell.metadata["tags"] = [slides.EVIDENCE_TAG]
    slides.assign_slide_types(nb)
    nbformat.write(nb, tmp_path / "t.ipynb")
    shown, notes = _visible_text(slides.export_deck(tmp_path / "t.ipynb", tmp_path).read_text())
    assert _fingerprint(cells[2]) in notes and _fingerprint(cells[2]) not in shown
    assert _fingerprint(cells[3]) not in shown + notes
    for cell in cells[2:]:                                   # a mistagged slide type puts them on the slides
        cell.metadata["slideshow"] = {"slide_type": "-"}
    nbformat.write(nb, tmp_path / "t.ipynb")
    shown, _ = _visible_text(slides.export_deck(tmp_path / "t.ipynb", tmp_path).read_text())
    assert _fingerprint(cells[2]) in shown and _fingerprint(cells[3]) in shown


def test_decks_open_offline_in_a_browser(decks, browser):  # noqa: F811
    outside = {}
    for deck in decks:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(deck.as_uri())
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
        total = page.evaluate("() => Reveal.getTotalSlides()")
        assert total >= 8, f"{deck.name}: only {total} slides"
        page.evaluate("() => Reveal.slide(1)")            # the first section, after the title
        page.wait_for_timeout(200)
        if deck.name.startswith("03"):
            page.screenshot(path=str(BUILD_DIR / "slides" / "03_first_section.png"))
        bad = [u for u in requests if u != deck.as_uri() and not u.startswith(("data:", "blob:", "about:"))]
        if bad:
            outside[deck.name] = bad[:5]
        page.close()
    metrics.record("teaching.slides_offline", int(not outside))
    assert not outside, f"decks fetched files from outside themselves: {outside}"


def test_reveal_js_is_found_or_the_error_says_how_to_get_it(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match="make slides"):
        slides.reveal_dir()

