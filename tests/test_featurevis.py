"""helpers.featurevis: each regulariser checked against an independent NumPy computation, then the ascent
on a tiny 16x16 model (fast: a few short runs shared through module fixtures)."""

from functools import partial

import keras
import numpy as np
import pytest
from tiny_models import KINDS
from tiny_models import SHAPE as TINY_SHAPE

from helpers import featurevis as fv
from helpers.layers import all_layers
from helpers.validate import InputError

L = keras.layers
SIZE = 16


# ------------------------------------------------------------------------------------------
# 1. Fourier parameterisation
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [8, 9])
@pytest.mark.parametrize("decay", [0.0, 1.0, 1.5])
def test_fourier_scale_by_hand(size, decay):
    scale = fv.fourier_scale(size, decay)
    assert scale.shape == (size, size // 2 + 1)
    for i in range(size):
        fy = (i if i <= (size - 1) // 2 else i - size) / size   # rows: 0, 1, ..., then the negative frequencies
        for j in range(size // 2 + 1):
            f = np.hypot(fy, j / size)
            assert scale[i, j] == pytest.approx(1 / max(f, 1 / size) ** decay, rel=1e-5)


@pytest.mark.parametrize("size", [8, 9])
@pytest.mark.parametrize("decay", [0.0, 1.0])
def test_image_from_spectrum_is_a_scaled_orthonormal_irfft2(size, decay):
    rng = np.random.default_rng(1)
    spectrum = rng.normal(size=(2, 3, size, size // 2 + 1, 2)).astype(np.float32)
    f = np.sqrt(np.fft.fftfreq(size)[:, None] ** 2 + np.fft.rfftfreq(size)[None, :] ** 2)
    weights = 1 / np.maximum(f, 1 / size) ** decay
    coeffs = (spectrum[..., 0] + 1j * spectrum[..., 1]) * weights
    expected = np.fft.irfft2(coeffs, s=(size, size), norm="ortho").transpose(0, 2, 3, 1)
    got = fv.image_from_spectrum(spectrum, size, decay)
    assert got.shape == (2, size, size, 3) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize("size", [8, 9, 16])
@pytest.mark.parametrize("decay", [0.0, 1.0, 2.0])
def test_image_spectrum_image_round_trip(size, decay):
    x = np.random.default_rng(size).random((3, size, size, 3)).astype(np.float32)
    spectrum = fv.spectrum_from_image(x, decay)
    assert spectrum.shape == (3, 3, size, size // 2 + 1, 2)
    np.testing.assert_allclose(fv.image_from_spectrum(spectrum, size, decay), x, atol=1e-5)


def test_image_from_spectrum_keeps_tensors_and_checks_shapes():
    import tensorflow as tf

    spectrum = tf.zeros((1, 3, 8, 5, 2))
    assert tf.is_tensor(fv.image_from_spectrum(spectrum, 8))
    with pytest.raises(InputError, match=r"^spectrum: "):
        fv.image_from_spectrum(np.zeros((1, 3, 8, 8, 2)), 8)


# ------------------------------------------------------------------------------------------
# 2. Decorrelated colour space
# ------------------------------------------------------------------------------------------

def _coloured_pixels(n=20000, seed=0):
    """Pixels with strongly correlated, unequal channels (like photographs, but not symmetric)."""
    rng = np.random.default_rng(seed)
    mixing = np.array([[1.0, 0.2, 0.0], [0.9, 0.5, 0.1], [0.7, -0.1, 0.4]])
    return (rng.normal(size=(n, 3)) @ mixing.T + 0.5).reshape(-1, 10, 10, 3)


def test_colour_matrix_is_the_square_root_of_the_covariance():
    pixels = _coloured_pixels()
    m = fv.colour_decorrelation(pixels)
    assert m.shape == (3, 3)
    np.testing.assert_allclose(m, m.T, atol=1e-6)
    assert np.linalg.norm(m, axis=0).max() == pytest.approx(1.0, abs=1e-6)
    cov = np.cov(pixels.reshape(-1, 3).T)
    np.testing.assert_allclose(m @ m.T / np.trace(m @ m.T), cov / np.trace(cov), atol=1e-5)


def test_decorrelated_noise_has_the_pictures_colour_covariance():
    pixels = _coloured_pixels()
    m = fv.colour_decorrelation(pixels)
    z = np.random.default_rng(5).normal(size=(40, 50, 50, 3)).astype(np.float32)
    rgb = fv.to_rgb(z, m)
    cov_rgb = np.cov(rgb.reshape(-1, 3).T)
    cov_data = np.cov(pixels.reshape(-1, 3).T)
    np.testing.assert_allclose(cov_rgb / np.trace(cov_rgb), cov_data / np.trace(cov_data), atol=0.01)


@pytest.mark.parametrize("which", ["measured", "typical", "lopsided"])
def test_to_rgb_per_pixel_and_back(which):
    rng = np.random.default_rng(2)
    m = {"measured": fv.colour_decorrelation(_coloured_pixels()), "typical": fv.TYPICAL_COLOUR_MATRIX,
         "lopsided": rng.normal(size=(3, 3)).astype(np.float32)}[which]  # not symmetric: catches a transpose
    x = rng.normal(size=(2, 4, 5, 3)).astype(np.float32)
    rgb = fv.to_rgb(x, m)
    for n, i, j in np.ndindex(2, 4, 5):
        np.testing.assert_allclose(rgb[n, i, j], m @ x[n, i, j], atol=1e-5)
    np.testing.assert_allclose(fv.from_rgb(rgb, m), x, atol=1e-4)


def test_from_rgb_refuses_a_singular_matrix():
    with pytest.raises(InputError, match=r"^M: "):
        fv.from_rgb(np.zeros((1, 2, 2, 3)), np.ones((3, 3)))


# ------------------------------------------------------------------------------------------
# 3. Transformation robustness
# ------------------------------------------------------------------------------------------

def _batch(seed=0, n=2, size=8):
    return np.random.default_rng(seed).random((n, size, size, 3)).astype(np.float32)


def test_identity_settings_return_the_input_exactly():
    x = _batch()
    assert np.array_equal(fv.jitter(x, 0, seed=3), x)
    assert np.array_equal(fv.random_scale(x, 1.0, seed=3), x)
    assert np.array_equal(fv.random_scale(x, (1.0, 1.0), seed=3), x)
    assert np.array_equal(fv.random_rotate(x, 0, seed=3), x)
    assert np.array_equal(fv.compose([partial(fv.jitter, pixels=0), partial(fv.random_rotate, degrees=0)])(x, 7), x)
    assert np.array_equal(fv.compose([])(x, 7), x)


def _which_roll(x, y, d):
    found = [(dy, dx) for dy in range(-d, d + 1) for dx in range(-d, d + 1)
             if np.array_equal(y, np.roll(x, (dy, dx), axis=(1, 2)))]
    assert len(found) == 1, "jitter must be a roll of the whole batch by one shift within the limit"
    return found[0]


def test_jitter_is_a_seeded_roll():
    x, d = _batch(), 3
    shifts = [_which_roll(x, fv.jitter(x, d, seed=s), d) for s in range(40)]
    assert shifts == [_which_roll(x, fv.jitter(x, d, seed=s), d) for s in range(40)]  # same seed, same shift
    assert len(set(shifts)) > 10                                                        # the seed matters
    assert {dy for dy, _ in shifts} >= {-d, d} and {dx for _, dx in shifts} >= {-d, d}  # both limits reached
    assert fv.jitter(x, d, seed=(1, 2)).shape == x.shape


def test_rotate_by_90_degrees_is_rot90():
    x = _batch()
    np.testing.assert_allclose(fv.random_rotate(x, (90, 90), seed=0), np.rot90(x, 1, axes=(1, 2)), atol=1e-4)


def test_scale_zooms_about_the_centre():
    ramp = np.broadcast_to(np.arange(8, dtype=np.float32)[None, None, :, None], (1, 8, 8, 3)).copy()
    zoomed = fv.random_scale(ramp, 2.0, seed=0)        # output column x reads input column (x - 3.5) / 2 + 3.5
    expected = (np.arange(8) - 3.5) / 2 + 3.5
    np.testing.assert_allclose(zoomed[0, :, :, 0], np.broadcast_to(expected, (8, 8)), atol=1e-5)


@pytest.mark.parametrize("fn, setting", [(fv.random_scale, (0.8, 1.2)), (fv.random_rotate, 20.0)])
def test_random_transforms_follow_their_seed(fn, setting):
    x = _batch()
    a, b, c = fn(x, setting, seed=1), fn(x, setting, seed=1), fn(x, setting, seed=2)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_compose_applies_each_transform_with_its_own_seed():
    x = _batch(size=16)  # shifts up to 6 each way must not wrap around onto each other
    twice = fv.compose([partial(fv.jitter, pixels=3), partial(fv.jitter, pixels=3)])
    assert np.array_equal(twice(x, seed=4), twice(x, seed=4))
    results = {_which_roll(x, twice(x, seed=s), 6) for s in range(30)}
    assert len(results) > 10
    # the same seed for both would always give an even total shift
    assert any(dy % 2 or dx % 2 for dy, dx in results)


# ------------------------------------------------------------------------------------------
# 4. Total variation
# ------------------------------------------------------------------------------------------

def test_total_variation_by_hand():
    x = _batch(n=3, size=5)[:, :, :4]
    got = fv.total_variation(x)
    for n in range(3):
        total, pairs = 0.0, 0
        for i in range(5):
            for j in range(4):
                for c in range(3):
                    if i + 1 < 5:
                        total, pairs = total + abs(x[n, i + 1, j, c] - x[n, i, j, c]), pairs + 1
                    if j + 1 < 4:
                        total, pairs = total + abs(x[n, i, j + 1, c] - x[n, i, j, c]), pairs + 1
        assert got[n] == pytest.approx(total / pairs, rel=1e-5)
    assert fv.total_variation(np.ones((2, 4, 4, 3))).tolist() == [0.0, 0.0]


# ------------------------------------------------------------------------------------------
# 6. High-frequency share
# ------------------------------------------------------------------------------------------

def test_high_frequency_share_of_simple_pictures():
    yy, xx = np.mgrid[0:16, 0:16]
    constant = np.full((16, 16, 3), 0.3)
    checkerboard = np.repeat(((yy + xx) % 2)[..., None], 3, axis=-1).astype(float)
    gradient = np.repeat((np.cos(2 * np.pi * xx / 16) * 0.5 + yy / 32)[..., None], 3, axis=-1)
    share = fv.high_frequency_share(np.stack([constant, checkerboard, gradient]))
    assert share[0] == 0.0
    assert share[1] > 0.999
    assert share[2] < 0.05
    assert fv.high_frequency_share((checkerboard * 255).astype(np.uint8)).shape == (1,)


@pytest.mark.parametrize("cutoff", [0.25, 0.6])
def test_high_frequency_share_by_hand(cutoff):
    x = np.random.default_rng(3).random((6, 7, 3))
    high = total = 0.0
    for c in range(3):
        spectrum = np.fft.fft2(x[..., c] - x[..., c].mean())
        for u in range(6):
            for v in range(7):
                fy, fx = min(u, 6 - u) / 6, min(v, 7 - v) / 7
                p = abs(spectrum[u, v]) ** 2
                total += p
                high += p if np.hypot(fy, fx) > cutoff * 0.5 else 0.0
    assert fv.high_frequency_share(x, cutoff)[0] == pytest.approx(high / total, rel=1e-9)


# ------------------------------------------------------------------------------------------
# 5. The ascent, on a tiny model
# ------------------------------------------------------------------------------------------

CHANNELS = [3, 0, 2]  # out of order: a wrong gather gives another channel's picture
SMALL = dict(steps=25, lr=0.05, transforms=[partial(fv.jitter, pixels=1), partial(fv.random_rotate, degrees=5)])


def tiny_model():
    keras.utils.set_random_seed(0)
    i = keras.Input((SIZE, SIZE, 3))
    h = L.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(i)
    h = L.MaxPooling2D(name="pool1")(h)
    h = L.Conv2D(5, 3, padding="same", activation="relu", name="block2_conv1")(h)
    h = L.GlobalAveragePooling2D(name="gap")(h)
    return keras.Model(i, L.Dense(3, name="scores")(h), name="tiny")


def snapshot(model):
    x = np.random.default_rng(0).random((2, SIZE, SIZE, 3)).astype(np.float32)
    return {"weights": [w.copy() for w in model.get_weights()],
            "activations": [getattr(layer, "activation", None) for layer in all_layers(model)],
            "predictions": np.asarray(model(x))}


@pytest.fixture(scope="module")
def run():
    model = tiny_model()
    before = snapshot(model)
    result = fv.regularised_patterns(model, "block2_conv1", CHANNELS, SIZE, **SMALL)
    return model, before, result


def pre_activation(model, images, layer="block2_conv1"):
    """The layer's value before its ReLU, computed by hand from its input and weights."""
    import tensorflow as tf

    conv = model.get_layer(layer)
    kernel, bias = conv.get_weights()
    feed = keras.Model(model.input, conv.input)
    return (tf.nn.conv2d(feed(images), kernel, 1, "SAME") + bias).numpy()


def test_ascent_raises_every_channels_objective(run):
    model, _, r = run
    assert r.images.shape == (3, SIZE, SIZE, 3) and r.images.dtype == np.float32
    assert r.images.min() >= 0 and r.images.max() <= 1
    assert r.as_uint8().dtype == np.uint8
    assert r.layer == "block2_conv1" and r.channels.tolist() == CHANNELS
    assert r.history.shape == (SMALL["steps"], 3)
    assert (r.objective > r.objective_before).all()
    # the objective reported is channel c's mean pre-activation value in image c
    value = pre_activation(model, r.images)
    np.testing.assert_allclose(r.objective, [value[k, :, :, c].mean() for k, c in enumerate(CHANNELS)],
                               rtol=1e-4, atol=1e-5)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _irfft_images(spectrum, size, decay):
    f = np.sqrt(np.fft.fftfreq(size)[:, None] ** 2 + np.fft.rfftfreq(size)[None, :] ** 2)
    coeffs = (spectrum[..., 0] + 1j * spectrum[..., 1]) / np.maximum(f, 1 / size) ** decay
    return np.fft.irfft2(coeffs, s=(size, size), norm="ortho").transpose(0, 2, 3, 1)


@pytest.mark.parametrize("fourier", [True, False])
def test_images_are_made_from_the_parameters_as_documented(run, fourier):
    model, _, _ = run
    lopsided = np.array([[0.6, 0.3, 0.1], [-0.2, 0.7, 0.2], [0.1, -0.4, 0.8]], np.float32)  # a transpose shows
    r = fv.regularised_patterns(model, "block1_conv1", [1, 3], SIZE, steps=3, lr=0.5, decay=1.5, fourier=fourier,
                                transforms=(), colour_matrix=lopsided)
    x = _irfft_images(r.params, SIZE, 1.5) if fourier else r.params
    expected = _sigmoid(np.einsum("ij,nhwj->nhwi", lopsided, x))
    np.testing.assert_allclose(r.images, expected, atol=1e-5)
    np.testing.assert_array_equal(r.colour_matrix, lopsided)


def test_transforms_get_a_new_seed_every_step(run):
    import tensorflow as tf

    model, _, _ = run
    seen = []

    def record(images, seed):
        def keep(s):
            seen.append(tuple(s.numpy().tolist()))
            return 0

        tf.py_function(keep, [seed], tf.int32)
        return images

    def seeds(seed):
        seen.clear()
        fv.regularised_patterns(model, "block1_conv1", [0], SIZE, steps=5, transforms=[record], seed=seed)
        return list(seen)

    first = seeds(0)
    assert len(first) == 5 and len(set(first)) == 5
    assert seeds(0) == first
    assert seeds(1) != first


def test_batched_equals_one_channel_at_a_time(run):
    model, _, r = run
    one_by_one = fv.regularised_patterns(model, "block2_conv1", CHANNELS, SIZE, batched=False, **SMALL)
    np.testing.assert_allclose(one_by_one.images, r.images, atol=1e-4)
    np.testing.assert_allclose(one_by_one.objective, r.objective, rtol=1e-3, atol=1e-4)
    alone = fv.regularised_patterns(model, "block2_conv1", [0], SIZE, **SMALL)
    np.testing.assert_allclose(alone.images[0], r.images[1], atol=1e-4)


def test_the_given_model_is_not_modified(run):
    model, before, _ = run
    now = snapshot(model)
    assert all(np.array_equal(a, b) for a, b in zip(now["weights"], before["weights"]))
    assert all(a is b for a, b in zip(now["activations"], before["activations"]))
    assert np.array_equal(now["predictions"], before["predictions"])


def test_works_on_a_model_loaded_in_safe_mode(run, tmp_path):
    model, _, r = run
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    again = fv.regularised_patterns(loaded, "block2_conv1", CHANNELS, SIZE, **SMALL)
    np.testing.assert_allclose(again.images, r.images, atol=1e-4)


def test_plain_pixels_without_any_regulariser_run_too(run):
    model, _, _ = run
    plain = dict(steps=15, lr=0.05, fourier=False, decorrelate=False, transforms=())
    r = fv.regularised_patterns(model, "block2_conv1", [1, 2, 3], SIZE, **plain)
    assert r.images.shape == (3, SIZE, SIZE, 3)
    assert (r.objective > r.objective_before).all()
    smooth = fv.regularised_patterns(model, "block2_conv1", [1, 2, 3], SIZE, tv_weight=1.0, **plain)
    assert (fv.total_variation(smooth.images) < 0.7 * fv.total_variation(r.images)).all()


KIND_SETTINGS = {"steps": 4, "lr": 0.05, "transforms": [partial(fv.jitter, pixels=1)]}


@pytest.fixture(scope="module")
def functional_reference():
    return fv.regularised_patterns(KINDS["functional"](), "c2", [4, 1], TINY_SHAPE[0], **KIND_SETTINGS)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"functional"}))
def test_every_kind_of_model_gives_the_same_patterns(kind, functional_reference):
    """Sequential (never called), nested: the same seeded weights as the functional one, the same pictures."""
    r = fv.regularised_patterns(KINDS[kind](), "c2", [4, 1], TINY_SHAPE[0], **KIND_SETTINGS)
    np.testing.assert_allclose(r.images, functional_reference.images, atol=1e-5)


@pytest.mark.parametrize("change, name", [
    (dict(layer_name="nope"), "layer_name"),
    (dict(layer_name="pool1"), "layer_name"),
    (dict(layer_name=3), "layer_name"),
    (dict(channels=[0, 5]), "channels"),
    (dict(channels=[]), "channels"),
    (dict(channels="0"), "channels"),
    (dict(steps=0), "steps"),
    (dict(decay=-0.5), "decay"),
    (dict(lr=0), "lr"),
    (dict(size=32), "size"),
    (dict(objective="relu"), "objective"),
    (dict(transforms=[3]), "transforms"),
    (dict(fourier="yes"), "fourier"),
    (dict(colour_matrix=np.eye(2)), "colour_matrix"),
])
def test_bad_inputs_name_the_argument(run, change, name):
    model, _, _ = run
    kwargs = dict(model=model, layer_name="block2_conv1", channels=[0], size=SIZE, steps=2) | change
    with pytest.raises(InputError) as error:
        fv.regularised_patterns(**kwargs)
    assert str(error.value).startswith(f"{name}: expected ")


def test_centre_objective_changes_only_the_centre_units_window(run):
    """The neuron objective: the value at the middle position only. Without the Fourier coupling, the colour mix
    and the transforms, only the pixels that unit sees can change -- its receptive field, computed independently
    (helpers.atlas) -- and the objective reported is the middle value, by hand."""
    from helpers.atlas import receptive_field

    model, _, _ = run
    plain = dict(steps=10, lr=0.05, fourier=False, decorrelate=False, transforms=())
    before = fv.regularised_patterns(model, "block2_conv1", [1, 2], SIZE, steps=1, lr=1e-9, fourier=False,
                                     decorrelate=False, transforms=(), spatial="centre").images
    r = fv.regularised_patterns(model, "block2_conv1", [1, 2], SIZE, spatial="centre", **plain)
    rf = receptive_field(model, "block2_conv1")
    h = SIZE // 2                                                   # the map's side after one 2x2 pooling
    centre = rf.centre(h // 2)
    lo, hi = int(np.floor(centre - rf.size / 2)), int(np.ceil(centre + rf.size / 2))
    changed = np.abs(r.images - before).max(axis=(0, 3)) > 1e-4     # (SIZE, SIZE)
    outside = changed.copy()
    outside[max(lo, 0):hi, max(lo, 0):hi] = False
    assert changed.any() and not outside.any(), "only the centre unit's window may change"
    value = pre_activation(model, r.images)
    np.testing.assert_allclose(r.objective, [value[k, h // 2, h // 2, c] for k, c in enumerate([1, 2])],
                               rtol=1e-4, atol=1e-5)
    with pytest.raises(InputError, match="^spatial: "):
        fv.regularised_patterns(model, "block2_conv1", [1], SIZE, spatial="corner", **plain)


def _one_edge_by_brute_force(img, orientations, offsets):
    """1 - R² of the best two-colour split, by looping over every line and averaging each side directly."""
    size = img.shape[0]
    c = (np.arange(size) + 0.5) / size * 2 - 1
    yy, xx = np.meshgrid(c, c, indexing="ij")
    x = img.reshape(-1, img.shape[-1]).astype(np.float64)
    total = ((x - x.mean(axis=0)) ** 2).sum()
    best = 0.0
    for a in np.arange(orientations) * np.pi / orientations:
        for t in np.linspace(-1, 1, offsets + 2)[1:-1] * np.sqrt(2):
            side = (np.cos(a) * xx + np.sin(a) * yy).ravel() > t + 1e-9
            if side.all() or not side.any():
                continue
            fit = np.where(side[:, None], x[side].mean(axis=0), x[~side].mean(axis=0))
            best = max(best, 1 - ((x - fit) ** 2).sum() / total)
    return (1 - best if total > 0 else 0.0), np.sqrt((1 - best) * total / x.size)


def test_one_edge_residual_matches_a_brute_force_fit():
    rng = np.random.default_rng(3)
    imgs = rng.random((4, 8, 8, 3))
    got = fv.one_edge_residual(imgs, size=8, orientations=6, offsets=5, relative=True)
    want = [_one_edge_by_brute_force(i, 6, 5)[0] for i in imgs]
    np.testing.assert_allclose(got, want, atol=1e-9)
    rms = fv.one_edge_residual(imgs, size=8, orientations=6, offsets=5)
    np.testing.assert_allclose(rms, [_one_edge_by_brute_force(i, 6, 5)[1] for i in imgs], atol=1e-9)


def test_one_edge_residual_scores_edges_low_and_discs_and_checkerboards_high():
    size = 16
    c = (np.arange(size) + 0.5) / size * 2 - 1
    yy, xx = np.meshgrid(c, c, indexing="ij")
    step = np.where(xx[..., None] > 0, [1.0, 0.2, 0.0], [0.0, 0.5, 1.0])           # vertical edge, two colours
    diagonal = np.where((xx + yy)[..., None] > 0, 1.0, 0.0) * np.ones(3)
    disc = np.where((xx ** 2 + yy ** 2)[..., None] < 0.4, 1.0, 0.0) * np.ones(3)
    checker = ((np.arange(size)[:, None] // 4 + np.arange(size)[None] // 4) % 2)[..., None] * np.ones(3)
    flat = np.full((size, size, 3), 0.3)
    r = fv.one_edge_residual(np.stack([step, diagonal, disc, checker, flat]), size=size, relative=True)
    assert r[0] < 1e-9 and r[1] < 0.05 and r[4] == 0, r
    assert r[2] > 0.3 and r[3] > 0.6, r
    assert np.all((r >= 0) & (r <= 1))
    rms = fv.one_edge_residual(np.stack([step, disc, checker, flat, 0.5 + 0.1 * (checker - 0.5)]), size=size)
    assert rms[0] < 1e-6 and rms[3] == 0 and rms[1] > 0.2 and rms[2] > 0.4, rms
    assert rms[4] == pytest.approx(rms[2] * 0.1), "the RMS error scales with the contrast; 1 - R² would not"
    # resizing keeps an edge an edge, small or large; uint8 is read the same as float
    small = (step[::4, ::4] * 255).astype(np.uint8)                                 # a 4x4 edge, enlarged
    large = np.repeat(np.repeat(step, 5, axis=0), 5, axis=1)                        # an 80x80 edge, shrunk
    assert fv.one_edge_residual(small)[0] < 1e-9 and fv.one_edge_residual(large)[0] < 1e-9
    with pytest.raises(ValueError, match="^size: "):
        fv.one_edge_residual(step, size=1)
    with pytest.raises(ValueError, match="^images: "):
        fv.one_edge_residual(np.zeros((2, 2)))
