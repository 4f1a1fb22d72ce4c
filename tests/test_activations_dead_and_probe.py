"""Dead channels, per-image active channels, equal-size probe features and the probe's uncertainty (issue 15),
against loop-based and closed-form re-computations."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import activations as A  # noqa: E402
from helpers.plotting import plot_channel_grid  # noqa: E402


def _maps():
    a = np.zeros((3, 2, 2, 4), np.float32)
    a[0, 1, 1, 0] = 0.2       # channel 0: weak, once
    a[1, 0, 0, 1] = 1.0       # channel 1: strong, in image 1
    a[2, 1, 0, 1] = 3.0       #            and image 2
    a[:, :, :, 2] = -1.0      # channel 2: negative everywhere (never fires)
    return a                  # channel 3: zero everywhere (never fires)


def test_dead_channels_by_hand():
    a = _maps()
    by_hand = [all(a[n, :, :, c].max() <= 0 for n in range(3)) for c in range(4)]
    assert A.dead_channels(a).tolist() == by_hand == [False, False, True, True]
    assert A.dead_channels(a, tol=0.5).tolist() == [True, False, True, True]      # the weak one is below tol
    assert A.dead_channels(a).dtype == bool


def test_active_channels_count_per_image():
    a = _maps()
    by_hand = [sum(a[n, :, :, c].max() > 0 for c in range(4)) for n in range(3)]
    assert A.active_channels(a).tolist() == by_hand == [1, 1, 1]
    assert A.active_channels(a, tol=0.5).tolist() == [0, 1, 1]


def test_blank_fraction_among_live_channels():
    a = _maps()
    live = ~A.dead_channels(a)
    # live channels 0 and 1: blank maps are (image 1, ch 0), (image 2, ch 0), (image 0, ch 1) -> 3 of 6
    assert A.blank_fraction(a, channels=live) == pytest.approx(3 / 6)
    assert A.blank_fraction(a) == pytest.approx(9 / 12)                         # dead ones counted: 3 + 6
    with pytest.raises(ValueError, match="channels: expected a boolean mask"):
        A.blank_fraction(a, channels=np.array([1, 0, 1, 0]))
    with pytest.raises(ValueError, match="at least one channel"):
        A.blank_fraction(a, channels=np.zeros(4, bool))


def test_pca_features_equal_an_svd_projection():
    rng = np.random.default_rng(3)
    tr = rng.standard_normal((60, 6)) @ rng.standard_normal((6, 6)) + 5
    te = rng.standard_normal((20, 6)) @ rng.standard_normal((6, 6))
    got_tr, got_te = A.pca_features(tr, te, 3)
    mu, sd = tr.mean(axis=0), tr.std(axis=0) + 1e-6
    _, _, vt = np.linalg.svd((tr - mu) / sd, full_matrices=False)         # another way to the principal axes
    exp_tr, exp_te = (tr - mu) / sd @ vt[:3].T, (te - mu) / sd @ vt[:3].T
    signs = np.sign((got_tr * exp_tr).sum(axis=0))                         # each axis is defined up to its sign
    assert np.allclose(got_tr * signs, exp_tr, atol=1e-8) and np.allclose(got_te * signs, exp_te, atol=1e-8)
    assert got_tr.shape == (60, 3) and got_te.shape == (20, 3)
    assert np.var(got_tr, axis=0).tolist() == sorted(np.var(got_tr, axis=0), reverse=True)  # largest first
    with pytest.raises(ValueError, match="n"):
        A.pca_features(tr, te, 7)


def test_channel_grid_crosses_the_dead_channels():
    a = np.random.default_rng(0).random((8, 8, 6)).astype(np.float32)
    a[..., [1, 4]] = 0                                                          # blank in this image
    dead = np.array([False, True, False, False, False, False])               # only channel 1 is dead
    fig = plot_channel_grid(a, "t", cols=3, dead=dead)
    ax = fig.axes[0]
    assert len(ax.lines) == 1                                                   # one cross
    xs, ys = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert np.nanmin(xs) == pytest.approx(1 * 9 - 0.5) and np.nanmax(xs) == pytest.approx(1 * 9 + 7.5)  # tile (0, 1)
    assert np.nanmin(ys) == pytest.approx(-0.5) and np.nanmax(ys) == pytest.approx(7.5)
    assert "2 blank (grey), 1 dead (red ×)" in ax.get_title(loc="left")
    plt.close(fig)
    fig = plot_channel_grid(a, "t", cols=3)                                     # without: as before
    assert not fig.axes[0].lines and "dead" not in fig.axes[0].get_title(loc="left")
    plt.close(fig)
    with pytest.raises(ValueError, match="dead: expected a boolean mask"):
        plot_channel_grid(a, "t", dead=np.ones(5, bool))
