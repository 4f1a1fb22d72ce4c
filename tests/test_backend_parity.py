"""Backend parity (issue 30, item 5): every public helper that touches Keras gives the same output on JAX and
PyTorch as on TensorFlow.

``python -m course_tools.parity`` runs every case once per backend, in three subprocesses started together (with
TensorFlow made unimportable on the JAX and PyTorch runs); this module compares their outputs with TensorFlow's,
checks that every public function touching a backend is covered (or excluded, with a reason, in
``course_tools.parity.EXCLUDED``), and that the helpers import and run a Grad-CAM on JAX without TensorFlow.
A failing case (an exception on one backend) is reported by name with its error; a mismatch by output name,
backend and the measured difference. JAX and PyTorch are dependencies of ``make test``: missing, they fail the
run (never a skip).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from course_tools import parity

ROOT = Path(__file__).resolve().parents[1]

# ---- tolerances, stated once -----------------------------------------------------------------------------------
#: Maps (saliency maps, gradients, activations, patterns): each map (first axis) divided by its own max |value|,
#: then Spearman rank correlation of every map >= MAP_RANK_CORRELATION and max |difference| <= MAP_MAX_DIFF.
MAP_RANK_CORRELATION = 0.99
MAP_MAX_DIFF = 1e-4
#: Pictures after several steps of Adam (featurevis.regularised_patterns): Adam divides each gradient by its own
#: running size, so a parameter whose gradient is near zero moves a full step either way on round-off (measured:
#: 2 of 240 parameters 7.8e-4 apart after 4 steps on JAX, 1.7e-4 after 1 in the Fourier parameterisation). The
#: objective's history is held to the values' tolerance; the pictures after the ascent to ASCENT_MAX_DIFF.
ASCENT_MAX_DIFF = 1e-3
#: Values (scores, losses, curves, metrics): max |difference| <= VALUES_RTOL * max |TensorFlow's value| + VALUES_ATOL
#: (float32 round-off).
VALUES_RTOL = 1e-4
VALUES_ATOL = 1e-7
#: uint8 pictures made from float maps: at most this many levels apart (a value on a rounding edge may move one).
PIXEL_LEVELS = 1
#: Integers, booleans, class and NMS indices, shapes, names and text: exactly equal.

OTHERS = ("jax", "torch")
#: Seconds one backend's run may take before it counts as hung.
TIMEOUT = 900

#: Run on JAX with TensorFlow installed but never imported by name: every helpers module, then a Grad-CAM, then
#: which TensorFlow modules were loaded (a guarded ``try: import tensorflow`` would load it here).
IMPORT_CHECK = """
import importlib, json, os, pkgutil, sys
os.environ["KERAS_BACKEND"] = "jax"
import numpy as np, keras, helpers
for info in pkgutil.iter_modules(helpers.__path__):
    importlib.import_module("helpers." + info.name)
from helpers import explain
L = keras.layers
i = keras.Input((8, 8, 3))    # not tiny_models: keras.utils.set_random_seed imports TensorFlow when installed
h = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(i)
model = keras.Model(i, L.Dense(3)(L.GlobalAveragePooling2D()(h)))
maps = explain.grad_cam(model, np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32"))
print(json.dumps({"backend": keras.backend.backend(), "maps": list(maps.shape),
                  "tensorflow": sorted(m for m in sys.modules if m.split(".")[0] == "tensorflow")[:10]}))
"""


def _installed(backend: str) -> bool:
    return importlib.util.find_spec(backend) is not None


def _env(jax_cache: bool = False) -> dict:
    env = dict(os.environ)
    env.pop("KERAS_BACKEND", None)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONHASHSEED"] = "0"
    for key, value in parity.THREAD_ENV.items():
        env.setdefault(key, value)
    if jax_cache:      # the parity runs set it themselves (course_tools.parity.JAX_CACHE)
        env.setdefault("JAX_COMPILATION_CACHE_DIR", str(parity.JAX_CACHE))
        env.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
        env.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    return env


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every backend's run, started together: {backend: {"meta", "arrays", "error"}}, the import check under
    "import_check" and the wall time. Output goes to files (a full pipe would stall a run)."""
    out = tmp_path_factory.mktemp("parity")
    commands = {backend: [sys.executable, "-m", "course_tools.parity", "--backend", backend,
                          "--out", str(out / f"{backend}.npz")]
                for backend in ("tensorflow", *OTHERS) if backend == "tensorflow" or _installed(backend)}
    if _installed("jax"):
        commands["import_check"] = [sys.executable, "-c", IMPORT_CHECK]
    start = time.perf_counter()
    procs, killed = {}, set()
    try:
        for name, command in commands.items():
            with open(out / f"{name}.stdout", "w") as stdout, open(out / f"{name}.stderr", "w") as stderr:
                procs[name] = subprocess.Popen(command, cwd=ROOT, env=_env(jax_cache=name == "import_check"),
                                               stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + TIMEOUT
        for name, proc in procs.items():
            try:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                killed.add(name)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    results = {"wall_seconds": round(time.perf_counter() - start, 1)}
    for name, proc in procs.items():
        stdout, stderr = ((out / f"{name}.{kind}").read_text(errors="replace") for kind in ("stdout", "stderr"))
        if name == "import_check":
            results[name] = {"returncode": proc.returncode, "stdout": stdout, "stderr": stderr[-3000:]}
            continue
        result = {"error": None, "meta": None, "arrays": {}}
        path = out / f"{name}.npz"
        if proc.returncode != 0 or not path.exists():
            why = f"killed after {TIMEOUT} s" if name in killed else f"exit {proc.returncode}"
            result["error"] = f"{why}; stderr ends:\n{stderr[-3000:]}"
        else:
            with np.load(path, allow_pickle=False) as data:
                result["arrays"] = {k: data[k] for k in data.files if k != "__meta__"}
                result["meta"] = json.loads(str(data["__meta__"]))
        results[name] = result
    return results


# ---- comparisons -----------------------------------------------------------------------------------------------

def _per_map(a: np.ndarray) -> np.ndarray:
    """(n_maps, values): one row per map (the first axis), each divided by its own max |value|."""
    rows = a.reshape(1, -1) if a.ndim <= 1 else a.reshape(len(a), -1)
    peak = np.abs(rows).max(axis=1, keepdims=True) if rows.size else np.ones((len(rows), 1))
    return np.where(peak > 0, rows / np.where(peak > 0, peak, 1), 0.0)


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest Spearman correlation over the maps (rows); a map constant in both counts as 1."""
    from scipy.stats import rankdata

    worst = 1.0
    for x, y in zip(a, b):
        if x.size < 2 or (np.ptp(x) == 0 and np.ptp(y) == 0):
            continue
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            return 0.0
        worst = min(worst, float(np.corrcoef(rankdata(x), rankdata(y))[0, 1]))
    return worst


def compare(kind: str, ref: np.ndarray, got: np.ndarray) -> tuple[str | None, float]:
    """(None, measured difference) when ``got`` matches TensorFlow's ``ref`` within the tolerance of ``kind``, else
    (what differs, the difference)."""
    if ref.shape != got.shape:
        return f"shape {got.shape}, TensorFlow's {ref.shape}", float("inf")
    if kind == "exact" or ref.dtype.kind in "USb":
        if np.array_equal(ref, got):
            return None, 0.0
        if ref.dtype.kind in "US":
            return f"differs: {str(got)[:200]!r} vs TensorFlow's {str(ref)[:200]!r}", 1.0
        bad = np.argwhere(ref != got)
        return (f"{len(bad)} of {ref.size} values differ, first at {tuple(bad[0])}: {got[tuple(bad[0])]} vs "
                f"TensorFlow's {ref[tuple(bad[0])]}", float(len(bad)))
    ref, got = ref.astype(np.float64), got.astype(np.float64)
    nan_ref, nan_got = np.isnan(ref), np.isnan(got)
    if not np.array_equal(nan_ref, nan_got):
        return f"NaN at {int(nan_got.sum())} places, TensorFlow at {int(nan_ref.sum())}", float("inf")
    ref, got = np.where(nan_ref, 0, ref), np.where(nan_got, 0, got)
    if kind == "pixels":
        diff = float(np.abs(ref - got).max()) if ref.size else 0.0
        return (None if diff <= PIXEL_LEVELS else f"max difference {diff:g} levels (limit {PIXEL_LEVELS})"), diff
    if kind == "values":
        scale = float(np.abs(ref).max()) if ref.size else 0.0
        diff = float(np.abs(ref - got).max()) if ref.size else 0.0
        limit = VALUES_RTOL * scale + VALUES_ATOL
        rel = diff / scale if scale else diff
        return (None if diff <= limit else f"max difference {diff:.3g} = {rel:.3g} of the largest value "
                f"{scale:.3g} (limit {VALUES_RTOL:g} relative)"), rel
    a, b = _per_map(ref), _per_map(got)
    diff = float(np.abs(a - b).max()) if a.size else 0.0
    rho = _rank_correlation(a, b)
    problems = []
    limit = ASCENT_MAX_DIFF if kind == "ascent" else MAP_MAX_DIFF
    if diff > limit:
        problems.append(f"max difference {diff:.3g} after normalising each map (limit {limit:g})")
    if rho < MAP_RANK_CORRELATION:
        problems.append(f"rank correlation {rho:.4f} (limit {MAP_RANK_CORRELATION})")
    return ("; ".join(problems) or None), diff


def _ran(runs, backend: str) -> dict:
    if not _installed(backend):
        pytest.fail(f"{backend} is not installed: `make test` installs it (the parity suite of issue 30 runs on "
                    f"TensorFlow, JAX and PyTorch): run `make test`, or .venv/bin/python -m pip install -c constraints.txt "
                    f"-e '.[backend,tools]'")
    result = runs[backend]
    if result["error"]:
        pytest.fail(f"the {backend} run failed: {result['error']}")
    return result


# ---- the tests -------------------------------------------------------------------------------------------------

def test_tensorflow_reference_runs_every_case(runs):
    """The reference itself: every case runs on TensorFlow (else there is nothing to compare with)."""
    meta = _ran(runs, "tensorflow")["meta"]
    assert not meta["failures"], "cases failing on TensorFlow:\n" + "\n".join(
        f"  {name}: {why}" for name, why in meta["failures"].items())
    assert len(runs["tensorflow"]["arrays"]) > 300, "the TensorFlow run recorded too few outputs"


@pytest.mark.parametrize("backend", OTHERS)
def test_outputs_equal_tensorflow(runs, backend):
    """Every output of every case on ``backend`` equals TensorFlow's within the tolerances above."""
    got = _ran(runs, backend)
    ref = _ran(runs, "tensorflow")
    problems = [f"case {name} fails on {backend}: {why}" for name, why in got["meta"]["failures"].items()
                if name not in ref["meta"]["failures"]]
    failed_cases = set(got["meta"]["failures"])
    for name, kind in ref["meta"]["kinds"].items():
        if name not in got["arrays"]:
            if not any(name == case or name.startswith(case + ".") for case in failed_cases):
                problems.append(f"{name}: not recorded on {backend}")
            continue
        if got["meta"]["kinds"][name] != kind:
            problems.append(f"{name}: kind {got['meta']['kinds'][name]} on {backend}, {kind} on TensorFlow")
            continue
        what, _ = compare(kind, ref["arrays"][name], got["arrays"][name])
        if what:
            problems.append(f"{name} ({kind}) on {backend}: {what}")
    extra = sorted(set(got["arrays"]) - set(ref["arrays"]))
    if extra:
        problems.append(f"outputs on {backend} only: {extra[:10]}")
    assert not problems, f"{len(problems)} differences from TensorFlow on {backend}:\n" + "\n".join(
        f"  {p}" for p in problems)


def test_every_backend_function_is_covered(runs):
    """Every public function that touches Keras or a backend (read from its code) is run by a case, or excluded
    in course_tools.parity.EXCLUDED with the reason; no exclusion is stale."""
    covers = _ran(runs, "tensorflow")["meta"]["covers"]
    touching = parity.backend_functions()
    uncovered = sorted(name for name in touching if name not in covers and not parity.excluded(name))
    assert not uncovered, ("public functions that touch a backend but no parity case runs (add a case to "
                           "course_tools/parity.py, or an exclusion with its reason):\n" + "\n".join(
                               f"  {name} ({touching[name]})" for name in uncovered))
    stale = sorted(name for name in parity.EXCLUDED if not name.endswith(".*") and name not in touching)
    assert not stale, f"exclusions that name no backend function (remove them): {stale}"
    both = sorted(name for name in covers if name in parity.EXCLUDED)
    assert not both, f"functions both covered and excluded: {both}"
    unknown = sorted(name for name in covers if name not in touching)
    # a case may cover a function that the static reading does not see as touching a backend (e.g. through a
    # method call on a model): allowed, but it must exist
    import helpers  # noqa: F401

    missing = [name for name in unknown if not hasattr(importlib.import_module(f"helpers.{name.split('.')[0]}"),
                                                       name.split(".", 1)[1])]
    assert not missing, f"cases cover functions that do not exist: {missing}"


def test_helpers_never_import_tensorflow_on_jax(runs):
    """On JAX no TensorFlow module is loaded: not in the parity run (TensorFlow blocked: an import fails there),
    and not when TensorFlow is installed and importable (every helpers module imported, then a Grad-CAM)."""
    jax_run = _ran(runs, "jax")
    assert jax_run["meta"]["n_tensorflow_modules"] == 0, jax_run["meta"]["tensorflow_modules"]
    check = runs["import_check"]
    assert check["returncode"] == 0, f"importing the helpers on JAX failed:\n{check['stderr']}"
    answer = json.loads(check["stdout"].strip().splitlines()[-1])
    assert answer["backend"] == "jax" and answer["maps"] == [2, 8, 8], answer
    assert answer["tensorflow"] == [], f"TensorFlow was imported on the JAX path: {answer['tensorflow']}"


@pytest.mark.parametrize("seed", [0, 1, 7, 12345, 2**31 - 3])
def test_seeded_uniform_is_tensorflows(seed):
    """helpers.layers.seeded_uniform, the NumPy copy of TensorFlow's stateless Philox draw that seeds the random
    controls (untrained twins, randomised layers) on every backend, gives TensorFlow's numbers bit for bit."""
    import tensorflow as tf

    from helpers import layers

    for shape in [(), (1,), (3,), (4,), (5, 7), (3, 3, 4, 5), (1001,)]:
        ours = layers.seeded_uniform(shape, seed)
        theirs = tf.random.stateless_uniform(shape, seed=[seed, 0]).numpy()
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (shape, ours.dtype, ours.shape)
        assert np.array_equal(ours, theirs), (f"seed {seed}, shape {shape}: {int((ours != theirs).sum())} of "
                                              f"{ours.size} values differ from tf.random.stateless_uniform")
