"""leave1out() and cumul() against metafor 3.8 (tests/reference/diagnostics/make_reference.R).

metafor's leave1out() and cumul() refuse models with moderators; for those the reference is
the same refits done by hand in R (rma(..., subset=)), with NA where a refit is impossible."""

import numpy as np
import pytest

from exometa import cumul, leave1out
from exometa.errors import ExometaError
from tests.conftest import assert_close
from tests.diagnostics.conftest import REF, as_array, fit

CASES = REF["cases"]
IDS = [c["name"] for c in CASES]
FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "q", "q_pval", "tau2", "i2", "h2")


def _compare(result, ref, p, name):
    for field in FIELDS:
        expected = as_array(ref[field])
        actual = np.asarray(getattr(result, field), dtype=float)
        if p > 1 and field in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub"):
            expected = expected.reshape(actual.shape)
        assert_close(actual, expected.tolist() if expected.ndim else float(expected), f"{field} of {name}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_leave1out_matches_metafor(case):
    res = fit(case)
    l1o = leave1out(res)
    _compare(l1o, case["leave1out"], case["p"], case["name"])
    assert len(l1o.slab) == len(case["yi"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cumul_matches_metafor(case):
    res = fit(case)
    c = cumul(res, order=as_array(case["order"]))
    assert c.order.tolist() == case["cumul_order"]
    _compare(c, case["cumul"], case["p"], case["name"])
    assert c.k.tolist() == list(range(1, len(case["yi"]) + 1))


def test_leave1out_transf_exponentiates_and_drops_se():
    case = CASES[0]
    plain = leave1out(fit(case))
    ratio = leave1out(fit(case), transf=np.exp)
    np.testing.assert_allclose(ratio.estimate, np.exp(plain.estimate))
    np.testing.assert_allclose(ratio.ci_lb, np.exp(plain.ci_lb))
    assert np.isnan(ratio.se).all() and ratio.transf


def test_frames_have_fixed_columns():
    frame = leave1out(fit(CASES[0])).to_frame()
    assert list(frame.columns) == ["study", "k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub",
                                   "q", "q_pval", "tau2", "i2", "h2"]
    reg = next(c for c in CASES if c["p"] == 3)
    frame = cumul(fit(reg)).to_frame()
    assert list(frame.columns[:4]) == ["study", "position", "coef", "k"] and len(frame) == 3 * len(reg["yi"])


def test_summary_and_html_explain_the_numbers():
    l1o = leave1out(fit(CASES[0]))
    text = l1o.summary()
    assert "Leave-one-out analysis" in text and "I^2" in text and "All 13 studies" in text
    assert "<table" in l1o._repr_html_()


def test_bad_arguments_are_named():
    res = fit(CASES[0])
    with pytest.raises(ExometaError, match="`order` must give one value per study"):
        cumul(res, order=[1, 2])
    with pytest.raises(ExometaError, match="missing values"):
        cumul(res, order=[np.nan] + [1.0] * 12)
    with pytest.raises(ExometaError, match="takes a fitted analysis"):
        leave1out([0.1, 0.2])


def test_one_study_cannot_be_left_out():
    from exometa import meta_analysis

    with pytest.warns(Warning):
        res = meta_analysis([0.3], [0.1])
    with pytest.raises(ExometaError, match="at least 2 studies"):
        leave1out(res)


def test_a_meta_regression_keeps_its_data_for_the_diagnostics():
    """``meta_analysis(..., mods=...)`` keeps yi, vi and X, so leave1out works on it directly; a result
    without its data (built by hand) gets a clear error."""
    import dataclasses

    from exometa import meta_analysis

    res = meta_analysis([0.1, 0.3, 0.5, 0.2, 0.4], [0.01, 0.02, 0.04, 0.03, 0.02], mods=[1.0, 2.0, 3.0, 4.0, 6.0])
    np.testing.assert_array_equal(res.X, [[1, 1], [1, 2], [1, 3], [1, 4], [1, 6]])
    assert len(leave1out(res).to_frame()) == 10  # one row per study left out and coefficient
    with pytest.raises(ExometaError, match="does not keep"):
        leave1out(dataclasses.replace(res, yi=None, vi=None, X=None))


def test_batch_results_are_refused():
    from exometa import meta_analysis

    res = meta_analysis(np.array([[0.1, 0.3, 0.5], [0.2, 0.1, 0.4]]), np.full((2, 3), 0.02))
    with pytest.raises(ExometaError, match="not a batch of 2"):
        cumul(res)
