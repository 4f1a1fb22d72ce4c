"""``make model``: retrain every shipped model from source, in one run.

    python -m course_tools.train_models                    # all models -> data/models/, then data/MANIFEST
    python -m course_tools.train_models --smoke --out DIR  # every model at a tiny size, in seconds (CI)
    python -m course_tools.train_models --only localizer   # one model (its base is read from --out)
    python -m course_tools.train_models --quick            # shorter (about 35 minutes), figures a little lower

The models and their order come from the registry :data:`helpers.shipped.MODELS`; each has a recipe
here (data, loss, epochs, the figure it is judged by). Models built on the course convnet's blocks
start from the convnet trained in the same run. Scenes stay uint8 in memory and are scaled per
batch, so a full retrain stays within a few GB. Every model shows one progress bar; the end prints
each model's figure, time and the run's peak memory, and writes them to ``build/training.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from helpers.notebook import quiet_stderr  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
with quiet_stderr():  # TensorFlow's C++ start-up notes carry nothing for whoever retrains
    import keras
    if keras.backend.backend() == "tensorflow":   # any Keras backend trains the models; TF is the default
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")

from helpers import shipped  # noqa: E402
from helpers.course_model import (  # noqa: E402
    TEST_SEED,
    TRAIN_SEED,
    VALIDATION_SEED,
    evaluate,
    preprocess,
)
from helpers.detection import (  # noqa: E402
    GridSpec,
    average_precision,
    coco_map,
    decode_grid,
    encode_grid,
    grid_loss,
    nms_per_class,
)
from helpers.landmarks import decode_landmarks, pck, pedestrian_data  # noqa: E402
from helpers.localization import encode_scenes, evaluate_localizer, practical_loss  # noqa: E402
from helpers.paths import BUILD_DIR  # noqa: E402
from helpers.scenes import generate_scenes  # noqa: E402
from helpers.shortcut import evaluate_shortcut, shortcut_training_set  # noqa: E402

from . import manifest  # noqa: E402

__all__ = ["Size", "FULL", "QUICK", "SMOKE", "RECIPES", "DETECTION_SPEC", "Batches", "Progress", "train_all", "main"]


@dataclass(frozen=True)
class Size:
    """How much data and how many epochs a recipe uses."""

    train: int
    val: int
    test: int
    epochs: int


#: ``make model``'s sizes (pose models: ``train`` pedestrians, doubled by their mirrored copies). A retrain reproduces
#: the shipped files' figures (the README has them side by side); about 70 minutes on 2 idle CPU cores.
FULL = {
    "course_convnet": Size(train=32000, val=2000, test=2000, epochs=12),
    # Memorising random labels takes a small set and many epochs: the shuffled-label loss stays at chance for
    # ~90 epochs, then the 500 scenes are learnt by heart by epoch ~200 (batches of 16: 32 steps an epoch).
    "course_convnet_random_labels": Size(train=500, val=200, test=2000, epochs=250),
    "course_convnet_second_seed": Size(train=32000, val=2000, test=2000, epochs=12),   # as course_convnet, seed 1
    # Reading a 4-pixel square is learnt in steps, with plateaus (at 0.75 two colours stay confused): a larger
    # rate (SHORTCUT_LEARNING_RATE) and a longer schedule get past them. Measured, cores shared, 8000 scenes at
    # 3e-3: 6 epochs reach validation 1.0 from seed 0 but stay at 0.75 from seed 1; 12 epochs reach 1.0 from
    # seeds 0, 1 and 2 (0.99 by epoch 4, 3 and 2). About 3 minutes, scenes included.
    # (At 1e-3: 10000 x 8 stayed at 0.75, 8000 x 5 reached 0.989.)
    "shortcut_convnet": Size(train=8000, val=1000, test=2000, epochs=12),
    "localizer": Size(train=30000, val=2000, test=2000, epochs=12),
    "pose_regressor": Size(train=15000, val=1000, test=1000, epochs=15),
    "pose_heatmaps": Size(train=15000, val=1000, test=1000, epochs=15),
    "pose_block3_regressor": Size(train=15000, val=1000, test=1000, epochs=15),   # as pose_heatmaps: controlled
    # 1..3 objects a scene. About 5 min on 2 idle cores: 313 steps/epoch x 10 = 3130 steps of 64. Measured in a
    # 20-step run (1280 scenes) next to the block-3 regressor: a detector step takes 0.6-0.7x of its step, whose
    # 7035 full-size steps took 12.2 min (build/training.json), so ~65 ms/step idle -> ~3.5 min of training.
    # Drawing the 22000 scenes ~1.5 min (3.9 ms/scene, one worker), judging a few seconds. Upper bound: this
    # recipe at 4000 scenes x 5 epochs on cores busy with another job took 150 ms/step -> ~9.5 min in all.
    "grid_detector": Size(train=20000, val=1000, test=1000, epochs=10),
}
#: ``--quick``: about 35 minutes; every figure a little lower than the shipped files' (see the README).
QUICK = {
    "course_convnet": Size(train=30000, val=2000, test=2000, epochs=12),
    # as make model: at 200 epochs it learns only 83% of its shuffled labels by heart (measured), and saves 0.5 min
    "course_convnet_random_labels": FULL["course_convnet_random_labels"],
    "course_convnet_second_seed": Size(train=30000, val=2000, test=2000, epochs=12),
    "shortcut_convnet": FULL["shortcut_convnet"],   # 3 minutes already; 6 epochs can stall at 0.75 (see FULL)
    "localizer": Size(train=24000, val=2000, test=2000, epochs=10),
    "pose_regressor": Size(train=15000, val=1000, test=1000, epochs=10),
    "pose_heatmaps": Size(train=15000, val=1000, test=1000, epochs=8),
    "pose_block3_regressor": Size(train=15000, val=1000, test=1000, epochs=8),
    "grid_detector": Size(train=12000, val=1000, test=1000, epochs=8),
}
#: ``--smoke``: the same recipes at a tiny size (seconds each): checks that every model still trains and saves.
SMOKE = {name: Size(train=96, val=32, test=32, epochs=1) for name in FULL}


class Progress(keras.callbacks.Callback):
    """One progress bar per model (a line per epoch when the output is not a terminal)."""

    def __init__(self, name: str, epochs: int, steps: int, stream=None):
        super().__init__()
        self.name, self.epochs = name, epochs
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total, self.done, self.t0, self.epoch = epochs * steps, 0, time.time(), 0

    def line(self, logs: dict | None = None) -> str:
        frac = self.done / max(self.total, 1)
        elapsed = time.time() - self.t0
        left = elapsed / frac - elapsed if frac > 0 else math.nan
        bar = "#" * int(30 * frac) + "." * (30 - int(30 * frac))
        figs = "  ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items()
                         if k in ("loss", "val_loss", "accuracy", "val_accuracy"))
        eta = f"~{left / 60:.1f} min left" if math.isfinite(left) else ""
        return (f"{self.name:15s} [{bar}] {100 * frac:3.0f}%  epoch {self.epoch}/{self.epochs}  "
                f"{elapsed / 60:.1f} min  {eta}  {figs}")

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        self.done += 1
        if self.tty and self.done % max(1, self.total // 200) == 0:
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def on_epoch_end(self, epoch, logs=None):
        self.stream.write(("\r" if self.tty else "") + self.line(logs) + ("" if self.tty else "\n"))
        self.stream.flush()

    def on_train_end(self, logs=None):
        if self.tty:
            self.stream.write("\n")


class Batches(keras.utils.PyDataset):
    """Shuffled batches of uint8 images, scaled to [0, 1] one batch at a time.

    The whole set stays uint8 (a quarter of float32's memory); each epoch has its own seeded order.
    """

    def __init__(self, images: np.ndarray, targets: np.ndarray, batch_size: int = 64, seed: int = 0):
        super().__init__()
        self.images, self.targets, self.batch_size, self.seed = images, targets, batch_size, seed
        self.epoch = 0
        self.order = np.random.default_rng([seed, 0]).permutation(len(images))

    def __len__(self) -> int:
        return -(-len(self.images) // self.batch_size)

    def __getitem__(self, i: int):
        idx = np.sort(self.order[i * self.batch_size:(i + 1) * self.batch_size])
        return preprocess(self.images[idx]), self.targets[idx]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.images))


def _fit(name: str, model, x: np.ndarray, y: np.ndarray, validation: tuple, loss, size: Size, *,
         batch_size: int = 64, learning_rate: float = 1e-3, metrics=(), seed: int = 0) -> None:
    """Adam on a cosine-decaying rate, one progress bar; ``x`` uint8 images, shuffled by ``Batches(seed=seed)``."""
    data = Batches(x, y, batch_size, seed=seed)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=size.epochs * len(data), alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=loss, metrics=list(metrics))
    model.fit(data, validation_data=(preprocess(validation[0]), validation[1]), epochs=size.epochs, verbose=0,
              callbacks=[Progress(name, size.epochs, len(data))])


def _save(name: str, trained, out: Path) -> Path:
    """Save a fresh registry-built copy holding ``trained``'s weights: no optimizer state in the file."""
    fresh = shipped.build(name)
    fresh.set_weights(trained.get_weights())
    path = shipped.path(name, out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh.save(path)
    return path


# ------------------------------------------------------------------------------------------
# One recipe per shipped model: train, judge, save. Each returns its figures.
# ------------------------------------------------------------------------------------------

def _course_convnet(size: Size, out: Path, name: str = "course_convnet", seed: int = 0) -> dict:
    tr, va = generate_scenes(size.train, TRAIN_SEED), generate_scenes(size.val, VALIDATION_SEED)
    keras.utils.set_random_seed(seed)
    model = shipped.build(name)
    _fit(name, model, tr.images, tr.labels, (va.images, va.labels), "sparse_categorical_crossentropy",
         size, metrics=["accuracy"], seed=seed)
    acc, _ = evaluate(model, generate_scenes(size.test, TEST_SEED))
    _save(name, model, out)
    return {"test_accuracy": round(acc, 4)}


#: Seed of the second-seed convnet: initial weights and dropout (``keras.utils.set_random_seed``) and batch order.
SECOND_SEED = 1


def _course_convnet_second_seed(size: Size, out: Path) -> dict:
    """The course convnet's recipe and scenes from another seed: notebook 07's "two good models" reference."""
    return _course_convnet(size, out, name="course_convnet_second_seed", seed=SECOND_SEED)


#: Seed of the permutation that shuffles the random-label model's training labels (the year of Adebayo et al.).
RANDOM_LABEL_SEED = 2018
#: Batch size of the random-label model: small batches (more steps) memorise 500 scenes within minutes.
RANDOM_LABEL_BATCH = 16


def _course_convnet_random_labels(size: Size, out: Path) -> dict:
    """The course convnet trained on its training scenes with their labels randomly permuted (Adebayo et al. 2018).

    The permutation keeps each class's share; the validation scenes keep their true labels, so the progress bar's
    ``val_accuracy`` stays near chance while ``accuracy`` (on the shuffled labels) climbs as the scenes are learnt
    by heart. Figures: accuracy on the shuffled training labels, test accuracy on the true labels, and chance (the
    commonest test class's share).
    """
    name = "course_convnet_random_labels"
    tr, va = generate_scenes(size.train, TRAIN_SEED), generate_scenes(size.val, VALIDATION_SEED)
    shuffled = np.random.default_rng(RANDOM_LABEL_SEED).permutation(tr.labels)
    keras.utils.set_random_seed(0)
    model = shipped.build(name)
    _fit(name, model, tr.images, shuffled, (va.images, va.labels), "sparse_categorical_crossentropy", size,
         batch_size=RANDOM_LABEL_BATCH, metrics=["accuracy"])
    memorised = float((model.predict(preprocess(tr.images), batch_size=256, verbose=0).argmax(axis=1)
                       == shuffled).mean())
    test = generate_scenes(size.test, TEST_SEED)
    acc, _ = evaluate(model, test)
    chance = float(np.bincount(test.labels).max() / len(test))
    _save(name, model, out)
    return {"train_accuracy_shuffled": round(memorised, 4), "test_accuracy": round(acc, 4),
            "chance": round(chance, 4)}


#: Learning rate of the shortcut convnet (the others use 1e-3): see its size in FULL.
SHORTCUT_LEARNING_RATE = 3e-3


def _shortcut_convnet(size: Size, out: Path) -> dict:
    """The course convnet trained on scenes whose label only a coloured marker gives away (notebook 08).

    Training and validation sets from :func:`helpers.shortcut.shortcut_training_set` (labels independent of the
    objects), so ``val_accuracy`` climbs only as the marker is read. Figures from
    :func:`helpers.shortcut.evaluate_shortcut` on the test scenes, the marker agreeing with the object: test
    accuracy, and with the marker moved to the next class, removed, or alone on an empty street.
    """
    name = "shortcut_convnet"
    x, y, _ = shortcut_training_set(size.train, TRAIN_SEED)
    xv, yv, _ = shortcut_training_set(size.val, VALIDATION_SEED)
    keras.utils.set_random_seed(0)
    model = shipped.build(name)
    _fit(name, model, x, y, (xv, yv), "sparse_categorical_crossentropy", size,
         learning_rate=SHORTCUT_LEARNING_RATE, metrics=["accuracy"])
    figures = evaluate_shortcut(model, size.test, TEST_SEED)
    _save(name, model, out)
    return {k: round(v, 4) for k, v in figures.items()}


def _localizer(size: Size, out: Path) -> dict:
    tr, va = generate_scenes(size.train, TRAIN_SEED), generate_scenes(size.val, VALIDATION_SEED)
    keras.utils.set_random_seed(0)
    model = shipped.build("localizer", shipped.load("course_convnet", shipped.path("course_convnet", out)))
    _fit("localizer", model, tr.images, encode_scenes(tr.objects), (va.images, encode_scenes(va.objects)),
         practical_loss, size)
    r = evaluate_localizer(model, generate_scenes(size.test, TEST_SEED))
    _save("localizer", model, out)
    return {k: round(r[k], 4) for k in ("presence_accuracy", "class_accuracy", "mean_iou")}


def _pose(name: str) -> Callable[[Size, Path], dict]:
    def recipe(size: Size, out: Path) -> dict:
        x, y, _ = pedestrian_data(size.train, TRAIN_SEED, flip=True)
        xv, yv, _ = pedestrian_data(size.val, VALIDATION_SEED)
        keras.utils.set_random_seed(0)
        model = shipped.build(name, shipped.load("course_convnet", shipped.path("course_convnet", out)))
        _fit(name, model, x, y, (xv, yv), "mse", size)
        xt, yt, bt = pedestrian_data(size.test, TEST_SEED)
        pred = decode_landmarks(model.predict(preprocess(xt), verbose=0))
        score = pck(pred, decode_landmarks(yt), bt)
        _save(name, model, out)
        return {"pck_0_1": round(score, 4)}

    return recipe


#: The detector's grid (S = 4, the default anchors) and the score a slot needs to count as a detection when judged.
DETECTION_SPEC = GridSpec()
DETECTION_THRESHOLD = 0.3
#: Objects per training/validation/test scene of the detector: several classes per image, overlaps included.
DETECTION_OBJECTS = (1, 3)


def _grid_detector(size: Size, out: Path) -> dict:
    tr = generate_scenes(size.train, TRAIN_SEED, n_objects=DETECTION_OBJECTS)
    va = generate_scenes(size.val, VALIDATION_SEED, n_objects=DETECTION_OBJECTS)
    keras.utils.set_random_seed(0)
    model = shipped.build("grid_detector", shipped.load("course_convnet", shipped.path("course_convnet", out)))
    _fit("grid_detector", model, tr.images, encode_grid(tr.objects, DETECTION_SPEC),
         (va.images, encode_grid(va.objects, DETECTION_SPEC)), grid_loss, size)
    te = generate_scenes(size.test, TEST_SEED, n_objects=DETECTION_OBJECTS)
    grids = model.predict(preprocess(te.images), batch_size=256, verbose=0)
    detections = []
    for boxes, scores, ids in decode_grid(grids, DETECTION_SPEC, threshold=DETECTION_THRESHOLD):
        keep = nms_per_class(boxes, scores, ids, iou_threshold=0.5)
        detections.append((boxes[keep], scores[keep], ids[keep]))
    map_50 = average_precision(detections, te.objects, iou_threshold=0.5, method="voc").mean_ap
    _save("grid_detector", model, out)
    return {"map_50": round(map_50, 4), "map_coco": round(coco_map(detections, te.objects), 4)}


#: How each registry model is trained (a test checks that every registry entry has one).
RECIPES: dict[str, Callable[[Size, Path], dict]] = {
    "course_convnet": _course_convnet,
    "course_convnet_random_labels": _course_convnet_random_labels,
    "course_convnet_second_seed": _course_convnet_second_seed,
    "shortcut_convnet": _shortcut_convnet,
    "localizer": _localizer,
    "pose_regressor": _pose("pose_regressor"),
    "pose_heatmaps": _pose("pose_heatmaps"),
    "pose_block3_regressor": _pose("pose_block3_regressor"),
    "grid_detector": _grid_detector,
}


def _peak_memory_mb() -> float:
    """Peak resident memory of this process and of its (scene-drawing) children, in MB (Linux: ru_maxrss in KB)."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 2**20
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) * scale


def train_all(out: Path, sizes: dict[str, Size], only: list[str] | None = None) -> dict:
    """Train the registry's models (all, or ``only`` these) into ``out``; return figures, minutes and peak MB."""
    names = list(shipped.MODELS) if not only else only
    missing = [n for n in shipped.MODELS if n not in RECIPES]
    if missing:
        raise RuntimeError(f"no training recipe for shipped model(s) {missing}: add one to RECIPES")
    report: dict = {"models": {}}
    t_all = time.time()
    for name in names:
        base = shipped.MODELS[name].base
        if base and base not in names and not shipped.path(base, out).is_file():
            raise FileNotFoundError(f"{name} starts from {base}, which is not in {out}: train it first "
                                    f"(--only {base} {name})")
        t0 = time.time()
        figures = RECIPES[name](sizes[name], out)
        minutes = (time.time() - t0) / 60
        report["models"][name] = {"figures": figures, "minutes": round(minutes, 2), "size": vars(sizes[name])}
        print(f"{name:15s} {'  '.join(f'{k} {v}' for k, v in figures.items())}  ({minutes:.1f} min) "
              f"-> {shipped.path(name, out)}", flush=True)
    report["minutes"] = round((time.time() - t_all) / 60, 2)
    report["peak_memory_mb"] = round(_peak_memory_mb())
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Retrain the course's shipped models (all of helpers.shipped.MODELS).")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--smoke", action="store_true", help="tiny sizes: every model trains in seconds (for CI)")
    size.add_argument("--quick", action="store_true",
                      help="shorter training (about 35 minutes), figures a little below the shipped files'")
    ap.add_argument("--out", type=Path, default=shipped.MODELS_DIR, help="folder for the .keras files")
    ap.add_argument("--only", nargs="+", choices=list(shipped.MODELS), help="train only these models")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    report = train_all(out, SMOKE if args.smoke else QUICK if args.quick else FULL, args.only)
    print(f"all done in {report['minutes']:.1f} min; peak memory {report['peak_memory_mb']:,} MB")
    if not args.smoke:
        BUILD_DIR.mkdir(exist_ok=True)
        (BUILD_DIR / "training.json").write_text(json.dumps(report, indent=2) + "\n")
    if out == shipped.MODELS_DIR.resolve() and not args.smoke:
        manifest.write()
        print("data/MANIFEST rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
