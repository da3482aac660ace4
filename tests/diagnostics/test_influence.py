"""influence(), rstudent() and rstandard() against metafor 3.8 for every reference case
(with and without moderators, k = 2, 3, fixed tau^2, a refit made impossible by a
moderator level with one study)."""

import numpy as np
import pytest

from exometa import influence, meta_analysis, rstandard, rstudent
from exometa.diagnostics.influence import RULES
from exometa.errors import ExometaError
from tests.conftest import assert_close
from tests.diagnostics.conftest import REF, as_array, fit

CASES = REF["cases"]
IDS = [c["name"] for c in CASES]
MEASURES = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "hat", "weight")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_influence_matches_metafor(case):
    inf = influence(fit(case))
    ref = case["influence"]
    for name in MEASURES:
        assert_close(getattr(inf, name), ref[name], f"{name} of {case['name']}")
    dfb = as_array(ref["dfbetas"]).reshape(inf.dfbetas.shape)
    assert_close(inf.dfbetas, dfb.tolist(), f"dfbetas of {case['name']}")
    assert inf.inf.tolist() == ref["inf"], case["name"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_residuals_match_metafor(case):
    res = fit(case)
    for func, key in ((rstudent, "rstudent"), (rstandard, "rstandard")):
        r = func(res)
        for field in ("resid", "se", "z"):
            assert_close(getattr(r, field), case[key][field], f"{key}.{field} of {case['name']}")


def test_some_reference_case_marks_a_study_influential():
    """The rules are exercised: at least one case has an influential study, and the marked
    studies are exactly those some rule flags."""
    marked = 0
    for case in CASES:
        inf = influence(fit(case))
        assert (inf.inf == inf.rules.any(axis=1)).all()
        marked += inf.inf.sum()
    assert marked > 0


def test_rules_and_thresholds_are_metafors():
    case = next(c for c in CASES if c["name"] == "bcg_REML_z")
    inf = influence(fit(case))
    k, p = 13, 1
    assert inf.thresholds["dffits"] == pytest.approx(3 * np.sqrt(p / (k - p)))
    assert inf.thresholds["hat"] == pytest.approx(3 * p / k)
    assert inf.thresholds["cook_d"] == pytest.approx(0.454936, rel=1e-5)  # qchisq(0.5, 1)
    assert inf.rules.shape == (k, len(RULES))


def test_frame_and_summary():
    reg = next(c for c in CASES if c["name"] == "bcg_ablat_REML_z")
    inf = influence(fit(reg))
    frame = inf.to_frame()
    assert list(frame.columns) == ["study", "rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del",
                                   "hat", "weight", "dfbetas_intrcpt", "dfbetas_mod1", "inf"]
    text = inf.summary()
    assert "Cook's distance" in text and "chi^2(2)" in text
    assert "Studentized deleted" in rstudent(fit(reg)).summary()


def test_k2_and_errors():
    res = meta_analysis([0.2, 0.8], [0.04, 0.09])
    inf = influence(res)
    assert inf.hat.shape == (2,)
    with pytest.warns(Warning):
        one = meta_analysis([0.3], [0.1])
    for func in (influence, rstudent):
        with pytest.raises(ExometaError, match="at least 2 studies"):
            func(one)
