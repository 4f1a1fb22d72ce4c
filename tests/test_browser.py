"""A real browser, as a student would use the course: JupyterLab from this environment on a free loopback
port, opened in headless Chromium; open a notebook, Run All Cells, and check that no cell shows an error and
that the ipywidgets explorer rendered. Saves a screenshot in build/browser/ and records
``teaching.browser_test_seconds``."""

from __future__ import annotations

import shutil
import time

import pytest

from browser_support import TOKEN, browser, chromium_path, jupyter_lab  # noqa: F401  (fixture)
import nbformat

from course_tools import metrics, student
from course_tools.structure import EVIDENCE_TAG
from helpers.paths import BUILD_DIR, ROOT

#: The notebook the browser runs: the fastest with an ipywidgets explorer.
NOTEBOOK = "03_class_activation_heatmaps.ipynb"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of the notebook (the browser's edits never touch the course's files), and in
    ``student/`` the student's copy that ``make lab`` makes (course_tools.student)."""
    if chromium_path() is None:
        pytest.skip("no Chromium on this machine: browser test skipped (install Debian's `chromium`)")
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    student.write_copies([ROOT / "notebooks" / NOTEBOOK], root / "student")
    with jupyter_lab(root, tmp_path_factory.mktemp("lab-log")) as url:
        yield url


_KERNEL_IDLE = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle'; }"""
_ALL_RUN = """() => { const w = window.jupyterapp.shell.currentWidget;
  const cells = [...w.content.model.cells];
  return w.sessionContext.session.kernel.status === 'idle'
    && cells.filter(c => c.type === 'code' && c.sharedModel.getSource().trim())
            .every(c => c.executionCount !== null)
    && ![...document.querySelectorAll('.jp-InputArea-prompt')].some(e => e.textContent.includes('*')); }"""
_ERRORS = """() => { const cells = [...window.jupyterapp.shell.currentWidget.content.model.cells];
  const out = [];
  cells.forEach((c, i) => { if (c.type !== 'code') return;
    for (let j = 0; j < c.outputs.length; j++) {
      const o = c.outputs.get(j).toJSON();
      if (o.output_type === 'error') out.push(`cell ${i}: ${o.ename}: ${o.evalue}`); } });
  return out; }"""


_EVIDENCE_SHOWN = """(tag) => window.jupyterapp.shell.currentWidget.content.widgets
  .filter(c => (c.model.getMetadata('tags') || []).includes(tag))
  .map(c => ({input: !c.inputHidden, output: c.model.type === 'code' && !c.outputHidden}))"""
_CELL_SOURCES = """() => [...window.jupyterapp.shell.currentWidget.content.model.cells]
  .map(c => ({source: c.sharedModel.getSource(), tags: c.getMetadata('tags') || []}))"""
#: The text of every slide of a reveal.js deck, each shown in turn (hidden things -- skipped cells, speaker notes --
#: are not in a slide's innerText), white space removed.
_SLIDE_TEXTS = """async () => {
  const leaves = [];
  document.querySelectorAll('.reveal .slides > section').forEach((top, h) => {
    const subs = top.querySelectorAll(':scope > section');
    if (subs.length) subs.forEach((s, v) => leaves.push([h, v])); else leaves.push([h, 0]); });
  const texts = [];
  for (const [h, v] of leaves) {
    if (window.Reveal && Reveal.slide) Reveal.slide(h, v); else location.hash = '#/' + h + '/' + v;
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const top = document.querySelectorAll('.reveal .slides > section')[h];
    const subs = top.querySelectorAll(':scope > section');
    texts.push((subs.length ? subs[v] : top).innerText.replace(/\\s+/g, ''));
  }
  return texts; }"""


def _fingerprint(source: str) -> str:
    """The longest line of a cell as a slide shows it: markdown markup and white space removed."""
    import re

    line = max(source.splitlines(), key=len)
    return "".join(re.sub(r"[*`$]|\[([^\]]*)\]\([^)]*\)", r"\1", line).split())[:50]


def test_notebook_runs_in_jupyterlab_with_widgets(browser, lab):  # noqa: F811
    t0 = time.perf_counter()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab}/lab/tree/{NOTEBOOK}?token={TOKEN}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.wait_for_function(_KERNEL_IDLE, timeout=90_000)

    evidence_shown = page.evaluate(_EVIDENCE_SHOWN, EVIDENCE_TAG)     # as JupyterLab opened it, before any click
    page.wait_for_timeout(1500)                                       # let JupyterLab write what it rewrites
    dirty_on_open = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
    rise = page.evaluate("() => window.jupyterapp.commands.listCommands().filter(c => c.startsWith('RISE:'))")
    assert rise, "jupyterlab-rise is not loaded: an instructor could not present the notebook as slides"

    page.click(".lm-MenuBar-itemLabel:text-is('Run')")           # as a student would: Run > Run All Cells
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    page.wait_for_timeout(1000)
    page.wait_for_function(_ALL_RUN, timeout=300_000, polling=500)
    seconds = time.perf_counter() - t0

    errors = page.evaluate(_ERRORS)
    shown = page.locator(".jp-OutputArea-output:has-text('Traceback')").count()
    widget = page.locator(".jp-OutputArea-output .widget-dropdown select, .jp-OutputArea-output .widget-slider")
    widgets = widget.count()
    if widgets:
        widget.first.scroll_into_view_if_needed()
    (BUILD_DIR / "browser").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(BUILD_DIR / "browser" / f"{NOTEBOOK.removesuffix('.ipynb')}.png"))

    # Present live: jupyterlab-rise renders the same notebook as slides (Alt+R), the Colab cell skipped.
    page.evaluate("() => window.jupyterapp.commands.execute('RISE:preview')")
    deck = None
    for _ in range(120):
        deck = next((f for f in page.frames if "/rise/" in f.url), None)
        if deck is not None and deck.evaluate("() => document.querySelectorAll('.reveal .slides section').length"):
            break
        page.wait_for_timeout(500)
    sections = deck.evaluate("() => document.querySelectorAll('.reveal .slides section').length") if deck else 0
    colab_on_slides = deck.evaluate("() => document.body.innerText.includes('Colab only')") if deck else None
    slide_texts = deck.evaluate(_SLIDE_TEXTS) if deck else []
    page.screenshot(path=str(BUILD_DIR / "browser" / "03_rise_slides.png"))
    page.close()

    assert evidence_shown and not any(e["input"] or e["output"] for e in evidence_shown), \
        f"evidence cells should open collapsed: {evidence_shown}"
    assert dirty_on_open is False, "opened and untouched, the notebook is already changed: closing it would ask " \
                                   "'Save your work?' (store it as JupyterLab writes it: structure.as_jupyterlab_writes)"
    evidence = [c.source for c in nbformat.read(ROOT / "notebooks" / NOTEBOOK, as_version=4).cells
                if EVIDENCE_TAG in c.metadata.get("tags", []) and c.source.strip()]
    on_slides = [_fingerprint(e) for e in evidence if any(_fingerprint(e) in t for t in slide_texts)]
    assert len(slide_texts) >= 10 and not on_slides, f"evidence on the RISE slides: {on_slides[:3]}"
    assert sections >= 10, f"jupyterlab-rise did not render the notebook as slides ({sections} sections)"
    assert colab_on_slides is False, "the Colab cell should be skipped on the slides"
    assert errors == [] and shown == 0, f"cells show errors in the browser: {errors or shown}"
    assert widgets >= 2, "the ipywidgets explorer did not render (no dropdown or slider in the outputs)"
    metrics.record("teaching.browser_test_seconds", round(seconds, 1))


def test_a_students_first_command_opens_copies_without_solutions(browser, lab):  # noqa: F811
    """``make lab`` (the README's first command) serves the student's copies: in JupyterLab, the exercises are
    there, their solutions and the maintainer's cell are not, and the evidence is there, collapsed."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab}/lab/workspaces/student/tree/student/{NOTEBOOK}?reset&token={TOKEN}")   # its own workspace
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.wait_for_function("""(path) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
      return !!w && !!w.context && w.context.path === path && w.content.widgets.length > 10; }""",
                           arg=f"student/{NOTEBOOK}", timeout=30_000)
    cells = page.evaluate(_CELL_SOURCES)
    evidence_shown = page.evaluate(_EVIDENCE_SHOWN, EVIDENCE_TAG)
    outputs = page.locator(".jp-OutputArea-output").count()
    page.screenshot(path=str(BUILD_DIR / "browser" / "03_student_copy.png"))
    page.close()
    assert sum("exercises.check_" in c["source"] for c in cells) >= 2, "the exercises are in the student's copy"
    assert not any("@title Solution" in c["source"] or "solution" in c["tags"] for c in cells), "no solutions"
    assert not any("maintainer" in c["tags"] or "metrics.record" in c["source"] for c in cells), \
        "no maintainer cell"
    assert evidence_shown and not any(e["input"] or e["output"] for e in evidence_shown), "evidence collapsed"
    assert outputs == 0, "a student's copy starts without outputs"


def test_without_a_browser_the_test_is_skipped_and_says_why(monkeypatch):
    import browser_support

    monkeypatch.delenv("COURSE_CHROMIUM", raising=False)
    monkeypatch.setattr(browser_support.shutil, "which", lambda name: None)
    assert browser_support.chromium_path() is None
    with pytest.raises(pytest.skip.Exception, match="no Chromium"):
        browser_support.launch_chromium()
