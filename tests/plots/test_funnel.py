"""Funnel plots: the axis names the measure and its scale, pseudo-limits at the analysis's level, study
labels that never overlap (placed, or numbered with a key)."""

import itertools

import numpy as np
import pytest
from scipy import stats

import exometa
import exometa.plots
from exometa.analysis.spec import AnalysisSpec
from exometa.errors import ExometaError
from exometa.plots.from_results import as_analysis
from exometa.plots.funnel import funnel_layout, x_label
from exometa.plots.funnel_draw import place_labels

from .conftest import ROOT, assert_text_reads, close, texts


class _Res:
    def __init__(self, measure, unit="", effect_measure=""):
        self.spec = AnalysisSpec(name="a", title="a", outcome=(), measure=measure, effect_measure=effect_measure)
        self.unit = unit


@pytest.mark.parametrize(("measure", "unit", "em", "want"), [
    ("RR", "", "", "Log risk ratio"), ("OR", "", "", "Log odds ratio"), ("PETO", "", "", "Log odds ratio (Peto)"),
    ("MD", "hairs/cm²", "", "Mean difference (hairs/cm²)"), ("MC", "hairs/cm²", "", "Mean change from baseline (hairs/cm²)"),
    ("SMD", "hairs/cm²", "", "Standardised mean difference (Hedges' g)"), ("PLO", "", "", "Logit-transformed proportion"),
    ("PFT", "", "", "Freeman-Tukey transformed proportion"), ("GEN", "", "HR", "Log hazard ratio"),
])  # fmt: skip
def test_the_axis_names_the_measure_and_its_scale(measure, unit, em, want):
    assert x_label(_Res(measure, unit, em)) == want


def test_layout_holds_the_engines_numbers_and_level_consistent_limits(ref, bcg, bcg_reml):
    res = as_analysis(bcg_reml, measure="RR", level=90)
    lay = funnel_layout(res)
    close(lay.yi, ref["bcg"]["yi"])
    close(lay.se, np.sqrt(ref["bcg"]["vi"]))
    assert lay.label.tolist() == bcg.label.tolist() and lay.number.tolist() == list(range(1, 14))
    assert lay.attrs["crit"] == pytest.approx(stats.norm.isf(0.05)) and lay.attrs["level"] == 90
    close(lay.attrs["estimate"], ref["reml"]["estimate"])
    assert lay.attrs["null"] == 0.0 and lay.attrs["axis"] == "Log risk ratio"


def test_thirteen_labels_are_placed_without_overlap_at_double_width(bcg_reml):
    fig = exometa.plots.funnel(bcg_reml, measure="RR", title="BCG")
    found = assert_text_reads(fig)
    shown = {t.get_text() for t, _ in found}
    assert set(bcg_reml.slab) <= shown  # every study named beside its point
    assert "pooled estimate, pseudo 95% limits" in shown


def test_labels_that_cannot_all_be_placed_become_numbers_with_a_key(bcg_reml):
    fig = exometa.plots.funnel(bcg_reml, measure="RR", width="single")
    found = assert_text_reads(fig)
    shown = " ".join(t.get_text() for t, _ in found)
    assert all(f"{i + 1} {lab}" in shown for i, lab in enumerate(bcg_reml.slab))
    names = exometa.plots.funnel(bcg_reml, measure="RR", width="single", labels="names")
    assert "1 Aronson 1948" not in " ".join(t.get_text() for t, _ in texts(names))
    bare = exometa.plots.funnel(bcg_reml, measure="RR", labels="none")
    assert not set(bcg_reml.slab) & {t.get_text() for t, _ in texts(bare)}
    with pytest.raises(ExometaError, match="`labels` must be one of 'auto', 'names', 'numbers', 'none'; got 'all'"):
        exometa.plots.funnel(bcg_reml, labels="all")


def test_place_labels_never_overlaps():
    rng = np.random.default_rng(5)
    pts = [(float(x), float(y)) for x, y in rng.uniform([0.5, 0.5], [5.0, 3.0], size=(40, 2))]
    boxes = place_labels(pts, [f"Study {i}" for i in range(40)], (0.4, 0.3, 5.5, 3.5))
    placed = [b for b in boxes if b is not None]
    assert len(placed) > 10
    for a, b in itertools.combinations(placed, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_transf_labels_ticks_on_the_ratio_scale(bcg_reml):
    fig = exometa.plots.funnel(bcg_reml, measure="RR", transf=np.exp)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Risk ratio (log scale)"
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "1" in ticks  # the log risk ratio 0 is labelled as the ratio 1


def test_shipped_and_example_funnel_plots_read_well():
    from exometa import read_workbook
    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_specs
    from exometa.plots.funnel import funnel_figure

    for book, folder in ((ROOT / "studies.xlsx", ROOT / "analyses"), (ROOT / "examples/bcg/studies.xlsx",
                                                                      ROOT / "examples/bcg/analyses")):
        wb = read_workbook(book)
        for spec in load_specs(folder):
            if "funnel" in spec.figures:
                res = run_analysis(spec, wb)
                for width in ("single", "double"):
                    assert_text_reads(funnel_figure(funnel_layout(res), width=width))


def test_mantel_haenszel_and_subgroup_results_draw(bcg):
    mh = exometa.mantel_haenszel(bcg.tpos, ci=bcg.cpos, n1i=bcg.n1, n2i=bcg.n2, measure="OR")
    assert exometa.plots.funnel(mh, slab=bcg.label).axes[0].get_xlabel() == "Log odds ratio"
    sg = exometa.subgroup_analysis(np.log(np.linspace(0.4, 1.2, 13)), np.full(13, 0.05), bcg.alloc)
    assert len(funnel_layout(as_analysis(sg, groups=bcg.alloc))) == 13
