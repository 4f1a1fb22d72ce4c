"""Present the notebooks as slides: slide metadata, and self-contained offline reveal.js decks.

Slides are **1280 x 720** (16:9) live and offline, and their content must fit: nothing scrolls, nothing is cut
(``tests/test_slides_fit.py`` measures every slide and records ``teaching.slides_overflowing``).

**Live** (JupyterLab + jupyterlab-rise, installed by ``make lab``): every cell carries
``metadata.slideshow.slide_type``. The notebook's title and each ``##`` section -- one per slide of the lecture --
start a new slide; the badges are on the title's slide (in the title's cell, or in a cell of their own above it);
a ``###`` heading or a further explanation starts a sub-slide below it; code goes on the slide of the text before
it; a second figure in a row gets a sub-slide of its own; skipped are the Colab cell, the setup cell (the first
code cell that calls ``setup(``), code cells made only of checks (``assert ...``, ``metrics.record(...)``), the
exercises' solutions, the maintainer's cell and the evidence code cells; evidence markdown cells become the slide's
speaker notes (:mod:`course_tools.structure`). :func:`assign_slide_types` applies these rules to cells that have
no slide type yet (``python -m course_tools.slides --tag``; ``--retag`` re-applies them to every cell), so what an
instructor changes by hand is kept. Both also write the slide size into the notebook's ``rise`` metadata
(:data:`RISE_SETTINGS`), which jupyterlab-rise reads, and ``notebooks/rise.css`` styles the live slides.

**Offline decks** (``make slides``): :func:`export_deck` turns an executed notebook into one HTML file in
``build/slides/`` with reveal.js, its theme and the notebook's pictures inlined -- no CDN, no request
outside the file. reveal.js comes from the ``sphinx-revealjs`` package (installed by ``make slides``).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

from helpers.paths import BUILD_DIR

from .open_anywhere import COLAB_CELL_MARK, strip_badges
from .run_notebooks import NOTEBOOK_DIR, notebooks
from .structure import EVIDENCE_TAG, as_jupyterlab_writes, mark_evidence

__all__ = ["SLIDES_DIR", "SOLUTION_TAG", "MAINTAINER_TAG", "SLIDE_WIDTH", "SLIDE_HEIGHT", "RISE_SETTINGS",
           "RISE_CSS", "slide_type_for", "assign_slide_types", "set_rise_settings", "write_rise_css", "reveal_dir",
           "export_deck",
           "external_references", "main"]

#: Where ``make slides`` writes the decks.
SLIDES_DIR = BUILD_DIR / "slides"
#: Cells with this tag hold an exercise's solution: hidden in the notebook, skipped in slides,
#: removed from students' copies.
SOLUTION_TAG = "solution"
#: The last cell of every notebook, with this tag, records the measured figures for ``build/metrics.json``:
#: maintainers' instrumentation, skipped in slides and removed from students' copies.
MAINTAINER_TAG = "maintainer"

#: The slide size, live (jupyterlab-rise) and offline (the decks): 16:9, what projectors and screens show.
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720
#: jupyterlab-rise's settings for the course, stored in each notebook's ``rise`` metadata (RISE reads them from
#: there): the slide size, reveal.js's margin around it, and no scrolling -- slides must fit instead.
RISE_SETTINGS = {"width": SLIDE_WIDTH, "height": SLIDE_HEIGHT, "margin": 0.04, "minScale": 0.2, "scroll": False}


def _has_figure(cell) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def _badges_only(cell) -> bool:
    """A markdown cell holding only the Colab/Binder badge line."""
    return cell.cell_type == "markdown" and bool(cell.source.strip()) and not strip_badges(cell.source).strip()


def _statements(source: str) -> list | None:
    """The top-level statements of a code cell, or None when it is not plain Python (magics, a typo)."""
    try:
        return ast.parse(source).body
    except SyntaxError:
        return None


def _calls_setup(source: str) -> bool:
    """Whether the cell calls ``setup(...)`` (``helpers.notebook.setup``, the course's setup cell)."""
    body = _statements(source)
    if body is None:
        return bool(re.search(r"^\s*(?:\w+\.)*setup\(", source, flags=re.M))
    return any(isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
               and (getattr(s.value.func, "id", None) == "setup" or getattr(s.value.func, "attr", None) == "setup")
               for s in body)


def _only_checks(source: str) -> bool:
    """Whether the cell is made only of ``assert`` statements and ``metrics.record(...)`` calls."""
    body = _statements(source)

    def record_call(s) -> bool:
        return (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                and isinstance(s.value.func, ast.Attribute) and s.value.func.attr == "record"
                and isinstance(s.value.func.value, ast.Name) and s.value.func.value.id == "metrics")

    return bool(body) and all(isinstance(s, ast.Assert) or record_call(s) for s in body)


def slide_type_for(cell, previous=None, setup_done: bool = False) -> str:
    """The slide type the course's rules give ``cell``.

    Parameters
    ----------
    cell : notebook cell
    previous : notebook cell, optional
        The last cell before it that is shown on the slides (None for the first).
    setup_done : bool
        Whether an earlier code cell already called ``setup(`` (only the first such cell is the setup cell).
    """
    tags = cell.get("metadata", {}).get("tags", [])
    if EVIDENCE_TAG in tags:                 # off the slides: markdown evidence is the presenter's notes
        return "notes" if cell.cell_type == "markdown" else "skip"
    if SOLUTION_TAG in tags or MAINTAINER_TAG in tags:
        return "skip"
    source = cell.source.lstrip()
    if cell.cell_type == "code":
        if source.startswith(COLAB_CELL_MARK):
            return "skip"
        if not setup_done and _calls_setup(cell.source):
            return "skip"
        if _only_checks(cell.source):
            return "skip"
        if previous is not None and previous.cell_type == "code" and _has_figure(previous) and _has_figure(cell):
            return "subslide"
        return "-"
    if previous is None:
        return "slide"
    if re.match(r"# ", source) and _badges_only(previous):
        return "-"                       # the title joins the badges: one title slide, never a blank one
    if re.match(r"#{1,2} ", source):
        return "slide"
    return "subslide"


#: What a slide can hold, in CSS pixels: the slide's height less reveal.js's margins and a little slack.
SLIDE_BUDGET = 640


def _png_height(data: str) -> int:
    import base64
    import struct

    try:
        raw = base64.b64decode(data[:64].strip() + "=" * (-len(data[:64].strip()) % 4))
    except ValueError:                    # not a PNG (a test's stand-in): a typical figure's height
        return 300
    return struct.unpack(">I", raw[20:24])[0] if raw[12:16] == b"IHDR" else 300


def estimate_height(cell) -> int:
    """A rough height of ``cell`` on a slide, in CSS pixels (measured in RISE at 1280 x 720: about 24 px per code
    line, 30 px per line of text, pictures at their own pixel size). :func:`assign_slide_types` starts a
    sub-slide before a cell that would not fit; ``tests/test_slides_fit.py`` measures the real thing."""
    def lines(text: str, width: int) -> int:
        return sum(max(1, -(-len(line) // width)) for line in text.splitlines())

    if cell.cell_type == "markdown":
        height = 0
        for line in cell.source.splitlines():
            if line.startswith("#"):
                height += 64
            elif line.startswith("|"):
                height += 38
            elif line.strip():
                height += 30 * lines(line, 105)
            else:
                height += 8
        return height + 16
    height = 24 * lines(cell.source, 100) + 20
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data:
            height += _png_height(data["image/png"]) + 10
        elif "text" in out:
            height += 22 * lines(out["text"], 110) + 10
        elif "text/html" in data or "text/plain" in data:
            height += 22 * min(lines(str(data.get("text/plain", "")), 110), 12) + 10
    return height


def assign_slide_types(nb, overwrite: bool = False) -> int:
    """Give the cells of ``nb`` their slide types by the course's rules; returns how many cells changed.

    Parameters
    ----------
    nb : notebook
        Changed in place.
    overwrite : bool
        Also re-type cells that already have a slide type (by default those are an instructor's choice and
        are kept; only new cells get one).
    """
    changed, previous, setup_done, used = 0, None, False, 0
    for cell in nb.cells:
        meta = cell.metadata.setdefault("slideshow", {})
        height = estimate_height(cell)
        if overwrite or not meta.get("slide_type") or EVIDENCE_TAG in cell.metadata.get("tags", []):
            want = slide_type_for(cell, previous, setup_done)
            if want == "-" and used and used + height > SLIDE_BUDGET:
                want = "subslide"                         # would not fit on the slide so far: a sub-slide below
            if meta.get("slide_type") != want:
                meta["slide_type"] = want
                changed += 1
        if meta["slide_type"] in ("slide", "subslide"):
            used = height
        elif meta["slide_type"] not in ("skip", "notes"):
            used += height
        if cell.cell_type == "code" and _calls_setup(cell.source):
            setup_done = True
        if meta["slide_type"] not in ("skip", "notes"):
            previous = cell
    return changed


def set_rise_settings(nb, overwrite: bool = False) -> int:
    """Store :data:`RISE_SETTINGS` in ``nb.metadata.rise`` (what jupyterlab-rise reads); returns how many
    settings changed. Settings already there are kept unless ``overwrite``; other keys are never touched."""
    rise = nb.metadata.setdefault("rise", {})
    changed = 0
    for key, value in RISE_SETTINGS.items():
        if (overwrite or key not in rise) and rise.get(key) != value:
            rise[key] = value
            changed += 1
    return changed


def reveal_dir() -> Path:
    """The folder of the reveal.js distribution shipped inside ``sphinx-revealjs`` (clear error if missing)."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("reveal.js is not installed: run `make slides` (it installs the course's tools), or "
                           "`pip install sphinx-revealjs` in this environment")
    folder = Path(list(spec.submodule_search_locations)[0]) / "_static" / "revealjs"
    if not (folder / "dist" / "reveal.js").is_file():
        raise RuntimeError(f"no reveal.js in the installed sphinx-revealjs ({folder}); reinstall it")
    return folder


def _css_without_imports(text: str) -> str:
    """Theme CSS with its ``@import`` lines (web fonts) removed: the deck falls back to system fonts."""
    return re.sub(r"@import\s+url\([^)]*\)\s*;?", "", text)


def _script(text: str) -> str:
    return "<script>\n" + text.replace("</script", "<\\/script") + "\n</script>"


#: What replaces nbconvert's reveal.js page head: no jQuery/RequireJS/Mermaid/MathJax from a CDN.
_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block footer_js -%}{%- endblock footer_js -%}
"""


_BREAK_RANK = {"slide": 2, "subslide": 1}


def _strip_unrenderable(nb) -> None:
    """Remove what a static deck cannot show or must not load: badge lines (images on the web), widget
    state (the widgets need a kernel; their text fallback stays), and skipped cells. A cell left empty (the
    badge cell) is dropped too, and the slide break it carried moves to the next cell: no blank slide."""
    nb.metadata.pop("widgets", None)
    keep, pending = [], None
    for cell in nb.cells:
        meta = cell.metadata.setdefault("slideshow", {})
        kind = meta.get("slide_type")
        if kind == "skip":
            continue
        if cell.cell_type == "markdown":
            cell.source = strip_badges(cell.source)
            if not cell.source.strip():
                if _BREAK_RANK.get(kind, 0) > _BREAK_RANK.get(pending, 0):
                    pending = kind
                continue
        if _BREAK_RANK.get(pending, 0) > _BREAK_RANK.get(kind, 0):
            meta["slide_type"] = pending
        pending = None
        for out in cell.get("outputs", []):
            out.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
        keep.append(cell)
    nb.cells = keep


def export_deck(path: str | Path, out_dir: str | Path = SLIDES_DIR) -> Path:
    """Write ``<out_dir>/<notebook>.slides.html``: a reveal.js deck of the executed notebook, self-contained.

    Parameters
    ----------
    path : path
        An executed notebook (its stored outputs become the slides' pictures).
    out_dir : path
        Where to write the deck.

    Returns
    -------
    pathlib.Path
        The deck's file.
    """
    import tempfile

    import nbformat
    from nbconvert import SlidesExporter

    path, out_dir = Path(path), Path(out_dir)
    nb = nbformat.read(path, as_version=4)
    _strip_unrenderable(nb)
    reveal = reveal_dir()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "course_deck.html.j2").write_text(_TEMPLATE)
        exporter = SlidesExporter(extra_template_paths=[tmp], template_file="course_deck.html.j2",
                                  reveal_url_prefix="REVEAL", reveal_theme="white")   # both replaced below
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    css = (reveal / "dist" / "reveal.css").read_text()
    theme = _css_without_imports((reveal / "dist" / "theme" / "white.css").read_text()) + _COURSE_CSS
    body = re.sub(r'<link\b[^>]*REVEAL/dist/reveal\.css[^>]*>', lambda _: f"<style>\n{css}\n</style>", body)
    body = re.sub(r'<link\b[^>]*REVEAL/dist/theme/white\.css[^>]*>', lambda _: f'<style id="theme">\n{theme}\n</style>',
                  body)
    start = _script((reveal / "dist" / "reveal.js").read_text()) + "\n" + _script(
        (reveal / "plugin" / "notes" / "notes.js").read_text()) + "\n" + _script(_START_JS)
    body = body.replace("</html>", start + "\n</html>")
    leftovers = external_references(body)
    if leftovers:
        raise RuntimeError(f"{path.name}: the deck still refers to files outside itself: {leftovers[:5]}")
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{path.stem}.slides.html"
    out.write_text(body, encoding="utf-8")
    return out


#: Type sizes on a 1280 x 720 slide, live and offline: text and code legible from the back of the room.
_SIZES = """
  --jp-content-font-size1: 22px;
  --jp-ui-font-size1: 20px;
  --jp-code-font-size: 18px;
  --jp-code-line-height: 1.3;
"""
_HEADINGS = "{h} h1 {{ font-size: 40px; }} {h} h2 {{ font-size: 32px; }} {h} h3 {{ font-size: 26px; }}\n"

#: The slide number goes to the top-right corner: at the bottom right it sat over reveal.js's arrows (the down
#: arrow that says a sub-slide follows). The arrows themselves are made smaller and see-through, so that they do not
#: hide the last rows of a table that reaches the slide's bottom corner; table cells never break a word.
_CORNER = ("{r} .slide-number {{ top: 6px; bottom: auto; right: 8px; font-size: 14px; }}\n"
           "{r} .controls {{ transform: scale(0.6); transform-origin: bottom right; opacity: 0.55; }}\n"
           "{r} .jp-RenderedHTMLCommon :is(td, th) {{ word-break: normal; overflow-wrap: normal; hyphens: none; }}\n")

#: The decks' look: the sizes above, headings in sentence case, no "In [3]:" prompts (a tenth of the width),
#: long code lines wrapped rather than cut at the right edge, pictures never wider than the slide.
_COURSE_CSS = """
:root {%(sizes)s}
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; margin: 0 0 0.35em 0; line-height: 1.15; }
%(headings)s.reveal .jp-InputPrompt, .reveal .jp-OutputPrompt { display: none; }
.reveal .jp-RenderedHTMLCommon p { margin: 0 0 0.5em 0; }
.reveal .jp-Cell { padding: 2px 0; }
.reveal pre, .reveal div.highlight > pre, .reveal div.jp-OutputArea-output > pre {
  width: 100%%; box-sizing: border-box; white-space: pre-wrap; overflow-wrap: anywhere; word-break: normal;
  line-height: 1.3; font-size: var(--jp-code-font-size);
}
.reveal section img { max-width: 100%%; max-height: none; margin: 0; }
%(corner)s""" % {"sizes": _SIZES, "headings": _HEADINGS.format(h=".reveal .jp-RenderedHTMLCommon"),
       "corner": _CORNER.format(r=".reveal")}

#: The live slides' look (jupyterlab-rise loads ``rise.css`` from the notebook's folder): the decks' sizes, and
#: long lines of code and of printed output wrapped rather than cut at the right edge (RISE cuts them).
RISE_CSS = """/* The course's live slides: jupyterlab-rise loads this file from the notebooks' folder.
   Written by `python -m course_tools.slides --tag` from course_tools/slides.py (RISE_CSS): edit it there. */
.rise-enabled .reveal {%(sizes)s}
/* RISE stretches the slides to the window's width, which breaks a fixed slide size (notebook metadata "rise"):
   in a larger window the slide is zoomed past the screen's edges. Keep the slide its own width. */
body.rise-enabled .reveal .slides { width: %(width)dpx !important; }
%(headings)s.rise-enabled .reveal .jp-RenderedHTMLCommon :is(h1, h2, h3) { margin: 0 0 0.35em 0; line-height: 1.15; }
.rise-enabled .reveal .jp-InputArea pre, .rise-enabled .reveal .jp-OutputArea pre {
  font-size: var(--jp-code-font-size); white-space: pre-wrap; overflow-wrap: anywhere;
}
.rise-enabled .reveal .jp-CodeCell .cm-content {
  white-space: pre-wrap; word-break: break-word; overflow-wrap: anywhere; flex-shrink: 1;
}
/* The Colab and Binder badges are pictures on the web: offline they show as broken images. Not on slides. */
.rise-enabled .reveal img[src*="colab-badge"], .rise-enabled .reveal img[src*="mybinder.org"] { display: none; }
%(corner)s""" % {"sizes": _SIZES, "headings": _HEADINGS.format(h=".rise-enabled .reveal .jp-RenderedHTMLCommon"),
       "width": SLIDE_WIDTH, "corner": _CORNER.format(r=".rise-enabled .reveal")}


def write_rise_css(folder: str | Path) -> Path:
    """Write :data:`RISE_CSS` as ``<folder>/rise.css``, beside the notebooks jupyterlab-rise shows."""
    out = Path(folder) / "rise.css"
    out.write_text(RISE_CSS)
    return out


#: Starts reveal.js (no RequireJS) at 1280 x 720. Nothing scrolls: content must fit. The one exception is a
#: figure alone on a slide that is too tall: it is scaled down to fit (to half its size at most), and never
#: silently -- the image gets ``data-fit-scale`` (the slide ``data-unfit-height``), the console says so, and
#: tests/test_slides_fit.py counts the slide as one to fix in its notebook.
_START_JS = """
Reveal.initialize({controls: true, progress: true, history: true, hash: true, slideNumber: "c/t",
                   transition: "none", width: %(width)d, height: %(height)d, margin: 0.04,
                   plugins: [RevealNotes]});
function fitLoneFigure(slide) {
  if (!slide) return;
  var images = slide.querySelectorAll("img");
  if (images.length !== 1) return;
  var img = images[0];
  if (!img.complete) { img.addEventListener("load", function () { fitLoneFigure(slide); }, {once: true}); return; }
  img.style.maxHeight = "";
  delete img.dataset.fitScale;
  delete slide.dataset.unfitHeight;
  var excess = slide.scrollHeight - Reveal.getConfig().height;
  if (excess <= 0 || !img.naturalHeight) return;
  slide.dataset.unfitHeight = slide.scrollHeight;
  img.style.maxHeight = Math.max(img.offsetHeight - excess, img.naturalHeight / 2) + "px";
  img.dataset.fitScale = (img.offsetHeight / img.naturalHeight).toFixed(2);
  console.warn("slide " + JSON.stringify(Reveal.getIndices(slide)) + ": figure scaled to "
               + img.dataset.fitScale + " of its size to fit; make it smaller in the notebook");
  Reveal.layout();
}
Reveal.on("ready", function (e) { fitLoneFigure(e.currentSlide); });
Reveal.on("slidechanged", function (e) { fitLoneFigure(e.currentSlide); });
""" % {"width": SLIDE_WIDTH, "height": SLIDE_HEIGHT}


def external_references(html: str) -> list[str]:
    """Addresses in ``html`` that a browser would fetch from outside the file (scripts, styles, images,
    fonts); ``data:`` URIs and in-page anchors are fine. Plain links (``<a href>``) are not fetched.
    Inline scripts are looked at only for ES module imports (their other strings are code, not addresses)."""
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S | re.I)
    html = re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", html, flags=re.S | re.I)
    found = re.findall(r"""<(?:script|img|link|iframe|source|video|audio)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)""",
                       html, flags=re.I)
    found += re.findall(r"""url\(\s*["']?([^"')]+)""", html)
    found += re.findall(r"""@import\s+["']([^"']+)""", html)
    for code in scripts:
        found += re.findall(r"""\bimport\s+[\w{}\s,*]+\s+from\s+["']([^"']+)""", code)
        found += re.findall(r"""\bimport\(\s*["']([^"']+)""", code)
    return sorted({u for u in found if not u.startswith(("data:", "#", "about:"))})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Slide decks of the notebooks (make slides).")
    ap.add_argument("only", nargs="*", help="only notebooks whose name starts with these (e.g. 03)")
    ap.add_argument("--tag", action="store_true", help="give cells without a slide type one, in the notebooks")
    ap.add_argument("--retag", action="store_true", help="re-apply the rules to every cell (hand edits are lost)")
    args = ap.parse_args(argv)
    args.tag = args.tag or args.retag

    import nbformat

    for p in notebooks(args.only):
        if args.tag:
            nb = nbformat.read(p, as_version=4)
            n = assign_slide_types(nb, overwrite=args.retag) + mark_evidence(nb) + as_jupyterlab_writes(nb)
            r = set_rise_settings(nb, overwrite=args.retag)
            nbformat.write(nb, p)
            print(f"{p.name}: {n} slide types changed, {r} RISE settings")
        else:
            out = export_deck(p)
            print(f"{out.relative_to(BUILD_DIR.parent)}  ({out.stat().st_size / 1e6:.1f} MB)")
    if args.tag:
        print(f"{write_rise_css(NOTEBOOK_DIR)}: the live slides' style (jupyterlab-rise)")
    else:
        print("open any of them in a browser; no network needed (arrow keys, S for speaker notes, "
              "Esc for the overview)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
