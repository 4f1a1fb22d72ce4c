"""helpers.cam's rank correlation with ties, against hand computations.

Heatmaps are full of ties (the zeros a ReLU leaves), so ``rank_correlation`` must give tied values their
average rank, as Spearman's rho does (``scipy.stats.spearmanr``): ranking ties by their position would make
two maps correlate through where their zeros happen to sit. Checked here against ranks written out by hand,
against a second implementation written differently (counting), and against ``scipy.stats.spearmanr``.
"""

import math

import numpy as np
import pytest

from helpers import cam


def pearson(x, y):
    """Pearson correlation of two lists, in plain Python."""
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    cov = sum((p - mx) * (q - my) for p, q in zip(x, y))
    return cov / math.sqrt(sum((p - mx) ** 2 for p in x) * sum((q - my) ** 2 for q in y))


def average_ranks_by_counting(values):
    """Rank of u = how many values are smaller + half of how many others equal it (0-based average rank)."""
    return [sum(v < u for v in values) + (sum(v == u for v in values) - 1) / 2 for u in values]


def test_ties_get_the_ranks_written_out_by_hand():
    a = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
    b = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8]
    # sorted a: 1 1 2 3 3 4 5 5 6 9 -> the two 1s share ranks 0 and 1 (0.5), the 3s 3 and 4 (3.5), the 5s 6.5
    ranks_a = [3.5, 0.5, 5, 0.5, 6.5, 9, 2, 8, 6.5, 3.5]
    # sorted b: 1 1 2 2 2 7 8 8 8 8 -> 1s: 0.5, 2s: ranks 2..4 (3), 7: 5, 8s: ranks 6..9 (7.5)
    ranks_b = [3, 5, 0.5, 7.5, 3, 7.5, 0.5, 7.5, 3, 7.5]
    assert average_ranks_by_counting(a) == ranks_a and average_ranks_by_counting(b) == ranks_b
    got = cam.rank_correlation(np.array([a], float), np.array([b], float))[0]
    assert got == pytest.approx(pearson(ranks_a, ranks_b), abs=1e-12)
    # by hand: rank deviations from the mean 4.5 give products summing to 10.5, squares 81 (a) and 75 (b)
    assert got == pytest.approx(10.5 / math.sqrt(81 * 75), abs=1e-12)


def test_zeros_do_not_correlate_by_their_position():
    # two maps that agree only on where they are zero; their non-zero parts are in opposite orders
    a = np.array([[0, 0, 0, 0, 1, 2, 3, 4]], float)
    b = np.array([[0, 0, 0, 0, 4, 3, 2, 1]], float)
    ranks_a = [1.5, 1.5, 1.5, 1.5, 4, 5, 6, 7]
    ranks_b = [1.5, 1.5, 1.5, 1.5, 7, 6, 5, 4]
    assert cam.rank_correlation(a, b)[0] == pytest.approx(pearson(ranks_a, ranks_b), abs=1e-12)
    # a map whose zeros sit elsewhere: ranking the zeros by position (0, 1, 2, ...) would give another answer
    c = np.array([[1, 0, 2, 0, 0, 3, 0, 4]], float)
    ranks_c = [4, 1.5, 5, 1.5, 1.5, 6, 1.5, 7]
    by_position = [4, 0, 5, 1, 2, 6, 3, 7]
    assert cam.rank_correlation(a, c)[0] == pytest.approx(pearson(ranks_a, ranks_c), abs=1e-12)
    assert abs(pearson(ranks_a, ranks_c) - pearson([0, 1, 2, 3, 4, 5, 6, 7], by_position)) > 0.05


def test_many_ties_equal_the_counting_implementation():
    rng = np.random.default_rng(7)
    a = np.maximum(rng.normal(size=(5, 4, 6)), 0).round(1)     # ReLU-like: many zeros, rounded: more ties
    b = np.maximum(a + rng.normal(0, 0.5, a.shape), 0).round(1)
    got = cam.rank_correlation(a, b)
    want = [pearson(average_ranks_by_counting(list(a[i].ravel())), average_ranks_by_counting(list(b[i].ravel())))
            for i in range(len(a))]
    assert np.allclose(got, want, atol=1e-12)


def test_rank_correlation_equals_scipy_spearmanr():
    from scipy import stats    # a course dependency: this oracle always runs
    rng = np.random.default_rng(8)
    a = np.maximum(rng.normal(size=(6, 8, 8)), 0).round(1)
    b = np.maximum(a + rng.normal(0, 0.7, a.shape), 0).round(1)
    got = cam.rank_correlation(a, b)
    want = [stats.spearmanr(a[i].ravel(), b[i].ravel())[0] for i in range(len(a))]
    assert np.allclose(got, want, atol=1e-12)
