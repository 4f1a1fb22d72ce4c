"""Batched filter ascent against one filter at a time, on the course model, in one run.

Same model, layers, image size (64x64), steps (40) and step size; prints the times and their ratio and
records ``filters.batched_speedup`` (total loop time / total batched time) in build/metrics.json.

Run: .venv/bin/python benchmarks/filters_speed.py   (about a minute on 2 cores; `make run` runs it)
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from course_tools import metrics  # noqa: E402
from helpers import course_model, filters  # noqa: E402


def timed(**kwargs) -> float:
    t0 = time.perf_counter()
    filters.filter_patterns(**kwargs)
    return time.perf_counter() - t0


def main() -> None:
    model = course_model.load_course_model()
    # warm up: trace the step function once for each shape used below
    for layer in ("block2_conv1", "block3_conv1"):
        filters.filter_patterns(model, layer, range(2), steps=2)
        filters.filter_patterns(model, layer, range(1), steps=2)
    loop_total = batch_total = 0.0
    for layer in ("block2_conv1", "block3_conv1"):
        loop = timed(model=model, layer=layer, steps=40, step_size=0.03, batched=False)
        batch = timed(model=model, layer=layer, steps=40, step_size=0.03, batched=True)
        loop_total, batch_total = loop_total + loop, batch_total + batch
        print(f"{layer}: one at a time {loop:.2f} s, batched {batch:.2f} s -> x{loop / batch:.1f}")
    ratio = loop_total / batch_total
    print(f"all: x{ratio:.1f}")
    metrics.record("filters.batched_speedup", round(ratio, 2))


if __name__ == "__main__":
    main()
