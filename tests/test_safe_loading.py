"""Safe loading: only .keras files of standard layers, shipped files checked against data/MANIFEST, cached ImageNet
weights checked against their published hash, and a clear message naming the file whenever something is refused."""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import shutil
import zipfile

import keras
import numpy as np
import pytest

from helpers import course_model, datafiles, imagenet, images, shipped
from helpers.datafiles import IntegrityError
from helpers.paths import DATA_DIR, ROOT
from helpers.validate import InputError


def _tiny(path):
    """A tiny course convnet saved to ``path`` (seconds to build)."""
    model = course_model.build_course_convnet(image_size=8, widths=(2,), dense=2)
    model.save(path)
    return model


def _lambda_model(path):
    i = keras.Input((4,))
    keras.Model(i, keras.layers.Lambda(lambda x: x * 2, name="double")(keras.layers.Dense(2)(i))).save(path)
    return path


# ------------------------------------------------------------------------------------------
# only .keras files of standard layers, in safe mode
# ------------------------------------------------------------------------------------------

def test_a_lambda_layer_is_refused_with_a_clear_message(tmp_path):
    path = _lambda_model(tmp_path / "doubler.keras")
    with pytest.raises(InputError) as err:
        course_model.load_course_model(path)
    msg = str(err.value)
    assert "doubler.keras" in msg and "Lambda layer 'double'" in msg and "only standard Keras layers" in msg
    assert err.value.__context__ is None, "the student sees our message, not a Keras traceback under it"
    # the second line of defence: Keras's own safe mode (at the course's floor) refuses it too
    with pytest.raises(ValueError, match="safe_mode"):
        keras.saving.load_model(path, safe_mode=True, compile=False)


def _with_config(src, dst, edit):
    """Copy the .keras archive ``src`` to ``dst`` with its config.json changed by ``edit``."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w") as b:
        for name in a.namelist():
            data = a.read(name)
            if name == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config)
            b.writestr(name, data)
    return dst


@pytest.mark.parametrize("kind, edit, words", [
    ("unsafe switch", lambda c: c["config"]["layers"][1]["config"].update(
        kernel_initializer={"module": "keras.config", "class_name": "function",
                            "config": "enable_unsafe_deserialization", "registered_name": None}),
     ["function keras.config.enable_unsafe_deserialization"]),
    ("custom module", lambda c: c["config"]["layers"][1].update(module="evil_package"), ["module 'evil_package'"]),
    ("TFSMLayer", lambda c: c["config"]["layers"][1].update(class_name="TFSMLayer"), ["TFSMLayer"]),
])
def test_code_carrying_configs_are_refused_before_keras_reads_them(tmp_path, monkeypatch, kind, edit, words):
    """Crafted archives like those of the safe-mode advisories never reach Keras."""
    _tiny(tmp_path / "good.keras")
    bad = _with_config(tmp_path / "good.keras", tmp_path / "crafted.keras", edit)
    monkeypatch.setattr(keras.saving, "load_model", lambda *a, **k: pytest.fail("Keras must not read it"))
    with pytest.raises(InputError) as err:
        course_model.load_course_model(bad)
    for word in ["crafted.keras", "only standard Keras layers", *words]:
        assert word in str(err.value)


@pytest.mark.parametrize("damage", ["not a zip", "truncated", "empty", "no config", "bad weights"])
def test_a_damaged_file_gets_a_clear_error_naming_it(tmp_path, damage):
    good = tmp_path / "good.keras"
    _tiny(good)
    bad = tmp_path / "damaged.keras"
    if damage == "not a zip":
        bad.write_text("a text file renamed to .keras")
    elif damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "empty":
        bad.write_bytes(b"")
    else:
        with zipfile.ZipFile(good) as a, zipfile.ZipFile(bad, "w") as b:
            for name in a.namelist():
                if damage == "no config" and name == "config.json":
                    continue
                data = a.read(name)
                b.writestr(name, data[:300] if damage == "bad weights" and name.endswith(".h5") else data)
    with pytest.raises(InputError) as err:
        course_model.load_course_model(bad)
    msg = str(err.value)
    assert "damaged.keras" in msg and msg.startswith("path:") and "fix:" in msg
    assert "file not found" not in msg.lower(), "the file exists: Keras's 'File not found' would mislead"
    assert err.value.__context__ is None


def test_only_keras_files_load(tmp_path):
    for name in ("model.h5", "model.hdf5", "model.pkl", "model"):
        (tmp_path / name).write_bytes(b"\x80\x04 anything")
        with pytest.raises(InputError, match=r"\.keras"):
            shipped.load("course_convnet", tmp_path / name)


def test_a_file_of_the_students_own_loads_in_safe_mode_without_a_hash_check(tmp_path, monkeypatch):
    model = _tiny(tmp_path / "mine.keras")
    checked = []
    monkeypatch.setattr(datafiles, "verify", lambda p, *a: checked.append(p))
    again = course_model.load_course_model(tmp_path / "mine.keras")
    x = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
    assert np.allclose(model.predict(x, verbose=0), again.predict(x, verbose=0)) and checked == []


# ------------------------------------------------------------------------------------------
# shipped files match data/MANIFEST
# ------------------------------------------------------------------------------------------

def test_every_shipped_file_is_checked_and_matches():
    for name in shipped.MODELS:
        assert datafiles.verify(shipped.path(name)) is True
    for photo in images.photo_names():
        assert datafiles.verify(images.PHOTO_DIR / f"{photo}.png") is True
    assert datafiles.verify(ROOT / "README.md") is False, "a file outside data/ is not in the manifest"


def _fake_data(tmp_path, monkeypatch):
    """A copy of data/ the helpers use instead of the real one."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    monkeypatch.setattr(datafiles, "DATA_DIR", data)
    monkeypatch.setattr(shipped, "MODELS_DIR", data / "models")
    monkeypatch.setattr(images, "PHOTO_DIR", data / "photos")
    return data


def test_a_changed_shipped_model_is_refused_saying_how_to_restore_it(tmp_path, monkeypatch):
    data = _fake_data(tmp_path, monkeypatch)
    _tiny(data / "models" / "course_convnet.keras")     # a valid model, but not the one the course ships
    with pytest.raises(IntegrityError) as err:
        course_model.load_course_model()
    msg = str(err.value)
    assert "data/models/course_convnet.keras" in msg and "MANIFEST" in msg
    assert "git checkout data/models/course_convnet.keras" in msg and "make model" in msg
    # the same file named explicitly (as `make model` reloads a base it has just written) is not hash-checked
    assert course_model.load_course_model(data / "models" / "course_convnet.keras").name == "course_convnet"


def test_a_git_lfs_pointer_is_named_as_such(tmp_path, monkeypatch):
    data = _fake_data(tmp_path, monkeypatch)
    (data / "models" / "localizer.keras").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:ab\n")
    with pytest.raises(IntegrityError, match="Git LFS pointer"):
        shipped.load("localizer")


def test_a_changed_shipped_photo_is_refused(tmp_path, monkeypatch):
    data = _fake_data(tmp_path, monkeypatch)
    photo = data / "photos" / "chelsea_cat.png"
    photo.write_bytes(photo.read_bytes() + b"x")
    with pytest.raises(IntegrityError, match="git checkout data/photos/chelsea_cat.png"):
        images.load_photo("chelsea_cat")
    assert images.load_photo("coffee_cup", size=8).shape == (8, 8, 3), "the untouched one still loads"


def test_a_students_own_photo_in_data_is_not_checked(tmp_path, monkeypatch):
    data = _fake_data(tmp_path, monkeypatch)
    shutil.copy(data / "photos" / "coffee_cup.png", data / "photos" / "my_cup.png")
    assert images.load_photo("my_cup", size=8).shape == (8, 8, 3)


def test_each_file_is_hashed_once_per_version(tmp_path, monkeypatch):
    calls = []
    real = datafiles._hash
    monkeypatch.setattr(datafiles, "_hash", lambda p, a: calls.append(p) or real(p, a))
    f = tmp_path / "f.bin"
    f.write_bytes(b"one")
    assert datafiles.digest(f) == datafiles.digest(f) == hashlib.sha256(b"one").hexdigest()
    assert len(calls) == 1
    f.write_bytes(b"two!")                                     # a new version: hashed again
    assert datafiles.digest(f) == hashlib.sha256(b"two!").hexdigest() and len(calls) == 2


def test_one_manifest_reader_shared_by_the_lessons_and_the_tools():
    from course_tools import manifest

    assert manifest.read is datafiles.read and manifest.sha256 is datafiles.sha256 and manifest.Entry is datafiles.Entry


def test_the_helpers_stand_alone_without_course_tools():
    for path in (ROOT / "helpers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "course_tools" for n in names), f"{path.name} imports course_tools"


# ------------------------------------------------------------------------------------------
# cached ImageNet weights: their published hash
# ------------------------------------------------------------------------------------------

def test_the_published_hashes_are_the_installed_keras_ones():
    from keras.src.applications import vgg16

    source = inspect.getsource(vgg16)
    for top in (True, False):
        assert imagenet.FILE_HASHES[top] in source and imagenet.WEIGHTS[top] in source


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    assert imagenet.keras_cache_dir() == tmp_path / "models"
    return tmp_path / "models"


def test_wrong_cached_weights_are_not_used(cache, monkeypatch, capsys):
    (cache / imagenet.WEIGHTS[False]).write_bytes(b"half a download")
    monkeypatch.setattr(keras.applications, "VGG16", lambda **k: pytest.fail("the wrong file must not be loaded"))
    assert imagenet.cached_vgg16(include_top=False) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "published hash" in out and "make imagenet" in out and str(cache) in out
    assert imagenet.cached_vgg16(include_top=False, quiet=True) is None and capsys.readouterr().out == ""


def test_missing_weights_say_how_to_get_them(cache, capsys):
    assert imagenet.cached_vgg16() is None
    assert "not in the Keras cache" in capsys.readouterr().out


def test_weights_matching_their_hash_are_used(cache, monkeypatch):
    weights = cache / imagenet.WEIGHTS[True]
    weights.write_bytes(b"pretend weights")
    monkeypatch.setitem(imagenet.FILE_HASHES, True, hashlib.md5(b"pretend weights").hexdigest())
    seen = {}
    monkeypatch.setattr(keras.applications, "VGG16", lambda **k: seen.update(k) or "vgg16")
    assert imagenet.cached_vgg16() == "vgg16" and seen == {"weights": str(weights), "include_top": True}

