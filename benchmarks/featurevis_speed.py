"""The regularised filter atlas of notebook 02 at full size: every live filter of the four blocks, batched.

Regularised feature visualisation (``helpers.featurevis``: Fourier parameterisation, decorrelated colour,
jitter/scale/rotation) for all filters that fire on at least one of 600 held-out scenes, 64 steps per block, one
batch per block; records ``filters.regularised_grid_seconds`` (target: at most 30 s on 2 cores) and
``filters.regularised_grid_filters`` in build/metrics.json. A benchmark, not a timed test.

Run: .venv/bin/python benchmarks/featurevis_speed.py   (`make run` runs it)
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from course_tools import metrics  # noqa: E402
from helpers import activations, course_model, featurevis  # noqa: E402
from helpers.scenes import generate_scenes  # noqa: E402

LAYERS = [f"block{k}_conv1" for k in range(1, 5)]


def main() -> None:
    model = course_model.load_course_model()
    held = generate_scenes(600, seed=course_model.TEST_SEED)
    acts = activations.compute_activations(model, course_model.preprocess(held.images), LAYERS)
    live = {n: np.flatnonzero(acts[n].max(axis=(0, 1, 2)) > 0) for n in LAYERS}
    colours = featurevis.colour_decorrelation(generate_scenes(300, seed=course_model.TRAIN_SEED).images)
    t0 = time.perf_counter()
    for n in LAYERS:
        t = time.perf_counter()
        featurevis.regularised_patterns(model, n, live[n], steps=64, colour_matrix=colours)
        print(f"{n}: {len(live[n])} live filters in {time.perf_counter() - t:.1f} s")
    seconds = time.perf_counter() - t0
    total = sum(len(v) for v in live.values())
    print(f"all {total} live filters of the four blocks: {seconds:.1f} s (target <= 30 s on 2 cores)")
    metrics.record({"filters.regularised_grid_seconds": round(seconds, 2), "filters.regularised_grid_filters": total})


if __name__ == "__main__":
    main()
