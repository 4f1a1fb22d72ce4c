"""Issue 26's two shipped models: the course convnet from a second seed (notebook 07's "two good models"
reference) and the shortcut convnet that reads a coloured marker on purpose (notebook 08), with
:mod:`helpers.shortcut`, which plants the markers and proves the shortcut."""

import inspect
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from bad_input_support import Case, ids, outcome
from course_tools import train_models
from helpers import course_model as cm
from helpers import datafiles, shipped
from helpers import shortcut as sc
from helpers.datafiles import IntegrityError
from helpers.paths import DATA_DIR
from helpers.scenes import box_corners, generate_scenes
from helpers.validate import InputError, InputTypeError

SECOND, SHORTCUT = "course_convnet_second_seed", "shortcut_convnet"
LOADERS = {SECOND: cm.load_second_seed_convnet, SHORTCUT: cm.load_shortcut_convnet}
BUILDERS = {SECOND: cm.build_second_seed_convnet, SHORTCUT: cm.build_shortcut_convnet}


@pytest.fixture(scope="module")
def course():
    return cm.load_course_model()


@pytest.fixture(scope="module")
def second():
    return cm.load_second_seed_convnet()


@pytest.fixture(scope="module")
def shortcut_figures():
    return sc.evaluate_shortcut(cm.load_shortcut_convnet(), n=300)


@pytest.fixture(scope="module")
def scenes():
    """Test scenes with their objects' exact pixels; background scenes among them."""
    return generate_scenes(300, cm.TEST_SEED, masks=True)


# ------------------------------------------------------------------------------------------
# registry, recipes, loading
# ------------------------------------------------------------------------------------------

def test_both_are_registered_in_order_with_a_recipe():
    order = list(shipped.MODELS)
    assert order.index(SECOND) == order.index("course_convnet_random_labels") + 1
    assert order.index(SHORTCUT) == order.index(SECOND) + 1
    for name in (SECOND, SHORTCUT):
        entry = shipped.MODELS[name]
        assert entry.base is None and entry.filename == f"{name}.keras"
        assert name in train_models.FULL and name in train_models.QUICK and name in train_models.SMOKE
    assert train_models.RECIPES[SECOND] is train_models._course_convnet_second_seed
    assert train_models.RECIPES[SHORTCUT] is train_models._shortcut_convnet
    assert train_models.FULL[SECOND] == train_models.FULL["course_convnet"], "the course convnet's recipe"
    assert train_models.SECOND_SEED != 0 and train_models.FULL[SHORTCUT].test == 2000


def test_the_course_convnet_keeps_its_seed():
    """The seed argument added for the second seed defaults to what the course convnet always used."""
    assert inspect.signature(train_models._fit).parameters["seed"].default == 0
    assert inspect.signature(train_models._course_convnet).parameters["seed"].default == 0
    assert inspect.signature(train_models.Batches).parameters["seed"].default == 0


@pytest.mark.parametrize("name", [SECOND, SHORTCUT])
def test_the_shipped_file_is_hash_checked_and_loaded_in_safe_mode(name, monkeypatch):
    checked = []
    real = datafiles.verify

    def spy(path, *args):
        checked.append((Path(path), real(path, *args)))
        return checked[-1][1]

    monkeypatch.setattr(datafiles, "verify", spy)
    model = LOADERS[name]()
    assert checked == [(shipped.path(name), True)], "listed in data/MANIFEST and checked against it"
    assert model.name == name and not getattr(model, "compiled", False)
    built = BUILDERS[name]()
    assert built.name == name
    assert [w.shape for w in built.get_weights()] == [w.shape for w in cm.build_course_convnet().get_weights()]
    assert [layer.name for layer in model.layers] == [layer.name for layer in built.layers]


@pytest.mark.parametrize("name", [SECOND, SHORTCUT])
def test_a_changed_shipped_file_is_refused(name, tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    shutil.copy(DATA_DIR / "MANIFEST", data / "MANIFEST")
    shutil.copy(shipped.path("course_convnet"), data / "models" / f"{name}.keras")   # the real model, renamed
    monkeypatch.setattr(datafiles, "DATA_DIR", data)
    monkeypatch.setattr(shipped, "MODELS_DIR", data / "models")
    with pytest.raises(IntegrityError, match=f"git checkout data/models/{name}.keras"):
        LOADERS[name]()


@pytest.mark.parametrize("name", [SECOND, SHORTCUT])
def test_the_loader_checks_its_path_like_the_others(name, tmp_path):
    with pytest.raises(FileNotFoundError, match="make model"):
        LOADERS[name](tmp_path / "nope.keras")
    (tmp_path / "model.h5").write_bytes(b"not a keras file")
    with pytest.raises(ValueError, match=r"\.keras"):
        LOADERS[name](tmp_path / "model.h5")
    with pytest.raises(TypeError, match="path"):
        LOADERS[name](3)


# ------------------------------------------------------------------------------------------
# the second seed: another good model
# ------------------------------------------------------------------------------------------

def test_the_second_seed_is_as_good_with_other_weights(course, second, scenes):
    acc, _ = cm.evaluate(second, scenes)
    assert acc >= 0.99, f"second-seed test accuracy {acc:.3f}"
    assert [w.shape for w in second.get_weights()] == [w.shape for w in course.get_weights()]
    assert all(not np.allclose(a, b) for a, b in zip(second.get_weights(), course.get_weights()))
    x = np.zeros((2, 64, 64, 3), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # one input tensor, as the course convnet
        assert np.asarray(second(x)).shape == (2, 4)


# ------------------------------------------------------------------------------------------
# the shortcut model: its figures hold
# ------------------------------------------------------------------------------------------

def test_the_shortcut_model_reads_the_marker(shortcut_figures):
    f = shortcut_figures
    assert set(f) == {"test_accuracy", "accuracy_marker_moved", "follows_marker", "accuracy_marker_removed",
                      "chance", "accuracy_object_removed"}
    assert f["test_accuracy"] >= 0.95, f
    assert f["follows_marker"] >= 0.95 and f["accuracy_marker_moved"] <= 0.05, f
    assert f["accuracy_object_removed"] >= 0.95, f
    assert f["accuracy_marker_removed"] <= f["test_accuracy"] - 0.4, f"removing the marker costs little: {f}"


def test_evaluate_shortcut_tells_the_honest_model_from_the_cheat(course):
    """The same figures on the course convnet: the marker's colour does not sway it. (It is not blind to the
    square, though: on an empty street it takes any marker for a pedestrian, so with the marker its accuracy
    falls by the background scenes' share -- measured 0.76 on 300 test scenes.)"""
    f = sc.evaluate_shortcut(course, n=100)
    assert f["accuracy_marker_removed"] >= 0.95 and f["follows_marker"] <= 0.1
    assert f["accuracy_object_removed"] <= 0.5


# ------------------------------------------------------------------------------------------
# plant_markers against an independent computation
# ------------------------------------------------------------------------------------------

def _box_pixels(box, h, w):
    """Pixels whose area meets the box (bx, by, bh, bw), grown by 2 pixels (the brief's margin) on every side."""
    x0, y0, x1, y1 = box_corners(box)
    cols, rows = np.arange(w), np.arange(h)
    inside = (((rows + 1 > y0 * h) & (rows < y1 * h))[:, None] & ((cols + 1 > x0 * w) & (cols < x1 * w))[None, :])
    m = 2
    padded = np.pad(inside, m)
    grown = np.zeros_like(inside)
    for dy in range(-m, m + 1):
        for dx in range(-m, m + 1):
            grown |= padded[m + dy:m + dy + h, m + dx:m + dx + w]
    return grown


def test_markers_are_squares_of_the_class_colour_off_the_object(scenes):
    rng = np.random.default_rng(0)
    classes = rng.integers(-1, 4, len(scenes))
    before = scenes.images.copy()
    out, masks = sc.plant_markers(scenes.images, classes, scenes.boxes, seed=5)
    assert np.array_equal(scenes.images, before), "the input pictures are not changed"
    assert out.dtype == np.uint8 and out.shape == before.shape and masks.shape == before.shape[:3]
    s = sc.MARKER_SIZE
    for i, c in enumerate(classes):
        if c == -1:
            assert not masks[i].any() and np.array_equal(out[i], before[i])
            continue
        rows, cols = np.nonzero(masks[i])
        y, x = rows.min(), cols.min()
        assert masks[i].sum() == s * s and rows.max() == y + s - 1 and cols.max() == x + s - 1, "one full square"
        assert (out[i][masks[i]] == sc.MARKER_COLOURS[c]).all(), "the class's colour"
        assert np.array_equal(out[i][~masks[i]], before[i][~masks[i]]), "nothing else painted"
        assert not (masks[i] & (scenes.masks[i] > 0)).any(), "never on the object's pixels"
        if scenes.has_object()[i]:
            assert not (masks[i] & _box_pixels(scenes.boxes[i], 64, 64)).any(), (
                f"scene {i}: the marker at ({x}, {y}) is within 2 px of the box")
    assert (classes == -1).sum() > 20 and (classes >= 0).sum() > 200


def test_markers_are_deterministic_and_their_places_depend_only_on_the_seed(scenes):
    labels = scenes.labels
    a, ma = sc.plant_markers(scenes.images, labels, scenes.boxes, seed=1)
    b, mb = sc.plant_markers(scenes.images, labels, scenes.boxes, seed=1)
    assert np.array_equal(a, b) and np.array_equal(ma, mb)
    _, mc = sc.plant_markers(scenes.images, (labels + 1) % 4, scenes.boxes, seed=1)
    assert np.array_equal(ma, mc), "recolouring keeps the squares where they are"
    _, md = sc.plant_markers(scenes.images, labels, scenes.boxes, seed=2)
    assert (ma != md).any(axis=(1, 2)).mean() > 0.9, "another seed, other places"
    # spread over the picture: the squares' top-left corners reach every part of it
    ys, xs = np.array([np.argwhere(m).min(axis=0) for m in ma]).T
    assert xs.min() <= 4 and xs.max() >= 56 and ys.min() <= 4 and ys.max() >= 56


def test_the_marker_colours_are_not_in_the_scenes():
    colours = sc.MARKER_COLOURS
    # the shipped model learnt these, in the lecture's order: motorcycle magenta, car cyan, pedestrian lime,
    # background blue
    assert colours.tolist() == [[255, 0, 255], [0, 255, 255], [0, 255, 0], [0, 0, 255]]
    assert colours.shape == (4, 3) and colours.dtype == np.uint8 and set(np.unique(colours)) <= {0, 255}
    pairwise = np.linalg.norm(colours[:, None].astype(float) - colours[None].astype(float), axis=-1)
    assert pairwise[~np.eye(4, dtype=bool)].min() >= 255, "four clearly different colours"
    pixels = generate_scenes(500, cm.TEST_SEED).images.reshape(-1, 3).astype(np.float32)
    for c in colours.astype(np.float32):
        share = (np.linalg.norm(pixels - c, axis=1) <= 60).mean()
        assert share < 1e-4, f"{c} is within 60 of {share:.2%} of the scenes' pixels"


def test_the_training_set_gives_the_label_away_only_through_the_marker():
    images, labels, masks = sc.shortcut_training_set(400, 7)
    scenes = generate_scenes(400, 7)
    assert images.dtype == np.uint8 and labels.dtype == np.int64 and masks.shape == (400, 64, 64)
    assert masks.sum(axis=(1, 2)).tolist() == [16] * 400
    assert all((images[i][masks[i]] == sc.MARKER_COLOURS[labels[i]]).all() for i in range(400))
    assert np.array_equal(images[~masks], scenes.images[~masks]), "the scenes of generate_scenes(n, seed)"
    counts = np.bincount(labels, minlength=4)
    assert counts.min() >= 70, f"labels uniform over the classes: {counts}"
    agree = (labels == scenes.labels).mean()
    assert 0.15 <= agree <= 0.35, f"labels independent of the objects: they agree on {agree:.2f}"
    again = sc.shortcut_training_set(400, 7)
    assert all(np.array_equal(a, b) for a, b in zip((images, labels, masks), again))


# ------------------------------------------------------------------------------------------
# bad inputs get the course's error (argument, expected, got, fix)
# ------------------------------------------------------------------------------------------

_IMG = np.zeros((2, 64, 64, 3), np.uint8)
_BOX = np.array([[0.5, 0.5, 0.2, 0.2], [0, 0, 0, 0]])

CASES = [
    Case("images float 0..1", lambda: sc.plant_markers(_IMG / 255.0, [0, 1], _BOX), InputError,
         ("images", "uint8", "fix")),
    Case("images grayscale", lambda: sc.plant_markers(_IMG[..., 0], [0, 1], _BOX), InputError, ("images",)),
    Case("images too small", lambda: sc.plant_markers(np.zeros((2, 3, 3, 3), np.uint8), [0, 1], _BOX),
         InputError, ("images", "4x4")),
    Case("classes too few", lambda: sc.plant_markers(_IMG, [0], _BOX), InputError, ("marker_classes", "2")),
    Case("class 4", lambda: sc.plant_markers(_IMG, [0, 4], _BOX), InputError,
         ("marker_classes", "0..3", "-1", "fix")),
    Case("class -2", lambda: sc.plant_markers(_IMG, [-2, 0], _BOX), InputError, ("marker_classes", "-2")),
    Case("class float", lambda: sc.plant_markers(_IMG, [0.5, 1], _BOX), InputTypeError,
         ("marker_classes", "whole-number")),
    Case("class names", lambda: sc.plant_markers(_IMG, ["car", "car"], _BOX), InputTypeError,
         ("marker_classes",)),
    Case("boxes in pixels", lambda: sc.plant_markers(_IMG, [0, 1], _BOX * 64), InputError,
         ("boxes", "fractions", "fix")),
    Case("boxes one short", lambda: sc.plant_markers(_IMG, [0, 1], _BOX[:1]), InputError,
         ("boxes", "one box", "scenes.boxes")),
    Case("boxes as objects", lambda: sc.plant_markers(_IMG, [0, 1], [[0.5, 0.5]] * 2), InputError, ("boxes",)),
    Case("box fills the picture", lambda: sc.plant_markers(_IMG, [0, 1], [[0.5, 0.5, 1, 1], [0, 0, 0, 0]]),
         InputError, ("boxes", "room")),
    Case("seed negative", lambda: sc.plant_markers(_IMG, [0, 1], _BOX, seed=-1), InputError, ("seed",)),
    Case("seed text", lambda: sc.plant_markers(_IMG, [0, 1], _BOX, seed="1"), InputTypeError, ("seed",)),
    Case("training n negative", lambda: sc.shortcut_training_set(-1, 1), InputError, ("n",)),
    Case("training n float", lambda: sc.shortcut_training_set(2.5, 1), InputTypeError, ("n", "whole")),
    Case("training seed None", lambda: sc.shortcut_training_set(4, None), InputTypeError, ("seed",)),
    Case("evaluate a path", lambda: sc.evaluate_shortcut("data/models/shortcut_convnet.keras"), InputTypeError,
         ("model", "load")),
    Case("evaluate no scenes", lambda: sc.evaluate_shortcut(cm.build_course_convnet(), n=0), InputError, ("n",)),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_bad_inputs_get_a_clear_error(case):
    assert outcome(case) is None, outcome(case)
