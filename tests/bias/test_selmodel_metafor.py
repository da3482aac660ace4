"""selmodel() against metafor 3.8 (tests/reference/bias/make_reference.R), rtol 1e-4.

At a boundary — tau^2 below min(vi/10, 1e-4), or a selection parameter at its bound —
Wald SEs are not compared: metafor 4.2 corrected how such parameters enter the Hessian
and exometa follows the correction (tests/reference/bias/README.md). Point estimates
and likelihoods are compared for every case.
"""

import warnings

import numpy as np
import pytest

from exometa import DataError, selmodel
from exometa.bias.selection import FAMILIES
from tests.bias.reference import RTOL_SELMODEL, as_float, case_id, cases, close, data, fit

SELMODEL = cases("selmodel")
POINT = ("estimate", "tau2", "delta", "ll", "ll0", "lrt", "lrt_pval", "lrt_tau2", "lrt_tau2_pval")
WALD = ("se", "zval", "pval", "ci_lb", "ci_ub", "se_tau2", "tau2_ci_lb", "tau2_ci_ub",
        "se_delta", "zval_delta", "pval_delta", "delta_ci_lb", "delta_ci_ub")  # fmt: skip
#: SEs of the smooth families: metafor's numerical Hessian differentiates a likelihood
#: computed by integrate() (noise ~1e-8), which limits its SEs to a few 1e-4; exometa's are
#: stable to 1e-7 (test_selmodel_ses_do_not_depend_on_the_difference_step)
SMOOTH_SE_RTOL = 3e-4


def _tolerance(field, case, want, boundary):
    """(rtol, atol) per quantity: estimates to 1e-4 of their SE, p-values to 1e-4, CIs as their SE."""
    se_rtol = RTOL_SELMODEL if case["type"] == "stepfun" else SMOOTH_SE_RTOL
    if field == "estimate":
        return RTOL_SELMODEL, 1e-4 * want["se"]
    if field == "delta":
        return RTOL_SELMODEL, 1e-5 if boundary else 1e-6
    if "pval" in field:
        return RTOL_SELMODEL, 1e-4
    if field.startswith("zval"):
        return se_rtol, 1e-4
    if field.startswith("se"):
        return se_rtol, 1e-8
    if field in ("ci_lb", "ci_ub"):
        return RTOL_SELMODEL, 2 * se_rtol * want["se"]
    if field.startswith("tau2_ci"):
        return RTOL_SELMODEL, 2 * se_rtol * np.nan_to_num(as_float(want["se_tau2"])) + 1e-8
    if field.startswith("delta_ci"):
        return RTOL_SELMODEL, 2 * se_rtol * float(np.nanmax(as_float(want["se_delta"]))) + 1e-8
    return RTOL_SELMODEL, 1e-6


def _at_boundary(case, sel) -> bool:
    _, vi, _ = data(case["data"])
    if case["method"] not in ("EE", "FE") and sel.tau2 < min(vi.min() / 10, 1e-4):
        return True
    fam = FAMILIES.get(case["type"])
    lo = np.array(fam.delta_min if fam else [0.0] * len(sel.delta))
    hi = np.array(fam.delta_max if fam else [100.0] * len(sel.delta))
    free = np.ones(len(sel.delta), bool)
    free[0] = case["type"] != "stepfun"
    d = np.array(sel.delta)
    return bool(np.any(free & ((d < lo + 1e-4) | (d > hi - 1e-2))))


def _run(case):
    res = fit(case["data"], case["method"])
    steps = case["steps"] if case["steps"] is not None else (0.025,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return selmodel(res, type=case["type"], steps=steps, alternative=case["alternative"])


@pytest.mark.parametrize("case", SELMODEL, ids=[case_id(c, "data", "method", "type", "steps", "alternative") for c in SELMODEL])
def test_selmodel_matches_metafor(case):
    if "error" in case:  # metafor stops (an interval without studies): exometa says which
        with pytest.raises(DataError, match="no study has a p-value in"):
            _run(case)
        return
    sel = _run(case)
    want = case["result"]
    boundary = _at_boundary(case, sel)
    fields = POINT if boundary else POINT + WALD
    for field in fields:
        rtol, atol = _tolerance(field, case, want, boundary)
        close(getattr(sel, field), want[field], f"{field} of {case['data']} {case['type']}", rtol=rtol, atol=atol)
    assert sel.lrt_df == want["lrt_df"]
    if want["ptable"] is not None:
        assert list(sel.ptable) == want["ptable"]


def test_selmodel_ses_do_not_depend_on_the_difference_step(monkeypatch):
    """The Hessian's central differences (with Richardson extrapolation) are converged."""
    import sys

    selfit = sys.modules["exometa.bias.selfit"]
    res = fit("hackshaw1998", "ML")
    ses = []
    for scale in (0.3, 1.0, 3.0):
        monkeypatch.setattr(selfit, "hessian", lambda fun, x, h, s=scale, f=selfit.hessian: f(fun, x, h * s))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sel = selmodel(res, type="power")
        monkeypatch.undo()
        ses.append([sel.se, sel.se_tau2, *sel.se_delta])
    np.testing.assert_allclose(ses[0], ses[1], rtol=1e-6)
    np.testing.assert_allclose(ses[2], ses[1], rtol=1e-6)
