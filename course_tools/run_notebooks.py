"""``make run``: execute every notebook headless, in order, and collect the course's figures.

Writes ``build/<notebook>.html`` (the executed copy) and adds ``timing.<notebook>.seconds``
to ``build/metrics.json``, which the notebooks themselves fill with their measured figures.
``--inplace`` stores the fresh outputs in the notebooks instead (what is committed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from helpers.paths import BUILD_DIR, ROOT

from .metrics import METRICS_PATH, record
from .structure import as_jupyterlab_writes

NOTEBOOK_DIR = ROOT / "notebooks"


def notebooks(selected: list[str] | None = None) -> list[Path]:
    """The course's notebooks in order (``NN_*.ipynb``), optionally only those whose name starts with one of
    ``selected``."""
    found = sorted(p for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if selected:
        found = [p for p in found if any(p.name.startswith(s) for s in selected)]
        if not found:
            raise SystemExit(f"no notebook matches {selected}; the notebooks are: "
                             + ", ".join(p.name for p in sorted(NOTEBOOK_DIR.glob('*.ipynb'))))
    return found


def execute(path: Path, timeout: int = 600) -> tuple[object, float]:
    """Execute a notebook in its own folder with the current Python; return it and the seconds it took."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - t0
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    return nb, seconds


def merge_streams(outputs: list) -> list:
    """Consecutive prints to the same stream as one output, as JupyterLab shows them (a progress line printed
    piece by piece stays one line on a slide; nbval compares streams merged the same way)."""
    merged: list = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] = merged[-1]["text"] + out["text"]
        else:
            merged.append(out)
    return merged


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("only", nargs="*", help="run only notebooks whose name starts with these (e.g. 00)")
    ap.add_argument("--inplace", action="store_true", help="store the outputs in the notebooks themselves")
    args = ap.parse_args(argv)

    import nbformat
    from nbconvert import HTMLExporter

    BUILD_DIR.mkdir(exist_ok=True)
    if not args.only and not args.inplace:
        METRICS_PATH.unlink(missing_ok=True)  # a full run starts from a clean slate
    exporter = HTMLExporter()
    for path in notebooks(args.only):
        print(f"{path.name} ...", end=" ", flush=True)
        nb, seconds = execute(path)
        if args.inplace:
            as_jupyterlab_writes(nb)
            nbformat.write(nb, path)
        html, _ = exporter.from_notebook_node(nb)
        (BUILD_DIR / f"{path.stem}.html").write_text(html, encoding="utf-8")
        record(f"timing.{path.stem}.seconds", round(seconds, 1))
        print(f"{seconds:.1f} s")
    print(json.dumps(json.loads(METRICS_PATH.read_text()), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
