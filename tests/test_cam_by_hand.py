"""helpers.cam checked against hand computations that share no code with it.

The model here is chosen so that every gradient is known in closed form: its feature layer ``feat``
is the input itself (a 1x1 identity convolution) and the class scores are a linear function of
those features (flatten -> dense without bias), so the gradient of score c with respect to the
feature at (i, j, k) is exactly the dense weight ``W[i, j, k, c]`` -- it varies over space and has
both signs, which is what the Grad-CAM average and the LayerCAM ReLU act on.
"""

import math

import keras
import numpy as np
import pytest

from helpers import cam

H, W, C, N_CLASSES = 4, 6, 3, 3   # a non-square map: swapped axes change the answers


def weights(seed=0):
    return np.random.default_rng(seed).standard_normal((H, W, C, N_CLASSES)).astype(np.float32)


def linear_model(w, softmax=False):
    inputs = keras.Input((H, W, C))
    feat = keras.layers.Conv2D(C, 1, use_bias=False, name="feat")(inputs)
    flat = keras.layers.Flatten(name="flat")(feat)
    scores = keras.layers.Dense(N_CLASSES, use_bias=False, activation="softmax" if softmax else None,
                                name="scores")(flat)
    model = keras.Model(inputs, scores)
    model.get_layer("feat").set_weights([np.eye(C, dtype=np.float32).reshape(1, 1, C, C)])
    model.get_layer("scores").set_weights([w.reshape(H * W * C, N_CLASSES)])  # flatten order: (i, j, k)
    return model


def positive_images(n, seed=1):
    """Features > 0 everywhere, so a negative gradient always meets a positive feature."""
    return np.random.default_rng(seed).uniform(0.05, 1.0, (n, H, W, C)).astype(np.float32)


def logits_by_hand(x, w):
    z = np.zeros((len(x), N_CLASSES))
    for n in range(len(x)):
        for i in range(H):
            for j in range(W):
                for k in range(C):
                    z[n] += float(x[n, i, j, k]) * w[i, j, k].astype(np.float64)
    return z


def normalised(m):
    m = np.maximum(m, 0)
    return m / m.max() if m.max() > 0 else m


def grad_cam_by_hand(f, g):
    """One image: channel weight = spatial mean of the gradient; map = ReLU(weighted sum), peak 1."""
    alpha = [sum(g[i, j, k] for i in range(H) for j in range(W)) / (H * W) for k in range(C)]
    m = np.array([[sum(alpha[k] * f[i, j, k] for k in range(C)) for j in range(W)] for i in range(H)])
    return normalised(m)


def layer_cam_by_hand(f, g, relu_on_gradients=True):
    def gate(v):
        return max(v, 0.0) if relu_on_gradients else v

    m = np.array([[sum(gate(g[i, j, k]) * f[i, j, k] for k in range(C)) for j in range(W)] for i in range(H)])
    return normalised(m)


def test_grad_cam_equals_the_hand_computation_with_spatially_varying_gradients():
    w, x = weights(), positive_images(3)
    r = cam.class_activation_maps(linear_model(w), x, [0, 2, 1], "feat", verbose=False)
    expected = np.stack([grad_cam_by_hand(x[n], w[..., c]) for n, c in enumerate([0, 2, 1])])
    assert r.heatmaps.shape == (3, H, W) and r.layer == "feat"
    assert (expected == 0).any() and (expected > 0).any()  # the ReLU on the map really clips something
    assert np.allclose(r.heatmaps, expected, atol=1e-5)
    assert np.allclose(r.scores, logits_by_hand(x, w), atol=1e-4)
    assert r.class_index.tolist() == [0, 2, 1]


def test_layercam_keeps_only_positive_gradients():
    w, x = weights(), positive_images(3)
    r = cam.class_activation_maps(linear_model(w), x, 1, "feat", method="layercam", verbose=False)
    expected = np.stack([layer_cam_by_hand(x[n], w[..., 1]) for n in range(3)])
    without_relu = np.stack([layer_cam_by_hand(x[n], w[..., 1], relu_on_gradients=False) for n in range(3)])
    assert (w[..., 1] < 0).any() and not np.allclose(expected, without_relu, atol=1e-2)  # the case bites
    assert np.allclose(r.heatmaps, expected, atol=1e-5)


def test_top_class_is_the_hand_computed_argmax():
    w, x = weights(2), positive_images(6, seed=3)
    top = logits_by_hand(x, w).argmax(axis=1)
    assert len(set(top.tolist())) > 1  # the images do not all pick the same class
    r = cam.class_activation_maps(linear_model(w), x, None, "feat", verbose=False)
    assert np.array_equal(r.class_index, top)
    expected = np.stack([grad_cam_by_hand(x[n], w[..., c]) for n, c in enumerate(top)])
    assert np.allclose(r.heatmaps, expected, atol=1e-5)


def softmax_gradient(x, w, c):
    """d softmax(z)_c / d features = p_c (W_c - sum_j p_j W_j), per image."""
    z = logits_by_hand(x, w)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return p, np.stack([p[n, c] * (w[..., c] - np.tensordot(w, p[n], axes=([3], [0]))) for n in range(len(x))])


def test_before_and_after_the_softmax():
    w, x = weights(8), positive_images(2, seed=9)
    model = linear_model(w, softmax=True)
    before = cam.class_activation_maps(model, x, 2, "feat", verbose=False)
    after = cam.class_activation_maps(model, x, 2, "feat", verbose=False, before_softmax=False)
    p, g = softmax_gradient(x, w, 2)
    assert not np.allclose(before.heatmaps, after.heatmaps, atol=1e-2)  # the two really differ
    assert np.allclose(before.scores, logits_by_hand(x, w), atol=1e-4)        # scores: the logits
    assert np.allclose(after.scores, p, atol=1e-5)                            # probabilities
    assert np.allclose(before.heatmaps, [grad_cam_by_hand(x[n], w[..., 2]) for n in range(2)], atol=1e-5)
    assert np.allclose(after.heatmaps, [grad_cam_by_hand(x[n], g[n]) for n in range(2)], atol=1e-4)
    assert np.allclose(np.asarray(model(x)), p, atol=1e-5)  # the model itself still ends in its softmax


def test_default_layer_is_the_last_convolution():
    i = keras.Input((8, 8, 3))
    a = keras.layers.Conv2D(2, 3, padding="same", name="first")(i)
    b = keras.layers.Conv2D(2, 3, padding="same", name="last_conv")(a)
    p = keras.layers.MaxPooling2D(name="pool")(b)
    model = keras.Model(i, keras.layers.Dense(2)(keras.layers.Flatten()(p)))
    assert cam.default_layer(model).name == "last_conv"


# ------------------------------------------------------------------------------------------
# Upsampling: bilinear with half-pixel centres (tf.image.resize, antialias=False), by loops
# ------------------------------------------------------------------------------------------

def bilinear_by_hand(m, out_h, out_w):
    in_h, in_w = m.shape
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        sy = (i + 0.5) * in_h / out_h - 0.5
        y0 = math.floor(sy)
        fy = sy - y0
        ya, yb = min(max(y0, 0), in_h - 1), min(max(y0 + 1, 0), in_h - 1)
        for j in range(out_w):
            sx = (j + 0.5) * in_w / out_w - 0.5
            x0 = math.floor(sx)
            fx = sx - x0
            xa, xb = min(max(x0, 0), in_w - 1), min(max(x0 + 1, 0), in_w - 1)
            top = (1 - fx) * m[ya, xa] + fx * m[ya, xb]
            bottom = (1 - fx) * m[yb, xa] + fx * m[yb, xb]
            out[i, j] = (1 - fy) * top + fy * bottom
    return out


def test_upsample_is_bilinear_with_half_pixel_centres():
    maps = np.random.default_rng(0).random((2, 3, 5)).astype(np.float32)
    got = cam.upsample(maps, (7, 11))                       # (height, width), not square
    assert got.shape == (2, 7, 11)
    assert np.allclose(got, [bilinear_by_hand(m, 7, 11) for m in maps], atol=1e-5)
    one = cam.upsample(maps[0], 6)                          # one map and an int size
    assert one.shape == (6, 6) and np.allclose(one, bilinear_by_hand(maps[0], 6, 6), atol=1e-5)
    nearest = maps[0].repeat(2, axis=0).repeat(2, axis=1)
    assert not np.allclose(cam.upsample(maps[0], (6, 10)), nearest, atol=1e-2)


def test_upsample_output_is_clipped_to_the_unit_range():
    m = np.array([[-1.0, 2.0], [0.5, 0.25]], np.float32)
    assert np.allclose(cam.upsample(m, 4), np.clip(bilinear_by_hand(m, 4, 4), 0, 1), atol=1e-6)


# ------------------------------------------------------------------------------------------
# Overlay, pointing game, box from heatmap, rank correlation
# ------------------------------------------------------------------------------------------

def test_overlay_adds_the_jet_colours_scaled_by_intensity():
    img = np.full((2, 2, 3), 100, np.uint8)
    hm = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)   # jet(1) = (0.5, 0, 0), jet(0) = (0, 0, 0.5)
    out = cam.overlay(img, hm, intensity=0.5)
    # hot pixel: (100 + 0.5 * 127.5, 100, 100) = (163.75, 100, 100); the brightest value is scaled to 255
    scale = 255 / 163.75
    assert np.allclose(out[0, 0], np.floor(np.array([163.75, 100, 100]) * scale), atol=1)
    assert np.allclose(out[1, 1], np.floor(np.array([100, 100, 163.75]) * scale), atol=1)
    plain = cam.overlay(img, hm, intensity=0.0)           # no heatmap at all: the image, scaled to its peak
    assert np.all(plain == 255)
    faint = np.zeros((2, 2, 3), np.uint8)
    faint[1, 0] = 1                                       # a nearly black image is still scaled to its peak
    assert cam.overlay(faint, hm, intensity=0.0)[1, 0].tolist() == [255, 255, 255]
    assert np.all(cam.overlay(np.zeros((2, 2, 3), np.uint8), hm, intensity=0.0) == 0)   # black stays black
    dark = cam.overlay(np.zeros((2, 2, 3), np.uint8), hm, intensity=0.2)
    assert tuple(dark[0, 0]) == (255, 0, 0) and tuple(dark[0, 1]) == (0, 0, 255)


def test_overlay_upsamples_a_smaller_heatmap():
    img = np.zeros((4, 6, 3), np.uint8)
    hm = np.random.default_rng(3).random((2, 3)).astype(np.float32)
    from matplotlib import colormaps

    jet = colormaps["jet"](np.clip(bilinear_by_hand(hm, 4, 6), 0, 1))[..., :3] * 255 * 0.4
    expected = np.clip(jet / max(jet.max(), 1) * 255, 0, 255)
    assert np.allclose(cam.overlay(img, hm, 0.4), expected, atol=1.01)


def test_pointing_game_reads_x_as_the_column_on_a_non_square_map():
    h = np.zeros((3, 4, 8), np.float32)    # 4 rows, 8 columns
    h[:, 1, 6] = 1.0                       # the peak's centre: x = 6.5 / 8 = 0.8125, y = 1.5 / 4 = 0.375
    boxes = np.array([[0.8125, 0.375, 0.0625, 0.0625],   # a tiny box right on the peak
                      [0.375, 0.8125, 0.25, 0.25],       # x and y swapped: a miss
                      [0.8125, 0.375, 0.5, 0.03]],       # tall and narrow, still on it
                     np.float32)
    assert cam.pointing_game(h, boxes).tolist() == [True, False, True]


@pytest.mark.parametrize("box, hit", [
    ((0.9375, 0.375, 0.5, 0.25), True),     # left edge exactly at the peak's x: inclusive
    ((0.6875, 0.375, 0.5, 0.25), True),     # right edge exactly at it
    ((0.8125, 0.625, 0.5, 0.5), True),      # top edge exactly at the peak's y
    ((0.8125, 0.125, 0.5, 0.5), True),      # bottom edge exactly at it
    ((0.9375, 0.375, 0.5, 0.2), False),     # a little too far right
    ((0.8125, 0.65, 0.5, 0.5), False),      # a little too low
    ((0.8125, 0.575, 0.5, 0.1), True),      # tall and narrow, 0.2 below the peak: within half its height
    ((0.6125, 0.375, 0.1, 0.5), True),      # wide and flat, 0.2 left of the peak: within half its width
    ((0.6125, 0.375, 0.5, 0.1), False),     # tall and narrow, 0.2 left: too narrow
    ((0.8125, 0.575, 0.1, 0.5), False),     # wide and flat, 0.2 below: too flat
])
def test_pointing_game_box_edges_are_inclusive(box, hit):
    h = np.zeros((1, 4, 8), np.float32)
    h[0, 1, 6] = 1.0
    assert cam.pointing_game(h, np.array([box], np.float32)).tolist() == [hit]


def test_a_blank_map_points_nowhere_even_inside_a_full_box():
    h = np.zeros((2, 4, 4), np.float32)
    h[1] = -1.0
    assert cam.pointing_game(h, np.array([[0.5, 0.5, 1.0, 1.0]] * 2, np.float32)).tolist() == [False, False]


def box_by_hand(m, threshold):
    """Loop over the pixels: the smallest box around every pixel >= threshold x peak."""
    rows, cols = m.shape
    peak = m.max()
    if peak <= 0:
        return np.zeros(4)
    x0, y0, x1, y1 = cols, rows, -1, -1
    for i in range(rows):
        for j in range(cols):
            if m[i, j] >= threshold * peak:
                x0, x1, y0, y1 = min(x0, j), max(x1, j), min(y0, i), max(y1, i)
    left, right, top, bottom = x0 / cols, (x1 + 1) / cols, y0 / rows, (y1 + 1) / rows
    return np.array([(left + right) / 2, (top + bottom) / 2, bottom - top, right - left])


def test_box_from_heatmap_thresholds_relative_to_the_peak():
    h = np.zeros((3, 4, 8), np.float32)
    h[0, 1, 2] = 0.5                       # peak 0.5: the cut-off at threshold 0.5 is 0.25
    h[0, 2, 5] = 0.25                      # exactly at the cut-off: inside
    h[0, 3, 7] = 0.2                       # below: outside
    h[1, 2, 3] = 0.8                       # one pixel: the box is one pixel wide and high
    boxes = cam.box_from_heatmap(h, 0.5)
    # rows 1..2 and columns 2..5 -> x in [2/8, 6/8], y in [1/4, 3/4]
    assert np.allclose(boxes[0], [0.5, 0.5, 0.5, 0.5])
    assert np.allclose(boxes[1], [3.5 / 8, 2.5 / 4, 1 / 4, 1 / 8])     # (bx, by, bh, bw): bh is 1/4, bw 1/8
    assert np.all(boxes[2] == 0)                                          # a blank map: no box
    assert np.allclose(cam.box_from_heatmap(h[:1], 0.9)[0], [2.5 / 8, 1.5 / 4, 1 / 4, 1 / 8])


def test_box_from_heatmap_on_random_maps():
    maps = np.random.default_rng(4).random((6, 5, 9)).astype(np.float32) ** 4
    for t in (0.3, 0.6):
        assert np.allclose(cam.box_from_heatmap(maps, t), [box_by_hand(m, t) for m in maps], atol=1e-6)


def spearman_by_hand(a, b):
    """Rank of a value = how many values are smaller (no ties in the data); Pearson of the ranks."""
    a, b = list(np.ravel(a)), list(np.ravel(b))
    ra = [sum(v < u for v in a) for u in a]
    rb = [sum(v < u for v in b) for u in b]
    n = len(a)
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((p - ma) * (q - mb) for p, q in zip(ra, rb))
    return cov / math.sqrt(sum((p - ma) ** 2 for p in ra) * sum((q - mb) ** 2 for q in rb))


def test_rank_correlation_equals_an_independent_spearman():
    rng = np.random.default_rng(5)
    a = rng.random((4, 5, 6))
    b = a + rng.normal(0, 0.3, a.shape)                    # related but not identical
    got = cam.rank_correlation(a, b)
    assert np.allclose(got, [spearman_by_hand(a[i], b[i]) for i in range(4)], atol=1e-12)
    assert np.all((got > 0.2) & (got < 0.99))
    # monotone transforms keep the ranks: the correlation is about order only
    assert np.allclose(cam.rank_correlation(a, np.exp(3 * b)), got)


def test_rank_correlation_of_a_constant_map_is_zero():
    a = np.random.default_rng(6).random((2, 3, 3))
    const = np.ones((2, 3, 3))
    assert cam.rank_correlation(a, const).tolist() == [0.0, 0.0]
    assert cam.rank_correlation(const, a).tolist() == [0.0, 0.0]


def test_rank_correlation_gives_ties_their_average_rank():
    a = np.array([[0.0, 0.0, 1.0, 1.0]])
    b = np.array([[0.0, 1.0, 0.0, 1.0]])
    # Spearman with average ranks: a -> [0.5, 0.5, 2.5, 2.5], b -> [0.5, 2.5, 0.5, 2.5]: uncorrelated
    assert cam.rank_correlation(a, b)[0] == pytest.approx(0.0)


def test_baseline_heatmaps():
    c = cam.center_heatmaps(2, 8)
    assert c.shape == (2, 8, 8) and np.array_equal(c[0], c[1])
    # the bump peaks on the four centre pixels and falls off symmetrically in x and y
    assert c[0].max() == c[0, 3, 3] == c[0, 4, 4] and np.allclose(c[0], c[0].T) and np.allclose(c[0], c[0, ::-1])
    assert c[0, 0, 0] < 0.01 < c[0, 3, 0]
    r1, r2 = cam.random_heatmaps(3, 5, seed=1), cam.random_heatmaps(3, 5, seed=1)
    assert r1.shape == (3, 5, 5) and np.array_equal(r1, r2)
    assert not np.array_equal(r1, cam.random_heatmaps(3, 5, seed=2))
