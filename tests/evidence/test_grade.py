"""GRADE certainty: two built analyses that must come out "high" and "very low", and each domain's
rule with its reason.

Sources: GRADE handbook (Schünemann et al. 2013); Balshem et al. 2011 (GRADE 3, starting levels);
Guyatt et al. 2011 (GRADE 4 risk of bias, 5 publication bias, 6 imprecision and optimal information
size, 7 inconsistency, 8 indirectness, 9 rating up); Guyatt et al. 2008 (BMJ 336:924, "any other
evidence", e.g. case series: very low); Cochrane Handbook 13.3.5.4 (asymmetry tests need k >= 10).
"""

import math

import pandas as pd
import pytest

from exometa.errors import ExometaError
from exometa.evidence.grade import NO_EVIDENCE, grade, optimal_information_size
from exometa.evidence.grade_domains import (
    rate_imprecision, rate_inconsistency, rate_indirectness, rate_publication_bias, rate_risk_of_bias,
)

NO_INDIRECTNESS = {a: "no" for a in ("population", "intervention", "comparator", "outcome")}


def rct(sid, yi, lb, ub, weight=1.0, rob="low", n=200):
    return {"study_id": sid, "label": sid, "randomised": "yes", "design": "RCT, parallel", "weight": weight, "rob": rob,
            "n": n, "yi": yi, "ci_lb": lb, "ci_ub": ub}


def nrs(sid, yi, lb, ub, weight=1.0, rob="moderate", n=30, design="non-randomised controlled"):
    return {"study_id": sid, "label": sid, "randomised": "no", "design": design, "weight": weight, "rob": rob, "n": n,
            "yi": yi, "ci_lb": lb, "ci_ub": ub}


def test_built_analysis_that_must_be_high():
    # three large, low-risk RCTs agreeing on a clear benefit beyond the decision threshold of 2
    studies = [rct("A", 6.0, 3.0, 9.0, 40), rct("B", 5.0, 1.5, 8.5, 30), rct("C", 7.0, 3.0, 11.0, 30)]
    g = grade(studies, {"estimate": 5.9, "ci_lb": 3.9, "ci_ub": 7.9, "i2": 0.0, "pi_lb": 3.9, "pi_ub": 7.9},
              outcome="hair count", indirectness=NO_INDIRECTNESS, threshold=2.0, ois=400)
    assert g.start == "high" and g.certainty == "high"
    assert [d.change for d in g.domains] == [0, 0, 0, 0, 0]
    assert g.participants == 600 and g.design == "RCTs"


def test_built_analysis_that_must_be_very_low():
    # issue 11: two non-randomised open-label trials, pooled CI -19.8 to 53.8, were rated "moderate"
    studies = [nrs("A", 30.0, 5.0, 55.0, 55, rob="serious", n=30), nrs("B", 4.0, -30.0, 38.0, 45, rob="serious", n=24)]
    g = grade(studies, {"estimate": 17.0, "ci_lb": -19.8, "ci_ub": 53.8, "i2": 40.0}, outcome="hair density",
              indirectness=NO_INDIRECTNESS, ois=optimal_information_size(delta=10, sd=20))
    assert g.start == "low" and "non-randomised evidence starts low" in g.start_reason
    changes = {d.domain: d.change for d in g.domains}
    assert changes == {"risk of bias": -1, "inconsistency": 0, "indirectness": 0, "imprecision": -2, "publication bias": 0}
    assert g.certainty == "very low"
    imprecision = next(d for d in g.domains if d.domain == "imprecision")
    assert "-19.8 to 53.8 includes no effect" in imprecision.reason and "54 participants, fewer than" in imprecision.reason


def test_uncontrolled_evidence_starts_very_low():
    studies = [nrs("EV01", 25.6, 20.0, 31.0, design="retrospective case series"),
               nrs("EV04", 35.0, 31.8, 38.2, design="prospective single-arm")]
    g = grade(studies, {"estimate": 30.0, "ci_lb": 21.0, "ci_ub": 39.0, "i2": 60.0}, outcome="hair density",
              comparison="change over time", measure="MC")
    assert (g.start, g.certainty) == ("very low", "very low") and "no comparator" in g.start_reason
    assert g.design == "uncontrolled studies"


def test_no_pooled_study_is_no_evidence():
    g = grade([], {}, outcome="hair count")
    assert g.certainty == NO_EVIDENCE and g.k == 0 and "cannot be rated" in g.summary()


# --- starting level -------------------------------------------------------------------------------------------------

def test_start_mixed_and_unclear_designs():
    mixed = grade([rct("A", 1, 0.5, 1.5), nrs("B", 1, 0.2, 1.8)], {"estimate": 1, "ci_lb": 0.6, "ci_ub": 1.4},
                  outcome="x")
    assert mixed.start == "low" and "B is not randomised" in mixed.start_reason and "separately" in mixed.start_reason
    unclear = dict(rct("C", 1, 0.5, 1.5), randomised="unclear")
    assert grade([unclear], {"estimate": 1, "ci_lb": 0.5, "ci_ub": 1.5}, outcome="x").start == "low"


# --- risk of bias ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("robs, weights, change", [
    (["low", "low"], [1, 1], 0),
    (["low", "some concerns"], [60, 40], 0),            # score 0.2
    (["some concerns", "some concerns"], [1, 1], -1),  # score 0.5
    (["high", "low"], [50, 50], -1),                   # score 0.5
    (["high", "high"], [1, 1], -1),                    # score 1
    (["critical", "serious"], [50, 50], -2),           # score 1.5
    (["critical", "critical"], [1, 1], -2),
    ([None, "low"], [70, 30], -1),                     # not assessed counts as serious: 0.7
])
def test_risk_of_bias_weighted(robs, weights, change):
    studies = [rct(f"S{i}", 1, 0, 2, weight=w, rob=r) for i, (r, w) in enumerate(zip(robs, weights))]
    d = rate_risk_of_bias(studies)
    assert d.change == change, d.reason


def test_risk_of_bias_reason_gives_weight_shares():
    d = rate_risk_of_bias([rct("Tak", 1, 0, 2, weight=62, rob="high"), rct("Amini", 1, 0, 2, weight=38, rob="low")])
    assert d.reason.startswith("of the weight: 62% at high (Tak); 38% at low (Amini); weighted risk-of-bias score 0.62")
    d = rate_risk_of_bias([dict(rct("A", 1, 0, 2, rob="low"), weight=None)])
    assert "counted equally" in d.reason


# --- inconsistency ------------------------------------------------------------------------------------------------------

def test_inconsistency_rules():
    one = rate_inconsistency([rct("A", 1, 0, 2)], i2=0)
    assert one.change == 0 and "single study" in one.reason
    apart_both_sides = [rct("A", 8, 6, 10), rct("B", -3, -5, -1)]
    assert rate_inconsistency(apart_both_sides, i2=90).change == -2
    assert rate_inconsistency(apart_both_sides, i2=30).change == -1           # CIs apart, opposite directions
    same_side = [rct("A", 8, 6, 10), rct("B", 2, 1, 3)]
    d = rate_inconsistency(same_side, i2=80)
    assert d.change == 0 and "differences in size, not in direction" in d.reason
    overlapping = [rct("A", 3, -1, 7), rct("B", -1, -5, 3)]
    assert rate_inconsistency(overlapping, i2=55).change == -1                 # I2 >= 50 and both sides
    assert rate_inconsistency(same_side, i2=55, pi_lb=-2, pi_ub=12, ci_lb=1, ci_ub=9).change == -1   # PI crosses 0
    # a decision threshold changes what "both sides" means
    assert rate_inconsistency(same_side, i2=80, threshold=5, threshold_text="the threshold 5").change == -2


# --- indirectness -------------------------------------------------------------------------------------------------------

def test_indirectness_declared():
    d = rate_indirectness({"population": ("serious", "healthy volunteers with self-perceived thinning"), "outcome": "no"})
    assert d.change == -1 and "population: serious (healthy volunteers" in d.reason
    assert rate_indirectness({"comparator": {"level": "very serious", "reason": "no comparator"}}).change == -2
    assert "not declared" in rate_indirectness(None).reason
    with pytest.raises(ExometaError, match="without a reason"):
        rate_indirectness({"population": "serious"})
    with pytest.raises(ExometaError, match="keys must be among"):
        rate_indirectness({"setting": "no"})
    with pytest.raises(ExometaError, match="must be one of"):
        rate_indirectness({"population": ("severe", "x")})


# --- imprecision ----------------------------------------------------------------------------------------------------------

def test_imprecision_rules():
    assert rate_imprecision(1.0, 5.0, [0.0]).change == 0
    assert rate_imprecision(-1.0, 5.0, [0.0]).change == -1
    assert rate_imprecision(-1.0, 5.0, [0.0], total_n=60, ois=126).change == -2
    assert rate_imprecision(1.0, 5.0, [0.0], total_n=60, ois=126).change == -1
    assert rate_imprecision(1.0, 5.0, [0.0], total_n=200, ois=126).change == 0
    two = rate_imprecision(-3.0, 5.0, [-2.0, 2.0], threshold_names=["harm of 2", "benefit of 2"])
    assert two.change == -2 and "includes harm of 2 and benefit of 2" in two.reason
    # ratio measures: thresholds and CI on the log scale, shown as ratios
    d = rate_imprecision(math.log(0.7), math.log(1.1), [0.0], log_scale=True, threshold_names=["no effect"])
    assert d.change == -1 and "0.7 to 1.1 includes no effect" in d.reason


def test_optimal_information_size():
    # n per group = 2 (z_.975 + z_.80)^2 sd^2 / delta^2 = 62.8 -> 63 per group for half an SD
    assert optimal_information_size(delta=0.5, sd=1.0) == 126
    assert optimal_information_size(delta=10, sd=20) == 126
    assert optimal_information_size(delta=0.5, sd=1.0, groups=1) == 32       # 7.85 / 0.25 = 31.4
    # 20% control risk, 25% relative reduction: 7.849 x (0.16 + 0.1275) / 0.05^2 = 902.6 -> 903 per group
    assert optimal_information_size(p_control=0.2, rrr=0.25) == 1806
    with pytest.raises(ExometaError, match="needs `delta`"):
        optimal_information_size(delta=0, sd=1)


# --- publication bias ---------------------------------------------------------------------------------------------------

def test_publication_bias_rules():
    assert rate_publication_bias(12, small_study_pval=0.04, small_study_test="Egger's test").change == -1
    d = rate_publication_bias(12, small_study_pval=0.30)
    assert d.change == 0 and "undetected is not absent" in d.reason
    few = rate_publication_bias(5, small_study_pval=0.01)
    assert few.change == 0 and "cannot be tested" in few.reason                # k < 10: the test is not used
    assert rate_publication_bias(3, unreported_trials=2, unreported_n=68, pooled_n=67).change == -1   # 50% more
    assert rate_publication_bias(3, unreported_trials=1, unreported_n=10, pooled_n=400).change == 0   # 2.4%
    assert rate_publication_bias(3, unreported_trials=1).change == -1                                  # size unknown


# --- rating up ---------------------------------------------------------------------------------------------------------------

def test_rating_up_only_for_clean_non_randomised_evidence():
    studies = [nrs("A", math.log(0.3), math.log(0.2), math.log(0.45), rob="moderate", n=500),
               nrs("B", math.log(0.35), math.log(0.25), math.log(0.5), rob="low", n=500)]
    pooled = {"estimate": math.log(0.32), "ci_lb": math.log(0.25), "ci_ub": math.log(0.41), "i2": 0.0}
    g = grade(studies, pooled, outcome="relapse", measure="RR", indirectness=NO_INDIRECTNESS, ois=800)
    assert g.start == "low" and [d.domain for d in g.domains if d.change > 0] == ["large effect"]
    assert g.certainty == "moderate"
    g = grade(studies, pooled, outcome="relapse", measure="RR", indirectness=NO_INDIRECTNESS, ois=800,
              dose_response="relapse fell with each added session in both studies")
    assert g.certainty == "high"
    # anything rated down: no rating up
    g = grade(studies, pooled, outcome="relapse", measure="RR", ois=5000)
    assert not any(d.change > 0 for d in g.domains)


def test_result_tables_and_summary():
    studies = [nrs("A", 30.0, 5.0, 55.0, 55, rob="serious"), nrs("B", 4.0, -30.0, 38.0, 45, rob="serious")]
    g = grade(studies, {"estimate": 17.0, "ci_lb": -19.8, "ci_ub": 53.8, "i2": 40.0}, outcome="hair density")
    table = g.to_frame()
    assert list(table["step"]) == ["start", "risk of bias", "inconsistency", "indirectness", "imprecision",
                                   "publication bias", "certainty"]
    assert table.iloc[-1]["rating"] == "very low"
    text = g.summary()
    assert "Start: low" in text and "Imprecision: serious (down 1)" in text
    assert g.footnotes()[0].startswith("a. Risk of bias (rated down 1): of the weight")
    assert "<table" in g._repr_html_()


def test_bad_pooled_input():
    with pytest.raises(ExometaError, match="finite estimate"):
        grade([rct("A", 1, 0, 2)], {"estimate": 1.0}, outcome="x")
    with pytest.raises(ExometaError, match="`comparison` must be one of"):
        grade([rct("A", 1, 0, 2)], {"estimate": 1, "ci_lb": 0, "ci_ub": 2}, outcome="x", comparison="within")


def test_accepts_a_dataframe_and_a_meta_result():
    from exometa import meta_analysis

    studies = pd.DataFrame([rct("A", 6.0, 3.0, 9.0), rct("B", 5.0, 1.5, 8.5), rct("C", 7.0, 3.0, 11.0)])
    res = meta_analysis(studies["yi"], ((studies["ci_ub"] - studies["ci_lb"]) / 3.92) ** 2, method="REML")
    studies["weight"] = res.weights
    g = grade(studies, res, outcome="hair count", indirectness=NO_INDIRECTNESS, ois=400)
    assert g.certainty == "high" and g.estimate == pytest.approx(res.estimate)
