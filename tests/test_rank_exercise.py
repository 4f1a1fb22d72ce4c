"""Exercise 07.2 (rank correlation with ties): right answers in several styles, the mistakes students make."""

import numpy as np
import pytest
from scipy import stats

from helpers import exercises as ex


def by_loop(a, b):
    """Average ranks written out with loops, then Pearson by hand: no library ranks."""
    def ranks(m):
        v = list(m.ravel())
        return [sum(w < x for w in v) + (sum(w == x for w in v) - 1) / 2 for x in v]
    ra, rb = np.array(ranks(a)), np.array(ranks(b))
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum()))


RIGHT = {
    "scipy spearmanr": lambda a, b: stats.spearmanr(a.ravel(), b.ravel())[0],
    "rankdata + corrcoef": lambda a, b: np.corrcoef(stats.rankdata(a), stats.rankdata(b))[0, 1],
    "loops": by_loop,
    "float32 maps": lambda a, b: stats.spearmanr(a.astype(np.float32).ravel(), b.astype(np.float32).ravel())[0],
    "a 1-element array": lambda a, b: np.array([stats.spearmanr(a.ravel(), b.ravel())[0]]),
}

ordinal = lambda m: np.argsort(np.argsort(m.ravel(), kind="stable"), kind="stable")
WRONG = {   # name -> (answer, words the feedback must contain)
    "Pearson on the values": (lambda a, b: np.corrcoef(a.ravel(), b.ravel())[0, 1], "Pearson's correlation of the values"),
    "ordinal ranks": (lambda a, b: np.corrcoef(ordinal(a), ordinal(b))[0, 1], "tied values"),
    "argsort once": (lambda a, b: np.corrcoef(np.argsort(a.ravel()), np.argsort(b.ravel()))[0, 1], "order"),
    "the whole matrix": (lambda a, b: np.corrcoef(stats.rankdata(a), stats.rankdata(b)), "one correlation"),
    "rank of a with itself": (lambda a, b: 1.0, "Spearman's rho is"),
    "ranks over rows only": (lambda a, b: np.corrcoef(stats.rankdata(a, axis=1).ravel(),
                                                      stats.rankdata(b, axis=1).ravel())[0, 1], "Spearman's rho is"),
    "crashes": (lambda a, b: a @ b, "raised"),
    "returns nothing": (lambda a, b: None, "nothing"),
}


@pytest.mark.parametrize("name", RIGHT)
def test_right_answers_in_every_style(name):
    assert ex.check_rank_correlation(RIGHT[name]), name


@pytest.mark.parametrize("name", WRONG)
def test_each_mistake_gets_not_yet_and_is_named(name):
    fn, says = WRONG[name]
    # verified wrong against the solution on the check's own cases (the crash and None aside)
    if name not in ("crashes", "returns nothing"):
        differs = []
        for a, b in ex._rank_cases():
            got = np.asarray(fn(a, b), float)
            differs.append(got.size != 1 or abs(float(got.ravel()[0]) - stats.spearmanr(a.ravel(), b.ravel())[0]) > 1e-6)
        assert any(differs), f"{name} is not wrong on the check's cases"
    feedback = ex.check_rank_correlation(fn)
    assert not feedback and says in (feedback.message + " " + feedback.hint), (name, feedback)


def test_placeholder_and_junk_never_raise():
    for answer in (..., None, 3, "spearman", [1, 2]):
        assert not ex.check_rank_correlation(answer)
