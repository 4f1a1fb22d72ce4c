"""``make backends``: every notebook executed on JAX and on PyTorch, each recorded figure compared with TensorFlow's.

The notebooks run first on TensorFlow, the reference, then on JAX and PyTorch, each backend's figures recorded into
``build/metrics-<backend>.json`` (the notebooks record into the file ``COURSE_METRICS`` names); the comparison goes
to ``build/backends.md`` and ``backends.notebooks.*`` in ``build/metrics.json``. ``--compare-only`` compares the
files already there. A figure agrees when the two
values are equal to the precision the notebooks record them with (their last recorded decimal, one unit of which
is allowed: round-off can move a value across a rounding boundary). Timings, teaching counts and wall-clock
figures are not compared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

from helpers.paths import BUILD_DIR

from .metrics import METRICS_PATH, record
from .run_notebooks import execute, notebooks

BACKENDS = ("tensorflow", "jax", "torch")
#: Keys that are not figures of the course's models: wall-clock times and the teaching counts of the decks.
NOT_COMPARED = ("timing.", "teaching.", "seconds", "_per_second", "_ms", "ms_per_", "speedup", "benchmarks.",
                "backends.")
#: Figures of a model trained inside a notebook: each backend trains its own run (Keras's ``fit`` shuffles the
#: batches with the backend's own generator: ``tf.random`` on TensorFlow, NumPy's on JAX, PyTorch's sampler), so
#: these are another run's figures, reported apart with this reason, not held to the printed precision.
TRAINED_IN_NOTEBOOK = {
    "localization.background_box_drift_masked": "04's head, trained in the notebook (5 epochs)",
    "localization.background_box_drift_unmasked": "04's head, trained in the notebook (5 epochs)",
    "localization.mask_iou_gain": "04's head, trained in the notebook (5 epochs): one run's IoU gap, as 04 says",
}
#: Differences below this are float32 round-off, whatever the recorded precision (e.g. a residual of 3e-7).
ROUND_OFF = 1e-6


def _decimals(value: float) -> int:
    text = repr(float(value))
    if "e" in text or "E" in text:
        return 12
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _flat(value, prefix: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(v, f"{prefix}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _flat(v, f"{prefix}[{i}]")
    else:
        yield prefix, value


def compare(reference: dict, other: dict) -> list[tuple[str, float, float, float, float]]:
    """(key, reference value, other value, |difference|, allowed) for every compared number; a missing value
    has difference inf."""
    rows = []
    for key, value in reference.items():
        if any(part in key for part in NOT_COMPARED):
            continue
        theirs = dict(_flat(other.get(key), key)) if key in other else {}
        for sub, v in _flat(value, key):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            w = theirs.get(sub)
            # one unit of the finer of the two recorded precisions (a trailing 0 is not written: 0.30 reads as 0.3)
            decimals = max(_decimals(v), _decimals(w) if isinstance(w, float) else 0)
            allowed = max(10.0 ** -decimals, ROUND_OFF) if isinstance(v, float) else 0.0
            diff = math.inf if not isinstance(w, (int, float)) else abs(float(w) - float(v))
            rows.append((sub, float(v), float("nan") if w is None else float(w), diff, allowed))
    return rows


def _run(backend: str, only: list[str]) -> None:
    """Execute the notebooks on ``backend``, recording into build/metrics-<backend>.json (a failed notebook's
    error goes to build/backends-<backend>-<notebook>.err)."""
    out = BUILD_DIR / f"metrics-{backend}.json"
    if not only:
        out.unlink(missing_ok=True)
    os.environ.update(KERAS_BACKEND=backend, COURSE_METRICS=str(out))
    try:
        for path in notebooks(only):
            err = BUILD_DIR / f"backends-{backend}-{path.stem}.err"
            err.unlink(missing_ok=True)
            print(f"{backend}: {path.name} ...", end=" ", flush=True)
            t0 = time.perf_counter()
            try:
                execute(path)
            except Exception as error:  # noqa: BLE001  (a cell failed: report it, run the other notebooks)
                err.write_text(str(error))
                print("FAILED")
                continue
            seconds = time.perf_counter() - t0
            record(f"timing.{path.stem}.seconds", round(seconds, 1), path=out)
            print(f"{seconds:.1f} s")
    finally:
        os.environ["KERAS_BACKEND"] = "tensorflow"
        os.environ.pop("COURSE_METRICS", None)


def _failures(backend: str) -> list[str]:
    out = []
    for err in sorted(BUILD_DIR.glob(f"backends-{backend}-*.err")):
        lines = err.read_text().strip().splitlines() or ["?"]
        out.append(f"{err.stem.removeprefix(f'backends-{backend}-')}: {lines[-1][:300]}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("only", nargs="*", help="notebooks whose names start with these (default: all)")
    ap.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    ap.add_argument("--compare-only", action="store_true", help="compare the figures already recorded")
    args = ap.parse_args(argv)
    if not args.compare_only:
        for backend in args.backends:
            _run(backend, args.only)
    reference_path = BUILD_DIR / "metrics-tensorflow.json"
    if not reference_path.is_file():
        raise SystemExit("no TensorFlow figures to compare with: run `make backends` (it runs TensorFlow first)")
    reference = json.loads(reference_path.read_text())
    report = ["# The notebooks on every Keras backend", "",
              "Each figure a notebook records, on JAX and PyTorch, against TensorFlow's (run first, by the same "
              "command).", ""]
    summary = {}
    for backend in [b for b in args.backends if b != "tensorflow"]:
        out = BUILD_DIR / f"metrics-{backend}.json"
        failed = _failures(backend)
        total = sum(v for k, v in (json.loads(out.read_text()) if out.is_file() else {}).items()
                    if k.startswith("timing."))
        other = json.loads(out.read_text()) if out.is_file() else {}
        rows = compare({k: v for k, v in reference.items() if k in other or not args.only}, other)
        trained = [r for r in rows if r[0].split("[")[0] in TRAINED_IN_NOTEBOOK]
        rows = [r for r in rows if r[0].split("[")[0] not in TRAINED_IN_NOTEBOOK]
        beyond = [r for r in rows if not r[3] <= r[4] + 1e-12]
        summary[backend] = {"figures": len(rows), "beyond_precision": len(beyond), "notebooks_failed": len(failed),
                            "notebook_seconds": round(total, 1)}
        report += [f"## {backend}: {len(rows)} figures, {len(rows) - len(beyond)} within their printed precision, "
                   f"{len(beyond)} beyond; notebooks {total:.0f} s", ""]
        report += [f"- failed: {f}" for f in failed] + ([""] if failed else [])
        if trained:
            report += ["Trained in the notebook (another run on each backend, not compared to precision):", "",
                       "| figure | TensorFlow | " + backend + " | why |", "|---|---|---|---|"]
            report += [f"| `{k}` | {a:g} | {b:g} | {TRAINED_IN_NOTEBOOK[k.split('[')[0]]} |" for k, a, b, *_ in trained]
            report.append("")
        if beyond:
            report += ["| figure | TensorFlow | " + backend + " | difference |", "|---|---|---|---|"]
            report += [f"| `{k}` | {a:g} | {b:g} | {d:.3g} |" for k, a, b, d, _ in beyond]
            report.append("")
    for backend, s in summary.items():
        record({f"backends.notebooks.{backend}.{k}": v for k, v in s.items()})
    (BUILD_DIR / "backends.md").write_text("\n".join(report) + "\n")
    print("\n".join(report))
    return 1 if any(s["notebooks_failed"] for s in summary.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
