"""Figures of the diagnostics: tested through their layout tables, plus rendered checks
(a Figure, text >= 7 pt, no mathtext from data, byte-identical files on repeat)."""

import hashlib

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from exometa import baujat, cumul, gosh, influence, leave1out, meta_analysis
from exometa.diagnostics.example_data import bcg
from exometa.errors import ExometaError
from exometa.plots import diagnostics as dplots
from exometa.plots.regplot import regplot, regplot_layout
from exometa.plots.save import save_figure
from tests.diagnostics.conftest import REF, fit


@pytest.fixture(scope="module")
def bcg_res():
    d = bcg()
    return meta_analysis(d.yi, d.vi, slab=d.slab), d


@pytest.fixture(scope="module")
def bcg_reg():
    return fit(next(c for c in REF["cases"] if c["name"] == "bcg_ablat_REML_z"))


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_text()]


def _check_rendered(fig):
    assert isinstance(fig, Figure)
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    for t in _texts(fig):
        assert t.get_fontsize() >= 7, (t.get_text(), t.get_fontsize())


def test_leave1out_layout_is_the_result(bcg_res):
    res, _ = bcg_res
    l1o = leave1out(res)
    lay = dplots.series_forest_layout(l1o, transf=np.exp)
    assert list(lay.kind) == ["refit"] * 13 + ["all"]
    np.testing.assert_allclose(lay.estimate[:13], np.exp(l1o.estimate))
    np.testing.assert_allclose(lay.ci_lb[:13], np.exp(l1o.ci_lb))
    assert lay.label.iloc[3] == "Hart & Sutherland, 1977" and lay.label.iloc[-1] == "All studies (k = 13)"
    assert lay.estimate.iloc[-1] == pytest.approx(np.exp(res.estimate))
    assert lay.text.iloc[-1] == "0.49 [0.34, 0.70]"  # metafor: 0.4894 [0.3441, 0.6962]


def test_cumul_layout_follows_the_order(bcg_res):
    res, d = bcg_res
    c = cumul(res, order=d.year)
    lay = dplots.series_forest_layout(c)
    assert lay.label.iloc[0] == "Aronson, 1948" and list(lay.k[:13]) == list(range(1, 14))
    assert lay.estimate.iloc[12] == pytest.approx(lay.estimate.iloc[13])  # the last step is all studies


def test_regression_series_layout_reads_a_coefficient(bcg_reg):
    lay = dplots.series_forest_layout(leave1out(bcg_reg))
    np.testing.assert_allclose(lay.estimate[:13], leave1out(bcg_reg).estimate[:, 1])


def test_baujat_layout_labels_the_outlying_studies(bcg_res):
    res, _ = bcg_res
    lay = dplots.baujat_layout(baujat(res))
    assert lay.labelled.sum() == 5
    assert set(lay.label[lay.labelled]) >= {"Hart & Sutherland, 1977", "TPT Madras, 1980"}


def test_gosh_layout_panels_for_the_driving_study(bcg_res):
    res, _ = bcg_res
    g = gosh(res)
    lay = dplots.gosh_layout(g)
    drivers = list(g.study_effects().query("driver").study)
    assert list(dict.fromkeys(lay.panel)) == ["All subsets"] + drivers
    assert (lay.panel == "All subsets").sum() == np.isfinite(g.i2).sum() == 8191
    panel = lay[lay.panel == drivers[0]]
    j = g.slab.index(drivers[0])
    assert (panel.group == "with").sum() == g.incl[:, j].sum()
    small = dplots.gosh_layout(g, max_points=1000)
    assert (small.panel == "All subsets").sum() == 1000


def test_influence_layout_has_every_measure_and_cutoffs(bcg_reg):
    infl = influence(bcg_reg)
    lay = dplots.influence_layout(infl)
    assert lay.measure.nunique() == 8 + 2 and len(lay) == 10 * 13
    cook = lay[lay.measure == "cook_d"]
    assert cook.lines.iloc[0] == (pytest.approx(infl.thresholds["cook_d"]),)
    np.testing.assert_allclose(cook.value, infl.cook_d)


def test_regplot_layout(bcg_reg):
    points, line = regplot_layout(bcg_reg, transf=np.exp)
    assert len(points) == 13 and points["size"].between(12, 120).all()
    assert points.weight.sum() == pytest.approx(100)
    # the line is metafor's predict() over the moderator's range
    assert line.x.iloc[0] == pytest.approx(points.x.min()) and line.x.iloc[-1] == pytest.approx(points.x.max())
    b = bcg_reg.estimate
    np.testing.assert_allclose(line.pred, np.exp(b[0] + b[1] * line.x))
    with pytest.raises(ExometaError, match="`mod` must be"):
        regplot_layout(bcg_reg, mod="latitude")
    with pytest.raises(ExometaError, match="no moderators"):
        regplot_layout(meta_analysis([0.1, 0.2, 0.4], [0.01, 0.02, 0.03]))


def test_every_figure_renders_at_print_size_and_is_deterministic(bcg_res, bcg_reg, tmp_path):
    res, d = bcg_res
    figures = {
        "l1o": leave1out(res).plot(transf=np.exp),
        "cumul": cumul(res, order=d.year).plot(),
        "baujat": baujat(res).plot(),
        "gosh": gosh(res).plot(),
        "influence": influence(res).plot(),
        "regplot": regplot(bcg_reg, transf=np.exp, label=True),
    }
    for name, fig in figures.items():
        save_figure(fig, tmp_path / "a" / name, formats=("png", "svg"))
        save_figure(fig, tmp_path / "b" / name, formats=("png", "svg"))
        _check_rendered(fig)
        for ext in ("png", "svg"):
            a = hashlib.sha256((tmp_path / "a" / f"{name}.{ext}").read_bytes()).hexdigest()
            b = hashlib.sha256((tmp_path / "b" / f"{name}.{ext}").read_bytes()).hexdigest()
            assert a == b, name
    assert figures["l1o"].get_size_inches()[0] == pytest.approx(17.5 / 2.54)


def test_labels_from_data_are_not_mathematics():
    res = meta_analysis([0.1, 0.5, 0.3, 0.2], [0.02, 0.03, 0.02, 0.01], slab=["$x^2$ 2020", "a_b", "c", "d"])
    for fig in (leave1out(res).plot(), influence(res).plot(), baujat(res).plot()):
        fig.savefig(__import__("io").BytesIO(), format="png")
        shown = [t for t in _texts(fig) if "$x^2$" in t.get_text()]
        assert shown and all(not t.get_parse_math() for t in shown)
