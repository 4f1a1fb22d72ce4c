"""One call at the top of every notebook: quiet logs, seeds, readable figures."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

__all__ = ["setup", "quiet_stderr", "progress", "claim", "ClaimFailed", "LegibilityWarning", "legibility_log"]

#: Every legibility problem of the figures this session showed: ``(figure number, problem)``
#: (checked by the maintainer cell of each notebook).
legibility_log: list[tuple[int, str]] = []


class ClaimFailed(AssertionError):
    """A lesson's claim did not hold on this run (raised by :func:`claim`; stops the notebook, fails CI)."""


def claim(statement: str, holds, value=None, interval=None, *, digits: int = 2, signed: bool = False,
          percent: bool = False) -> None:
    """Check one claim a lesson makes, and say it in one line of plain words.

    Students read claims, not ``assert`` statements: the main path of every notebook checks what its takeaway
    says with this call, which prints e.g. ``✓ pointing game above the centre baseline: +0.28 [+0.24, +0.32]``
    and stops the run (:class:`ClaimFailed`) when the claim does not hold -- so CI fails with the lesson.
    Used in the main path of notebooks 00 and 03-06 (``assert`` stays in evidence and maintainer cells).

    Parameters
    ----------
    statement : str
        The claim, in the words of the takeaway ("pointing game above the centre baseline").
    holds : bool
        Whether it holds (the check, e.g. ``lo > 0``).
    value : float, optional
        The claim's one number, printed after the statement.
    interval : (float, float), optional
        Its interval, printed in brackets.
    digits : int
        Decimals to print.
    signed : bool
        Print a sign (for differences).
    percent : bool
        Print ``value`` and ``interval`` (fractions) as percentages.

    Returns None (nothing for the notebook to show twice): the line is printed.

    Raises
    ------
    ClaimFailed
        When ``holds`` is false.
    """
    from . import validate

    if not isinstance(statement, str) or not statement.strip():
        validate.fail("statement", "the claim in words, e.g. 'pointing game above the centre'",
                      validate.describe(statement), kind=validate.InputTypeError)
    import numpy as np

    if isinstance(holds, np.ndarray) and holds.size == 1 and holds.dtype == bool:
        holds = holds.item()
    if not isinstance(holds, (bool, np.bool_)):             # a list or a number is truthy: never guess
        validate.fail("holds", "one True or False (the claim's check)", validate.describe(holds),
                      "reduce it to one condition, e.g. `lo > 0` or `(a > b).all()`", kind=validate.InputTypeError)
    digits = validate.integer(digits, "digits", low=0, high=6)

    def fmt(v, name):
        v = validate.number(v, name)
        if percent:
            return f"{100 * v:{'+' if signed else ''}.{max(digits - 2, 0)}f} %"
        return f"{v:{'+' if signed else ''}.{digits}f}"

    holds = bool(holds)
    line = statement.strip()
    if value is not None:
        line += ": " + fmt(value, "value")
    if interval is not None:
        try:
            lo, hi = interval
        except (TypeError, ValueError):
            validate.fail("interval", "two numbers (low, high)", validate.describe(interval),
                          kind=validate.InputTypeError)
        lo_s, hi_s = fmt(lo, "interval"), fmt(hi, "interval")
        if float(lo) > float(hi):
            validate.fail("interval", "(low, high) with low <= high", f"({lo_s}, {hi_s})", "swap the two ends")
        line += f" [{lo_s}, {hi_s}]" if value is not None else f": [{lo_s}, {hi_s}]"
    if not holds:
        raise ClaimFailed(f"✘ does not hold on this run: {line}")
    print(f"✓ {line}")


class LegibilityWarning(UserWarning):
    """A figure shown in a notebook breaks the course's legibility standard (``helpers.plotting``)."""


@contextlib.contextmanager
def quiet_stderr():
    """Silence the process's stderr (file descriptor 2) for a moment.

    TensorFlow's C++ start-up messages ("oneDNN custom operations are on ...") bypass Python's
    logging and would end up stored in the notebook; they carry nothing for a student.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real stderr: nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def progress(label: str = "") -> "keras.callbacks.Callback":
    """A Keras callback that shows a training run is alive: ``label: epoch 1/4 · 2/4 · 3/4 · 4/4``, one step
    printed as each epoch ends (no numbers that vary between machines, so stored outputs stay reproducible).

    Used by every training cell longer than a few seconds (notebooks 00, 04, 05; ``course_model.train``).

    Parameters
    ----------
    label : str
        Printed before the epochs, e.g. the loss being trained.
    """
    import keras

    from . import validate

    if not isinstance(label, str):
        validate.fail("label", "a short text, e.g. 'slide loss'", validate.describe(label),
                      kind=validate.InputTypeError)

    class _Progress(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.epochs = int(self.params.get("epochs") or 0)
            print(f"{label}: epoch " if label else "epoch ", end="", flush=True)

        def on_epoch_end(self, epoch, logs=None):
            last = epoch + 1 >= self.epochs
            print(f"{epoch + 1}/{self.epochs}", end="\n" if last else " · ", flush=True)

    return _Progress()


def setup(seed: int = 0) -> None:
    """Prepare a notebook session: seeded, quiet, with readable figures.

    Parameters
    ----------
    seed : int
        Seed for Python, NumPy and Keras's backend (``keras.utils.set_random_seed``).

    The backend is TensorFlow unless ``KERAS_BACKEND`` says ``jax`` or ``torch`` before the first Keras import
    (``make lab BACKEND=jax`` sets it); TensorFlow is imported only when it is the backend.
    """
    from . import validate

    seed = validate.integer(seed, "seed", low=0, high=2**32 - 1)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")     # no TensorFlow info/warning chatter
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with quiet_stderr():
        import keras
        if keras.backend.backend() == "tensorflow":
            import tensorflow  # imported here, quietly, once

            tensorflow.get_logger().setLevel("ERROR")         # e.g. no "tf.function retracing" notes
    import matplotlib as mpl

    keras.utils.set_random_seed(seed)
    keras.config.disable_interactive_logging()              # no progress bars in stored outputs
    from .plotting import FIGURE_STYLE

    mpl.rcParams.update(FIGURE_STYLE)                        # the legibility standard (helpers.plotting)
    _figures_without_text()


def _figures_without_text() -> None:
    """Show figures as pictures only: no ``<Figure size 640x480 with 1 Axes>`` line beside them."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:  # plain Python: nothing to configure
        return
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # Load the inline backend first: when it loads, it resets the figure formatters.
    plt.close(plt.figure())
    def text(fig, printer, cycle):
        _check_legibility(fig)
        printer.text("")

    shell.display_formatter.formatters["text/plain"].for_type(Figure, text)


def _check_legibility(fig) -> None:
    """Warn (and log) when a figure about to be shown breaks the legibility standard."""
    import warnings

    from .plotting import legibility_problems

    problems = legibility_problems(fig)
    number = getattr(fig, "number", None)           # figures not made by pyplot have none
    number = int(number) if isinstance(number, int) else -1
    for p in problems:
        legibility_log.append((number, p))
    if problems:
        warnings.warn(f"figure {number}: " + "; ".join(problems[:5]) + (" …" if len(problems) > 5 else ""),
                      LegibilityWarning, stacklevel=2)
