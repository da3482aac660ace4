"""Defects found by review, each with the smallest workbook that showed it (the fix is named beside)."""

import math

from exometa.analysis.context import workbook_context
from exometa.evidence.rob import read_risk_of_bias

from .conftest import row, run, study, workbook


def test_several_outcomes_are_never_mixed_within_a_study(tmp_path):
    """rows.prepare keeps each study's first outcome: treatment and control, baseline and follow-up are all of it."""
    rows = [row("A", "treatment", outcome="primary outcome", week=12, events=10, n=50),
            row("A", "control", outcome="primary outcome", week=12, events=5, n=50),
            row("A", "treatment", outcome="secondary outcome", week=24, events=30, n=50),
            row("A", "control", outcome="secondary outcome", week=24, events=1, n=50),
            row("A", "control", outcome="primary outcome", week=30, events=2, n=50)]
    res = run(tmp_path, [study("A")], rows, 'title = "t"\noutcome = ["primary outcome", "secondary outcome"]\nmeasure = "RR"\n')
    (e,) = res.effects
    assert e.counts == (10, 50, 2, 50)  # primary outcome only: treatment week 12, control's last (week 30)
    assert any("outcome: primary outcome (the first of this analysis's outcomes" in n for n in e.notes)


def test_a_reported_smd_is_not_multiplied_by_a_unit_factor(tmp_path):
    rows = [row("A", "treatment", mean=60, sd=10, n=40, unit="µm"), row("A", "control", mean=55, sd=10, n=40, unit="µm"),
            row("B", "treatment vs control", quantity="effect estimate", effect_measure="SMD", mean=0.4, ci_lb=0.1,
                ci_ub=0.7, n=80, unit="mm")]
    res = run(tmp_path, [study("A"), study("B")], rows, 'title = "t"\noutcome = ["other"]\nmeasure = "SMD"\n')
    b = next(e for e in res.effects if e.study_id == "B")
    assert b.yi == 0.4 and not any("converted" in d for d in b.derivations)
    assert math.isclose(math.sqrt(b.vi), (0.7 - 0.1) / (2 * 1.959963984540054), rel_tol=1e-9)


def test_the_enrolled_n_is_not_given_to_each_of_several_labelled_groups(tmp_path):
    rows = [row("A", "single group", quantity="change from baseline", week=12, mean=10, sd=12, arm_label="men"),
            row("A", "single group", quantity="change from baseline", week=12, mean=8, sd=12, arm_label="women")]
    res = run(tmp_path, [study("A", design="case series", control="none", n_enrolled=40)], rows,
              'title = "t"\noutcome = ["other"]\nmeasure = "MC"\n[sample_size]\nfrom_enrolment = true\n')
    assert all(not e.poolable and "number of participants" in e.reason for e in res.effects)


def test_a_between_arm_p_value_is_not_recomputed_as_the_change_s_own_test(tmp_path):
    rows = [row("A", "treatment", quantity="change from baseline", mean=10, sd=12, n=40, p_value=0.46,
                p_test="between arms (vs control)"),
            row("A", "control", quantity="change from baseline", mean=8, sd=12, n=40)]
    ctx = workbook_context(workbook(tmp_path, [study("A", n_enrolled=80)], rows))
    assert not [f for f in ctx.findings if f.check == "p-value" and f.verdict == "fails"]
    assert "inconsistent" not in ctx.flags["A"]


def test_risk_of_bias_of_one_outcome_is_never_used_for_another():
    import pandas as pd

    sheet = pd.DataFrame([{"excel_row": 2 + i, "study_id": "T1", "tool": "RoB 2", "outcome": "hair count",
                           "domain": f"D{i + 1}", "judgement": "low"} for i in range(5)])
    rob = read_risk_of_bias(sheet, pd.DataFrame([{"study_id": "T1", "design": "RCT, parallel"}]))
    assert rob.overall("T1", "hair count") == "low"
    assert rob.overall("T1", "hair density") is None


def test_a_freeman_tukey_sensitivity_analysis_is_back_transformed_with_its_own_studies(tmp_path):
    """metafor: predict(rma(escalc("PFT", xi = c(20, 50), ni = c(200, 400)), test = "knha"),
    transf = transf.ipft.hm, targs = list(ni = c(200, 400))) gives 0.1163 (0.0136 to 0.2962)."""
    from exometa.report.text import sensitivity_rows

    studies = [study("A", design="case series", control="none"), study("B", design="case series", control="none"),
               study("C", design="case series", control="none", publication_status="preprint")]
    rows = [row("A", "single group", events=20, n=200), row("B", "single group", events=50, n=400),
            row("C", "single group", events=1, n=3)]
    res = run(tmp_path, studies, rows, 'title = "t"\noutcome = ["other"]\nmeasure = "PFT"\n[[sensitivity]]\n'
              'name = "no preprints"\nexclude_flags = ["not_peer_reviewed"]\n')
    shown = next(r for r in sensitivity_rows(res) if r["Set"] == "no preprints")
    assert shown["Estimate (95% CI)"] == "0.12 (0.014 to 0.30)"


def test_a_script_s_sensitivity_analysis_uses_its_own_method_and_test(tmp_path):
    import pytest

    from exometa import ExometaError
    from exometa.analysis.script import from_effects, spec, study_effect

    wb = workbook(tmp_path, [study("A"), study("B"), study("C")], [row("A", "treatment"), row("B", "treatment"),
                                                                    row("C", "treatment")])
    effects = [study_effect(s, s, y, v) for s, y, v in (("A", 0.1, 0.01), ("B", 0.5, 0.02), ("C", 0.9, 0.04))]
    s = spec(title="t", outcome=["other"], measure="MD", sensitivity=[{"name": "common effect", "method": "EE", "test": "z"}])
    res = from_effects(s, wb, effects)
    alt = res.sensitivity[0].result
    assert (alt.method, alt.test) == ("EE", "z") and alt.tau2 == 0
    with pytest.raises(ExometaError, match="changes borrow, which decide how effects are extracted"):
        from_effects(spec(title="t", outcome=["other"], measure="MD",
                          sensitivity=[{"name": "x", "borrow": "largest"}]), wb, effects)


def test_the_summary_of_findings_calls_a_proportion_a_proportion():
    from pathlib import Path

    from exometa import read_workbook
    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_spec
    from exometa.evidence.sof import sof_table

    root = Path(__file__).parents[2]
    res = run_analysis(load_spec(root / "analyses" / "adverse_events.toml"), read_workbook(root / "studies.xlsx"))
    text = " ".join(str(v) for v in sof_table([res.grade]).iloc[0].to_dict().values())
    assert "proportion 0.184 (95% CI 0.0904 to 0.339)" in text and "mean change" not in text


def test_unreported_trials_rate_down_when_they_would_add_a_fifth_to_those_pooled():
    from exometa.evidence.grade_domains import rate_publication_bias

    d = rate_publication_bias(3, None, unreported_trials=1, unreported_n=22, pooled_n=100)
    assert d.change == -1 and "22% of the 100 pooled" in d.reason
    assert rate_publication_bias(3, None, unreported_trials=1, unreported_n=19, pooled_n=100).change == 0
