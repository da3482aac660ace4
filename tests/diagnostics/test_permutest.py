"""permutest() against metafor 3.8: exact tests value for value (sign flips for k = 8,
moderator shuffles with and without tied design rows), random ones by distribution.

Random permutations cannot match metafor draw for draw (R's and NumPy's generators
differ); they are compared within Monte-Carlo error: seeded, hence deterministic."""

import numpy as np
import pytest
from scipy import stats

from exometa import meta_analysis, permutest
from exometa.diagnostics.permutest import exact_count, unique_arrangements
from exometa.errors import ExometaError
from tests.conftest import assert_close
from tests.diagnostics.conftest import REF, as_array, fit

PERM = {c["name"]: c for c in REF["permutest"]}
EXACT = [c for c in REF["permutest"] if c["exact"]]
RANDOM = [c for c in REF["permutest"] if not c["exact"]]


@pytest.mark.parametrize("case", EXACT, ids=[c["name"] for c in EXACT])
def test_exact_tests_match_metafor(case):
    pt = permutest(fit(case), iter=case["iter"])
    assert pt.exact and pt.iter == case["exact_iter"] == pt.exact_iter
    assert_close(pt.pval, np.atleast_1d(as_array(case["pval"])).tolist(), "pval")
    assert_close(pt.qm, case["qm"], "qm")
    assert_close(pt.qm_pval, case["qm_pval"], "qm_pval")
    # the same permutation distribution (metafor enumerates in another order)
    for j, ref in enumerate(case["zval_perm"]):
        assert_close(np.sort(pt.zval_perm[:, j]), np.sort(as_array(ref)).tolist(), f"zval_perm[{j}]")
    assert_close(np.sort(pt.qm_perm), np.sort(as_array(case["qm_perm"])).tolist(), "qm_perm")


def _within_mc_error(p1, n1, p2, n2):
    """|p1 - p2| within 4.5 Monte-Carlo standard errors (plus one permutation)."""
    p = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = np.sqrt(max(p * (1 - p), 1 / n1) * (1 / n1 + 1 / n2))
    return abs(p1 - p2) <= 4.5 * se + 1 / min(n1, n2)


@pytest.mark.parametrize("case", RANDOM, ids=[c["name"] for c in RANDOM])
def test_random_tests_agree_with_metafor_within_monte_carlo_error(case):
    n = case["iter"]
    pt = permutest(fit(case), iter=n, seed=20261122)
    assert not pt.exact and pt.iter == n and pt.seed == 20261122
    assert pt.exact_iter == pytest.approx(case["exact_iter"], rel=1e-12)
    for mine, theirs in zip(pt.pval, np.atleast_1d(as_array(case["pval"]))):
        assert _within_mc_error(mine, n, theirs, n), (mine, theirs)
    assert _within_mc_error(pt.qm_pval, n, case["qm_pval"], n)
    # the permutation distributions themselves: two-sample Kolmogorov-Smirnov
    for j, ref in enumerate(case["zval_perm"]):
        assert stats.ks_2samp(pt.zval_perm[:, j], as_array(ref)).pvalue > 1e-3
    assert_close(pt.qm, case["qm"], "observed qm")


def test_random_sign_flips_approach_the_exact_p_value():
    """bcg (k = 13): 8,192 sign patterns, so the exact p-value can be computed; metafor's random
    test (2,000 permutations) and exometa's agree with it within Monte-Carlo error."""
    case = PERM["bcg_REML_z_random"]
    res = fit(case)
    exact = permutest(res, exact=True)
    assert exact.exact and exact.iter == 8192
    rand = permutest(res, iter=2000, seed=5)
    assert _within_mc_error(rand.pval[0], 2000, exact.pval[0], 8192)
    assert _within_mc_error(float(as_array(case["pval"])), 2000, exact.pval[0], 8192)


def test_observed_data_come_first_in_random_permutations():
    case = PERM["bcg_ablat_REML_knha_random"]
    res = fit(case)
    pt = permutest(res, iter=50, seed=1)
    np.testing.assert_allclose(pt.zval_perm[0], res.zval)
    np.testing.assert_allclose(pt.qm_perm[0], res.qm)
    assert "random permutations (seed 1)" in pt.summary()


def test_counting_and_enumerating_permutations():
    arr = unique_arrangements(np.array([0, 0, 1, 1, 2]))
    assert arr.shape == (30, 5) and len({tuple(r) for r in arr}) == 30  # 5! / (2! 2! 1!)
    assert (np.sort(arr, axis=1) == [0, 0, 1, 1, 2]).all()
    case = PERM["k7_factor_DL_z_exact"]
    res = fit(case)
    from exometa.diagnostics.model import model_of

    assert exact_count(model_of(res)) == 35  # 7! / (3! 4!)


def test_bad_arguments_and_small_k():
    res = meta_analysis([0.1, 0.3, 0.5, 0.2], [0.01, 0.02, 0.04, 0.03])
    with pytest.raises(ExometaError, match="`iter` must be"):
        permutest(res, iter=1)
    with pytest.raises(ExometaError, match="`exact` must be"):
        permutest(res, exact="yes")
    pt = permutest(res)
    assert pt.exact and pt.iter == 16 and pt.pval[0] >= 2 / 16  # never below 2 / 2^k
    assert list(pt.to_frame().columns) == ["coef", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub"]
