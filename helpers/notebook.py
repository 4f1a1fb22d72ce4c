"""One call at the top of every notebook: quiet logs, seeds, readable figures."""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["setup", "quiet_stderr"]


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
    mpl.rcParams.update({"figure.dpi": 80, "image.interpolation": "nearest",
                         "axes.titlesize": 10, "figure.max_open_warning": 0})
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
    shell.display_formatter.formatters["text/plain"].for_type(Figure, lambda fig, printer, cycle: printer.text(""))
