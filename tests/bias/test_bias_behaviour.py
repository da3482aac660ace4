"""Errors a person can act on, the result objects' common API, and the batch-shaped cores."""

import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from exometa import DataError, ExometaError, fsn, hc, meta_analysis, ranktest, regtest, selmodel, tes, trimfill
from exometa.bias.ranktest import kendall_null, kendall_test
from exometa.bias.regtest import regtest_rows
from exometa.bias.trimfill import trimfill_rows
from tests.bias.reference import data, fit

YI = [0.1, 0.3, 0.5, 0.2, 0.45]
VI = [0.01, 0.02, 0.04, 0.03, 0.05]


@pytest.fixture(scope="module")
def res():
    return meta_analysis(YI, VI)


@pytest.mark.parametrize("call, match", [
    (lambda r: regtest(r, predictor="se"), "`predictor` must be one of 'sei', 'vi'"),
    (lambda r: regtest(r, model="glm"), "`model` must be one of 'rma', 'lm'"),
    (lambda r: regtest(r, predictor="ni"), "needs the sample sizes: pass ni="),
    (lambda r: regtest(r, predictor="ni", ni=[10, 20]), "one sample size per study"),
    (lambda r: regtest(r, predictor="ninv", ni=[10, 20, 0, 5, 8]), r"studies \[3\]"),
    (lambda r: trimfill(r, side="up"), "`side` must be one of 'left', 'right'"),
    (lambda r: trimfill(r, estimator="T0"), "`estimator` must be one of 'L0', 'R0', 'Q0'"),
    (lambda r: selmodel(r, type="cauchy"), "`type` must be one of 'stepfun', 'beta'"),
    (lambda r: selmodel(r, steps=(1.5,)), "`steps` must be p-values between 0 and 1"),
    (lambda r: selmodel(r, steps=(0.001, 0.5)), r"no study has a p-value in 0.5 < p <= 1, so"),
    (lambda r: tes(r, alpha=5), "`alpha` must lie between 0 and 1"),
    (lambda r: tes(r, test="fisher"), "`test` must be one of 'exact', 'chi2', 'binom'"),
])  # fmt: skip
def test_bad_arguments_say_what_to_fix(res, call, match):
    with pytest.raises(ExometaError, match=match):
        call(res)


def test_inputs_must_be_one_pooled_analysis():
    with pytest.raises(ExometaError, match="meta-regression"):
        regtest(meta_analysis(YI, VI, mods=[1, 2, 3, 4, 5]))
    with pytest.raises(ExometaError, match="one meta-analysis; got a batch of 2"):
        ranktest(meta_analysis(np.array([YI, YI]), np.array([VI, VI])))
    with pytest.raises(ExometaError, match="takes a fitted analysis"):
        hc({"yi": YI})
    with pytest.raises(DataError, match="at least 3 studies; this analysis has k = 2"):
        trimfill(meta_analysis(YI[:2], VI[:2]))


def test_equal_standard_errors_cannot_give_an_egger_slope():
    with pytest.raises(DataError, match="same standard error"):
        regtest(meta_analysis(YI, [0.02] * 5))


def test_q0_undefined_is_explained():
    with pytest.raises(DataError, match="Q0 estimator .* undefined .* Use estimator='L0'"):
        trimfill(fit("egger2001", "REML"), estimator="Q0")


def test_fsn_checks_its_inputs():
    with pytest.raises(ExometaError, match="needs the sampling variances `vi`"):
        fsn(YI)
    with pytest.raises(DataError, match=r"missing or non-finite values \(studies \[2\]"):
        fsn([0.1, np.nan], [0.1, 0.1])
    assert fsn(YI, type="Orwin").fsnum == fsn(meta_analysis(YI, VI), type="Orwin").fsnum


def test_selmodel_needs_enough_studies():
    with pytest.raises(DataError, match="3 parameters cannot be estimated from k = 2"):
        selmodel(meta_analysis([0.5, 0.1], [0.01, 0.04]))


def test_results_share_one_api(res):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = [regtest(res), ranktest(res), trimfill(res), fsn(YI, VI), selmodel(fit("hackshaw1998", "ML")),
                   tes(res), hc(res)]  # fmt: skip
    for r in results:
        frame = r.to_frame()
        assert isinstance(frame, pd.DataFrame) and len(frame) == 1
        assert frame.columns.tolist() == [name for name, _ in r.QUANTITIES]
        q = r.quantities()
        assert q.columns.tolist() == ["quantity", "value", "meaning"] and len(q) == len(r.QUANTITIES)
        assert "<table" in r._repr_html_()
        json.dumps(r.to_dict())
        assert repr(r) == r.summary() and len(r.summary().splitlines()) >= 3
        with pytest.raises(AttributeError):
            r.k = 99  # frozen


def test_kendall_null_is_the_distribution_over_all_orderings():
    n = 6
    counts = np.zeros(n * (n - 1) // 2 + 1)
    for perm in itertools.permutations(range(n)):
        concordant = sum(perm[i] < perm[j] for i in range(n) for j in range(i + 1, n))
        counts[concordant] += 1
    np.testing.assert_allclose(kendall_null(n), counts / counts.sum(), rtol=1e-12)
    assert kendall_null(170).sum() == pytest.approx(1.0, rel=1e-12)


def test_kendall_switches_to_normal_above_170_and_with_ties():
    rng = np.random.default_rng(7)
    x = rng.normal(size=171)
    assert kendall_test(x, x + rng.normal(size=171))[2] is False
    assert kendall_test([1, 2, 2, 3], [1, 3, 2, 4])[2] is False
    assert kendall_test([1, 2, 3, 4], [1, 3, 2, 4])[2] is True


def _ragged(rng, B=6, k=14):
    y = rng.normal(0.3, 0.3, (B, k))
    v = rng.uniform(0.01, 0.2, (B, k))
    mask = np.ones((B, k), bool)
    mask[2, 10:] = False  # rows with fewer studies: NaN marks an absent study
    mask[4, 12:] = False
    return np.where(mask, y, np.nan), np.where(mask, v, np.nan), mask


def test_trimfill_rows_equal_one_analysis_at_a_time():
    y, v, mask = _ragged(np.random.default_rng(11))
    out = trimfill_rows(y, v, mask, "REML", "L0")
    for b in range(len(y)):
        one = trimfill(meta_analysis(y[b][mask[b]], v[b][mask[b]]))
        assert out["k0"][b] == one.k0
        assert out["se_k0"][b] == pytest.approx(one.se_k0, rel=1e-10)
        np.testing.assert_allclose(out["fill_yi"][b, : one.k0], one.yi[one.fill], rtol=1e-10)


def test_regtest_rows_equal_one_analysis_at_a_time():
    y, v, mask = _ragged(np.random.default_rng(12))
    for model in ("rma", "lm"):
        out = regtest_rows(y, v, mask, np.sqrt(np.where(mask, v, 1.0)), model, "DL", "knha")
        for b in range(len(y)):
            one = regtest(meta_analysis(y[b][mask[b]], v[b][mask[b]], method="DL", test="knha"), model=model)
            assert out["zval"][b] == pytest.approx(one.zval, rel=1e-9)
            assert out["coef"][b, 0] == pytest.approx(one.est, rel=1e-9)


def test_trimfill_keeps_study_labels_and_marks_filled_studies():
    yi, vi, _ = data("bcg")
    res = meta_analysis(yi, vi, method="EE", slab=[f"trial {i}" for i in range(13)])
    tf = trimfill(res)
    assert tf.slab[:13] == tuple(f"trial {i}" for i in range(13))
    assert tf.slab[13:] == ("Filled 1", "Filled 2", "Filled 3", "Filled 4")
    assert tf.studies().fill.sum() == 4 and tf.filled.k == 17
