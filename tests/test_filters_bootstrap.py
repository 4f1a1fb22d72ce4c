"""The bootstrap intervals of notebook 02 (complexity per block), against a hand-written loop."""

import statistics

import numpy as np
import pytest

from helpers import filters as F


def _quantile(sorted_values, q):
    """Linear interpolation between order statistics (NumPy's default 'linear' method), by hand."""
    pos = q * (len(sorted_values) - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (pos - lo) * (sorted_values[hi] - sorted_values[lo])


def _medians_by_hand(values, n_boot, rng):
    out = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(values), size=len(values))          # one resample, with replacement
        out.append(statistics.median(values[i] for i in pick))
    return out


def _interval_by_hand(stats, level):
    s = sorted(stats)
    return _quantile(s, (1 - level) / 2), _quantile(s, (1 + level) / 2)


VALUES = np.random.default_rng(3).normal(0.8, 0.1, size=17)
OTHER = np.random.default_rng(4).normal(0.9, 0.05, size=30)


@pytest.mark.parametrize("n_boot, level, seed", [(500, 0.95, 0), (300, 0.8, 7)])
def test_median_interval_is_the_hand_written_bootstrap(n_boot, level, seed):
    want = _interval_by_hand(_medians_by_hand(VALUES, n_boot, np.random.default_rng(seed)), level)
    got = F.bootstrap_median_ci(VALUES, n_boot=n_boot, level=level, seed=seed)
    assert np.allclose(got, want, atol=1e-12)


def test_difference_interval_is_after_minus_before_by_hand():
    rng = np.random.default_rng(0)
    first = _medians_by_hand(VALUES, 400, rng)          # the helper resamples `before` first, then `after`
    second = _medians_by_hand(OTHER, 400, rng)
    want = _interval_by_hand([b - a for a, b in zip(first, second)], 0.95)
    got = F.bootstrap_median_difference_ci(VALUES, OTHER, n_boot=400, seed=0)
    assert np.allclose(got, want, atol=1e-12)
    assert got[0] > 0, "OTHER's median is higher: after - before is positive"
    flipped = F.bootstrap_median_difference_ci(OTHER, VALUES, n_boot=400, seed=0)
    assert flipped[1] < 0


def test_interval_properties():
    assert F.bootstrap_median_ci(np.full(9, 0.4)) == (0.4, 0.4)
    low, high = F.bootstrap_median_ci(VALUES)
    assert low < np.median(VALUES) < high
    narrow = F.bootstrap_median_ci(VALUES, level=0.5)
    assert low < narrow[0] <= narrow[1] < high, "a lower level gives a narrower interval"
    many = np.random.default_rng(3).normal(0.8, 0.1, size=400)
    w_many = np.subtract(*F.bootstrap_median_ci(many)[::-1])
    assert w_many < (high - low) / 2, "more values, a narrower interval"
    assert F.bootstrap_median_ci(many, n_boot=200, seed=1) != F.bootstrap_median_ci(many, n_boot=200), "the seed is used"
    same = F.bootstrap_median_difference_ci(many[:200], many[200:])
    assert same[0] < 0 < same[1], "two halves of one sample: no significant difference"


@pytest.mark.parametrize("call, message", [
    (lambda: F.bootstrap_median_ci([]), "non-empty"),
    (lambda: F.bootstrap_median_ci(VALUES, level=1.5), "level"),
    (lambda: F.bootstrap_median_ci(VALUES, n_boot=0), "n_boot"),
    (lambda: F.bootstrap_median_difference_ci(VALUES, [[1.0, 2.0]]), "after"),
])
def test_bad_input(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
