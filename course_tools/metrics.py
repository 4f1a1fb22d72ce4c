"""The course's measured figures, collected in ``build/metrics.json`` (one JSON object: each key's value is a
number, a list of numbers, a list of such lists (e.g. one interval [low, high] per layer), or a table of
numbers by name, e.g. per notebook).

Each notebook's last cell (tagged ``maintainer``) calls :func:`record` with the keys its issue names
(``course_model.test_accuracy``, ``timing.<notebook>.seconds``, ...); ``make run`` starts from an empty file
and collects them all.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Mapping

from helpers.paths import BUILD_DIR

__all__ = ["METRICS_PATH", "record", "load"]

#: The file ``make run`` writes.
METRICS_PATH = BUILD_DIR / "metrics.json"


def _check(key: str, value: Any, table: bool = True) -> Any:
    if not isinstance(key, str) or not key or key != key.strip():
        raise ValueError(f"metric keys are non-empty strings like 'course_model.test_accuracy', got {key!r}")
    if isinstance(value, Mapping):
        if not table:
            raise TypeError(f"metric {key!r}: a table holds numbers or lists of numbers, not further tables")
        if not value or not all(isinstance(k, str) and k for k in value):
            raise ValueError(f"metric {key!r}: a table needs names (non-empty strings) for its numbers, "
                             f"got {value!r}")
        return {k: _check(f"{key}[{k!r}]", v, table=False) for k, v in value.items()}
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):   # e.g. intervals [low, high]
        if any(isinstance(x, list) for v in value for x in v):
            raise TypeError(f"metric {key!r}: lists of lists of numbers at most (e.g. one [low, high] per layer)")
        return [_check(f"{key}[{i}]", v, table=False) for i, v in enumerate(value)]
    items = value if isinstance(value, list) else [value]
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"metric {key!r} must be a number or a list of numbers, got {value!r}")
        if not math.isfinite(v):
            raise ValueError(f"metric {key!r} is not finite ({v}): fix the measurement before recording it")
    return value


def _path(path: Any) -> Path:
    if path is None:       # COURSE_METRICS: another file for a run on another Keras backend (make backends)
        return Path(os.environ["COURSE_METRICS"]) if os.environ.get("COURSE_METRICS") else METRICS_PATH
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file path (str) or None for {METRICS_PATH.name}, got "
                        f"{type(path).__name__} {path!r:.40}")
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"path: expected a .json file, got the folder {str(p)!r}; fix: name a file in it, "
                         f"e.g. {str(p / 'metrics.json')!r}")
    return p


def load(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """The metrics recorded so far (an empty dict when there are none)."""
    p = _path(path)
    if not p.is_file():
        return {}
    return json.loads(p.read_text())


def record(metrics: Mapping[str, Any] | str, value: Any = None, *,
           path: str | os.PathLike | None = None) -> None:
    """Merge figures into ``build/metrics.json`` (read them back with :func:`load`).

    Parameters
    ----------
    metrics : mapping or str
        ``{"key": value, ...}``, or a single key with ``value``.
    value : number, list of numbers, or mapping of names to numbers, optional
        The value when ``metrics`` is a key.
    path : path, optional
        Another file (tests use a temporary one).
    """
    if not isinstance(metrics, (str, Mapping)):
        raise TypeError(f"metrics: expected a mapping {{'key': value}} or one key with value=..., got "
                        f"{type(metrics).__name__} {metrics!r:.40}")
    items = {metrics: value} if isinstance(metrics, str) else dict(metrics)
    clean = {k: _check(k, v) for k, v in items.items()}
    p = _path(path)
    data = load(p)
    data.update(clean)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(f".{os.getpid()}.json.tmp")   # parallel test workers never share a temporary file
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(p)
