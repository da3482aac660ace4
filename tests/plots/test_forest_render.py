"""Forest plots as drawn: journal widths, text of at least 7 pt that neither overlaps nor leaves
the figure, literal text (never mathematics), the same bytes on every run."""

import dataclasses
import hashlib

import numpy as np
import pytest
from matplotlib.figure import Figure

import exometa
import exometa.plots
from exometa.errors import ExometaError
from exometa.evidence.rob import read_risk_of_bias
from exometa.plots.forest_draw import forest_figures
from exometa.plots.forest_layout import forest_layout
from exometa.plots.save import save_figure
from exometa.plots.style import WIDTHS

from .conftest import ROOT, assert_text_reads, counts, texts

CM = 2.54


@pytest.mark.parametrize("width", ["single", "double", "page"])
def test_every_width_reads_at_print_size(bcg, bcg_reml, width):
    fig = exometa.plots.forest(bcg_reml, measure="RR", width=width, title="BCG vaccine and tuberculosis",
                               flags={bcg.label[2]: {"imputed": "SD borrowed"}}, **counts(bcg))
    assert isinstance(fig, Figure)
    assert fig.get_size_inches()[0] == pytest.approx(WIDTHS[width])
    found = assert_text_reads(fig)
    shown = {t.get_text() for t, _ in found}
    assert "0.41 [0.13, 1.26]" in shown or "[0.13, 1.26]" in shown  # Aronson 1948, as metafor's forest
    assert ("Events" in shown) is (width != "single")  # RevMan's per-arm columns where they fit


@pytest.fixture(scope="module")
def pipeline():
    """Every shipped analysis and the BCG example, run as `exometa run` runs them."""
    from exometa import read_workbook
    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_specs

    out = {}
    for book, folder in ((ROOT / "studies.xlsx", ROOT / "analyses"), (ROOT / "examples/bcg/studies.xlsx",
                                                                      ROOT / "examples/bcg/analyses")):
        wb = read_workbook(book)
        rob = read_risk_of_bias(wb.risk_of_bias, wb.studies)
        for spec in load_specs(folder):
            out[spec.name] = dataclasses.replace(run_analysis(spec, wb), rob=rob)
    return out


@pytest.mark.parametrize("width", ["single", "double"])
def test_shipped_and_example_forest_plots_read_well(pipeline, width):
    for name, res in pipeline.items():
        for by in [None] + [b for b in res.spec.subgroups if not isinstance(res.subgroups.get(b), str)]:
            for fig in forest_figures(forest_layout(res, by=by), width):
                assert_text_reads(fig)


def test_text_from_data_is_never_mathematics(bcg_reml):
    fig = exometa.plots.forest(bcg_reml, slab=[r"$\alpha$ trial", r"$\nosuchmacro$"] + [f"S{i}" for i in range(11)],
                               title=r"$\beta$ title", flags={r"$\alpha$ trial": {"uncontrolled": "x"}})
    shown = {t.get_text(): t for t, _ in texts(fig)}  # mathtext would raise on \nosuchmacro when drawn
    assert r"$\alpha$ trial" in shown and not shown[r"$\alpha$ trial"].get_parse_math()
    assert not shown[r"$\beta$ title"].get_parse_math()


def test_the_same_figure_gives_the_same_bytes(tmp_path, bcg, bcg_reml):
    digests = []
    for run in ("a", "b"):
        fig = exometa.plots.forest(bcg_reml, measure="RR", sort="effect", **counts(bcg))
        paths = save_figure(fig, tmp_path / run / "f", formats=("svg", "png", "pdf"))
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
    assert digests[0] == digests[1]


def test_rob_columns_and_pages_are_drawn(bcg, bcg_reml):
    from .test_forest_rob_pages import _sheet

    labels = bcg.label.tolist()
    sheet = _sheet({lab: ("RoB 2", ["low", "some concerns", "low", "high", "low"]) for lab in labels[:6]})
    fig = exometa.plots.forest(bcg_reml, measure="RR", rob=read_risk_of_bias(sheet), rows_per_page=5, page=2)
    shown = [t.get_text() for t, _ in assert_text_reads(fig)]
    assert "Risk of bias (RoB" in " ".join(shown) and "D5" in shown and "O" in shown
    assert any(s.endswith("(page 2 of 3)") for s in shown) or "(page 2 of 3)" in " ".join(shown)
    assert "Pooled estimate (k = 13)" not in shown  # the pooled rows are on the last page
    last = exometa.plots.forest(bcg_reml, measure="RR", rows_per_page=5, page=3)
    assert "Pooled estimate (k = 13)" in [t.get_text() for t, _ in texts(last)]
    with pytest.raises(ExometaError, match="`page` must be between 1 and 3"):
        exometa.plots.forest(bcg_reml, rows_per_page=5, page=4)


def test_favours_labels_and_model_label_are_drawn(bcg_reml):
    fig = exometa.plots.forest(bcg_reml, measure="RR", favours=("Favours vaccine", "Favours control"), level=90)
    shown = [t.get_text() for t, _ in assert_text_reads(fig)]
    assert "Favours vaccine" in shown and "Favours control" in shown
    assert "IV, Random, 90% CI" in shown and "RR [90% CI]" in shown
    plain = exometa.plots.forest(bcg_reml)  # a measure it is not told: no words about direction
    assert not any("treatment" in s for s in (t.get_text() for t, _ in texts(plain)))


def test_width_must_be_known(bcg_reml):
    with pytest.raises(ExometaError, match="`width` must be one of 'single', 'double', 'page' or inches; got 'a4'"):
        exometa.plots.forest(bcg_reml, width="a4")
    assert exometa.plots.forest(bcg_reml, width=5.0).get_size_inches()[0] == pytest.approx(5.0)


def test_large_reviews_render_quickly_enough(tmp_path):
    """2,000 studies: laid out in 50 pages, and one of them drawn, in seconds (not minutes)."""
    import time

    rng = np.random.default_rng(3)
    res = exometa.meta_analysis(rng.normal(0, 0.3, 2000), rng.uniform(0.01, 0.1, 2000), method="DL")
    start = time.perf_counter()
    figs = exometa.plots.forest(res, measure="SMD", rows_per_page=40, page=50)
    assert isinstance(figs, Figure) and time.perf_counter() - start < 20
