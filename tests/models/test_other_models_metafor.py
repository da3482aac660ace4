"""Meta-regression, Mantel-Haenszel, Peto, subgroups and batches against metafor
(tests/reference/metafor_reference.json, made by make_reference.R)."""

import numpy as np
import pandas as pd
import pytest

from exometa import mantel_haenszel, meta_analysis, peto, subgroup_analysis
from tests.conftest import assert_close, load_reference

REF = load_reference()


@pytest.mark.parametrize("case", REF["metareg"], ids=[f"{c['data']}-{c['method']}-{c['test']}" for c in REF["metareg"]])
def test_meta_regression(case):
    mods = pd.DataFrame(case["mods"])
    res = meta_analysis(case["yi"], case["vi"], method=case["method"], test=case["test"], mods=mods)
    for field in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "i2", "h2", "q", "q_pval", "qm", "qm_pval", "r2"):
        assert_close(getattr(res, field), case["result"][field], field)


@pytest.mark.parametrize("case", REF["mh"], ids=[f"{c['data']}-{c['measure']}" for c in REF["mh"]])
def test_mantel_haenszel(case):
    res = mantel_haenszel(case["ai"], case["bi"], case["ci"], case["di"], measure=case["measure"])
    for field, value in case["result"].items():
        assert_close(getattr(res, field), value, field)


@pytest.mark.parametrize("case", REF["peto"], ids=[c["data"] for c in REF["peto"]])
def test_peto(case):
    res = peto(case["ai"], case["bi"], case["ci"], case["di"])
    for field, value in case["result"].items():
        assert_close(getattr(res, field), value, field)


@pytest.mark.parametrize("case", REF["subgroups"], ids=[c["method"] for c in REF["subgroups"]])
def test_subgroups(case):
    res = subgroup_analysis(case["yi"], case["vi"], case["group"], method=case["method"])
    for name, ref in case["groups"].items():
        for field, value in ref.items():
            assert_close(getattr(res.groups[name], field), value, f"{name} {field}")
    assert_close(res.q_between, case["q_between"])
    assert res.q_between_df == case["q_between_df"]
    assert_close(res.q_between_pval, case["q_between_pval"])


def test_leave_one_out_as_one_batch():
    """B = k rows, row i without study i: metafor's leave1out()."""
    ref = REF["leave1out"]
    y, v = np.array(ref["yi"]), np.array(ref["vi"])
    k = y.size
    Y = np.where(np.eye(k, dtype=bool), np.nan, y)
    V = np.where(np.eye(k, dtype=bool), np.nan, v)
    res = meta_analysis(Y, V, method="REML")
    for field in ("estimate", "se", "tau2", "i2", "q"):
        assert_close(getattr(res, field), ref[field], field)


def test_gosh_as_one_batch():
    """All 127 subsets of 7 studies in one call: metafor's gosh()."""
    ref = REF["gosh"]
    y, v = np.array(ref["yi"]), np.array(ref["vi"])
    incl = np.array(ref["incl"], dtype=bool).T  # R writes one list per study
    Y = np.where(incl, y, np.nan)
    V = np.where(incl, v, np.nan)
    res = meta_analysis(Y, V, method="REML")
    # metafor's gosh() reports tau2 = 0 and I2 = 0 for single-study subsets too
    for field in ("estimate", "tau2", "i2", "q"):
        assert_close(getattr(res, field), ref[field], field)
