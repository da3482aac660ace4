"""Diagnostics, GRADE, registered trials and the verdict, wired into run_analysis, at workbook level.

Reference values: tests/analysis/make_analysis_reference.R (metafor 3.8), sections
"diagnostics of the first edition's analysis 02" and "GRADE".
"""

import math
from pathlib import Path

import pytest

from exometa.analysis.context import workbook_context
from exometa.analysis.run import run_analysis
from exometa.analysis.spec import AnalysisFileError
from exometa.workbook.reader import read_workbook

from .conftest import OUTCOME, analysis, close, row, study, workbook

FIRST = Path(__file__).parent / "data" / "first_edition"
DIAG = """
diagnostics = ["leave1out", "influence", "cumul", "gosh", "baujat", "permutest"]
"""


@pytest.fixture(scope="module")
def first_edition():
    return read_workbook(FIRST / "studies.xlsx")


def test_analysis02_diagnostics_agree_with_metafor_and_reach_the_verdict(tmp_path, first_edition, ref):
    text = (FIRST / "02_density_change_all.toml").read_text().replace('figures = ["forest", "funnel"]',
                                                                        'figures = ["forest", "funnel"]' + DIAG)
    res = run_analysis(analysis(tmp_path, text, "02.toml"), first_edition)
    want = ref["diagnostics02"]
    close(res.main.result.estimate, want["fit"]["estimate"])
    d = res.diagnostics
    l1o = d["leave1out"].result
    assert l1o.slab == tuple(want["data"]["slab"])
    for key in ("estimate", "ci_lb", "ci_ub", "i2", "tau2"):
        close(getattr(l1o, key), want["leave1out"][key], key)
    infl = d["influence"].result
    for key in ("dffits", "cook_d"):
        close(getattr(infl, key), want["influence"][key], key)
    close(infl.dfbetas[:, 0], want["influence"]["dfbetas"], "dfbetas")
    assert infl.inf.tolist() == want["influence"]["inf"]
    close(d["cumul"].result.estimate, want["cumul"]["estimate"], "cumul")  # by year: Park 2022, Dehghani 2024, Wan 2025
    assert d["cumul"].result.slab[0] == "Park 2022"
    # below their minimum k (6) GOSH and the permutation test are not run, and the report says why
    assert not d["gosh"].ran and d["gosh"].reading.startswith("GOSH plot not shown (k = 3)")
    assert not d["permutest"].ran and "no permutation p-value can fall below 0.05" in d["permutest"].reading
    # what leave-one-out and influence change is said in the verdict (issue 9's example, metafor's 32.90)
    assert ("Without Dehghani 2024 (preprint) the estimate falls from 43.1 to 32.9 and the 95% CI still includes "
            "no change.") in res.verdict
    assert "Dehghani 2024 (preprint) is influential by metafor's rules" in res.verdict
    assert res.claim.status == "cannot be assessed" and res.certainty == "very low"


def _rob(sid, tool, level):
    codes = [f"D{i}" for i in range(1, 6 if tool == "RoB 2" else 8)]
    return [{"study_id": sid, "tool": tool, "domain": c, "judgement": level, "support": f"{c}: as reported"} for c in codes]


def _trials(data, randomised):
    studies, outcomes, rob = [], [], []
    for i in range(len(data["m1"])):
        sid = f"T{i + 1}"
        if randomised:
            studies.append(study(sid, f"Trial {i + 1}", randomised="yes", n_enrolled=data["n1"][i] + data["n2"][i]))
            rob += _rob(sid, "RoB 2", "low")
        else:
            studies.append(study(sid, f"Cohort {i + 1}", design="non-randomised controlled", control="untreated control",
                                 randomised="no", n_enrolled=data["n1"][i] + data["n2"][i]))
            rob += _rob(sid, "ROBINS-I", "serious")
        outcomes += [row(sid, "treatment", mean=data["m1"][i], sd=data["sd1"][i], n=data["n1"][i]),
                     row(sid, "control", mean=data["m2"][i], sd=data["sd2"][i], n=data["n2"][i])]
    return studies, outcomes, rob


HEAD = f'''title = "GRADE test"
claim = "The treatment increases the score."
outcome = ["{OUTCOME}"]
measure = "MD"
scores = "final"
'''
GRADE_HIGH = HEAD + '''
[grade]
[grade.indirectness]
population = { level = "no", reason = "the population the question asks about" }
intervention = { level = "no" }
comparator = { level = "no" }
outcome = { level = "no" }
[grade.ois]
delta = 3
sd = 10
'''


def _workbook(tmp_path, studies, outcomes, rob, name):
    from exometa.workbook.writer import build, save_atomic

    path = tmp_path / name
    save_atomic(build(studies, outcomes, risk_of_bias=rob), path)
    wb = read_workbook(path)
    assert not wb.errors, wb.report()
    return wb


def test_grade_high_for_large_consistent_randomised_trials_at_low_risk(tmp_path, ref):
    want = ref["grade"]["high"]
    studies, outcomes, rob = _trials(want["data"], randomised=True)
    res = run_analysis(analysis(tmp_path, GRADE_HIGH), _workbook(tmp_path, studies, outcomes, rob, "high.xlsx"))
    close([e.yi for e in res.effects], want["yi"], "yi")
    for key in ("estimate", "ci_lb", "ci_ub"):
        close(getattr(res.main.result, key), want[key], key)
    g = res.grade
    assert g.start == "high" and res.certainty == "high"
    assert [d.change for d in g.domains] == [0, 0, 0, 0, 0]
    rob_domain = next(d for d in g.domains if d.domain == "risk of bias")
    assert "100% at low" in rob_domain.reason
    imprecision = next(d for d in g.domains if d.domain == "imprecision")
    assert "1,905" not in imprecision.reason and "at least the optimal information size of 350" in imprecision.reason
    assert res.claim.status == "supported" and res.verdict.startswith("Supported (high certainty): the treatment increases")


def test_grade_very_low_for_small_non_randomised_studies_at_serious_risk(tmp_path, ref):
    want = ref["grade"]["very_low"]
    studies, outcomes, rob = _trials(want["data"], randomised=False)
    res = run_analysis(analysis(tmp_path, HEAD), _workbook(tmp_path, studies, outcomes, rob, "low.xlsx"))
    for key in ("estimate", "ci_lb", "ci_ub"):
        close(getattr(res.main.result, key), want[key], key)
    g = res.grade
    down = {d.domain: d.change for d in g.domains if d.change}
    # the CI includes no effect, and the few participants fall short of GRADE's rule-of-thumb OIS of 400 for a
    # continuous outcome (no [grade.ois] declared): very serious imprecision
    assert g.start == "low" and down == {"risk of bias": -1, "imprecision": -2} and res.certainty == "very low"
    assert "fewer than the optimal information size of 400" in next(d for d in g.domains if d.domain == "imprecision").reason
    # the CI includes no effect and the claimed effect: cannot be assessed, never "not supported"
    assert res.claim.status == "cannot be assessed" and "not supported" not in res.verdict


def test_registered_trials_without_results_lower_certainty_and_are_named(tmp_path, ref):
    want = ref["grade"]["high"]
    studies, outcomes, rob = _trials(want["data"], randomised=True)
    studies += [study("R1", "NCT00000001 (registered)", record_type="registered trial", registry_id="NCT00000001",
                      registry_enrolment=600, registry_status="completed", registered_outcomes=f"{OUTCOME}; adverse events"),
                study("R2", "NCT00000002 (registered)", record_type="registered trial", registry_id="NCT00000002",
                      registry_enrolment=80, registry_status="recruiting"),
                study("R3", "NCT00000003 (registered)", record_type="registered trial", registry_id="NCT00000003",
                      registered_outcomes="mortality")]
    wb = _workbook(tmp_path, studies, outcomes, rob, "reg.xlsx")
    res = run_analysis(analysis(tmp_path, GRADE_HIGH), wb)
    # R3 registered another outcome only; R2 is still recruiting (listed, not counted as missing)
    assert [t.study_id for t in res.registered] == ["R1", "R2"] and [t.missing for t in res.registered] == [True, False]
    pb = next(d for d in res.grade.domains if d.domain == "publication bias")
    # 600 planned of 600 + 2,055 pooled = 23% >= 20%: rated down
    assert pb.change == -1 and "planned 600 participants, 29% of the 2055 pooled" in pb.reason
    assert res.certainty == "moderate" and "1 registered trial that would bear on this question has no results (NCT00000001)" in res.verdict
    listed = run_analysis(analysis(tmp_path, GRADE_HIGH.replace("[grade]\n", '[grade]\nregistered_trials = ["R3"]\n', 1)), wb)
    assert [t.study_id for t in listed.registered] == ["R3"]


def test_flags_use_outcome_rows_and_trust_findings_computed_once(tmp_path, first_edition):
    ctx = workbook_context(first_edition)
    assert workbook_context(first_edition) is ctx  # once per workbook
    res = run_analysis(analysis(tmp_path, (FIRST / "02_density_change_all.toml").read_text(), "02.toml"), first_edition)
    # Park 2022's numbers were read from a press report and a review only: H, from its outcome rows
    assert "second_hand" in res.flags["EV01"] and "second_hand" not in ctx.flags["EV04"]
    assert res.trust and all(f.study_id in {e.study_id for e in res.effects} | {s for s, _ in res.no_numbers} for f in res.trust)
    assert "imputed" not in ctx.flags["EV01"]  # the analysis's own marks do not leak into the shared flags


def test_grade_keys_are_strict(tmp_path):
    with pytest.raises(AnalysisFileError) as err:
        analysis(tmp_path, HEAD + '''diagnostics = ["leave1out", "gosh2"]\nbias = ["egger"]\nsort = "size"\n
[grade]\nthreshold = [1, 2, 3]\n[grade.indirectness]\npopulaton = { level = "serious" }\noutcome = { level = "serious" }\n''')
    msg = str(err.value)
    assert "`diagnostics` has 'gosh2', which is not allowed. Did you mean `gosh`?" in msg
    assert "`bias` has 'egger'" in msg and "`sort` has 'size'" in msg
    assert "`grade.threshold` holds one or two numbers" in msg
    assert "`grade.indirectness.populaton` is not a known key" in msg and "Did you mean `population`?" in msg
    assert "`grade.indirectness.outcome` is 'serious' without a reason" in msg
    with pytest.raises(AnalysisFileError, match="Mantel-Haenszel|MH method is not"):
        analysis(tmp_path, 'title = "x"\noutcome = ["other"]\nmeasure = "RR"\ndiagnostics = ["leave1out"]\n')
    spec = analysis(tmp_path, HEAD + 'favours = ["Favours control", "Favours treatment"]\nsort = "year"\n[grade]\nthreshold = 2\n')
    assert spec.favours == ("Favours control", "Favours treatment") and spec.sort == "year" and spec.grade.threshold == (2.0,)


def test_threshold_decides_imprecision_and_contradiction(tmp_path, ref):
    """A CI of -4.38 to 8.55 includes no effect but excludes a declared threshold of 10: the claim of an effect at
    least that large is contradicted, and imprecision is judged against 10 (metafor: rma MD, REML, knha)."""
    want = ref["grade"]["very_low"]
    studies, outcomes, rob = _trials(want["data"], randomised=False)
    res = run_analysis(analysis(tmp_path, HEAD + "[grade]\nthreshold = 10\n"), _workbook(tmp_path, studies, outcomes, rob, "thr.xlsx"))
    assert want["ci_lb"] < 0 < want["ci_ub"] < 10
    close(res.main.result.ci_ub, want["ci_ub"])
    assert res.claim.status == "contradicted" and "the CI excludes an effect as large as the claim implies (10)" in res.verdict
    imprecision = next(d for d in res.grade.domains if d.domain == "imprecision")
    # the CI is decisive about the threshold, but 72 participants fall short of the rule-of-thumb OIS of 400
    assert imprecision.change == -1 and f"CI {want['ci_lb']:.3g} to {want['ci_ub']:.3g} excludes the threshold 10" in imprecision.reason
    assert "72 participants, fewer than the optimal information size of 400" in imprecision.reason


BCG = Path(__file__).parents[2] / "examples" / "bcg"


def test_small_study_methods_on_the_bcg_trials_agree_with_metafor_and_reach_grade(tmp_path, ref):
    """k = 13: asymmetry methods run (metafor's regtest, ranktest, trimfill on rma(yi, vi) of dat.bcg)."""
    from exometa.bias.assess import METHODS
    from exometa.analysis.spec import BIAS_METHODS

    assert set(BIAS_METHODS) == set(METHODS)  # the analysis file offers what exometa.bias runs
    text = (BCG / "analyses" / "02_risk_ratio_random_effects.toml").read_text()
    assert 'bias = ["regtest", "ranktest", "trimfill"]' in text  # the shipped example runs them (k = 13)
    res = run_analysis(analysis(tmp_path, text, "bcg02.toml"), read_workbook(BCG / "studies.xlsx"))
    want = ref["bcg"]["bias"]
    found = {f.method: f for f in res.bias.findings}
    assert all(f.ran for f in found.values())
    close([found["regtest"].result.zval, found["regtest"].result.pval, found["regtest"].result.est],
          [want["regtest_zval"], want["regtest_pval"], want["regtest_est"]], "regtest")
    close([found["ranktest"].result.tau, found["ranktest"].result.pval], [want["ranktest_tau"], want["ranktest_pval"]], "ranktest")
    assert found["trimfill"].result.k0 == want["trimfill_k0"]
    close(found["trimfill"].result.estimate, want["trimfill_estimate"], "trimfill")
    # in words, on the risk-ratio scale the analysis reports (metafor: predict(trimfill(res), transf = exp))
    assert f"the estimate is {math.exp(want['trimfill_estimate']):.2f} (95% CI" in found["trimfill"].words
    pb = next(d for d in res.grade.domains if d.domain == "publication bias")
    assert pb.change == 0 and f"Egger's regression test p = {want['regtest_pval']:.3g} (not below 0.1)" in pb.reason
    assert "Egger's regression test does not detect funnel-plot asymmetry (z = -0.80, p = 0.422)." in res.verdict
    from exometa.report.figures import extra_figures

    assert [x.name for x in extra_figures(res)] == ["bcg02_leave1out", "bcg02_influence", "bcg02_baujat", "bcg02_bias_funnel"]


def test_below_ten_studies_asymmetry_is_not_judged_and_the_report_says_why(tmp_path, first_edition):
    text = (FIRST / "02_density_change_all.toml").read_text().replace(
        'figures = ["forest", "funnel"]', 'figures = ["forest", "funnel"]\nbias = ["regtest", "trimfill", "hc"]')
    res = run_analysis(analysis(tmp_path, text, "02.toml"), first_edition)
    found = {f.method: f for f in res.bias.findings}
    assert not found["regtest"].ran and not found["trimfill"].ran and found["hc"].ran
    assert "With k = 3 studies, funnel-plot asymmetry" in res.bias.text() and "13.3.5.4" in res.bias.text()
    assert "With k = 3, small-study effects cannot be judged" in res.verdict
