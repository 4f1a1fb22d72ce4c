"""The models the course ships in ``data/models/``: one registry, one loader.

Every shipped model has one entry here -- its file, what it is, how to build it (untrained) and
which model its convolution blocks come from. Notebooks load them through the lesson modules'
``load_*`` functions (``course_model.load_course_model()``, ``localization.load_localizer()``, ...),
which all end in :func:`load`; ``make model`` (``python -m course_tools.train_models``) retrains every
entry of :data:`MODELS`, in order.

Loading is safe by construction: only ``.keras`` archives, inspected before Keras reads them (no Lambda layers,
nothing from outside Keras), loaded in Keras safe mode, and -- for the files in ``data/models/`` -- checked against
their SHA-256 in ``data/MANIFEST`` (:mod:`helpers.datafiles`).
"""

from __future__ import annotations

import importlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import datafiles, validate
from .datafiles import restore_hint
from .paths import DATA_DIR
from .validate import InputTypeError, describe, fail

if TYPE_CHECKING:
    import keras

__all__ = ["ShippedModel", "MODELS", "MODELS_DIR", "path", "load", "build", "check_output"]

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
    ShippedModel("course_convnet_random_labels", "random-label course convnet",
                 "course_model:build_random_label_convnet"),
    ShippedModel("course_convnet_second_seed", "second-seed course convnet",
                 "course_model:build_second_seed_convnet"),
    ShippedModel("shortcut_convnet", "shortcut convnet (trained to read a coloured marker)",
                 "course_model:build_shortcut_convnet"),
    ShippedModel("localizer", "localizer", "localization:build_localizer", base="course_convnet"),
    ShippedModel("pose_regressor", "pose regressor", "landmarks:build_pose_regressor", base="course_convnet"),
    ShippedModel("pose_heatmaps", "heatmap pose model", "landmarks:build_heatmap_pose", base="course_convnet"),
    ShippedModel("pose_block3_regressor", "block-3 pose regressor", "landmarks:build_block3_regressor",
                 base="course_convnet"),
    ShippedModel("grid_detector", "grid detector", "detection:build_grid_detector", base="course_convnet"),
)}


def _entry(name: str) -> ShippedModel:
    if not isinstance(name, str):
        fail("name", "the name of a shipped model: " + ", ".join(repr(n) for n in MODELS), describe(name),
             kind=InputTypeError)
    if name not in MODELS:
        fail("name", "the name of a shipped model: " + ", ".join(repr(n) for n in MODELS), repr(name))
    return MODELS[name]


def path(name: str, models_dir: str | os.PathLike | None = None) -> Path:
    """The file of shipped model ``name`` (in ``data/models/`` unless ``models_dir`` says otherwise)."""
    entry = _entry(name)
    if models_dir is not None and not isinstance(models_dir, (str, os.PathLike)):
        fail("models_dir", "a folder path or None", describe(models_dir), kind=InputTypeError)
    return Path(models_dir if models_dir is not None else MODELS_DIR) / entry.filename


def build(name: str, base: "keras.Model | None" = None) -> "keras.Model":
    """A fresh, untrained copy of shipped model ``name``.

    A model with a ``base`` in the registry needs that model (trained or not: its weights are shared);
    when none is given, an untrained one is built.
    """
    entry = _entry(name)
    if base is not None:
        if entry.base is None:
            fail("base", f"None: the {entry.description} starts from no other model", describe(base),
                 f"call shipped.build({name!r})")
        validate.model(base, "base")
    module, function = entry.builder.split(":")
    fn = getattr(importlib.import_module(f"helpers.{module}"), function)
    if entry.base is None:
        return fn()
    return fn(base if base is not None else build(entry.base))


#: ``config.json`` of a course model is about 15 kB; anything far larger is not one.
MAX_CONFIG_BYTES = 5 * 2**20
#: Layers that carry code or load other files: never loaded, whatever Keras's safe mode would do.
UNSAFE_CLASSES = {"Lambda": "a Lambda layer", "__lambda__": "a Python lambda", "TFSMLayer": "a TFSMLayer"}
#: Where a function named in a config may come from (activations, losses, metrics); never keras.config & co.
FUNCTION_MODULES = ("keras.activations", "keras.losses", "keras.metrics", "keras.ops", "keras.src.activations",
                    "keras.src.losses", "keras.src.metrics", "keras.src.ops")
STANDARD = "a .keras file of standard Keras layers (loaded in safe mode: no code is deserialised)"
REBUILD = "only standard Keras layers load: rebuild the model without Lambda or custom layers"


def load(name: str, file: str | os.PathLike | None = None) -> "keras.Model":
    """Load shipped model ``name`` (or the same kind of model from ``file``) in Keras safe mode, uncompiled.

    Safe mode deserialises no code: only ``.keras`` files of standard layers load. Before Keras reads the file,
    the archive is opened and its ``config.json`` inspected: a Lambda layer, a TFSMLayer or any object from a
    module outside Keras is refused with a message naming the file. The registry's own file (``file`` not given,
    as the lessons load it) must also match its SHA-256 in ``data/MANIFEST``; a file you name (a ``make model
    --out`` folder, your own model) is not hash-checked -- it is loaded in safe mode only. (That holds for a path
    into ``data/models/`` too: ``make model`` reloads the bases it has just written there before it rewrites the
    manifest.)

    Raises
    ------
    FileNotFoundError
        When the file is missing, saying how to get it back.
    helpers.datafiles.IntegrityError
        When the shipped file differs from the manifest (a ``ValueError``), saying how to restore it.
    helpers.validate.InputError
        For a file that is not a ``.keras`` archive, is damaged, or holds code (a ``ValueError``). Messages call
        the file ``path``, as every lesson's loader (``load_course_model(path)``, ...) names it.
    """
    entry = _entry(name)
    if file is not None and not isinstance(file, (str, os.PathLike)):
        fix = ("it is already a model: use it directly" if hasattr(file, "predict") else
               "pass the path of a .keras file, e.g. 'data/models/course_convnet.keras'")
        fail("path", "a path to a .keras file, or None for the shipped one", describe(file), fix,
             kind=InputTypeError)
    p = Path(file) if file is not None else path(name)
    shipped_file = file is None
    hint = (restore_hint(f"models/{p.name}") if shipped_file else
            "save the model again with model.save('<name>.keras'), or retrain it with `make model`")
    if p.suffix != ".keras":
        fail("path", f"a .keras file (the {entry.description} is loaded in safe mode)", repr(p.name),
             "save models with model.save('<name>.keras'); .h5 and other formats can carry code and are not loaded")
    if not p.is_file():
        if p.is_dir():
            fail("path", f"a .keras file holding the {entry.description}", f"the folder {str(p)!r}",
                 "name the .keras file inside it")
        raise FileNotFoundError(f"no {entry.description} at {p}: the course ships it in data/models/; restore it "
                                "with `git checkout data/models` or retrain it with `make model`")
    if shipped_file:
        datafiles.verify(p)
    _inspect(p, entry, hint)
    import keras

    model, err = None, None
    try:
        model = keras.saving.load_model(p, safe_mode=True, compile=False)
    except Exception as e:  # noqa: BLE001  (Keras raises many kinds; each becomes one clear message)
        err = e
    if err is not None:  # raised outside the except block: the student sees our message, not Keras's traceback
        text = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
        if "safe_mode" in str(err) or "unsafe" in str(err).lower():
            fail("path", STANDARD, f"{str(p)!r}, which Keras safe mode refused ({text[:200]})", REBUILD)
        fail("path", f"a .keras file holding the {entry.description}",
             f"{str(p)!r}, which Keras could not load ({text[:200]}): damaged, or not a model the course made", hint)
    if not isinstance(model, keras.Model):
        fail("path", f"a .keras file holding the {entry.description}", f"{str(p)!r}, which holds a "
             f"{type(model).__name__}, not a model", hint)
    return model


def check_output(model: "keras.Model", file, what: str, want: str, ok) -> "keras.Model":
    """Refuse a loaded file that holds another kind of model (issue 29: the detector's loader read the classifier's
    file): ``ok(output shape)`` must hold for the model's one output; ``want`` says what that output is."""
    try:
        outputs = list(model.outputs or [])
    except (AttributeError, ValueError):
        outputs = []
    out = tuple(outputs[0].shape) if outputs else ()
    if len(outputs) != 1 or not ok(out):
        fail("path", f"a .keras file holding the {what} (output: {want})",
             f"{str(file)!r}, which holds model {model.name!r} with output shape {out}",
             f"pass the {what}'s own file, or None for the shipped one")
    return model


def _inspect(p: Path, entry: ShippedModel, hint: str) -> None:
    """Open the archive and read its ``config.json``: refuse a damaged file or one holding code, naming it."""
    if not zipfile.is_zipfile(p):
        fail("path", f"a .keras archive (a zip file) holding the {entry.description}",
             f"{str(p)!r}, which is not a zip archive ({p.stat().st_size} bytes): damaged, truncated, or another "
             "format renamed to .keras", hint)
    config, why = None, None
    try:
        with zipfile.ZipFile(p) as archive:
            info = archive.getinfo("config.json")
            if info.file_size > MAX_CONFIG_BYTES:
                raise ValueError(f"config.json of {info.file_size:,} bytes")
            config = json.loads(archive.read(info))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError, RuntimeError) as err:
        why = "no config.json inside" if isinstance(err, KeyError) else f"{type(err).__name__}: {err}"[:200]
    if why is not None:
        fail("path", f"a .keras archive holding the {entry.description}",
             f"{str(p)!r}, which cannot be read ({why}): damaged, or not a model the course made", hint)
    found = _unsafe_parts(config)
    if found:
        fail("path", STANDARD, f"{str(p)!r}, which holds {', '.join(sorted(found)[:3])} -- code that would run "
             "when it is loaded", REBUILD)


def _unsafe_parts(config) -> set[str]:
    """What in a ``config.json`` could carry code: Lambda/TFSMLayer layers, objects from modules outside Keras,
    functions from Keras modules other than activations, losses and metrics (``keras.config``, ``keras.utils``)."""
    found: set[str] = set()
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            cls, module = item.get("class_name"), item.get("module")
            if isinstance(cls, str) and cls in UNSAFE_CLASSES:
                layer = item.get("config", {}).get("name") if isinstance(item.get("config"), dict) else None
                found.add(UNSAFE_CLASSES[cls] + (f" {layer!r}" if layer else ""))
            if module is not None and not (isinstance(module, str) and (module == "keras" or
                                                                        module.startswith("keras."))):
                found.add(f"a {cls} from module {module!r}")
            elif cls == "function" and not (module or "").startswith(FUNCTION_MODULES):
                found.add(f"a reference to the function {module}.{item.get('config')}")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
