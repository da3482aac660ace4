"""Every outcome type, from a workbook to a pooled result, equal to metafor's (escalc then rma,
rma.mh or rma.peto; values from make_analysis_reference.R)."""

import math

import numpy as np
import pytest

from .conftest import check_fit, close, row, run, study

HEAD = 'title = "t"\noutcome = "other"\n'


# ------------------------------------------------------------------ events/n per arm
def binary_workbook(ref):
    d = ref["binary"]["data"]
    studies = [study(f"B{i + 1}") for i in range(5)]
    rows = []
    for i in range(5):
        rows += [row(f"B{i + 1}", "treatment", events=d["ai"][i], n=d["n1i"][i]),
                 row(f"B{i + 1}", "control", events=d["ci"][i], n=d["n2i"][i])]
    return studies, rows


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_mantel_haenszel_equals_rma_mh(tmp_path, ref, measure):
    studies, rows = binary_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + f'measure = "{measure}"\n')
    assert res.spec.method == "MH" and res.main.k == 5
    check_fit(res, ref["binary"][f"mh_{measure}"])
    close(res.main.result.q, ref["binary"][f"mh_{measure}"]["q"])
    close(res.main.weights, ref["binary"][f"mh_{measure}"]["weights"], "MH weights (weights.rma.mh)")
    close([e.yi for e in res.effects], ref["binary"][f"mh_{measure}_escalc"]["yi"], "study estimates shown")
    assert [e.arm1 for e in res.effects] == [f"{a:g}/{n:g}" for a, n in zip(ref["binary"]["data"]["ai"], ref["binary"]["data"]["n1i"])]
    # no claim in the file: the verdict gives the result and judges nothing (never "contradicted" by default)
    assert res.claim.status == "no claim" and res.verdict.startswith("No claim stated (the analysis file has no `claim`)")
    assert "ontradicted" not in res.verdict and "upported" not in res.verdict


def test_peto_equals_rma_peto(tmp_path, ref):
    studies, rows = binary_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + 'measure = "OR"\nmethod = "PETO"\n')
    check_fit(res, ref["binary"]["peto"])
    close(res.main.weights, ref["binary"]["peto"]["weights"], "Peto weights")
    close([e.yi for e in res.effects], ref["binary"]["peto_escalc"]["yi"])


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_inverse_variance_binary_equals_escalc_then_rma(tmp_path, ref, measure):
    studies, rows = binary_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + f'measure = "{measure}"\nmethod = "REML"\n')
    check_fit(res, ref["binary"][f"iv_{measure}"], ("estimate", "se", "ci_lb", "ci_ub", "tau2", "pi_lb", "pi_ub"))
    close(res.main.weights, ref["binary"][f"iv_{measure}"]["weights"])


# ------------------------------------------------------------------ two arms, final values reported in several ways
def final_workbook(ref):
    d = ref["final"]["data"]
    studies, rows = [study(f"F{i + 1}") for i in range(5)], []
    for i in range(5):
        for arm, s in (("treatment", "1"), ("control", "2")):
            rows.append(row(f"F{i + 1}", arm, mean=d["m" + s][i], sd=d["sd" + s][i], se=d["se" + s][i], ci_lb=d["lb" + s][i],
                            ci_ub=d["ub" + s][i], median=d["med" + s][i], q1=d["q1" + s][i], q3=d["q3" + s][i], n=d["n" + s][i],
                            unit="points"))
    return studies, rows


@pytest.mark.parametrize("measure", ["MD", "SMD", "ROM"])
def test_final_values_with_sd_from_se_ci_and_medians(tmp_path, ref, measure):
    studies, rows = final_workbook(ref)
    text = HEAD + f'measure = "{measure}"\nscores = "final"\n[dispersion]\nconvert_medians = true\n'
    res = run(tmp_path, studies, rows, text)
    want = ref["final"][measure]
    close([e.yi for e in res.effects], want["yi"], "yi")
    close([e.vi for e in res.effects], want["vi"], "vi")
    check_fit(res, want, ("estimate", "se", "ci_lb", "ci_ub", "tau2"))
    how = {e.label: " ".join(e.derivations) for e in res.effects}
    assert how["Trial F1"] == "" and "from the SE" in how["Trial F2"] and "95% CI" in how["Trial F3"]
    assert "Luo et al. 2018" in how["Trial F4"] and "Wan et al. 2014" in how["Trial F4"]
    assert {s for s, fl in res.flags.items() if "imputed" in fl} == {"F2", "F3", "F4"}


def test_medians_are_left_out_unless_the_analysis_converts_them(tmp_path, ref):
    studies, rows = final_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + 'measure = "MD"\nscores = "final"\n')
    f4 = next(e for e in res.effects if e.study_id == "F4")
    assert not f4.poolable and "median" in f4.reason and res.main.k == 4


def change_workbook(ref):
    d = ref["change2"]["data"]
    studies, rows = [study(f"C{i + 1}") for i in range(5)], []
    for i in range(5):
        for arm, s in (("treatment", "1"), ("control", "2")):
            if d["c" + s][i] is not None:
                rows.append(row(f"C{i + 1}", arm, "change from baseline", mean=d["c" + s][i], sd=d["csd" + s][i], n=d["n" + s][i]))
            else:
                rows.append(row(f"C{i + 1}", arm, mean=d["f" + s][i], sd=d["fsd" + s][i], n=d["n" + s][i]))
    return studies, rows


def test_md_mixes_change_and_final_values(tmp_path, ref):
    studies, rows = change_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + 'measure = "MD"\nscores = ["change", "final"]\n')
    want = ref["change2"]["MD_mixed"]
    close([e.yi for e in res.effects], want["yi"])
    check_fit(res, want, ("estimate", "se", "ci_lb", "ci_ub", "tau2"))
    assert [n[-1] for n in (e.notes for e in res.effects)] == ["change scores"] * 3 + ["final values"] * 2


def test_smd_refuses_to_mix_and_pools_one_kind(tmp_path, ref):
    from exometa.analysis.spec import AnalysisFileError

    studies, rows = change_workbook(ref)
    with pytest.raises(AnalysisFileError, match="SMD cannot mix final values and change scores"):
        run(tmp_path, studies, rows, HEAD + 'measure = "SMD"\nscores = ["change", "final"]\n')
    res = run(tmp_path, studies, rows, HEAD + 'measure = "SMD"\nscores = "change"\n')
    check_fit(res, ref["change2"]["SMD_change"], ("estimate", "se", "ci_lb", "ci_ub", "tau2"))
    assert res.main.k == 3 and all(not e.poolable for e in res.effects if e.study_id in ("C4", "C5"))


# ------------------------------------------------------------------ one group before/after
def prepost_workbook(ref, design="prospective single-arm", arm="single group"):
    d = ref["prepost"]["data"]
    studies, rows = [study(f"P{i + 1}", design=design, control="none" if arm == "single group" else "placebo") for i in range(5)], []
    for i in range(5):
        sid = f"P{i + 1}"
        rows.append(row(sid, arm, week=0, mean=d["pre"][i], sd=d["sdpre"][i], n=d["n"][i]))
        if d["post"][i] is not None:
            rows.append(row(sid, arm, mean=d["post"][i], sd=d["sdpost"][i], n=d["n"][i]))
        else:
            rows.append(row(sid, arm, "change from baseline", mean=d["chg"][i], sd=d["sdchg"][i], se=d["sechg"][i], n=d["n"][i]))
    return studies, rows


@pytest.mark.parametrize("measure", ["MC", "SMCC", "SMCR"])
def test_one_group_change_equals_escalc_then_rma(tmp_path, ref, measure):
    studies, rows = prepost_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + f'claim = "The treatment raises the outcome."\nmeasure = "{measure}"\n'
              '[dispersion]\ncorrelation = 0.5\n')
    want = ref["prepost"][measure]
    close([e.yi for e in res.effects], want["yi"], "yi")
    close([e.vi for e in res.effects], want["vi"], "vi")
    check_fit(res, want, ("estimate", "se", "ci_lb", "ci_ub", "tau2"))
    assert all(e.within for e in res.effects) and res.claim.status == "cannot be assessed"
    assert "change over time in treated people" in res.verdict and "cannot show that the treatment caused it" in res.verdict


def test_treated_arm_change_from_a_trial_counts_as_uncontrolled(tmp_path, ref):
    studies, rows = prepost_workbook(ref, design="RCT, parallel", arm="treatment")
    res = run(tmp_path, studies, rows, HEAD + 'claim = "The treatment raises the outcome."\nmeasure = "MC"\narms = ["treatment"]\n')
    check_fit(res, ref["prepost"]["MC"])
    assert all("uncontrolled" in fl and "control arm" in fl["uncontrolled"] for fl in res.flags.values())
    assert res.grade.start == "very low" and res.certainty == "very low" and res.claim.status == "cannot be assessed"
    assert "change over time in treated people" in res.verdict
    from exometa.plots.forest import forest_layout

    lay = forest_layout(res)
    assert set(lay[lay.kind == "study"].marker) == {"uncontrolled"}
    assert (res.table()["flags"].str.startswith("U")).all()


# ------------------------------------------------------------------ single-arm proportions
@pytest.mark.parametrize("measure", ["PR", "PLO", "PFT"])
def test_proportions_back_transformed(tmp_path, ref, measure):
    d = ref["proportions"]["data"]
    studies = [study(f"R{i + 1}", design="prospective single-arm", control="none") for i in range(6)]
    rows = [row(f"R{i + 1}", "single group", events=d["xi"][i], n=d["ni"][i]) for i in range(6)]
    res = run(tmp_path, studies, rows, HEAD + f'measure = "{measure}"\ntest = "z"\n')
    want = ref["proportions"][measure]
    check_fit(res, want, ("estimate", "se", "ci_lb", "ci_ub", "tau2"))
    r = res.main.result
    close([res.back(r.estimate), res.back(r.ci_lb), res.back(r.ci_ub)], [want["back"], want["back_ci_lb"], want["back_ci_ub"]])


# ------------------------------------------------------------------ generic inverse variance
def test_hazard_ratios_with_ci_or_p(tmp_path, ref):
    d = ref["generic"]["data"]
    studies = [study(f"G{i + 1}") for i in range(5)]
    rows = [row(f"G{i + 1}", "treatment vs control", "effect estimate", effect_measure="HR", mean=d["hr"][i],
                ci_lb=d["lb"][i], ci_ub=d["ub"][i], p_value=d["p"][i], p_relation="exact" if d["p"][i] else None) for i in range(5)]
    text = HEAD + 'measure = "GEN"\neffect_measure = "HR"\n'
    res = run(tmp_path, studies, rows, text)
    assert res.main.k == 4 and "from_p" in res.effects[4].reason
    res = run(tmp_path, studies, rows, text + '[dispersion]\nmissing_sd = ["from_p"]\n')
    want = ref["generic"]["HR"]
    close([e.yi for e in res.effects], want["yi"])
    close([e.vi for e in res.effects], want["vi"])
    check_fit(res, want, ("estimate", "se", "ci_lb", "ci_ub", "tau2"))
    assert res.table().effect.iloc[0] == pytest.approx(0.72)


# ------------------------------------------------------------------ multi-arm trials
def multiarm_workbook(ref):
    d = ref["multiarm"]["data"]
    studies = [study(f"M{i + 1}") for i in range(5)]
    rows = []
    for i in range(2):
        for arm, label, g in (("treatment", "low dose", "ta"), ("treatment", "high dose", "tb"), ("control", "vehicle", "c")):
            rows.append(row(f"M{i + 1}", arm, arm_label=label, mean=d[g]["m"][i], sd=d[g]["sd"][i], n=d[g]["n"][i],
                            events=d[g]["ev"][i]))
    o = d["others"]
    for j in range(3):
        rows += [row(f"M{j + 3}", "treatment", mean=o["m1"][j], sd=o["sd1"][j], n=o["n1"][j], events=o["ev1"][j]),
                 row(f"M{j + 3}", "control", mean=o["m2"][j], sd=o["sd2"][j], n=o["n2"][j], events=o["ev2"][j])]
    return studies, rows


@pytest.mark.parametrize("policy", ["combine", "split"])
def test_multi_arm_trials_combined_or_split(tmp_path, ref, policy):
    studies, rows = multiarm_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + f'measure = "MD"\nscores = "final"\nmulti_arm = "{policy}"\n')
    want = ref["multiarm"][f"MD_{policy}"]
    order = [0, 2, 1, 3, 4, 5, 6] if policy == "split" else list(range(5))  # the R script lists arm a of M1, M2, then arm b
    close([e.yi for e in res.effects], np.array(want["yi"])[order])
    close([e.vi for e in res.effects], np.array(want["vi"])[order])
    check_fit(res, want, ("estimate", "se", "ci_lb", "ci_ub", "tau2"))
    res = run(tmp_path, studies, rows, HEAD + f'measure = "RR"\nmulti_arm = "{policy}"\n')
    check_fit(res, ref["multiarm"][f"RR_{policy}"])
    m1 = [e for e in res.effects if e.study_id == "M1"]
    assert len(m1) == (1 if policy == "combine" else 2) and all(e.imputed for e in m1)
    assert "Handbook" in m1[0].derivations[-1]


def test_multi_arm_trial_without_a_policy_is_left_out_with_the_reason(tmp_path, ref):
    studies, rows = multiarm_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + 'measure = "RR"\n')
    m1 = next(e for e in res.effects if e.study_id == "M1")
    assert not m1.poolable and 'multi_arm = "combine" or "split"' in m1.reason and res.main.k == 3
    assert math.isfinite(res.main.result.estimate) and np.isfinite(res.main.weights).all()


def test_effect_estimate_without_its_measure_names_the_row(tmp_path):
    """The reader refuses it (cell and fix); the analysis never sees such a row as data."""
    from exometa.workbook.reader import read_workbook
    from exometa.workbook.writer import build, save_atomic

    studies = [study("G1"), study("G2")]
    rows = [row("G1", "treatment vs control", "effect estimate", effect_measure="HR", mean=0.8, ci_lb=0.6, ci_ub=1.1),
            row("G2", "treatment vs control", "effect estimate", mean=0.7, ci_lb=0.5, ci_ub=0.98)]
    path = tmp_path / "review.xlsx"
    save_atomic(build(studies, rows), path)
    [error] = read_workbook(path).errors
    assert (error.sheet, error.study) == ("outcomes", "Trial G2") and "effect_measure is blank" in error.message
    assert "Say which measure the source reports" in error.fix


def test_result_in_a_notebook_and_in_words(tmp_path, ref):
    studies, rows = binary_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + 'measure = "RR"\n')
    html = res._repr_html_()
    r = res.main.result
    assert html.count("<tr>") >= 7 and "risk ratio; 95% CI" in html and "Certainty (GRADE)" in html
    assert f"{math.exp(r.estimate):.4g}" in html and f"{math.exp(r.ci_lb):.4g} to {math.exp(r.ci_ub):.4g}" in html
    text = res.summary()
    assert res.verdict in text and "Pooled risk ratio" in text and text.count("\n- ") == 5
    assert res.to_frame().equals(res.table()) and len(res.table()) == 5
