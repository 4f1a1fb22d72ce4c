"""How sure is a number? The course's intervals, in one place.

Every notebook that compares two figures gives the difference with its uncertainty and asserts only what exceeds
it. The intervals all come from here:

- :func:`bootstrap_ci` -- percentile bootstrap for the mean or median of per-item values (scenes, filters,
  pedestrians); with per-item differences ``a - b`` it is the paired comparison (03, 05); stratified by a
  label per item (07: 20 scenes per class);
- :func:`bootstrap_difference_ci` -- two independent groups, e.g. the filters of two blocks (02);
- :func:`t_interval` -- a mean over a few training seeds (04), with Student's t quantile (:func:`t_quantile`);
- :func:`proportion_interval` -- an accuracy or hit rate on ``n`` independent items (Wilson's score interval;
  01's probes).

An interval that excludes 0 (for a difference) is a difference the data support at that level; one that
includes 0 is not evidence of "no difference", only of too little data to tell.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np

from . import validate

__all__ = ["bootstrap_ci", "bootstrap_difference_ci", "t_quantile", "t_interval", "proportion_interval",
           "STATISTICS"]

#: The statistics the bootstrap helpers resample.
STATISTICS = {"mean": np.mean, "median": np.median}
#: Largest ``n_boot x len(values)`` resampled at once (80 MB of float64).
MAX_RESAMPLED = 10_000_000


def _level(level: Any) -> float:
    return validate.number(level, "level", low=0.5, high=0.999)


def _values(values: Any, name: str, at_least: int = 1) -> np.ndarray:
    v = validate.array(values, name, ndim=1)               # finite, one-dimensional, non-empty
    if v.size < at_least:
        validate.fail(name, f"at least {at_least} values to resample (one value has no spread: every resample "
                      "is that value)", f"{v.size} value", "measure more items; an interval needs a sample")
    return v


def _resampled(v: np.ndarray, statistic: str, n_boot: int, rng: np.random.Generator, name: str,
               strata: np.ndarray | None = None) -> np.ndarray:
    if n_boot * v.size > MAX_RESAMPLED:
        validate.fail("n_boot", f"n_boot x len({name}) at most {MAX_RESAMPLED:,}",
                      f"{n_boot} x {v.size}", "use fewer resamples")
    if strata is None:
        idx = rng.integers(0, v.size, size=(n_boot, v.size))    # n_boot resamples, with replacement
    else:   # within each stratum, as many draws as it has items: every resample keeps the strata's sizes
        groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
        idx = np.concatenate([g[rng.integers(0, g.size, size=(n_boot, g.size))] for g in groups], axis=1)
    return STATISTICS[statistic](v[idx], axis=1)


def _strata(strata: Any, n: int) -> np.ndarray | None:
    if strata is None:
        return None
    s = validate.array(strata, "strata", dtype=None, ndim=1)
    if s.size != n:
        validate.fail("strata", f"one group label per value ({n})", f"{s.size} labels",
                      "pass the labels of the same items, e.g. each scene's class")
    return s


def _quantiles(stats: np.ndarray, level: float) -> tuple[float, float]:
    low, high = np.quantile(stats, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def bootstrap_ci(values: Any, statistic: str = "mean", n_boot: int = 2000, level: float = 0.95,
                 seed: int = 0, strata: Any = None) -> tuple[float, float]:
    """Percentile bootstrap interval ``(low, high)`` for the mean (or median) of ``values``.

    Draws ``n_boot`` resamples of ``values`` (at least two: one value has no spread) with replacement (seeded), computes ``statistic`` on each, and returns
    the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles. For two methods measured on the same items, pass
    the per-item differences ``a - b``: the paired comparison. Booleans (pointing-game hits) count as 0 and 1.

    ``strata`` (optional, one label per value, e.g. each scene's class) makes it a *stratified* bootstrap: each
    resample draws within every group as many items as the group has, so a set built with fixed group sizes
    (20 scenes per class) is resampled as it was built, and the spread between groups is not counted as
    sampling noise. Without it (None), the plain bootstrap above.

    Used in 02 (median complexity per block), 03 (pointing game and IoU per class, softmax against logit),
    05 (the wrists' lead, the two read-outs), 07 (every per-scene mean and paired difference, by class).
    """
    statistic = validate.choice(statistic, "statistic", list(STATISTICS))
    v = _values(values, "values", at_least=2)
    n_boot = validate.integer(n_boot, "n_boot", low=100, high=100_000)
    level = _level(level)
    rng = np.random.default_rng(validate.integer(seed, "seed", low=0))
    return _quantiles(_resampled(v, statistic, n_boot, rng, "values", _strata(strata, v.size)), level)


def bootstrap_difference_ci(before: Any, after: Any, statistic: str = "median", n_boot: int = 2000,
                            level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval for ``statistic(after) - statistic(before)``, two independent groups
    (resampled separately, ``before`` first). Used in 02: the filters of one block against the next."""
    statistic = validate.choice(statistic, "statistic", list(STATISTICS))
    a, b = _values(before, "before", at_least=2), _values(after, "after", at_least=2)
    n_boot = validate.integer(n_boot, "n_boot", low=100, high=100_000)
    level = _level(level)
    rng = np.random.default_rng(validate.integer(seed, "seed", low=0))
    first = _resampled(a, statistic, n_boot, rng, "before")
    second = _resampled(b, statistic, n_boot, rng, "after")
    return _quantiles(second - first, level)


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (``t_quantile(0.975, 2)`` = 4.303):
    ``scipy.stats.t.ppf``, with the course's argument checks."""
    from scipy import stats

    p = validate.number(p, "p", low=0.5, high=0.9999)
    df = validate.integer(df, "df", low=1, high=10_000)
    return float(stats.t.ppf(p, df))


def t_interval(values: Any, level: float = 0.95) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean of a few independent runs (e.g. training seeds) and its Student-t interval,
    ``mean ± t_{(1+level)/2, n-1} · sd / sqrt(n)``. For a paired comparison, pass the per-seed differences.
    Used in 04 (the slide loss against the practical one over seeds)."""
    v = _values(values, "values")
    if v.size < 2:
        validate.fail("values", "at least two runs (one run has no spread)", f"{v.size} value",
                      "train with more seeds")
    level = _level(level)
    mean = float(v.mean())
    half = t_quantile((1 + level) / 2, v.size - 1) * float(v.std(ddof=1)) / math.sqrt(v.size)
    return mean, mean - half, mean + half


def proportion_interval(p: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``p`` (an accuracy, a hit rate) measured on ``n`` independent items.

    Unlike ``p ± z·sqrt(p(1-p)/n)`` it never leaves [0, 1] and does not collapse to a point at 0 or 1
    (an accuracy of 1.0 on 600 scenes is not "exactly 1"). Used in 01 (probe accuracies)."""
    p = validate.number(p, "p", low=0, high=1)
    n = validate.integer(n, "n", low=1, high=10**9)
    level = _level(level)
    z = _normal_quantile((1 + level) / 2)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def _normal_quantile(p: float) -> float:
    """Standard normal quantile (the standard library's ``statistics.NormalDist``)."""
    return statistics.NormalDist().inv_cdf(p)
