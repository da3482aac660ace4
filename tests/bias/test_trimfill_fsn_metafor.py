"""trimfill() and fsn() against metafor 3.8 (tests/reference/bias/make_reference.R)."""

import numpy as np
import pytest

from exometa import DataError, fsn, trimfill
from tests.bias.reference import case_id, cases, close, data, fit

TRIMFILL = cases("trimfill")
FSN = cases("fsn")
TF_FIELDS = ("k0", "se_k0", "p_k0", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "yi", "vi")


def _side(case):
    return None if case["side_arg"] is None else case["side_arg"]


@pytest.mark.parametrize("case", TRIMFILL, ids=[case_id(c, "data", "method", "test", "estimator", "side_arg") for c in TRIMFILL])
def test_trimfill_matches_metafor(case):
    res = fit(case["data"], case["method"], case["test"])
    if "error" in case:  # metafor stops; exometa says why
        with pytest.raises(DataError, match="undefined"):
            trimfill(res, side=_side(case), estimator=case["estimator"])
        return
    tf = trimfill(res, side=_side(case), estimator=case["estimator"])
    want = case["result"]
    assert tf.side == want["side"]
    for field in TF_FIELDS:
        close(getattr(tf, field), want[field], f"{field} of {case_id(case, 'data', 'method', 'estimator')}")
    np.testing.assert_array_equal(tf.fill, want["fill"])


@pytest.mark.parametrize("case", FSN, ids=[f"{c['data']}-{c['type']}-{c['args']}" for c in FSN])
def test_fsn_matches_metafor(case):
    yi, vi, _ = data(case["data"])
    args = case["args"] if isinstance(case["args"], dict) else {}
    r = fsn(yi, vi, type=case["type"], **args)
    for field in ("fsnum", "alpha", "pval", "meanes", "target"):
        close(getattr(r, field), case["result"][field], f"{field} of {case['data']} {case['type']} {args}")
