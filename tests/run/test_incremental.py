"""Incremental runs: only what changed is redrawn, and the result is byte-identical to a cold run."""

import shutil

import pytest

from exometa.errors import ExometaError
from exometa.run_command import run_outputs

from .conftest import FIRST, ROOT, leftovers, make_project, snapshot, svg_only


def test_cold_no_change_and_one_edit_runs_give_the_bytes_of_a_cold_run(tmp_path):
    """Every format, two analyses: 02 pools the edited SD, 01 does not."""
    project = make_project(tmp_path / "p", analyses=("01_controlled_verifiable", "02_density_change_all"))
    out = tmp_path / "figures"
    args = (project / "analyses", out)
    cold = run_outputs(project / "studies.xlsx", *args)
    assert sorted(cold.drawn) == ["01_controlled_verifiable_forest", "02_density_change_all_forest",
                                  "02_density_change_all_forest_by_design", "02_density_change_all_funnel"]
    first = snapshot(out)
    assert len(first) == 4 * 3 + 2 + 2 + 4  # figures in 3 formats, 2 study tables, 2 SoF spreadsheets, the report (4 files)

    again = run_outputs(project / "studies.xlsx", *args)
    assert again.drawn == () and again.written == () and again.removed == ()
    assert len(again.skipped) == 4 and snapshot(out) == first

    edited = run_outputs(project / "studies_b.xlsx", *args)
    assert edited.skipped == ("01_controlled_verifiable_forest",)
    assert sorted(edited.drawn) == ["02_density_change_all_forest", "02_density_change_all_forest_by_design",
                                    "02_density_change_all_funnel"]
    assert "01_controlled_verifiable_studies.csv" in edited.unchanged
    cold_b = tmp_path / "cold_b"
    run_outputs(project / "studies_b.xlsx", project / "analyses", cold_b)
    assert snapshot(out) == snapshot(cold_b)  # incremental == cold, byte for byte
    changed = {n for n in first if first[n] != snapshot(out)[n]}
    assert {n.split(".")[0] for n in changed} >= {"02_density_change_all_forest", "report"}
    assert leftovers(out) == []


@pytest.fixture
def fast(monkeypatch):
    svg_only(monkeypatch)


def _run(project, out, **kw):
    return run_outputs(project / "studies.xlsx", project / "analyses", out, jobs=1, **kw)


def test_a_figure_changed_or_deleted_by_hand_is_redrawn(fast, tmp_path):
    project = make_project(tmp_path / "p")
    out = tmp_path / "figures"
    _run(project, out)
    first = snapshot(out)
    (out / "02_density_change_all_funnel.svg").write_text("edited")
    (out / "02_density_change_all_forest.svg").unlink()
    again = _run(project, out)
    assert sorted(again.drawn) == ["02_density_change_all_forest", "02_density_change_all_funnel"]
    assert snapshot(out) == first


def test_full_redraws_everything_and_changes_nothing(fast, tmp_path):
    project = make_project(tmp_path / "p")
    out = tmp_path / "figures"
    _run(project, out)
    first = snapshot(out)
    full = _run(project, out, full=True)
    assert len(full.drawn) == 3 and full.written == () and snapshot(out) == first


def test_a_changed_analysis_file_redraws_its_figures_and_removes_what_it_no_longer_makes(fast, tmp_path):
    project = make_project(tmp_path / "p")
    out = tmp_path / "figures"
    _run(project, out)
    toml = project / "analyses" / "02_density_change_all.toml"
    toml.write_text(toml.read_text().replace('figures = ["forest", "funnel"]', 'figures = ["forest"]'))
    again = _run(project, out)
    assert again.removed == ("02_density_change_all_funnel.svg",)
    assert "02_density_change_all_funnel.svg" not in snapshot(out)


def test_new_software_redraws(fast, tmp_path, monkeypatch):
    import exometa.incremental as inc

    project = make_project(tmp_path / "p")
    out = tmp_path / "figures"
    _run(project, out)
    monkeypatch.setattr(inc, "software", lambda: {"matplotlib": "another version"})
    assert len(_run(project, out).drawn) == 3


def test_running_one_analysis_leaves_the_others(fast, tmp_path):
    project = make_project(tmp_path / "p", analyses=("01_controlled_verifiable", "02_density_change_all"))
    out = tmp_path / "figures"
    _run(project, out)
    before = snapshot(out)
    only = run_outputs(project / "studies_b.xlsx", project / "analyses", out, only=["01_controlled_verifiable"],
                       jobs=1)
    assert only.drawn == () and only.removed == ()
    after = snapshot(out)
    assert {n for n in before if before[n] != after[n]} <= {"report.html", "report.md", "report.docx", "report.json",
                                                         "01_controlled_verifiable_sof.xlsx"}
    # and the report keeps analysis 02's part as the last run wrote it
    assert "## Change in hair density from baseline" in (out / "report.md").read_text(encoding="utf-8")
    assert {n for n in after if n.startswith("02_")} == {n for n in before if n.startswith("02_")}


def test_file_names_keep_every_safe_character(fast, tmp_path):
    """issue 14: `v1.2_all.toml` wrote its figures to `v1.svg`."""
    project = make_project(tmp_path / "p", analyses=())
    for name in ("v1.2_all", "v1.3_all"):
        shutil.copy(FIRST / "02_density_change_all.toml", project / "analyses" / f"{name}.toml")
    out = tmp_path / "figures"
    res = run_outputs(project / "studies.xlsx", project / "analyses", out, only=["v1.2_all.toml"], jobs=1)
    # no earlier report holds v1.3_all, so it is run as well (the report never drops an analysis)
    assert res.drawn == ("v1.2_all_forest", "v1.2_all_forest_by_design", "v1.2_all_funnel", "v1.3_all_forest",
                         "v1.3_all_forest_by_design", "v1.3_all_funnel")
    run_outputs(project / "studies.xlsx", project / "analyses", out, jobs=1)
    names = set(snapshot(out))
    assert {"v1.2_all_forest.svg", "v1.3_all_forest.svg", "v1.2_all_studies.csv", "v1.3_all_studies.csv"} <= names
    assert not any(n.startswith("v1.svg") or n == "v1_forest.svg" for n in names)


def test_two_analyses_that_would_write_one_file_are_refused(fast, tmp_path):
    project = make_project(tmp_path / "p", analyses=())
    for name in ("Review", "review"):
        shutil.copy(FIRST / "01_controlled_verifiable.toml", project / "analyses" / f"{name}.toml")
    with pytest.raises(ExometaError, match="'Review_forest.svg'.* the same file where case is ignored"):
        run_outputs(project / "studies.xlsx", project / "analyses", tmp_path / "figures", jobs=1)
    assert not (tmp_path / "figures").exists()  # refused before anything was written


def test_a_file_another_analysis_wrote_is_never_overwritten(fast, tmp_path):
    import json

    from exometa.outputs import state_dir_for

    project = make_project(tmp_path / "p")
    out = tmp_path / "figures"
    _run(project, out)
    manifest = state_dir_for(out.resolve()) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["units"]["02_density_change_all_funnel"]["analysis"] = "another_analysis"
    manifest.write_text(json.dumps(data))
    with pytest.raises(ExometaError, match="which analysis 'another_analysis' wrote"):
        _run(project, out)


def _cli_run(project, out, **kw):
    return run_outputs(project / "studies.xlsx", project / "analyses", out, jobs=1, need_results=False, **kw)


def test_a_run_with_nothing_changed_does_nothing_and_says_what_the_last_run_did(fast, tmp_path):
    """issue 13: a no-change re-run should cost about reading and hashing the inputs."""
    project = make_project(tmp_path / "p", analyses=("01_controlled_verifiable", "02_density_change_all"))
    out = tmp_path / "figures"
    cold = _cli_run(project, out)
    assert not cold.up_to_date and len(cold.results) == 2
    first = snapshot(out)
    dates = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = _cli_run(project, out)
    assert again.up_to_date and again.results == [] and again.drawn == () and again.written == ()
    assert again.summaries == cold.summaries and again.summaries[0].startswith("01_controlled_verifiable: k = ")
    assert again.skipped == tuple(cold.drawn) and sorted(again.unchanged) == sorted(first)
    assert snapshot(out) == first and {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == dates
    assert leftovers(out) == []


def test_a_run_is_redone_when_an_input_an_output_or_the_options_change(fast, tmp_path):
    project = make_project(tmp_path / "p")
    out = tmp_path / "figures"
    _cli_run(project, out)
    first = snapshot(out)
    (out / "report.md").write_text("edited by hand")  # an output no longer as written
    redone = _cli_run(project, out)
    assert not redone.up_to_date and redone.written == ("report.md",) and snapshot(out) == first
    assert _cli_run(project, out).up_to_date
    assert not _cli_run(project, out, date="2026-01-31").up_to_date  # another option
    assert not _cli_run(project, out).up_to_date  # and back
    toml = project / "analyses" / "02_density_change_all.toml"
    toml.write_bytes(toml.read_bytes() + b"\n# a comment\n")  # any byte of an analysis file
    assert not _cli_run(project, out).up_to_date
    shutil.copy(project / "studies_b.xlsx", project / "studies.xlsx")  # the workbook
    edited = _cli_run(project, out)
    assert not edited.up_to_date and "02_density_change_all_forest" in edited.drawn
    assert _cli_run(project, out, full=True).drawn  # --full always redraws


def test_a_folder_with_an_analysis_script_is_always_run(fast, tmp_path):
    """A script may read anything: its inputs cannot be proved unchanged."""
    project = make_project(tmp_path / "p")
    (project / "analyses" / "listing.py").write_text(
        "from exometa.analysis.spec import load_spec\n"
        "from exometa.analysis.run import run_analysis\n"
        "from pathlib import Path\n"
        "def analysis(workbook):\n"
        "    spec = load_spec(Path(__file__).parent / '02_density_change_all.toml')\n"
        "    return run_analysis(spec, workbook)\n")
    out = tmp_path / "figures"
    assert len(_cli_run(project, out).results) == 2
    again = _cli_run(project, out)
    assert not again.up_to_date and again.results


def test_the_api_reruns_the_analyses_but_not_the_report_when_nothing_changed(fast, tmp_path):
    project = make_project(tmp_path / "p")
    out = tmp_path / "figures"
    _run(project, out)
    first = snapshot(out)
    said = []
    again = _run(project, out, progress=said.append)
    assert not again.up_to_date and len(again.results) == 1 and again.drawn == ()
    assert "report and tables: unchanged since the last run (not rebuilt)" in said
    assert snapshot(out) == first


def test_a_paged_forest_plot_is_not_redrawn_when_nothing_changed(fast, tmp_path, monkeypatch):
    """Pages beyond the first (NAME_p2.svg...) once made the figure look changed at every run."""
    import exometa.plots.forest_pages as pages

    monkeypatch.setattr(pages, "ROWS_PER_PAGE", 2)
    project = make_project(tmp_path / "p")
    out = tmp_path / "figures"
    cold = _run(project, out)
    assert "02_density_change_all_forest_p2.svg" in snapshot(out)
    again = _run(project, out)
    assert again.drawn == () and "02_density_change_all_forest" in again.skipped and again.skipped == cold.drawn


def test_the_pages_of_a_long_forest_plot_shared_among_workers_give_the_bytes_of_one_worker(fast, tmp_path, monkeypatch):
    """A forest plot of many pages is drawn by several workers (groups of pages): same files, same bytes."""
    import exometa.figure_jobs as fj
    import exometa.plots.forest_pages as pages

    monkeypatch.setattr(pages, "ROWS_PER_PAGE", 1)
    project = make_project(tmp_path / "p")
    one = tmp_path / "one"
    _run(project, one)
    jobs = fj.figure_jobs(_run(project, tmp_path / "scratch").results[0])
    forest = next(j for j in jobs if j.name == "02_density_change_all_forest")
    tasks = fj._tasks([forest], 2)
    shared = [n for _, group, _ in tasks for n in group]
    assert len(tasks) > 1 and shared == list(range(1, len(shared) + 1))  # every page once, in order
    two = tmp_path / "two"
    run_outputs(project / "studies.xlsx", project / "analyses", two, jobs=2)
    assert "02_density_change_all_forest_p3.svg" in snapshot(two)
    assert snapshot(two) == snapshot(one)


def test_each_job_says_which_files_it_writes_before_it_is_drawn(fast, tmp_path, monkeypatch):
    """The report is written while the figures are drawn, from the names job_files gives: they are the
    files drawing writes, page by page (NAME, NAME_p2, ...) and format by format."""
    import exometa.figure_jobs as fj
    import exometa.plots.forest_pages as pages

    monkeypatch.setattr(pages, "ROWS_PER_PAGE", 2)
    project = make_project(tmp_path / "p")
    toml = project / "analyses" / "02_density_change_all.toml"  # with figures of kind "extra" too
    toml.write_text(toml.read_text().replace('figures = ["forest", "funnel"]',
                                             'figures = ["forest", "funnel"]\ndiagnostics = ["leave1out"]'))
    jobs = fj.figure_jobs(_run(project, tmp_path / "scratch").results[0])
    assert "extra" in {j.kind for j in jobs}
    forest = next(j for j in jobs if j.name == "02_density_change_all_forest")
    names = fj.job_files(forest)
    n = len(forest.formats)
    assert names[:n] == [f"02_density_change_all_forest.{f}" for f in forest.formats]
    assert names[n:2 * n] == [f"02_density_change_all_forest_p2.{f}" for f in forest.formats]
    for workers in (1, 2):  # 2: each job goes pickled to a worker, which finds its ExtraFigure again
        drawn = fj.draw_all(jobs, tmp_path / f"w{workers}", workers)
        assert [[p.name for p in paths] for paths in drawn] == [fj.job_files(j) for j in jobs]
    assert snapshot(tmp_path / "w1") == snapshot(tmp_path / "w2")
