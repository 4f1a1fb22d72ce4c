"""helpers.uncertainty -- the course's intervals -- against hand-written loops, exact distributions and textbook
tables (never against the helpers themselves).

- bootstrap: a hand-written resampling loop with statistics.median / a Python mean and hand interpolated
  quantiles; the exact distribution of a two-value sample; the normal approximation for many scenes;
- Student's t: the quantiles printed in every statistics textbook's table;
- Wilson: the closed form written out, and values published by Newcombe (1998, table I).
"""

import math
import statistics

import numpy as np
import pytest

from helpers import uncertainty as U
from helpers.validate import InputError


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


def _median_ci(values, **kw):
    return U.bootstrap_ci(values, "median", **kw)


def _means_by_hand(values, n_boot, rng):
    out = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(values), size=len(values))
        out.append(sum(values[i] for i in pick) / len(values))
    return out


VALUES = np.random.default_rng(3).normal(0.8, 0.1, size=17)
OTHER = np.random.default_rng(4).normal(0.9, 0.05, size=30)


@pytest.mark.parametrize("n_boot, level, seed", [(500, 0.95, 0), (300, 0.8, 7)])
def test_median_interval_is_the_hand_written_bootstrap(n_boot, level, seed):
    want = _interval_by_hand(_medians_by_hand(VALUES, n_boot, np.random.default_rng(seed)), level)
    got = _median_ci(VALUES, n_boot=n_boot, level=level, seed=seed)
    assert np.allclose(got, want, atol=1e-12)


def test_difference_interval_is_after_minus_before_by_hand():
    rng = np.random.default_rng(0)
    first = _medians_by_hand(VALUES, 400, rng)          # the helper resamples `before` first, then `after`
    second = _medians_by_hand(OTHER, 400, rng)
    want = _interval_by_hand([b - a for a, b in zip(first, second)], 0.95)
    got = U.bootstrap_difference_ci(VALUES, OTHER, n_boot=400, seed=0)
    assert np.allclose(got, want, atol=1e-12)
    assert got[0] > 0, "OTHER's median is higher: after - before is positive"
    flipped = U.bootstrap_difference_ci(OTHER, VALUES, n_boot=400, seed=0)
    assert flipped[1] < 0


def test_interval_properties():
    assert _median_ci(np.full(9, 0.4)) == (0.4, 0.4)
    low, high = _median_ci(VALUES)
    assert low < np.median(VALUES) < high
    narrow = _median_ci(VALUES, level=0.5)
    assert low < narrow[0] <= narrow[1] < high, "a lower level gives a narrower interval"
    many = np.random.default_rng(3).normal(0.8, 0.1, size=400)
    w_many = np.subtract(*_median_ci(many)[::-1])
    assert w_many < (high - low) / 2, "more values, a narrower interval"
    assert _median_ci(many, n_boot=200, seed=1) != _median_ci(many, n_boot=200), "the seed is used"
    same = U.bootstrap_difference_ci(many[:200], many[200:])
    assert same[0] < 0 < same[1], "two halves of one sample: no significant difference"


@pytest.mark.parametrize("call, message", [
    (lambda: _median_ci([]), "non-empty"),
    (lambda: _median_ci(VALUES, level=1.5), "level"),
    (lambda: _median_ci(VALUES, n_boot=0), "n_boot"),
    (lambda: U.bootstrap_difference_ci(VALUES, [[1.0, 2.0]]), "after"),
])
def test_bad_input(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_bootstrap_of_a_constant_is_that_constant():
    assert U.bootstrap_ci(np.full(50, 0.7)) == pytest.approx((0.7, 0.7))
    assert U.bootstrap_ci(np.zeros(10)) == (0.0, 0.0)          # identical paired methods: no difference


def test_bootstrap_of_two_values_follows_the_exact_distribution():
    # resampling [0, 1] twice: means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4
    lo, hi = U.bootstrap_ci([0.0, 1.0], n_boot=20_000, level=0.95)
    assert (lo, hi) == (0.0, 1.0)
    lo, hi = U.bootstrap_ci([0.0, 1.0], n_boot=20_000, level=0.5)   # quartiles: inside the middle mass
    assert (lo, hi) == (0.5, 0.5)


def test_bootstrap_matches_the_normal_approximation_for_many_scenes():
    hits = np.random.default_rng(1).random(2000) < 0.3        # pointing-game hits, about 30 %
    p, n = hits.mean(), len(hits)
    half = 1.96 * math.sqrt(p * (1 - p) / n)
    lo, hi = U.bootstrap_ci(hits, n_boot=4000)
    assert lo == pytest.approx(p - half, abs=0.004) and hi == pytest.approx(p + half, abs=0.004)
    narrow = U.bootstrap_ci(hits, n_boot=4000, level=0.5)
    assert lo < narrow[0] < p < narrow[1] < hi


def test_bootstrap_is_seeded():
    v = np.random.default_rng(2).random(40)
    assert U.bootstrap_ci(v, seed=3) == U.bootstrap_ci(v, seed=3)
    assert U.bootstrap_ci(v, seed=3) != U.bootstrap_ci(v, seed=4)


@pytest.mark.parametrize("kwargs, name", [
    ({"values": np.zeros((3, 3))}, "values"),
    ({"values": []}, "values"),
    ({"values": [0.1, float("nan")]}, "values"),
    ({"values": [0.1, 0.2], "level": 1.5}, "level"),
    ({"values": [0.1, 0.2], "n_boot": 5}, "n_boot"),
    ({"values": [0.1, 0.2], "seed": -1}, "seed"),
    ({"values": [0.1, 0.2, 0.3], "strata": [0, 1]}, "strata"),
    ({"values": [0.1, 0.2], "strata": [[0], [1]]}, "strata"),
])
def test_bootstrap_bad_inputs_are_named(kwargs, name):
    with pytest.raises(InputError, match=f"^{name}: expected"):
        U.bootstrap_ci(**kwargs)


def test_mean_interval_is_the_hand_written_bootstrap():
    want = _interval_by_hand(_means_by_hand(VALUES, 300, np.random.default_rng(5)), 0.9)
    assert np.allclose(U.bootstrap_ci(VALUES, n_boot=300, level=0.9, seed=5), want, atol=1e-12)
    assert not np.allclose(U.bootstrap_ci(VALUES, "median", n_boot=300, level=0.9, seed=5), want), "median is used"


def test_difference_interval_of_means_by_hand():
    rng = np.random.default_rng(2)
    first, second = _means_by_hand(VALUES, 300, rng), _means_by_hand(OTHER, 300, rng)
    want = _interval_by_hand([b - a for a, b in zip(first, second)], 0.95)
    assert np.allclose(U.bootstrap_difference_ci(VALUES, OTHER, "mean", n_boot=300, seed=2), want, atol=1e-12)


# ------------------------------------------------------------------------------------------
# Student's t
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("p, df, table", [
    (0.975, 1, 12.706), (0.975, 2, 4.303), (0.975, 3, 3.182), (0.975, 4, 2.776), (0.975, 9, 2.262),
    (0.975, 30, 2.042), (0.95, 5, 2.015), (0.995, 10, 3.169), (0.9, 1, 3.078), (0.975, 10_000, 1.960),
])
def test_t_quantile_is_the_textbook_table(p, df, table):
    assert U.t_quantile(p, df) == pytest.approx(table, abs=6e-4)


def test_t_interval_by_hand():
    v = [0.08, 0.06, 0.11]                            # three seeds' paired gaps
    mean = sum(v) / 3
    sd = math.sqrt(sum((x - mean) ** 2 for x in v) / 2)
    half = 4.303 * sd / math.sqrt(3)                  # t_{0.975, 2} from the table
    got = U.t_interval(v)
    assert got == pytest.approx((mean, mean - half, mean + half), abs=1e-3 * half)
    assert U.t_interval(v, level=0.5)[2] - mean < half / 3, "a lower level, a narrower interval"
    assert U.t_interval([0.2, 0.2, 0.2]) == pytest.approx((0.2, 0.2, 0.2))


# ------------------------------------------------------------------------------------------
# Wilson
# ------------------------------------------------------------------------------------------

def _wilson_by_hand(k, n, z=1.959964):
    p = k / n
    centre = (2 * n * p + z * z) / (2 * (n + z * z))
    half = z * math.sqrt(z * z + 4 * n * p * (1 - p)) / (2 * (n + z * z))
    return centre - half, centre + half


@pytest.mark.parametrize("k, n, published", [
    (81, 263, (0.2553, 0.3662)), (15, 148, (0.0624, 0.1605)), (0, 20, (0.0, 0.1611)), (1, 29, (0.0061, 0.1718)),
])
def test_wilson_matches_newcombe_and_the_closed_form(k, n, published):
    got = U.proportion_interval(k / n, n)
    assert got == pytest.approx(published, abs=1e-4)
    assert got == pytest.approx(_wilson_by_hand(k, n), abs=1e-6)


def test_wilson_never_collapses_and_stays_in_range():
    low, high = U.proportion_interval(1.0, 600)
    assert high == 1.0 and 0.99 < low < 1.0, "a perfect score on 600 scenes is not exactly 1"
    assert U.proportion_interval(0.0, 5)[0] == 0.0
    assert U.proportion_interval(0.9, 60)[1] - U.proportion_interval(0.9, 60)[0] > \
        U.proportion_interval(0.9, 600)[1] - U.proportion_interval(0.9, 600)[0], "more items, narrower"


@pytest.mark.parametrize("call, name", [
    (lambda: U.t_interval([0.3]), "values"),
    (lambda: U.t_interval([0.3, float("nan")]), "values"),
    (lambda: U.t_quantile(0.3, 2), "p"),
    (lambda: U.t_quantile(0.975, 0), "df"),
    (lambda: U.proportion_interval(1.2, 10), "p"),
    (lambda: U.proportion_interval(0.5, 0), "n"),
    (lambda: U.bootstrap_ci([0.1, 0.2], "mode"), "statistic"),
    (lambda: U.bootstrap_ci(np.zeros(200_000), n_boot=100_000), "n_boot"),
])
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(InputError, match=f"^{name}: expected"):
        call()


# -- stratified --------------------------------------------------------------------------------------------

def test_stratified_keeps_each_groups_size():
    """Constant within each group, groups of unequal size: every stratified resample has the same mean (the
    interval is a point at the weighted mean); the plain bootstrap mixes the groups anew each time."""
    v = np.array([1.0] * 5 + [3.0] * 15)
    labels = np.array([0] * 5 + [1] * 15)
    assert U.bootstrap_ci(v, strata=labels) == pytest.approx((2.5, 2.5))
    lo, hi = U.bootstrap_ci(v)
    assert hi - lo > 0.5
    # the labels, not their order or values: shuffled items with their labels, or other names, change nothing
    perm = np.random.default_rng(1).permutation(20)
    assert U.bootstrap_ci(v[perm], strata=(labels * 7 + 2)[perm]) == pytest.approx((2.5, 2.5))


def test_stratified_spread_is_the_textbook_one():
    """For the mean, a stratified resample's variance is sum_s (n_s / N)^2 * var_s / n_s (var_s with ddof 0):
    the interval's width against 2 x 1.96 of its square root, from 40,000 resamples."""
    rng = np.random.default_rng(7)
    groups = [rng.normal(0, 1, 20), rng.normal(5, 3, 30), rng.normal(-2, 0.5, 10)]
    v = np.concatenate(groups)
    labels = np.repeat([0, 1, 2], [20, 30, 10])
    sd = np.sqrt(sum((g.size / v.size) ** 2 * g.var() / g.size for g in groups))
    lo, hi = U.bootstrap_ci(v, n_boot=40_000, strata=labels, seed=3)
    assert (hi - lo) == pytest.approx(2 * 1.959964 * sd, rel=0.04)
    assert (lo + hi) / 2 == pytest.approx(v.mean(), abs=0.1 * sd)
    plain = U.bootstrap_ci(v, n_boot=40_000, seed=3)           # the plain one: var / N, between groups included
    assert (plain[1] - plain[0]) == pytest.approx(2 * 1.959964 * np.sqrt(v.var() / v.size), rel=0.04)
    assert plain[1] - plain[0] > 1.4 * (hi - lo)


def test_one_stratum_is_the_plain_bootstrap():
    v = np.random.default_rng(2).random(40)
    assert U.bootstrap_ci(v, "median", strata=np.zeros(40)) == U.bootstrap_ci(v, "median")


# ------------------------------------------------------------------------------------------
# issue 28: the quantiles come from the libraries; checked against values printed in tables and against SciPy's
# own bootstrap (the course's bootstrap adds strata, which scipy.stats.bootstrap lacks)
# ------------------------------------------------------------------------------------------

def test_t_quantiles_against_printed_tables():
    from helpers import uncertainty as u
    # Student's t, two-sided 95 % (the 0.975 quantile), from any statistics table
    for df, want in ((1, 12.706), (2, 4.303), (5, 2.571), (10, 2.228), (30, 2.042)):
        assert abs(u.t_quantile(0.975, df) - want) < 5e-4


def test_normal_quantile_and_wilson_interval_against_printed_values():
    from helpers import uncertainty as u
    assert abs(u._normal_quantile(0.975) - 1.959964) < 1e-6
    # Wilson 95 % interval for 8 of 10 (Newcombe 1998, Table I: 0.4902-0.9433)
    lo, hi = u.proportion_interval(0.8, 10)
    assert abs(lo - 0.4902) < 1e-4 and abs(hi - 0.9433) < 1e-4


def test_unstratified_bootstrap_agrees_with_scipy():
    import numpy as np
    from scipy import stats

    from helpers import uncertainty as u
    v = np.random.default_rng(3).gamma(2.0, size=80)
    lo, hi = u.bootstrap_ci(v, n_boot=20000, seed=1)
    ref = stats.bootstrap((v,), np.mean, n_resamples=20000, method="percentile",
                          random_state=np.random.default_rng(2)).confidence_interval
    width = ref.high - ref.low
    assert abs(lo - ref.low) < 0.05 * width and abs(hi - ref.high) < 0.05 * width
