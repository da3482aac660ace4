"""CI symmetry, SD against range and quartiles, SDs that look like SEs, baseline similarity,
arm totals, registry n and registered outcomes: hand-made cases that pass and fail.

Sources of the rules: CIs of differences are symmetric, CIs of ratios symmetric on the
log scale (Cochrane Handbook 6.3.2, 6.5.2); the bounds on an SD given a range are the
Bhatia-Davis inequality (upper) and two extreme values with the rest at the mean (lower);
metafor 5.1 warns for |SMD| > 2 ("maybe SEs were used in place of SDs"); baseline
similarity follows Carlisle 2017 (Anaesthesia 72:944-952).
"""

import math

import pytest

from exometa.evidence.trust_checks import (
    arm_totals, baseline_similarity, ci_symmetry, registered_outcomes, registry_n, sd_looks_like_se, sd_quartiles, sd_range,
)


# --- CI symmetry ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("est, lb, ub, scale, verdict", [
    (8.0, 2.0, 14.0, "difference", "passes"),
    (8.0, 2.1, 14.0, "difference", "passes"),    # 5.9 below, 6.0 above: a gap of 0.1, and rounding moves it by up to 0.2
    (8.0, 2.3, 14.0, "difference", "fails"),     # a gap of 0.3: rounding cannot close it
    (8.0, 2.0, 16.0, "difference", "fails"),
    (0.80, 0.60, 1.07, "ratio", "passes"),       # log(0.8/0.6) = 0.2877, log(1.07/0.8) = 0.2908
    (0.80, 0.60, 1.00, "ratio", "fails"),        # symmetric on the raw scale instead
    (2.50, 1.25, 5.00, "ratio", "passes"),       # x/2 and x2
    (9.0, 10.0, 14.0, "difference", "fails"),    # the estimate lies outside its CI
])
def test_ci_symmetry(est, lb, ub, scale, verdict):
    assert ci_symmetry(est, lb, ub, scale=scale, decimals=2 if scale == "ratio" else 1).verdict == verdict


def test_ci_symmetry_says_which_scale_fits():
    r = ci_symmetry(0.80, 0.60, 1.00, scale="ratio", decimals=2)
    assert "symmetric on the raw scale instead" in r.detail
    r = ci_symmetry(2.50, 1.25, 5.00, scale="difference", decimals=2)
    assert r.fails and "symmetric on the log scale" in r.detail


# --- SD vs range and quartiles -------------------------------------------------------------------------------------------

def test_sd_range_bounds():
    # n = 10 in [0, 10] with mean 5: SD <= sqrt(5 x 5 x 10/9) = 5.27, >= 10 / sqrt(18) = 2.357
    assert sd_range(5.2, 10, 0, 10, mean=5, decimals=1).passes
    assert sd_range(5.5, 10, 0, 10, mean=5, decimals=1).fails
    assert sd_range(2.4, 10, 0, 10, mean=5, decimals=1).passes
    assert sd_range(2.2, 10, 0, 10, mean=5, decimals=1).fails
    # a mean near an end of the range allows less spread: mean 1, SD <= sqrt(9 x 1 x 10/9) = 3.16
    assert sd_range(4.0, 10, 0, 10, mean=1, decimals=1).fails
    # the mean outside the range
    assert "outside the range" in sd_range(2.0, 10, 0, 10, mean=11, decimals=1).detail


def test_sd_quartiles_bound():
    # n = 40: at least 10 values at or beyond each quartile; IQR 20: SD >= 20 x sqrt(10 / 78) = 7.16
    assert sd_quartiles(7.2, 40, q1=100, q3=120, decimals=1).passes
    assert sd_quartiles(7.0, 40, q1=100, q3=120, decimals=1).fails
    assert sd_quartiles(7.0, 40, iqr=20, decimals=1).fails
    assert sd_quartiles(7.0, 3, iqr=20).verdict == "cannot check"


def test_quartile_bound_is_attained():
    # data that meet the bound: 10 at 100, 20 at 110, 10 at 120 (n = 40, quartiles 100 and 120)
    import statistics
    data = [100] * 10 + [110] * 20 + [120] * 10
    sd = statistics.stdev(data)
    assert math.isclose(sd, 20 * math.sqrt(10 / 78))
    assert sd_quartiles(round(sd, 2), 40, q1=100, q3=120).passes


# --- SD that looks like an SE ----------------------------------------------------------------------------------------------

def test_sd_looks_like_se_wan_2025():
    # Wan 2025 (update-2.md): a mean change of 35 hairs/cm2 with SD 6.5 in 16 people: d = 5.38
    r = sd_looks_like_se(35, 6.5, 16, what="the mean change")
    assert r.fails and "5.38" in r.detail and "26" in r.detail and "1.35" in r.detail


def test_sd_looks_like_se_cutoff():
    assert sd_looks_like_se(10, 5.1).passes      # d = 1.96
    assert sd_looks_like_se(-10, 4.9).fails      # |d| = 2.04
    assert sd_looks_like_se(10, 4.9, cutoff=3).passes


# --- baseline similarity -----------------------------------------------------------------------------------------------------

def test_baseline_one_variable_never_says_much():
    assert baseline_similarity([(120.1, 15.2, 20, 120.1, 15.0, 20)], decimals=1).passes


def test_baseline_many_identical_variables_fail():
    # five variables each equal to the last decimal: each has a chance of about 0.017 to be this close,
    # together (Stouffer) about 1e-6
    r = baseline_similarity([(120.1, 15.2, 20, 120.1, 15.0, 20)] * 5, decimals=1)
    assert r.fails and "Stouffer" in r.detail


def test_baseline_ordinary_differences_pass():
    variables = [(120.1, 15.2, 20, 125.3, 15.0, 20), (45.0, 10.0, 20, 41.2, 9.0, 20), (3.1, 1.0, 20, 3.3, 1.1, 20)]
    assert baseline_similarity(variables, decimals=1).passes


# --- counts ---------------------------------------------------------------------------------------------------------------

def test_arm_totals():
    assert arm_totals({"treatment": 19, "control": 19}, 38).passes
    r = arm_totals({"treatment": 19, "control": 19}, 34)
    assert r.fails and "19 (treatment) + 19 (control) = 38" in r.detail
    assert arm_totals({"treatment": 17, "control": 17}, 38, "those enrolled", at_most=True).passes
    assert arm_totals({"treatment": 20, "control": 20}, 38, "those enrolled", at_most=True).fails


def test_registry_n():
    assert registry_n(38, 38).passes
    r = registry_n(20, 24)       # Amini 2025: summary 20 men, enrolment field 24
    assert r.fails and "4 more in the registry" in r.detail
    assert registry_n(None, 37).verdict == "cannot check"


def test_registered_outcomes():
    assert registered_outcomes("hair density; hair thickness", ["hair density", "hair thickness"]).passes
    r = registered_outcomes("Change in hair density at week 24; Hair shedding; Global photographic assessment",
                            ["hair density", "enrolment"])
    assert r.fails and "'Hair shedding'" in r.detail and "'Global photographic assessment'" in r.detail
    assert registered_outcomes("", ["hair density"]).verdict == "cannot check"
    # a generic outcome name does not count as reporting anything
    assert registered_outcomes("Other outcomes", ["other"]).fails
