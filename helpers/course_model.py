"""The course convnet: build, preprocess, train, save and load (Keras 3, safe mode).

The architecture follows the lecture's small convnet: stacked ``Conv2D`` +
``MaxPooling2D`` blocks with readable names (``block1_conv1``, ``block1_pool``, ...),
then a dense head. The class scores (``logits``) and the ``softmax`` are separate
layers, so later lessons can take gradients of the score *before* the softmax.

The shipped model is trained by ``make model`` (``course_tools/train_models.py``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from . import shipped
from .scenes import CLASS_NAMES, StreetScenes

if TYPE_CHECKING:  # keras is imported lazily: importing helpers must stay cheap
    import keras

__all__ = [
    "IMAGE_SIZE", "TRAIN_SEED", "VALIDATION_SEED", "TEST_SEED",
    "preprocess", "build_course_convnet", "compile_for_training", "train",
    "load_course_model", "evaluate", "confusion_matrix", "summary_table",
]

#: Side of the square input image, in pixels.
IMAGE_SIZE = 64
#: Seeds of the three disjoint scene sets. The test seed is never used for training.
TRAIN_SEED, VALIDATION_SEED, TEST_SEED = 1, 2, 3


def preprocess(images: np.ndarray) -> np.ndarray:
    """Scale uint8 RGB images to float32 in [0, 1], exactly as the model was trained.

    Parameters
    ----------
    images : numpy.ndarray
        ``(N, H, W, 3)`` or a single ``(H, W, 3)`` image, dtype uint8 (0..255).

    Returns
    -------
    numpy.ndarray
        float32 array of the same shape (a batch axis is added to a single image).
    """
    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(f"expected RGB images shaped (N, H, W, 3) or (H, W, 3), got shape {arr.shape}; "
                         "convert grayscale/RGBA pictures to RGB first")
    if arr.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels (0..255), got dtype {arr.dtype}; the model was trained on "
                         "uint8 scenes divided by 255 -- pass the raw uint8 image, not an already scaled one")
    return arr.astype(np.float32) / np.float32(255.0)


def build_course_convnet(image_size: int = IMAGE_SIZE, n_classes: int = len(CLASS_NAMES),
                         widths: tuple[int, ...] = (16, 32, 64, 128), dense: int = 64,
                         dropout: float = 0.3) -> "keras.Model":
    """Build the (untrained) course convnet as a functional Keras model.

    Parameters
    ----------
    image_size : int
        Input side in pixels (the input is ``(image_size, image_size, 3)`` in [0, 1]).
    n_classes : int
        Number of classes (4: pedestrian, car, motorcycle, background).
    widths : tuple of int
        Filters of the 3x3 convolution in each block. Every block but the last ends with a 2x2 max
        pooling; the last convolution's map (8x8 for 64 px) is averaged over space by the head.
    dense, dropout : int, float
        Width of the hidden dense layer and the dropout rate before it.

    Returns
    -------
    keras.Model
        Layers ``block{k}_conv1``, ``block{k}_pool``, ``global_pool``, ``dropout``, ``dense``,
        ``logits`` (class scores) and ``predictions`` (softmax).

    Notes
    -----
    The head averages the last feature map over space (global average pooling) before its dense
    layers, instead of flattening it: every position of that map then speaks the same "language",
    which is what lets class activation maps (notebook 03) point at the object.
    """
    import keras
    from keras import layers

    if any(w <= 0 for w in widths) or not widths:
        raise ValueError(f"widths must be positive filter counts, got {widths}")
    inputs = keras.Input((image_size, image_size, 3), name="image")
    x = inputs
    for k, width in enumerate(widths, start=1):
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"block{k}_conv1")(x)
        if k < len(widths):
            x = layers.MaxPooling2D(2, name=f"block{k}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense, activation="relu", name="dense")(x)
    logits = layers.Dense(n_classes, name="logits")(x)
    outputs = layers.Activation("softmax", name="predictions")(logits)
    return keras.Model(inputs, outputs, name="course_convnet")


def summary_table(model: "keras.Model") -> str:
    """A plain-text table of the layers: name, type, output shape, parameters (stable across terminals)."""
    rows = [("layer", "type", "output shape", "params")]
    for layer in model.layers:
        try:
            shape = tuple(layer.output.shape)
        except (AttributeError, ValueError):
            shape = "?"
        rows.append((layer.name, type(layer).__name__, str(shape).replace("None", "batch"),
                     f"{layer.count_params():,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append(f"total parameters: {model.count_params():,}")
    return "\n".join(lines)


def compile_for_training(model: "keras.Model", learning_rate=1e-3) -> "keras.Model":
    """Compile with Adam (a rate or a schedule) and sparse categorical cross-entropy.

    The targets are ``scenes.labels`` (0-based class indices).
    """
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(model: "keras.Model", train_scenes: StreetScenes, val_scenes: StreetScenes | None = None,
          epochs: int = 3, batch_size: int = 64, seed: int = 0, verbose: int | str = 0):
    """Fit ``model`` on scenes (seeded, shuffled) and return the Keras ``History``."""
    import keras

    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    keras.utils.set_random_seed(seed)
    val = (preprocess(val_scenes.images), val_scenes.labels) if val_scenes is not None else None
    return model.fit(preprocess(train_scenes.images), train_scenes.labels, validation_data=val,
                     epochs=epochs, batch_size=batch_size, shuffle=True, verbose=verbose)


def load_course_model(path: str | os.PathLike | None = None) -> "keras.Model":
    """Load the shipped course convnet (Keras safe mode: no code is deserialised); see :mod:`helpers.shipped`."""
    return shipped.load("course_convnet", path)


def evaluate(model: "keras.Model", scenes: StreetScenes, batch_size: int = 256) -> tuple[float, np.ndarray]:
    """Accuracy and predicted 0-based class indices of ``model`` on ``scenes``."""
    probs = model.predict(preprocess(scenes.images), batch_size=batch_size, verbose=0)
    pred = np.asarray(probs).argmax(axis=1)
    return float((pred == scenes.labels).mean()), pred


def confusion_matrix(true: np.ndarray, pred: np.ndarray, n_classes: int = len(CLASS_NAMES)) -> np.ndarray:
    """``(n_classes, n_classes)`` counts: row = true class, column = predicted class (0-based)."""
    true, pred = np.asarray(true, np.int64), np.asarray(pred, np.int64)
    if true.shape != pred.shape:
        raise ValueError(f"true and pred must have the same shape, got {true.shape} and {pred.shape}")
    if true.size and (min(true.min(), pred.min()) < 0 or max(true.max(), pred.max()) >= n_classes):
        raise ValueError(f"class indices must be in 0..{n_classes - 1}")
    cm = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(cm, (true, pred), 1)
    return cm
