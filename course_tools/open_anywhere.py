"""Open the course anywhere: "Open in Colab" and Binder badges, and the Colab set-up cell.

The repository's public address is written once, in ``pyproject.toml`` (``[project.urls] Repository``);
the badges in README.md and in every notebook's first cell, and the Colab cell, are made from it.
``python -m course_tools.open_anywhere`` rewrites them all (after the repository moves: change the address in
``pyproject.toml`` first); a test checks they agree.

The Colab cell is the first code cell of every notebook. In Colab it fetches the course (the notebooks
need ``helpers/`` and ``data/``), installs only packages Colab lacks (or a Keras older than the course's floor),
and turns on Colab's widget manager; anywhere else it does nothing and prints nothing. The packages' bounds come
from ``pyproject.toml``; what it installs is pinned by the course's ``constraints.txt`` -- the packages it adds and
any new dependency they bring, never a package Colab already has (replacing Colab's numpy under its TensorFlow
would break the running session).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import quote

from helpers.paths import ROOT

from .run_notebooks import notebooks

__all__ = ["repository_url", "colab_requirements", "badges", "with_badges", "strip_badges", "colab_cell_source",
           "apply", "main"]

#: Marks the badge line in markdown, so it can be found and replaced.
_BADGE_LINE = re.compile(r"^\[!\[Open in Colab\].*\n?", re.M)
#: Where the README's badges open the course.
README_NOTEBOOK = "notebooks/00_course_data_and_model.ipynb"
#: Marks the Colab cell (its first line).
COLAB_CELL_MARK = "# Colab only:"
#: What the Colab cell makes sure of (import names, which are also their pip names).
COLAB_PACKAGES = ("keras", "ipywidgets", "matplotlib")


def _project(pyproject: Path | None = None) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads((pyproject or ROOT / "pyproject.toml").read_text())["project"]


def colab_requirements(pyproject: Path | None = None) -> dict[str, str]:
    """``{package: requirement}`` for the Colab cell, with the bounds of ``pyproject.toml``'s dependencies."""
    found = {}
    for req in _project(pyproject)["dependencies"]:
        req = req.split(";")[0].replace(" ", "")
        name = re.split(r"[<>=!~\[]", req)[0].lower()
        if name in COLAB_PACKAGES:
            found[name] = req
    missing = [p for p in COLAB_PACKAGES if p not in found]
    if missing:
        raise ValueError(f"pyproject.toml's dependencies lack {missing}, which the Colab cell installs")
    return {p: found[p] for p in COLAB_PACKAGES}


def repository_url(pyproject: Path | None = None) -> str:
    """The course's public GitHub address, from ``pyproject.toml``."""
    url = _project(pyproject)["urls"]["Repository"].rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ValueError(f"[project.urls] Repository must be https://github.com/OWNER/NAME, got {url!r}")
    return url


def _slug(url: str) -> str:
    return url.removeprefix("https://github.com/")


def badges(path: str, url: str | None = None, branch: str = "main") -> str:
    """One markdown line with the "Open in Colab" and Binder badges for the notebook at ``path`` (from the
    repository's top, e.g. ``notebooks/01_intermediate_activations.ipynb``)."""
    slug = _slug(url or repository_url())
    colab_target = f"https://colab.research.google.com/github/{slug}/blob/{branch}/{path}"
    binder = f"https://mybinder.org/v2/gh/{slug}/{branch}?labpath=" + quote(path, safe="")
    return (f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_target}) "
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder})")


def strip_badges(markdown: str) -> str:
    """The markdown without its badge line (offline slide decks must not load the badge images)."""
    return re.sub(r"\n{3,}", "\n\n", _BADGE_LINE.sub("", markdown)).lstrip("\n")


def with_badges(markdown: str, path: str, url: str | None = None) -> str:
    """``markdown`` with the current badge line (an older one is replaced); idempotent.

    The badges go right under the title when the markdown starts with one (``# ...``): the first slide is the
    title, with the badges in it. Otherwise they come first.
    """
    rest = strip_badges(markdown)
    line = badges(path, url)
    if rest.startswith("# "):
        title, _, body = rest.partition("\n")
        return f"{title}\n\n{line}" + ("\n\n" + body.strip("\n") if body.strip() else "")
    return line + ("\n\n" + rest if rest else "")


def colab_cell_source(url: str | None = None) -> str:
    """The source of the Colab set-up cell: does its work only when ``google.colab`` is loaded."""
    url = url or repository_url()
    name = _slug(url).split("/")[1]
    wanted = ", ".join(f'"{p}": "{r}"' for p, r in colab_requirements().items())
    return f'''{COLAB_CELL_MARK} fetch the course and install what Colab lacks. Anywhere else this cell does nothing.
import sys
if "google.colab" in sys.modules:
    import importlib.metadata, importlib.util, os, re, subprocess
    from packaging.specifiers import SpecifierSet
    course = "/content/{name}"
    if not os.path.isdir(course):
        subprocess.run(["git", "clone", "--depth", "1", "{url}", course], check=True)
    wanted = {{{wanted}}}
    missing = [spec for module, spec in wanted.items() if importlib.util.find_spec(module) is None]
    keras_floor = SpecifierSet(wanted["keras"].removeprefix("keras"))  # with every known load_model fix
    if importlib.util.find_spec("keras") and importlib.metadata.version("keras") not in keras_floor:
        missing.append(wanted["keras"])
    if missing:  # the course's tested versions (constraints.txt) of what is added; Colab's own packages stay
        norm = lambda n: re.sub("[-_.]+", "-", n or "").lower()
        have = {{norm(d.metadata["Name"]) for d in importlib.metadata.distributions()}}
        adding = {{norm(re.split("[<>=!~]", spec)[0]) for spec in missing}}
        pins = [p for p in open(course + "/constraints.txt").read().splitlines() if "==" in p and p[0] != "#"]
        pins = [p for p in pins if norm(p.split("==")[0]) in adding or norm(p.split("==")[0]) not in have]
        constraints = "/tmp/{name}-constraints.txt"
        with open(constraints, "w") as f:
            f.write("\\n".join(pins) + "\\n")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-c", constraints, *missing], check=True)
    sys.path.insert(0, course)
    os.chdir(course + "/notebooks")
    from google.colab import output
    output.enable_custom_widget_manager()'''


def apply(nb, path: str, url: str | None = None) -> None:
    """Put the badges into ``nb``'s first (markdown) cell and make its first code cell the Colab cell."""
    import nbformat

    url = url or repository_url()
    first = nb.cells[0]
    if first.cell_type != "markdown":
        raise ValueError(f"{path}: the first cell should be the notebook's title (markdown)")
    first.source = with_badges(first.source, path, url)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    source = colab_cell_source(url)
    if code and nb.cells[code[0]].source.startswith(COLAB_CELL_MARK):
        cell = nb.cells[code[0]]
        cell.source = source
    else:
        cell = nbformat.v4.new_code_cell(source)
        nb.cells.insert(1, cell)
    # collapsed (JupyterLab: one "···" bar; Colab: a form) and off the slides: the first cell a student reads is
    # the lesson's title, not 26 lines of installer
    cell.metadata["slideshow"] = {"slide_type": "skip"}
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    cell.metadata["cellView"] = "form"


def _readme_with_badges(text: str, url: str) -> str:
    title, _, rest = text.partition("\n")
    return title + "\n\n" + badges(README_NOTEBOOK, url) + "\n\n" + strip_badges(rest.lstrip("\n"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rewrite the Colab/Binder badges and the Colab cell everywhere.")
    ap.parse_args(argv)
    import nbformat

    url = repository_url()
    readme = ROOT / "README.md"
    readme.write_text(_readme_with_badges(readme.read_text(), url))
    for p in notebooks():
        nb = nbformat.read(p, as_version=4)
        apply(nb, p.relative_to(ROOT).as_posix(), url)
        nbformat.write(nb, p)
        print(f"badges and Colab cell: {p.name}")
    print(f"repository: {url} (from pyproject.toml)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
