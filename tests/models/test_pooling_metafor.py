"""meta_analysis() against metafor's rma(), confint() and predict() for every
data set x method x test in tests/reference/metafor_reference.json."""

import warnings

import pytest

from exometa import meta_analysis
from tests.conftest import assert_close, load_reference

CASES = load_reference()["rma"]
FIELDS = (
    "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub",
    "tau2", "tau2_ci_lb", "tau2_ci_ub", "i2", "i2_ci_lb", "i2_ci_ub",
    "h2", "h2_ci_lb", "h2_ci_ub", "q", "q_pval", "k",
)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[f"{c['data']}-{c['method']}-{c['test']}" for c in CASES])
def test_matches_metafor(case):
    yi, vi = case["yi"], case["vi"]
    if not isinstance(yi, list):
        yi, vi = [yi], [vi]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = meta_analysis(yi, vi, method=case["method"], test=case["test"])
    for field in FIELDS:
        assert_close(getattr(res, field), case["result"][field], f"{field} of {case['data']}")


def test_every_method_and_test_is_covered():
    seen = {(c["method"], c["test"]) for c in CASES}
    from exometa.models import METHODS, TESTS

    assert {(m, t) for m in METHODS if m != "FE" for t in TESTS} <= seen
