"""Issue 28: every exercise check proven against the mistakes students make.

For each check a table of plausible WRONG answers (swapped axes, one-sided clipping, off by one, 0- vs 1-based,
corners vs centre, pixels vs fractions, min-max where ReLU-then-max belongs, a missing or extra normalisation,
least important first, precision for recall, ...) and of VALID answers in different styles (loop and vectorised,
NumPy and ``keras.ops``, float32 and float64). Each entry is first judged by an independent solution written
here -- a wrong answer must really be wrong on this file's own inputs, a right one right -- and then by the check:
wrong answers must get "not yet" with a hint naming the mistake (the words listed), right ones "right".

Records ``exercises.checkers``, ``exercises.wrong_answers_tested`` and ``exercises.right_answers_tested``,
counted from the tables. ``check_flip_pairs``, ``check_pck``, ``check_average_precision``,
``check_cam_ingredients`` and ``check_rank_correlation`` have their tables elsewhere (tests/test_exercises.py,
tests/test_rank_exercise.py and the landmark and detection tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

from course_tools import metrics
from helpers import exercises as ex
from helpers.detection import GridSpec
from helpers.scenes import SceneObject

#: Checks whose tables live in other test files (other issues own them).
ELSEWHERE = {"check_flip_pairs", "check_pck", "check_average_precision", "check_cam_ingredients",
             "check_rank_correlation"}


@dataclass
class Table:
    """One check's table. ``check(answer)`` runs the check as its notebook calls it; ``agrees(answer)`` is the
    independent solution's verdict; ``wrong`` maps a mistake's name to ``(answer, words the feedback must
    contain)``."""

    check: Callable[[Any], ex.Feedback]
    agrees: Callable[[Any], bool]
    right: dict[str, Any]
    wrong: dict[str, tuple[Any, tuple[str, ...]]]


def _keras_ops():
    import keras
    return keras.ops


def _np(x: Any) -> np.ndarray:
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=np.float64)


def _same(x: Any, want: Any, atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    try:
        got = _np(x)
    except (TypeError, ValueError):
        return False
    want = np.asarray(want, np.float64)
    return got.shape == want.shape and bool(np.isfinite(got).all()) and np.allclose(got, want, atol=atol, rtol=rtol)


def _runs_like(solution: Callable, probes: list[tuple], atol: float = 1e-5, rtol: float = 1e-4) -> Callable:
    """``agrees(fn)``: ``fn`` gives the solution's result on every probe (copies of the inputs each time)."""
    def agrees(fn: Callable) -> bool:
        for args in probes:
            try:
                with np.errstate(all="ignore"):
                    out = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
            except Exception:  # noqa: BLE001 -- a crash disagrees
                return False
            if not _same(out, solution(*args), atol, rtol):
                return False
        return True
    return agrees


TABLES: dict[str, Table] = {}

# ------------------------------------------------------------------------------------------
# 00 · corners of a box, accuracy per class
# ------------------------------------------------------------------------------------------

CAR_BOX = (0.4470, 0.6080, 0.3310, 0.6680)             # notebook 00's first car (as printed): wide, bx != by
_bx, _by, _bh, _bw = CAR_BOX
CORNERS = np.array([_bx - _bw / 2, _by - _bh / 2, _bx + _bw / 2, _by + _bh / 2]) * 64    # the solution, by hand

TABLES["check_box_corners"] = Table(
    check=lambda a: ex.check_box_corners(a, CAR_BOX),
    agrees=lambda a: np.abs(np.asarray(a, np.float64) - CORNERS).max() <= 1.0,          # within a pixel
    right={"exact floats": tuple(CORNERS),
           "rounded to whole pixels": tuple(np.round(CORNERS).astype(int)),
           "truncated to whole pixels (int)": tuple(int(v) for v in CORNERS),
           "float32 array": CORNERS.astype(np.float32),
           "from the printed box, in a loop": [64 * (centre + sign * side / 2) for sign in (-1, 1)
                                               for centre, side in ((0.447, 0.668), (0.608, 0.331))]},
    wrong={"fractions, not pixels": (CORNERS / 64, ("fractions",)),
           "(bx, by) taken as the top-left corner": (np.array([_bx, _by, _bx + _bw, _by + _bh]) * 64, ("centre",)),
           "(x0, y0, width, height)": (np.array([CORNERS[0], CORNERS[1], _bw * 64, _bh * 64]), ("width and height",)),
           "height and width swapped": (np.array([_bx - _bh / 2, _by - _bw / 2, _bx + _bh / 2, _by + _bw / 2]) * 64,
                                        ("height and width are swapped",)),
           "x and y swapped": (CORNERS[[1, 0, 3, 2]], ("x and y are swapped",)),
           "(x0, x1, y0, y1) order": (CORNERS[[0, 2, 1, 3]], ("order",)),
           "a whole side from the centre": (np.array([_bx - _bw, _by - _bh, _bx + _bw, _by + _bh]) * 64,
                                            ("twice as large",))})

NOTEBOOK_CM = np.array([[481, 0, 0, 0], [0, 507, 0, 0], [0, 0, 461, 2], [0, 0, 2, 547]])   # row sums == col sums
PROBE_CMS = [np.array([[7, 1, 0, 2], [3, 9, 1, 0], [0, 2, 5, 4], [1, 0, 3, 8]]),
             np.array([[12, 0, 3, 1], [2, 4, 0, 0], [5, 1, 9, 2], [0, 6, 1, 30]])]


def _recall(cm):
    cm = np.asarray(cm, np.float64)
    return np.array([cm[i, i] / cm[i].sum() for i in range(len(cm))])


def _recall_in_a_loop(cm):
    out = []
    for i, row in enumerate(cm):
        out.append(row[i] / sum(row))
    return out


TABLES["check_class_accuracy"] = Table(
    check=lambda fn: ex.check_class_accuracy(fn, NOTEBOOK_CM),
    agrees=_runs_like(_recall, [(cm,) for cm in PROBE_CMS + [NOTEBOOK_CM]]),
    right={"vectorised": lambda cm: np.diag(cm) / cm.sum(axis=1),
           "a loop over the rows": _recall_in_a_loop,
           "float32": lambda cm: (np.diag(cm) / cm.sum(axis=1, keepdims=True)[:, 0]).astype(np.float32),
           "keras.ops": lambda cm: _keras_ops().divide(_keras_ops().diagonal(cm), _keras_ops().sum(cm, axis=1))},
    wrong={"precision for recall (column sums)": (lambda cm: np.diag(cm) / cm.sum(axis=0), ("column", "precision")),
           "the transposed reading": (lambda cm: np.diag(cm.T) / cm.T.sum(axis=1), ("precision",)),
           "percentages": (lambda cm: 100 * np.diag(cm) / cm.sum(axis=1), ("percentages",)),
           "share of all scenes": (lambda cm: np.diag(cm) / cm.sum(), ("all the scenes",)),
           "the overall accuracy for every class": (lambda cm: np.full(len(cm), np.trace(cm) / cm.sum()),
                                                    ("overall accuracy",)),
           "the error rate": (lambda cm: 1 - np.diag(cm) / cm.sum(axis=1), ("error rate",)),
           "the row-normalised matrix": (lambda cm: cm / cm.sum(axis=1, keepdims=True), ("shape",)),
           "integer division": (lambda cm: np.diag(cm) // cm.sum(axis=1), ("integer division",))})

# ------------------------------------------------------------------------------------------
# 01 · scaling, the best channel
# ------------------------------------------------------------------------------------------

_rng = np.random.default_rng(11)
SCALE_PROBES = [(_rng.integers(30, 220, size=(3, 4, 6, 3), dtype=np.uint8),),
                (np.array([[[[0, 128, 255]]]], np.uint8),)]


def _scale_agrees(fn):
    for (images,) in SCALE_PROBES:
        try:
            out = fn(images.copy())
        except Exception:  # noqa: BLE001
            return False
        if np.asarray(out).dtype != np.float32 or not _same(out, images.astype(np.float64) / 255, 1e-6, 0):
            return False
    return True


def _tf():
    import tensorflow as tf
    return tf


TABLES["check_scale"] = Table(
    check=ex.check_scale, agrees=_scale_agrees,
    right={"astype then divide": lambda x: x.astype("float32") / 255,
           "np.float32 on both": lambda x: np.float32(x) / np.float32(255),
           "multiply by 1/255": lambda x: x.astype(np.float32) * (1 / 255),
           "keras.ops": lambda x: _keras_ops().cast(x, "float32") / 255.0,
           "tf.image.convert_image_dtype": lambda x: _tf().image.convert_image_dtype(x, _tf().float32)},
    wrong={"divided by the batch's maximum": (lambda x: x.astype("float32") / x.max(), ("brightest",)),
           "divided by each image's maximum": (lambda x: (x / x.max(axis=(1, 2, 3), keepdims=True)).astype("float32"),
                                               ("its own brightest",)),
           "min-max over the batch": (lambda x: ((x - x.min()) / (x.max() - x.min())).astype("float32"),
                                      ("min-max",)),
           "min-max per image": (lambda x: ((x - x.min(axis=(1, 2, 3), keepdims=True))
                                            / np.ptp(x, axis=(1, 2, 3), keepdims=True)).astype("float32"),
                                 ("min-max",)),
           "divided by 256": (lambda x: x.astype("float32") / 256, ("256",)),
           "[-1, 1] scaling": (lambda x: x.astype("float32") / 127.5 - 1, ("[-1, 1]",)),
           "float64, not float32": (lambda x: x / 255, ("float32",)),
           "integer division": (lambda x: x // 255, ("integers",)),
           "standardised": (lambda x: ((x - x.mean()) / x.std()).astype("float32"), ("standardised",)),
           "inverted": (lambda x: (1 - x / 255).astype("float32"), ("inverted",)),
           "channels reversed": (lambda x: (x[..., ::-1] / 255).astype("float32"), ("bgr",))})

NAMES = ("edge", "red", "green", "blue")
TUNING = np.array([[0.10, 0.78, 0.05, 0.50],     # 0: the best red detector
                   [0.20, 0.10, 0.30, 0.45],     # 1: what row 3 (blue's index) peaks at
                   [0.05, 0.15, 0.10, 0.81],     # 2: the best blue detector
                   [0.10, 0.40, 0.15, 0.30],     # 3: one after the best
                   [0.70, 0.05, 0.20, 0.10],     # 4: the best edge detector
                   [0.00, 0.20, 0.10, -0.90],    # 5: anti-blue: the largest |r|
                   [0.15, 0.10, 0.65, 0.20]])    # 6: the best green detector


def _best_blue_in_a_loop():
    best = 0
    for c in range(len(TUNING)):
        if TUNING[c][NAMES.index("blue")] > TUNING[best][NAMES.index("blue")]:
            best = c
    return best


TABLES["check_best_channel"] = Table(
    check=lambda a: ex.check_best_channel(a, TUNING, NAMES, "blue"),
    agrees=lambda a: a == _best_blue_in_a_loop(),
    right={"int": 2, "np.argmax of the column (np.int64)": np.argmax(TUNING[:, 3]),
           "a loop": _best_blue_in_a_loop()},
    wrong={"largest |r| (anti-correlated)": (int(np.argmax(np.abs(TUNING[:, 3]))), ("anti",)),
           "counted from 1": (3, ("counted from 0",)),
           "another map's column": (0, ("'red' column",)),
           "a row read as the column": (int(np.argmax(TUNING[3])), ("row",)),
           "argmax of the whole table": (int(np.argmax(TUNING)), ("flattened",)),
           "the most negative": (int(np.argmin(TUNING[:, 3])), ("anti",))})

# ------------------------------------------------------------------------------------------
# 02 · gradient normalisation, dead filters, part detectors
# ------------------------------------------------------------------------------------------

_g = np.random.default_rng(12).normal(0.003, 0.008, size=(2, 4, 5, 3)).astype(np.float32)
RMS_PROBES = [(_g,), ((_g / np.sqrt(np.mean(_g.astype(np.float64) ** 2)) * 1e-5).astype(np.float32),),
              (np.zeros_like(_g),)]


def _rms_solution(g):
    g = np.asarray(g, np.float64)
    return g / (np.sqrt((g ** 2).sum() / g.size) + 1e-5)


def _no_epsilon_guarded(g):
    r = np.sqrt(np.mean(g ** 2))
    return g / r if r > 0 else g


TABLES["check_rms_normalize"] = Table(
    check=ex.check_rms_normalize, agrees=_runs_like(_rms_solution, RMS_PROBES, 1e-7, 1e-4),
    right={"numpy": lambda g: g / (np.sqrt(np.mean(np.square(g))) + 1e-5),
           "float64": lambda g: g.astype(np.float64) / (np.sqrt(np.mean(g.astype(np.float64) ** 2)) + 1e-5),
           "through the L2 norm": lambda g: g / (np.linalg.norm(g) / np.sqrt(g.size) + 1e-5),
           "keras.ops": lambda g: g / (_keras_ops().sqrt(_keras_ops().mean(_keras_ops().square(g))) + 1e-5),
           "tensorflow": lambda g: g / (_tf().sqrt(_tf().reduce_mean(_tf().square(g))) + 1e-5)},
    wrong={"no epsilon": (lambda g: g / np.sqrt(np.mean(g ** 2)), ("1e-5", "nan")),
           "no epsilon, zero guarded": (_no_epsilon_guarded, ("left out the + 1e-5",)),
           "epsilon inside the square root": (lambda g: g / np.sqrt(np.mean(g ** 2) + 1e-5),
                                              ("inside the square root",)),
           "mean square, no root": (lambda g: g / (np.mean(g ** 2) + 1e-5), ("square root",)),
           "mean absolute value": (lambda g: g / (np.abs(g).mean() + 1e-5), ("absolute",)),
           "L2 norm": (lambda g: g / (np.linalg.norm(g) + 1e-5), ("l2 norm",)),
           "standard deviation": (lambda g: g / (g.std() + 1e-5), ("standard deviation",)),
           "largest absolute value": (lambda g: g / (np.abs(g).max() + 1e-5), ("largest absolute",)),
           "per channel": (lambda g: g / (np.sqrt(np.mean(g ** 2, axis=(0, 1, 2), keepdims=True)) + 1e-5),
                           ("each channel",))})

DEAD = np.array([False, True, False, True, True, False, False, False, True, False])


def _dead_agrees(answer):
    values = sorted(answer) if isinstance(answer, set) else np.ravel(np.asarray(answer))
    if np.asarray(values).dtype == bool:
        return False
    return sorted(int(v) for v in values) == [i for i, d in enumerate(DEAD) if d]


TABLES["check_dead_filters"] = Table(
    check=lambda a: ex.check_dead_filters(a, DEAD), agrees=_dead_agrees,
    right={"a list": [1, 3, 4, 8], "np.flatnonzero": np.flatnonzero(DEAD),
           "a set, from a loop": {i for i, d in enumerate(DEAD) if d}, "np.where's tuple": np.where(DEAD),
           "another order": (8, 4, 3, 1)},
    wrong={"the live filters": (np.flatnonzero(~DEAD), ("live",)),
           "counted from 1": ([2, 4, 5, 9], ("counted from 1",)),
           "how many, not which": (int(DEAD.sum()), ("how many",)),
           "the mask itself": (DEAD, ("mask",)),
           "one missing": ([1, 3, 4], ("missing [8]",)),
           "one too many": ([0, 1, 3, 4, 8], ("not dead: [0]",))})

LABELS = ["street", "car wheels", "motorcycle wheels", "car other"]
CHANNELS = [2, 5, 8, 12, 20]
PART_SHARES = {"labels": LABELS, "parts": np.array([[0.10, 0.05, 0.60, 0.25],     # filter 2: a detector too
                                                    [0.20, 0.70, 0.05, 0.05],     # filter 5: car wheels
                                                    [0.40, 0.10, 0.45, 0.05],     # filter 8: just under half
                                                    [0.10, 0.00, 0.85, 0.05],     # filter 12: the best
                                                    [0.90, 0.05, 0.00, 0.05]])}   # filter 20: the street


def _part_detectors(part, threshold=0.5):
    column = PART_SHARES["parts"][:, LABELS.index(part)]
    return [c for c, s in zip(CHANNELS, column) if s >= threshold]


TABLES["check_part_filter"] = Table(
    check=lambda a: ex.check_part_filter(a, PART_SHARES, CHANNELS, "motorcycle wheels"),
    agrees=lambda a: isinstance(a, (int, np.integer)) and int(a) in _part_detectors("motorcycle wheels"),
    right={"the best, an int": 12,
           "the best, from np.argmax (np.int64)": np.array(CHANNELS)[np.argmax(PART_SHARES["parts"][:, 2])],
           "another filter over half": 2},
    wrong={"the row's position, not the filter number": (int(np.argmax(PART_SHARES["parts"][:, 2])),
                                                          ("position", "channels")),
           "another part's column": (5, ("detector of car wheels",)),
           "just under half": (8, ("only 45%", "at least 50%")),
           "the least selective (argmin)": (20, ("only 0%",)),
           "a filter number that is not in this block": (13, ("not one of this block",))})

WHEELS = ["car wheels", "motorcycle wheels"]
CLOSEST_SHARES = {"labels": LABELS, "parts": np.array([[0.30, 0.30, 0.10, 0.30],     # filter 2: 40%
                                                       [0.20, 0.35, 0.05, 0.40],     # filter 5: car wheels alone
                                                       [0.30, 0.20, 0.25, 0.25],     # filter 8: 45%, the closest
                                                       [0.45, 0.00, 0.30, 0.25],     # filter 12: motorcycle alone
                                                       [0.90, 0.05, 0.00, 0.05]])}   # filter 20: the least


def _closest(parts):
    on = [sum(row[LABELS.index(p)] for p in parts) for row in CLOSEST_SHARES["parts"]]
    return [c for c, s in zip(CHANNELS, on) if s >= max(on) - 1e-12]


TABLES["check_closest_filter"] = Table(
    check=lambda a: ex.check_closest_filter(a, CLOSEST_SHARES, CHANNELS, WHEELS),
    agrees=lambda a: isinstance(a, (int, np.integer)) and int(a) in _closest(WHEELS),
    right={"an int": 8, "from np.argmax of the summed columns (np.int64)":
           np.array(CHANNELS)[np.argmax(CLOSEST_SHARES["parts"][:, 1] + CLOSEST_SHARES["parts"][:, 2])]},
    wrong={"one part only (car wheels)": (5, ("car wheels alone", "add")),
           "one part only (motorcycle wheels)": (12, ("motorcycle wheels alone",)),
           "the best single part (max, not sum)": (CHANNELS[int(np.argmax(CLOSEST_SHARES["parts"][:, 1:3].max(1)))],
                                                   ("alone",)),
           "the row's position, not the filter number": (2, ("position",)),
           "the least (argmin)": (20, ("another filter of this block has 45%",))})

# ------------------------------------------------------------------------------------------
# 03 · Grad-CAM weights and heatmap
# ------------------------------------------------------------------------------------------

_cg = np.random.default_rng(13).normal(size=(3, 6, 4)).astype(np.float32)


def _weights_solution(g):
    g = np.asarray(g, np.float64)
    return np.array([g[:, :, c].sum() / (g.shape[0] * g.shape[1]) for c in range(g.shape[2])])


def _weights_in_a_loop(g):
    h, w, c = g.shape
    total = np.zeros(c)
    for i in range(h):
        for j in range(w):
            total += g[i, j]
    return total / (h * w)


TABLES["check_channel_weights"] = Table(
    check=ex.check_channel_weights, agrees=_runs_like(_weights_solution, [(_cg,)]),
    right={"numpy mean": lambda g: g.mean(axis=(0, 1)),
           "a loop over positions": _weights_in_a_loop,
           "float64": lambda g: g.astype(np.float64).mean(axis=(0, 1)),
           "keras.ops": lambda g: _keras_ops().mean(g, axis=(0, 1)),
           "tensorflow": lambda g: _tf().reduce_mean(g, axis=[0, 1])},
    wrong={"summed": (lambda g: g.sum(axis=(0, 1)), ("summed",)),
           "the largest gradient": (lambda g: g.max(axis=(0, 1)), ("largest gradient",)),
           "averaged over the channels": (lambda g: g.mean(axis=-1), ("over the channels",)),
           "one spatial axis only": (lambda g: g.mean(axis=0), ("only one of the two spatial axes",)),
           "one number for everything": (lambda g: g.mean(), ("one number for all",)),
           "absolute values": (lambda g: np.abs(g).mean(axis=(0, 1)), ("absolute",)),
           "ReLU on the gradient": (lambda g: np.maximum(g, 0).mean(axis=(0, 1)), ("positive gradients",)),
           "normalised weights": (lambda g: g.mean(axis=(0, 1)) / np.abs(g.mean(axis=(0, 1))).sum(), ("normalised",))})

_hf = np.random.default_rng(14).uniform(0, 1, size=(3, 6, 4)).astype(np.float32)
HEATMAP_PROBES = [(_hf, np.array([0.8, -0.6, 0.3, -0.2], np.float32)),    # evidence for and against
                  (_hf, -np.abs(np.array([0.8, 0.6, 0.3, 0.2], np.float32))),   # nothing for the class
                  (_hf, np.array([0.8, 0.6, 0.3, 0.2], np.float32))]       # for the class everywhere


def _heatmap_solution(f, w):
    f, w = np.asarray(f, np.float64), np.asarray(w, np.float64)
    h = np.einsum("ijc,c->ij", f, w) / len(w)
    h = np.where(h > 0, h, 0.0)
    return h / h.max() if h.max() > 0 else h


def _heatmap_numpy(f, w):
    h = np.maximum((f * w).mean(axis=-1), 0)
    return h / h.max() if h.max() > 0 else h


def _heatmap_keras(f, w):
    ops = _keras_ops()
    h = ops.relu(ops.mean(f * w, axis=-1))
    return ops.where(ops.max(h) > 0, h / ops.maximum(ops.max(h), 1e-12), h)


def _heatmap_loop(f, w):
    h = np.zeros(f.shape[:2])
    for i in range(f.shape[0]):
        for j in range(f.shape[1]):
            h[i, j] = max(sum(f[i, j, c] * w[c] for c in range(len(w))) / len(w), 0)
    return h / h.max() if h.max() > 0 else h


def _span(h):
    return (h - h.min()) / (h.max() - h.min())


TABLES["check_heatmap"] = Table(
    check=ex.check_heatmap, agrees=_runs_like(_heatmap_solution, HEATMAP_PROBES, 1e-5, 1e-4),
    right={"numpy": _heatmap_numpy, "a loop over positions": _heatmap_loop,
           "float64": lambda f, w: _heatmap_numpy(f.astype(np.float64), w.astype(np.float64)),
           "keras.ops": _heatmap_keras},
    wrong={"no ReLU, divided by |max|": (lambda f, w: (lambda h: h / np.abs(h).max())((f * w).mean(-1)),
                                         ("negative", "relu")),
           "min-max instead of ReLU-then-max": (lambda f, w: _span((f * w).mean(-1)), ("min-max",)),
           "ReLU, then min-max": (lambda f, w: (lambda h: _span(h) if h.max() > h.min() else h)(
               np.maximum((f * w).mean(-1), 0)), ("min-max", "don't subtract the minimum")),
           "absolute value instead of ReLU": (lambda f, w: (lambda h: h / h.max())(np.abs((f * w).mean(-1))),
                                              ("absolute",)),
           "ReLU on each channel before averaging": (lambda f, w: (lambda h: h / h.max() if h.max() > 0 else h)(
               np.maximum(f * w, 0).mean(-1)), ("each channel before averaging",)),
           "channels not weighted": (lambda f, w: (lambda h: h / h.max())(f.mean(-1)), ("not weighted",)),
           "not scaled to 1": (lambda f, w: np.maximum((f * w).mean(-1), 0), ("maximum of 1",)),
           "no guard: NaN when nothing is positive": (lambda f, w: (lambda h: h / h.max())(
               np.maximum((f * w).mean(-1), 0)), ("nan",)),
           "ReLU after dividing": (lambda f, w: np.maximum((f * w).mean(-1) / (f * w).mean(-1).max(), 0),
                                   ("relu first",)),
           "transposed": (lambda f, w: _heatmap_numpy(f, w).T, ("transposed",))})

# ------------------------------------------------------------------------------------------
# 04 · the label vector, IoU, reading a prediction
# ------------------------------------------------------------------------------------------

MOTO_BOX = (0.2841, 0.5613, 0.6012, 0.4794)            # notebook 04's motorcycle (printed rounded: .28 .56 .6 .48)
_mx, _my, _mh, _mw = MOTO_BOX
MOTO_LABEL = np.array([1, _mx, _my, _mh, _mw, 1, 0, 0], np.float32)      # by hand: p_d, box, c1 motorcycle


TABLES["check_label"] = Table(
    check=lambda a: ex.check_label(a, MOTO_LABEL),
    agrees=lambda a: np.asarray(a, np.float64).shape == (8,) and np.asarray(a, np.float64)[0] == 1
    and np.array_equal(np.asarray(a, np.float64)[5:], [1, 0, 0])
    and np.abs(np.asarray(a, np.float64)[1:5] - MOTO_BOX).max() <= 0.02,
    right={"rounded to two decimals": [1, 0.28, 0.56, 0.6, 0.48, 1, 0, 0],
           "float32 array": MOTO_LABEL.copy(),
           "built from the box": [1.0, *MOTO_BOX, 1.0, 0.0, 0.0]},
    wrong={"p_d = 0": ([0, 0.28, 0.56, 0.6, 0.48, 1, 0, 0], ("p_d",)),
           "the car's one-hot": ([1, 0.28, 0.56, 0.6, 0.48, 0, 1, 0], ("car", "motorcycle")),
           "a class number, not one-hot": ([1, 0.28, 0.56, 0.6, 0.48, 1], ("8 numbers",)),
           "bh and bw swapped": ([1, 0.28, 0.56, 0.48, 0.6, 1, 0, 0], ("swapped",)),
           "bx and by swapped": ([1, 0.56, 0.28, 0.6, 0.48, 1, 0, 0], ("bx and by",)),
           "top-left corner for the centre": ([1, _mx - _mw / 2, _my - _mh / 2, _mh, _mw, 1, 0, 0], ("centre",)),
           "the corners": ([1, _mx - _mw / 2, _my - _mh / 2, _mx + _mw / 2, _my + _mh / 2, 1, 0, 0], ("corners",)),
           "pixels": ([1, *(64 * np.array(MOTO_BOX)), 1, 0, 0], ("pixels",)),
           "percent": ([1, *(100 * np.array(MOTO_BOX)), 1, 0, 0], ("percent",)),
           "half sizes": ([1, _mx, _my, _mh / 2, _mw / 2, 1, 0, 0], ("half",))})


def _corners(b):
    x, y, h, w = (float(v) for v in b)
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def _iou_solution(a, b):
    ax0, ay0, ax1, ay1 = _corners(a)
    bx0, by0, bx1, by1 = _corners(b)
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


IOU_PROBES = [((0.36, 0.45, 0.18, 0.56), (0.5, 0.55, 0.42, 0.16)),  # wide and tall, off-centre both ways
              ((0.3, 0.3, 0.25, 0.2), (0.4, 0.38, 0.2, 0.3)),      # overlapping corners
              ((0.25, 0.5, 0.3, 0.2), (0.7, 0.52, 0.3, 0.2)),      # apart along x only
              ((0.5, 0.25, 0.2, 0.3), (0.52, 0.7, 0.2, 0.3)),      # apart along y only
              ((0.2, 0.2, 0.1, 0.1), (0.7, 0.8, 0.1, 0.1)),        # apart along both
              ((0.5, 0.5, 0.6, 0.5), (0.55, 0.5, 0.2, 0.3)),       # nested
              ((0.4, 0.4, 0.3, 0.3), (0.4, 0.4, 0.3, 0.3))]        # identical


def _iou_variant(clip="both", over="union", swap_hw=False, swap_xy=False, top_left=False, half=True):
    def corners(b):
        x, y, h, w = (float(v) for v in b)
        h, w = (w, h) if swap_hw else (h, w)
        x, y = (y, x) if swap_xy else (x, y)
        if top_left:
            return x, y, x + w, y + h
        k = 0.5 if half else 1.0
        return x - k * w, y - k * h, x + k * w, y + k * h

    def fn(a, b):
        ax0, ay0, ax1, ay1 = corners(a)
        bx0, by0, bx1, by1 = corners(b)
        ox, oy = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
        ox = max(ox, 0) if clip in ("both", "x") else ox
        oy = max(oy, 0) if clip in ("both", "y") else oy
        inter = max(ox * oy, 0) if clip == "product" else ox * oy
        area_a, area_b = (ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0)
        return inter / {"union": area_a + area_b - inter, "sum": area_a + area_b,
                        "smaller": min(area_a, area_b), "first": area_a}[over]
    return fn


def _iou_numpy(a, b):
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    lo = np.maximum(a[:2] - a[[3, 2]] / 2, b[:2] - b[[3, 2]] / 2)
    hi = np.minimum(a[:2] + a[[3, 2]] / 2, b[:2] + b[[3, 2]] / 2)
    inter = np.prod(np.clip(hi - lo, 0, None))
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _iou_keras(a, b):
    ops = _keras_ops()
    a, b = ops.convert_to_tensor(a, "float32"), ops.convert_to_tensor(b, "float32")
    half_a, half_b = ops.stack([a[3], a[2]]) / 2, ops.stack([b[3], b[2]]) / 2
    side = ops.relu(ops.minimum(a[:2] + half_a, b[:2] + half_b) - ops.maximum(a[:2] - half_a, b[:2] - half_b))
    inter = side[0] * side[1]
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


TABLES["check_iou"] = Table(
    check=ex.check_iou, agrees=_runs_like(_iou_solution, IOU_PROBES, 1e-6, 1e-5),
    right={"scalar Python": _iou_variant(), "numpy float32, vectorised": _iou_numpy, "keras.ops": _iou_keras},
    wrong={"clips the x overlap only": (_iou_variant(clip="x"), ("only the x overlap",)),
           "clips the y overlap only": (_iou_variant(clip="y"), ("only the y overlap",)),
           "no clipping": (_iou_variant(clip="none"), ("not clipped", "far apart")),
           "clips the product": (_iou_variant(clip="product"), ("product",)),
           "union counts the overlap twice": (_iou_variant(over="sum"), ("twice",)),
           "over the smaller box": (_iou_variant(over="smaller"), ("smaller box",)),
           "over the first box": (_iou_variant(over="first"), ("first box",)),
           "height and width swapped": (_iou_variant(swap_hw=True), ("height and width are swapped",)),
           "x and y swapped (the same IoU as h and w swapped)": (_iou_variant(swap_xy=True), ("bx down",)),
           "(bx, by) as the top-left corner": (_iou_variant(top_left=True), ("top-left", "centre")),
           "a whole side from the centre": (_iou_variant(half=False), ("twice as large",))})

Y_HAT = np.array([0.93, 0.31, 0.62, 0.35, 0.18, 0.05, 0.15, 0.80])     # notebook 04's prediction: a pedestrian


def _decoded_agrees(a):
    if not isinstance(a, (tuple, list)) or len(a) != 2 or a[0] != "pedestrian":
        return False
    box = np.asarray(a[1], np.float64)
    return box.shape == (4,) and np.abs(box - Y_HAT[1:5]).max() <= 0.01


TABLES["check_decoded"] = Table(
    check=lambda a: ex.check_decoded(a, Y_HAT), agrees=_decoded_agrees,
    right={"a tuple": ("pedestrian", (0.31, 0.62, 0.35, 0.18)),
           "a list with a float32 array": ["pedestrian", Y_HAT[1:5].astype(np.float32)],
           "rounded read-off": ("pedestrian", (0.31, 0.62, 0.35, 0.18))},
    wrong={"background despite p_d = 0.93": ("background", ("there is an object",)),
           "the class counted from 0 (c2 → car)": (("car", (0.31, 0.62, 0.35, 0.18)), ("largest of c1, c2, c3",)),
           "no box": ("pedestrian", ("box too",)),
           "bx and by swapped": (("pedestrian", (0.62, 0.31, 0.35, 0.18)), ("bx and by are swapped",)),
           "bh and bw swapped": (("pedestrian", (0.31, 0.62, 0.18, 0.35)), ("bh and bw are swapped",)),
           "entries 0 to 3": (("pedestrian", tuple(Y_HAT[0:4])), ("entry 0 is p_d",)),
           "the corners": (("pedestrian", (0.31 - 0.09, 0.62 - 0.175, 0.31 + 0.09, 0.62 + 0.175)), ("corners",))})

# ------------------------------------------------------------------------------------------
# 06 · IoU by hand, cell and anchor, NMS
# ------------------------------------------------------------------------------------------

PAIRS = [((0.25, 0.5, 0.5, 0.5), (0.75, 0.5, 0.5, 0.5)),      # notebook 06: touching
         ((0.5, 0.5, 0.8, 0.8), (0.5, 0.5, 0.4, 0.4))]        # one inside the other
PAIR_IOUS = [_iou_solution(a, b) for a, b in PAIRS]

TABLES["check_iou_values"] = Table(
    check=lambda a: ex.check_iou_values(a, PAIRS),
    agrees=lambda a: np.asarray(a, np.float64).shape == (2,) and np.abs(np.asarray(a, np.float64) - PAIR_IOUS).max()
    <= 1e-3,
    right={"fractions": (0.0, 0.25), "worked out": (0, 0.4 * 0.4 / (0.8 * 0.8)),
           "a float32 array": np.array([0, 0.25], np.float32)},
    wrong={"side ratio (one axis only)": ((0.0, 0.5), ("along x alone",)),
           "over the smaller box": ((0.0, 1.0), ("smaller box",)),
           "union counts the overlap twice": ((0.0, 0.2), ("twice",)),
           "in the other order": ((0.25, 0.0), ("order",)),
           "percent": ((0, 25), ("percentage",)),
           "upside down": ((0.0, 4.0), ("upside down",)),
           "touching counted as overlapping": ((1.0, 0.25), ("pair 1",))})

CAR = SceneObject(2, (0.65, 0.3, 0.2, 0.5), np.zeros((6, 2), np.float32))     # wide, centre at x 2.6, y 1.2 cells
SPEC = GridSpec(size=4, anchors=((0.45, 0.2), (0.3, 0.6)))


def _cell_anchor():
    bx, by, bh, bw = CAR.box
    fits = []
    for h, w in SPEC.anchors:
        inter = min(bh, h) * min(bw, w)
        fits.append(inter / (bh * bw + h * w - inter))
    return int(by * SPEC.size), int(bx * SPEC.size), fits.index(max(fits))


TABLES["check_cell_anchor"] = Table(
    check=lambda a: ex.check_cell_anchor(a, CAR, SPEC),
    agrees=lambda a: tuple(int(v) for v in a) == _cell_anchor(),
    right={"a tuple": (1, 2, 1), "a numpy array": np.array([1, 2, 1]), "a loop's list": list(_cell_anchor())},
    wrong={"row and column swapped": ((2, 1, 1), ("swapped",)),
           "counted from 1": ((2, 3, 1), ("counted from 1",)),
           "rounded to the nearest cell": ((1, 3, 1), ("rounded",)),
           "the worse anchor": ((1, 2, 0), ("anchor 0",)),
           "anchor counted from 1": ((1, 2, 2), ("counted from 0",))})

NMS_BOXES = np.array([[0.30, 0.5, 0.4, 0.3], [0.36, 0.5, 0.4, 0.3], [0.42, 0.5, 0.4, 0.3],
                      [0.80, 0.2, 0.2, 0.2]], np.float32)
NMS_SCORES = np.array([0.9, 0.8, 0.7, 0.95], np.float32)


def _nms_by_hand(boxes, scores, threshold=0.5):
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    kept = []
    for i in order:
        if all(_iou_solution(boxes[i], boxes[j]) <= threshold for j in kept):
            kept.append(i)
    return kept


TABLES["check_nms"] = Table(
    check=lambda a: ex.check_nms(a, NMS_BOXES, NMS_SCORES),
    agrees=lambda a: [int(v) for v in np.ravel(a)] == _nms_by_hand(NMS_BOXES, NMS_SCORES),
    right={"a list": [3, 0, 2], "a numpy array": np.array([3, 0, 2]), "a tuple": (3, 0, 2)},
    wrong={"in index order": ([0, 2, 3], ("another order",)),
           "counted from 1": ([4, 1, 3], ("counted from 1",)),
           "nothing suppressed": ([3, 0, 1, 2], ("nothing suppressed",)),
           "compared with dropped boxes too": ([3, 0], ("itself dropped", "already kept")),
           "suppression inverted (keeps the overlapping)": ([3, 0, 1], ("box 1 overlaps box 0",)),
           "lowest score first": ([2, 0, 3], ("another order",))})

# ------------------------------------------------------------------------------------------
# 08 · energy in a mask, the deletion curve
# ------------------------------------------------------------------------------------------

_es = np.random.default_rng(15).normal(size=(7, 4))
_em = np.zeros((7, 4), bool)
_em[2:6, 1:3] = True
ENERGY_PROBES = [(_es, _em), (np.abs(_es), _em), (-np.abs(_es), _em)]


def _energy_solution(s, m):
    inside = total = 0.0
    for v, inn in zip(np.ravel(s), np.ravel(m)):
        if v > 0:
            total += v
            inside += v if inn else 0.0
    return inside / total if total > 0 else 0.0


def _energy_numpy(s, m):
    p = np.maximum(s, 0)
    return p[m].sum() / p.sum() if p.sum() > 0 else 0.0


def _energy_keras(s, m):
    ops = _keras_ops()
    p = ops.relu(ops.convert_to_tensor(s, "float32"))
    total = ops.sum(p)
    return ops.where(total > 0, ops.sum(ops.where(m, p, 0.0)) / ops.maximum(total, 1e-30), 0.0)


TABLES["check_energy_in_mask"] = Table(
    check=ex.check_energy_in_mask, agrees=_runs_like(_energy_solution, ENERGY_PROBES, 1e-6, 1e-5),
    right={"numpy": _energy_numpy, "a loop": _energy_solution,
           "float32": lambda s, m: _energy_numpy(s.astype(np.float32), m), "keras.ops": _energy_keras},
    wrong={"signed sums": (lambda s, m: s[m].sum() / s.sum(), ("negative values cancel",)),
           "absolute values": (lambda s, m: np.abs(s)[m].sum() / np.abs(s).sum(), ("absolute values",)),
           "the share outside": (lambda s, m: _energy_numpy(s, ~m), ("outside",)),
           "inside over outside": (lambda s, m: np.maximum(s, 0)[m].sum() / np.maximum(s, 0)[~m].sum(),
                                   ("outside the mask, not by the total",)),
           "means, not sums": (lambda s, m: np.maximum(s, 0)[m].mean() / np.maximum(s, 0).mean(), ("means",)),
           "the mask's area": (lambda s, m: m.mean(), ("mask's share of the pixels",)),
           "counting positive pixels": (lambda s, m: (s[m] > 0).sum() / max((s > 0).sum(), 1), ("counted",)),
           "no guard: NaN for nothing positive": (lambda s, m: np.maximum(s, 0)[m].sum() / np.maximum(s, 0).sum(),
                                                  ("nothing positive", "return 0"))})

_dr = np.random.default_rng(16)
_dw = _dr.uniform(0, 1, (4, 7, 3))
DELETION_PROBES = [(lambda x: (np.asarray(x) * _dw).sum(axis=(1, 2, 3)), _dr.uniform(0.2, 1, (4, 7, 3)),
                    _dr.normal(size=(4, 7)), np.full((4, 7, 3), 0.3), steps) for steps in (3, 6, 5)]


def _deletion_solution(predict, image, saliency, empty, steps):
    h, w = saliency.shape
    order = sorted(range(h * w), key=lambda i: -saliency[i // w, i % w])
    curve = []
    for k in range(steps + 1):
        x = image.copy()
        for i in order[:round(k * h * w / steps)]:
            x[i // w, i % w] = empty[i // w, i % w]
        curve.append(float(predict(x[None])[0]))
    return curve


def _deletion_loop(predict, image, saliency, empty, steps, order=None, count=round, fill=None):
    order = np.argsort(-saliency.ravel(), kind="stable") if order is None else order
    fill = empty if fill is None else fill
    out = []
    for k in range(steps + 1):
        gone = np.zeros(saliency.size, bool)
        gone[order[:int(count(k * saliency.size / steps))]] = True
        out.append(predict(np.where(gone.reshape(saliency.shape)[..., None], fill, image)[None])[0])
    return out


def _deletion_batch(predict, image, saliency, empty, steps):
    ranks = np.empty(saliency.size, int)
    ranks[np.argsort(saliency.ravel())[::-1]] = np.arange(saliency.size)
    counts = np.round(np.arange(steps + 1) * saliency.size / steps)
    gone = ranks[None, :] < counts[:, None]
    batch = np.where(gone.reshape(steps + 1, *saliency.shape, 1), empty[None], image[None])
    return predict(batch)


TABLES["check_deletion_curve"] = Table(
    check=ex.check_deletion_curve, agrees=_runs_like(_deletion_solution, DELETION_PROBES, 1e-6, 1e-6),
    right={"a loop": _deletion_loop, "one batch, vectorised": _deletion_batch,
           "float32 images": lambda p, i, s, e, n: _deletion_loop(p, i.astype(np.float32), s, e.astype(np.float32), n)},
    wrong={"least salient first": (lambda p, i, s, e, n: _deletion_loop(p, i, -s, e, n), ("least salient",)),
           "ordered by |saliency|": (lambda p, i, s, e, n: _deletion_loop(p, i, np.abs(s), e, n), ("|saliency|",)),
           "truncated counts (int)": (lambda p, i, s, e, n: _deletion_loop(p, i, s, e, n, count=np.floor),
                                      ("truncated",)),
           "counts rounded up": (lambda p, i, s, e, n: _deletion_loop(p, i, s, e, n, count=np.ceil), ("up (ceil)",)),
           "insertion: image and empty swapped": (lambda p, i, s, e, n: _deletion_loop(p, e, s, i, n),
                                                  ("empty image",)),
           "zeros instead of empty": (lambda p, i, s, e, n: _deletion_loop(p, i, s, e, n, fill=np.zeros_like(e)),
                                      ("by 0",)),
           "k = 0 left out": (lambda p, i, s, e, n: _deletion_loop(p, i, s, e, n)[1:], ("points",)),
           "steps hard-coded": (lambda p, i, s, e, n: _deletion_loop(p, i, s, e, 3), ("steps = 6", "as if steps "
                                                                                               "were 3"))})


# ------------------------------------------------------------------------------------------
# The tests
# ------------------------------------------------------------------------------------------

RIGHT = [(name, label) for name, t in TABLES.items() for label in t.right]
WRONG = [(name, label) for name, t in TABLES.items() for label in t.wrong]


def test_every_check_has_a_table():
    checks = {n for n in ex.__all__ if n.startswith("check_")}
    assert set(TABLES) == checks - ELSEWHERE, (checks - ELSEWHERE) ^ set(TABLES)
    for name, t in TABLES.items():
        assert len(t.wrong) >= 4 and len(t.right) >= 2, name


@pytest.mark.parametrize("name, label", RIGHT, ids=[f"{n}: {label}" for n, label in RIGHT])
def test_valid_answers_are_right(name, label):
    table = TABLES[name]
    answer = table.right[label]
    assert table.agrees(answer), f"{label!r} disagrees with the independent solution: not a valid answer"
    feedback = table.check(answer)
    assert isinstance(feedback, ex.Feedback) and feedback.right, feedback


@pytest.mark.parametrize("name, label", WRONG, ids=[f"{n}: {label}" for n, label in WRONG])
def test_mistakes_are_not_yet_and_named(name, label):
    table = TABLES[name]
    answer, words = table.wrong[label]
    assert not table.agrees(answer), f"{label!r} agrees with the independent solution: not a mistake"
    feedback = table.check(answer)
    assert isinstance(feedback, ex.Feedback) and not feedback.right, feedback
    text = (feedback.message + " " + feedback.hint).lower()
    for w in words:
        assert w.lower() in text, f"{w!r} not in {feedback!r}"


def test_record_how_many_answers_are_tested():
    metrics.record({"exercises.checkers": len(TABLES), "exercises.wrong_answers_tested": len(WRONG),
                    "exercises.right_answers_tested": len(RIGHT)})
    assert len(TABLES) >= 18 and len(WRONG) >= 4 * len(TABLES) and len(RIGHT) >= 2 * len(TABLES)


# ------------------------------------------------------------------------------------------
# What the tables cannot say in one row
# ------------------------------------------------------------------------------------------

def test_class_accuracy_numbers_cannot_pass_on_a_matrix_that_cannot_tell_recall_from_precision():
    recall = np.diag(NOTEBOOK_CM) / NOTEBOOK_CM.sum(axis=1)
    precision = np.diag(NOTEBOOK_CM) / NOTEBOOK_CM.sum(axis=0)
    assert np.allclose(recall, precision)                               # the notebook's matrix: the same numbers
    feedback = ex.check_class_accuracy(precision, NOTEBOOK_CM)
    assert not feedback.right and "function" in feedback.hint
    asymmetric = PROBE_CMS[0]
    assert ex.check_class_accuracy(np.diag(asymmetric) / asymmetric.sum(axis=1), asymmetric).right
    feedback = ex.check_class_accuracy(np.diag(asymmetric) / asymmetric.sum(axis=0), asymmetric)
    assert not feedback.right and "precision" in feedback.message
    assert "np.diag" not in feedback.hint and "sum(axis" not in feedback.hint       # no solution in the hint


def test_class_accuracy_right_message_shows_the_notebook_values():
    feedback = ex.check_class_accuracy(lambda cm: np.diag(cm) / cm.sum(axis=1), NOTEBOOK_CM)
    assert feedback.right and "0.996" in feedback.message


def test_best_channel_accepts_any_tied_channel():
    tied = np.array([[0.2, 0.9], [0.1, 0.9], [0.3, 0.5]])
    assert ex.check_best_channel(0, tied, ["a", "b"], "b").right
    assert ex.check_best_channel(1, tied, ["a", "b"], "b").right        # a loop with >= finds the last one


def test_closest_filter_accepts_any_tied_filter():
    tied = {"labels": LABELS, "parts": np.array([[0.5, 0.2, 0.1, 0.2], [0.4, 0.1, 0.2, 0.3], [0.9, 0.0, 0.1, 0.0]])}
    assert ex.check_closest_filter(2, tied, [2, 5, 8], WHEELS).right
    assert ex.check_closest_filter(5, tied, [2, 5, 8], WHEELS).right


def test_energy_in_mask_float32_is_right_and_numbers_are_told_apart():
    assert ex.check_energy_in_mask(lambda s, m: _energy_numpy(s.astype(np.float32), m)).right
    off = ex.check_energy_in_mask(lambda s, m: _energy_numpy(s, m) + 3e-5)
    assert not off.right
    expected, got = off.message.split("expected ")[1].split(", got ")
    assert expected != got.rstrip("."), off


def test_distinct_numbers_get_enough_decimals():
    shown = ex._distinct(0.371662, 0.371714, digits=4)
    assert shown[0] != shown[1] and shown == ["0.37166", "0.37171"]
    assert ex._distinct(0.25, 0.25) == ["0.250", "0.250"]
    assert ex._distinct(0.8, digits=0, percent=True) == ["80%"]


def test_iou_checks_name_one_axis_clipping_on_their_own_inputs():
    """The issue's example: clipping one axis only gives −0.50 for two boxes side by side."""
    one_axis = _iou_variant(clip="y")
    assert one_axis((0.25, 0.5, 0.2, 0.2), (0.75, 0.5, 0.2, 0.2)) < 0
    feedback = ex.check_iou(one_axis)
    assert not feedback.right and "only the y overlap" in feedback.message


def test_hints_do_not_give_the_solution_away():
    """The fallback hints of the checks say what to do in words, not in the code of the solution."""
    fallbacks = [ex.check_scale(lambda x: (x * 0.5).astype(np.float32)),
                 ex.check_rms_normalize(lambda g: g * 2),
                 ex.check_channel_weights(lambda g: g.mean(axis=(0, 1)) * 3),
                 ex.check_class_accuracy(lambda cm: np.ones(len(cm)) * 0.3, NOTEBOOK_CM),
                 ex.check_box_corners((1, 2, 3, 4), CAR_BOX),
                 ex.check_closest_filter(20, CLOSEST_SHARES, CHANNELS, WHEELS),
                 ex.check_part_filter(20, PART_SHARES, CHANNELS, "motorcycle wheels"),
                 ex.check_best_channel(6, TUNING, NAMES, "blue")]
    for feedback in fallbacks:
        assert not feedback.right, feedback
        for code in ("np.diag", "sum(axis", "mean(axis", "/ 255", "argmax", "argsort", "sqrt(mean"):
            assert code not in feedback.hint, (code, feedback)
