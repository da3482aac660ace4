"""Bias figures: layouts checked against the results they draw (and metafor's radial
coordinates), then a few rendered-figure checks (text size, no mathtext, determinism)."""

import hashlib
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from exometa import ExometaError, meta_analysis, regtest, trimfill
from exometa.plots.bias import bias_funnel, funnel_layout, radial, radial_layout
from exometa.plots.save import save_figure
from tests.bias.reference import cases, close, data, fit


@pytest.fixture(scope="module")
def bcg():
    return fit("bcg", "EE")


def test_funnel_layout_holds_studies_filled_studies_and_lines(bcg):
    tf, pet, peese = trimfill(bcg), regtest(bcg), regtest(bcg, predictor="vi")
    lay = funnel_layout(bcg, tf, pet, peese)
    studies = lay[lay.element == "study"]
    np.testing.assert_allclose(studies.x, bcg.yi)
    np.testing.assert_allclose(studies.se, np.sqrt(bcg.vi))
    assert not studies.hollow.any()
    filled = lay[lay.element == "filled study"]
    assert len(filled) == tf.k0 == 4 and filled.hollow.all()
    np.testing.assert_allclose(filled.x, tf.yi[tf.fill])
    # mirror images around the trimmed estimate: 2 * centre - yi of the trimmed studies
    egger = lay[lay.element == "Egger line"]
    np.testing.assert_allclose(egger.x, pet.coef[0] + pet.coef[1] * egger.se)
    curve = lay[lay.element == "PEESE curve"]
    np.testing.assert_allclose(curve.x, peese.coef[0] + peese.coef[1] * curve.se**2)
    for name, reg in (("PET", pet), ("PEESE", peese)):
        row = lay[lay.element == name].iloc[0]
        assert (row.x, row.se, row.x_lb, row.x_ub) == (reg.est, 0.0, reg.ci_lb, reg.ci_ub)
    est = lay[lay.element == "estimate filled"]
    assert np.allclose(est.x, tf.estimate)
    funnel = lay[lay.element == "funnel"]
    np.testing.assert_allclose(np.abs(funnel.x - bcg.estimate), 1.959963984540054 * funnel.se)


def test_funnel_layout_without_extras_has_studies_estimate_and_funnel_only(bcg):
    assert set(funnel_layout(bcg).element) == {"study", "estimate", "funnel"}


@pytest.mark.parametrize("case", cases("radial"), ids=lambda c: c["method"])
def test_radial_layout_matches_metafor(case):
    lay = radial_layout(fit(case["data"], case["method"]))
    close(lay.x, case["x"], "x")
    close(lay.y, case["y"], "y")


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_text()]


def test_figures_keep_text_at_least_7pt_and_never_parse_data_as_maths():
    yi, vi, _ = data("egger2001")
    slab = [f"$\\alpha_{i}$ trial" for i in range(len(yi))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = meta_analysis(yi, vi, slab=slab)
    for fig in (bias_funnel(res, trimfill=True, pet=True, peese=True, labels=True, xlabel="Log $OR$"),
                radial(res, labels=True, effect_label="Log $OR$")):
        assert isinstance(fig, Figure)
        texts = _texts(fig)
        assert min(t.get_fontsize() for t in texts) >= 7
        for t in texts:
            if "$" in t.get_text():
                assert not t.get_parse_math(), t.get_text()


def test_result_plot_methods(bcg):
    assert isinstance(trimfill(bcg).plot(pet=True), Figure)
    assert isinstance(regtest(bcg, predictor="vi").plot(), Figure)
    with pytest.raises(ExometaError, match="predictor='sei'"):
        regtest(bcg, predictor="ni", ni=np.arange(13) + 50).plot()


def test_saved_figures_are_deterministic(tmp_path, bcg):
    digests = []
    for run in range(2):
        paths = save_figure(bias_funnel(bcg, trimfill=True, pet=True), tmp_path / f"f{run}", formats=("png", "svg"))
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
    assert digests[0] == digests[1]
