"""One call at the top of every notebook: quiet logs, seeds, readable figures."""

from __future__ import annotations

import os

__all__ = ["setup"]


def setup(seed: int = 0) -> None:
    """Prepare a notebook session: seeded, deterministic, quiet, with readable figures.

    Parameters
    ----------
    seed : int
        Seed for Python, NumPy and Keras/TensorFlow (``keras.utils.set_random_seed``).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")     # no TensorFlow start-up chatter
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import matplotlib as mpl
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    try:
        tf.config.experimental.enable_op_determinism()
    except Exception:  # older TensorFlow: seeds alone
        pass
    keras.config.disable_interactive_logging()              # no progress bars in stored outputs
    mpl.rcParams.update({"figure.dpi": 80, "image.interpolation": "nearest",
                         "axes.titlesize": 10, "figure.max_open_warning": 0})
