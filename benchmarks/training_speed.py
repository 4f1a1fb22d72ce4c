"""How long `make model` takes, model by model, projected from a short timed run of each training step.

For every shipped model: one warm-up epoch and one timed epoch on ``n`` scenes (the real recipe: same model,
loss, batch size and uint8-per-batch input), then the projection for the full recipe
(``course_tools.train_models.FULL``: scenes x epochs, pose models x2 for their mirrored copies). Scene
drawing and the final evaluation add about a minute in all. Records ``training.projected_minutes``.

Run: .venv/bin/python benchmarks/training_speed.py [n]   (a few minutes on 2 cores; run it on an idle machine)
"""

import sys
import time

import numpy as np

from course_tools import metrics
from course_tools.train_models import FULL, Batches
from helpers import shipped
from helpers.course_model import TRAIN_SEED
from helpers.localization import encode_scenes, practical_loss
from helpers.scenes import generate_scenes

LOSSES = {"course_convnet": "sparse_categorical_crossentropy", "localizer": practical_loss,
          "pose_regressor": "mse", "pose_heatmaps": "mse"}


def main(n: int = 2048) -> None:
    s = generate_scenes(n, TRAIN_SEED)
    targets = {"course_convnet": s.labels, "localizer": encode_scenes(s.objects),
               "pose_regressor": np.random.default_rng(0).random((n, 28), dtype=np.float32)}
    targets["pose_heatmaps"] = targets["pose_regressor"]
    total = 0.0
    for name in shipped.MODELS:
        model = shipped.build(name)
        model.compile(optimizer="adam", loss=LOSSES[name])
        data = Batches(s.images, targets[name], 64)
        model.fit(data, epochs=1, verbose=0)                      # warm-up: tracing
        t0 = time.perf_counter()
        model.fit(data, epochs=1, verbose=0)
        per_sample = (time.perf_counter() - t0) / n
        size = FULL[name]
        samples = size.train * size.epochs * (2 if name.startswith("pose") else 1)
        minutes = per_sample * samples / 60
        total += minutes
        print(f"{name:15s} {1000 * per_sample:.2f} ms/scene x {samples:,} = {minutes:.1f} min", flush=True)
    print(f"projected `make model`: {total:.1f} min of training (+ about 1 min drawing scenes and evaluating)")
    metrics.record("training.projected_minutes", round(total + 1, 1))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2048)
