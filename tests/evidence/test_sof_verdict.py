"""Summary of Findings rows (GRADEpro layout) and the one-sentence verdict on a claim.

Absolute effects from a ratio and a comparator risk: GRADE handbook 5.2 and Cochrane Handbook
15.4.4 (RR: r x RR; OR: r OR / (1 - r + r OR); HR: 1 - (1 - r)^HR). Verdict wording: GRADE's
informative statements (Santesso et al. 2020, J Clin Epidemiol 119:126-135).
"""

import math

import pytest

from exometa.errors import ExometaError
from exometa.evidence.grade import grade
from exometa.evidence.sof import SOF_COLUMNS, sof_row, sof_table
from exometa.evidence.verdict import claim_verdict

NO_INDIRECTNESS = {a: "no" for a in ("population", "intervention", "comparator", "outcome")}


def one_rct(measure="RR", est=math.log(0.8), lb=math.log(0.64), ub=math.log(0.99), n=2000, rob="low"):
    s = {"study_id": "T1", "randomised": "yes", "design": "RCT, parallel", "weight": 1, "rob": rob, "n": n, "yi": est,
         "ci_lb": lb, "ci_ub": ub}
    return grade([s], {"estimate": est, "ci_lb": lb, "ci_ub": ub}, outcome="hair loss progression", measure=measure,
                 indirectness=NO_INDIRECTNESS)


@pytest.mark.parametrize("measure, expected", [
    ("RR", "160 per 1,000 (128 to 198)"),      # 200 x 0.8, 200 x 0.64, 200 x 0.99
    ("OR", "167 per 1,000 (138 to 198)"),      # 0.2 x 0.8 / (0.8 + 0.2 x 0.8) = 0.1667
    ("HR", "163 per 1,000 (133 to 198)"),      # 1 - 0.8^0.8 = 0.1635
])
def test_absolute_effects_from_ratios(measure, expected):
    row = sof_row(one_rct(measure), control_risk=0.2)
    assert row["Risk with comparator"] == "200 per 1,000"
    assert row["Risk with intervention"] == expected
    assert row["Relative effect (95% CI)"] == f"{measure} 0.8 (0.64 to 0.99)"
    assert row["No. of participants (studies)"] == "2,000 (1 RCT)"


def test_certainty_cell_and_footnotes():
    g = one_rct(rob="high", n=200)
    row = sof_row(g, comments="Single trial.")
    assert row["Certainty of the evidence (GRADE)"] == "\u2a01\u2a01\u2a01\u25ef Moderate a"
    assert row["Comments"].startswith("Single trial. a. Risk of bias (rated down 1): of the weight: 100% at high (T1)")


def test_continuous_and_change_over_time_rows():
    s = [{"study_id": "A", "randomised": "yes", "design": "RCT, parallel", "weight": 1, "rob": "low", "n": 20,
          "yi": 8.0, "ci_lb": -1.1, "ci_ub": 17.1}]
    g = grade(s, {"estimate": 8.0, "ci_lb": -1.1, "ci_ub": 17.1}, outcome="hair count", measure="MD", unit="hairs")
    row = sof_row(g, comparator_text="median change +1.5 hairs")
    assert row["Risk with intervention"] == "MD 8 hairs higher (1.1 lower to 17.1 higher)"
    assert row["Risk with comparator"] == "median change +1.5 hairs" and row["Relative effect (95% CI)"] == "\u2014"
    u = [dict(s[0], design="prospective single-arm", randomised="no")]
    g = grade(u, {"estimate": 43.1, "ci_lb": 18.5, "ci_ub": 67.7}, outcome="hair density", measure="MC",
              comparison="change over time", unit="hairs/cm2")
    row = sof_row(g)
    assert row["Risk with comparator"].startswith("no comparator")
    assert row["Risk with intervention"] == "mean change 43.1 hairs/cm2 (95% CI 18.5 to 67.7)"
    assert row["No. of participants (studies)"] == "20 (1 uncontrolled study)"


def test_no_evidence_row_and_table():
    g = grade([], {}, outcome="hair count (controlled)")
    row = sof_row(g)
    assert row["No. of participants (studies)"] == "0 studies" and row["Certainty of the evidence (GRADE)"] == "not rated"
    table = sof_table([g, one_rct()])
    assert list(table.columns) == SOF_COLUMNS and len(table) == 2
    with pytest.raises(ExometaError, match="`control_risk` must be a risk"):
        sof_row(one_rct(), control_risk=20)


def test_sof_table_round_trips_through_xlsx(tmp_path):
    import pandas as pd

    table = sof_table([one_rct().sof_row(control_risk=0.2), grade([], {}, outcome="hair count")])
    table.to_excel(tmp_path / "sof.xlsx", index=False)
    back = pd.read_excel(tmp_path / "sof.xlsx", dtype=str, keep_default_na=False)
    assert back.equals(table.astype(str))


# --- the verdict, in the shapes of the shipped analyses --------------------------------------------------------------------

def test_k0_is_cannot_be_assessed_never_not_supported():
    # 01_controlled_verifiable and 04: no controlled study reports the numbers a meta-analysis needs
    v = claim_verdict("exosome treatment increases hair count more than control", outcome="hair count", k=0,
                      not_pooled_reason="Amini 2025 gives medians without per-arm n; Legiawati's trials report no numbers")
    assert v.status == "cannot be assessed" and v.certainty == "not rated"
    assert "not supported" not in v.sentence.lower() and "Legiawati" in v.sentence


def test_percent_changes_without_spread_cannot_be_assessed():
    # 03_percent_change_all: shown, never pooled
    v = claim_verdict("a 2021 pilot of 30 participants showed +28% hair count", outcome="hair count", k=0,
                      not_pooled_reason="percent changes without any measure of spread cannot be pooled")
    assert v.status == "cannot be assessed" and v.sentence.count(".") >= 1 and "\n" not in v.sentence


def test_change_over_time_cannot_support_a_causal_claim():
    # 02_density_change_all: k = 3, all uncontrolled; even a CI far from zero is change over time, not an effect
    v = claim_verdict("exosome treatment increases hair density", outcome="hair density", k=3, estimate=43.1,
                      ci_lb=18.5, ci_ub=67.7, certainty="very low", comparison="change over time", measure="MC",
                      unit="hairs/cm2")
    assert v.status == "cannot be assessed" and v.certainty == "very low"
    assert "cannot show that the treatment caused it" in v.sentence and "43.1 hairs/cm2" in v.sentence
    # a claim about the change itself can be supported by it
    v = claim_verdict("hair density rises in treated people", outcome="hair density", k=3, estimate=43.1, ci_lb=18.5,
                      ci_ub=67.7, certainty="very low", comparison="change over time", causal=False, measure="MC")
    assert v.status == "supported" and "very uncertain" in v.sentence


@pytest.mark.parametrize("est, lb, ub, threshold, status", [
    (8.0, 1.0, 15.0, None, "supported"),
    (-8.0, -15.0, -1.0, None, "contradicted"),
    (8.0, -1.1, 17.1, None, "cannot be assessed"),   # Amini 2025 by median conversion (update-2.md, D)
    (1.0, -2.0, 4.0, 5.0, "contradicted"),           # excludes the claimed effect of 5
    (1.0, -2.0, 6.0, 5.0, "cannot be assessed"),
])
def test_between_arms(est, lb, ub, threshold, status):
    v = claim_verdict("exosomes increase hair count", outcome="hair count", k=2, estimate=est, ci_lb=lb, ci_ub=ub,
                      certainty="low", threshold=threshold)
    assert v.status == status
    assert ("(low certainty)" in v.sentence) or ("certainty low" in v.sentence)


def test_certainty_wording_follows_grade_statements():
    words = {"high": "the treatment increases", "moderate": "probably increases", "low": "may increase",
             "very low": "very uncertain"}
    for cert, phrase in words.items():
        v = claim_verdict("x increases y", outcome="y", k=2, estimate=1, ci_lb=0.5, ci_ub=1.5, certainty=cert)
        assert phrase in v.sentence and v.sentence.startswith(f"Supported ({cert} certainty)")


def test_ratio_measures_and_decreases():
    v = claim_verdict("exosomes reduce shedding", outcome="shedding", k=2, estimate=math.log(0.67),
                      ci_lb=math.log(0.5), ci_ub=math.log(0.9), certainty="moderate", direction="decrease", measure="RR")
    assert v.status == "supported" and "RR 0.67, 95% CI 0.5 to 0.9" in v.sentence
    v = claim_verdict("exosomes halve shedding", outcome="shedding", k=2, estimate=math.log(0.9), ci_lb=math.log(0.8),
                      ci_ub=math.log(1.02), certainty="moderate", direction="decrease", measure="RR", threshold=0.75)
    assert v.status == "contradicted" and "(0.75)" in v.sentence


def test_certainty_from_a_grade_result_and_bad_input():
    g = one_rct()
    v = claim_verdict("x reduces y", outcome="y", k=1, estimate=g.estimate, ci_lb=g.ci_lb, ci_ub=g.ci_ub, certainty=g,
                      direction="decrease", measure="RR")
    assert v.certainty == g.certainty
    with pytest.raises(ExometaError, match="must be finite"):
        claim_verdict("x", outcome="y", k=2, estimate=None, ci_lb=0, ci_ub=1)
    with pytest.raises(ExometaError, match="`certainty` must be one of"):
        claim_verdict("x", outcome="y", k=2, estimate=1, ci_lb=0.5, ci_ub=2, certainty="medium")
