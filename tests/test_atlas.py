"""helpers.atlas: receptive fields, dataset examples and where they fall, against hand computations.

- receptive fields: written out by hand for the course convnet, and measured on tiny models as the input pixels a
  unit's gradient reaches (all-positive weights, average pooling: the gradient reaches every pixel of the window);
- dataset examples: a plain loop over channels and images;
- ground truth: activations placed by hand on a known landmark, on the street and on an object's body.
"""

import numpy as np
import pytest

from helpers import atlas
from helpers.scenes import CLASS_IDS, generate_scenes
from helpers.validate import InputError


def _chain(spec, size=32):
    """A tiny chain model: ("c", k) a 3x3 'same' conv with all-one weights, ("p", 2) 2x2 average pooling."""
    import keras

    inp = keras.Input((size, size, 1), name="image")
    x = inp
    for i, (kind, k) in enumerate(spec):
        if kind == "c":
            x = keras.layers.Conv2D(1, k, padding="same", kernel_initializer="ones", bias_initializer="zeros",
                                    name=f"c{i}")(x)
        elif kind == "v":
            x = keras.layers.Conv2D(1, k, padding="valid", kernel_initializer="ones", name=f"c{i}")(x)
        else:
            x = keras.layers.AveragePooling2D(k, name=f"p{i}")(x)
    return keras.Model(inp, x)


def _measured(model, size):
    """Window of the unit nearest the map's middle: the input pixels its gradient reaches, and their centre."""
    import tensorflow as tf

    x = tf.Variable(np.ones((1, size, size, 1), np.float32))
    with tf.GradientTape() as tape:
        out = model(x)
        i = out.shape[1] // 2
        unit = out[0, i, i, 0]
    g = tape.gradient(unit, x).numpy()[0, :, :, 0]
    cols = np.flatnonzero(np.abs(g).sum(axis=0) > 0)
    return cols.max() - cols.min() + 1, (cols.min() + cols.max() + 1) / 2, i


@pytest.mark.parametrize("spec", [
    [("c", 3)], [("c", 3), ("p", 2)], [("c", 3), ("p", 2), ("c", 3)], [("c", 3), ("p", 2), ("c", 3), ("p", 2), ("c", 5)],
    [("v", 3), ("p", 2), ("c", 3)],
])
def test_receptive_field_is_where_the_gradient_reaches(spec):
    size = 64
    model = _chain(spec, size)
    rf = atlas.receptive_field(model, model.layers[-1].name)
    width, centre, i = _measured(model, size)
    assert rf.size == width
    assert rf.centre(i) == pytest.approx(centre)


def test_receptive_fields_of_the_course_convnet_by_hand():
    from helpers.course_model import build_course_convnet

    model = build_course_convnet()
    # conv 3 -> 3; pool -> 4 (jump 2); conv -> 4 + 2*2 = 8; pool -> 10 (jump 4); conv -> 18; pool -> 22 (jump 8);
    # conv -> 22 + 2*8 = 38. First centres: 0.5, then each 2x2 pool moves it by half the current jump.
    want = {"block1_conv1": (3, 1, 0.5), "block2_conv1": (8, 2, 1.0), "block3_conv1": (18, 4, 2.0),
            "block4_conv1": (38, 8, 4.0)}
    for name, (size, jump, start) in want.items():
        assert atlas.receptive_field(model, name) == atlas.ReceptiveField(size, jump, start)
    with pytest.raises(InputError, match="^model: .*global_pool"):
        atlas.receptive_field(model, "dense")
    with pytest.raises(InputError, match="^layer: "):
        atlas.receptive_field(model, "block9_conv1")


def test_dataset_examples_are_each_channels_strongest_images_by_a_loop():
    rng = np.random.default_rng(0)
    a = rng.random((12, 4, 5, 3)).astype(np.float32)
    rf = atlas.ReceptiveField(5, 2, 1.0)
    ex = atlas.dataset_examples(a, rf, k=4, channels=[2, 0])
    for f, c in enumerate([2, 0]):
        per_image = [(a[n, :, :, c].max(), n, *np.unravel_index(a[n, :, :, c].argmax(), (4, 5))) for n in range(12)]
        top = sorted(per_image, key=lambda t: -t[0])[:4]
        assert ex.scene[f].tolist() == [t[1] for t in top]
        assert ex.row[f].tolist() == [t[2] for t in top] and ex.col[f].tolist() == [t[3] for t in top]
        assert np.allclose(ex.value[f], [t[0] for t in top])
    assert ex.centres()[0, 0].tolist() == [1.0 + 2 * ex.col[0, 0], 1.0 + 2 * ex.row[0, 0]]


def test_patches_are_the_windows_around_the_centres():
    imgs = np.random.default_rng(1).integers(0, 255, (3, 16, 16, 3), dtype=np.uint8)
    rf = atlas.ReceptiveField(4, 4, 2.0)        # unit (r, c) sees pixels 4r..4r+3, 4c..4c+3
    ex = atlas.DatasetExamples(np.array([0]), np.array([[2, 1]]), np.array([[1, 0]]), np.array([[3, 0]]),
                               np.array([[1.0, 0.5]]), rf)
    p = ex.patches(imgs)
    assert p.shape == (1, 2, 4, 4, 3)
    assert np.array_equal(p[0, 0], imgs[2, 4:8, 12:16]) and np.array_equal(p[0, 1], imgs[1, 0:4, 0:4])
    wide = atlas.DatasetExamples(ex.channels, ex.scene, ex.row, ex.col, ex.value, atlas.ReceptiveField(8, 4, 2.0))
    q = wide.patches(imgs)                      # centred at (2, 2): 2 columns and rows fall outside -> grey
    assert np.all(q[0, 1, :2] == 128) and np.array_equal(q[0, 1, 2:, 2:], imgs[1, :6, :6])


def test_ground_truth_shares_of_activations_placed_by_hand():
    scenes = generate_scenes(40, 9, masks=True, classes=["car", "background"])
    rf = atlas.ReceptiveField(1, 1, 0.5)        # unit (r, c) = pixel (r, c): the centre is the pixel itself
    car = next(i for i, o in enumerate(scenes.objects) if o and o[0].class_id == CLASS_IDS["car"])
    empty = next(i for i, o in enumerate(scenes.objects) if not o)
    wheel = np.floor(scenes.objects[car][0].landmarks[0] * 64).astype(int)          # front wheel (x, y)
    ys, xs = np.nonzero(scenes.masks[car] == 1)
    lm = scenes.objects[car][0].landmarks * 64
    far = np.min(np.linalg.norm(lm[None] - np.stack([xs + 0.5, ys + 0.5], 1)[:, None], axis=2), axis=1) > 0.1 * 64
    body = (ys[far][0], xs[far][0])                                              # on the car, far from landmarks
    ex = atlas.DatasetExamples(np.array([0, 1]), np.array([[car, empty], [car, car]]),
                               np.array([[wheel[1], 10], [body[0], wheel[1]]]),
                               np.array([[wheel[0], 10], [body[1], wheel[0]]]), np.ones((2, 2)), rf)
    if scenes.masks[car][wheel[1], wheel[0]] != 1:
        pytest.skip("the wheel's landmark pixel is hidden in this scene")
    shares = atlas.ground_truth_shares(ex, scenes)
    labels = shares["labels"]
    assert shares["classes"][0].tolist() == [0.5, 0, 0.5, 0] and shares["classes"][1].tolist() == [0, 0, 1, 0]
    assert shares["parts"][0, labels.index("car wheels")] == 0.5 and shares["parts"][0, labels.index("street")] == 0.5
    assert shares["parts"][1, labels.index("car other")] == 0.5 and shares["parts"][1, labels.index("car wheels")] == 0.5
    assert np.allclose(shares["parts"].sum(axis=1), 1)
    named = atlas.name_filters(shares, [7, 9], threshold=0.5)
    assert named == [(7, "street", 0.5), (9, "car wheels", 0.5)], "ties go to the first label"
    assert atlas.name_filters(shares, [7, 9], threshold=0.6) == []


def test_bad_inputs_name_the_argument():
    rf = atlas.ReceptiveField(3, 1, 0.5)
    a = np.zeros((4, 2, 2, 3), np.float32)
    with pytest.raises(InputError, match="^k: expected"):
        atlas.dataset_examples(a, rf, k=5)
    with pytest.raises(InputError, match="^channels: expected"):
        atlas.dataset_examples(a, rf, k=2, channels=[3])
    with pytest.raises(InputError, match="^field: expected"):
        atlas.dataset_examples(a, (3, 1, 0.5), k=2)
    ex = atlas.dataset_examples(a, rf, k=2)
    with pytest.raises(InputError, match="^scenes: .*masks=True"):
        atlas.ground_truth_shares(ex, generate_scenes(4, 0))
    with pytest.raises(InputError, match="^images: "):
        ex.patches(np.zeros((1, 8, 8, 3), np.uint8) if ex.scene.max() >= 1 else np.zeros((0, 8, 8, 3), np.uint8))


def test_centre_window_is_what_the_middle_unit_sees():
    """The window the middle unit's gradient reaches, measured, equals the crop (course-like tiny model)."""
    import keras
    import tensorflow as tf

    inp = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(2, 3, padding="same", name="c1")(inp)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(2, 3, padding="same", name="c2")(x)
    model = keras.Model(inp, x)
    rf = atlas.receptive_field(model, "c2")                                     # 8 px, jump 2
    img = tf.Variable(tf.random.uniform((1, 32, 32, 3), seed=0))
    with tf.GradientTape() as tape:
        out = model(img)
        middle = out.shape[1] // 2
        unit = out[0, middle, middle, 0]
    reach = np.abs(tape.gradient(unit, img).numpy()[0]).sum(axis=-1) > 0
    rows, cols = np.flatnonzero(reach.any(axis=1)), np.flatnonzero(reach.any(axis=0))
    index = np.arange(32 * 32 * 3, dtype=np.float32).reshape(1, 32, 32, 3)
    crop = atlas.centre_window(index, rf)
    assert crop.shape == (1, rf.size, rf.size, 3)
    want = index[0, rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert np.array_equal(crop[0], want), "the crop is exactly the pixels the middle unit's gradient reaches"
    # a window reaching past the image is filled with grey
    wide = atlas.centre_window(np.zeros((2, 6, 6, 3), np.uint8), atlas.ReceptiveField(10, 2, 1.0))
    assert wide.shape == (2, 10, 10, 3) and (wide[:, 0] == 128).all() and (wide[:, 5, 5] == 0).all()
    with pytest.raises(ValueError, match="^images: "):
        atlas.centre_window(np.zeros((1, 6, 8, 3)), rf)
    with pytest.raises(TypeError, match="^field: "):
        atlas.centre_window(index, (8, 2, 1.0))


def test_centre_window_cuts_as_the_dataset_examples_do():
    """Same crop as DatasetExamples.patches for the middle unit, also where the window's corner is fractional."""
    rng = np.random.default_rng(4)
    imgs = rng.integers(0, 255, (2, 16, 16, 3), dtype=np.uint8)
    for rf in (atlas.ReceptiveField(4, 2, 1.75), atlas.ReceptiveField(5, 4, 2.5), atlas.ReceptiveField(3, 1, 0.5)):
        middle = (16 // rf.jump) // 2
        ex = atlas.DatasetExamples(np.array([0]), np.array([[0, 1]]), np.array([[middle, middle]]),
                                   np.array([[middle, middle]]), np.ones((1, 2)), rf)
        assert np.array_equal(atlas.centre_window(imgs, rf), ex.patches(imgs)[0]), rf


def test_resemblance_is_pearson_with_the_mean_patch_by_corrcoef():
    rng = np.random.default_rng(3)
    patterns = rng.random((4, 5, 5, 3))
    patches = rng.random((4, 6, 5, 5, 3))
    patches[1] = patterns[1] * 0.3 + 0.2 + rng.normal(0, 0.01, (6, 5, 5, 3))     # a look-alike of pattern 1
    expected = [np.corrcoef(patterns[f].ravel(), patches[f].mean(axis=0).ravel())[0, 1] for f in range(4)]
    got = atlas.resemblance(patterns, patches)
    assert np.allclose(got, expected, atol=1e-12)
    assert got[1] > 0.99 > abs(got[0])
    # the mean of the patches, not any one of them: two patches that are negatives of each other around a picture
    picture = rng.random((1, 5, 5, 3))
    noise = rng.normal(0, 0.5, (1, 5, 5, 3))
    pair = np.stack([picture + noise, picture - noise], axis=1)
    assert atlas.resemblance(picture, pair)[0] > 0.999 > atlas.resemblance(picture, pair[:, :1])[0]


def test_resemblance_takes_uint8_or_float_alike_and_never_gives_nan():
    rng = np.random.default_rng(4)
    patterns = rng.random((3, 4, 4, 3))
    patches = rng.random((3, 2, 4, 4, 3))
    as_uint8 = np.round(patterns * 255).astype(np.uint8)
    assert np.allclose(atlas.resemblance(as_uint8, patches), atlas.resemblance(as_uint8 / 255.0, patches))
    flat = np.full((1, 4, 4, 3), 0.5)
    assert atlas.resemblance(flat, patches[:1])[0] == 0.0
    assert atlas.resemblance(patterns[:1], np.zeros((1, 2, 4, 4, 3)))[0] == 0.0
    assert atlas.resemblance(patterns[:1], -np.stack([patterns[:1]] * 2, axis=1))[0] == pytest.approx(-1.0)


def test_resemblance_bad_inputs_name_the_argument():
    patterns = np.zeros((2, 4, 4, 3))
    with pytest.raises(ValueError, match="patches"):
        atlas.resemblance(patterns, np.zeros((2, 3, 5, 5, 3)))              # another window size
    with pytest.raises(ValueError, match="patches"):
        atlas.resemblance(patterns, np.zeros((3, 3, 4, 4, 3)))              # another filter count
    with pytest.raises(ValueError, match="patterns"):
        atlas.resemblance(np.zeros((4, 4, 3)), np.zeros((1, 3, 4, 4, 3)))  # one pattern without its batch axis
    with pytest.raises(ValueError, match="patterns"):
        atlas.resemblance(np.full((2, 4, 4, 3), np.nan), np.zeros((2, 3, 4, 4, 3)))
