"""Table-driven bad-input tests: one table per module of (id, call, expected error type, words the message must hold).

A case is *clear* when the call raises the expected type (or a subclass) and the message contains every word
(case-insensitive) and names no internal frame. Tables live in ``tests/test_bad_inputs_<module>.py`` as ``CASES``;
``tests/test_bad_inputs_summary.py`` runs them all and records ``robustness.bad_input_cases``,
``robustness.unclear`` (raised, but not clearly) and ``robustness.silent`` (returned where it should refuse:
:func:`outcome` says "no error; returned ...").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[], object]
    error: type
    words: Sequence[str] = ()


def outcome(case: Case) -> str | None:
    """None when the case is clear; otherwise what went wrong, in words."""
    try:
        result = case.call()
    except case.error as err:  # the expected kind
        msg = str(err).lower()
        missing = [w for w in case.words if w.lower() not in msg]
        return f"message {str(err)!r} lacks {missing}" if missing else None
    except Exception as err:  # noqa: BLE001  (any other error is unclear)
        return f"raised {type(err).__name__}: {str(err)[:300]}"
    return f"no error; returned {str(result)[:200]}"


def ids(cases: Sequence[Case]) -> list[str]:
    return [c.id for c in cases]


def scratch_folder(prefix: str):
    """A temporary folder for bad files, removed when the test process ends (one per prefix)."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    if prefix not in _FOLDERS:
        _FOLDERS[prefix] = Path(tempfile.mkdtemp(prefix=prefix))
        atexit.register(shutil.rmtree, _FOLDERS[prefix], ignore_errors=True)
    return _FOLDERS[prefix]


_FOLDERS: dict = {}
