"""Present the notebooks as slides: slide metadata, and self-contained offline reveal.js decks.

**Live** (JupyterLab + jupyterlab-rise, installed by ``make lab``): every cell carries
``metadata.slideshow.slide_type``. The notebook's title and each ``##`` section -- one per slide of the
lecture -- start a new slide; a ``###`` heading or a further explanation starts a sub-slide below it; code
goes on the slide of the text before it; a second figure in a row gets a sub-slide of its own; the Colab
cell and the exercises' solutions are skipped. :func:`assign_slide_types` applies these rules to cells that
have no slide type yet (``python -m course_tools.slides --tag``; ``--retag`` re-applies them to every cell), so what
an instructor changes by hand is kept.

**Offline decks** (``make slides``): :func:`export_deck` turns an executed notebook into one HTML file in
``build/slides/`` with reveal.js, its theme and the notebook's pictures inlined -- no CDN, no request
outside the file. reveal.js comes from the ``sphinx-revealjs`` package (installed by ``make slides``).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from helpers.paths import BUILD_DIR

from .open_anywhere import COLAB_CELL_MARK, strip_badges
from .run_notebooks import notebooks

__all__ = ["SLIDES_DIR", "SOLUTION_TAG", "MAINTAINER_TAG", "slide_type_for", "assign_slide_types", "reveal_dir",
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


def _has_figure(cell) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def slide_type_for(cell, previous=None) -> str:
    """The slide type the course's rules give ``cell`` (``previous`` is the cell before it, if any)."""
    tags = cell.get("metadata", {}).get("tags", [])
    if SOLUTION_TAG in tags or MAINTAINER_TAG in tags:
        return "skip"
    source = cell.source.lstrip()
    if cell.cell_type == "code":
        if source.startswith(COLAB_CELL_MARK):
            return "skip"
        if previous is not None and previous.cell_type == "code" and _has_figure(previous) and _has_figure(cell):
            return "subslide"
        return "-"
    if previous is None or re.match(r"#{1,2} ", source):
        return "slide"
    return "subslide"


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
    changed, previous = 0, None
    for cell in nb.cells:
        meta = cell.metadata.setdefault("slideshow", {})
        if overwrite or not meta.get("slide_type"):
            want = slide_type_for(cell, previous)
            if meta.get("slide_type") != want:
                meta["slide_type"] = want
                changed += 1
        if meta["slide_type"] != "skip":
            previous = cell
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


def _strip_unrenderable(nb) -> None:
    """Remove what a static deck cannot show or must not load: badge lines (images on the web), widget
    state (the widgets need a kernel; their text fallback stays), and skipped cells."""
    nb.metadata.pop("widgets", None)
    keep = []
    for cell in nb.cells:
        if cell.metadata.get("slideshow", {}).get("slide_type") == "skip":
            continue
        if cell.cell_type == "markdown":
            cell.source = strip_badges(cell.source)
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


#: Headings in sentence case and sized for slides full of figures.
_COURSE_CSS = """
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; }
.reveal h1 { font-size: 1.5em; } .reveal h2 { font-size: 1.2em; } .reveal h3 { font-size: 1.0em; }
"""

#: Starts reveal.js (no RequireJS); tall slides scroll instead of overflowing.
_START_JS = """
Reveal.initialize({controls: true, progress: true, history: true, hash: true, slideNumber: "c/t",
                   transition: "none", width: 1100, height: 800, plugins: [RevealNotes]});
function scrollTallSlides() {
  var limit = document.querySelector(".reveal").clientHeight * 0.95;
  document.querySelectorAll("section.present section, section.present:not(.stack)").forEach(function (s) {
    if (s.scrollHeight > limit) { s.style.height = "95vh"; s.style.overflowY = "auto"; s.style.top = "0"; }
  });
}
Reveal.on("ready", scrollTallSlides);
Reveal.on("slidechanged", scrollTallSlides);
"""


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
            n = assign_slide_types(nb, overwrite=args.retag)
            nbformat.write(nb, p)
            print(f"{p.name}: {n} slide types changed")
        else:
            out = export_deck(p)
            print(f"{out.relative_to(BUILD_DIR.parent)}  ({out.stat().st_size / 1e6:.1f} MB)")
    if not args.tag:
        print("open any of them in a browser; no network needed (arrow keys, S for speaker notes, "
              "Esc for the overview)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
