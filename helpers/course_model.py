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

from . import shipped, validate
from .scenes import CLASS_NAMES, StreetScenes
from .validate import InputTypeError, describe, fail

if TYPE_CHECKING:  # keras is imported lazily: importing helpers must stay cheap
    import keras

__all__ = [
    "IMAGE_SIZE", "TRAIN_SEED", "VALIDATION_SEED", "TEST_SEED",
    "preprocess", "build_course_convnet", "build_random_label_convnet", "build_second_seed_convnet",
    "build_shortcut_convnet", "compile_for_training", "train", "load_course_model", "load_random_label_convnet",
    "load_second_seed_convnet", "load_shortcut_convnet", "evaluate", "confusion_matrix", "summary_table",
]

#: Side of the square input image, in pixels.
IMAGE_SIZE = 64
#: Seeds of the three disjoint scene sets. The test seed is never used for training.
TRAIN_SEED, VALIDATION_SEED, TEST_SEED = 1, 2, 3

#: Hard limits: past them a call cannot fit a laptop's memory or a lesson's time (or is a typo).
MAX_EPOCHS = 200
MAX_BATCH_SIZE = 4096
MAX_IMAGE_SIZE = 512
MAX_BLOCKS = 8
MAX_WIDTH = 1024
MAX_DENSE = 4096
MAX_CLASSES = 1000
MAX_LEARNING_RATE = 1.0


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
    return _model_inputs(images, "images")


def _model_inputs(images, name: str) -> np.ndarray:
    arr = validate.array(images, name, dtype=None)
    if arr.ndim == 2:
        fail(name, "RGB images shaped (N, H, W, 3) or one (H, W, 3)", f"shape {arr.shape} (one grayscale picture?)",
             "convert it with helpers.images.to_rgb_batch(image)")
    arr = validate.uint8_images(arr, name, channels=3)
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
        Number of classes (4: 1 motorcycle, 2 car, 3 pedestrian, 4 background).
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

    widths = _widths(widths)
    image_size = validate.integer(image_size, "image_size", low=1, high=MAX_IMAGE_SIZE)
    if image_size < 2 ** (len(widths) - 1):
        fail("image_size", f"at least {2 ** (len(widths) - 1)} pixels: the {len(widths) - 1} poolings of "
             f"{len(widths)} blocks halve it each time", str(image_size), "use a larger image_size or fewer widths")
    n_classes = validate.integer(n_classes, "n_classes", low=2, high=MAX_CLASSES)
    dense = validate.integer(dense, "dense", low=1, high=MAX_DENSE)
    dropout = validate.number(dropout, "dropout", low=0.0)
    if dropout >= 1:
        fail("dropout", "a rate in [0, 1) (the fraction of units dropped while training)", str(dropout), "e.g. 0.3")
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


def build_random_label_convnet() -> "keras.Model":
    """Build the (untrained) course convnet under the name of its random-label twin.

    The architecture is exactly :func:`build_course_convnet`'s (same layers, names and shapes); only the
    model's name differs, ``course_convnet_random_labels``. ``make model`` trains it on the course's training
    scenes with their labels randomly permuted (the label-randomisation check of Adebayo et al., 2018,
    "Sanity checks for saliency maps"): it memorises its training set and learns nothing about the classes.

    Returns
    -------
    keras.Model
        The layers of :func:`build_course_convnet`, in a model named ``course_convnet_random_labels``.
    """
    import keras

    model = build_course_convnet()
    return keras.Model(model.input, model.output, name="course_convnet_random_labels")  # one tensor each, as built


def build_second_seed_convnet() -> "keras.Model":
    """Build the (untrained) course convnet under the name of its second-seed twin.

    The architecture is exactly :func:`build_course_convnet`'s; only the model's name differs,
    ``course_convnet_second_seed``. ``make model`` trains it with the course convnet's recipe, data and
    validation scenes, from another seed (initial weights, dropout and batch order): a second good model, the
    reference of notebook 07's sanity checks ("how similar are the saliency maps of two good models?").

    Returns
    -------
    keras.Model
        The layers of :func:`build_course_convnet`, in a model named ``course_convnet_second_seed``.
    """
    import keras

    model = build_course_convnet()
    return keras.Model(model.input, model.output, name="course_convnet_second_seed")


def build_shortcut_convnet() -> "keras.Model":
    """Build the (untrained) course convnet under the name of the model that cheats on purpose.

    The architecture is exactly :func:`build_course_convnet`'s; only the model's name differs,
    ``shortcut_convnet``. ``make model`` trains it on :func:`helpers.shortcut.shortcut_training_set`, where a
    small coloured square gives each scene's label away and the object says nothing about it (notebook 08).

    Returns
    -------
    keras.Model
        The layers of :func:`build_course_convnet`, in a model named ``shortcut_convnet``.
    """
    import keras

    model = build_course_convnet()
    return keras.Model(model.input, model.output, name="shortcut_convnet")


def _widths(widths) -> tuple[int, ...]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (tuple, list, np.ndarray)):
        fail("widths", "a tuple of filter counts, one per block, e.g. (16, 32, 64, 128)", describe(widths),
             kind=InputTypeError)
    if not 1 <= len(widths) <= MAX_BLOCKS:
        fail("widths", f"1 to {MAX_BLOCKS} blocks (one filter count each)", f"{len(widths)} blocks {tuple(widths)}",
             "e.g. widths=(16, 32, 64, 128)")
    return tuple(validate.integer(w, f"widths[{k}]", low=1, high=MAX_WIDTH) for k, w in enumerate(widths))


def summary_table(model: "keras.Model") -> str:
    """A plain-text table of the layers: name, type, output shape, parameters (stable across terminals)."""
    validate.model(model)
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

    validate.model(model)
    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        learning_rate = validate.number(learning_rate, "learning_rate", low=0.0, low_open=True, high=MAX_LEARNING_RATE)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(model: "keras.Model", train_scenes: StreetScenes, val_scenes: StreetScenes | None = None,
          epochs: int = 3, batch_size: int = 64, seed: int = 0, verbose: int | str = 0, progress: bool = True):
    """Fit ``model`` on scenes (seeded, shuffled) and return the Keras ``History``.

    ``model`` must be compiled (:func:`compile_for_training`); ``epochs`` is 1..200, ``batch_size`` 1..4096.
    ``progress`` prints ``epoch 1/4 · 2/4 …`` as the epochs end (:func:`helpers.notebook.progress`).
    Used in notebook 00.
    """
    import keras

    validate.model(model)
    if not getattr(model, "compiled", True):
        fail("model", "a compiled model", f"model {model.name!r}, which is not compiled",
             "call course_model.compile_for_training(model) first")
    epochs = validate.integer(epochs, "epochs", low=1, high=MAX_EPOCHS)
    batch_size = validate.integer(batch_size, "batch_size", low=1, high=MAX_BATCH_SIZE)
    seed = validate.integer(seed, "seed", low=0, high=2**32 - 1)
    if not (verbose == "auto" if isinstance(verbose, str) else
            isinstance(verbose, (int, np.integer)) and verbose in (0, 1, 2)):
        fail("verbose", "0 (silent), 1 (a progress bar), 2 (one line per epoch) or 'auto'", describe(verbose))
    if not isinstance(progress, (bool, np.bool_)):
        fail("progress", "True or False", describe(progress))
    x, y = _scene_data(model, train_scenes, "train_scenes")
    val = _scene_data(model, val_scenes, "val_scenes") if val_scenes is not None else None
    from .notebook import progress as _progress

    keras.utils.set_random_seed(seed)
    return model.fit(x, y, validation_data=val, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=verbose,
                     callbacks=[_progress("training")] if progress else [])


def _scenes(scenes, name: str, why: str = "") -> StreetScenes:
    if not isinstance(scenes, StreetScenes):
        fix = ("for pictures of your own use model.predict(course_model.preprocess(images))"
               if hasattr(scenes, "shape") else "make them with helpers.scenes.generate_scenes(n, seed)")
        fail(name, "StreetScenes (from helpers.scenes.generate_scenes)", describe(scenes), fix, kind=InputTypeError)
    if len(scenes) == 0:
        fail(name, "at least one scene", "an empty set (0 scenes)" + why,
             "generate some, e.g. generate_scenes(100, seed)")
    return scenes


def _scene_data(model, scenes, name: str, why: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Preprocessed images and labels of ``scenes``, checked against ``model``'s input size and classes."""
    scenes = _scenes(scenes, name, why)
    x = _model_inputs(scenes.images, f"{name}.images")
    labels = np.asarray(scenes.labels)
    if labels.shape != (len(x),):
        fail(f"{name}.class_ids", f"one class per scene, shape ({len(x)},)", f"shape {labels.shape}")
    shape = _input_shape(model)
    if shape is not None:
        if len(shape) != 4:
            fail("model", "a model taking pictures shaped (N, H, W, 3)", f"model {model.name!r} with inputs "
                 f"shaped {shape}", "pass the course convnet, e.g. course_model.load_course_model()")
        (h, w, c), got = shape[1:], x.shape[1:]
        if (h is not None and h != got[0]) or (w is not None and w != got[1]) or (c is not None and c != got[2]):
            fail(name, f"{h}x{w} scenes with {c} channels, as model {model.name!r} takes",
                 f"{got[0]}x{got[1]} scenes with {got[2]} channels", f"generate them with generate_scenes(n, seed, "
                 f"size={h})" if h == w and h is not None else "build the model for this image size")
    n_classes = _output_classes(model)
    if n_classes is not None and labels.size and labels.max() >= n_classes:
        fail("model", f"a classifier with an output per class of the scenes (at least {labels.max() + 1})",
             f"model {model.name!r} with {n_classes} outputs", "build it with n_classes=len(CLASS_NAMES)")
    return x, labels


def _input_shape(model) -> tuple | None:
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    return tuple(inputs[0].shape) if inputs and len(inputs) == 1 else None


def _output_classes(model) -> int | None:
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return None
    if not outputs:
        return None
    if len(outputs) != 1 or len(outputs[0].shape) != 2:
        fail("model", "a classifier with one output of class scores, shaped (N, n_classes)",
             f"model {model.name!r} with outputs shaped {[tuple(o.shape) for o in outputs]}",
             "pass the course convnet, e.g. course_model.load_course_model()")
    return outputs[0].shape[-1]


def load_course_model(path: str | os.PathLike | None = None) -> "keras.Model":
    """Load the shipped course convnet (Keras safe mode: no code is deserialised); see :mod:`helpers.shipped`."""
    return shipped.load("course_convnet", path)


def load_random_label_convnet(path: str | os.PathLike | None = None) -> "keras.Model":
    """Load the course convnet trained on randomly permuted labels (Keras safe mode; see :mod:`helpers.shipped`).

    Notebook 07's sanity check compares the saliency maps of the course convnet with this model's: same
    architecture, trained by ``make model`` on the same training scenes with their labels shuffled (Adebayo et
    al., 2018). It memorised those scenes and is at chance on new ones, so a map that looks the same for both
    models shows the picture, not what the model learned.

    Parameters
    ----------
    path : str, os.PathLike or None
        A ``.keras`` file of this model (e.g. from ``make model OUT=dir``), or None for the shipped
        ``data/models/course_convnet_random_labels.keras``, which is checked against ``data/MANIFEST``.

    Returns
    -------
    keras.Model
        Uncompiled, with the course convnet's layers (``block1_conv1`` ... ``logits``, ``predictions``).

    Raises
    ------
    FileNotFoundError
        When the file is missing, saying how to get it back.
    ValueError
        When the file is not a ``.keras`` archive of standard layers, is damaged, or (the shipped file)
        differs from its manifest entry.
    """
    return shipped.load("course_convnet_random_labels", path)


def load_second_seed_convnet(path: str | os.PathLike | None = None) -> "keras.Model":
    """Load the course convnet trained from a second seed (Keras safe mode; see :mod:`helpers.shipped`).

    Same architecture, recipe and training scenes as the course convnet; only the seed differs (initial weights,
    dropout, batch order). Notebook 07 uses it as the reference of its sanity checks: how similar are the saliency
    maps of two equally good models?

    Parameters
    ----------
    path : str, os.PathLike or None
        A ``.keras`` file of this model (e.g. from ``make model OUT=dir``), or None for the shipped
        ``data/models/course_convnet_second_seed.keras``, which is checked against ``data/MANIFEST``.

    Returns
    -------
    keras.Model
        Uncompiled, with the course convnet's layers (``block1_conv1`` ... ``logits``, ``predictions``).

    Raises
    ------
    FileNotFoundError
        When the file is missing, saying how to get it back.
    ValueError
        When the file is not a ``.keras`` archive of standard layers, is damaged, or (the shipped file)
        differs from its manifest entry.
    """
    return shipped.load("course_convnet_second_seed", path)


def load_shortcut_convnet(path: str | os.PathLike | None = None) -> "keras.Model":
    """Load the convnet that cheats on purpose (Keras safe mode; see :mod:`helpers.shipped`).

    The course convnet's architecture, trained by ``make model`` on scenes whose label only a small coloured
    square gives away (:func:`helpers.shortcut.shortcut_training_set`): what it uses is known. Notebook 08 asks
    which explanations find the square; :func:`helpers.shortcut.evaluate_shortcut` proves the shortcut.

    Parameters
    ----------
    path : str, os.PathLike or None
        A ``.keras`` file of this model (e.g. from ``make model OUT=dir``), or None for the shipped
        ``data/models/shortcut_convnet.keras``, which is checked against ``data/MANIFEST``.

    Returns
    -------
    keras.Model
        Uncompiled, with the course convnet's layers (``block1_conv1`` ... ``logits``, ``predictions``).

    Raises
    ------
    FileNotFoundError
        When the file is missing, saying how to get it back.
    ValueError
        When the file is not a ``.keras`` archive of standard layers, is damaged, or (the shipped file)
        differs from its manifest entry.
    """
    return shipped.load("shortcut_convnet", path)


def evaluate(model: "keras.Model", scenes: StreetScenes, batch_size: int = 256) -> tuple[float, np.ndarray]:
    """Accuracy and predicted 0-based class indices of ``model`` on ``scenes`` (at least one scene)."""
    if isinstance(model, (str, os.PathLike)) or not callable(getattr(model, "predict", None)):
        validate.model(model)  # says what came instead of a model, and how to load one
    batch_size = validate.integer(batch_size, "batch_size", low=1, high=MAX_BATCH_SIZE)
    x, labels = _scene_data(model, scenes, "scenes", ": an accuracy over no scenes is undefined")
    probs = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    if probs.ndim != 2 or probs.shape[0] != len(x) or probs.shape[1] < 1:
        fail("model", f"a classifier answering one row of class scores per scene, shape ({len(x)}, n_classes)",
             f"predictions shaped {probs.shape}", "pass the course convnet, e.g. course_model.load_course_model()")
    if not np.isfinite(probs).all():
        fail("model", "finite class scores", "NaN or infinite predictions (its weights are broken)",
             "reload it with course_model.load_course_model(), or retrain it with a smaller learning rate")
    if labels.max() >= probs.shape[1]:
        fail("model", f"a classifier with an output per class of the scenes (at least {labels.max() + 1})",
             f"{probs.shape[1]} class scores per scene", "build it with n_classes=len(CLASS_NAMES)")
    pred = probs.argmax(axis=1)
    return float((pred == labels).mean()), pred


def confusion_matrix(true: np.ndarray, pred: np.ndarray, n_classes: int = len(CLASS_NAMES)) -> np.ndarray:
    """``(n_classes, n_classes)`` counts: row = true class, column = predicted class (0-based)."""
    n_classes = validate.integer(n_classes, "n_classes", low=1, high=MAX_CLASSES)
    true, pred = _indices(true, "true", n_classes), _indices(pred, "pred", n_classes)
    if true.shape != pred.shape:
        fail("true and pred", "the same shape (one prediction per true label)", f"{true.shape} and {pred.shape}")
    cm = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(cm, (true, pred), 1)
    return cm


def _indices(value, name: str, n_classes: int) -> np.ndarray:
    """A 1-D array of 0-based class indices (empty is fine: its matrix is all zeros)."""
    arr = validate.array(value, name, dtype=None, nonempty=False)
    if arr.ndim != 1:
        fail(name, "a 1-D array of class indices, one per scene", f"shape {arr.shape}",
             "for rows of scores or one-hot rows pass scores.argmax(axis=1)" if arr.ndim == 2 else None)
    return validate.class_index(arr, name, n_classes)
