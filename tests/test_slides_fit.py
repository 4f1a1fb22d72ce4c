"""Slides that fit 1280 x 720, offline and live (issue 14, "Slides that fit").

Every notebook's deck (what `make slides` writes) and every notebook in jupyterlab-rise -- opened in JupyterLab
and shown with ``RISE:preview``, *not run*: the stored outputs are what the slides show -- is walked slide by
slide and sub-slide by sub-slide in headless Chromium, the slides shown at 1280 x 720. A slide does not fit when

* its content is taller or wider than the slide (reveal.js's width and height),
* a line of code or of printed output is cut at the right edge (a ``<pre>`` or a code editor scrolls sideways),
* or a figure is shown smaller than its own pixels to fit (a figure wider than the slide; or a deck's too-tall
  figure alone on a slide, which the deck scales down rather than cut) -- the notebook should draw it to fit.

Records ``teaching.slides_overflowing`` (decks + RISE, target 0) and ``teaching.slides_overflowing_by_notebook``,
and writes to build/slides_fit/: ``report.txt`` (every slide that does not fit: where, which cells, how big,
why) and screenshots of each notebook's three densest slides, deck and RISE. The measure checks itself first:
a small notebook with slides that fit and slides that do not must be measured as such, live and offline.
"""

from __future__ import annotations

import os

import base64
import contextlib
import json
import shutil
import struct
import time
import zlib

import nbformat
import pytest

from browser_support import TOKEN, browser, chromium_path, jupyter_lab  # noqa: F401  (fixture)
from course_tools import metrics, slides
from course_tools.run_notebooks import notebooks
from helpers.paths import BUILD_DIR, ROOT

#: COURSE_FIT_ONLY=01,02 measures only those notebooks (while fixing them); `make test` measures all.
NOTEBOOKS = notebooks([n for n in os.environ.get("COURSE_FIT_ONLY", "").split(",") if n] or None)
VIEWPORT = {"width": slides.SLIDE_WIDTH, "height": slides.SLIDE_HEIGHT}
OUT = BUILD_DIR / "slides_fit"
#: How many of each notebook's densest slides get a screenshot (deck and RISE each).
DENSEST = 3
#: Pixels of slack: sub-pixel rounding is not overflow.
SLACK = 1

#: Every slide as [h, v] (a slide without sub-slides is v = 0), from the DOM: decks and RISE alike.
_SLIDES_JS = """() => {
  const out = [];
  document.querySelectorAll('.reveal .slides > section').forEach((top, h) => {
    const subs = top.querySelectorAll(':scope > section');
    if (subs.length) subs.forEach((_, v) => out.push([h, v])); else out.push([h, 0]);
  });
  return out; }"""

#: The measures of slide [h, v] (shown at the moment), in the slide's own pixels (reveal.js scales the whole
#: slide to the window with a transform, which none of these sizes include). The slide's size is that of
#: reveal.js's .slides box: its configured width and height (RISE stretches the width to the window's but for
#: notebooks/rise.css).
_MEASURE_JS = """([h, v]) => {
  const slides = document.querySelector('.reveal .slides');
  const top = slides.querySelectorAll(':scope > section')[h];
  const subs = top.querySelectorAll(':scope > section');
  const s = subs.length ? subs[v] : top;
  const shown = e => !!e && e.getClientRects().length > 0;
  const sum = (root, sel) => [...root.querySelectorAll(sel)].filter(shown).reduce((a, e) => a + e.offsetHeight, 0);
  const text = e => e ? (e.innerText || e.textContent || '').replace(/\\u00b6/g, '').trim() : '';
  const label = c => {
    if (!c) return '';
    const md = c.querySelector('.jp-RenderedMarkdown');
    const editor = c.querySelector('.jp-InputArea-editor');
    const src = c.classList.contains('jp-MarkdownCell')
      ? (text(md && md.querySelector('h1, h2, h3, h4')) || text(md))
      : text(editor && (editor.querySelector('.cm-content') || editor));
    return src.replace(/\\s*\\n\\s*/g, ' | ').slice(0, 60);
  };
  const own = i => parseFloat(i.getAttribute('height')) || i.naturalHeight;     // a picture's height unscaled
  const wrapped = c => {                      // code lines shown on two or more lines, for want of width
    const lines = [...c.querySelectorAll('.jp-InputArea-editor .cm-line')].filter(shown);        // RISE
    if (lines.length) {
      const lh = Math.min(...lines.map(l => l.offsetHeight));
      return lines.reduce((a, l) => a + Math.round(l.offsetHeight / lh) - 1, 0);
    }
    const e = c.querySelector('.jp-InputArea-editor pre');                                        // decks
    if (!shown(e)) return 0;
    const style = getComputedStyle(e), lh = parseFloat(style.lineHeight);
    const inner = e.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return lh > 0 ? Math.max(0, Math.round(inner / lh) - e.innerText.replace(/\\n$/, '').split('\\n').length) : 0;
  };
  const cells = [...s.querySelectorAll('.jp-Cell')].filter(shown).map(c => {
    const md = c.classList.contains('jp-MarkdownCell');
    return {kind: md ? 'markdown' : 'code', label: label(c), height: c.offsetHeight,
            code: md ? 0 : sum(c, '.jp-Cell-inputArea'), wrapped: md ? 0 : wrapped(c),
            figures: [...c.querySelectorAll('.jp-OutputArea img')].filter(shown).reduce((a, i) => a + own(i), 0),
            printed: sum(c, '.jp-OutputArea-output pre')};
  });
  const cut = [...s.querySelectorAll('pre, .cm-scroller')]
    .filter(e => shown(e) && e.scrollWidth > e.clientWidth + %(slack)d)
    .map(e => ({cell: label(e.closest('.jp-Cell')), width: e.scrollWidth, visible: e.clientWidth,
                output: !!e.closest('.jp-OutputArea')}));
  const shrunk = [...s.querySelectorAll('img')].filter(i => shown(i) && i.naturalWidth > 0).map(i => {
    const own = parseFloat(i.getAttribute('width')) || i.naturalWidth;
    return {cell: label(i.closest('.jp-Cell')), width: i.offsetWidth, own: own,
            scale: Math.round(100 * i.offsetWidth / own) / 100};
  }).filter(i => i.width < i.own - %(slack)d);
  return {h: h, v: v, W: slides.offsetWidth, H: slides.offsetHeight,
          present: s.classList.contains('present'), height: s.scrollHeight, width: s.scrollWidth,
          unfit: parseFloat(s.dataset.unfitHeight) || 0,
          cells: cells, cut: cut, shrunk: shrunk}; }""" % {"slack": SLACK}

_IMAGES_LOADED = """() => Promise.all([...document.images].filter(i => !i.complete)
  .map(i => new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })))"""
_PRESENT_JS = """([h, v]) => { const top = document.querySelectorAll('.reveal .slides > section')[h];
  const subs = top && top.querySelectorAll(':scope > section');
  const s = subs && subs.length ? subs[v] : top;
  return !!s && s.classList.contains('present'); }"""
_TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
_GO_BY_HASH = "([h, v]) => { location.hash = '#/' + h + '/' + v; }"
_GO_BY_API = """([h, v]) => { if (window.Reveal && Reveal.slide) Reveal.slide(h, v);
  else location.hash = '#/' + h + '/' + v; }"""


def problems(m: dict) -> list[str]:
    """Why slide measure ``m`` does not fit (empty when it fits)."""
    why = []
    height = max(m["height"], m["unfit"])
    tall, wide = height > m["H"] + SLACK, m["width"] > m["W"] + SLACK
    if tall or wide:
        parts = {"figure": sum(c["figures"] for c in m["cells"]), "code": sum(c["code"] for c in m["cells"]),
                 "printed output": sum(c["printed"] for c in m["cells"]),
                 "text": sum(c["height"] for c in m["cells"] if c["kind"] == "markdown")}
        worst = max(parts, key=parts.get)
        size = " and ".join(w for w, yes in (("taller", tall), ("wider", wide)) if yes)
        before = " before its figure was scaled down" if m["unfit"] else ""
        why.append(f"{size} than the slide ({height}x{m['width']}{before}): tall {worst} "
                   f"({', '.join(f'{k} {v:.0f}px' for k, v in parts.items() if v)})")
    for c in m["cut"]:
        why.append(f"cut {'printed output' if c['output'] else 'code'} lines: {c['width']}px wide in "
                   f"{c['visible']}px ({c['cell']!r})")
    for i in m["shrunk"]:
        why.append(f"figure shown at {i['scale']:.0%} of its {i['own']:.0f}px width ({i['cell']!r})")
    return why


def describe(name: str, mode: str, m: dict) -> str:
    """One slide that does not fit, for the report and the assertion message."""
    cells = []
    for c in m["cells"]:
        inside = ""
        if c["kind"] == "code":
            inside = f" (code {c['code']}px" + (f", {c['wrapped']} wrapped lines" if c["wrapped"] else "") + ")"
        cells.append(f"{c['kind']} {c['height']}px{inside} {c['label']!r}")
    return (f"{name} [{mode}] slide {m['h']}/{m['v']} ({m['H']:.0f}x{m['W']:.0f} slide)\n    "
            + "\n    ".join(problems(m)) + "\n    cells:\n      " + "\n      ".join(cells))


def walk(frame, go) -> list[dict]:
    """Every slide of the reveal.js deck in ``frame``, shown in turn by ``go(h, v)`` and measured."""
    frame.evaluate(_IMAGES_LOADED)
    found = []
    for h, v in frame.evaluate(_SLIDES_JS):
        go(h, v)
        m = frame.evaluate(_MEASURE_JS, [h, v])
        assert m["present"], f"slide {h}/{v} could not be shown"
        found.append(m)
    assert found and all(m["cells"] for m in found), "slides without any cell: the walk measured nothing"
    return found


def densest(found: list[dict]) -> list[dict]:
    """The slides closest to (or beyond) the slide's size. A slide that fits is as tall as the slide itself,
    so what it holds is measured by its cells' heights (its width is the slide's unless it overflows)."""
    def fill(m: dict) -> float:
        content = sum(c["height"] for c in m["cells"])
        wide = m["width"] / m["W"] if m["width"] > m["W"] + SLACK else 0
        return max(max(m["height"], m["unfit"], content) / m["H"], wide)

    return sorted(found, key=fill, reverse=True)[:DENSEST]


# -- offline decks ------------------------------------------------------------------------------------------

def deck_fit(browser, path, out_dir, shots: str | None = None) -> list[dict]:  # noqa: F811
    """Export ``path``'s deck into ``out_dir``, open it at 1280 x 720, measure every slide; screenshots of the
    densest slides go to build/slides_fit/<shots>.deck.<h>-<v>.png."""
    deck = slides.export_deck(path, out_dir)
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(deck.as_uri())
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)

        def go(h, v):
            page.evaluate("([h, v]) => Reveal.slide(h, v)", [h, v])

        found = walk(page, go)
        if shots:
            for m in densest(found):
                go(m["h"], m["v"])
                page.screenshot(path=str(OUT / f"{shots}.deck.{m['h']}-{m['v']}.png"))
        return found
    finally:
        page.close()


# -- live: JupyterLab + jupyterlab-rise ---------------------------------------------------------------------

#: jupyterlab-rise's settings in the test's JupyterLab: by default RISE selects a code cell 450 ms after each
#: slide change and goes to that cell's slide, which would race with the walk; and no transition, so that
#: screenshots show the slide rather than its sliding in.
RISE_TEST_SETTINGS = {"auto_select": "none", "transition": "none"}
_OPEN_WITH_RISE = """async (name) => { const app = window.jupyterapp, shell = app.shell;
  for (const w of [...shell.widgets('main')]) w.dispose();            // the last notebook and its slides
  shell.mode = 'multiple-document';
  const panel = await app.commands.execute('docmanager:open', {path: name});
  await panel.context.ready;
  shell.activateById(panel.id);
  await app.commands.execute('RISE:preview'); }"""
_MAXIMISE_RISE = """() => { const shell = window.jupyterapp.shell;
  const w = [...shell.widgets('main')].find(w => w.node.querySelector('iframe[src*="/rise/"]'));
  shell.activateById(w.id); shell.mode = 'single-document'; shell.collapseLeft(); shell.collapseRight(); }"""
_RISE_FRAME_BOX = """() => { const r = document.querySelector('iframe[src*="/rise/"]').getBoundingClientRect();
  return {x: r.x, y: r.y, width: r.width, height: r.height}; }"""


def rise_fit(page, lab, name: str, shots: str | None = None) -> list[dict]:
    """Open notebook ``name`` (in JupyterLab's root) in JupyterLab in ``page``, show it with RISE:preview (the
    slides are then the preview's iframe, made 1280 x 720), measure every slide, and shut its kernel down."""
    page.set_viewport_size(VIEWPORT)
    if not page.url.startswith(lab) or not page.evaluate("() => !!window.jupyterapp"):     # once per page
        page.goto(f"{lab}/lab?token={TOKEN}&reset")
        page.wait_for_function("() => !!window.jupyterapp", timeout=90_000)
        page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    page.evaluate(_OPEN_WITH_RISE, name)
    deck, deadline = None, time.time() + 90
    while deck is None:
        frame = next((f for f in page.frames if f"/rise/{name}" in f.url), None)
        try:
            if frame is not None and frame.evaluate("() => !!document.querySelector('.reveal .slides section')"):
                deck = frame
        except Exception:  # noqa: BLE001  the iframe is still navigating
            pass
        if deck is None:
            assert time.time() < deadline, f"{name}: jupyterlab-rise did not show the notebook as slides"
            page.wait_for_timeout(200)
    # The slides take the whole window: the preview panel alone, the window grown by what JupyterLab's bars take.
    page.evaluate(_MAXIMISE_RISE)
    for _ in range(5):
        box = page.evaluate(_RISE_FRAME_BOX)
        if (round(box["width"]), round(box["height"])) == (VIEWPORT["width"], VIEWPORT["height"]):
            break
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"] + VIEWPORT["width"] - round(box["width"]),
                                "height": size["height"] + VIEWPORT["height"] - round(box["height"])})
        page.wait_for_timeout(100)
    deck.wait_for_function(f"() => innerWidth === {VIEWPORT['width']} && innerHeight === {VIEWPORT['height']}")
    deck.evaluate("() => window.dispatchEvent(new Event('resize'))")       # reveal.js lays the slides out again
    deck.evaluate(_TWO_FRAMES)

    def go(h, v):
        # By the URL, as a presenter's link would; on a loaded machine reveal.js can miss or delay that hash
        # change, so a slide not shown after 10 s is asked for again through reveal.js's own API, with more time.
        for attempt, (how, wait) in enumerate(((_GO_BY_HASH, 10_000), (_GO_BY_API, 30_000), (_GO_BY_API, 60_000))):
            deck.evaluate(how, [h, v])
            try:
                deck.wait_for_function(_PRESENT_JS, arg=[h, v], timeout=wait)
                break
            except Exception:  # noqa: BLE001 -- playwright's TimeoutError: try the next way, fail on the last
                if attempt == 2:
                    raise
        deck.evaluate(_TWO_FRAMES)

    try:
        found = walk(deck, go)
        if shots:
            for m in densest(found):
                go(m["h"], m["v"])
                page.screenshot(path=str(OUT / f"{shots}.rise.{m['h']}-{m['v']}.png"), clip=box)
        return found
    finally:
        with contextlib.suppress(Exception):      # a failure above is the one to report
            page.evaluate("() => window.jupyterapp.serviceManager.sessions.shutdownAll()")


# -- the check that the measure sees what does not fit ------------------------------------------------------

def _png(width: int, height: int) -> str:
    """A grey PNG of that size, base64 (an output picture of known pixel size)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * (3 * width) for _ in range(height))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


def fit_check_notebook(path) -> list[bool]:
    """Write a small notebook whose slides are known; returns, per slide, whether it fits."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    wide = code("show(wide_picture)")
    wide.outputs = [nbformat.v4.new_output("display_data", {"image/png": _png(2 * slides.SLIDE_WIDTH, 40),
                                                            "text/plain": "<picture>"})]
    long_line = code("x = [" + ", ".join(f"'item {i}'" for i in range(40)) + "]  # one long line, wrapped")
    long_line.outputs = [nbformat.v4.new_output("stream", name="stdout", text="printed: " + "word " * 80 + "\n")]
    cells = [md("# Fit check\n\nA short title slide."),
             md("## Too tall\n\n" + "\n\n".join(f"Paragraph {i}." for i in range(40))),
             md("## Too wide a picture"), wide,
             md("## Long lines wrap"), long_line]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    slides.assign_slide_types(nb)
    slides.set_rise_settings(nb)
    nbformat.write(nb, path)
    return [True, False, False, True]


# -- the test -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fit(browser, tmp_path_factory):  # noqa: F811
    """Measure every slide, deck and RISE, of every notebook; record the figures; write the report."""
    if chromium_path() is None:
        pytest.skip("no Chromium on this machine: slide fit test skipped (install Debian's `chromium`)")
    try:
        slides.reveal_dir()
    except RuntimeError as exc:
        pytest.skip(f"{exc}: slide fit test skipped")
    t0 = time.perf_counter()
    decks = tmp_path_factory.mktemp("decks")
    root = tmp_path_factory.mktemp("lab")
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    for p in NOTEBOOKS:
        shutil.copy(p, root / p.name)
    for extra in ("rise.css",):          # what jupyterlab-rise loads beside the notebooks
        if (ROOT / "notebooks" / extra).is_file():
            shutil.copy(ROOT / "notebooks" / extra, root / extra)
    check = fit_check_notebook(root / "zz_fit_check.ipynb")
    rise_settings = root / ".settings" / "jupyterlab-rise"
    rise_settings.mkdir(parents=True)
    (rise_settings / "plugin.jupyterlab-settings").write_text(json.dumps(RISE_TEST_SETTINGS))

    found = {"deck": {}, "rise": {}}
    found["deck"]["zz_fit_check"] = deck_fit(browser, root / "zz_fit_check.ipynb", decks)
    for p in NOTEBOOKS:
        found["deck"][p.stem] = deck_fit(browser, p, decks, shots=p.stem)
    with jupyter_lab(root, tmp_path_factory.mktemp("lab-log")) as lab:
        page = browser.new_page(viewport=VIEWPORT)
        try:
            found["rise"]["zz_fit_check"] = rise_fit(page, lab, "zz_fit_check.ipynb")
            for p in NOTEBOOKS:
                found["rise"][p.stem] = rise_fit(page, lab, p.name, shots=p.stem)
        finally:
            page.close()
    seconds = time.perf_counter() - t0

    wrong = {}
    for mode in found:
        seen = [not problems(m) for m in found[mode].pop("zz_fit_check")]
        if seen != check:
            wrong[mode] = seen
    assert not wrong, (f"slides of known fit (fits: {check}) measured as {wrong}: the slides' style (long lines "
                       "wrapped, pictures never wider than the slide) or the measure itself is broken")
    bad = {mode: {name: [m for m in ms if problems(m)] for name, ms in found[mode].items()} for mode in found}
    by_notebook = {p.stem: sum(len(bad[mode][p.stem]) for mode in bad) for p in NOTEBOOKS}
    metrics.record({"teaching.slides_overflowing": sum(by_notebook.values()),
                    "teaching.slides_overflowing_by_notebook": by_notebook})
    lines = [f"Slides that do not fit {slides.SLIDE_WIDTH}x{slides.SLIDE_HEIGHT}: {sum(by_notebook.values())} "
             f"(decks {sum(map(len, bad['deck'].values()))}, RISE {sum(map(len, bad['rise'].values()))}); "
             f"measured in {seconds:.0f} s", ""]
    for p in NOTEBOOKS:
        for mode in ("deck", "rise"):
            total = len(found[mode][p.stem])
            lines.append(f"== {p.stem} [{mode}]: {len(bad[mode][p.stem])} of {total} slides do not fit")
            lines += [describe(p.stem, mode, m) for m in bad[mode][p.stem]]
        lines.append("")
    (OUT / "report.txt").write_text("\n".join(lines) + "\n")
    return bad


def test_offline_decks_fit_the_slide(fit):
    where = [describe(name, "deck", m) for name, ms in fit["deck"].items() for m in ms]
    assert not where, f"{len(where)} deck slides do not fit (build/slides_fit/report.txt):\n" + "\n".join(where)


def test_rise_slides_fit_the_slide(fit):
    where = [describe(name, "rise", m) for name, ms in fit["rise"].items() for m in ms]
    assert not where, f"{len(where)} RISE slides do not fit (build/slides_fit/report.txt):\n" + "\n".join(where)
