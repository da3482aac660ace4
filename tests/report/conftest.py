"""Helpers for the report tests: run analyses on a workbook, draw their figures, build the report."""

from pathlib import Path

import pytest

from exometa.analysis.run import run_analysis
from exometa.analysis.spec import load_spec
from exometa.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[2]
FIRST = ROOT / "tests" / "analysis" / "data" / "first_edition"
DIAGNOSTICS = 'diagnostics = ["leave1out", "influence", "cumul", "gosh", "baujat", "permutest"]\n'


def draw_figures(res, out) -> list:
    """The (caption, path) pairs of an analysis's figures, drawn into ``out`` in its formats."""
    from exometa.plots.forest import draw_forest, forest_layout
    from exometa.plots.funnel import draw_funnel, funnel_layout
    from exometa.report.figures import draw_extra, extra_figures

    spec, figs = res.spec, []
    if "forest" in spec.figures:
        figs.append(("Forest plot", draw_forest(forest_layout(res), res, out / f"{spec.name}_forest")[0]))
    if "funnel" in spec.figures:
        figs.append(("Contour-enhanced funnel plot", draw_funnel(funnel_layout(res), res, out / f"{spec.name}_funnel")[0]))
    for x in extra_figures(res):
        figs.append((x.caption, draw_extra(x, out, spec.formats)[0]))
    return figs


def analyses_with_diagnostics(folder) -> list:
    """The first edition's analyses 01-03, analysis 02 asking for every diagnostic."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in ("01_controlled_verifiable", "02_density_change_all", "03_percent_change_all"):
        text = 'formats = ["png", "svg"]  # fewer formats than the default: faster\n' + (FIRST / f"{name}.toml").read_text()
        if name.startswith("02"):
            text = text.replace('figures = ["forest", "funnel"]', 'figures = ["forest", "funnel"]\n' + DIAGNOSTICS)
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
        paths.append(folder / f"{name}.toml")
    return paths


@pytest.fixture(scope="session")
def first_report(tmp_path_factory):
    """Results, figures and workbook of the first edition's analyses 01-03 (02 with diagnostics), figures drawn."""
    base = tmp_path_factory.mktemp("first_report")
    wb = read_workbook(FIRST / "studies.xlsx")
    out = base / "figures"
    out.mkdir()
    results, figures = [], {}
    for p in analyses_with_diagnostics(base / "analyses"):
        res = run_analysis(load_spec(p), wb)
        results.append(res)
        figures[res.spec.name] = draw_figures(res, out)
    return results, figures, wb, out
