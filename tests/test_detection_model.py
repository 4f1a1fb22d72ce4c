"""The grid detector (notebook 06): the grid of label vectors straight out of the course convnet's blocks."""

import keras
import numpy as np
import pytest

from helpers import shipped
from helpers.course_model import build_course_convnet, preprocess
from helpers.detection import (
    GridSpec,
    build_grid_detector,
    decode_grid,
    encode_grid,
    grid_loss,
    load_grid_detector,
)
from helpers.scenes import generate_scenes
from helpers.validate import InputError


@pytest.fixture(scope="module")
def classifier():
    keras.utils.set_random_seed(0)
    return build_course_convnet()


@pytest.fixture(scope="module")
def detector(classifier):
    return build_grid_detector(classifier)


def _x(n=3, seed=0):
    return np.random.default_rng(seed).random((n, 64, 64, 3)).astype(np.float32)


def test_output_is_the_grid_of_label_vectors_in_0_1(detector):
    spec = GridSpec()
    out = np.asarray(detector(_x()))
    assert out.shape == (3,) + spec.shape == (3, 4, 4, 2, 8)
    assert np.all((out > 0) & (out < 1)), "every entry is a sigmoid"
    assert detector.get_layer("conv_base").layers[-1].name == "block4_conv1"
    assert detector.get_layer("det_pool").output.shape[1:3] == (4, 4)


def test_other_grid_sizes_and_anchor_counts():
    spec = GridSpec(size=8, anchors=((0.5, 0.5), (0.45, 0.2), (0.3, 0.6)))
    model = build_grid_detector(build_course_convnet(), spec)
    assert model.output.shape[1:] == (8, 8, 3, 8)


def test_detector_shares_the_classifiers_conv_weights(classifier):
    model = build_grid_detector(classifier)
    theirs = classifier.get_layer("block1_conv1").kernel
    ours = model.get_layer("conv_base").get_layer("block1_conv1").kernel
    assert ours is theirs, "the same variable, not a copy"
    x = _x(2)
    before = np.asarray(model(x))
    old = theirs.numpy()
    try:
        theirs.assign(old * 0.0)
        assert not np.allclose(np.asarray(model(x)), before), "changing the classifier changes the detector"
    finally:
        theirs.assign(old)
    assert np.allclose(np.asarray(model(x)), before, atol=1e-6)


def test_save_and_load_in_safe_mode_gives_the_same_grids(detector, tmp_path):
    detector.save(tmp_path / "det.keras")
    again = load_grid_detector(tmp_path / "det.keras")                 # shipped.load: inspected, safe mode
    x = _x(2, seed=1)
    assert np.allclose(np.asarray(again(x)), np.asarray(detector(x)), atol=1e-6)
    plain = keras.saving.load_model(tmp_path / "det.keras", safe_mode=True, compile=False)
    assert np.allclose(np.asarray(plain(x)), np.asarray(detector(x)), atol=1e-6)


def test_registry_builds_the_detector_on_the_convnet():
    entry = shipped.MODELS["grid_detector"]
    assert entry.base == "course_convnet" and entry.builder == "detection:build_grid_detector"
    assert list(shipped.MODELS).index("course_convnet") < list(shipped.MODELS).index("grid_detector")
    model = shipped.build("grid_detector")
    assert model.name == "grid_detector" and model.output.shape[1:] == GridSpec().shape


def test_decode_grid_reads_the_models_output(detector):
    out = np.asarray(detector(_x(2)))
    dets = decode_grid(out, GridSpec(), threshold=0.0)
    assert len(dets) == 2
    for boxes, scores, ids in dets:
        assert boxes.shape == (32, 4) and scores.shape == (32,) and set(ids.tolist()) <= {1, 2, 3}
        assert np.all(np.diff(scores) <= 0)


def test_a_grid_that_does_not_divide_the_map_is_refused_naming_spec(classifier):
    with pytest.raises(InputError, match=r"^spec:.*8x8.*GridSpec\(size=3\)"):
        build_grid_detector(classifier, GridSpec(size=3))
    with pytest.raises(InputError, match="^spec:"):
        build_grid_detector(classifier, 4)
    with pytest.raises(InputError, match="^classifier:"):
        build_grid_detector("course_convnet.keras")


def test_a_few_steps_of_training_lower_the_grid_loss():
    scenes = generate_scenes(64, seed=3, n_objects=(1, 3))
    x, y = preprocess(scenes.images), encode_grid(scenes.objects, GridSpec())
    keras.utils.set_random_seed(0)
    model = build_grid_detector(build_course_convnet())
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=grid_loss)
    before = float(np.mean(np.asarray(grid_loss(y, model(x)))))
    model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    after = float(np.mean(np.asarray(grid_loss(y, model(x)))))
    assert after < 0.8 * before, (before, after)
