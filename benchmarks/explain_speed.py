"""Notebook 07's expensive maps with their variants stacked into big batches, against one variant per call, in one run.

Integrated gradients (80 path points, blurred baseline), SmoothGrad (16 noisy copies) and occlusion (8x8 patches
every 8 pixels) on notebook 07's 60 scenes (20 per class, ``generate_scenes(150, seed=course_model.TEST_SEED)``),
the same model and the same compiled gradient: once with ``explain.STACK`` at its default (variants of all 60
images stacked up to about 1,024 images a batch) and once with ``STACK = 1`` (one variant of the 60 images per
call). Both warmed up first; each timed as the best of a few runs, alternating. Prints
the times side by side and records ``explain.stacked_seconds`` (IG + SmoothGrad + occlusion, stacked) and
``explain.stacked_speedup`` (one variant per call / stacked) in build/metrics.json.

Then the deletion and insertion curves on the grid of ``explain.curve_fractions()`` (23 points), for each fill:
prints the images per second (one image's curve a unit; printed only, not recorded).

Run: .venv/bin/python benchmarks/explain_speed.py   (about a minute on 2 cores)
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from course_tools import metrics  # noqa: E402
from helpers import course_model, explain  # noqa: E402
from helpers.scenes import generate_scenes  # noqa: E402

REPEATS = 2


def run(model, x, y) -> tuple[float, list]:
    t0 = time.perf_counter()
    maps = [explain.integrated_gradients(model, x, y, baseline=explain.blurred(x), steps=80),
            explain.smoothgrad(model, x, y, n_samples=16, noise=0.1),
            explain.occlusion(model, x, y, patch=8, stride=8)]
    return time.perf_counter() - t0, maps


def main() -> None:
    model = course_model.load_course_model()
    pool = generate_scenes(150, seed=course_model.TEST_SEED)
    pick = np.concatenate([np.flatnonzero(pool.labels == c)[:20] for c in range(3)])
    x, y = course_model.preprocess(pool.images[pick]), pool.labels[pick]
    default = explain.STACK
    times = {default: [], 1: []}
    results = {}
    for stack in (default, 1):               # warm up: trace the compiled gradient and forward pass
        explain.STACK = stack
        run(model, x[:4], y[:4])
    for _ in range(REPEATS):
        for stack in (default, 1):
            explain.STACK = stack
            t, results[stack] = run(model, x, y)
            times[stack].append(t)
    explain.STACK = default
    for a, b in zip(results[default], results[1]):
        assert np.allclose(a, b, atol=1e-4), "stacking must not change the maps"
    stacked, single = min(times[default]), min(times[1])
    print(f"IG (80 steps) + SmoothGrad (16) + occlusion (8/8) on {len(x)} scenes: one variant per call "
          f"{single:.1f} s, stacked {stacked:.1f} s -> x{single / stacked:.1f}")
    metrics.record({"explain.stacked_seconds": round(stacked, 2), "explain.stacked_speedup": round(single / stacked, 2)})
    curve_speed(model, x, y, results[default][1])


def curve_speed(model, x, y, maps) -> None:
    """Images per second of deletion + insertion on the 23-point grid, per fill (the best of REPEATS runs)."""
    fractions = explain.curve_fractions()
    explain.deletion_curve(model, x[:4], y[:4], maps[:4], fractions=fractions)      # warm up
    for fill in explain.FILLS:
        best = min(_timed(lambda: [fn(model, x, y, maps, fill=fill, fractions=fractions)
                                   for fn in (explain.deletion_curve, explain.insertion_curve)])
                   for _ in range(REPEATS))
        print(f"deletion + insertion, {len(fractions)} points, fill {fill!r}: "
              f"{2 * len(x) / best:.0f} image-curves/s "
              f"({len(x)} scenes in {best:.2f} s)")


def _timed(work) -> float:
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
