"""The course's heavy work on each Keras backend -- TensorFlow, JAX, PyTorch -- side by side, in one run.

Four tasks, each as a notebook does it, each backend in its own process (a Keras backend is fixed at import):

* ``gradcam_500``: Grad-CAM of ``block4_conv1`` on 500 held-out scenes with an object (notebook 03);
* ``filter_grid``: the full filter grid, every filter of the four convolutions, 40 steps (notebook 02);
* ``ig_60``: integrated gradients, 16 steps from the blurred scene, on 60 scenes (notebook 07);
* ``train_epoch``: one epoch of the course convnet's recipe on 2,048 scenes (Adam, batches of 64; ``make model``).

Each task runs once to warm up (JAX compiles, TensorFlow traces: recorded as ``first_seconds``), then is timed as
the best of :data:`REPEATS`. Records ``backends.<task>.<backend>_seconds`` (and ``..._first_seconds``) in
build/metrics.json and prints a table with each backend's time as a ratio to TensorFlow's. Run it on an idle
machine; the processes run one after the other.

Run: .venv/bin/python benchmarks/backends.py [--backends tensorflow jax torch]   (about 4 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BACKENDS = ("tensorflow", "jax", "torch")
TASKS = ("gradcam_500", "filter_grid", "ig_60", "train_epoch")
REPEATS = 2
ROOT = Path(__file__).resolve().parents[1]


def _tasks():
    """name -> function running the task once (made after the backend is chosen)."""
    import numpy as np

    from course_tools.train_models import Batches
    from helpers import cam, course_model, explain, filters, layers
    from helpers.scenes import generate_scenes

    model = course_model.load_course_model()
    held = generate_scenes(700, seed=course_model.TEST_SEED)
    held = held.subset(np.flatnonzero(held.has_object())[:500])
    x500, y500 = course_model.preprocess(held.images), held.labels
    x60, y60 = x500[:60], y500[:60]
    base60 = explain.blurred(x60)
    convs = [layer.name for layer in layers.all_layers(model) if "conv" in layer.name]
    train = generate_scenes(2048, seed=course_model.TRAIN_SEED)
    data = Batches(train.images, train.labels, 64)

    def train_epoch():
        fresh = course_model.compile_for_training(course_model.build_course_convnet())
        fresh.fit(data, epochs=1, verbose=0)

    return {
        "gradcam_500": lambda: cam.class_activation_maps(model, x500, y500, "block4_conv1", verbose=False),
        "filter_grid": lambda: [filters.filter_patterns(model, name, steps=40, step_size=0.03) for name in convs],
        "ig_60": lambda: explain.integrated_gradients(model, x60, y60, baseline=base60, steps=16),
        "train_epoch": train_epoch,
    }


def worker(backend: str) -> dict:
    """Run every task on ``backend`` (this process's Keras backend); return its times."""
    import keras

    assert keras.backend.backend() == backend, (keras.backend.backend(), backend)
    tasks = _tasks()
    out = {}
    for name in TASKS:
        t0 = time.perf_counter()
        tasks[name]()
        first = time.perf_counter() - t0
        times = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            tasks[name]()
            times.append(time.perf_counter() - t0)
        out[name] = {"seconds": min(times), "first_seconds": first}
        print(f"  {backend:<10} {name:<12} {min(times):7.2f} s (first {first:.2f} s)", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    ap.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    results = {}
    for backend in args.backends:
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
        done = subprocess.run([sys.executable, __file__, "--worker", backend], env=env, cwd=ROOT, check=True,
                              stdout=subprocess.PIPE, text=True)
        results[backend] = json.loads(done.stdout.strip().splitlines()[-1])
    from course_tools import metrics

    record, lines = {}, []
    head = "| task | " + " | ".join(f"{b} (s)" for b in args.backends) + " | " + " | ".join(
        f"{b} / tensorflow" for b in args.backends if b != "tensorflow") + " |"
    lines += [head, "|" + "---|" * (1 + len(args.backends) + sum(b != "tensorflow" for b in args.backends))]
    for task in TASKS:
        cells, ratios = [], []
        for b in args.backends:
            r = results[b][task]
            record[f"backends.{task}.{b}_seconds"] = round(r["seconds"], 2)
            record[f"backends.{task}.{b}_first_seconds"] = round(r["first_seconds"], 2)
            cells.append(f"{r['seconds']:.2f} (first {r['first_seconds']:.1f})")
            if b != "tensorflow" and "tensorflow" in results:
                ratios.append(f"{r['seconds'] / results['tensorflow'][task]['seconds']:.2f}")
        lines.append(f"| {task} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    metrics.record(record)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
