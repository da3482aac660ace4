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
from tests.bias.reference import RTOL_SELMODEL, case_id, cases, close, data, fit

SELMODEL = cases("selmodel")
POINT = ("estimate", "tau2", "delta", "ll", "ll0", "lrt", "lrt_pval", "lrt_tau2", "lrt_tau2_pval")
WALD = ("se", "zval", "pval", "ci_lb", "ci_ub", "se_tau2", "tau2_ci_lb", "tau2_ci_ub",
        "se_delta", "zval_delta", "pval_delta", "delta_ci_lb", "delta_ci_ub")  # fmt: skip


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
    for field in POINT:
        atol = 1e-5 if (boundary and field == "delta") else 1e-6
        close(getattr(sel, field), want[field], f"{field} of {case['data']} {case['type']}", rtol=RTOL_SELMODEL, atol=atol)
    assert sel.lrt_df == want["lrt_df"]
    if want["ptable"] is not None:
        assert list(sel.ptable) == want["ptable"]
    if boundary:
        return
    for field in WALD:  # z statistics: an absolute floor of 1e-4 (estimates near 0 make their ratio jumpy)
        atol = 1e-4 if field.startswith("zval") else 1e-6
        close(getattr(sel, field), want[field], f"{field} of {case['data']} {case['type']}", rtol=RTOL_SELMODEL, atol=atol)
