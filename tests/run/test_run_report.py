"""`exometa run` with scripts, diagnostics, small-study and risk-of-bias figures, the Word report and
the Summary of Findings spreadsheets in the run's output set; `exometa run NAME` keeps the other
analyses' parts of the report."""

import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from exometa.run_command import REPORT_FILES, run_outputs

from .conftest import ROOT, make_project, snapshot

BCG = ROOT / "examples" / "bcg"
SCRIPT = ROOT / "examples" / "script" / "analyses" / "early_bcg_trials.py"
MORE = ('figures = ["forest", "funnel"]\nformats = ["png", "svg"]\n')  # the example's own bias and diagnostics


def test_report_files_are_the_reports():
    from exometa.report.build import REPORT_FILES as BUILT

    assert REPORT_FILES == BUILT


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The BCG workbook with an analysis file (bias and diagnostics) and the worked example script."""
    base = tmp_path_factory.mktemp("mixed")
    (base / "analyses").mkdir()
    text = (BCG / "analyses" / "02_risk_ratio_random_effects.toml").read_text()
    (base / "analyses" / "bcg_reml.toml").write_text(text.replace('figures = ["forest", "funnel"]\n', MORE))
    shutil.copy(SCRIPT, base / "analyses" / "early_bcg_trials.py")
    out = base / "figures"
    first = run_outputs(BCG / "studies.xlsx", base / "analyses", out, jobs=1)
    return base, out, first


def test_scripts_and_files_run_together_with_every_figure_and_file(mixed):
    base, out, first = mixed
    assert [r.spec.name for r in first.results] == ["bcg_reml", "early_bcg_trials"]
    names = set(snapshot(out))
    for stem in ("bcg_reml_leave1out", "bcg_reml_influence", "bcg_reml_baujat", "bcg_reml_bias_funnel",
                 "early_bcg_trials_forest", "early_bcg_trials_leave1out"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names or {f"{stem}.png", f"{stem}.svg", f"{stem}.pdf"} <= names
    assert {"report.html", "report.md", "report.docx", "report.json", "bcg_reml_sof.xlsx", "early_bcg_trials_sof.xlsx",
            "early_bcg_trials_studies.csv"} <= names
    from markdown_it import MarkdownIt

    md = (out / "report.md").read_text(encoding="utf-8")
    images = [c.attrGet("src") for t in MarkdownIt("commonmark").parse(md) for c in t.children or () if c.type == "image"]
    assert "bcg_reml_bias_funnel.png" in images and all((out / unquote(i)).is_file() for i in images)
    assert "Egger's regression test does not detect funnel-plot asymmetry" in md


def test_nothing_changes_on_a_second_run_and_one_analysis_keeps_the_others(mixed):
    base, out, _ = mixed
    before = snapshot(out)
    again = run_outputs(BCG / "studies.xlsx", base / "analyses", out, jobs=1)
    assert again.drawn == () and again.written == () and snapshot(out) == before
    one = run_outputs(BCG / "studies.xlsx", base / "analyses", out, only=["early_bcg_trials.py"], jobs=1)
    assert [r.spec.name for r in one.results] == ["early_bcg_trials"] and one.written == ()
    assert snapshot(out) == before  # the other analysis's part of the report was kept, word for word


def test_an_analysis_whose_file_is_removed_leaves_the_report(tmp_path):
    project = make_project(tmp_path / "p", analyses=("01_controlled_verifiable", "02_density_change_all"))
    out = tmp_path / "figures"
    run_outputs(project / "studies.xlsx", project / "analyses", out, jobs=1)
    (project / "analyses" / "01_controlled_verifiable.toml").unlink()
    run_outputs(project / "studies.xlsx", project / "analyses", out, only=["02_density_change_all"], jobs=1)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Change in hair density from baseline" in md and "## Controlled, verifiable" not in md


def test_a_damaged_report_json_means_every_analysis_is_run(tmp_path):
    project = make_project(tmp_path / "p", analyses=("01_controlled_verifiable", "02_density_change_all"))
    out = tmp_path / "figures"
    run_outputs(project / "studies.xlsx", project / "analyses", out, jobs=1)
    full = (out / "report.md").read_bytes()
    (out / "report.json").write_text("{not json")
    messages = []
    res = run_outputs(project / "studies.xlsx", project / "analyses", out, only=["02_density_change_all"], jobs=1,
                      progress=messages.append)
    assert [r.spec.name for r in res.results] == ["01_controlled_verifiable", "02_density_change_all"]
    assert any("not in the last report: 01_controlled_verifiable" in m for m in messages)
    assert (out / "report.md").read_bytes() == full and Path(out / "report.json").read_text().startswith("{")


def test_the_run_date_is_printed_only_when_asked_for(tmp_path):
    project = make_project(tmp_path / "p", analyses=("01_controlled_verifiable",))
    run_outputs(project / "studies.xlsx", project / "analyses", tmp_path / "a", jobs=1)
    run_outputs(project / "studies.xlsx", project / "analyses", tmp_path / "b", jobs=1, date="2026-03-01")
    assert "run date" not in (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    assert "run date 2026-03-01" in (tmp_path / "b" / "report.md").read_text(encoding="utf-8")
