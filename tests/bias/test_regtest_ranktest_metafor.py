"""regtest() and ranktest() against metafor 3.8 (tests/reference/bias/make_reference.R)."""

import pytest

from exometa import ranktest, regtest
from tests.bias.reference import case_id, cases, close, data, fit

REGTEST = cases("regtest")
RANKTEST = cases("ranktest")


@pytest.mark.parametrize("case", REGTEST, ids=[case_id(c, "data", "method", "test", "model", "predictor") for c in REGTEST])
def test_regtest_matches_metafor(case):
    _, _, ni = data(case["data"])
    res = fit(case["data"], case["method"], case["test"])
    needs_n = case["predictor"] in ("ni", "ninv", "sqrtni", "sqrtninv")
    r = regtest(res, model=case["model"], predictor=case["predictor"], ni=ni if needs_n else None)
    for field in ("zval", "pval", "dfs", "est", "ci_lb", "ci_ub", "coef", "coef_se", "tau2"):
        close(getattr(r, field), case["result"][field], f"{field} of {case_id(case, 'data', 'model', 'predictor')}")


@pytest.mark.parametrize("case", RANKTEST, ids=[c["data"] for c in RANKTEST])
def test_ranktest_matches_metafor(case):
    r = ranktest(fit(case["data"], "EE"))
    close(r.tau, case["result"]["tau"], "tau")
    close(r.pval, case["result"]["pval"], "pval")
