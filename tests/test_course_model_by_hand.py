"""helpers.course_model: preprocessing, the architecture's parameters, the confusion matrix and evaluation."""

import numpy as np
import pytest

from helpers import course_model as cm
from helpers.scenes import generate_scenes


def test_preprocess_divides_by_255():
    img = np.random.default_rng(0).integers(0, 256, (2, 3, 4, 3), dtype=np.uint8)
    out = cm.preprocess(img)
    assert out.dtype == np.float32 and out.shape == (2, 3, 4, 3)
    for idx in np.ndindex(img.shape):
        assert out[idx] == pytest.approx(int(img[idx]) / 255, abs=1e-7)
    assert cm.preprocess(np.full((1, 1, 3), 51, np.uint8))[0, 0, 0, 0] == pytest.approx(0.2)


def test_confusion_matrix_rows_are_true_columns_predicted():
    true = np.array([0, 0, 1, 2, 2, 2, 3])
    pred = np.array([1, 0, 1, 0, 2, 3, 3])
    expected = np.zeros((4, 4), int)
    for t, p in zip(true, pred):
        expected[t, p] += 1
    got = cm.confusion_matrix(true, pred)
    assert np.array_equal(got, expected) and got[0, 1] == 1 and got[1, 0] == 0
    assert cm.confusion_matrix(np.array([0, 4]), np.array([4, 4]), n_classes=5)[0, 4] == 1
    assert cm.confusion_matrix(np.array([], int), np.array([], int)).sum() == 0
    with pytest.raises(ValueError, match="same shape"):
        cm.confusion_matrix(np.array([0, 1]), np.array([0]))
    with pytest.raises(ValueError, match="0..3"):
        cm.confusion_matrix(np.array([0, 1]), np.array([0, -1]))
    with pytest.raises(ValueError, match="0..3"):
        cm.confusion_matrix(np.array([0, 1]), np.array([0, 4]))


class FixedPredictions:
    """Stands in for a model: records what it is given and answers with fixed probabilities."""

    def __init__(self, probs):
        self.probs, self.seen = probs, None

    def predict(self, x, batch_size=None, verbose=None):
        self.seen = x
        return self.probs


def test_evaluate_compares_the_argmax_with_the_labels():
    scenes = generate_scenes(5, seed=3)
    probs = np.full((5, 4), 0.1, np.float32)
    wrong = (scenes.labels + 1) % 4
    answer = np.where(np.arange(5) < 3, scenes.labels, wrong)        # right, right, right, wrong, wrong
    probs[np.arange(5), answer] = 0.7
    model = FixedPredictions(probs)
    acc, pred = cm.evaluate(model, scenes)
    assert acc == pytest.approx(0.6) and np.array_equal(pred, answer)
    assert model.seen.dtype == np.float32 and model.seen.max() <= 1.0            # it got preprocessed images
    assert np.allclose(model.seen, scenes.images / 255.0, atol=1e-6)


def test_build_course_convnet_honours_its_parameters():
    model = cm.build_course_convnet(image_size=32, n_classes=3, widths=(3, 5, 7), dense=6, dropout=0.25)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["block1_conv1"] == (32, 32, 3) and shapes["block1_pool"] == (16, 16, 3)
    assert shapes["block2_conv1"] == (16, 16, 5) and shapes["block2_pool"] == (8, 8, 5)
    assert shapes["block3_conv1"] == (8, 8, 7) and "block3_pool" not in shapes   # no pooling after the last
    assert shapes["global_pool"] == (7,) and shapes["dense"] == (6,) and shapes["logits"] == (3,)
    assert model.get_layer("dropout").rate == 0.25
    assert model.get_layer("block1_conv1").kernel.shape == (3, 3, 3, 3)          # 3x3 kernels
    out = np.asarray(model(np.random.default_rng(0).random((2, 32, 32, 3)).astype(np.float32)))
    assert np.allclose(out.sum(axis=1), 1, atol=1e-5) and np.all(out > 0)      # a softmax at the end
    with pytest.raises(ValueError, match="widths"):
        cm.build_course_convnet(widths=(4, 0))
    with pytest.raises(ValueError, match="widths"):
        cm.build_course_convnet(widths=())

