"""The order `make test` hands scopes to its two workers (tests/conftest.py): longest first, every scope whole."""

from types import SimpleNamespace

import conftest


def _items(*nodeids):
    return [SimpleNamespace(nodeid=n) for n in nodeids]


def test_longest_scopes_first_each_whole_and_the_rest_in_their_order():
    items = _items("tests/test_a.py::t1", "tests/test_a.py::t2", "notebooks/02_filter_patterns.ipynb::Cell 0",
                   "tests/test_b.py::t1", "tests/test_slides_fit.py::t1", "notebooks/02_filter_patterns.ipynb::Cell 1",
                   "tests/test_slides_fit.py::t2", "tests/test_c.py::t1")
    conftest.pytest_collection_modifyitems(None, items)
    assert [i.nodeid for i in items] == [
        "tests/test_slides_fit.py::t1", "tests/test_slides_fit.py::t2",
        "notebooks/02_filter_patterns.ipynb::Cell 0", "notebooks/02_filter_patterns.ipynb::Cell 1",
        "tests/test_a.py::t1", "tests/test_a.py::t2", "tests/test_b.py::t1", "tests/test_c.py::t1"]


def test_the_table_names_scopes_that_exist():
    from helpers.paths import ROOT

    missing = [scope for scope in conftest.SCOPE_SECONDS if not (ROOT / scope).is_file()]
    assert not missing, f"SCOPE_SECONDS lists files that are gone (renamed?): {missing}"
