"""helpers.activations against loop-based re-computations and closed-form answers."""

import numpy as np
import pytest
from tiny_models import KINDS, images

from helpers import activations as A

LUMA = (0.299, 0.587, 0.114)


def maps_by_hand(img):
    """The 14 maps of one image with explicit loops: Sobel/8 on the luminance with edge padding."""
    h, w, _ = img.shape
    lum = [[sum(LUMA[c] * float(img[i, j, c]) for c in range(3)) for j in range(w)] for i in range(h)]

    def at(i, j):
        return lum[min(max(i, 0), h - 1)][min(max(j, 0), w - 1)]

    out = np.zeros((h, w, 14))
    for i in range(h):
        for j in range(w):
            gx = (at(i - 1, j + 1) + 2 * at(i, j + 1) + at(i + 1, j + 1)
                  - at(i - 1, j - 1) - 2 * at(i, j - 1) - at(i + 1, j - 1)) / 8     # brighter to the right
            gy = (at(i + 1, j - 1) + 2 * at(i + 1, j) + at(i + 1, j + 1)
                  - at(i - 1, j - 1) - 2 * at(i - 1, j) - at(i - 1, j + 1)) / 8     # brighter downwards
            d1, d2 = (gx + gy) / np.sqrt(2), (gy - gx) / np.sqrt(2)
            edges = [max(v, 0) for v in (gx, -gx, gy, -gy, d1, -d1, d2, -d2)]
            r, g, b = (float(v) for v in img[i, j])
            grey = (r + g + b) / 3
            colours = [lum[i][j], 1 - lum[i][j], max(r - grey, 0), max(g - grey, 0), max(b - grey, 0),
                       max((r + g) / 2 - b, 0)]
            out[i, j] = edges + colours
    return out


def test_edge_and_colour_maps_equal_the_loop_computation():
    x = np.random.default_rng(0).random((2, 5, 7, 3)).astype(np.float32)
    got = A.edge_and_colour_maps(x)
    assert got.shape == (2, 5, 7, 14)
    for n in range(2):
        assert np.allclose(got[n], maps_by_hand(x[n]), atol=1e-5)


def test_named_edges_point_the_named_way():
    x = np.zeros((1, 6, 6, 3), np.float32)
    x[:, :, 3:] = 1.0                                        # brighter to the right
    m = A.edge_and_colour_maps(x)[0]
    right, left = A.EDGE_NAMES.index("lighter →"), A.EDGE_NAMES.index("lighter ←")
    assert m[:, 2:4, right].min() > 0.4 and m[..., left].max() == 0
    down = A.EDGE_NAMES.index("lighter ↓")
    y = np.zeros((1, 6, 6, 3), np.float32)
    y[:, 3:] = 1.0                                           # brighter downwards
    assert A.edge_and_colour_maps(y)[0][2:4, :, down].min() > 0.4
    red = np.zeros((1, 2, 2, 3), np.float32)
    red[..., 0] = 1.0
    c = A.edge_and_colour_maps(red)[0, 0, 0, 8:]
    assert np.allclose(c, [0.299, 0.701, 2 / 3, 0, 0, 0.5], atol=1e-6)  # brightness, darkness, r, g, b, yellow


def test_blank_fraction_per_image_and_channel_with_tolerance():
    a = np.zeros((2, 3, 3, 2), np.float32)
    a[0, 2, 1, 0] = 0.3      # image 0, channel 0: one weak response
    a[1, 0, 0, 1] = 2.0      # image 1, channel 1: a strong one
    assert A.blank_fraction(a) == pytest.approx(2 / 4)
    assert A.blank_fraction(a, tol=0.5) == pytest.approx(3 / 4)   # the weak one counts as blank
    assert A.blank_fraction(a, tol=0.3) == pytest.approx(3 / 4)   # <= tol
    with pytest.raises(ValueError, match="4 dimensions"):
        A.blank_fraction(a[0])


def test_pooled_features_average_blocks():
    a = np.random.default_rng(1).random((2, 4, 6, 3)).astype(np.float32)
    got = A.pooled_features(a, grid=2)
    assert got.shape == (2, 2 * 2 * 3)
    expected = np.zeros((2, 2, 2, 3))
    for n in range(2):
        for gi in range(2):
            for gj in range(2):
                expected[n, gi, gj] = a[n, gi * 2:(gi + 1) * 2, gj * 3:(gj + 1) * 3].mean(axis=(0, 1))
    assert np.allclose(got, expected.reshape(2, -1), atol=1e-6)
    assert np.allclose(A.pooled_features(a), got)                          # the default grid is 2
    with pytest.raises(ValueError, match="divides the map size"):
        A.pooled_features(a, grid=4)


def test_channel_tuning_is_a_correlation_with_block_averaged_maps():
    rng = np.random.default_rng(2)
    x = rng.random((3, 8, 8, 3)).astype(np.float32)
    act = rng.random((3, 4, 4, 2)).astype(np.float32)
    got = A.channel_tuning(act, x)
    maps = np.stack([maps_by_hand(img) for img in x])                     # (3, 8, 8, 14)
    pooled = maps.reshape(3, 4, 2, 4, 2, 14).mean(axis=(2, 4))
    for c in range(2):
        for k in range(14):
            assert got[c, k] == pytest.approx(np.corrcoef(act[..., c].ravel(), pooled[..., k].ravel())[0, 1],
                                              abs=1e-5)
    constant = np.ones((3, 4, 4, 1), np.float32)
    assert np.all(A.channel_tuning(constant, x) == 0)                       # a channel that never changes
    with pytest.raises(ValueError, match="divides the image size"):
        A.channel_tuning(rng.random((3, 3, 3, 1)).astype(np.float32), x)


def test_edge_similarity_by_hand():
    rng = np.random.default_rng(3)
    x = rng.random((2, 8, 12, 3)).astype(np.float32)                       # not square
    act = rng.random((2, 4, 6, 3)).astype(np.float32)
    best = []
    for n in range(2):
        strength = maps_by_hand(x[n])[..., :8].sum(axis=-1)
        up = np.kron(act[n].transpose(2, 0, 1), np.ones((2, 2)))          # nearest neighbour, (C, 8, 12)
        best.append(max(abs(np.corrcoef(up[c].ravel(), strength.ravel())[0, 1]) for c in range(3)))
    assert A.edge_similarity(act, x) == pytest.approx(np.mean(best), abs=1e-5)
    assert A.edge_similarity(act, x, per_image=True) == pytest.approx(best, abs=1e-5)
    assert A.edge_similarity(act, x, channels=3) == pytest.approx(np.mean(best), abs=1e-5), "all 3 of 3: the same"


def test_edge_similarity_over_one_random_channel_is_the_mean_over_channels():
    rng = np.random.default_rng(4)
    x = rng.random((2, 8, 8, 3)).astype(np.float32)
    act = rng.random((2, 4, 4, 5)).astype(np.float32)
    each = []
    for n in range(2):
        strength = maps_by_hand(x[n])[..., :8].sum(axis=-1)
        up = np.kron(act[n].transpose(2, 0, 1), np.ones((2, 2)))
        each.append(np.mean([abs(np.corrcoef(up[c].ravel(), strength.ravel())[0, 1]) for c in range(5)]))
    got = A.edge_similarity(act, x, channels=1, draws=1000, per_image=True)
    assert got == pytest.approx(each, abs=0.02), "one channel at random: on average, the mean |r| over channels"
    best_of_two = A.edge_similarity(act, x, channels=2, draws=1000, per_image=True)
    assert np.all(best_of_two > got), "the best of two channels beats one"


def ridge_accuracy(xtr, ytr, xte, yte, l2):
    """Ridge as an augmented least-squares problem: [X; sqrt(l2) I] w ~ [Y; 0]."""
    mu, sd = xtr.mean(axis=0), xtr.std(axis=0) + 1e-6
    xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    xtr, xte = np.hstack([xtr, np.ones((len(xtr), 1))]), np.hstack([xte, np.ones((len(xte), 1))])
    k = max(ytr.max(), yte.max()) + 1
    y = np.eye(k)[ytr]
    d = xtr.shape[1]
    w = np.linalg.lstsq(np.vstack([xtr, np.sqrt(l2) * np.eye(d)]), np.vstack([y, np.zeros((d, k))]), rcond=None)[0]
    return float(((xte @ w).argmax(axis=1) == yte).mean())


@pytest.mark.parametrize("l2", [1.0, 300.0])
def test_probe_accuracy_is_closed_form_ridge(l2):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 120)
    x = np.eye(3)[y] @ rng.standard_normal((3, 5)) * 2.5 + rng.standard_normal((120, 5)) * np.array([1, 2, 3, 4, 5])
    x += np.array([10, -5, 0, 3, 7])                                        # an offset the probe must remove
    got = A.probe_accuracy(x[:80], y[:80], x[80:], y[80:], l2=l2)
    assert got == pytest.approx(ridge_accuracy(x[:80], y[:80], x[80:], y[80:], l2))
    assert 0.6 < got < 1.0                       # neither hopeless nor perfect (0.725 with l2 = 1, 0.85 with 300)
    with pytest.raises(ValueError, match="one per image"):
        A.probe_accuracy(x[:80], y[:79], x[80:], y[80:])


def test_compute_activations_in_small_batches():
    model = KINDS["functional"]()
    x = images(7)
    whole = A.compute_activations(model, x, ["c2", "c1"])
    parts = A.compute_activations(model, x, ["c2", "c1"], batch_size=3)
    assert list(whole) == ["c2", "c1"]
    for name in whole:
        assert parts[name].shape[0] == 7 and np.allclose(parts[name], whole[name], atol=1e-6)
    one = A.compute_activations(model, x[0], "c1")["c1"]                   # a single image gets a batch axis
    assert one.shape == (1, 8, 8, 4) and np.allclose(one[0], whole["c1"][0], atol=1e-6)


def test_activations_are_taken_in_inference_mode():
    import keras

    keras.utils.set_random_seed(0)
    i = keras.Input((8, 8, 3))
    c = keras.layers.Conv2D(4, 3, padding="same", name="conv")(i)
    d = keras.layers.Dropout(0.5, name="drop")(c)                          # active only when training
    model = keras.Model(i, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(d)))
    x = images(2)
    acts = A.compute_activations(model, x, ["conv", "drop"])
    assert np.allclose(acts["drop"], acts["conv"], atol=1e-6)              # dropout is the identity at inference
