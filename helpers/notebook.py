"""One call at the top of every notebook: quiet logs, seeds, readable figures."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

__all__ = ["setup", "quiet_stderr", "progress", "LegibilityWarning", "legibility_log"]

#: Every legibility problem of the figures this session showed: ``(figure number, problem)``
#: (checked by the maintainer cell of each notebook).
legibility_log: list[tuple[int, str]] = []


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
        Seed for Python, NumPy and Keras/TensorFlow (``keras.utils.set_random_seed``).
    """
    from . import validate

    seed = validate.integer(seed, "seed", low=0, high=2**32 - 1)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")     # no TensorFlow info/warning chatter
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with quiet_stderr():
        import keras
        import tensorflow  # imported here, quietly, once
    import matplotlib as mpl

    tensorflow.get_logger().setLevel("ERROR")                 # e.g. no "tf.function retracing" notes
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
