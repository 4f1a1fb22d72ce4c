"""The models the course ships in ``data/models/``: one registry, one loader.

Every shipped model has one entry here -- its file, what it is, how to build it (untrained) and
which model its convolution blocks come from. Notebooks load them through the lesson modules'
``load_*`` functions (``course_model.load_course_model()``, ``localization.load_localizer()``, ...),
which all end in :func:`load`; ``make model`` (``python -m course_tools.train_models``) retrains every
entry of :data:`MODELS`, in order.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .paths import DATA_DIR

if TYPE_CHECKING:
    import keras

__all__ = ["ShippedModel", "MODELS", "MODELS_DIR", "path", "load", "build"]

#: Where the shipped models live.
MODELS_DIR = DATA_DIR / "models"


@dataclass(frozen=True)
class ShippedModel:
    """One shipped model.

    Attributes
    ----------
    name : str
        Registry key, also the file's stem (``<name>.keras``).
    description : str
        What it is, in words (used in messages).
    builder : str
        ``"module:function"`` in :mod:`helpers` that builds it untrained.
    base : str or None
        The registry name of the model whose convolution blocks it starts from (its builder then takes
        that model as its one argument), or None.
    """

    name: str
    description: str
    builder: str
    base: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}.keras"


#: Every shipped model, in training order (a model's base comes before it).
MODELS: dict[str, ShippedModel] = {m.name: m for m in (
    ShippedModel("course_convnet", "course convnet", "course_model:build_course_convnet"),
    ShippedModel("localizer", "localizer", "localization:build_localizer", base="course_convnet"),
    ShippedModel("pose_regressor", "pose regressor", "landmarks:build_pose_regressor", base="course_convnet"),
    ShippedModel("pose_heatmaps", "heatmap pose model", "landmarks:build_heatmap_pose", base="course_convnet"),
)}


def _entry(name: str) -> ShippedModel:
    if name not in MODELS:
        raise ValueError(f"no shipped model named {name!r}: the course ships {', '.join(MODELS)}")
    return MODELS[name]


def path(name: str, models_dir: str | os.PathLike | None = None) -> Path:
    """The file of shipped model ``name`` (in ``data/models/`` unless ``models_dir`` says otherwise)."""
    return Path(models_dir if models_dir is not None else MODELS_DIR) / _entry(name).filename


def build(name: str, base: "keras.Model | None" = None) -> "keras.Model":
    """A fresh, untrained copy of shipped model ``name``.

    A model with a ``base`` in the registry needs that model (trained or not: its weights are shared);
    when none is given, an untrained one is built.
    """
    entry = _entry(name)
    module, function = entry.builder.split(":")
    fn = getattr(importlib.import_module(f"helpers.{module}"), function)
    if entry.base is None:
        return fn()
    return fn(base if base is not None else build(entry.base))


def load(name: str, file: str | os.PathLike | None = None) -> "keras.Model":
    """Load shipped model ``name`` (or the same kind of model from ``file``) in Keras safe mode, uncompiled.

    Safe mode deserialises no code: only ``.keras`` files of standard layers load.

    Raises
    ------
    FileNotFoundError
        When the file is missing, saying how to get it back.
    ValueError
        For a file that is not a ``.keras`` archive.
    """
    import keras

    entry = _entry(name)
    p = Path(file) if file is not None else path(name)
    if not p.is_file():
        raise FileNotFoundError(f"no {entry.description} at {p}: the course ships it in data/models/; restore it "
                                "with `git checkout data/models` or retrain it with `make model`")
    if p.suffix != ".keras":
        raise ValueError(f"the {entry.description} must be a .keras file (loaded in safe mode), got {p.name!r}")
    return keras.saving.load_model(p, safe_mode=True, compile=False)
