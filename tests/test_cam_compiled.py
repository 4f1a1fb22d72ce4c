"""helpers.cam's compiled gradient step: the same maps as the eager step, made once and reused (issue 13).

Also: a separate ``keras.layers.Softmax`` (not only ``Activation("softmax")``) is skipped, so
``before_softmax=True`` really differentiates the logits -- checked against a closed form.
"""

import gc
import weakref

import keras
import numpy as np
import pytest

from helpers import cam

from tiny_models import KINDS, SHAPE, images

L = keras.layers


def built_in_softmax():
    keras.utils.set_random_seed(0)
    i = keras.Input(SHAPE)
    h = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(i)
    h = L.Conv2D(5, 3, padding="same", activation="relu", name="c2")(h)
    return keras.Model(i, L.Dense(3, activation="softmax", name="probs")(L.Flatten()(h)), name="soft")


MODELS = dict(KINDS, built_in_softmax=built_in_softmax)


def both(model, x, cls, layer="c2", **kwargs):
    compiled = cam.class_activation_maps(model, x, cls, layer, verbose=False, **kwargs)
    eager = cam.class_activation_maps(model, x, cls, layer, verbose=False, _compiled=False, **kwargs)
    return compiled, eager


@pytest.mark.filterwarnings("ignore:.*all zero")
@pytest.mark.parametrize("method", ["gradcam", "layercam"])
@pytest.mark.parametrize("cls", [None, [0, 2, 1, 1, 0]], ids=["top", "given"])
@pytest.mark.parametrize("kind", MODELS)
def test_compiled_equals_eager(kind, cls, method):
    model, x = MODELS[kind](), images(5)
    compiled, eager = both(model, x, cls, method=method)
    assert np.allclose(compiled.heatmaps, eager.heatmaps, atol=1e-5)
    assert np.allclose(compiled.scores, eager.scores, atol=1e-5)
    assert np.array_equal(compiled.class_index, eager.class_index)
    assert compiled.heatmaps.max() > 0


def test_a_second_call_reuses_the_tap_and_the_traced_step():
    model, x = KINDS["functional"](), images(4)
    first = cam.class_activation_maps(model, x, [0, 1, 2, 0], "c2", verbose=False)
    entry = cam._TAPS[model][("c2", True)]
    traces = entry.compiled.experimental_get_tracing_count()
    again = cam.class_activation_maps(model, images(4, seed=1), 1, "c2", verbose=False)
    assert cam._TAPS[model][("c2", True)] is entry and len(cam._TAPS[model]) == 1
    assert entry.compiled.experimental_get_tracing_count() == traces     # not traced again
    assert not np.allclose(first.heatmaps, again.heatmaps)
    cam.class_activation_maps(model, x, 0, "c1", verbose=False)           # another layer: its own entry
    assert set(cam._TAPS[model]) == {("c2", True), ("c1", True)}


def test_a_never_called_sequential_gets_one_tap():
    model, x = KINDS["sequential_never_called"](), images(3)
    cam.class_activation_maps(model, x, 0, "c2", verbose=False)
    entry = cam._TAPS[model][("c2", True)]
    cam.class_activation_maps(model, x, 1, "c2", verbose=False)
    assert cam._TAPS[model][("c2", True)] is entry


def test_the_cache_lets_the_model_go():
    model = KINDS["nested_in_functional"]()
    cam.class_activation_maps(model, images(2), 0, "c2", verbose=False)
    gone, tap = weakref.ref(model), weakref.ref(cam._TAPS[model][("c2", True)].tap)
    del model
    gc.collect()     # the model goes, and with it its entry ...
    gc.collect()     # ... whose own reference cycles go in the next collection
    assert gone() is None and tap() is None
    assert all(m is not None for m in cam._TAPS.keys())


@pytest.mark.filterwarnings("ignore:.*all zero")
def test_large_batches_run_in_chunks_with_the_same_maps(monkeypatch):
    model, x = KINDS["functional"](), images(7)
    whole = cam.class_activation_maps(model, x, [0, 1, 2, 0, 1, 2, 0], "c2", verbose=False)
    monkeypatch.setattr(cam, "CHUNK", 3)            # 3 + 3 + 1
    seen = []
    step = cam._TAPS[model][("c2", True)].compiled
    monkeypatch.setattr(cam._TAPS[model][("c2", True)], "compiled", lambda x, c: seen.append(len(x)) or step(x, c))
    chunked = cam.class_activation_maps(model, x, [0, 1, 2, 0, 1, 2, 0], "c2", verbose=False)
    assert seen == [3, 3, 1]
    assert np.allclose(chunked.heatmaps, whole.heatmaps, atol=1e-6)
    assert np.allclose(chunked.scores, whole.scores, atol=1e-6)


@pytest.mark.filterwarnings("ignore:.*all zero")
def test_a_cached_copy_without_the_softmax_follows_new_weights():
    model, x = built_in_softmax(), images(3)
    cam.class_activation_maps(model, x, 0, "c2", verbose=False)         # the copy is made and cached
    rng = np.random.default_rng(5)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.get_weights()])
    now = cam.class_activation_maps(model, x, [0, 1, 2], "c2", verbose=False)
    fresh = keras.models.clone_model(model)                              # a new model: a new copy
    fresh.set_weights(model.get_weights())
    expected = cam.class_activation_maps(fresh, x, [0, 1, 2], "c2", verbose=False)
    assert np.allclose(now.scores, expected.scores, atol=1e-5)
    assert np.allclose(now.heatmaps, expected.heatmaps, atol=1e-5)


def test_a_changed_model_gets_a_new_tap():
    model = keras.Sequential([keras.Input(SHAPE), L.Conv2D(4, 3, padding="same", activation="relu", name="c1"),
                              L.GlobalAveragePooling2D(), L.Dense(3)])
    x = images(2)
    cam.class_activation_maps(model, x, 0, "c1", verbose=False)
    model.pop()
    model.add(L.Dense(5))
    r = cam.class_activation_maps(model, x, 4, "c1", verbose=False)    # 5 classes now
    assert r.scores.shape == (2, 5)


def test_on_the_course_model_compiled_equals_eager_and_the_notebook_computation():
    import tensorflow as tf

    from helpers import course_model
    from helpers.scenes import generate_scenes

    model = course_model.load_course_model()
    scenes = generate_scenes(140, seed=course_model.TEST_SEED)
    x, labels = course_model.preprocess(scenes.images), scenes.labels
    compiled, eager = both(model, x, labels, "block4_conv1")            # 140 images: a chunk of 128 and one of 12
    assert np.allclose(compiled.heatmaps, eager.heatmaps, atol=1e-5)
    grad_model = keras.Model(model.input, [model.get_layer("block4_conv1").output, model.get_layer("logits").output])
    with tf.GradientTape() as tape:                                      # notebook 03's cells, for a batch
        fmap, scores = grad_model(x)
        chosen = tf.gather(scores, labels, axis=1, batch_dims=1)
    grads = tape.gradient(chosen, fmap).numpy()
    maps = np.maximum((fmap.numpy() * grads.mean(axis=(1, 2))[:, None, None, :]).mean(axis=-1), 0)
    peak = maps.max(axis=(1, 2), keepdims=True)
    maps = np.where(peak > 0, maps / np.where(peak > 0, peak, 1), 0)
    assert np.allclose(compiled.heatmaps, maps, atol=1e-5)
    assert np.allclose(compiled.scores, scores.numpy(), atol=1e-5)


# ------------------------------------------------------------------------------------------
# a softmax of its own: keras.layers.Softmax or Activation("softmax"), also after a nested model
# ------------------------------------------------------------------------------------------

def softmax_models(kind, softmax):
    """(model, conv, logits): conv -> ReLU -> global average -> Dense logits -> a separate softmax layer."""
    keras.utils.set_random_seed(0)
    conv = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")
    gap = L.GlobalAveragePooling2D(name="gap")
    logits = L.Dense(3, name="logits")
    last = L.Softmax(name="sm") if softmax == "Softmax" else L.Activation("softmax", name="sm")
    if kind == "functional":
        i = keras.Input(SHAPE)
        model = keras.Model(i, last(logits(gap(conv(i)))))
    elif kind == "sequential":
        model = keras.Sequential([conv, gap, logits, last])          # never called
    else:
        i = keras.Input(SHAPE)
        inner = keras.Model(i, logits(gap(conv(i))), name="inner")
        if kind == "nested_sequential":
            model = keras.Sequential([keras.Input(SHAPE), inner, last])
        else:
            j = keras.Input(SHAPE)
            model = keras.Model(j, last(inner(j)))
    return model, conv, logits


@pytest.mark.filterwarnings("ignore:.*all zero")
@pytest.mark.parametrize("softmax", ["Softmax", "Activation"])
@pytest.mark.parametrize("kind", ["functional", "sequential", "nested_sequential", "nested_functional"])
def test_before_softmax_differentiates_the_logits_of_a_separate_softmax_layer(kind, softmax, monkeypatch):
    model, conv, logits = softmax_models(kind, softmax)
    monkeypatch.setattr(cam, "without_activation", lambda *a, **k: pytest.fail("copied the model"))
    x = images(4)
    r = cam.class_activation_maps(model, x, [0, 1, 2, 1], "c1", verbose=False)
    # closed form: d logit_c / d f[i, j, k] = W[k, c] / (H W), the same at every position, so the
    # Grad-CAM map is ReLU(sum_k W[k, c] f[i, j, k]), divided by its peak
    f = np.asarray(conv(x), np.float64)
    w, b = (np.asarray(v, np.float64) for v in logits.get_weights())
    z = f.mean(axis=(1, 2)) @ w + b
    expected = np.maximum(np.einsum("nijk,kn->nij", f, w[:, [0, 1, 2, 1]]), 0)
    peak = expected.max(axis=(1, 2), keepdims=True)
    expected = np.where(peak > 0, expected / np.where(peak > 0, peak, 1), 0)
    assert np.allclose(r.scores, z, atol=1e-5)                           # logits, not probabilities
    assert np.allclose(r.heatmaps, expected, atol=1e-5)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    after = cam.class_activation_maps(model, x, [0, 1, 2, 1], "c1", verbose=False, before_softmax=False)
    assert np.allclose(after.scores, p, atol=1e-5)
    assert not np.allclose(after.heatmaps, r.heatmaps, atol=1e-3)


def test_a_whole_number_float_class_index_is_accepted():
    model, x = KINDS["functional"](), images(2)
    a = cam.class_activation_maps(model, x, 2.0, "c2", verbose=False)
    b = cam.class_activation_maps(model, x, 2, "c2", verbose=False)
    assert a.class_index.tolist() == [2, 2] and np.array_equal(a.heatmaps, b.heatmaps)


def test_a_model_that_scales_raw_pixels_itself_takes_uint8():
    keras.utils.set_random_seed(0)
    i = keras.Input(SHAPE)
    h = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(L.Rescaling(1 / 255)(i))
    model = keras.Model(i, L.Dense(3)(L.GlobalAveragePooling2D()(h)))
    raw = (images(2) * 255).astype("uint8")
    a = cam.class_activation_maps(model, raw, 0, "c1", verbose=False)
    b = cam.class_activation_maps(model, raw.astype("float32"), 0, "c1", verbose=False)
    assert np.allclose(a.heatmaps, b.heatmaps, atol=1e-6)


def test_huge_heatmap_values_upsample_without_inf_or_nan():
    m = np.array([[[-3e38, 3e38], [3e38, -3e38]]], np.float32)
    out = cam.upsample(m, 5)
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@pytest.mark.filterwarnings("ignore:.*all zero")
def test_only_the_latest_copy_of_a_model_is_kept():
    first, second, x = built_in_softmax(), built_in_softmax(), images(2)
    cam.class_activation_maps(first, x, 0, "c2", verbose=False)
    assert cam._TAPS[first][("c2", True)].synced                      # a copy without the softmax
    cam.class_activation_maps(first, x, 0, "c1", verbose=False)
    assert ("c2", True) not in cam._TAPS[first]                        # one copy at a time
    cam.class_activation_maps(second, x, 0, "c2", verbose=False)
    assert ("c1", True) not in cam._TAPS[first] and ("c2", True) in cam._TAPS[second]
    cam.class_activation_maps(first, x, 0, "c2", verbose=False, before_softmax=False)
    assert ("c2", False) in cam._TAPS[first]                           # no copy: kept alongside


@pytest.mark.filterwarnings("ignore:.*all zero")
@pytest.mark.parametrize("separate", [True, False], ids=["Activation", "Dense"])
def test_a_tensorflow_softmax_is_recognised_too(separate):
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    i = keras.Input(SHAPE)
    h = L.GlobalAveragePooling2D()(L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(i))
    if separate:
        out = L.Activation(tf.nn.softmax)(L.Dense(3, name="logits")(h))
    else:
        out = L.Dense(3, activation=tf.nn.softmax, name="logits")(h)
    model, x = keras.Model(i, out), images(3)
    r = cam.class_activation_maps(model, x, 0, "c1", verbose=False)
    dense = model.get_layer("logits")
    kernel, bias = (np.asarray(v) for v in dense.get_weights())
    features = keras.Model(i, model.get_layer("c1").output)(x)
    z = np.asarray(features).mean(axis=(1, 2)) @ kernel + bias
    assert np.allclose(r.scores, z, atol=1e-5)                         # logits, not probabilities
