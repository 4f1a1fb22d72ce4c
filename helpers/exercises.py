"""Instant feedback for the exercises at the end of every notebook.

Each ``check_*`` function takes a student's answer (a value, or a function they wrote) and returns a
:class:`Feedback`: right, or what is wrong and a hint. Nothing here raises on a wrong answer -- a student's
function that crashes, returns NaN or the wrong shape gets a sentence saying so, never a traceback.
An answer left as ``...`` (the placeholder in the exercise cells) is "not answered yet".

Grouped by notebook: 00 (boxes, confusion matrix), 01 (scaling, channels), 02 (gradient normalisation,
dead filters), 03 (Grad-CAM weights and heatmap), 04 (label vector, IoU, decoding), 05 (flip pairs, PCK).
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .landmarks import flip_pairs, pck
from .localization import decode_label, iou
from .scenes import CLASS_NAMES, LANDMARK_NAMES

__all__ = ["Feedback", "CheckSetupError", "check_box_corners", "check_class_accuracy", "check_scale",
           "check_best_channel",
           "check_rms_normalize", "check_dead_filters", "check_channel_weights", "check_heatmap",
           "check_label", "check_iou", "check_decoded", "check_flip_pairs", "check_pck", "check_part_filter",
           "check_closest_filter", "check_iou_values", "check_cell_anchor", "check_nms", "check_energy_in_mask",
           "check_deletion_curve", "check_cam_ingredients", "CASCADE_STEPS"]


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``right``, a ``message`` and, when wrong, a ``hint``.

    Shown in a notebook as a green or red box; ``bool(feedback)`` is ``right``.
    """

    right: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.right

    def _sentence(self) -> str:
        return self.message[:1].upper() + self.message[1:]

    def __repr__(self) -> str:
        head = ("✔ Right. " if self.right else "✘ Not yet. ") + self._sentence()
        return head + (f"\n  Hint: {self.hint}" if self.hint and not self.right else "")

    def _repr_html_(self) -> str:
        colour, mark = ("#1a7f37", "✔ Right.") if self.right else ("#b42318", "✘ Not yet.")
        hint = (f"<br><i>Hint:</i> {html.escape(self.hint)}" if self.hint and not self.right else "")
        # JupyterLab previews a hidden output by the first line of its HTML, shown as text: keep that line blank.
        return (" \n" f'<div style="border-left: 4px solid {colour}; padding: 4px 10px; margin: 2px 0">'
                f'<b style="color: {colour}">{mark}</b> {html.escape(self._sentence())}{hint}</div>')


class CheckSetupError(ValueError):
    """The check itself was called wrongly (by the notebook, not the student): this one is raised."""


def _never_raises(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """A check answers with feedback, whatever the student passed: an answer it cannot read is "not yet", with
    what it got, never a traceback."""

    @functools.wraps(check)
    def wrapped(*args: Any, **kwargs: Any) -> Feedback:
        try:
            with np.errstate(all="ignore"):
                return check(*args, **kwargs)
        except CheckSetupError:
            raise
        except Exception as exc:  # noqa: BLE001 -- any answer the check cannot read becomes feedback
            got = ", ".join(f"{type(a).__name__}" for a in args[:1]) or "nothing"
            return _wrong(f"this answer could not be checked ({type(exc).__name__}: {str(exc)[:120]}); "
                          f"it was {got}.", "give the kind of answer the exercise asks for: a number, an array, "
                          "or a function returning one.")

    return wrapped


def _right(message: str) -> Feedback:
    return Feedback(True, message)


def _wrong(message: str, hint: str = "") -> Feedback:
    return Feedback(False, message, hint)


def _unanswered(answer: Any, what: str, hint: str) -> Feedback | None:
    if answer is ... or answer is None:
        return _wrong(f"no answer yet: replace the `...` with {what}.", hint)
    return None


def _as_array(answer: Any, shape: tuple[int, ...] | None, what: str) -> np.ndarray | Feedback:
    """The answer as a float array of the expected shape, or the feedback saying why it is not one."""
    try:
        a = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return _wrong(f"expected {what}, got {type(answer).__name__} {answer!r:.60}.")
    if shape is not None and a.shape != shape:
        return _wrong(f"expected {what} (shape {shape}), got shape {a.shape}.")
    if not np.isfinite(a).all():
        return _wrong(f"your {what} contains NaN or infinity.")
    return a


def _call(fn: Any, *args: Any) -> tuple[Any, Feedback | None]:
    """Run a student's function; a crash becomes feedback instead of a traceback."""
    if not callable(fn):
        return None, _wrong(f"expected a function, got {type(fn).__name__}: define it with `def` and pass its "
                            "name (without calling it).")
    try:
        with np.errstate(all="ignore"):
            result = fn(*args)
    except Exception as exc:  # noqa: BLE001 -- any error in student code becomes feedback
        return None, _wrong(f"your function raised {type(exc).__name__}: {exc}".rstrip(": "),
                            "run it on a small example in a cell of its own to see where it breaks.")
    if result is None:
        return None, _wrong("your function returns nothing (None) yet.", "finish it with `return ...`.")
    return result, None


def _numpy(x: Any) -> np.ndarray:
    """A student's result as NumPy (it may be a TensorFlow tensor or a Keras ``ops`` result)."""
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x, dtype=np.float64)


# ------------------------------------------------------------------------------------------
# 00 · the course's data and model
# ------------------------------------------------------------------------------------------

@_never_raises
def check_box_corners(answer: Any, box: Sequence[float], size: int = 64, tol: float = 0.75) -> Feedback:
    """Exercise 00.1: the corners ``(x0, y0, x1, y1)`` in pixels of a box ``(bx, by, bh, bw)`` (fractions).

    Parameters
    ----------
    answer : 4 numbers
        The student's ``(x0, y0, x1, y1)``: left, top, right, bottom, in pixels.
    box : (bx, by, bh, bw)
        The true box, as fractions of the image (centre, height, width).
    size : int
        The image's side in pixels.
    tol : float
        Allowed error in pixels (reading numbers off a printout rounds them).
    """
    f = _unanswered(answer, "four numbers (x0, y0, x1, y1)",
                    "(bx, by) is the centre: the left edge is bx - bw/2, in pixels times the image size.")
    if f is not None:
        return f
    a = _as_array(answer, (4,), "four numbers (x0, y0, x1, y1)")
    if isinstance(a, Feedback):
        return a
    bx, by, bh, bw = (float(v) for v in box)
    truth = np.array([bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2]) * size
    if np.abs(a - truth).max() <= tol:
        return _right("those are the box's corners.")
    if np.abs(a * size - truth).max() <= tol:
        return _wrong("these are fractions of the image.", f"multiply by the image size ({size} px).")
    corner = np.array([bx, by, bx + bw, by + bh]) * size
    if np.abs(a - corner).max() <= tol:
        return _wrong("you used (bx, by) as the top-left corner.", "on the slides (bx, by) is the box's centre.")
    swapped = np.array([bx - bh / 2, by - bw / 2, bx + bh / 2, by + bw / 2]) * size
    if np.abs(a - swapped).max() <= tol:
        return _wrong("height and width are swapped.", "bh is the height (along y), bw the width (along x).")
    xy = np.array([by - bh / 2, bx - bw / 2, by + bh / 2, bx + bw / 2]) * size
    if np.abs(a - xy).max() <= tol:
        return _wrong("x and y are swapped.", "the order asked for is (x0, y0, x1, y1): left, top, right, bottom.")
    return _wrong("not the box's corners.", "left = (bx - bw/2) × size, top = (by - bh/2) × size; "
                                            "right and bottom with + instead of -.")


@_never_raises
def check_class_accuracy(answer: Any, confusion: np.ndarray, tol: float = 1e-3) -> Feedback:
    """Exercise 00.2: each true class's accuracy (recall) from a confusion matrix (rows = truth).

    Parameters
    ----------
    answer : sequence of floats
        One accuracy per class, in the matrix's order.
    confusion : (C, C) array
        Counts, rows the true class, columns the predicted one.
    """
    f = _unanswered(answer, "one accuracy per class",
                    "rows are the true class: right / all of that class = diagonal / row sum.")
    if f is not None:
        return f
    cm = np.asarray(confusion, np.float64)
    a = _as_array(answer, (cm.shape[0],), f"{cm.shape[0]} accuracies, one per class")
    if isinstance(a, Feedback):
        return a
    rows, cols = cm.sum(axis=1), cm.sum(axis=0)
    recall = np.divide(np.diag(cm), rows, out=np.zeros_like(rows), where=rows > 0)
    precision = np.divide(np.diag(cm), cols, out=np.zeros_like(cols), where=cols > 0)
    if np.abs(a - recall).max() <= tol:
        return _right("right / all, row by row: the accuracy of each true class.")
    if np.abs(a - 100 * recall).max() <= 100 * tol:
        return _wrong("these are percentages.", "give fractions between 0 and 1.")
    if np.abs(a - precision).max() <= tol and not np.allclose(recall, precision):
        return _wrong("you divided by the column sums: that is the precision of each *predicted* class.",
                      "rows are the true class: divide the diagonal by the row sums.")
    return _wrong("not the per-class accuracy.", "np.diag(cm) / cm.sum(axis=1).")


# ------------------------------------------------------------------------------------------
# 01 · intermediate activations
# ------------------------------------------------------------------------------------------

@_never_raises
def check_scale(fn: Callable[[np.ndarray], Any]) -> Feedback:
    """Exercise 01.1: ``fn(images)`` turns uint8 images (0-255) into what the model was trained on:
    float32 in [0, 1] (pixels divided by 255), same shape."""
    f = _unanswered(fn, "your function's name", "images.astype('float32') / 255")
    if f is not None:
        return f
    images = np.random.default_rng(0).integers(0, 256, size=(2, 5, 5, 3), dtype=np.uint8)
    images[0, 0, 0] = (0, 255, 128)
    out, f = _call(fn, images.copy())
    if f is not None:
        return f
    try:
        got = _numpy(out)
    except (TypeError, ValueError):
        return _wrong(f"your function returned {type(out).__name__}, not an array of images.")
    if got.shape != images.shape:
        return _wrong(f"the shape changed from {images.shape} to {got.shape}.", "scale every pixel; keep the shape.")
    if np.asarray(out).dtype.kind in "iub":
        return _wrong("the result is still integers.", "convert to float32 before dividing (astype('float32')).")
    want = images.astype(np.float64) / 255
    if np.allclose(got, want, atol=1e-6):
        if np.asarray(out).dtype != np.float32:
            return _wrong(f"right values, but dtype {np.asarray(out).dtype}.", "Keras models expect float32.")
        return _right("pixels in [0, 1], float32, as in training.")
    if np.allclose(got, images / 256, atol=1e-6):
        return _wrong("divided by 256: white becomes 0.996.", "the largest uint8 value is 255.")
    if np.allclose(got, images / 127.5 - 1, atol=1e-6):
        return _wrong("that is [-1, 1] scaling (some ImageNet models use it); this model was trained on [0, 1].",
                      "divide by 255 and stop there.")
    return _wrong(f"values range from {got.min():.3g} to {got.max():.3g}; expected 0 to 1.", "divide by 255.")


@_never_raises
def check_best_channel(answer: Any, tuning: np.ndarray, names: Sequence[str], feature: str) -> Feedback:
    """Exercise 01.2: which channel correlates most with the map called ``feature``?

    Parameters
    ----------
    answer : int
        The student's channel number.
    tuning : (channels, maps) array
        Correlation of every channel with every hand-made map (``activations.channel_tuning``).
    names : sequence of str
        The maps' names, in ``tuning``'s column order.
    feature : str
        The map asked about (one of ``names``).
    """
    if feature not in names:
        raise CheckSetupError(f"unknown feature {feature!r}; the maps are: {', '.join(names)}")
    f = _unanswered(answer, "a channel number",
                    f"look down the '{feature}' column of the tuning map for the reddest square.")
    if f is not None:
        return f
    t = np.asarray(tuning, np.float64)
    column = t[:, list(names).index(feature)]
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return _wrong(f"expected a channel number (an int), got {answer!r:.60}.")
    if not 0 <= int(answer) < len(column):
        return _wrong(f"there are channels 0 to {len(column) - 1}, not {answer}.")
    best = int(column.argmax())
    if int(answer) == best:
        return _right(f"that is the best '{feature}' detector (r = {column[best]:+.2f}).")
    r = column[int(answer)]
    if r < 0:
        return _wrong(f"channel {answer} is *anti*-correlated with '{feature}' (r = {r:+.2f}).",
                      "look for the largest positive correlation, not the largest absolute value.")
    return _wrong(f"channel {answer} responds to '{feature}' (r = {r:+.2f}), but another channel more.",
                  f"compare the whole '{feature}' column: tuning[:, names.index('{feature}')].argmax().")


# ------------------------------------------------------------------------------------------
# 02 · filter patterns
# ------------------------------------------------------------------------------------------

@_never_raises
def check_rms_normalize(fn: Callable[[np.ndarray], Any]) -> Feedback:
    """Exercise 02.1: ``fn(grads)`` divides a gradient by its root-mean-square plus 1e-5 (the slides'
    normalisation trick); an all-zero gradient must stay zero, not become NaN."""
    f = _unanswered(fn, "your function's name", "grads / (sqrt(mean(grads ** 2)) + 1e-5)")
    if f is not None:
        return f
    g = np.random.default_rng(1).normal(0, 0.05, size=(1, 6, 6, 3)).astype(np.float32)
    out, f = _call(fn, g.copy())
    if f is not None:
        return f
    got = _numpy(out)
    if got.shape != g.shape:
        return _wrong(f"the shape changed from {g.shape} to {got.shape}.", "normalise; don't reduce or reshape.")
    g64 = g.astype(np.float64)
    rms = np.sqrt(np.mean(g64 ** 2))
    if not np.allclose(got, g64 / (rms + 1e-5), rtol=1e-3, atol=1e-6):
        if np.allclose(got, g64 / (np.mean(g64 ** 2) + 1e-5), rtol=1e-4):
            return _wrong("you divided by the mean square, not its square root.", "the RMS is sqrt(mean(g**2)).")
        if np.allclose(got, g64 / (np.abs(g64).mean() + 1e-5), rtol=1e-4):
            return _wrong("that is the mean absolute value, not the root-mean-square.", "sqrt(mean(g**2)).")
        if np.allclose(got, g64 / (np.linalg.norm(g64) + 1e-5), rtol=1e-4):
            return _wrong("that divides by the L2 norm (which grows with the image size), not the RMS.",
                          "take the mean of the squares, not their sum.")
        return _wrong(f"after normalising, the RMS should be about 1; yours is {np.sqrt(np.mean(got ** 2)):.3g}.",
                      "grads / (sqrt(mean(grads ** 2)) + 1e-5)")
    zero, f = _call(fn, np.zeros_like(g))
    if f is not None:
        return f
    z = _numpy(zero)
    if not np.isfinite(z).all():
        return _wrong("an all-zero gradient (a dead filter) becomes NaN.", "add the 1e-5 *outside* the square root "
                                                                           "so you never divide by zero.")
    return _right("every step now has the same size, whatever the gradient's scale.")


@_never_raises
def check_dead_filters(answer: Any, dead: np.ndarray) -> Feedback:
    """Exercise 02.2: the indices of the dead filters (``FilterPatterns.dead``) of one layer."""
    f = _unanswered(answer, "a list of filter numbers", "np.flatnonzero(result.dead)")
    if f is not None:
        return f
    try:
        given = {int(v) for v in np.ravel(np.asarray(answer))}
    except (TypeError, ValueError):
        return _wrong(f"expected filter numbers, got {answer!r:.60}.")
    truth = {int(v) for v in np.flatnonzero(np.asarray(dead, bool))}
    if given == truth:
        return _right(f"all {len(truth)} dead filters, and no live one.")
    missing, extra = sorted(truth - given), sorted(given - truth)
    parts = ([f"missing {missing[:8]}{' …' if len(missing) > 8 else ''}"] if missing else []) + \
            ([f"not dead: {extra[:8]}{' …' if len(extra) > 8 else ''}"] if extra else [])
    return _wrong("; ".join(parts) + ".", "a filter is dead when gradient ascent could not raise its activation "
                                          "above zero: use the result's .dead mask.")


def _filter_row(answer: Any, channels: Sequence[int], hint: str) -> int | Feedback:
    """The row of filter number ``answer`` among a block's live ``channels``, or the feedback saying why not."""
    f = _unanswered(answer, "a filter number", hint)
    if f is not None:
        return f
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return _wrong(f"expected one filter number (an int), got {type(answer).__name__} {answer!r:.40}.")
    channels = [int(c) for c in channels]
    if int(answer) not in channels:
        return _wrong(f"filter {answer} is not one of this block's live filters.",
                      "the atlas lists filter numbers as they are in the layer; dead filters have no examples.")
    return channels.index(int(answer))


@_never_raises
def check_part_filter(answer: Any, shares: dict, channels: Sequence[int], part: str,
                      threshold: float = 0.5) -> Feedback:
    """Exercise 02.3: a filter of one block with at least ``threshold`` of its strongest activations on ``part``
    (e.g. ``"motorcycle wheels"``), judged by the scenes' ground truth (``atlas.ground_truth_shares``)."""
    if not isinstance(shares, dict) or part not in shares.get("labels", []):
        raise CheckSetupError(f"part must be one of shares['labels'], got {part!r}")
    row = _filter_row(answer, channels, "sort the filters by their share on the part")
    if isinstance(row, Feedback):
        return row
    column = np.asarray(shares["parts"])[:, shares["labels"].index(part)]
    share = float(column[row])
    if share >= threshold:
        return _right(f"filter {answer}: {share:.0%} of its strongest activations fall on {part}.")
    top = shares["labels"][int(np.argmax(np.asarray(shares["parts"])[row]))]
    return _wrong(f"filter {answer} has only {share:.0%} of its strongest activations on {part} (most on {top}).",
                  "sort the filters by their share on that part: "
                  "np.argsort(-shares[...]['parts'][:, labels.index(part)]).")


@_never_raises
def check_closest_filter(answer: Any, shares: dict, channels: Sequence[int], parts: Sequence[str]) -> Feedback:
    """Exercise 02.4: the filter of one block with the largest share of its strongest activations on ``parts``
    together (e.g. ``["car wheels", "motorcycle wheels"]``), judged by the scenes' ground truth
    (``atlas.ground_truth_shares``). Right also says whether that share reaches half: the closest filter need
    not be a detector."""
    if not isinstance(shares, dict) or isinstance(parts, str) or not parts or \
            any(p not in shares.get("labels", []) for p in parts):
        raise CheckSetupError(f"parts must be a list of shares['labels'], got {parts!r}")
    row = _filter_row(answer, channels, "add up the filter's shares on the parts, then take the largest")
    if isinstance(row, Feedback):
        return row
    table = np.asarray(shares["parts"])
    on = table[:, [shares["labels"].index(p) for p in parts]].sum(axis=1)
    share, best = float(on[row]), float(on.max())
    what = " and ".join(parts)
    if share < best - 1e-9:
        return _wrong(f"filter {answer} has {share:.0%} of its strongest activations on {what}; "
                      f"another filter of this block has {best:.0%}.",
                      "add the parts' columns, then np.argmax: channels[np.argmax(parts[:, i] + parts[:, j])].")
    verdict = ("at least half: by this measure, a detector of them" if share >= 0.5 else
               "less than half, and no filter of this block does better: by this measure (where its strongest "
               "windows are centred) none of them is a detector of these parts")
    return _right(f"filter {answer}: {share:.0%} of its strongest activations fall on {what}, {verdict}.")


# ------------------------------------------------------------------------------------------
# 03 · class activation heatmaps
# ------------------------------------------------------------------------------------------

@_never_raises
def check_channel_weights(fn: Callable[[np.ndarray], Any]) -> Feedback:
    """Exercise 03.1: ``fn(grads)`` with ``grads`` ``(h, w, channels)`` returns each channel's importance:
    its gradient averaged over the feature map (shape ``(channels,)``)."""
    f = _unanswered(fn, "your function's name", "average over the two spatial axes: grads.mean(axis=(0, 1))")
    if f is not None:
        return f
    g = np.random.default_rng(2).normal(size=(4, 5, 3)).astype(np.float32)
    out, f = _call(fn, g.copy())
    if f is not None:
        return f
    got = _numpy(out)
    want = g.mean(axis=(0, 1))
    if got.shape == want.shape and np.allclose(got, want, atol=1e-5):
        return _right("one weight per channel: how much the class score rises with that channel.")
    if got.shape == (4, 5):
        return _wrong("you averaged over the channels; that gives a map, not one weight per channel.",
                      "average over axes 0 and 1 (height, width).")
    if got.shape == want.shape and np.allclose(got, g.sum(axis=(0, 1)), atol=1e-4):
        return _wrong("you summed instead of averaging (the same heatmap after scaling, but not the slides' mean).",
                      "divide by the number of positions, or use mean.")
    if got.shape != want.shape:
        return _wrong(f"expected shape {want.shape} (one number per channel), got {got.shape}.")
    return _wrong("not the mean gradient per channel.", "grads.mean(axis=(0, 1)).")


@_never_raises
def check_heatmap(fn: Callable[[np.ndarray, np.ndarray], Any]) -> Feedback:
    """Exercise 03.2: ``fn(features, weights)`` -> the Grad-CAM heatmap: weight each channel, average over
    channels, ReLU, divide by the maximum -- and return zeros, not NaN, when nothing is positive."""
    f = _unanswered(fn, "your function's name", "h = relu(mean(features * weights, axis=-1)); h / h.max() "
                                                "only if h.max() > 0")
    if f is not None:
        return f
    rng = np.random.default_rng(3)
    feats = rng.uniform(0, 1, size=(4, 4, 3)).astype(np.float32)
    w = np.array([1.0, -0.5, 0.25], np.float32)
    out, f = _call(fn, feats.copy(), w.copy())
    if f is not None:
        return f
    got = _numpy(out)
    raw = (feats * w).mean(axis=-1)
    want = np.maximum(raw, 0) / np.maximum(raw, 0).max()
    if got.shape != want.shape:
        return _wrong(f"expected a {want.shape} map (one value per position), got {got.shape}.",
                      "average over the last axis (the channels).")
    if not np.allclose(got, want, atol=1e-4):
        if np.allclose(got, raw / np.abs(raw).max(), atol=1e-4) or got.min() < -1e-6:
            return _wrong("the map has negative values.", "apply the ReLU (np.maximum(h, 0)) before dividing.")
        if np.allclose(got, np.maximum(raw, 0), atol=1e-4):
            return _wrong("the map is not scaled to a maximum of 1.", "divide by its maximum.")
        return _wrong("not the Grad-CAM map.", "mean over channels of features * weights, ReLU, divide by the max.")
    negative, f = _call(fn, feats.copy(), -np.abs(w))
    if f is not None:
        return f
    z = _numpy(negative)
    if not np.isfinite(z).all():
        return _wrong("when no position supports the class, your map becomes NaN (0 / 0).",
                      "divide by the maximum only when it is > 0; otherwise return the zeros.")
    if np.abs(z).max() > 0:
        return _wrong("when nothing supports the class, the map should be all zero.", "ReLU first, then divide.")
    return _right("weighted, averaged, ReLU, scaled -- and no NaN when the class has no support.")


# ------------------------------------------------------------------------------------------
# 04 · localization
# ------------------------------------------------------------------------------------------

_LABEL_HINT = "y = [p_d, bx, by, bh, bw, c1, c2, c3]; c1 motorcycle, c2 car, c3 pedestrian."


@_never_raises
def check_label(answer: Any, truth: np.ndarray, tol: float = 0.02) -> Feedback:
    """Exercise 04.1: the 8-entry label vector of a scene. For a background scene only ``p_d = 0`` is checked:
    the other seven entries are "don't care".

    Parameters
    ----------
    answer : 8 numbers
        The student's ``[p_d, bx, by, bh, bw, c1, c2, c3]`` (for background, ``[0, ...]`` with anything after).
    truth : 8 numbers
        The true label (``localization.encode_label``).
    tol : float
        Allowed error in the box (numbers read off a printout are rounded).
    """
    f = _unanswered(answer, "the 8 numbers of the label", _LABEL_HINT)
    if f is not None:
        return f
    t = np.asarray(truth, np.float64)
    try:
        first = float(np.ravel(np.asarray(answer, dtype=object))[0])
    except (TypeError, ValueError, IndexError):
        return _wrong(f"expected 8 numbers, got {answer!r:.60}.", _LABEL_HINT)
    if t[0] == 0:
        if first == 0:
            return _right("p_d = 0: no object, and the other seven entries are don't care.")
        return _wrong("there is no object in this scene.", "p_d (the first entry) is 0 for background.")
    a = _as_array(answer, (8,), "8 numbers [p_d, bx, by, bh, bw, c1, c2, c3]")
    if isinstance(a, Feedback):
        return a
    if a[0] != 1:
        return _wrong(f"p_d = {a[0]:g}, but there is an object.", "p_d is 1 when an object is present.")
    if not np.array_equal(a[5:], t[5:]):
        names = CLASS_NAMES[:3]
        want = names[int(t[5:].argmax())]
        if a[5:].sum() != 1 or not set(np.unique(a[5:])) <= {0.0, 1.0}:
            return _wrong("c1, c2, c3 must be one-hot: a single 1, the rest 0.", _LABEL_HINT)
        return _wrong(f"the class entries say {names[int(a[5:].argmax())]}, but this is a {want}.", _LABEL_HINT)
    box, tbox = a[1:5], t[1:5]
    if np.abs(box - tbox).max() <= tol:
        return _right("presence, box and class all as on the slides.")
    if np.abs(box - tbox[[0, 1, 3, 2]]).max() <= tol:
        return _wrong("bh and bw are swapped.", "the order is bx, by, bh (height), bw (width).")
    if np.abs(box - tbox[[1, 0, 2, 3]]).max() <= tol:
        return _wrong("bx and by are swapped.", "bx is the horizontal centre, by the vertical one.")
    corner = np.array([tbox[0] - tbox[3] / 2, tbox[1] - tbox[2] / 2, tbox[2], tbox[3]])
    if np.abs(box - corner).max() <= tol:
        return _wrong("(bx, by) is the box's centre, not its top-left corner.")
    if np.abs(box / 64 - tbox).max() <= tol:
        return _wrong("the box is in pixels.", "give it as fractions of the image (divide by 64).")
    return _wrong(f"the box is off by up to {np.abs(box - tbox).max():.2f} of the image.",
                  "read bx, by, bh, bw off the printed box (fractions of the image).")


@_never_raises
def check_iou(fn: Callable[[Sequence[float], Sequence[float]], Any]) -> Feedback:
    """Exercise 04.2: ``fn(box_a, box_b)`` -> intersection over union of two boxes ``(bx, by, bh, bw)``."""
    f = _unanswered(fn, "your function's name", "turn each box into its corners first; the overlap is "
                                                "max(0, min(right) - max(left)) × the same for y.")
    if f is not None:
        return f

    cases = [((0.5, 0.5, 0.4, 0.4), (0.5, 0.5, 0.4, 0.4), "identical boxes"),
             ((0.3, 0.3, 0.2, 0.2), (0.4, 0.4, 0.2, 0.2), "overlapping boxes"),
             ((0.5, 0.5, 0.6, 0.6), (0.5, 0.5, 0.2, 0.3), "a box inside another"),
             ((0.2, 0.5, 0.2, 0.2), (0.4, 0.5, 0.2, 0.4), "boxes of different shapes"),
             ((0.2, 0.2, 0.2, 0.2), (0.8, 0.8, 0.2, 0.2), "boxes far apart")]
    for a, b, what in cases:
        out, f = _call(fn, a, b)
        if f is not None:
            return f
        try:
            got = float(_numpy(out).reshape(-1)[0])
        except (TypeError, ValueError, IndexError):
            return _wrong(f"your function returned {out!r:.60}, not a number.")
        want = float(iou(a, b))
        if not np.isfinite(got):
            return _wrong(f"{what}: your IoU is {got}.", "guard the division: the union is > 0 for real boxes.")
        if abs(got - want) > 1e-6:
            if what == "boxes far apart" and got != 0:
                return _wrong(f"boxes far apart should have IoU 0; yours gives {got:.3f}.",
                              "clip each overlap side at 0: max(0, min(right) - max(left)).")
            return _wrong(f"{what} {a} and {b}: expected {want:.4f}, got {got:.4f}.",
                          "(bx, by) is the centre: left = bx - bw/2, top = by - bh/2.")
    return _right("identical, overlapping, nested, mixed shapes and disjoint boxes all correct.")


@_never_raises
def check_decoded(answer: Any, y_pred: Sequence[float]) -> Feedback:
    """Exercise 04.3: what a network output ``ŷ`` says: ``"background"``, or ``(class name, (bx, by, bh, bw))``."""

    f = _unanswered(answer, '"background" or ("class", (bx, by, bh, bw))',
                    "first p_d: below 0.5 means no object; then the largest of c1, c2, c3.")
    if f is not None:
        return f
    name, box = decode_label(y_pred)
    given_name = answer if isinstance(answer, str) else (answer[0] if isinstance(answer, (tuple, list)) and answer
                                                         else None)
    if name == "background":
        if given_name == "background":
            return _right(f"p_d = {float(y_pred[0]):.2f} < 0.5: no object, so the rest means nothing.")
        return _wrong(f"p_d = {float(y_pred[0]):.2f} is below 0.5: the network says there is no object.",
                      "when p_d < 0.5 the other entries are don't care.")
    if given_name == "background":
        return _wrong(f"p_d = {float(y_pred[0]):.2f} ≥ 0.5: the network says there is an object.")
    if given_name != name:
        return _wrong(f"the class is the largest of c1, c2, c3 = {np.round(np.asarray(y_pred)[5:], 2).tolist()}.",
                      "c1 motorcycle, c2 car, c3 pedestrian.")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return _wrong(f"right class; now give the box too: (\"{name}\", (bx, by, bh, bw)).")
    b = _as_array(answer[1], (4,), "the box (bx, by, bh, bw)")
    if isinstance(b, Feedback):
        return b
    if np.abs(b - np.asarray(box)).max() > 0.01:
        return _wrong("right class, wrong box.", "the box is entries 1 to 4: bx, by, bh, bw.")
    return _right("class and box, as the network says.")


# ------------------------------------------------------------------------------------------
# 05 · landmarks and pose
# ------------------------------------------------------------------------------------------

@_never_raises
def check_flip_pairs(answer: Any, class_name: str = "pedestrian") -> Feedback:
    """Exercise 05.1: the pairs of landmark indices that must swap when the image is mirrored."""

    names = LANDMARK_NAMES[class_name]
    f = _unanswered(answer, "a list of index pairs like [(1, 2), ...]",
                    "each left_… landmark swaps with its right_… partner.")
    if f is not None:
        return f
    try:
        given = {frozenset((int(a), int(b))) for a, b in answer}
    except (TypeError, ValueError):
        return _wrong(f"expected pairs of indices like [(1, 2), (3, 4)], got {answer!r:.60}.")
    truth = {frozenset(p) for p in flip_pairs(class_name)}
    if any(len(p) != 2 for p in given):
        return _wrong("a landmark cannot swap with itself.")
    if any(i < 0 or i >= len(names) for p in given for i in p):
        return _wrong(f"indices go from 0 to {len(names) - 1}.")
    if given == truth:
        return _right(f"all {len(truth)} left/right pairs; the {len(names) - 2 * len(truth)} centre landmarks stay.")

    def label(p: frozenset) -> str:
        a, b = sorted(p)
        return f"({names[a]}, {names[b]})"

    extra, missing = given - truth, truth - given
    if extra:
        return _wrong(f"{label(sorted(extra, key=sorted)[0])} should not swap.",
                      "only left_X and right_X swap; landmarks on the centre line stay where they are.")
    return _wrong(f"missing {', '.join(label(p) for p in sorted(missing, key=sorted))}.",
                  "print(list(enumerate(names))) and pair every left_ with its right_.")


@_never_raises
def check_pck(fn: Callable[..., Any]) -> Feedback:
    """Exercise 05.2: ``fn(pred, true, boxes, alpha)`` -> PCK: the share of predicted landmarks within
    ``alpha`` × the box's larger side of the truth (``pred``, ``true`` ``(N, K, 2)``; ``boxes`` ``(N, 4)``)."""
    f = _unanswered(fn, "your function's name", "distance per landmark <= alpha * max(bh, bw) of its object; "
                                                "then the mean of that yes/no array.")
    if f is not None:
        return f

    rng = np.random.default_rng(5)
    true = rng.uniform(0.3, 0.7, size=(6, 4, 2))
    boxes = np.column_stack([np.full(6, 0.5), np.full(6, 0.5), rng.uniform(0.3, 0.6, 6), rng.uniform(0.1, 0.25, 6)])
    pred = true + rng.normal(0, 0.04, size=true.shape)
    out, f = _call(fn, pred, true, boxes, 0.1)
    if f is not None:
        return f
    try:
        if isinstance(out, (str, bytes)):
            raise TypeError
        got = float(np.asarray(_numpy(out)).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return _wrong(f"your function returned {out!r:.60}, not a number.")
    again, f = _call(fn, pred, true, boxes, 0.05)       # a second alpha: a constant answer cannot pass
    if f is not None:
        return f
    try:
        got_again = float(np.asarray(_numpy(again)).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        got_again = np.nan
    if abs(got - pck(pred, true, boxes, 0.1)) < 1e-9 and not abs(got_again - pck(pred, true, boxes, 0.05)) < 1e-9:
        return _wrong("right for alpha = 0.1, but not for alpha = 0.05.", "use the alpha your function is given.")
    want = pck(pred, true, boxes, 0.1)
    if abs(got - want) < 1e-9:
        return _right(f"PCK@0.1 = {want:.3f} on the test poses.")
    if abs(got - 100 * want) < 1e-6:
        return _wrong("that is a percentage.", "return a fraction between 0 and 1.")
    size_min = np.minimum(boxes[:, 2], boxes[:, 3])
    d = np.linalg.norm(pred - true, axis=-1)
    if abs(got - float((d <= 0.1 * size_min[:, None]).mean())) < 1e-9:
        return _wrong("you used the box's smaller side.", "PCK scales by the object's size: its larger side.")
    if abs(got - float((np.abs(pred - true) <= 0.1 * np.maximum(boxes[:, 2], boxes[:, 3])[:, None, None]).mean())) \
            < 1e-9:
        return _wrong("you compared x and y separately.", "measure the distance: sqrt(dx² + dy²).")
    return _wrong(f"expected {want:.3f}, got {got:.3f}.", "distance <= alpha × max(bh, bw), averaged over all "
                                                          "landmarks of all objects.")



# ------------------------------------------------------------------------------------------
# 06 · detection
# ------------------------------------------------------------------------------------------

@_never_raises
def check_iou_values(answer: Any, pairs: Sequence[tuple[Sequence[float], Sequence[float]]],
                     tol: float = 1e-3) -> Feedback:
    """Exercise 06.1: the IoU of each given pair of boxes ``(bx, by, bh, bw)``, as numbers worked out by hand."""
    f = _unanswered(answer, "one number per pair of boxes", "corners first: left = bx - bw/2, right = bx + bw/2.")
    if f is not None:
        return f
    if isinstance(answer, (tuple, list)) and any(v is ... for v in answer):
        return _wrong("not every IoU is filled in yet: replace each `...` with a number.")
    a = _as_array(answer, (len(pairs),), f"{len(pairs)} numbers, one per pair")
    if isinstance(a, Feedback):
        return a
    for k, ((box_a, box_b), got) in enumerate(zip(pairs, a)):
        want = float(iou(box_a, box_b))
        if abs(float(got) - want) > tol:
            return _wrong(f"pair {k + 1}: {float(got):.3f} is not it.",
                          "intersection = overlap in x × overlap in y (0 if either is negative or zero); "
                          "union = area a + area b − intersection.")
    return _right("all " + str(len(pairs)) + " right. Touching is not overlapping: an edge has no area; a box inside "
                  "another shares its whole area with it.")


@_never_raises
def check_cell_anchor(answer: Any, obj: Any, spec: Any) -> Feedback:
    """Exercise 06.2: ``(row, col, anchor)`` that the object ``obj`` (a SceneObject) is encoded to on ``spec``'s grid."""
    from .detection import encode_grid

    f = _unanswered(answer, "a tuple (row, col, anchor)", "row = int(by × S), col = int(bx × S)")
    if f is not None:
        return f
    a = _as_array(answer, (3,), "three whole numbers (row, col, anchor)")
    if isinstance(a, Feedback):
        return a
    y = encode_grid([[obj]], spec)[0]
    want = tuple(int(v) for v in np.argwhere(y[..., 0] == 1)[0])
    got = tuple(int(v) for v in a)
    if got == want:
        return _right(f"cell (row {want[0]}, col {want[1]}), anchor {want[2]}.")
    if got[:2] != want[:2]:
        return _wrong(f"cell (row {got[0]}, col {got[1]}) is not the one its centre is in.",
                      "the row comes from by (down), the column from bx (across): int(by × S), int(bx × S).")
    return _wrong(f"right cell, but anchor {got[2]} is not the best-fitting one.",
                  "compare the box's shape (bh, bw) with each anchor's by IoU, both centred on the same point.")


@_never_raises
def check_nms(answer: Any, boxes: Any, scores: Any, threshold: float = 0.5) -> Feedback:
    """Exercise 06.3: the indices non-max suppression keeps, best first."""
    from .detection import nms

    f = _unanswered(answer, "a list of box indices, best first", "start from the highest score")
    if f is not None:
        return f
    try:
        got = [int(v) for v in np.ravel(np.asarray(answer))]
    except (TypeError, ValueError):
        return _wrong(f"expected box indices, got {answer!r:.60}.")
    want = [int(v) for v in nms(np.asarray(boxes, np.float32), np.asarray(scores, np.float32), threshold)]
    if got == want:
        return _right(f"kept {want}.")
    if sorted(got) == sorted(want):
        return _wrong("the right boxes, in another order.", "list them as NMS picks them: highest score first.")
    return _wrong(f"{got} is not what NMS keeps.", f"take the best box, drop those overlapping it by IoU > "
                                                   f"{threshold}, repeat with the best remaining.")


# ------------------------------------------------------------------------------------------
# 07 · which explanation can you trust?
# ------------------------------------------------------------------------------------------

@_never_raises
def check_energy_in_mask(fn: Callable[[np.ndarray, np.ndarray], Any]) -> Feedback:
    """Exercise 07.1: ``fn(saliency, mask)`` -> the share of the map's positive part inside the mask (one map
    ``(H, W)``, one bool mask ``(H, W)``); 0 for a map with nothing positive."""
    f = _unanswered(fn, "your function's name", "keep the positive part, np.maximum(saliency, 0); then its sum "
                                                "inside the mask over its total sum")
    if f is not None:
        return f
    rng = np.random.default_rng(7)
    saliency = rng.normal(size=(6, 5))
    mask = np.zeros((6, 5), bool)
    mask[1:4, 2:5] = True
    cases = [(saliency, mask, "a signed map"), (np.abs(saliency), mask, "a positive map"),
             (-np.abs(saliency), mask, "a map with nothing positive")]
    for s, m, what in cases:
        out, f = _call(fn, s.copy(), m.copy())
        if f is not None:
            return f
        try:
            got = float(_numpy(out).reshape(-1)[0])
        except (TypeError, ValueError, IndexError):
            return _wrong(f"your function returned {out!r:.60}, not a number.")
        pos = np.maximum(s, 0)
        want = float(pos[m].sum() / pos.sum()) if pos.sum() > 0 else 0.0
        if not np.isfinite(got):
            return _wrong(f"{what}: your share is {got}.", "a map with no positive value has no energy: return 0.")
        if abs(got - want) > 1e-9:
            if what == "a signed map" and abs(got - float(s[m].sum() / s.sum())) < 1e-9:
                return _wrong("a signed map: negative values cancel positive ones in your sums.",
                              "count only the positive part: np.maximum(saliency, 0).")
            return _wrong(f"{what}: expected {want:.4f}, got {got:.4f}.", "inside / total, of the positive part.")
    return _right("signed, positive and all-negative maps all scored right.")


def _deletion_by_hand(predict: Callable, image: np.ndarray, saliency: np.ndarray, empty: np.ndarray,
                      steps: int) -> np.ndarray:
    flat = np.argsort(-saliency.ravel(), kind="stable")
    out = []
    for k in range(steps + 1):
        count = int(round(k * saliency.size / steps))
        gone = np.zeros(saliency.size, bool)
        gone[flat[:count]] = True
        out.append(float(np.asarray(predict(np.where(gone.reshape(saliency.shape)[..., None], empty,
                                                     image)[None]))[0]))
    return np.array(out)


@_never_raises
def check_deletion_curve(fn: Callable[..., Any]) -> Feedback:
    """Exercise 07.2: ``fn(predict, image, saliency, empty, steps)`` -> the deletion curve of one image: the
    ``steps + 1`` outputs of ``predict`` (images ``(N, H, W, 3)`` -> ``(N,)``) as ``round(k * H * W / steps)``
    pixels, the most salient first, take their values from ``empty``, for ``k = 0 .. steps``."""
    f = _unanswered(fn, "your function's name", "order the pixels with np.argsort(-saliency.ravel()), then for "
                                                "each k replace the first round(k * H * W / steps) of them")
    if f is not None:
        return f
    rng = np.random.default_rng(8)
    weights = rng.uniform(0, 1, (5, 6, 3))
    predict = lambda images: (np.asarray(images) * weights).sum(axis=(1, 2, 3))     # noqa: E731
    image = rng.uniform(0.2, 1.0, (5, 6, 3))
    empty = np.full((5, 6, 3), 0.1)
    saliency = rng.normal(size=(5, 6))
    for steps in (3, 6):
        out, f = _call(fn, predict, image.copy(), saliency.copy(), empty.copy(), steps)
        if f is not None:
            return f
        got = _numpy(out).reshape(-1)
        want = _deletion_by_hand(predict, image, saliency, empty, steps)
        if got.shape != want.shape:
            return _wrong(f"with steps = {steps} the curve has {want.size} points (k = 0 .. steps); yours "
                          f"has {got.size}.", "include the intact image (k = 0) and the fully deleted one.")
        if not np.allclose(got, want, atol=1e-6):
            backwards = _deletion_by_hand(predict, image, -saliency, empty, steps)
            if np.allclose(got, backwards, atol=1e-6):
                return _wrong("you delete the least salient pixels first.", "sort by -saliency: largest first.")
            k = int(np.flatnonzero(~np.isclose(got, want, atol=1e-6))[0])
            return _wrong(f"with steps = {steps}, point {k} is {got[k]:.4f}, expected {want[k]:.4f}.",
                          "point k replaces round(k * H * W / steps) pixels, taking their values from empty.")
    return _right("the curve matches for 3 and 6 steps: most salient pixels first, the intact image at k = 0.")


#: Exercise 07.1: the cascade's steps, top first, and which of Grad-CAM's two ingredients at ``block4_conv1`` each
#: step has changed (cumulatively): the feature maps A change once block 4 itself (or a layer below it) is random;
#: the channel weights (the head's gradient) change from the first step on, and stay changed.
CASCADE_STEPS = ("logits", "dense", "block4_conv1", "block3_conv1", "block2_conv1", "block1_conv1")
_FEATURES_CHANGED = (False, False, True, True, True, True)
_WEIGHTS_CHANGED = (True, True, True, True, True, True)


def _six_booleans(answer: Any, name: str) -> tuple[bool, ...] | Feedback:
    f = _unanswered(answer, f"a list of six True/False for `{name}`", "one per step: logits, dense, block4_conv1, "
                    "block3_conv1, block2_conv1, block1_conv1")
    if f is not None:
        return f
    if isinstance(answer, (str, bytes, dict)) or not hasattr(answer, "__len__"):
        return _wrong(f"`{name}` should be a list of six True/False, got {type(answer).__name__} {answer!r:.40}.",
                      "e.g. [True, False, False, False, False, False]")
    values = list(np.asarray(answer, dtype=object).ravel()) if hasattr(answer, "shape") else list(answer)
    if len(values) != len(CASCADE_STEPS):
        return _wrong(f"`{name}` has {len(values)} entries; the cascade has {len(CASCADE_STEPS)} steps.",
                      "one True/False per step: " + ", ".join(CASCADE_STEPS) + ".")
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, np.integer)) and v in (0, 1)):
            out.append(bool(v))
        else:
            return _wrong(f"`{name}` should hold only True/False (or 1/0), got {v!r:.30}.",
                          "write True where the ingredient differs from the trained model's, False where not.")
    return tuple(out)


@_never_raises
def check_cam_ingredients(features_changed: Any, weights_changed: Any) -> Feedback:
    """Exercise 07.1: predict, for each step of the cascading randomisation (:data:`CASCADE_STEPS`, cumulative from
    the top), whether Grad-CAM's feature maps at ``block4_conv1`` and its channel weights differ from the trained
    model's. The hints name the mistakes students make: the top layers changing the features (the direction of the
    network), block 4's own randomisation leaving its output alone (off by one), the weights recovering once lower
    layers are randomised (forgetting that the cascade accumulates)."""
    a = _six_booleans(features_changed, "features_changed")
    if isinstance(a, Feedback):
        return a
    b = _six_booleans(weights_changed, "weights_changed")
    if isinstance(b, Feedback):
        return b
    problems, hints = [], []
    if a != _FEATURES_CHANGED:
        if a[0] or a[1]:
            problems.append("the features change already when logits or dense is randomised")
            hints.append("the logits and dense layers come after block 4: they cannot change what block 4 outputs")
        if a[2:] != _FEATURES_CHANGED[2:]:
            if not a[2] and all(a[3:]):
                problems.append("block 4's own randomisation leaves its features unchanged")
                hints.append("A is block4_conv1's output: new weights in block4_conv1 give a new A (an off-by-one)")
            else:
                problems.append("the features are said unchanged at a step below block 4")
                hints.append("the cascade accumulates: once block 4 is random, every later step keeps it random")
    if b != _WEIGHTS_CHANGED:
        if not b[0]:
            problems.append("the weights are said unchanged when only the logits are random")
            hints.append("the weights are d score / d A: the logits layer is the last factor of that gradient")
        else:
            problems.append("the weights are said to return to the trained ones at a later step")
            hints.append("randomised layers stay randomised down the cascade: the head never comes back")
    if not problems:
        return _right("the features change from block 4 down; the weights from the first step on. In the "
                      "'logits random' column the trained model's block-4 features are read by a random head.")
    return _wrong("; ".join(problems) + ".", "; ".join(hints) + ".")