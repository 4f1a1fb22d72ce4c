"""localization.build_head (issue 27): the localizer's head alone, trained in notebook 04 on frozen feature maps
with the slide's masked loss and without the mask. Checked against a forward pass written out in NumPy and against
the head inside build_localizer."""

import numpy as np
import pytest

from helpers import localization


def _numpy_head(model, f):
    """The head's forward pass by hand: 1x1 convolution (a matrix product per position), ReLU, flatten (row-major,
    as Keras's channels-last Flatten), dense + ReLU, then sigmoid / sigmoid / softmax."""
    w = {layer.name: layer.get_weights() for layer in model.layers if layer.get_weights()}
    (k, b) = w["loc_reduce"]
    x = np.maximum(np.einsum("nhwc,cd->nhwd", f, k[0, 0]) + b, 0).reshape(len(f), -1)
    (k, b) = w["loc_dense"]
    x = np.maximum(x @ k + b, 0)
    sig = lambda z: 1 / (1 + np.exp(-z))
    p = sig(x @ w["p_d"][0] + w["p_d"][1])
    box = sig(x @ w["box"][0] + w["box"][1])
    z = x @ w["classes"][0] + w["classes"][1]
    cls = np.exp(z - z.max(axis=1, keepdims=True))
    cls /= cls.sum(axis=1, keepdims=True)
    return np.concatenate([p, box, cls], axis=1)


def test_head_is_the_forward_pass_written_out():
    head = localization.build_head((3, 2, 5))
    f = np.random.default_rng(0).normal(size=(4, 3, 2, 5)).astype(np.float32)
    out = np.asarray(head(f))
    assert out.shape == (4, 8)
    np.testing.assert_allclose(out, _numpy_head(head, f.astype(np.float64)), atol=1e-5)
    assert np.allclose(out[:, 5:].sum(axis=1), 1, atol=1e-5) and np.all((out[:, :5] > 0) & (out[:, :5] < 1))


def test_head_is_the_localizers_head():
    """The same layers as build_localizer puts on the conv base: with the localizer's weights, conv base then
    head gives the localizer's output."""
    import keras

    from helpers.course_model import build_course_convnet

    classifier = build_course_convnet(image_size=32)
    loc = localization.build_localizer(classifier)
    base = loc.get_layer("conv_base")
    head = localization.build_head(base.output.shape[1:])
    names = [layer.name for layer in head.layers if layer.get_weights()]
    assert names == ["loc_reduce", "loc_dense", "p_d", "box", "classes"]
    for name in names:
        head.get_layer(name).set_weights(loc.get_layer(name).get_weights())
    x = np.random.default_rng(1).random((3, 32, 32, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(head(base(x))), np.asarray(loc(x)), atol=1e-5)
    assert isinstance(head, keras.Model) and head.count_params() == loc.count_params() - base.count_params()


def test_same_seed_same_first_weights():
    """Notebook 04 trains two heads "from the same start": a seed before each build gives equal weights."""
    import keras

    weights = []
    for _ in range(2):
        keras.utils.set_random_seed(7)
        weights.append(localization.build_head((2, 2, 4)).get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


@pytest.mark.parametrize("shape, message", [
    ((8, 8), "feature_shape"),
    ("8x8x128", "feature_shape"),
    ((8, 0, 128), "feature_shape"),
    ((None, 8, 8, 128), "feature_shape"),
])
def test_bad_shape_names_the_argument(shape, message):
    with pytest.raises((ValueError, TypeError), match=message):
        localization.build_head(shape)
