"""exometa run: analyses on a real workbook, forest layouts against the engine, a new study
changing the result, k = 0 and k = 1 answers, determinism, escaping.

The analysis tests use ``data/first_edition``: the first edition of the shipped workbook and its
four analyses, frozen, so that what they check (an SD from a p-value, a borrowed SD, a study
reported as is) does not move when the shipped evidence is corrected. The determinism test runs
the shipped workbook and analyses.
"""

import hashlib
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from exometa import meta_analysis
from exometa.analysis.run import run_analysis
from exometa.analysis.spec import AnalysisFileError, load_spec, load_specs
from exometa.plots.forest import forest_layout
from exometa.run_command import run
from exometa.workbook.reader import read_workbook

ROOT = Path(__file__).parents[2]
FIRST = Path(__file__).parent / "data" / "first_edition"


@pytest.fixture(scope="module")
def wb():
    return read_workbook(FIRST / "studies.xlsx")


def spec(name):
    return load_spec(FIRST / f"{name}.toml")


def test_density_change_pools_what_can_be_pooled(wb):
    res = run_analysis(spec("02_density_change_all"), wb)
    pooled = {e.label: e for e in res.effects if e.poolable}
    assert set(pooled) == {"Park 2022", "Wan 2025", "Dehghani 2024 (preprint)"}
    # Wan reports the change and its SD: used as reported
    assert pooled["Wan 2025"].yi == 35 and pooled["Wan 2025"].vi == pytest.approx(6.5**2 / 16)
    assert not pooled["Wan 2025"].derivations
    # Park: 146.6 - 121, SD from p < 0.001 (paired t, 38 df), flagged imputed
    park = pooled["Park 2022"]
    from scipy import stats

    t = stats.t.isf(0.0005, 38)
    assert park.yi == pytest.approx(25.6) and park.vi == pytest.approx((25.6 / t) ** 2)
    assert "imputed" in res.flags["EV01"]
    # Dehghani: SD borrowed from the studies that report one (Wan's 6.5)
    assert pooled["Dehghani 2024 (preprint)"].vi == pytest.approx(6.5**2 / 12)
    assert "borrowed" in res.flags["EV05"]["imputed"]
    # the fit is the engine's fit on those numbers
    ref = meta_analysis([e.yi for e in pooled.values()], [e.vi for e in pooled.values()], method="REML", test="knha")
    assert res.main.result.estimate == pytest.approx(ref.estimate) and res.main.result.tau2 == pytest.approx(ref.tau2)
    # and the verdict says that nothing here is controlled
    assert "change over time in treated people" in res.verdict and res.certainty == "very low"
    assert res.claim.status == "cannot be assessed" and res.grade.start == "very low"


def test_forest_layout_matches_engine(wb):
    res = run_analysis(spec("02_density_change_all"), wb)
    lay = forest_layout(res)
    studies = lay[lay.kind == "study"]
    r = res.main.result
    np.testing.assert_allclose(studies.w.to_numpy(), r.weights)
    assert studies.weight.tolist() == [f"{w:.1f}%" for w in r.weights]
    diamond = lay[lay.kind == "diamond"].iloc[0]
    assert (diamond.yi, diamond.ci_lb, diamond.ci_ub) == (r.estimate, r.ci_lb, r.ci_ub)
    assert diamond.estimate_text == f"{r.estimate:.2f} [{r.ci_lb:.2f}, {r.ci_ub:.2f}]"
    pi = lay[lay.kind == "pi"].iloc[0]
    assert (pi.ci_lb, pi.ci_ub) == (r.pi_lb, r.pi_ub)
    assert lay[lay.label.str.startswith("Heterogeneity")].label.iloc[0].startswith(f"Heterogeneity: τ² = {r.tau2:.2f}, I² = {r.i2:.0f}%")
    park = studies[studies.label == "Park 2022"].iloc[0]
    assert park["flags"] == "UHC*" and park["marker"] == "uncontrolled" and park["n"] == "39"  # exists, numbers second-hand
    se = math.sqrt(res.effects[0].vi)
    assert park.ci_lb == pytest.approx(25.6 - 1.959963984540054 * se)
    excluded = lay[lay.kind == "excluded"]
    assert "IMCAS Asia 2025 abstract" in excluded.label.tolist()
    assert excluded[excluded.label == "IMCAS Asia 2025 abstract"].note.iloc[0].startswith("reports only percent changes (+20%)")


def test_subgroup_layout(wb):
    res = run_analysis(spec("02_density_change_all"), wb)
    lay = forest_layout(res, by="design")
    sg = res.subgroups["design"]
    subtotals = lay[(lay.kind == "diamond") & lay.label.str.startswith("Subtotal")]
    assert len(subtotals) == len(sg.groups) == 2
    assert lay.label.str.startswith("Test for subgroup differences: Q = " + f"{sg.q_between:.2f}").any()


def test_adding_a_study_row_changes_the_forest_and_the_pooled_result(tmp_path, wb):
    path = tmp_path / "studies.xlsx"
    shutil.copy(FIRST / "studies.xlsx", path)
    book = load_workbook(path)
    s, o = book["studies"], book["outcomes"]
    names = [c.value for c in s[1]]
    new = {"study_id": "NEW1", "label": "New trial 2026", "record_type": "study", "design": "prospective single-arm",
           "control_type": "none", "intervention_type": "exosome/EV", "publication_status": "peer-reviewed article",
           "coi": "not reported", "verification": "verified", "doi": "10.0000/new", "n_enrolled": 40}
    s.append([new.get(n) for n in names])
    onames = [c.value for c in o[1]]  # the file's own column order
    row = {"study_id": "NEW1", "outcome": "hair density", "unit": "hairs/cm²", "timepoint_weeks": 24, "arm": "single group",
           "quantity": "change from baseline", "n": 40, "mean": 10.0, "sd": 8.0, "source_type": "primary: full text",
           "source_url": "https://example.org/new"}
    o.append([row.get(n) for n in onames])
    book.save(path)
    before = run_analysis(spec("02_density_change_all"), wb)
    after = run_analysis(spec("02_density_change_all"), read_workbook(path))
    lay = forest_layout(after)
    assert "New trial 2026" in lay[lay.kind == "study"].label.tolist()
    assert after.main.k == before.main.k + 1
    assert after.main.result.estimate != pytest.approx(before.main.result.estimate)


def test_k0_and_k1_give_answers_not_crashes(wb):
    res = run_analysis(spec("01_controlled_verifiable"), wb)
    assert res.main.k == 0 and res.main.result is None
    # no numbers: the claim cannot be assessed (never "not supported"), and its certainty is not rated
    assert res.verdict.startswith("Cannot be assessed: no study reports the numbers needed to test the claim that exosome")
    assert "not supported" not in res.verdict.lower() and res.claim.certainty == "not rated" and res.certainty == "no evidence"
    reasons = {e.label: e.reason for e in res.effects}
    assert "medians, not means (convert_medians converts them" in reasons["Amini 2025"] and "only percent changes (+28.1%, +7.1%" in reasons["Tak 2020"]
    lay = forest_layout(res)
    assert lay.kind.tolist()[0] == "note"
    dens = run_analysis(spec("02_density_change_all"), wb)
    k1 = next(s for s in dens.sensitivity if s.name == "without imputed numbers")
    assert k1.k == 1 and k1.result.estimate == 35 and "Only one study" in k1.message


def test_bad_analysis_file(tmp_path, wb):
    p = tmp_path / "x.toml"
    p.write_text('title = "t"\noutcome = ["hair size"]\nmeasure = "MC"\n')
    with pytest.raises(AnalysisFileError, match="`outcome` has 'hair size', which is not in this review's list"):
        run_analysis(load_spec(p), wb)  # outcome names belong to the review: checked when the analysis runs
    p.write_text('title = "t"\noutcome = ["hair density"]\nmeasure = "MC"\nmethd = "DL"\n')
    with pytest.raises(AnalysisFileError, match="`methd` is not a known key. Did you mean `method`?"):
        load_spec(p)
    assert [s.name for s in load_specs(FIRST)][:2] == ["01_controlled_verifiable", "02_density_change_all"]


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).iterdir())}


def test_run_is_byte_identical_and_matches_committed_figures(tmp_path):
    run(ROOT / "studies.xlsx", ROOT / "analyses", tmp_path / "a")
    run(ROOT / "studies.xlsx", ROOT / "analyses", tmp_path / "b")
    first = _hashes(tmp_path / "a")
    assert first == _hashes(tmp_path / "b")
    committed = _hashes(ROOT / "figures")
    assert first == committed, "figures/ is stale: run `exometa run` and commit figures/"


def test_workbook_text_is_escaped_in_the_report(tmp_path):
    path = tmp_path / "studies.xlsx"
    shutil.copy(ROOT / "studies.xlsx", path)
    book = load_workbook(path)
    book["studies"]["B3"] = "<script>alert(1)</script> & | pipe"  # Lee 2024's label
    book.save(path)
    run(path, ROOT / "analyses", tmp_path / "fig")
    html = (tmp_path / "fig" / "report.html").read_text()
    md = (tmp_path / "fig" / "report.md").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; | pipe" in html
    assert "<script>" not in md and "\\| pipe" in md


def test_ratio_measures_are_drawn_on_a_log_axis_with_ratio_labels(tmp_path):
    """dat.bcg, log risk ratios: metafor's rma() gives exp(-0.7145) = 0.49 (0.34 to 0.70), PI 0.15 to 1.55."""
    import pandas as pd

    from exometa import effect_sizes
    from exometa.analysis.extract import StudyEffect
    from exometa.analysis.run import AnalysisResult, pool
    from exometa.analysis.spec import AnalysisSpec
    from exometa.plots.forest import forest_plot

    d = pd.read_csv(ROOT / "src/exometa/data/dat_bcg.csv")
    es = effect_sizes("RR", d, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    spec = AnalysisSpec(name="bcg", title="BCG", outcome=(), measure="RR", method="REML", test="z")
    effects = [StudyEffect(a, a, yi=y, vi=v) for a, y, v in zip(d.author, es.yi, es.vi)]
    res = AnalysisResult(spec, effects, {}, [], [], pool("all", effects, spec))
    lay = forest_layout(res)
    diamond = lay[lay.kind == "diamond"].iloc[0]
    assert diamond.estimate_text == "0.49 [0.34, 0.70]"
    assert lay[lay.kind == "pi"].estimate_text.iloc[0] == "[0.15, 1.55]"
    assert lay[lay.label == "Aronson"].estimate_text.iloc[0] == "0.41 [0.13, 1.26]"  # exp of escalc's -0.8893
    paths = forest_plot(es.yi, es.vi, d.author, tmp_path / "bcg", measure="RR", test="z", title="BCG")
    assert [p.suffix for p in paths] == [".svg", ".png", ".pdf"] and all(p.stat().st_size > 1000 for p in paths)
