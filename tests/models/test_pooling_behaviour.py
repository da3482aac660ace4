"""Behaviour of meta_analysis() beyond the reference numbers: the batch engine,
edge cases (k = 0, k = 1), bad arguments and bad data."""

import warnings

import numpy as np
import pandas as pd
import pytest

from exometa import ConvergenceError, DataError, ExometaError, SmallSampleWarning, effect_sizes, meta_analysis
from exometa.models.rootfind import solve_decreasing

BCG = pd.read_csv(__import__("pathlib").Path(__file__).parents[2] / "src/exometa/data/dat_bcg.csv")


def bcg():
    es = effect_sizes("RR", BCG, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    return es.yi.to_numpy(), es.vi.to_numpy()


def test_published_bcg_example():
    """Viechtbauer (2010), J Stat Softw 36(3), the rma() fit of the BCG data: estimate -0.7145
    (SE 0.1798, 95% CI -1.0669 to -0.3622), tau^2 0.3132, I^2 92.22%, H^2 12.86, Q(12) 152.2330."""
    res = meta_analysis(*bcg())
    assert round(res.estimate, 4) == -0.7145 and round(res.se, 4) == 0.1798
    assert (round(res.ci_lb, 4), round(res.ci_ub, 4)) == (-1.0669, -0.3622)
    assert round(res.tau2, 4) == 0.3132 and round(res.i2, 2) == 92.22 and round(res.h2, 2) == 12.86
    assert round(res.q, 4) == 152.2330 and res.q_df == 12


def test_batch_rows_equal_separate_fits():
    y, v = bcg()
    rng = np.random.default_rng(7)
    masks = rng.random((20, y.size)) < 0.7
    masks[:, :2] = True  # at least two studies a row
    res = meta_analysis(np.where(masks, y, np.nan), np.where(masks, v, np.nan), method="REML", test="knha")
    for i in range(20):
        one = meta_analysis(y[masks[i]], v[masks[i]], method="REML", test="knha")
        for field in ("estimate", "se", "tau2", "tau2_ci_lb", "tau2_ci_ub", "i2", "q", "pi_lb", "pval"):
            assert getattr(res, field)[i] == pytest.approx(getattr(one, field), rel=1e-9, abs=1e-12), field


def test_batch_row_with_one_study_is_that_study():
    y = np.array([[0.5, np.nan, np.nan], [0.1, 0.4, 0.9]])
    v = np.array([[0.04, np.nan, np.nan], [0.02, 0.03, 0.05]])
    res = meta_analysis(y, v, method="REML", test="t")
    assert res.estimate[0] == 0.5 and res.se[0] == pytest.approx(0.2) and res.tau2[0] == 0.0
    assert res.k.tolist() == [1, 3]
    assert res.q[0] == 0 and res.q_pval[0] == 1 and res.i2[0] == 0 and res.h2[0] == 1
    assert np.isnan(res.ddf[0]) and res.ddf[1] == 2  # k = 1 falls back to the z-test
    assert res.pval[0] == pytest.approx(2 * 0.006209665325776132, rel=1e-9)  # z = 2.5


def test_single_study_warns_like_metafor():
    with pytest.warns(SmallSampleWarning, match="k = 1"):
        res = meta_analysis([0.4], [0.05], test="knha")
    assert res.estimate == 0.4 and res.tau2 == 0 and res.test == "knha" and np.isnan(res.ddf)


def test_results_are_frozen_and_serialisable():
    res = meta_analysis(*bcg())
    with pytest.raises(Exception):
        res.estimate = 0  # type: ignore[misc]
    d = res.to_dict()
    assert d["k"] == 13 and isinstance(d["weights"], list)
    assert abs(sum(d["weights"]) - 100) < 1e-9
    assert list(res.to_frame().columns[:3]) == ["k", "method", "test"]
    assert "I^2 (total heterogeneity / total variability):   92.22%" in res.summary()
    import json

    json.loads(res.to_json())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "reml2"}, "`method` must be one of 'EE', 'FE', 'DL'"),
        ({"test": "hksj"}, "`test` must be one of 'z', 't', 'knha'; got 'hksj'"),
        ({"level": 150}, "`level` must lie between 0 and 100"),
        ({"level": "high"}, "`level` must be a number"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ExometaError, match=message):
        meta_analysis([0.1, 0.2], [0.01, 0.02], **kwargs)


def test_bad_data_names_the_studies():
    with pytest.raises(DataError, match=r"'Lee 2017'.*vi <= 0"):
        meta_analysis([0.1, 0.2, 0.3], [0.01, -0.02, 0.03], slab=["Ersan 2024", "Lee 2017", "Ablon 2025"])
    with pytest.raises(DataError, match=r"missing or non-finite.*'b'"):
        meta_analysis(pd.Series([0.1, np.nan], index=["a", "b"]), [0.01, 0.02])
    with pytest.raises(DataError, match="k = 0"):
        meta_analysis([], [])
    with pytest.raises(DataError, match="same shape"):
        meta_analysis([0.1, 0.2], [0.01])
    with pytest.raises(DataError, match="NaN together"):
        meta_analysis([[0.1, np.nan]], [[0.01, 0.02]])
    with pytest.raises(DataError, match="at least 3 studies"):
        meta_analysis([0.1, 0.2], [0.01, 0.02], mods=[1.0, 2.0])


def test_non_convergence_raises_with_advice():
    from exometa import Control

    with pytest.raises(ConvergenceError, match="did not converge.*method='DL' or 'PM'"):
        meta_analysis(*bcg(), method="REML", control=Control(maxiter=1))


def test_non_convergence_in_a_batch_warns_and_sets_nan():
    from exometa import Control, ConvergenceWarning

    y, v = bcg()
    with pytest.warns(ConvergenceWarning, match="Rows \\[0, 1\\]"):
        res = meta_analysis(np.vstack([y, y]), np.vstack([v, v]), control=Control(maxiter=1))
    assert np.isnan(res.estimate).all()


def test_root_finder_keeps_an_exact_root():
    """Regression: a start exactly on the root once got bisected away (a GOSH subset)."""
    x, ok, _ = solve_decreasing(lambda x, rows: (1.0 - x, x - 1.0), np.array([0.0]), np.array([4.0]), x0=np.array([1.0]))
    assert x[0] == 1.0 and ok[0]


def test_fixed_tau2_and_common_effect():
    y, v = bcg()
    fixed = meta_analysis(y, v, tau2=0.3132432581367934)
    reml = meta_analysis(y, v)
    assert fixed.estimate == pytest.approx(reml.estimate, rel=1e-9)
    assert np.isnan(fixed.tau2_ci_lb)
    ee = meta_analysis(y, v, method="EE")
    assert ee.tau2 == 0 and np.isnan(ee.pi_lb)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        meta_analysis(y, v, method="FE")
