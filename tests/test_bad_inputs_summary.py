"""All bad-input tables at once: how many cases, how many without a clear error (target 0).

Records ``robustness.bad_input_cases`` and ``robustness.unclear`` in build/metrics.json.
"""

import importlib
from pathlib import Path

from bad_input_support import outcome
from course_tools import metrics

TABLES = sorted(p.stem for p in Path(__file__).parent.glob("test_bad_inputs_*.py") if p.stem != Path(__file__).stem)


def test_every_bad_input_gets_a_clear_error():
    cases = [c for name in TABLES for c in importlib.import_module(name).CASES]
    unclear = {c.id: why for c in cases if (why := outcome(c)) is not None}
    metrics.record({"robustness.bad_input_cases": len(cases), "robustness.unclear": len(unclear)})
    assert len(cases) >= 100 and len(TABLES) >= 2
    assert not unclear, unclear
