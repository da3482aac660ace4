"""`level` holds in every output; units converted or refused; timepoints chosen by the declared rule."""

import math

import pytest
from scipy import stats

from exometa.analysis.spec import AnalysisFileError
from exometa.plots.forest import forest_layout
from exometa.report.build import build_report
from exometa.report.text import result_sentence

from .conftest import check_fit, close, row, run, study, workbook
from .test_outcome_types import HEAD, binary_workbook


# ------------------------------------------------------------------ level = 90 everywhere
def test_level_90_in_every_output(tmp_path, ref):
    studies, rows = binary_workbook(ref)
    res = run(tmp_path, studies, rows, HEAD + 'measure = "RR"\nmethod = "REML"\nlevel = 90\nfigures = ["forest", "funnel"]\n')
    want = ref["binary"]["iv_RR_90"]
    check_fit(res, want, ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "tau2_ci_lb", "tau2_ci_ub", "i2_ci_lb", "i2_ci_ub"))
    z90 = stats.norm.isf(0.05)
    table = res.table()
    e = res.effects[0]
    assert table.ci_lb.iloc[0] == pytest.approx(e.yi - z90 * math.sqrt(e.vi))  # study CIs at 90%
    lay = forest_layout(res)
    assert lay.attrs["headers"]["estimate_text"] == "RR [90% CI]"
    first = lay[lay.kind == "study"].iloc[0]
    assert first.estimate_text == f"{first.x:.2f} [{first.x_lb:.2f}, {first.x_ub:.2f}]"
    assert first.x_lb == pytest.approx(math.exp(e.yi - z90 * math.sqrt(e.vi)))
    assert lay[lay.kind == "pi"].label.iloc[0] == "90% prediction interval"
    assert "90% CIs" in lay[lay.label.str.startswith("Model:")].label.iloc[0]
    sentence = result_sentence(res)
    assert "90% CI" in sentence and "95%" not in sentence
    assert f"{want['tau2_ci_lb']:.4f}" in sentence and "90% prediction interval" in sentence
    assert "90% CI" in res.verdict and "95%" not in res.verdict
    html, md = build_report([res], {}, workbook(tmp_path, studies, rows, "again.xlsx"), tmp_path)
    text = html.read_text()
    assert "90% CI" in text and "95% CI" not in text and "95%" not in md.read_text()
    mh = run(tmp_path, studies, rows, HEAD + 'measure = "RR"\nlevel = 90\n')
    check_fit(mh, ref["binary"]["mh_RR_90"], ("estimate", "ci_lb", "ci_ub"))


# ------------------------------------------------------------------ units
def _thickness(units_and_values):
    studies, rows = [], []
    for i, (unit, pre, post, sd) in enumerate(units_and_values):
        sid = f"U{i + 1}"
        studies.append(study(sid, design="prospective single-arm", control="none"))
        rows += [row(sid, "single group", week=0, mean=pre, unit=unit, n=20),
                 row(sid, "single group", "change from baseline", mean=post - pre, sd=sd, unit=unit, n=20)]
    return studies, rows


def test_mm_and_um_are_converted_to_the_analysis_unit(tmp_path):
    mixed = _thickness([("mm", 0.049, 0.059, 0.004), ("µm", 52.6, 61.4, 5.0), ("um", 60.0, 66.0, 4.0)])
    same = _thickness([("µm", 49.0, 59.0, 4.0), ("µm", 52.6, 61.4, 5.0), ("µm", 60.0, 66.0, 4.0)])
    text = HEAD + 'measure = "MC"\nunit = "µm"\n'
    a, b = run(tmp_path, *mixed, text), run(tmp_path, *same, text)
    close([e.yi for e in a.effects], [e.yi for e in b.effects])
    close([e.vi for e in a.effects], [e.vi for e in b.effects])
    assert "converted from mm to µm (× 1000)" in a.effects[0].derivations and "imputed" in a.flags["U1"]
    assert not a.effects[2].derivations  # 'um' is µm spelled in ASCII: nothing to convert
    assert a.main.result.estimate == pytest.approx(b.main.result.estimate)
    assert "µm" in result_sentence(a)


def test_inconvertible_and_missing_units_are_left_out_with_the_reason(tmp_path):
    studies, rows = _thickness([("µm", 52.6, 61.4, 5.0), ("hairs", 10, 12, 3.0), (None, 60.0, 66.0, 4.0)])
    res = run(tmp_path, studies, rows, HEAD + 'measure = "MC"\nunit = "µm"\n')
    why = {e.study_id: e.reason for e in res.effects}
    assert why["U1"] == "" and "reported in hairs, which cannot be converted to µm" in why["U2"] and "standardised measure" in why["U2"]
    assert "no unit is given" in why["U3"] and res.main.k == 1
    assert "(outcomes sheet, row 4)" in why["U2"]  # its first row in hairs
    # without a declared unit the analysis takes the one most rows report, and says so
    res = run(tmp_path, studies, rows, HEAD + 'measure = "MC"\n')
    assert res.unit == "µm" and res.main.k == 1  # a tie: the unit met first
    # a standardised measure is unit-free: every study is used
    res = run(tmp_path, studies, rows, HEAD + 'measure = "SMCC"\n')
    assert res.main.k == 3


def test_different_quantities_are_never_pooled_as_one_raw_difference(tmp_path):
    from .conftest import analysis

    with pytest.raises(AnalysisFileError, match="different quantities cannot be pooled as one"):
        analysis(tmp_path, 'title = "t"\noutcome = ["hair count", "hair density"]\nmeasure = "MD"\n')
    with pytest.raises(AnalysisFileError, match="different quantities"):
        analysis(tmp_path, 'title = "t"\noutcome = ["hair count", "hair density"]\nmeasure = "MC"\n')
    assert analysis(tmp_path, 'title = "t"\noutcome = ["hair count", "hair density"]\nmeasure = "SMD"\n').measure == "SMD"


# ------------------------------------------------------------------ timepoints
def _timed(treatment_weeks=None):
    studies = [study("T1", design="prospective single-arm", control="none", treatment_weeks=treatment_weeks)]
    rows = [row("T1", "single group", "change from baseline", week=w, mean=m, sd=2.0, n=30) for w, m in ((4, 1.0), (12, 2.0), (26, 3.0))]
    rows.append(row("T1", "single group", "change from baseline", week=None, weeks_after_treatment=8, mean=4.0, sd=2.0, n=30))
    return studies, rows


@pytest.mark.parametrize("rule, expected", [('rule = "window"\nweeks = [10, 20]', 2.0), ('rule = "closest"\ntarget = 6', 1.0),
                                            ('rule = "closest"\ntarget = 22', 3.0)])
def test_timepoint_rules(tmp_path, rule, expected):
    res = run(tmp_path, *_timed(), HEAD + f'measure = "MC"\n[timepoint]\n{rule}\n')
    assert res.effects[0].yi == expected and not res.effects[0].imputed


def test_weeks_after_treatment_are_placed_via_treatment_length_or_refused(tmp_path):
    res = run(tmp_path, *_timed(treatment_weeks=24), HEAD + 'measure = "MC"\n')
    e = res.effects[0]
    assert e.yi == 4.0 and e.weeks == 32  # 24 weeks of treatment + 8 weeks after: the last timepoint
    assert "timepoint placed at week 32 from baseline = 24 weeks of treatment + 8 weeks after its end" in e.derivations
    assert "*" in res.table()["flags"].iloc[0]
    res = run(tmp_path, *_timed(), HEAD + 'measure = "MC"\n')  # no treatment length: cannot order the rows
    assert not res.effects[0].poolable and "treatment_weeks is blank" in res.effects[0].reason
    res = run(tmp_path, *_timed(), HEAD + 'measure = "MC"\n[timepoint]\nrule = "window"\nweeks = [30, 40]\n')
    assert "no timepoint between week 30 and week 40" in res.effects[0].reason


def test_spec_timepoint_keys_are_checked(tmp_path):
    from .conftest import analysis

    with pytest.raises(AnalysisFileError) as err:
        analysis(tmp_path, HEAD + 'measure = "MC"\n[timepoint]\nrule = "window"\ntarget = 3\n')
    assert "`timepoint.weeks` is required" in str(err.value) and "`timepoint.target` applies to rule \"closest\" only" in str(err.value)
