"""The random-label model (notebook 07's sanity check, after Adebayo et al. 2018): the course convnet's exact
architecture, trained by ``make model`` on permuted labels -- it learnt nothing about the classes."""

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from course_tools import train_models
from helpers import course_model as cm
from helpers import datafiles, shipped
from helpers.datafiles import IntegrityError
from helpers.paths import DATA_DIR
from helpers.scenes import generate_scenes

NAME = "course_convnet_random_labels"


@pytest.fixture(scope="module")
def models():
    return cm.load_course_model(), cm.load_random_label_convnet()


@pytest.fixture(scope="module")
def test_scenes():
    return generate_scenes(300, cm.TEST_SEED)


def test_it_is_registered_after_the_course_convnet_with_a_recipe():
    entry = shipped.MODELS[NAME]
    assert entry.base is None and entry.filename == f"{NAME}.keras"
    order = list(shipped.MODELS)
    assert order.index(NAME) == order.index("course_convnet") + 1
    assert train_models.RECIPES[NAME] is train_models._course_convnet_random_labels
    size = train_models.FULL[NAME]
    assert size.train <= 3000 and size.test == 2000, "a small set to memorise, judged on 2,000 test scenes"


def test_the_shipped_file_is_hash_checked_and_loaded_in_safe_mode(monkeypatch):
    checked = []
    real = datafiles.verify

    def spy(path, *args):
        checked.append((Path(path), real(path, *args)))
        return checked[-1][1]

    monkeypatch.setattr(datafiles, "verify", spy)
    model = cm.load_random_label_convnet()
    assert checked == [(shipped.path(NAME), True)], "listed in data/MANIFEST and checked against it"
    assert model.name == NAME and not getattr(model, "compiled", False)


def test_a_changed_shipped_file_is_refused(tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    shutil.copy(DATA_DIR / "MANIFEST", data / "MANIFEST")
    shutil.copy(shipped.path("course_convnet"), data / "models" / f"{NAME}.keras")   # the real model, renamed
    monkeypatch.setattr(datafiles, "DATA_DIR", data)
    monkeypatch.setattr(shipped, "MODELS_DIR", data / "models")
    with pytest.raises(IntegrityError, match=f"git checkout data/models/{NAME}.keras"):
        cm.load_random_label_convnet()


def test_same_layers_as_the_course_convnet_but_other_weights(models):
    real, random = models
    assert [layer.name for layer in random.layers] == [layer.name for layer in real.layers]
    assert [type(layer).__name__ for layer in random.layers] == [type(layer).__name__ for layer in real.layers]
    assert [w.shape for w in random.get_weights()] == [w.shape for w in real.get_weights()]
    assert all(not np.allclose(a, b) for a, b in zip(random.get_weights(), real.get_weights()))
    built = cm.build_random_label_convnet()
    assert built.name == NAME and [w.shape for w in built.get_weights()] == [w.shape for w in real.get_weights()]


def test_it_takes_one_batch_of_pictures_like_the_course_convnet(models):
    """One input tensor, not a list of one: calling it on a batch warns about no input structure."""
    real, random = models
    assert random.get_config()["input_layers"] == real.get_config()["input_layers"]
    assert random.get_config()["output_layers"] == real.get_config()["output_layers"]
    x = np.zeros((2, 64, 64, 3), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.asarray(random(x)).shape == (2, 4)


def test_it_is_near_chance_where_the_course_convnet_is_right(models, test_scenes):
    real, random = models
    chance = np.bincount(test_scenes.labels).max() / len(test_scenes)
    acc_real, _ = cm.evaluate(real, test_scenes)
    acc_random, pred = cm.evaluate(random, test_scenes)
    assert acc_real >= 0.95
    assert acc_random <= 0.5, f"the random-label model scores {acc_random:.3f} on true labels: it learnt the classes"
    assert abs(acc_random - chance) < 0.15, f"{acc_random:.3f} against chance {chance:.3f}"
    assert len(np.unique(pred)) >= 3, "it memorised scenes, it does not answer one class for all"


def test_it_memorised_its_shuffled_training_labels(models):
    """The first 300 of the recipe's training scenes, with the recipe's permutation: learnt by heart."""
    _, random = models
    n = train_models.FULL[NAME].train
    train = generate_scenes(n, cm.TRAIN_SEED)
    shuffled = np.random.default_rng(train_models.RANDOM_LABEL_SEED).permutation(train.labels)
    pred = random.predict(cm.preprocess(train.images[:300]), batch_size=300, verbose=0).argmax(axis=1)
    assert (pred == shuffled[:300]).mean() >= 0.9


def test_the_loader_checks_its_path_like_the_others(tmp_path):
    with pytest.raises(FileNotFoundError, match="make model"):
        cm.load_random_label_convnet(tmp_path / "nope.keras")
    (tmp_path / "model.h5").write_bytes(b"not a keras file")
    with pytest.raises(ValueError, match=r"\.keras"):
        cm.load_random_label_convnet(tmp_path / "model.h5")
    with pytest.raises(TypeError, match="path"):
        cm.load_random_label_convnet(3)
