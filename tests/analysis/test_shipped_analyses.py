"""The shipped analyses on the shipped workbook: the numbers of the evidence audit (update-2.md, section D)
are what the declared sensitivity analyses give, and each agrees with metafor
(tests/analysis/make_shipped_reference.R -> shipped_reference.json)."""

import json
import math
from pathlib import Path

import pytest

from exometa import read_workbook
from exometa.analysis.run import run_analysis
from exometa.analysis.spec import load_spec

ROOT = Path(__file__).parents[2]
REF = json.loads((Path(__file__).parent / "shipped_reference.json").read_text())


@pytest.fixture(scope="module")
def wb():
    return read_workbook(ROOT / "studies.xlsx")


def run(name, wb):
    return run_analysis(load_spec(ROOT / "analyses" / f"{name}.toml"), wb)


def fit_of(res, name):
    return res.main if name is None else next(s for s in res.sensitivity if s.name == name)


def agrees(fit, want, keys=("estimate", "ci_lb", "ci_ub", "pval")):
    r = fit.result
    assert fit.k == want.get("k", fit.k)
    for key in keys:
        assert getattr(r, key) == pytest.approx(want[key], rel=1e-6, abs=1e-9), key


def rounded(fit, *values):
    r = fit.result
    assert tuple(round(x, 1) for x in (r.estimate, r.ci_lb, r.ci_ub)) == values


def test_density_change_over_time_conservative_sd_rule_and_its_alternatives(wb):
    res = run("change_over_time_density", wb)
    ref = REF["density"]
    agrees(res.main, ref["main"], ("estimate", "ci_lb", "ci_ub", "pval", "i2", "tau2"))
    rounded(res.main, 39.9, -9.8, 89.7)  # update-2 D: "With Dehghani at SD 44.8: 39.9 (-9.8 to 89.7), I² 87%"
    assert round(res.main.result.i2) == 87
    first = fit_of(res, "SD borrowed as the mean reported SD (Wan 2025's 6.5), the first edition's rule")
    agrees(first, ref["borrow_mean"])
    z = fit_of(res, "as the first edition: mean reported SD borrowed, z-test instead of Knapp-Hartung")
    agrees(z, ref["borrow_mean_z"])
    rounded(z, 43.1, 18.5, 67.7)  # D: "with a z-test ... 43.1 (18.5 to 67.7)"
    without = fit_of(res, "without preprints and other unreviewed sources")
    agrees(without, ref["without_preprints"])
    rounded(without, 32.9, -16.8, 82.6)  # D: "without Dehghani: 32.9 (-16.8 to 82.6)"
    # every borrowed, derived or enrolment-based number is said and flagged *
    deh = next(e for e in res.effects if e.study_id == "EV05")
    assert any("the largest SD of change in this analysis (Park 2022's" in d for d in deh.derivations)
    assert any(d.startswith("n = 12, the study's number enrolled") for d in deh.derivations)
    assert all("imputed" in res.flags[sid] for sid in ("EV01", "EV04", "EV05"))
    assert fit_of(res, "without numbers derived by the analysis").k == 0
    # change over time never supports a causal claim
    assert res.claim.status == "cannot be assessed" and "cannot show that the treatment caused it" in res.verdict
    assert "Korean J Dermatol 2019" in dict(res.left_out) and "Oh 2020" in dict(res.left_out)["Korean J Dermatol 2019"]


def test_amini_median_conversion_is_a_flagged_sensitivity_analysis_only(wb):
    res = run("controlled_hair_count", wb)
    assert res.main.k == 0 and res.certainty == "no evidence"
    amini = fit_of(res, "Amini 2025 from its medians, arms assumed 10/10 (fragile: every number derived)")
    agrees(amini, REF["amini"])
    rounded(amini, 8.0, -1.1, 17.1)  # D: "8.0 hairs (95% CI -1.1 to 17.1), p ≈ 0.09"
    assert round(amini.result.pval, 2) == 0.09


def test_thickness_is_converted_to_micrometres(wb):
    res = run("change_over_time_thickness", wb)
    agrees(res.main, REF["thickness"])
    deh = next(e for e in res.effects if e.study_id == "EV05")
    assert deh.yi == pytest.approx(10.0) and any("converted from mm to µm" in d for d in deh.derivations)


def test_adverse_events_proportion(wb):
    res = run("adverse_events", wb)
    r, want = res.main.result, REF["adverse"]
    assert res.back(r.estimate) == pytest.approx(want["pr"], rel=1e-9)
    assert (res.back(r.ci_lb), res.back(r.ci_ub)) == pytest.approx((want["ci_lb"], want["ci_ub"]), rel=1e-6)


def test_alopecia_areata_is_kept_apart(wb):
    aa = run("alopecia_areata", wb)
    assert {e.study_id for e in aa.effects} == {"EV12"}
    assert all("single participant" in e.reason for e in aa.effects)
    dens = run("change_over_time_density", wb)
    assert "EV12" not in {e.study_id for e in dens.effects}


def test_every_seed_claim_names_a_shipped_analysis_or_an_assessment(wb):
    names = {p.stem for p in (ROOT / "analyses").glob("*.toml")}
    seeds = wb.studies[wb.studies.record_type == "seed claim"]
    for rec in seeds.to_dict("records"):
        name, assessment = rec.get("claim_analysis"), rec.get("claim_assessment")
        assert (isinstance(name, str) and name in names) or isinstance(assessment, str), rec["study_id"]


def test_cliffs_delta_read_as_an_smd_is_a_flagged_sensitivity_analysis_only(wb):
    from exometa.analysis.reported import cliffs_delta_to_smd

    res = run("controlled_hair_count_smd", wb)
    assert res.main.k == 0 and res.certainty == "no evidence"
    want = REF["cliff"]
    # D: "Cliff's δ converted to an SMD: 1.56 (0.76 to 2.26)" -- the estimate and each bound transformed
    assert cliffs_delta_to_smd([0.73, 0.41, 0.89]) == pytest.approx([want["d"], want["d_lb"], want["d_ub"]], rel=1e-12)
    assert [round(float(x), 2) for x in cliffs_delta_to_smd([0.73, 0.41, 0.89])] == [1.56, 0.76, 2.26]
    agrees(fit_of(res, "Amini 2025's Cliff's delta read as an SMD (assumes normal arms, which its data are not: fragile)"),
           want)


def test_every_selected_study_keeps_the_flags_computed_for_the_workbook(wb):
    """Each study in an analysis carries the workbook's flags (outcome rows and arithmetic checks included),
    not only those of its studies-sheet row: Wan 2025 (the second study of the density analysis) is I
    because its SD of 6.5 against a change of 35 looks like an SE."""
    from exometa.analysis.context import workbook_context

    ctx = workbook_context(wb)
    res = run("change_over_time_density", wb)
    for e in res.effects:
        assert set(ctx.flags[e.study_id]) <= set(res.flags[e.study_id]), e.label
    assert "inconsistent" in res.flags["EV04"]
