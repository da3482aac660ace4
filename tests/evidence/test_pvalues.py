"""Recomputed p-values judged by statcheck's rules (Nuijten et al. 2016, Behav Res Methods 48:1205-1226).

The classification cases are those of statcheck's own test suite
(tests/testthat/test-error.R and test-decisionerror.R of the R package),
written there as APA text, e.g. "t(28) = 2.20, p = .03". Reported decimals are
given explicitly because a float cannot show the trailing zero of 2.20. The
p-values themselves are compared with R's distribution functions
(tests/evidence/make_trust_reference.R -> trust_reference.json).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from exometa.errors import ExometaError
from exometa.evidence.trust_checks import (
    check_p_ci, check_p_mean, check_p_statistic, check_p_two_means, p_from_statistic, p_one_sample, p_two_sample,
)

REF = json.loads((Path(__file__).parent / "trust_reference.json").read_text())


@pytest.mark.parametrize("case", REF["statistics"], ids=lambda c: f"{c['type']}={c['value']}")
def test_p_from_statistic_agrees_with_r(case):
    p = p_from_statistic(case["type"], case["value"], case["df"], case["df2"])
    np.testing.assert_allclose(p, case["p"], rtol=1e-10)


def test_t_tests_from_summaries_agree_with_r():
    c = REF["two_sample"]
    np.testing.assert_allclose(p_two_sample(c["m1"], c["sd1"], c["n1"], c["m2"], c["sd2"], c["n2"]), c["student_p"], rtol=1e-10)
    np.testing.assert_allclose(p_two_sample(c["m1"], c["sd1"], c["n1"], c["m2"], c["sd2"], c["n2"], welch=True), c["welch_p"], rtol=1e-10)
    o = REF["one_sample"]
    np.testing.assert_allclose(p_one_sample(o["m"], o["sd"], o["n"]), o["p"], rtol=1e-10)


# statcheck's test cases: (p, relation, stat type, value, df, df2, decimals of the statistic, error?)
STATCHECK_CASES = [
    # simple errors in every test type
    (0.03, "=", "t", 2.20, 28, None, 2, True),
    (0.15, "=", "F", 2.20, 2, 28, 2, True),
    (0.26, "=", "r", 0.22, 28, None, 2, True),
    (0.79, "=", "chi2", 22.20, 28, None, 2, True),
    (0.04, "=", "z", 2.20, None, None, 2, True),
    # negative statistics
    (0.016, "=", "z", -2.42, None, None, 2, False),
    (0.03, "=", "t", -2.20, 28, None, 2, True),
    # inexact p-values: "t(28) = 2.20, p > .05" is an error; "t(28) = 2.0, p < .05" is not (t may be 2.04)
    (0.05, ">", "t", 2.20, 28, None, 2, True),
    (0.05, "<", "t", 2.0, 28, None, 1, False),
    # correct rounding of the statistic and of p
    (0.02, "=", "t", 2, 28, None, 0, False),
    (0.14, "=", "t", 2, 28, None, 0, False),
    (0.03, "=", "t", 2.2, 28, None, 1, False),
    (0.04, "=", "t", 2.2, 28, None, 1, False),
    (0.036, "=", "t", 2.20, 28, None, 2, False),
    (0.037, "=", "t", 2.20, 28, None, 2, False),
    # t(28) = 2.2 with p compared by = < >
    (0.036, "=", "t", 2.2, 28, None, 1, False),
    (0.08, "<", "t", 2.2, 28, None, 1, False),
    (0.02, ">", "t", 2.2, 28, None, 1, False),
    (0.08, "=", "t", 2.2, 28, None, 1, True),
    (0.02, "=", "t", 2.2, 28, None, 1, True),
    (0.08, ">", "t", 2.2, 28, None, 1, True),
    (0.02, "<", "t", 2.2, 28, None, 1, True),
    # decision errors are errors
    (0.03, "=", "t", 1.20, 28, None, 2, True),
    (0.30, "=", "t", 2.20, 28, None, 2, True),
]


@pytest.mark.parametrize("p, rel, stat, value, df, df2, dec, error", STATCHECK_CASES)
def test_statcheck_classification(p, rel, stat, value, df, df2, dec, error):
    r = check_p_statistic(p, stat, value, df=df, df2=df2, relation=rel, stat_decimals=dec)
    assert r.fails is error, r.detail


def test_statcheck_bounds_of_p():
    # "t(28) = 2.2, p > upp" and "p < lowp" are errors, where lowp/upp are p at t = 2.25 / 2.15
    low = p_from_statistic("t", 2.25, 28)
    up = p_from_statistic("t", 2.15, 28)
    assert check_p_statistic(up + 1e-6, "t", 2.2, df=28, relation=">", stat_decimals=1).fails
    assert check_p_statistic(low - 1e-6, "t", 2.2, df=28, relation="<", stat_decimals=1).fails
    assert not check_p_statistic(up - 1e-6, "t", 2.2, df=28, relation=">", stat_decimals=1).fails


def test_decision_errors():
    # statcheck: t(28) = 1.20, p = .03 says significant, the recomputed p (0.24) is not
    r = check_p_statistic(0.03, "t", 1.20, df=28, stat_decimals=2)
    assert r.decision_error and r.detail.startswith("Decision error:")
    # t(28) = 2.20, p = .30: says not significant, recomputed 0.036 is
    assert check_p_statistic(0.30, "t", 2.20, df=28, stat_decimals=2).decision_error
    # an error that does not cross alpha is no decision error
    r = check_p_statistic(0.03, "t", 2.20, df=28, stat_decimals=2)
    assert r.fails and not r.decision_error


def test_one_sided_tests():
    # statcheck: "t(28) = 2.20, p = .018, one-tailed" is consistent once one-sided tests are allowed
    assert check_p_statistic(0.018, "t", 2.20, df=28, stat_decimals=2).fails
    assert not check_p_statistic(0.018, "t", 2.20, df=28, stat_decimals=2, one_sided=True).fails
    assert check_p_statistic(0.01, "t", 2.20, df=28, stat_decimals=2, one_sided=True).fails


def test_p_zero_is_an_error():
    r = check_p_statistic(0.0, "t", 22.20, df=28)
    assert r.fails and "never exactly 0" in r.detail


def test_p_from_ci():
    # MD 8.0 (95% CI 2.0 to 14.0): SE = 12 / (2 x 1.95996) = 3.0613, z = 2.613, p = 0.00897
    assert check_p_ci(0.009, 8.0, 2.0, 14.0, decimals=1).passes
    assert check_p_ci(0.01, 8.0, 2.0, 14.0, decimals=1, relation="<").passes
    r = check_p_ci(0.04, 8.0, 2.0, 14.0, decimals=1)
    assert r.fails and not r.decision_error
    assert check_p_ci(0.2, 8.0, 2.0, 14.0, decimals=1).decision_error
    # with t(10) the same CI gives p = 0.014 (the SE is 12 / (2 x 2.228) = 2.693, t = 2.97): fits only as a t
    assert check_p_ci(0.014, 8.0, 2.0, 14.0, decimals=1, df=10).passes
    assert check_p_ci(0.014, 8.0, 2.0, 14.0, decimals=1).fails
    # a risk ratio 0.80 (0.64 to 1.00): log SE = (log 1 - log 0.64) / 3.92 = 0.1138, z = 1.96, p = 0.05
    assert check_p_ci(0.05, 0.80, 0.64, 1.00, log_scale=True, decimals=2).passes
    assert check_p_ci(0.01, 0.80, 0.64, 1.00, log_scale=True, decimals=2).fails


def test_p_from_means():
    # one-sample: 5.0 (SD 10.0, n = 25): t(24) = 2.5, p = 0.0197
    assert check_p_mean(0.02, 5.0, 10.0, 25, decimals=1).passes
    assert check_p_mean(0.001, 5.0, 10.0, 25, decimals=1).fails
    # two-sample: 12.0 (4.0, 20) vs 8.0 (4.0, 20): t(38) = 3.162, p = 0.0031
    assert check_p_two_means(0.003, 12.0, 4.0, 20, 8.0, 4.0, 20, decimals=1).passes
    r = check_p_two_means(0.3, 12.0, 4.0, 20, 8.0, 4.0, 20, decimals=1)
    assert r.fails and r.decision_error


def test_welch_is_tried_when_variances_differ():
    # 12 (SD 2, n = 40) vs 8 (SD 9, n = 8): Student p = 0.0123, Welch p = 0.2504 (R's t.test gives the same)
    student, welch = p_two_sample(12, 2, 40, 8, 9, 8), p_two_sample(12, 2, 40, 8, 9, 8, welch=True)
    assert round(student, 4) == 0.0123 and round(welch, 4) == 0.2504
    assert check_p_two_means(0.25, 12.0, 2.0, 40, 8.0, 9.0, 8, decimals=1).passes
    assert check_p_two_means(0.012, 12.0, 2.0, 40, 8.0, 9.0, 8, decimals=1).passes
    assert check_p_two_means(0.1, 12.0, 2.0, 40, 8.0, 9.0, 8, decimals=1).fails


def test_bad_arguments_name_the_argument():
    with pytest.raises(ExometaError, match="`stat_type` must be one of"):
        check_p_statistic(0.05, "W", 86.5)
    with pytest.raises(ExometaError, match="degrees of freedom"):
        check_p_statistic(0.05, "t", 2.0)
    with pytest.raises(ExometaError, match="`p` must be a p-value"):
        check_p_statistic(1.5, "z", 2.0)
    with pytest.raises(ExometaError, match="`relation` must be one of"):
        check_p_statistic(0.05, "z", 2.0, relation="<=")
