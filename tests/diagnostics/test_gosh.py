"""gosh() against metafor 3.8: every subset of a k = 10 (REML) and a k = 8 (DL) data set and
of a k = 8 meta-regression (subsets of 2 studies cannot be fitted with REML: NaN, as metafor's
NA); random subsets by their distribution."""

import numpy as np
import pytest

from exometa import gosh, meta_analysis
from exometa.diagnostics.gosh import count_subsets, random_subsets
from exometa.errors import ExometaError
from tests.conftest import assert_close
from tests.diagnostics.conftest import REF, as_array, fit

GOSH = REF["gosh"]


@pytest.mark.parametrize("case", GOSH, ids=[g["name"] for g in GOSH])
def test_every_subset_matches_metafor(case):
    g = gosh(fit(case))
    incl = np.array(case["incl"], bool)
    assert g.exact and g.incl.shape == incl.shape
    assert (g.incl == incl).all()  # the same subsets in the same order
    assert_close(g.k, case["k"], "k")
    for field in ("q", "i2", "tau2"):
        assert_close(getattr(g, field), case[field], f"{field} of {case['name']}")
    h2 = as_array(case["h2"])
    if case["method"] == "DL":
        # metafor's gosh() shortcut for DL reports H^2 = Q/(k - 1), below 1 when Q < k - 1;
        # rma(method="DL") reports 1 there (tau^2 = 0), and so does exometa (README)
        h2 = np.maximum(h2, 1.0)
    assert_close(g.h2, h2.tolist(), f"h2 of {case['name']}")
    est = np.array([np.atleast_1d(as_array(e)) for e in case["estimate"]])
    assert_close(g.estimate, est.reshape(g.estimate.shape).tolist(), f"estimate of {case['name']}")


@pytest.mark.parametrize("p", [2, 10])  # coin flips kept from p studies; few subsets that large: by size
def test_random_subsets_have_metafors_size_distribution(p):
    """Sizes ~ binomial(k, 1/2) restricted to >= p; members uniform: checked with a chi-square
    goodness-of-fit test on a seeded sample (deterministic, so never flaky)."""
    from scipy import stats

    k, n = 12, 50_000
    incl = random_subsets(k, p, n, np.random.default_rng(7))
    sizes = incl.sum(axis=1)
    assert sizes.min() >= p and (np.diff(sizes) >= 0).all()  # sorted by size, as metafor
    expected = stats.binom.pmf(np.arange(p, k + 1), k, 0.5)
    expected = expected / expected.sum() * n
    observed = np.bincount(sizes, minlength=k + 1)[p:]
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    per_study = incl.sum(axis=0)
    assert stats.chisquare(per_study).pvalue > 1e-3


def test_random_sample_is_seeded_and_estimates_match_exact():
    case = next(g for g in GOSH if g["name"] == "bcg10_REML")
    res = fit(case)
    a = gosh(res, subsets=300, seed=11)
    b = gosh(res, subsets=300, seed=11)
    assert not a.exact and a.seed == 11 and len(a.k) == 300
    assert (a.incl == b.incl).all() and np.array_equal(a.estimate, b.estimate, equal_nan=True)
    # each sampled subset's fit is the exact fit of that subset
    full = gosh(res)
    index = {row.tobytes(): i for i, row in enumerate(full.incl)}
    rows = [index[row.tobytes()] for row in a.incl]
    np.testing.assert_allclose(a.estimate, full.estimate[rows])
    np.testing.assert_allclose(a.i2, full.i2[rows])


def test_counts_and_errors():
    assert count_subsets(15, 1) == 2**15 - 1
    assert count_subsets(30, 1) > 10**6
    res = meta_analysis([0.1, 0.3, 0.5], [0.01, 0.02, 0.04])
    with pytest.raises(ExometaError, match="`subsets` must be"):
        gosh(res, subsets=1)
    with pytest.raises(ExometaError, match="`subsets` must be"):
        gosh(res, subsets="all")


def test_study_effects_find_the_study_that_drives_a_cluster():
    """Nine similar studies and one far away: the subsets with the outlier form their own
    cluster (higher estimate and I^2), and the outlier is named as its driver."""
    rng = np.random.default_rng(3)
    yi = np.r_[rng.normal(0.2, 0.05, 9), 1.5]
    vi = np.full(10, 0.02)
    g = gosh(meta_analysis(yi, vi, slab=[f"s{i}" for i in range(10)]))
    eff = g.study_effects()
    assert eff.driver.tolist() == [False] * 9 + [True]
    assert eff.estimate_with.iloc[-1] > eff.estimate_without.iloc[-1]
    assert "Driving a cluster: s9." in g.summary()
    frame = g.to_frame()
    assert list(frame.columns[:6]) == ["k", "q", "i2", "h2", "tau2", "estimate"] and frame.shape == (1023, 16)
