"""Grad-CAM with the gradient step compiled (tf.function) against the same step run eagerly, in one run.

Same shipped course model, same 500 held-out scenes with an object (as notebook 03's "Does the heatmap find
the object?": ``generate_scenes(700, seed=course_model.TEST_SEED)``, those with an object, the first 500),
same layer (``block4_conv1``), same chunks; both warmed up first (the tap model is made and the compiled
step traced), then each timed as the best of a few runs, alternating. Prints both times per image and their
ratio, and records ``cam.ms_per_image`` (compiled) and ``cam.compiled_speedup`` (eager / compiled) in
build/metrics.json.

Run: .venv/bin/python benchmarks/cam_speed.py   (about half a minute on 2 cores)
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from course_tools import metrics  # noqa: E402
from helpers import cam, course_model  # noqa: E402
from helpers.scenes import generate_scenes  # noqa: E402

LAYER = "block4_conv1"
REPEATS = 3


def timed(model, x, labels, compiled: bool) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    r = cam.class_activation_maps(model, x, labels, LAYER, verbose=False, _compiled=compiled)
    return time.perf_counter() - t0, r.heatmaps


def main() -> None:
    model = course_model.load_course_model()
    test = generate_scenes(700, seed=course_model.TEST_SEED)
    test = test.subset(np.flatnonzero(test.has_object())[:500])
    x, labels = course_model.preprocess(test.images), test.labels
    for compiled in (False, True):   # warm up: make the tap, trace the step for a full and a last chunk
        timed(model, x, labels, compiled)
    eager, compiled = [], []
    for _ in range(REPEATS):
        t, maps_eager = timed(model, x, labels, False)
        eager.append(t)
        t, maps_compiled = timed(model, x, labels, True)
        compiled.append(t)
    assert np.allclose(maps_eager, maps_compiled, atol=1e-5), "compiled and eager heatmaps differ"
    eager_ms, compiled_ms = (min(t) * 1000 / len(x) for t in (eager, compiled))
    ratio = eager_ms / compiled_ms
    print(f"Grad-CAM on {LAYER}, {len(x)} images, chunks of {cam.CHUNK}: eager {eager_ms:.2f} ms/image, "
          f"compiled {compiled_ms:.2f} ms/image -> x{ratio:.1f}")
    metrics.record({"cam.ms_per_image": round(compiled_ms, 3), "cam.compiled_speedup": round(ratio, 2)})


if __name__ == "__main__":
    main()
