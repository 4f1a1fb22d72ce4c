import numpy as np
import pytest

from helpers import course_model as cm
from helpers.scenes import generate_scenes


@pytest.fixture(scope="module")
def shipped():
    return cm.load_course_model()


def test_architecture_follows_the_lecture():
    model = cm.build_course_convnet()
    names = [layer.name for layer in model.layers]
    assert names[1:9] == ["block1_conv1", "block1_pool", "block2_conv1", "block2_pool",
                          "block3_conv1", "block3_pool", "block4_conv1", "global_pool"]
    assert names[-2:] == ["logits", "predictions"]
    assert model.get_layer("logits").get_config()["activation"] == "linear"
    assert model.output.shape == (None, 4)


def test_shipped_model_is_accurate_on_held_out_scenes(shipped):
    test = generate_scenes(1000, cm.TEST_SEED)
    acc, pred = cm.evaluate(shipped, test)
    assert acc >= 0.95, f"test accuracy {acc:.3f} < 0.95: retrain with `make model`"
    counts = cm.confusion_matrix(test.labels, pred)
    assert counts.sum() == 1000 and np.trace(counts) == round(acc * 1000)


def test_test_seed_is_held_out():
    assert len({cm.TRAIN_SEED, cm.VALIDATION_SEED, cm.TEST_SEED}) == 3


def test_save_load_round_trip_in_safe_mode(tmp_path):
    model = cm.build_course_convnet(image_size=16, widths=(4, 8), dense=8)
    path = tmp_path / "tiny.keras"
    model.save(path)
    again = cm.load_course_model(path)
    x = cm.preprocess(generate_scenes(3, 0, size=16).images)
    assert np.allclose(model.predict(x, verbose=0), again.predict(x, verbose=0), atol=1e-6)


def test_missing_model_file_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make model"):
        cm.load_course_model(tmp_path / "nope.keras")


def test_preprocess_scales_like_training():
    img = np.full((64, 64, 3), 255, np.uint8)
    out = cm.preprocess(img)
    assert out.shape == (1, 64, 64, 3) and out.dtype == np.float32 and out.max() == 1.0


@pytest.mark.parametrize("bad, message", [
    (np.zeros((64, 64), np.uint8), "RGB"),
    (np.zeros((1, 64, 64, 4), np.uint8), "RGB"),
    (np.zeros((1, 64, 64, 3), np.float32), "uint8"),
])
def test_preprocess_rejects_bad_images(bad, message):
    with pytest.raises(ValueError, match=message):
        cm.preprocess(bad)


def test_confusion_matrix_counts_and_checks():
    counts = cm.confusion_matrix(np.array([0, 1, 1, 3]), np.array([0, 1, 2, 3]))
    assert counts[1, 2] == 1 and np.trace(counts) == 3
    with pytest.raises(ValueError, match="0..3"):
        cm.confusion_matrix(np.array([0, 5]), np.array([0, 1]))


def test_summary_table_lists_every_layer(shipped):
    table = cm.summary_table(shipped)
    for layer in shipped.layers:
        assert layer.name in table
    assert f"{shipped.count_params():,}" in table
