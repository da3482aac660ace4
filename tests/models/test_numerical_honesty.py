"""A numeric failure is an error, or NaN with a warning -- never a plausible number (issue 14, item 6).

The metafor values for variances of 1e-160 are in tests/reference (data 'bcg_RR_vi_1e-160',
checked by test_pooling_metafor.py); here: scale and location equivariance at extreme
scales, refusals, fixed tau^2 < 0, and pandas inputs paired by label.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from exometa import DataError, effect_sizes, meta_analysis, mantel_haenszel, subgroup_analysis
from exometa.errors import DataWarning, MethodWarning, NumericalError, NumericalWarning
from exometa.models.batch import Batch
from exometa.models.engine import fit_batch

Y = np.array([-0.889, -1.585, -1.348, -1.442, -0.218, -0.786, -1.621, 0.012, -0.469, -1.371, -0.339, 0.446, -0.017])
V = np.array([0.326, 0.195, 0.415, 0.020, 0.052, 0.007, 0.223, 0.004, 0.056, 0.073, 0.012, 0.533, 0.071])


@pytest.mark.parametrize("method", ["DL", "REML", "PM", "ML", "SJ", "HE"])
@pytest.mark.parametrize("c", [1e-80, 1e-40, 1e40, 1e80])
def test_rescaling_the_data_rescales_the_answer(method, c):
    """y -> c y, v -> c^2 v must give c * estimate, c^2 * tau^2 and the same Q, I^2, p (no overflow)."""
    ref = meta_analysis(Y, V, method=method)
    res = meta_analysis(c * Y, c * c * V, method=method)
    for name, power in (("estimate", 1), ("se", 1), ("ci_lb", 1), ("tau2", 2), ("tau2_ci_lb", 2), ("tau2_ci_ub", 2)):
        assert getattr(res, name) == pytest.approx(c**power * getattr(ref, name), rel=1e-9, abs=1e-300), name
    for name in ("q", "i2", "h2", "pval", "zval"):
        assert getattr(res, name) == pytest.approx(getattr(ref, name), rel=1e-9), name


@pytest.mark.parametrize("method", ["DL", "REML", "PM"])
def test_shifting_the_data_shifts_the_estimate(method):
    shift = 1e8  # doubles still hold the deviations to ~1e-8
    ref = meta_analysis(Y, V, method=method)
    res = meta_analysis(Y + shift, V, method=method)
    assert res.estimate - shift == pytest.approx(ref.estimate, abs=1e-6)
    assert res.tau2 == pytest.approx(ref.tau2, rel=1e-6)
    assert res.q == pytest.approx(ref.q, rel=1e-6)


def test_values_too_far_apart_are_refused_not_guessed():
    with pytest.raises(NumericalError, match="too far apart.*Rescale"):
        meta_analysis([1e155, -1e155, 0.0], [1.0, 1.0, 1.0])
    with pytest.raises(NumericalError):
        meta_analysis([1.0, 2.0, 3.0], [1e-300, 1e-300, 1e-300])
    # in a batch the row becomes NaN, with a warning naming it
    y = np.array([[1e155, -1e155, 0.0], [0.1, 0.4, 0.2]])
    with pytest.warns(NumericalWarning, match=r"Rows \[0\]"):
        out = fit_batch(Batch.of(y, np.ones_like(y)), "REML")
    assert np.isnan(out["tau2"][0]) and np.isnan(out["beta"][0, 0]) and np.isnan(out["q"][0])
    assert np.isfinite(out["beta"][1, 0])


def test_large_but_close_values_are_fine():
    res = meta_analysis(1e12 + Y, V)
    assert res.estimate == pytest.approx(1e12 + meta_analysis(Y, V).estimate, rel=1e-15)


@pytest.mark.parametrize("tau2", [-1.0, -1e-12, np.nan, np.inf])
def test_fixed_tau2_must_be_a_variance(tau2):
    with pytest.raises(DataError, match="`tau2` fixes the between-study variance.*>= 0"):
        meta_analysis(Y, V, tau2=tau2)


def test_fixed_tau2_zero_is_allowed():
    assert meta_analysis(Y, V, tau2=0.0).estimate == pytest.approx(meta_analysis(Y, V, method="EE").estimate)


def test_pandas_inputs_are_paired_by_label():
    labels = [f"s{i}" for i in range(Y.size)]
    yi = pd.Series(Y, index=labels)
    vi = pd.Series(V, index=labels)
    shuffled = vi.sample(frac=1.0, random_state=3)
    assert list(shuffled.index) != labels
    ref = meta_analysis(yi, vi)
    res = meta_analysis(yi, shuffled)
    assert res.estimate == ref.estimate and res.tau2 == ref.tau2
    assert res.slab == tuple(labels)
    with pytest.raises(DataError, match="`vi` has labels.*only in `yi`: 's0'.*only in `vi`: 'x'"):
        meta_analysis(yi, vi.rename(index={"s0": "x"}))


def test_pandas_moderators_and_groups_are_paired_by_label():
    labels = [f"s{i}" for i in range(Y.size)]
    yi, vi = pd.Series(Y, index=labels), pd.Series(V, index=labels)
    mods = pd.DataFrame({"x": np.arange(Y.size, dtype=float)}, index=labels)
    ref = meta_analysis(yi, vi, mods=mods)
    res = meta_analysis(yi, vi, mods=mods.iloc[::-1])
    np.testing.assert_allclose(res.estimate, ref.estimate)
    groups = pd.Series(["a"] * 6 + ["b"] * 7, index=labels)
    sg_ref = subgroup_analysis(yi, vi, groups)
    sg = subgroup_analysis(yi, vi, groups.iloc[::-1])
    assert sg.q_between == pytest.approx(sg_ref.q_between)


def test_effect_sizes_and_counts_as_series_are_paired_by_label():
    ai = pd.Series([4, 6, 3], index=["a", "b", "c"])
    n1 = pd.Series([123, 306, 231], index=["a", "b", "c"])
    ci = pd.Series([11, 29, 11], index=["a", "b", "c"])
    n2 = pd.Series([139, 303, 220], index=["a", "b", "c"])
    ref = effect_sizes("RR", ai=ai, n1i=n1, ci=ci, n2i=n2)
    res = effect_sizes("RR", ai=ai, n1i=n1.iloc[::-1], ci=ci, n2i=n2.iloc[[1, 2, 0]])
    np.testing.assert_allclose(res.yi, ref.yi)
    assert list(res.index) == ["a", "b", "c"]
    mh = mantel_haenszel(ai, ci=ci, n1i=n1.iloc[::-1], n2i=n2, measure="RR")
    assert mh.estimate == pytest.approx(mantel_haenszel(ai, ci=ci, n1i=n1, n2i=n2, measure="RR").estimate)


def test_common_effect_with_knha_warns_as_metafor():
    with pytest.warns(MethodWarning, match="Knapp-Hartung"):
        meta_analysis(Y, V, method="EE", test="knha")


def test_peto_without_correction_warns_about_infinite_values():
    """metafor: "Some 'yi' and/or 'vi' values equal to +-Inf. Recoded to NAs." """
    with pytest.warns(DataWarning, match="row 1 gave an infinite"):
        es = effect_sizes("PETO", ai=[0, 3], ci=[0, 1], n1i=[10, 10], n2i=[10, 10], add=0)
    assert np.isnan(es.yi[0]) and np.isnan(es.vi[0])
    assert es.yi[1] == pytest.approx(1.1875) and es.vi[1] == pytest.approx(1.1875)  # metafor's escalc


def test_no_warning_in_ordinary_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        meta_analysis(Y, V)
        meta_analysis(np.vstack([Y, Y]), np.vstack([V, V]), method="PM")
