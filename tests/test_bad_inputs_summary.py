"""All bad-input tables at once: how many cases, how many without a clear error (target 0).

Records in build/metrics.json (each case counted once, whatever table holds it):

- ``robustness.bad_input_cases``: the cases of every ``tests/test_bad_inputs_*.py`` table;
- ``robustness.unclear``: cases that raised, but not clearly (another kind of error, or a message without the words
  the case names);
- ``robustness.silent`` (issue 29): cases that returned without complaint where they should refuse.

Before issue 29 ``robustness.unclear`` counted both kinds; each is now 0 on its own.
"""

import importlib
from pathlib import Path

from bad_input_support import outcome
from course_tools import metrics

TABLES = sorted(p.stem for p in Path(__file__).parent.glob("test_bad_inputs_*.py") if p.stem != Path(__file__).stem)


def test_every_bad_input_gets_a_clear_error():
    cases = [c for name in TABLES for c in importlib.import_module(name).CASES]
    failing = {c.id: why for c in cases if (why := outcome(c)) is not None}
    silent = {k: why for k, why in failing.items() if why.startswith("no error")}
    unclear = {k: why for k, why in failing.items() if k not in silent}
    metrics.record({"robustness.bad_input_cases": len(cases), "robustness.unclear": len(unclear),
                    "robustness.silent": len(silent)})
    assert len(cases) >= 600 and len(TABLES) >= 8
    assert len({(name, c.id) for name in TABLES for c in importlib.import_module(name).CASES}) == len(cases)
    assert not silent, silent
    assert not unclear, unclear
