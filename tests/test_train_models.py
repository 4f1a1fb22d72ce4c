"""``make model``: one entry point rebuilds every shipped model; ``--smoke`` does it at a tiny size in CI."""

import hashlib
import subprocess
import sys

import numpy as np
import pytest

from course_tools import train_models
from helpers import shipped
from helpers.paths import ROOT


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.keras"))}


def test_every_shipped_file_is_in_the_registry_with_a_recipe():
    on_disk = {p.name for p in shipped.MODELS_DIR.glob("*")}
    assert on_disk == {m.filename for m in shipped.MODELS.values()}, "data/models and helpers.shipped.MODELS differ"
    assert list(train_models.RECIPES) == list(shipped.MODELS), "every registry model needs a training recipe"
    assert set(train_models.FULL) == set(train_models.SMOKE) == set(train_models.QUICK) == set(shipped.MODELS)
    order = list(shipped.MODELS)
    for m in shipped.MODELS.values():
        if m.base:
            assert order.index(m.base) < order.index(m.name), f"{m.name} is trained before its base {m.base}"


@pytest.mark.parametrize("name", list(shipped.MODELS))
def test_registry_builds_what_ships(name):
    """``make model`` saves a registry-built copy: its architecture must be the shipped file's."""
    built, loaded = shipped.build(name), shipped.load(name)
    assert [type(layer).__name__ for layer in built.layers] == [type(layer).__name__ for layer in loaded.layers]
    assert [w.shape for w in built.get_weights()] == [w.shape for w in loaded.get_weights()]


def test_loader_refuses_other_formats_and_says_how_to_get_a_missing_file(tmp_path):
    (tmp_path / "model.h5").write_bytes(b"not a keras file")
    with pytest.raises(ValueError, match=".keras"):
        shipped.load("localizer", tmp_path / "model.h5")
    with pytest.raises(FileNotFoundError, match="make model"):
        shipped.load("localizer", tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="course_convnet"):
        shipped.load("no_such_model")


def test_make_model_smoke_trains_and_saves_every_model(tmp_path):
    before = _digest(shipped.MODELS_DIR)
    run = subprocess.run([sys.executable, "-m", "course_tools.train_models", "--smoke", "--out", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert _digest(shipped.MODELS_DIR) == before, "a smoke run must never touch the shipped models"
    assert {p.name for p in tmp_path.glob("*.keras")} == {m.filename for m in shipped.MODELS.values()}
    x = np.zeros((2, 64, 64, 3), np.float32)
    for name in shipped.MODELS:
        assert f"{name:15s} [" in run.stdout, f"no progress bar for {name}"
        model = shipped.load(name, tmp_path / shipped.MODELS[name].filename)       # safe mode
        out = np.asarray(model(x))
        assert out.shape == np.asarray(shipped.load(name)(x)).shape and np.isfinite(out).all()
    # the random-label model reports what it is judged by: memorised (shuffled) labels, true-label test accuracy
    line = next(row for row in run.stdout.splitlines() if row.startswith("course_convnet_random_labels train_"))
    assert "train_accuracy_shuffled" in line and "test_accuracy" in line and "chance" in line
    # the smoke convnet was trained, not just built: its weights differ from a fresh build's
    trained = shipped.load("course_convnet", tmp_path / "course_convnet.keras").get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(trained, shipped.build("course_convnet").get_weights()))


def test_batches_scale_per_batch_and_reshuffle_every_epoch():
    images = np.arange(10 * 2 * 2 * 3, dtype=np.uint8).reshape(10, 2, 2, 3)
    targets = np.arange(10)
    data = train_models.Batches(images, targets, batch_size=4, seed=0)
    assert len(data) == 3
    seen = []
    for i in range(len(data)):
        x, y = data[i]
        assert x.dtype == np.float32 and np.allclose(x, images[y] / 255.0)
        seen.extend(y.tolist())
    assert sorted(seen) == list(range(10)), "every scene once per epoch"
    first = data.order.copy()
    data.on_epoch_end()
    assert not np.array_equal(first, data.order) and sorted(data.order) == list(range(10))
