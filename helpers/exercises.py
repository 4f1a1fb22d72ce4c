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
           "check_closest_filter", "check_iou_values", "check_cell_anchor", "check_nms", "check_average_precision",
           "check_energy_in_mask",
           "check_deletion_curve", "check_cam_ingredients", "CASCADE_STEPS", "check_rank_correlation"]


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
        except SystemExit:        # an answer whose reading calls sys.exit (e.g. a property that exits)
            return _wrong("reading this answer called sys.exit (SystemExit), which would stop the notebook.",
                          "give a plain value (a number, an array) or a function that returns one.")
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
    """The answer as a float array of the expected shape, or the feedback saying why it is not one (read strictly:
    text is not a number, and an extra value is not ignored)."""
    exactly = "give one number, nothing with it." if shape == () else f"give exactly {what}: no more, no fewer."
    try:
        if isinstance(answer, (str, bytes)) or np.asarray(answer).dtype.kind in "USV":
            raise TypeError("text")
        a = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return _wrong(f"expected {what}, got {type(answer).__name__} {answer!r:.60}.",
                      f"{exactly[0].upper()}{exactly[1:]} Numbers, not text.")
    if shape is not None and a.shape != shape:
        return _wrong(f"expected {what} (shape {shape}), got shape {a.shape}.", exactly)
    if not np.isfinite(a).all():
        return _wrong(f"your {what} contains NaN or infinity.", "every entry should be a number you worked out.")
    return a


def _call(fn: Any, *args: Any) -> tuple[Any, Feedback | None]:
    """Run a student's function; a crash becomes feedback instead of a traceback."""
    if not callable(fn):
        return None, _wrong(f"expected a function, got {type(fn).__name__}: define it with `def` and pass its "
                            "name (without calling it).")
    try:
        with np.errstate(all="ignore"):
            result = fn(*args)
    except SystemExit as exc:  # sys.exit() / exit() in student code: feedback, and the notebook keeps running
        return None, _wrong(f"your function called sys.exit ({exc.code!r:.40}) instead of returning a value.",
                            "end it with `return ...`; sys.exit() and exit() stop the whole program.")
    except Exception as exc:  # noqa: BLE001 -- any error in student code becomes feedback
        return None, _wrong(f"your function raised {type(exc).__name__}: {exc}".rstrip(": "),
                            "run it on a small example in a cell of its own to see where it breaks.")
    if result is None:
        return None, _wrong("your function returns nothing (None) yet.", "finish it with `return ...`.")
    return result, None


def _numpy(x: Any) -> np.ndarray:
    """A student's result as NumPy (it may be a TensorFlow tensor or a Keras ``ops`` result); text is not a number
    (``"0.5"`` is refused, not read as 0.5)."""
    if hasattr(x, "numpy"):
        x = x.numpy()
    if isinstance(x, (str, bytes)) or np.asarray(x).dtype.kind in "USV":
        raise TypeError(f"text, not numbers: {x!r:.40}")
    return np.asarray(x, dtype=np.float64)


def _one_number(out: Any, what: str, hint: str) -> float | Feedback:
    """A student's function's result as one number, read strictly: ``[iou, 99]`` (an extra value) or text is "not
    yet", never read as its first value."""
    try:
        arr = _numpy(out)
    except (TypeError, ValueError):
        return _wrong(f"your function returned {out!r:.60}, not a number.", hint)
    if arr.size != 1:
        return _wrong(f"your function returned {arr.size} numbers (shape {arr.shape}); {what} is one number.",
                      hint + " Return only that number, nothing with it.")
    return float(arr.reshape(-1)[0])


def _distinct(*values: float, digits: int = 3, percent: bool = False) -> list[str]:
    """The numbers as text with the fewest decimals (at least ``digits``) that tell different values apart: an
    answer 0.37171 next to the expected 0.37166 is never shown as "expected 0.3717, got 0.3717"."""
    vals = [float(v) * (100 if percent else 1) for v in values]
    unit = "%" if percent else ""
    for d in range(digits, 13):
        texts = [f"{v:.{d}f}{unit}" for v in vals]
        if all(texts[i] != texts[j] for i in range(len(vals)) for j in range(i) if vals[i] != vals[j]):
            return texts
    return [f"{v!r}{unit}" for v in vals]


def _close(got: np.ndarray, candidate: Any, atol: float = 1e-6, rtol: float = 1e-5) -> bool:
    """``got`` equals ``candidate`` (same shape, to float32 precision); False for anything it cannot compare."""
    try:
        c = np.asarray(candidate, np.float64)
        return got.shape == c.shape and bool(np.allclose(got, c, atol=atol, rtol=rtol))
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------------------------------------------
# 00 · the course's data and model
# ------------------------------------------------------------------------------------------

@_never_raises
def check_box_corners(answer: Any, box: Sequence[float], size: int = 64, tol: float = 1.0) -> Feedback:
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
        Allowed error in pixels: rounding or truncating to whole pixels is fine.
    """
    f = _unanswered(answer, "four numbers (x0, y0, x1, y1)",
                    "(bx, by) is the centre: the left edge is bx - bw/2, in pixels times the image size.")
    if f is not None:
        return f
    a = _as_array(answer, (4,), "four numbers (x0, y0, x1, y1)")
    if isinstance(a, Feedback):
        return a
    bx, by, bh, bw = (float(v) for v in box)
    x0, y0, x1, y1 = truth = np.array([bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2]) * size
    if np.abs(a - truth).max() <= tol:
        return _right("those are the box's corners.")
    if np.abs(a * size - truth).max() <= tol:
        return _wrong("these are fractions of the image.", f"multiply by the image size ({size} px).")
    mistakes = [
        (np.array([bx, by, bx + bw, by + bh]) * size, "you used (bx, by) as the top-left corner.",
         "on the slides (bx, by) is the box's centre."),
        (np.array([x0, y0, bw * size, bh * size]), "the last two numbers are the box's width and height, not its "
         "right and bottom edges.", "x1 is where the right edge is, y1 where the bottom edge is."),
        (np.array([bx - bh / 2, by - bw / 2, bx + bh / 2, by + bw / 2]) * size, "height and width are swapped.",
         "bh is the height (along y), bw the width (along x)."),
        (np.array([y0, x0, y1, x1]), "x and y are swapped.",
         "the order asked for is (x0, y0, x1, y1): left, top, right, bottom."),
        (np.array([x0, x1, y0, y1]), "the numbers are in the order (x0, x1, y0, y1).",
         "the order asked for is (x0, y0, x1, y1): left, top, right, bottom."),
        (np.array([bx - bw, by - bh, bx + bw, by + bh]) * size, "the box is twice as large as it should be: each "
         "edge is a whole width (or height) away from the centre.", "bh and bw are the box's full height and width."),
    ]
    for candidate, message, hint in mistakes:
        if np.abs(a - candidate).max() <= tol:
            return _wrong(message, hint)
    return _wrong("not the box's corners.", "(bx, by) is the centre and bh, bw the whole height and width, as "
                                            "fractions of the image: each edge is half a side from the centre; "
                                            "then convert to pixels.")


#: A confusion matrix of the check's own for exercise 00.2: its row sums differ from its column sums, so that
#: precision (per column) cannot pass for recall (per row); every class has scenes and predictions.
_OWN_CONFUSION = np.array([[50, 3, 2, 5], [4, 30, 6, 0], [1, 2, 20, 7], [0, 8, 1, 11]])


def _class_accuracy_verdict(a: np.ndarray, cm: np.ndarray, tol: float, where: str) -> Feedback | None:
    """None when ``a`` is each true class's accuracy (recall) of ``cm``, else what is wrong."""
    cm = np.asarray(cm, np.float64)
    rows, cols, diag = cm.sum(axis=1), cm.sum(axis=0), np.diag(cm)
    recall = np.divide(diag, rows, out=np.zeros_like(rows), where=rows > 0)
    if np.abs(a - recall).max() <= tol:
        return None
    precision = np.divide(diag, cols, out=np.zeros_like(cols), where=cols > 0)
    mistakes = [
        (precision, "you divided by the column sums: that is the precision of each *predicted* class.",
         "rows are the true class: divide by each row's total."),
        (100 * recall, "these are percentages.", "give fractions between 0 and 1."),
        (diag / cm.sum(), "you divided by the number of all scenes: that is each class's share of all the scenes, "
                          "not its accuracy.", "divide by the number of scenes of that class: its row's total."),
        (np.full(len(cm), np.trace(cm) / cm.sum()), "that is the overall accuracy, the same for every class.",
         "each class has its own: take that class's row."),
        (1 - recall, "that is each class's error rate (wrong / all).", "count the right ones: the diagonal."),
        (np.floor(recall + 1e-12), "these are whole numbers: integer division (//) rounds every accuracy down.",
         "divide with /, not //."),
    ]
    for candidate, message, hint in mistakes:
        if np.abs(a - candidate).max() <= tol and np.abs(candidate - recall).max() > tol:
            return _wrong(f"{where}: {message}", hint)
    shown = ", ".join(_distinct(*a)[:len(a)])
    return _wrong(f"{where}: not the per-class accuracy (you gave {shown}).",
                  "for each true class (a row): how many of its scenes were predicted right, out of all its scenes.")


@_never_raises
def check_class_accuracy(answer: Any, confusion: np.ndarray, tol: float = 1e-3) -> Feedback:
    """Exercise 00.2: each true class's accuracy (recall) from a confusion matrix (rows = truth).

    Parameters
    ----------
    answer : function, or sequence of floats
        The student's ``per_class_accuracy(cm)``, tried on ``confusion`` and on a matrix of the check's own
        whose row and column sums differ (numbers alone cannot tell recall from precision when a matrix's row
        sums equal its column sums, as the course model's nearly do); or one accuracy per class of
        ``confusion``, accepted only when that matrix tells them apart.
    confusion : (C, C) array
        Counts, rows the true class, columns the predicted one.
    """
    f = _unanswered(answer, "your function's name",
                    "rows are the true class: of all the scenes in a row, the share on the diagonal.")
    if f is not None:
        return f
    cm = np.asarray(confusion, np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise CheckSetupError(f"confusion must be a square matrix, got shape {cm.shape}")
    c = cm.shape[0]
    if callable(answer):
        ones = np.ones((c, c), np.int64)
        own = _OWN_CONFUSION if c == len(_OWN_CONFUSION) else 20 * np.eye(c, dtype=np.int64) + 3 * np.triu(ones, 1) \
            + np.tril(ones, -1)
        cases = [(own, "on a test matrix whose rows and columns add up differently"), (cm, "on the notebook's matrix")]
        for matrix, where in cases:
            out, f = _call(answer, matrix.astype(np.asarray(confusion).dtype))     # as the notebook's: counts
            if f is not None:
                return f
            try:
                got = _numpy(out)
            except (TypeError, ValueError):
                return _wrong(f"your function returned {type(out).__name__} {out!r:.60}, not numbers.")
            if got.shape != (len(matrix),):
                return _wrong(f"{where}: expected {len(matrix)} accuracies, one per class (shape ({len(matrix)},)), "
                              f"got shape {got.shape}.", "one number per true class, in the matrix's order.")
            if not np.isfinite(got).all():
                return _wrong(f"{where}: your accuracies contain NaN or infinity.")
            verdict = _class_accuracy_verdict(got, matrix, tol, where)
            if verdict is not None:
                return verdict
        values = ", ".join(f"{v:.3f}" for v in got)
        return _right(f"right / all, row by row: the accuracy of each true class ({values}).")
    a = _as_array(answer, (c,), f"{c} accuracies, one per class")
    if isinstance(a, Feedback):
        return a
    verdict = _class_accuracy_verdict(a, cm, tol, "these numbers")
    if verdict is not None:
        return verdict
    rows, cols = cm.sum(axis=1), cm.sum(axis=0)
    if np.abs(np.diag(cm) / np.where(cols > 0, cols, 1) - np.diag(cm) / np.where(rows > 0, rows, 1)).max() <= tol:
        return _wrong("on this matrix dividing by the row sums and by the column sums give the same numbers, so "
                      "numbers alone cannot show which you did.", "write it as a function of the matrix, "
                      "def per_class_accuracy(cm): ..., and pass the function (without calling it).")
    return _right("right / all, row by row: the accuracy of each true class.")


# ------------------------------------------------------------------------------------------
# 01 · intermediate activations
# ------------------------------------------------------------------------------------------

@_never_raises
def check_scale(fn: Callable[[np.ndarray], Any]) -> Feedback:
    """Exercise 01.1: ``fn(images)`` turns uint8 images (0-255) into what the model was trained on:
    float32 in [0, 1] (pixels divided by 255), same shape. The test batch holds neither 0 nor 255 and its images
    differ in brightness, so that dividing by the batch's (or an image's) own maximum, or stretching its range,
    cannot pass for the fixed scale."""
    f = _unanswered(fn, "your function's name", "what range did the model see in training? Scale to it, in float32.")
    if f is not None:
        return f
    images = np.random.default_rng(0).integers(20, 231, size=(2, 5, 7, 3), dtype=np.uint8)
    images[1] = images[1] // 2 + 10                     # a darker second image
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
    if not np.isfinite(got).all():
        return _wrong("the result contains NaN or infinity.")
    x = images.astype(np.float64)
    want = x / 255
    if _close(got, want):
        if np.asarray(out).dtype != np.float32:
            return _wrong(f"right values, but dtype {np.asarray(out).dtype}.", "Keras models expect float32.")
        return _right("pixels in [0, 1], float32, as in training.")
    per_image = (1, 2, 3)
    low, high = x.min(axis=per_image, keepdims=True), x.max(axis=per_image, keepdims=True)
    stretch = "the model was trained on the fixed scale 0-255 → 0-1, whatever an image's own range."
    mistakes = [
        (x / 256, "divided by 256: white becomes 0.996.", "the largest uint8 value is 255."),
        (x / 127.5 - 1, "that is [-1, 1] scaling (some ImageNet models use it); this model was trained on [0, 1].",
         "no shift: scale only."),
        (x / x.max(), f"you divided by the batch's brightest value ({x.max():.0f}), not by 255: a darker batch "
                      "would come out brighter than in training.", stretch),
        (x / high, "you divided each image by its own brightest value: a dark image comes out as bright as a "
                   "light one.", stretch),
        ((x - x.min()) / (x.max() - x.min()), "you stretched the batch's range to [0, 1] (min-max): its darkest "
                                              "pixel became 0 and its brightest 1.", stretch),
        ((x - low) / (high - low), "you stretched each image's range to [0, 1] (min-max).", stretch),
        ((x - x.mean()) / x.std(), "you standardised (mean 0, standard deviation 1).", stretch),
        (1 - want, "the images are inverted: 0 became 1 and 255 would become 0.", "scale; don't flip."),
        (want[..., ::-1], "the channels are reversed (RGB became BGR).", "keep the channel order."),
    ]
    for candidate, message, hint in mistakes:
        if _close(got, candidate):
            return _wrong(message, hint)
    k = np.unravel_index(int(np.abs(got - want).argmax()), got.shape)
    return _wrong(f"pixel value {images[k]} became {_distinct(got[k], want[k], digits=4)[0]}: not the scale the model "
                  "was trained on.", "the model was trained on uint8 pixels mapped onto [0, 1] with a fixed scale.")


@_never_raises
def check_best_channel(answer: Any, tuning: np.ndarray, names: Sequence[str], feature: str) -> Feedback:
    """Exercise 01.2: which channel correlates most with the map called ``feature``?

    Parameters
    ----------
    answer : int
        The student's channel number (counted from 0); any channel tied for the largest correlation is right.
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
    j = list(names).index(feature)
    column = t[:, j]
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return _wrong(f"expected a channel number (an int), got {answer!r:.60}.",
                      "a channel number is a whole number written without a decimal point, e.g. 3.")
    ans = int(answer)
    best = int(column.argmax())
    if not 0 <= ans < len(column):
        if ans == int(t.argmax()):
            return _wrong(f"there are channels 0 to {len(column) - 1}, not {ans}: {ans} is a position in the whole "
                          "flattened table (argmax without an axis).", f"look only at the '{feature}' column.")
        if ans == best + 1:
            return _wrong(f"there are channels 0 to {len(column) - 1}, not {ans}: channels are counted from 0.")
        return _wrong(f"there are channels 0 to {len(column) - 1}, not {ans}.")
    r = column[ans]
    if r >= column[best] - 1e-12:
        return _right(f"that is the best '{feature}' detector (r = {column[best]:+.2f}).")
    r_text = _distinct(r, column[best], digits=2)[0]
    if r < 0:
        return _wrong(f"channel {ans} is *anti*-correlated with '{feature}' (r = {r_text}).",
                      "look for the largest positive correlation, not the largest absolute value.")
    if ans == best + 1:
        return _wrong(f"channel {ans} is the one after the best: channels are counted from 0.")
    message = f"channel {ans} responds to '{feature}' (r = {r_text}), but another channel more"
    for k, name in enumerate(names):
        if k != j and t[ans, k] >= t[:, k].max() - 1e-12:
            return _wrong(f"{message}; channel {ans} is the best '{name}' detector: did you read the '{name}' "
                          "column?", f"read the '{feature}' column.")
    if ans == int(t[min(j, len(t) - 1)].argmax()):
        return _wrong(f"{message}; rows are channels, columns are maps: did you read a row?",
                      f"read down the '{feature}' column.")
    return _wrong(f"{message}.", f"compare the whole '{feature}' column, every channel.")


# ------------------------------------------------------------------------------------------
# 02 · filter patterns
# ------------------------------------------------------------------------------------------

@_never_raises
def check_rms_normalize(fn: Callable[[np.ndarray], Any]) -> Feedback:
    """Exercise 02.1: ``fn(grads)`` divides a gradient by its root-mean-square plus 1e-5 (the slides'
    normalisation trick); an all-zero gradient must stay zero, not become NaN.

    Tried on a gradient whose mean is not zero (so the standard deviation cannot pass for the RMS), one so small
    that its RMS is 1e-5 (so the epsilon's place shows: without it, or inside the square root, the result
    differs by far more than float32 rounding) and one of zeros."""
    f = _unanswered(fn, "your function's name", "divide by the root-mean-square of all its values, plus 1e-5")
    if f is not None:
        return f
    g = np.random.default_rng(1).normal(0.004, 0.01, size=(1, 6, 7, 3)).astype(np.float32)
    tiny = (g / np.sqrt(np.mean(g.astype(np.float64) ** 2)) * 1e-5).astype(np.float32)
    eps = 1e-5
    rms = lambda x: np.sqrt(np.mean(x ** 2))                                        # noqa: E731
    for grads, what in ((g, "a gradient"), (tiny, "a tiny gradient (RMS 1e-5)")):
        out, f = _call(fn, grads.copy())
        if f is not None:
            return f
        try:
            got = _numpy(out)
        except (TypeError, ValueError):
            return _wrong(f"your function returned {type(out).__name__}, not an array.")
        if got.shape != grads.shape:
            return _wrong(f"the shape changed from {grads.shape} to {got.shape}.",
                          "normalise; don't reduce or reshape.")
        x = grads.astype(np.float64)
        if _close(got, x / (rms(x) + eps), atol=1e-7, rtol=1e-4):
            continue
        mistakes = [
            (x / rms(x) if rms(x) > 0 else x, "you left out the + 1e-5: it changes the step when the gradient is "
                                              "tiny, and without it a zero gradient becomes NaN (0 / 0).",
             "add 1e-5 to the RMS before dividing."),
            (x / np.sqrt(np.mean(x ** 2) + eps), "the 1e-5 is inside the square root: you divide by "
                                                  "sqrt(mean square + 1e-5), not by RMS + 1e-5.",
             "take the square root first, then add 1e-5."),
            (x / (np.mean(x ** 2) + eps), "you divided by the mean square, not its square root.",
             "the RMS is the square root of the mean of the squares."),
            (x / (np.abs(x).mean() + eps), "that is the mean absolute value, not the root-mean-square.",
             "square, average, then take the square root."),
            (x / (np.linalg.norm(x) + eps), "that divides by the L2 norm (which grows with the image size), not the "
                                            "RMS.", "take the mean of the squares, not their sum."),
            (x / (x.std() + eps), "you divided by the standard deviation: it subtracts the mean first; the RMS "
                                  "does not.", "the root of the mean of the squares, around 0, not around the mean."),
            (x / (np.abs(x).max() + eps), "you divided by the largest absolute value, not the RMS.",
             "every value counts in the RMS: the root of the mean of the squares."),
            (x / (np.sqrt(np.mean(x ** 2, axis=(0, 1, 2), keepdims=True)) + eps),
             "you normalised each channel by its own RMS; the trick divides the whole gradient by one number.",
             "one RMS over all the values."),
        ]
        for candidate, message, hint in mistakes:
            if _close(got, candidate, atol=1e-7, rtol=1e-4):
                return _wrong(f"{what}: {message}", hint)
        should, yours = _distinct(rms(x) / (rms(x) + eps), rms(got))
        return _wrong(f"{what}: after normalising, the RMS should be {should}; yours is {yours}.",
                      "one number for the whole gradient: its root-mean-square, plus 1e-5.")
    zero, f = _call(fn, np.zeros_like(g))
    if f is not None:
        return f
    z = _numpy(zero)
    if not np.isfinite(z).all():
        return _wrong("an all-zero gradient (a dead filter) becomes NaN.", "add the 1e-5 *outside* the square root "
                                                                           "so you never divide by zero.")
    if z.shape != g.shape or np.abs(z).max() > 0:
        return _wrong("an all-zero gradient should stay all zero, the same shape.")
    return _right("every step now has the same size, whatever the gradient's scale.")


@_never_raises
def check_dead_filters(answer: Any, dead: np.ndarray) -> Feedback:
    """Exercise 02.2: the indices of the dead filters (``FilterPatterns.dead``) of one layer, as a list, array,
    tuple or set of filter numbers (counted from 0)."""
    f = _unanswered(answer, "a list of filter numbers",
                    "the crossed-out squares of section 3's grid, or the True entries of the result's .dead")
    if f is not None:
        return f
    mask = np.asarray(dead, bool).ravel()
    if isinstance(answer, (str, bytes, dict)):
        return _wrong(f"expected filter numbers, got {answer!r:.60}.")
    values = np.asarray(sorted(answer) if isinstance(answer, (set, frozenset)) else answer, dtype=object)
    flat = values.ravel()
    if len(flat) == mask.size and len(flat) > 0 and all(isinstance(v, (bool, np.bool_)) for v in flat):
        return _wrong("that is the True/False mask of all the filters, not the numbers of the dead ones.",
                      "list the positions of the True entries.")
    try:
        numbers = [float(v) for v in flat]
    except (TypeError, ValueError):
        return _wrong(f"expected filter numbers, got {answer!r:.60}.")
    if any(not np.isfinite(v) or v != int(v) for v in numbers):
        return _wrong(f"filter numbers are whole numbers, got {answer!r:.60}.",
                      "list the dead filters' numbers, e.g. [3, 17]: positions counted from 0.")
    given = {int(v) for v in numbers}
    truth = {int(v) for v in np.flatnonzero(mask)}
    if given == truth:
        return _right(f"all {len(truth)} dead filters, and no live one.")
    if values.ndim == 0 and int(numbers[0]) == len(truth) and len(truth) != 1:
        return _wrong(f"{int(numbers[0])} is how many filters are dead; the exercise asks which.",
                      "list their numbers.")
    if truth and given == {k + 1 for k in truth}:
        return _wrong("these are counted from 1; filter numbers start at 0.", "subtract 1 from each.")
    live = set(range(mask.size)) - truth
    if given == live and live:
        return _wrong("these are the live filters, not the dead ones.", "a dead filter's .dead entry is True.")
    if any(k < 0 or k >= mask.size for k in given):
        return _wrong(f"this layer has filters 0 to {mask.size - 1}.")
    missing, extra = sorted(truth - given), sorted(given - truth)
    parts = ([f"missing {missing[:8]}{' …' if len(missing) > 8 else ''}"] if missing else []) + \
            ([f"not dead: {extra[:8]}{' …' if len(extra) > 8 else ''}"] if extra else [])
    return _wrong("; ".join(parts) + ".", "a filter is dead when gradient ascent could not raise its activation "
                                          "above zero: use the result's .dead mask.")


def _filter_row(answer: Any, channels: Sequence[int], hint: str, good: np.ndarray | None = None) -> int | Feedback:
    """The row of filter number ``answer`` among a block's live ``channels``, or the feedback saying why not;
    ``good`` (one bool per row) names the mistake of giving a row's position instead of its filter number."""
    f = _unanswered(answer, "a filter number", hint)
    if f is not None:
        return f
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return _wrong(f"expected one filter number (an int), got {type(answer).__name__} {answer!r:.40}.",
                      "a filter number is a whole number written without a decimal point, e.g. 37.")
    channels = [int(c) for c in channels]
    if int(answer) not in channels:
        position = _position_mistake(int(answer), channels, good)
        if position is not None:
            return position
        return _wrong(f"filter {answer} is not one of this block's live filters.",
                      "the atlas lists filter numbers as they are in the layer; dead filters have no examples.")
    return channels.index(int(answer))


def _position_mistake(answer: int, channels: list[int], good: np.ndarray | None) -> Feedback | None:
    """The feedback for a row position given where a filter number belongs, if ``answer`` is a good row's
    position (and not that row's filter number)."""
    if good is not None and 0 <= answer < len(channels) and good[answer] and channels[answer] != answer:
        return _wrong(f"{answer} is a position in the table's rows, not a filter number: the rows are the block's "
                      "live filters in order, and their numbers are in channels.",
                      "look the filter's number up in channels at that position.")
    return None


def _shares_table(shares: dict) -> np.ndarray:
    return np.asarray(shares["parts"], np.float64)


@_never_raises
def check_part_filter(answer: Any, shares: dict, channels: Sequence[int], part: str,
                      threshold: float = 0.5) -> Feedback:
    """Exercise 02.3: a filter of one block with at least ``threshold`` of its strongest activations on ``part``
    (e.g. ``"motorcycle wheels"``), judged by the scenes' ground truth (``atlas.ground_truth_shares``)."""
    if not isinstance(shares, dict) or part not in shares.get("labels", []):
        raise CheckSetupError(f"part must be one of shares['labels'], got {part!r}")
    table = _shares_table(shares)
    column = table[:, shares["labels"].index(part)]
    good = column >= threshold
    row = _filter_row(answer, channels, "sort the filters by their share on the part", good)
    if isinstance(row, Feedback):
        return row
    share = float(column[row])
    if good[row]:
        return _right(f"filter {answer}: {_distinct(share, digits=0, percent=True)[0]} of its strongest "
                      f"activations fall on {part}.")
    position = _position_mistake(int(answer), [int(c) for c in channels], good)
    if position is not None:
        return position
    share_text, threshold_text = _distinct(share, threshold, digits=0, percent=True)
    top = shares["labels"][int(np.argmax(table[row]))]
    if top != part and table[row].max() >= threshold:
        return _wrong(f"filter {answer} has only {share_text} of its strongest activations on {part}: it is a "
                      f"detector of {top}.", f"read the '{part}' column.")
    return _wrong(f"filter {answer} has only {share_text} of its strongest activations on {part} (most on {top}); "
                  f"the exercise asks for at least {threshold_text}.",
                  f"compare the filters' shares on {part}: the largest is the best candidate.")


@_never_raises
def check_closest_filter(answer: Any, shares: dict, channels: Sequence[int], parts: Sequence[str]) -> Feedback:
    """Exercise 02.4: the filter of one block with the largest share of its strongest activations on ``parts``
    together (e.g. ``["car wheels", "motorcycle wheels"]``), judged by the scenes' ground truth
    (``atlas.ground_truth_shares``). Right also says whether that share reaches half: the closest filter need
    not be a detector."""
    if not isinstance(shares, dict) or isinstance(parts, str) or not parts or \
            any(p not in shares.get("labels", []) for p in parts):
        raise CheckSetupError(f"parts must be a list of shares['labels'], got {parts!r}")
    table = _shares_table(shares)
    columns = table[:, [shares["labels"].index(p) for p in parts]]
    on = columns.sum(axis=1)
    good = on >= on.max() - 1e-9
    row = _filter_row(answer, channels, "add up the filter's shares on the parts, then take the largest", good)
    if isinstance(row, Feedback):
        return row
    share, best = float(on[row]), float(on.max())
    what = " and ".join(parts)
    if not good[row]:
        position = _position_mistake(int(answer), [int(c) for c in channels], good)
        if position is not None:
            return position
        share_text, best_text = _distinct(share, best, digits=0, percent=True)
        message = (f"filter {answer} has {share_text} of its strongest activations on {what}; another filter of "
                   f"this block has {best_text}.")
        if len(parts) > 1:
            for k, p in enumerate(parts):
                if columns[row, k] >= columns[:, k].max() - 1e-9:
                    return _wrong(f"{message} Filter {answer} is the best on {p} alone.",
                                  f"add the shares of all the parts asked for: {what}.")
            if columns[row].max() >= columns.max(axis=1).max() - 1e-9:
                return _wrong(f"{message} You compared each filter's best single part.",
                              "add the parts' shares: a filter's share on the parts together is their sum.")
        return _wrong(message, "add up each filter's shares on the parts, then compare the filters.")
    verdict = ("at least half: by this measure, a detector of them" if share >= 0.5 else
               "less than half, and no filter of this block does better: by this measure (where its strongest "
               "windows are centred) none of them is a detector of these parts")
    return _right(f"filter {answer}: {_distinct(share, digits=0, percent=True)[0]} of its strongest activations "
                  f"fall on {what}, {verdict}.")


# ------------------------------------------------------------------------------------------
# 03 · class activation heatmaps
# ------------------------------------------------------------------------------------------

@_never_raises
def check_channel_weights(fn: Callable[[np.ndarray], Any]) -> Feedback:
    """Exercise 03.1: ``fn(grads)`` with ``grads`` ``(h, w, channels)`` returns each channel's importance:
    its gradient averaged over the feature map (shape ``(channels,)``). Height, width and channels all differ
    in the test gradient, so an average over the wrong axes shows in the shape."""
    f = _unanswered(fn, "your function's name", "average the gradient over the two spatial axes")
    if f is not None:
        return f
    g = np.random.default_rng(2).normal(size=(4, 5, 3)).astype(np.float32)
    out, f = _call(fn, g.copy())
    if f is not None:
        return f
    try:
        got = _numpy(out)
    except (TypeError, ValueError):
        return _wrong(f"your function returned {type(out).__name__}, not numbers.")
    x = g.astype(np.float64)
    want = x.mean(axis=(0, 1))
    if _close(got, want, atol=1e-5):
        return _right("one weight per channel: how much the class score rises with that channel.")
    if got.shape == (4, 5):
        return _wrong("you averaged over the channels; that gives a map, not one weight per channel.",
                      "average over axes 0 and 1 (height, width).")
    if got.shape in ((5, 3), (4, 3)):
        return _wrong(f"you averaged over only one of the two spatial axes (shape {got.shape}).",
                      "average over height and width both, leaving one number per channel.")
    if got.size == 1:
        return _wrong("that is one number for all the channels together.", "keep the channel axis: average over "
                                                                            "height and width only.")
    if got.shape != want.shape:
        return _wrong(f"expected shape {want.shape} (one number per channel), got {got.shape}.")
    mistakes = [
        (x.sum(axis=(0, 1)), "you summed instead of averaging (the same heatmap after scaling, but not the slides' "
                             "mean).", "divide by the number of positions, or use mean."),
        (x.max(axis=(0, 1)), "you took each channel's largest gradient; the weight is the mean gradient.",
         "every position counts: average."),
        (np.abs(x).mean(axis=(0, 1)), "you averaged absolute values: a channel that lowers the score would count "
                                      "as important for it.", "keep the sign: average the gradient itself."),
        (np.maximum(x, 0).mean(axis=(0, 1)), "you kept only the positive gradients: a negative one means the "
                                             "channel lowers the score, and it counts.",
         "average the gradient itself; the ReLU comes later, on the heatmap."),
        (x.mean(axis=(0, 1)) / np.abs(x.mean(axis=(0, 1))).sum(), "you normalised the weights; the slides use the "
                                                                  "plain mean.", "no normalisation here."),
    ]
    for candidate, message, hint in mistakes:
        if _close(got, candidate, atol=1e-5):
            return _wrong(message, hint)
    return _wrong("not the mean gradient per channel.", "average each channel's gradient over all positions.")


@_never_raises
def check_heatmap(fn: Callable[[np.ndarray, np.ndarray], Any]) -> Feedback:
    """Exercise 03.2: ``fn(features, weights)`` -> the Grad-CAM heatmap: weight each channel, average over
    channels, ReLU, divide by the maximum -- and return zeros, not NaN, when nothing is positive.

    Tried on a map with positive and negative evidence (a missing ReLU, or min-max scaling where ReLU-then-max
    belongs, shows), one with nothing positive (NaN, ReLU after dividing) and one positive everywhere (min-max
    after the ReLU shows); the map is 4 × 5, so a transposed one shows in its shape."""
    f = _unanswered(fn, "your function's name", "weight, average over the channels, keep the positive part, divide "
                                                "by the maximum -- only if it is > 0")
    if f is not None:
        return f
    rng = np.random.default_rng(3)
    feats = rng.uniform(0, 1, size=(4, 5, 3)).astype(np.float32)
    cases = [(np.array([1.0, -0.5, 0.25], np.float32), "a map with evidence for and against the class"),
             (np.array([-1.0, -0.5, -0.25], np.float32), "a map with nothing for the class"),
             (np.array([0.5, 0.25, 1.0], np.float32), "a map with evidence for the class everywhere")]
    for w, what in cases:
        out, f = _call(fn, feats.copy(), w.copy())
        if f is not None:
            return f
        try:
            got = _numpy(out)
        except (TypeError, ValueError):
            return _wrong(f"your function returned {type(out).__name__}, not a map.")
        x = feats.astype(np.float64)
        raw = (x * w).mean(axis=-1)
        relu = np.maximum(raw, 0)
        want = relu / relu.max() if relu.max() > 0 else relu
        if got.shape != want.shape:
            if got.shape == want.shape[::-1]:
                return _wrong(f"your map is transposed: {got.shape}, expected {want.shape} (height, width).",
                              "average over the last axis (the channels) and keep the others as they are.")
            return _wrong(f"expected a {want.shape} map (one value per position), got {got.shape}.",
                          "average over the last axis (the channels).")
        if not np.isfinite(got).all():
            if relu.max() == 0:
                return _wrong("when no position supports the class, your map becomes NaN (0 / 0).",
                              "divide by the maximum only when it is > 0; otherwise return the zeros.")
            return _wrong(f"{what}: your map contains NaN or infinity.")
        if _close(got, want, atol=1e-4):
            continue
        if relu.max() == 0:
            if _close(got, np.maximum(raw / raw.max(), 0), atol=1e-4):
                return _wrong("when nothing supports the class, the map should be all zero; dividing by a negative "
                              "maximum before the ReLU flipped the signs.", "ReLU first, then divide.")
            return _wrong("when nothing supports the class, the map should be all zero.", "ReLU first, then divide.")
        span = lambda h: (h - h.min()) / (h.max() - h.min())                          # noqa: E731
        mistakes = [
            (span(relu), "you stretched the map from its minimum to its maximum (min-max): its weakest position "
                         "became 0 although the class has evidence there.", "after the ReLU divide by the maximum "
                                                                            "only; don't subtract the minimum."),
            (span(raw), "you stretched the map from its minimum to its maximum (min-max): a position with evidence "
                        "against the class is not 0 but above it.", "keep the positive part (ReLU), then divide by "
                                                                     "the maximum."),
            (np.abs(raw) / np.abs(raw).max(), "you took absolute values: evidence against the class now counts "
                                              "for it.", "keep the positive part (ReLU), not the absolute value."),
            (np.maximum(x * w, 0).mean(-1) / np.maximum(x * w, 0).mean(-1).max(), "you applied the ReLU to each "
             "channel before averaging: negative evidence of one channel no longer offsets another's.",
             "weight and average the channels first, then the ReLU."),
            (x.mean(-1) / x.mean(-1).max(), "the channels are not weighted: every channel counts the same.",
             "multiply each channel by its weight before averaging."),
            (relu, "the map is not scaled to a maximum of 1.", "divide by its maximum."),
        ]
        for candidate, message, hint in mistakes:
            if _close(got, candidate, atol=1e-4):
                return _wrong(f"{what}: {message}", hint)
        if got.min() < -1e-6:
            return _wrong(f"{what}: the map has negative values.", "apply the ReLU (np.maximum(h, 0)) before dividing.")
        return _wrong(f"{what}: not the Grad-CAM map.", "mean over channels of features * weights, ReLU, divide "
                                                        "by the max.")
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
        entries = np.ravel(np.asarray(answer, dtype=object))
        size = entries.size
        if size != 8 and not (size == 2 and entries[1] is ...):      # [0, ...]: "the rest is don't care"
            return _wrong(f"expected the 8 entries of a label, got {size}.", "for no object: p_d = 0, then seven "
                          "don't-care entries (any value, e.g. '?'): [0, '?', '?', '?', '?', '?', '?', '?'].")
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
    bx, by, bh, bw = tbox
    corner = np.array([bx - bw / 2, by - bh / 2, bh, bw])
    if np.abs(box - corner).max() <= tol:
        return _wrong("(bx, by) is the box's centre, not its top-left corner.")
    if np.abs(box - np.array([bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2])).max() <= tol:
        return _wrong("those are the box's corners (x0, y0, x1, y1), not its centre and size.", _LABEL_HINT)
    if np.abs(box / 64 - tbox).max() <= tol:
        return _wrong("the box is in pixels.", "give it as fractions of the image (divide by 64).")
    if np.abs(box / 100 - tbox).max() <= tol:
        return _wrong("the box is in percent.", "give it as fractions of the image, between 0 and 1.")
    if np.abs(box - np.array([bx, by, bh / 2, bw / 2])).max() <= tol:
        return _wrong("bh and bw are half the box's height and width.", "bh and bw are the full height and width.")
    return _wrong(f"the box is off by up to {np.abs(box - tbox).max():.2f} of the image.",
                  "read bx, by, bh, bw off the printed box (fractions of the image).")


def _iou_variant(a: Sequence[float], b: Sequence[float], *, swap_hw: bool = False, top_left: bool = False,
                 half: bool = True, clip: str = "both", over: str = "union") -> float:
    """IoU of two boxes ``(bx, by, bh, bw)`` the way a student may have computed it: ``swap_hw`` reads bh as the
    width (for IoU the same as reading bx as the vertical centre); ``top_left`` takes (bx, by) as the top-left corner;
    ``half=False`` puts each edge a whole side from the centre; ``clip`` is where overlaps are clipped at 0
    (``"both"``, ``"x"``, ``"y"``, ``"none"``, ``"product"``); ``over`` the denominator (``"union"``,
    ``"sum"`` of the areas, ``"smaller"`` area, ``"first"`` box's area)."""
    def corners(box: Sequence[float]) -> tuple[float, float, float, float]:
        cx, cy, h, w = (float(v) for v in box)
        if swap_hw:
            h, w = w, h
        k = 1.0 if not half else 0.5
        if top_left:
            return cx, cy, cx + w, cy + h
        return cx - k * w, cy - k * h, cx + k * w, cy + k * h

    ax0, ay0, ax1, ay1 = corners(a)
    bx0, by0, bx1, by1 = corners(b)
    ox, oy = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
    if clip in ("both", "x"):
        ox = max(ox, 0.0)
    if clip in ("both", "y"):
        oy = max(oy, 0.0)
    inter = max(ox * oy, 0.0) if clip == "product" else ox * oy
    area_a, area_b = (ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0)
    den = {"union": area_a + area_b - inter, "sum": area_a + area_b, "smaller": min(area_a, area_b),
           "first": area_a}[over]
    return inter / den if den != 0 else float("nan")


#: The mistakes :func:`check_iou` names, as :func:`_iou_variant` options, with what to say.
_IOU_MISTAKES = (
    ({"clip": "x"}, "the overlap along y can come out negative: only the x overlap is clipped at 0.",
     "clip the overlap at 0 along y too."),
    ({"clip": "y"}, "the overlap along x can come out negative: only the y overlap is clipped at 0.",
     "clip the overlap at 0 along x too."),
    ({"clip": "none"}, "the overlaps are not clipped at 0: boxes apart along one axis give a negative "
                       "intersection, boxes far apart along both a positive one.",
     "clip each side's overlap at 0, along x and along y."),
    ({"clip": "product"}, "you clipped the product of the two overlaps, not each overlap: two boxes apart along "
                          "both axes multiply two negatives into a positive intersection.",
     "clip each side's overlap at 0, along x and along y, before multiplying."),
    ({"over": "sum"}, "the union counts the intersection twice.", "union = area a + area b − intersection."),
    ({"over": "smaller"}, "you divided by the smaller box's area, not by the union.",
     "union = area a + area b − intersection."),
    ({"over": "first"}, "you divided by the first box's area, not by the union: IoU is symmetric.",
     "union = area a + area b − intersection."),
    ({"swap_hw": True}, "height and width are swapped against x and y (bh used across, or bx down: for IoU "
                        "the two are the same mistake).", "bw and bx go across (x), bh and by down (y)."),
    ({"top_left": True}, "you used (bx, by) as the top-left corner.", "(bx, by) is the box's centre."),
    ({"half": False}, "each edge is a whole width (or height) from the centre: the boxes are twice as large.",
     "bh and bw are the full height and width: the edges are half of them from the centre."),
)


@_never_raises
def check_iou(fn: Callable[[Sequence[float], Sequence[float]], Any]) -> Feedback:
    """Exercise 04.2: ``fn(box_a, box_b)`` -> intersection over union of two boxes ``(bx, by, bh, bw)``.

    The test pairs include wide and tall boxes off-centre along both axes (so swapped height and width, or x and
    y, show), boxes apart along x only and along y only (so clipping one axis, or the product, shows) and boxes
    apart along both."""
    f = _unanswered(fn, "your function's name", "turn each box into its corners first; the overlap is "
                                                "max(0, min(right) - max(left)) × the same for y.")
    if f is not None:
        return f

    cases = [((0.5, 0.5, 0.4, 0.4), (0.5, 0.5, 0.4, 0.4), "identical boxes"),
             ((0.3, 0.3, 0.2, 0.2), (0.4, 0.4, 0.2, 0.2), "overlapping boxes"),
             ((0.5, 0.5, 0.6, 0.6), (0.5, 0.5, 0.2, 0.3), "a box inside another"),
             ((0.2, 0.5, 0.2, 0.2), (0.4, 0.5, 0.2, 0.4), "boxes of different shapes"),
             ((0.33, 0.41, 0.22, 0.52), (0.47, 0.52, 0.38, 0.18), "a wide box and a tall one"),
             ((0.2, 0.5, 0.4, 0.2), (0.7, 0.55, 0.4, 0.2), "boxes apart along x only"),
             ((0.5, 0.2, 0.2, 0.4), (0.55, 0.7, 0.2, 0.4), "boxes apart along y only"),
             ((0.2, 0.2, 0.2, 0.2), (0.8, 0.8, 0.2, 0.2), "boxes far apart")]
    answers = []
    for a, b, what in cases:
        out, f = _call(fn, a, b)
        if f is not None:
            return f
        got = _one_number(out, "an IoU", "return intersection / union.")
        if isinstance(got, Feedback):
            return got
        if not np.isfinite(got):
            return _wrong(f"{what}: your IoU is {got}.", "guard the division: the union is > 0 for real boxes.")
        answers.append(got)
    wants = [float(iou(a, b)) for a, b, _ in cases]
    wrong_at = [k for k, (got, want) in enumerate(zip(answers, wants)) if abs(got - want) > 1e-5]
    if not wrong_at:
        return _right("identical, overlapping, nested, mixed shapes and disjoint boxes all correct.")
    k = wrong_at[0]
    (a, b, what), got, want = cases[k], answers[k], wants[k]
    shown_want, shown_got = _distinct(want, got, digits=4)
    for options, message, hint in _IOU_MISTAKES:          # a mistake named only when it explains every answer
        variant = [_iou_variant(a_, b_, **options) for a_, b_, _ in cases]
        if all(abs(g - v) <= 1e-5 for g, v in zip(answers, variant)):
            return _wrong(f"{what} {a} and {b}: expected {shown_want}, got {shown_got}; {message}", hint)
    if got < 0:
        return _wrong(f"{what}: your IoU is negative ({shown_got}).",
                      "clip each side's overlap at 0, along x and along y.")
    if what == "boxes far apart" and got != 0:
        return _wrong(f"boxes far apart should have IoU 0; yours gives {shown_got}.",
                      "clip each overlap side at 0: max(0, min(right) - max(left)).")
    return _wrong(f"{what} {a} and {b}: expected {shown_want}, got {shown_got}.",
                  "(bx, by) is the centre: left = bx - bw/2, top = by - bh/2.")


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
    if isinstance(answer, (tuple, list)) and len(answer) > 2:
        return _wrong(f"expected two things, the class and the box, got {len(answer)}.",
                      f"give (\"{name}\", (bx, by, bh, bw)) and nothing more.")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return _wrong(f"right class; now give the box too: (\"{name}\", (bx, by, bh, bw)).")
    b = _as_array(answer[1], (4,), "the box (bx, by, bh, bw)")
    if isinstance(b, Feedback):
        return b
    want = np.asarray(box, np.float64)
    if np.abs(b - want).max() > 0.01:
        y = np.asarray(y_pred, np.float64).ravel()
        bx, by, bh, bw = want
        mistakes = [
            (want[[1, 0, 2, 3]], "bx and by are swapped.", "the box is bx, by, bh, bw: the horizontal centre first."),
            (want[[0, 1, 3, 2]], "bh and bw are swapped.", "the box is bx, by, bh, bw: the height before the width."),
            (y[0:4], "that box is entries 0 to 3: entry 0 is p_d.", "the box is entries 1 to 4."),
            (y[2:6], "that box is entries 2 to 5: entry 5 is already c1.", "the box is entries 1 to 4."),
            (np.array([bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2]), "those are the box's corners.",
             "give the box as the network gives it: (bx, by, bh, bw)."),
        ]
        for candidate, message, hint in mistakes:
            if np.abs(b - candidate).max() <= 0.01 and np.abs(candidate - want).max() > 0.01:
                return _wrong(f"right class, wrong box: {message}", hint)
        return _wrong("right class, wrong box.", "the box is entries 1 to 4: bx, by, bh, bw.")
    return _right("class and box, as the network says.")


# ------------------------------------------------------------------------------------------
# 05 · landmarks and pose
# ------------------------------------------------------------------------------------------

@_never_raises
def check_flip_pairs(answer: Any, class_name: str = "pedestrian") -> Feedback:
    """Exercise 05.1: the pairs of landmarks ``(k, m)`` -- numbered 1-based as the slides' l1, l2, ... -- that
    must swap when the image is mirrored. Either order within a pair is right (a swap is symmetric); an answer
    counted from 0 (Python's indices) is told so."""

    names = LANDMARK_NAMES[class_name]
    f = _unanswered(answer, "a list of landmark-number pairs like [(3, 6), ...]",
                    "each left_… landmark swaps with its right_… partner.")
    if f is not None:
        return f
    try:
        pairs = [(a, b) for a, b in answer]
    except (TypeError, ValueError):
        return _wrong(f"expected pairs of landmark numbers like [(3, 6), (4, 7)], got {answer!r:.60}.")
    for v in (v for pair in pairs for v in pair):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer, float, np.floating)) or \
                not np.isfinite(v) or v != int(v):
            return _wrong(f"landmark numbers are whole numbers (l1 is 1, l2 is 2, ...), got {v!r:.30}.",
                          "write each pair as two whole numbers, e.g. (3, 6).")
    given = {frozenset((int(a), int(b))) for a, b in pairs}
    truth = {frozenset((a + 1, b + 1)) for a, b in flip_pairs(class_name)}    # 1-based, as l1 ... l14
    from_zero = {frozenset((a, b)) for a, b in flip_pairs(class_name)}
    if any(len(p) != 2 for p in given):
        return _wrong("a landmark cannot swap with itself.")
    if given and (any(0 in p for p in given) or (given <= from_zero and not given <= truth)):
        return _wrong("these are counted from 0, as Python's indices; the slides number the landmarks from 1: "
                      f"l1 is {names[0]}.", "add 1 to each index: landmark lk is JOINTS[k - 1].")
    if any(i < 1 or i > len(names) for p in given for i in p):
        return _wrong(f"the landmarks are l1 to l{len(names)}: numbers from 1 to {len(names)}.")
    if given == truth:
        return _right(f"all {len(truth)} left/right pairs; the {len(names) - 2 * len(truth)} centre landmarks stay.")

    def label(p: frozenset) -> str:
        a, b = sorted(p)
        return f"(l{a} {names[a - 1]}, l{b} {names[b - 1]})"

    extra, missing = given - truth, truth - given
    if extra:
        wrong = sorted(extra, key=sorted)[0]
        partner = {k: m for p in truth for k, m in (sorted(p), sorted(p)[::-1])}
        sided = [k for k in sorted(wrong) if k in partner]
        if len(sided) == 2:
            k = sided[0]
            return _wrong(f"{label(wrong)} should not swap: they are not partners.",
                          f"l{k} {names[k - 1]} swaps with l{partner[k]} {names[partner[k] - 1]}, "
                          "the same joint on the other side.")
        return _wrong(f"{label(wrong)} should not swap.",
                      "only left_X and right_X swap; landmarks on the centre line stay where they are.")
    return _wrong(f"missing {', '.join(label(p) for p in sorted(missing, key=sorted))}.",
                  "print the numbered landmarks and pair every left_ with its right_.")


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
    got = _one_number(out, "PCK", "return the share of landmarks within alpha x the box's larger side.")
    if isinstance(got, Feedback):
        return got
    again, f = _call(fn, pred, true, boxes, 0.05)       # a second alpha: a constant answer cannot pass
    if f is not None:
        return f
    got_again = _one_number(again, "PCK", "")
    if isinstance(got_again, Feedback):
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

def _iou_value_mistake(box_a: Sequence[float], box_b: Sequence[float], got: float, tol: float) -> str:
    """``": <the mistake>"`` when ``got`` is what a known mistake gives for this pair of boxes, else ``""``."""
    want = float(iou(box_a, box_b))

    def along(axis: int) -> float:                     # IoU of the boxes' extents along one axis
        (ca, sa), (cb, sb) = [(float(box[axis]), float(box[3 - axis])) for box in (box_a, box_b)]
        lo, hi = max(ca - sa / 2, cb - sb / 2), min(ca + sa / 2, cb + sb / 2)
        span = max(ca + sa / 2, cb + sb / 2) - min(ca - sa / 2, cb - sb / 2)
        return max(hi - lo, 0.0) / span if span > 0 else float("nan")

    candidates = [(100 * want, "that is a percentage; IoU is a fraction between 0 and 1"),
                  (along(0), "that is the overlap along x alone; IoU compares areas"),
                  (along(1), "that is the overlap along y alone; IoU compares areas"),
                  (1 / want if want > 0 else float("nan"), "that is union / intersection, upside down")]
    candidates += [(_iou_variant(box_a, box_b, **options), message.rstrip("."))
                   for options, message, _ in _IOU_MISTAKES]
    for value, message in candidates:
        if np.isfinite(value) and abs(got - value) <= tol and abs(value - want) > tol:
            return ": " + message
    return ""


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
    wants = [float(iou(box_a, box_b)) for box_a, box_b in pairs]
    if len(pairs) > 1 and np.abs(a - wants).max() > tol and np.abs(a[::-1] - wants).max() <= tol:
        return _wrong("these are the right numbers in the wrong order.", "one IoU per pair, in the pairs' order.")
    for k, ((box_a, box_b), got, want) in enumerate(zip(pairs, a, wants)):
        if abs(float(got) - want) > tol:
            named = _iou_value_mistake(box_a, box_b, float(got), tol)
            return _wrong(f"pair {k + 1}: {_distinct(got, want)[0]} is not it{named}.",
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
    if any(v != int(v) for v in a):
        return _wrong(f"row, column and anchor are whole numbers, got {tuple(float(v) for v in a)}.",
                      "row = int(by × S), col = int(bx × S): whole cell numbers, counted from 0.")
    y = encode_grid([[obj]], spec)[0]
    want = tuple(int(v) for v in np.argwhere(y[..., 0] == 1)[0])
    got = tuple(int(v) for v in a)
    if got == want:
        return _right(f"cell (row {want[0]}, col {want[1]}), anchor {want[2]}.")
    bx, by, bh, bw = (float(v) for v in obj.box)
    size, anchors = spec.size, np.asarray(spec.anchors, np.float64)
    inter = np.minimum(bh, anchors[:, 0]) * np.minimum(bw, anchors[:, 1])
    fit = inter / (bh * bw + anchors[:, 0] * anchors[:, 1] - inter)
    if got[:2] != want[:2]:
        row, col = want[:2]
        if got[:2] == (col, row):
            message = "row and column are swapped."
        elif got[:2] == (row + 1, col + 1):
            message = "these are counted from 1; rows and columns are counted from 0."
        elif got[:2] == (min(round(by * size), size - 1), min(round(bx * size), size - 1)):
            message = "you rounded to the nearest cell; the centre lies in the cell below it (floor)."
        elif not (0 <= got[0] < size and 0 <= got[1] < size):
            message = f"the grid has rows and columns 0 to {size - 1}."
        else:
            message = "it is not the one its centre is in."
        return _wrong(f"cell (row {got[0]}, col {got[1]}): {message}",
                      "the row comes from by (down), the column from bx (across): int(by × S), int(bx × S).")
    if not 0 <= got[2] < len(anchors):
        message = f"there are anchors 0 to {len(anchors) - 1}" + \
            (": anchors are counted from 0." if got[2] == want[2] + 1 else ".")
    elif got[2] == int(np.argmin(np.abs(anchors.prod(axis=1) - bh * bw))):
        message = "that anchor's area is closest to the box's, but its shape fits worse."
    elif got[2] == int(np.argmin(fit)):
        message = "that is the anchor that fits worst."
    else:
        message = "it is not the best-fitting one."
    return _wrong(f"right cell, but anchor {got[2]}: {message}",
                  "compare the box's shape (bh, bw) with each anchor's by IoU, both centred on the same point.")


@_never_raises
def check_nms(answer: Any, boxes: Any, scores: Any, threshold: float = 0.5) -> Feedback:
    """Exercise 06.3: the indices non-max suppression keeps, best first."""
    from .detection import nms

    f = _unanswered(answer, "a list of box indices, best first", "start from the highest score")
    if f is not None:
        return f
    from .detection import iou_matrix

    if isinstance(answer, (str, bytes, dict, set, frozenset)):
        return _wrong(f"expected box indices in the order NMS keeps them, got {answer!r:.60}.")
    try:
        values = [float(v) for v in np.ravel(np.asarray(answer))]
    except (TypeError, ValueError):
        return _wrong(f"expected box indices, got {answer!r:.60}.")
    if any(not np.isfinite(v) or v != int(v) for v in values):
        return _wrong(f"box indices are whole numbers, got {answer!r:.60}.",
                      "list the kept boxes' positions (counted from 0), best first, e.g. [1, 0].")
    got = [int(v) for v in values]
    b, sc = np.asarray(boxes, np.float32), np.asarray(scores, np.float32)
    want = [int(v) for v in nms(b, sc, threshold)]
    if got == want:
        return _right(f"kept {want}.")
    hint = f"take the best box, drop those overlapping it by IoU > {threshold}, repeat with the best remaining."
    if sorted(got) == sorted(want):
        return _wrong("the right boxes, in another order.", "list them as NMS picks them: highest score first.")
    if got == [k + 1 for k in want]:
        return _wrong("these are counted from 1; box indices start at 0.", "subtract 1 from each.")
    if any(k < 0 or k >= len(b) for k in got):
        return _wrong(f"there are boxes 0 to {len(b) - 1}.")
    if len(set(got)) != len(got):
        return _wrong("a box is listed twice.", hint)
    overlap = iou_matrix(b, b)
    by_score = [int(k) for k in np.lexsort((np.arange(len(sc)), -sc))]
    if got == by_score:
        return _wrong(f"{got} is not what NMS keeps: that is every box, best first, with nothing suppressed.", hint)
    for k in got:                                    # the first box kept that NMS drops: say which box drops it
        killer = next((j for j in want if by_score.index(j) < by_score.index(k) and overlap[j, k] > threshold), None)
        if k not in want and killer is not None:
            shown = _distinct(overlap[killer, k], threshold, digits=2)[0]
            return _wrong(f"box {k} overlaps box {killer} (kept, higher score) by IoU {shown} > {threshold}: NMS "
                          "drops it.", hint)
    missing = [k for k in want if k not in got]
    if missing:
        k = missing[0]
        higher = [j for j in by_score[:by_score.index(k)] if overlap[j, k] > threshold]
        if higher:
            j = higher[0]
            shown = _distinct(overlap[j, k], threshold, digits=2)[0]
            return _wrong(f"box {k} is missing: it overlaps box {j} by IoU {shown}, but box {j} was itself dropped, "
                          "before it could suppress anything.", "compare each box only with the boxes already kept.")
        return _wrong(f"box {k} is missing: no box kept before it overlaps it by more than {threshold}.", hint)
    return _wrong(f"{got} is not what NMS keeps.", hint)


def _ap_variants(scores: np.ndarray, right: np.ndarray, n_objects: int) -> dict[str, float]:
    """The 101-point AP of a class's detections (``detection.average_precision``'s own interpolation), and what
    the usual slips give instead (exercise 06.4)."""
    from .detection import _ap

    def curve(order: np.ndarray, denominator: float) -> tuple[np.ndarray, np.ndarray]:
        hits = np.cumsum(right[order])
        return hits / np.arange(1, len(order) + 1), hits / denominator           # precision, recall

    def read(values: np.ndarray, recall: np.ndarray, levels: np.ndarray) -> float:
        at = np.searchsorted(recall, levels, side="left")                        # first rank reaching each level
        return float(np.mean(np.where(at < len(values), values[np.minimum(at, len(values) - 1)], 0.0)))

    ranked = np.argsort(-scores, kind="stable")
    precision, recall = curve(ranked, n_objects)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    return {"right": _ap(precision, recall, "coco"),
            "unsorted": _ap(*curve(np.arange(len(scores)), n_objects), "coco"),
            "no envelope": read(precision, recall, np.linspace(0.0, 1.0, 101)),
            "no envelope, all-point": float(np.sum(np.diff(recall, prepend=0.0) * precision)),
            "recall over hits": _ap(*curve(ranked, max(int(right.sum()), 1)), "coco"),
            "11-point": read(envelope, recall, np.round(np.linspace(0.0, 1.0, 11), 10)),
            "all-point": _ap(precision, recall, "voc")}


#: What each slip in exercise 06.4 gives away, and the hint that undoes it.
_AP_SLIPS = {
    "unsorted": ("that is the AP of the detections in the order given.",
                 "rank them by score first, best first: np.argsort(-scores)."),
    "no envelope": ("that reads the raw precision, the sawtooth, at each recall level.",
                    "take the envelope first: the best precision at this recall or any higher one."),
    "no envelope, all-point": ("that is the area under the raw sawtooth, without the envelope, and not 101-point.",
                               "take the envelope (best precision at this recall or beyond), then read it at "
                               "recall 0, 0.01, ..., 1."),
    "recall over hits": ("your recall divides by the detections that were right, so it always reaches 1.",
                         "recall = right so far / the number of objects (n_objects), found or not."),
    "11-point": ("that is the 11-point AP (PASCAL VOC 2007: recall 0, 0.1, ..., 1).",
                 "read the envelope at the 101 recall levels 0, 0.01, ..., 1."),
    "all-point": ("that is the all-point AP (the area under the envelope, VOC since 2010), not the 101-point one.",
                  "read the envelope at the 101 recall levels 0, 0.01, ..., 1 and average (0 where the recall "
                  "is never reached)."),
}


@_never_raises
def check_average_precision(answer: Any, scores: Any, right: Any, n_objects: int, tol: float = 2e-3) -> Feedback:
    """Exercise 06.4: the 101-point AP (COCO's interpolation) of one class's detections, given in no order.

    ``scores`` and ``right`` (1 for a detection that matched an object, 0 otherwise) describe the detections in
    the order the exercise prints them; ``n_objects`` is the number of true objects of the class. The usual slips
    each get their own feedback: not ranking by score, no envelope, recall divided by the hits instead of the
    objects, the 11-point or the all-point AP instead of the 101-point one.
    """
    s = np.asarray(scores, np.float64)
    r = np.asarray(right)
    if s.ndim != 1 or r.shape != s.shape or not np.isin(r, (0, 1)).all() or int(n_objects) < max(int(r.sum()), 1):
        raise CheckSetupError("check_average_precision: scores and right must be two lists of the same length, "
                              "right of 0/1, and n_objects at least the number of right detections")
    f = _unanswered(answer, "one number, the AP", "rank by score, then precision and recall after each detection.")
    if f is not None:
        return f
    a = _as_array(answer, (), "one number (the AP)")
    if isinstance(a, Feedback):
        return a
    got = float(a)
    variants = _ap_variants(s, r.astype(bool), int(n_objects))
    if abs(got - variants["right"]) <= tol:
        return _right(f"AP = {variants['right']:.4f}: the envelope read at 101 recall levels, averaged. The "
                      f"all-point area would be {variants['all-point']:.4f}, the 11-point AP "
                      f"{variants['11-point']:.4f}.")
    if 1 < got <= 100 and abs(got / 100 - variants["right"]) <= tol:
        return _wrong(f"{got:g} looks like a percentage.", "give AP as a fraction between 0 and 1.")
    for slip, (what, hint) in _AP_SLIPS.items():
        if abs(got - variants[slip]) <= tol:
            return _wrong(f"{got:.4f}: {what}", hint)
    return _wrong(f"{got:.4f} is not it.", "rank by score; precision = right so far / detections so far, recall = "
                                          "right so far / objects; envelope; read it at recall 0, 0.01, ..., 1.")


# ------------------------------------------------------------------------------------------
# 07 · which explanation can you trust?
# ------------------------------------------------------------------------------------------

@_never_raises
def check_energy_in_mask(fn: Callable[[np.ndarray, np.ndarray], Any]) -> Feedback:
    """Exercise 07.1: ``fn(saliency, mask)`` -> the share of the map's positive part inside the mask (one map
    ``(H, W)``, one bool mask ``(H, W)``); 0 for a map with nothing positive. Compared at 1e-6, far below any
    mistake's difference and above float32 rounding; numbers are shown with the decimals that tell them apart."""
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
        got = _one_number(out, "the share inside the mask", "return the positive part's sum inside the mask over "
                                                            "its total sum.")
        if isinstance(got, Feedback):
            return got
        pos = np.maximum(s, 0)
        want = float(pos[m].sum() / pos.sum()) if pos.sum() > 0 else 0.0
        if not np.isfinite(got):
            return _wrong(f"{what}: your share is {got}.", "a map with no positive value has no energy: return 0.")
        if abs(got - want) > 1e-6:
            if what == "a signed map":
                a = np.abs(s)
                mistakes = [
                    (float(s[m].sum() / s.sum()), "a signed map: negative values cancel positive ones in your sums.",
                     "count only the positive part: np.maximum(saliency, 0)."),
                    (float(a[m].sum() / a.sum()), "a signed map: you took absolute values, so negative evidence "
                                                  "counts as energy.", "count only the positive part."),
                    (float(pos[~m].sum() / pos.sum()), "a signed map: that is the share *outside* the mask.",
                     "sum the positive part where the mask is True."),
                    (float(pos[m].sum() / pos[~m].sum()), "a signed map: you divided by the energy outside the mask, "
                                                          "not by the total.", "inside / everything."),
                    (float(pos[m].mean() / pos.mean()), "a signed map: you divided means, not sums: the mask's size "
                                                        "drops out.", "sum inside over sum everywhere."),
                    (float(m.mean()), "a signed map: that is the mask's share of the pixels, whatever the map.",
                     "weigh each pixel by the map's positive part."),
                    (float((s[m] > 0).sum() / (s > 0).sum()), "a signed map: you counted positive pixels; the energy "
                                                              "weighs them by their value.",
                     "sum the positive values, don't count them."),
                ]
                shown_want, shown_got = _distinct(want, got, digits=4)
                for candidate, message, hint in mistakes:
                    if abs(got - candidate) <= 1e-6:
                        return _wrong(f"{message[:-1]} (expected {shown_want}, got {shown_got}).", hint)
            shown_want, shown_got = _distinct(want, got, digits=4)
            return _wrong(f"{what}: expected {shown_want}, got {shown_got}.", "inside / total, of the positive part.")
    return _right("signed, positive and all-negative maps all scored right.")


def _deletion_by_hand(predict: Callable, image: np.ndarray, saliency: np.ndarray, empty: np.ndarray,
                      steps: int, count: Callable[[float], int] = lambda v: int(round(v))) -> np.ndarray:
    flat = np.argsort(-saliency.ravel(), kind="stable")
    out = []
    for k in range(steps + 1):
        n = count(k * saliency.size / steps)
        gone = np.zeros(saliency.size, bool)
        gone[flat[:n]] = True
        out.append(float(np.asarray(predict(np.where(gone.reshape(saliency.shape)[..., None], empty,
                                                     image)[None]))[0]))
    return np.array(out)


@_never_raises
def check_deletion_curve(fn: Callable[..., Any]) -> Feedback:
    """Exercise 07.2: ``fn(predict, image, saliency, empty, steps)`` -> the deletion curve of one image: the
    ``steps + 1`` outputs of ``predict`` (images ``(N, H, W, 3)`` -> ``(N,)``) as ``round(k * H * W / steps)``
    pixels, the most salient first, take their values from ``empty``, for ``k = 0 .. steps``.

    The test image is 5 × 8 (40 pixels): neither 3 nor 6 steps divide it, so truncating instead of rounding
    shows; no count falls on a half, so Python's round and rounding half up agree."""
    f = _unanswered(fn, "your function's name", "order the pixels with np.argsort(-saliency.ravel()), then for "
                                                "each k replace the first round(k * H * W / steps) of them")
    if f is not None:
        return f
    rng = np.random.default_rng(8)
    weights = rng.uniform(0, 1, (5, 8, 3))
    predict = lambda images: (np.asarray(images) * weights).sum(axis=(1, 2, 3))     # noqa: E731
    image = rng.uniform(0.2, 1.0, (5, 8, 3))
    empty = np.full((5, 8, 3), 0.1)
    saliency = rng.normal(size=(5, 8))
    for steps in (3, 6):
        out, f = _call(fn, predict, image.copy(), saliency.copy(), empty.copy(), steps)
        if f is not None:
            return f
        try:
            got = _numpy(out).reshape(-1)
        except (TypeError, ValueError):
            return _wrong(f"your function returned {type(out).__name__} {out!r:.60}, not numbers.")
        want = _deletion_by_hand(predict, image, saliency, empty, steps)
        if got.shape != want.shape:
            if got.size == want.size - 1:
                return _wrong(f"with steps = {steps} the curve has {want.size} points (k = 0 .. steps); yours "
                              f"has {got.size}.", "include the intact image (k = 0) and the fully deleted one.")
            return _wrong(f"with steps = {steps} the curve has {want.size} points (k = 0 .. steps); yours has "
                          f"{got.size}, as if steps were {got.size - 1}.", "use the steps your function is given.")
        if not np.allclose(got, want, atol=1e-6):
            mistakes = [
                (_deletion_by_hand(predict, image, -saliency, empty, steps), "you delete the least salient pixels "
                 "first.", "sort by -saliency: largest first."),
                (_deletion_by_hand(predict, image, np.abs(saliency), empty, steps), "you ordered the pixels by "
                 "|saliency|: a strongly negative pixel is deleted early.", "order by the saliency itself, largest "
                                                                           "first."),
                (_deletion_by_hand(predict, image, saliency, empty, steps, int), "you truncated the pixel counts "
                 "(int, floor); the exercise says round(k * H * W / steps).", "round to the nearest whole number."),
                (_deletion_by_hand(predict, image, saliency, empty, steps, lambda v: int(np.ceil(v))), "you rounded "
                 "the pixel counts up (ceil); the exercise says round(k * H * W / steps).",
                 "round to the nearest whole number."),
                (_deletion_by_hand(predict, empty, saliency, image, steps), "point 0 is the empty image: you put the "
                 "image's pixels into empty (insertion), not empty's into the image.",
                 "start from the intact image and replace its pixels by empty's."),
                (_deletion_by_hand(predict, image, saliency, np.zeros_like(empty), steps), "you replaced pixels by "
                 "0, not by empty's values.", "take the deleted pixels' values from empty."),
            ]
            k = int(np.flatnonzero(~np.isclose(got, want, atol=1e-6))[0])
            shown_got, shown_want = _distinct(got[k], want[k], digits=4)
            where = f"with steps = {steps}, point {k} is {shown_got}, expected {shown_want}"
            for candidate, message, hint in mistakes:
                if np.allclose(got, candidate, atol=1e-6):
                    return _wrong(f"{where}: {message}", hint)
            return _wrong(f"{where}.", "point k replaces round(k * H * W / steps) pixels, taking their values from "
                                       "empty.")
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


def _rank_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """Maps where each mistake shows: ReLU-like zeros (many ties), a monotone but curved relation (Pearson < Spearman),
    shapes that are not square, one pair anti-correlated."""
    rng = np.random.default_rng(26)
    a = np.maximum(rng.normal(size=(5, 7)), 0).round(1)                  # many tied zeros
    b = np.maximum(a + rng.normal(0, 0.6, a.shape), 0).round(1)
    c = rng.uniform(0.1, 2, size=(4, 6))
    return [(a, b), (c, c ** 4), (c, -np.sqrt(c) + rng.normal(0, 0.05, c.shape)), (b, a)]


@_never_raises
def check_rank_correlation(fn: Callable[[np.ndarray, np.ndarray], Any]) -> Feedback:
    """Exercise 07.2: ``fn(a, b)`` -> Spearman's rank correlation of two maps of the same shape (one number), tied
    values sharing their average rank. Checked against ``scipy.stats.spearmanr`` on maps with many tied zeros, a curved
    monotone relation and non-square shapes; the hints name Pearson on the values, ranks that break ties by position,
    the order (argsort) taken for the ranks, and a matrix where one number belongs."""
    from scipy import stats

    for a, b in _rank_cases():
        got, f = _call(fn, a.copy(), b.copy())
        if f is not None:
            return f
        g = np.asarray(got.numpy() if hasattr(got, "numpy") else got, dtype=np.float64)
        if g.size != 1:
            return _wrong(f"your function returns {g.size} numbers (shape {g.shape}); one correlation is wanted.",
                          "np.corrcoef gives a 2 x 2 matrix: take its [0, 1] entry.")
        g = float(g.ravel()[0])
        want = float(stats.spearmanr(a.ravel(), b.ravel())[0])
        if np.isfinite(g) and abs(g - want) <= 1e-6:
            continue
        ordinal = lambda m: np.argsort(np.argsort(m.ravel(), kind="stable"), kind="stable").astype(float)
        known = {
            "that is Pearson's correlation of the values themselves":
                ("rank both maps first, then correlate the ranks.", np.corrcoef(a.ravel(), b.ravel())[0, 1]),
            "tied values (here the many zeros) got different ranks, in the order they sit":
                ("ties must share the average of the ranks they span: scipy.stats.rankdata does that.",
                 np.corrcoef(ordinal(a), ordinal(b))[0, 1]),
            "those are the pixels' order (np.argsort), not their ranks":
                ("the rank of each pixel is where it lands in the sorted order: rankdata, or argsort of the argsort.",
                 np.corrcoef(np.argsort(a.ravel()), np.argsort(b.ravel()))[0, 1]),
        }
        for mistake, (hint, value) in known.items():
            if np.isfinite(g) and abs(g - value) <= 1e-6:
                return _wrong(f"for two {a.shape[0]}x{a.shape[1]} maps you return {g:.6f}, Spearman's rho is "
                              f"{want:.6f}: {mistake}.", hint)
        return _wrong(f"for two {a.shape[0]}x{a.shape[1]} maps you return {g:.6f}; Spearman's rho is {want:.6f}.",
                      "flatten both maps, rank the pixels (ties share their average rank), and take the Pearson "
                      "correlation of the two rank vectors.")
    return _right("Spearman's rho on maps with tied zeros, a curved relation and non-square shapes.")

