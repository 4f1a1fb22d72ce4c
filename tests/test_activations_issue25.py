"""Issue 25 (notebook 01 against the untrained twin): sparsity per activation, every layer at equal positions,
per-scene blank shares and probe answers, edge similarity at the layer's own grid, and trained minus twins --
each against a loop-based or otherwise independent re-computation, plus their bad inputs."""

import numpy as np
import pytest

from helpers import activations as A
from helpers import uncertainty


def _acts(seed=0, shape=(5, 8, 8, 6)):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    a[..., 2] = -1.0                      # channel 2 never fires
    return a


def test_zero_fraction_by_hand():
    a = _acts()
    n, h, w, c = a.shape
    per_image = [sum(a[i, y, x, k] <= 0 for y in range(h) for x in range(w) for k in range(c)) / (h * w * c)
                 for i in range(n)]
    assert A.zero_fraction(a, per_image=True) == pytest.approx(per_image)
    assert A.zero_fraction(a) == pytest.approx(np.mean(per_image))
    live = ~A.dead_channels(a)
    keep = [k for k in range(c) if live[k]]
    by_hand = np.mean([a[i, y, x, k] <= 0 for i in range(n) for y in range(h) for x in range(w) for k in keep])
    assert A.zero_fraction(a, channels=live) == pytest.approx(by_hand)
    assert A.zero_fraction(a, tol=0.5) > A.zero_fraction(a)


def test_zero_fraction_bad_inputs():
    a = _acts()
    with pytest.raises(ValueError, match="channels: expected a boolean mask"):
        A.zero_fraction(a, channels=np.ones(6))
    with pytest.raises(ValueError, match="at least one channel"):
        A.zero_fraction(a, channels=np.zeros(6, bool))
    with pytest.raises(TypeError, match="per_image: expected True or False"):
        A.zero_fraction(a, per_image="yes")


def test_equal_positions_are_the_centres_of_an_even_grid():
    a = _acts(shape=(2, 16, 16, 3))
    got = A.equal_positions(a, 4)
    assert got.shape == (2, 4, 4, 3)
    for i, y in enumerate(range(2, 16, 4)):              # cells of 4 rows: centre rows 2, 6, 10, 14
        for j, x in enumerate(range(2, 16, 4)):
            assert np.array_equal(got[:, i, j], a[:, y, x])
    assert np.array_equal(A.equal_positions(a, 16), a)   # the full grid: unchanged
    with pytest.raises(ValueError, match="size: expected a grid size that divides the map size 16x16"):
        A.equal_positions(a, 5)


def test_blank_fraction_per_image_by_hand():
    a = _acts()
    a[0, :, :, 0] = 0                                    # image 0: channel 0 blank too
    blank = [[a[i, :, :, k].max() <= 0 for k in range(6)] for i in range(5)]
    assert A.blank_fraction(a, per_image=True) == pytest.approx(np.mean(blank, axis=1))
    assert A.blank_fraction(a) == pytest.approx(np.mean(blank))
    live = ~A.dead_channels(a)
    assert A.blank_fraction(a, channels=live, per_image=True) == pytest.approx(np.mean(np.array(blank)[:, live], axis=1))
    with pytest.raises(TypeError, match="per_image"):
        A.blank_fraction(a, per_image=1)


def test_probe_per_image_are_the_answers_behind_the_accuracy():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 120)
    x = rng.standard_normal((120, 5)) + np.eye(3, 5)[y] * 2
    right = A.probe_accuracy(x[:80], y[:80], x[80:], y[80:], per_image=True)
    assert right.dtype == bool and right.shape == (40,)
    assert right.mean() == pytest.approx(A.probe_accuracy(x[:80], y[:80], x[80:], y[80:]))
    with pytest.raises(TypeError, match="per_image"):
        A.probe_accuracy(x[:80], y[:80], x[80:], y[80:], per_image="no")


def _edge_similarity_by_hand(a, images, grid):
    """One image and one channel at a time, with np.corrcoef; the layer enlarged by np.kron or the edges pooled."""
    strength = A.edge_and_colour_maps(images)[..., :8].sum(axis=-1)
    f = images.shape[1] // a.shape[1]
    out = []
    for i in range(len(a)):
        s = strength[i]
        if grid == "layer":
            s = np.array([[s[y * f:(y + 1) * f, x * f:(x + 1) * f].mean() for x in range(a.shape[2])]
                          for y in range(a.shape[1])])
        rs = []
        for k in range(a.shape[-1]):
            m = a[i, :, :, k] if grid == "layer" else np.kron(a[i, :, :, k], np.ones((f, f)))
            rs.append(0.0 if m.std() == 0 else abs(np.corrcoef(m.ravel(), s.ravel())[0, 1]))
        out.append(max(rs))
    return np.array(out)


@pytest.mark.parametrize("grid", ["image", "layer"])
def test_edge_similarity_on_both_grids_by_hand(grid):
    rng = np.random.default_rng(2)
    images = rng.random((4, 16, 16, 3)).astype(np.float32)
    a = rng.random((4, 4, 4, 5)).astype(np.float32)
    a[..., 3] = 0.7                                      # a constant channel correlates with nothing
    got = A.edge_similarity(a, images, per_image=True, grid=grid)
    assert got == pytest.approx(_edge_similarity_by_hand(a, images, grid), abs=1e-6)
    full = A.edge_similarity(images[..., :1].repeat(2, axis=-1), images, per_image=True, grid=grid)
    assert (full >= 0).all() and (full <= 1).all()
    with pytest.raises(ValueError, match="grid: expected one of 'image', 'layer'"):
        A.edge_similarity(a, images, grid="pixels")


def test_edge_similarity_grids_agree_at_full_resolution():
    rng = np.random.default_rng(4)
    images = rng.random((3, 8, 8, 3)).astype(np.float32)
    a = rng.random((3, 8, 8, 4)).astype(np.float32)
    assert A.edge_similarity(a, images, grid="layer") == pytest.approx(A.edge_similarity(a, images, grid="image"))


def test_trained_minus_twins_difference_and_hull():
    rng = np.random.default_rng(5)
    trained = rng.random(50) + 0.3
    twins = [rng.random(50), rng.random(50) + 0.1, rng.random(50) - 0.1]
    d, (lo, hi) = A.trained_minus_twins(trained, twins)
    assert d == pytest.approx(trained.mean() - np.mean([t.mean() for t in twins]))
    per_twin = [uncertainty.bootstrap_ci(trained - t) for t in twins]
    assert lo == pytest.approx(min(p[0] for p in per_twin)) and hi == pytest.approx(max(p[1] for p in per_twin))
    assert lo < d < hi
    # one twin: the paired bootstrap interval itself; a constant difference: no spread at all
    assert A.trained_minus_twins(trained, [twins[0]])[1] == pytest.approx(uncertainty.bootstrap_ci(trained - twins[0]))
    d, interval = A.trained_minus_twins(trained, [trained - 0.25, trained - 0.25])
    assert d == pytest.approx(0.25) and interval == pytest.approx((0.25, 0.25))
    # booleans (probe answers) count as 0 and 1; a 2-d array is one twin per row
    right = np.array([True, False, True, True])
    assert A.trained_minus_twins(right, np.array([[False, False, True, True]]))[0] == pytest.approx(0.25)


def test_trained_minus_twins_bad_inputs():
    with pytest.raises(TypeError, match="twins: expected a list of per-scene arrays"):
        A.trained_minus_twins(np.ones(4), [])
    with pytest.raises(TypeError, match="twins: expected a list"):
        A.trained_minus_twins(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match=r"twins\[1\]: expected one value per scene, as trained \(4\), got 3"):
        A.trained_minus_twins(np.ones(4), [np.ones(4), np.ones(3)])
    with pytest.raises(ValueError, match="trained"):
        A.trained_minus_twins(np.ones((4, 2)), [np.ones(4)])


def _tiny_model():
    import keras

    inp = keras.Input((8, 8, 3))
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="c1")(inp)
    h = keras.layers.MaxPooling2D(name="p1")(h)
    h = keras.layers.Conv2D(5, 3, padding="same", activation="relu", name="c2")(h)
    out = keras.layers.Dense(2, activation="softmax", name="head")(keras.layers.GlobalAveragePooling2D()(h))
    return keras.Model(inp, out)


def test_compiled_activations_equal_the_eager_ones():
    model = _tiny_model()
    x = np.random.default_rng(6).random((7, 8, 8, 3)).astype(np.float32)
    eager = A.compute_activations(model, x, ["c1", "c2", "head"], batch_size=3)
    fast = A.compute_activations(model, x, ["c1", "c2", "head"], batch_size=3, compiled=True)   # 3 + 3 + 1
    for name in eager:
        assert fast[name].shape == eager[name].shape
        assert np.allclose(fast[name], eager[name], atol=1e-5)
    with pytest.raises(TypeError, match="compiled: expected True or False"):
        A.compute_activations(model, x, "c1", compiled="yes")


def test_tuning_on_the_same_images_twice_is_unchanged():
    rng = np.random.default_rng(7)
    images = rng.random((3, 8, 8, 3)).astype(np.float32)
    a, b = rng.random((3, 8, 8, 2)).astype(np.float32), rng.random((3, 4, 4, 2)).astype(np.float32)
    first = A.channel_tuning(a, images)
    assert np.array_equal(A.channel_tuning(b, images), A.channel_tuning(b, images.copy()))
    assert np.array_equal(A.channel_tuning(a, images), first)                  # remembered maps: same answer
    other = images[::-1].copy()
    assert not np.array_equal(A.channel_tuning(a, other), first)             # other images: other maps
