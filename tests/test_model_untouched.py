"""The helpers never modify the caller's model, not even for the length of a call (issue 12).

Scores before the softmax and filters before their ReLU come from the layer that holds them or from
a copy (:func:`helpers.layers.without_activation`). Here: the model's weights, layer activations and
predictions are the same before, during (checked from inside the call) and after each call, also when
the call raises; and what the copy computes is checked against an independent computation.
"""

import keras
import numpy as np
import pytest

from helpers import cam
from helpers import filters as F
from helpers.layers import all_layers, counterpart, select_layers, tap_model, without_activation

from tiny_models import KINDS, SHAPE, images

L = keras.layers


def snapshot(model, x):
    return {"weights": [w.copy() for w in model.get_weights()],
            "activations": [(layer.name, getattr(layer, "activation", None)) for layer in all_layers(model)],
            "predictions": np.asarray(model(x))}


def assert_unchanged(model, x, before):
    now = snapshot(model, x)
    assert len(now["weights"]) == len(before["weights"])
    assert all(np.array_equal(a, b) for a, b in zip(now["weights"], before["weights"]))
    assert [n for n, _ in now["activations"]] == [n for n, _ in before["activations"]]
    assert all(a is b for (_, a), (_, b) in zip(now["activations"], before["activations"]))
    assert np.array_equal(now["predictions"], before["predictions"])


class Midway(Exception):
    pass


def check_from_inside(monkeypatch, module, name, model, x, before, fail=False):
    """Wrap ``module.name`` (called in the middle of the helper): the model must be untouched right then."""
    original = getattr(module, name)
    seen = []

    def spy(*args, **kwargs):
        import tensorflow as tf

        with tf.init_scope():  # eager, also while a compiled step is being traced
            assert_unchanged(model, x, before)
        seen.append(True)
        if fail:
            raise Midway("raised in the middle of the call")
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


# ------------------------------------------------------------------------------------------
# classifiers ending in a softmax: a separate layer (like the course model's logits -> predictions)
# or built into the last Dense (like VGG16)
# ------------------------------------------------------------------------------------------

def _head(separate):
    if separate:
        return [L.Dense(3, name="logits"), L.Activation("softmax", name="predictions")]
    return [L.Dense(3, activation="softmax", name="predictions")]


def _convs():
    return [L.Conv2D(4, 3, padding="same", activation="relu", name="c1"), L.MaxPooling2D(name="p1"),
            L.Conv2D(5, 3, padding="same", activation="relu", name="c2"), L.GlobalAveragePooling2D(name="gap")]


def functional(separate):
    keras.utils.set_random_seed(0)
    i = keras.Input(SHAPE)
    h = i
    for layer in _convs() + _head(separate):
        h = layer(h)
    return keras.Model(i, h, name="clf")


def sequential_never_called(separate):
    keras.utils.set_random_seed(0)
    return keras.Sequential(_convs() + _head(separate), name="clf_seq")


def nested_base(separate):
    keras.utils.set_random_seed(0)
    i = keras.Input(SHAPE)
    h = i
    for layer in _convs()[:3]:
        h = layer(h)
    base = keras.Model(i, h, name="base")
    j = keras.Input(SHAPE)
    h = L.GlobalAveragePooling2D(name="gap_outer")(base(j))
    for layer in _head(separate):
        h = layer(h)
    return keras.Model(j, h, name="outer")


def classifier_nested_at_the_end(separate):
    return keras.Sequential([keras.Input(SHAPE), functional(separate)], name="wrapper")


SOFTMAX = {f"{build.__name__}-{'separate' if separate else 'built_in'}": (build, separate)
           for build in (functional, sequential_never_called, nested_base, classifier_nested_at_the_end)
           for separate in (True, False)}


def _logits_up_to_a_constant(scores, probabilities):
    d = np.asarray(scores, np.float64) - np.log(np.asarray(probabilities, np.float64))
    return np.allclose(d, d[:, :1], atol=1e-4)


@pytest.mark.filterwarnings("ignore:.*all zero")
@pytest.mark.parametrize("name", SOFTMAX)
def test_grad_cam_takes_the_logits_and_leaves_the_model_alone(name, monkeypatch):
    build, separate = SOFTMAX[name]
    model, x = build(separate), images(3)
    select_layers(model, "c2", input_shape=SHAPE)  # builds the never-called Sequential, as the call would
    before = snapshot(model, x)
    seen = check_from_inside(monkeypatch, cam, "feature_gradients", model, x, before)
    r = cam.class_activation_maps(model, x, [0, 1, 2], "c2", verbose=False)
    assert seen and r.heatmaps.shape == (3, 4, 4)
    assert_unchanged(model, x, before)
    p = before["predictions"]
    assert _logits_up_to_a_constant(r.scores, p) and not np.allclose(r.scores, p, atol=1e-3)
    after = cam.class_activation_maps(model, x, [0, 1, 2], "c2", verbose=False, before_softmax=False)
    assert np.allclose(after.scores, p, atol=1e-6)
    assert_unchanged(model, x, before)


@pytest.mark.filterwarnings("ignore:.*all zero")
@pytest.mark.parametrize("separate", [True, False], ids=["separate", "built_in"])
def test_grad_cam_leaves_the_model_alone_when_the_call_raises(separate, monkeypatch):
    model, x = functional(separate), images(2)
    before = snapshot(model, x)
    with pytest.raises(ValueError, match="out of range"):
        cam.class_activation_maps(model, x, 3, "c2", verbose=False)
    assert_unchanged(model, x, before)
    check_from_inside(monkeypatch, cam, "feature_gradients", model, x, before, fail=True)
    with pytest.raises(Midway):
        cam.class_activation_maps(model, x, 0, "c2", verbose=False)
    assert_unchanged(model, x, before)


def test_a_separate_softmax_is_skipped_without_copying(monkeypatch):
    model, x = functional(True), images(2)
    monkeypatch.setattr(cam, "without_activation", lambda *a, **k: pytest.fail("copied the model"))
    r = cam.class_activation_maps(model, x, 1, "c2", verbose=False)
    logits = keras.Model(model.input, model.get_layer("logits").output)(x)
    assert np.allclose(r.scores, logits, atol=1e-6)


@pytest.mark.filterwarnings("ignore:.*all zero")
def test_grad_cam_on_a_save_load_round_trip_and_an_applications_model(tmp_path):
    model = functional(False)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    x = images(2)
    before = snapshot(again, x)
    a = cam.class_activation_maps(model, x, 0, "c2", verbose=False)
    b = cam.class_activation_maps(again, x, 0, "c2", verbose=False)
    assert np.allclose(a.scores, b.scores, atol=1e-6) and np.allclose(a.heatmaps, b.heatmaps, atol=1e-5)
    assert_unchanged(again, x, before)

    app = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=3)
    x = np.random.default_rng(0).random((2, 32, 32, 3)).astype("float32")
    before = snapshot(app, x)
    r = cam.class_activation_maps(app, x, 0, "Conv_1", verbose=False)
    assert_unchanged(app, x, before)
    assert _logits_up_to_a_constant(r.scores, before["predictions"])


def test_the_course_model_scores_are_its_logits():
    from helpers import course_model
    from helpers.scenes import generate_scenes

    model = course_model.load_course_model()
    x = course_model.preprocess(generate_scenes(4, seed=course_model.TEST_SEED).images)
    before = snapshot(model, x)
    r = cam.class_activation_maps(model, x, None, "block4_conv1", verbose=False)
    logits = keras.Model(model.input, model.get_layer("logits").output)(x)
    assert np.array_equal(r.scores, np.asarray(logits))
    assert_unchanged(model, x, before)


# ------------------------------------------------------------------------------------------
# filter patterns before the ReLU
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_pre_activation_patterns_leave_every_model_kind_alone(kind, monkeypatch):
    model, x = KINDS[kind](), images(2)
    select_layers(model, "c2", input_shape=SHAPE)
    before = snapshot(model, x)
    seen = check_from_inside(monkeypatch, F, "start_images", model, x, before)
    F.filter_patterns(model, "c2", [0, 1], steps=2, objective="pre_activation", input_shape=SHAPE)
    assert seen
    assert_unchanged(model, x, before)


def test_pre_activation_patterns_leave_the_model_alone_when_the_call_raises(monkeypatch):
    model, x = KINDS["functional"](), images(2)
    before = snapshot(model, x)

    class Boom(F.Transform):
        def plan(self, steps, seed):
            assert_unchanged(model, x, before)
            raise Midway("raised in the middle of the call")

    with pytest.raises(Midway):
        F.filter_patterns(model, "c2", steps=3, objective="pre_activation", transforms=[Boom()])
    assert_unchanged(model, x, before)
    check_from_inside(monkeypatch, F, "start_images", model, x, before, fail=True)
    with pytest.raises(Midway):
        F.filter_patterns(model, "c1", steps=3, objective="pre_activation")
    assert_unchanged(model, x, before)


# ------------------------------------------------------------------------------------------
# the copy itself
# ------------------------------------------------------------------------------------------

def _pre_relu_by_hand(model, x):
    """c2 before its ReLU, from c2's input and weights (tiny functional model)."""
    import tensorflow as tf

    conv = model.get_layer("c2")
    kernel, bias = conv.get_weights()
    return np.asarray(tf.nn.conv2d(keras.Model(model.input, conv.input)(x), kernel, 1, "SAME") + bias)


@pytest.mark.parametrize("kind", [*KINDS, "save_load_round_trip"])
def test_without_activation_copies_every_model_kind(kind, tmp_path):
    if kind == "save_load_round_trip":
        KINDS["nested_in_sequential"]().save(tmp_path / "m.keras")
        model = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    else:
        model = KINDS[kind]()
    x = images(3)
    c2 = select_layers(model, "c2", input_shape=SHAPE)[0]
    before = snapshot(model, x)
    copy = without_activation(model, [c2])
    assert_unchanged(model, x, before)
    twin = counterpart(c2, model, copy)
    assert twin is not c2 and twin.name == "c2" and twin.activation is keras.activations.linear
    pre = np.asarray(tap_model(copy, [twin], include_output=False)(x))
    assert np.allclose(pre, _pre_relu_by_hand(KINDS["functional"](), x), atol=1e-5) and (pre < 0).any()
    assert np.array_equal(np.maximum(pre, 0), np.asarray(tap_model(model, [c2], include_output=False)(x)))
    # the copy has weights of its own: changing them leaves the model as it was
    copy.set_weights([w + 1 for w in copy.get_weights()])
    assert_unchanged(model, x, before)


def test_without_activation_of_the_last_layer_of_an_applications_model():
    app = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=3)
    x = np.random.default_rng(0).random((2, 32, 32, 3)).astype("float32")
    before = snapshot(app, x)
    copy = without_activation(app, [app.layers[-1]])
    assert np.allclose(keras.ops.softmax(copy(x)), before["predictions"], atol=1e-6)
    assert_unchanged(app, x, before)


def test_without_activation_refuses_what_it_cannot_do():
    model = KINDS["functional"]()
    with pytest.raises(ValueError, match="no activation to remove"):
        without_activation(model, [model.get_layer("p1")])
    with pytest.raises(ValueError, match="not a layer of model"):
        without_activation(model, [KINDS["functional"]().get_layer("c1")])
