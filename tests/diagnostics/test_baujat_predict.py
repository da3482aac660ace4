"""baujat() and predict() against metafor 3.8 for every reference case."""

import numpy as np
import pandas as pd
import pytest

from exometa import baujat, predict
from exometa.errors import ExometaError
from tests.conftest import assert_close
from tests.diagnostics.conftest import REF, as_array, fit

CASES = REF["cases"]
IDS = [c["name"] for c in CASES]
REGRESSIONS = [c for c in CASES if c["p"] > 1]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_baujat_matches_metafor(case):
    b = baujat(fit(case))
    assert_close(b.x, case["baujat"]["x"], f"x of {case['name']}")
    assert_close(b.y, case["baujat"]["y"], f"y of {case['name']}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_predict_matches_metafor(case):
    res = fit(case)
    p = predict(res)
    for f in ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        ref = np.atleast_1d(as_array(case["predict"][f]))
        assert_close(getattr(p, f), np.broadcast_to(ref, p.pred.shape).tolist(), f"{f} of {case['name']}")
    e = predict(res, transf=np.exp)
    for f in ("pred", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        ref = np.atleast_1d(as_array(case["predict_exp"][f]))
        assert_close(getattr(e, f), np.broadcast_to(ref, e.pred.shape).tolist(), f"exp {f} of {case['name']}")
    assert np.isnan(e.se).all()


@pytest.mark.parametrize("case", REGRESSIONS, ids=[c["name"] for c in REGRESSIONS])
def test_predict_newmods_matches_metafor(case):
    res = fit(case)
    newmods = np.array([np.atleast_1d(as_array(r)) for r in case["newmods"]])
    p = predict(res, newmods=newmods if newmods.shape[1] > 1 else newmods[:, 0])
    for f in ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        assert_close(getattr(p, f), case["predict_newmods"][f], f"{f} of {case['name']}")
    frame = pd.DataFrame(newmods, columns=list(res.coef_names[1:]))
    assert_close(predict(res, newmods=frame).pred, case["predict_newmods"]["pred"], "named newmods")


def test_predict_bcg_ablat_published_values():
    """metafor: predict(rma(yi, vi, mods = ~ ablat, data = dat.bcg), newmods = c(10, 30, 50), transf = exp)
    gives risk ratios 0.9612, 0.5371, 0.3001 (CI 0.6668-1.3857, 0.4355-0.6623, 0.2144-0.4201).
    Printed with metafor's default convergence (1e-5 on tau^2), so to 1.5e-4 (the tight
    reference cases above agree to 1e-5)."""
    case = next(c for c in CASES if c["name"] == "bcg_ablat_REML_z")
    p = predict(fit(case), newmods=[10, 30, 50], transf=np.exp)
    np.testing.assert_allclose(p.pred, [0.9612, 0.5371, 0.3001], atol=1.5e-4)
    np.testing.assert_allclose(p.ci_lb, [0.6668, 0.4355, 0.2144], atol=1.5e-4)
    np.testing.assert_allclose(p.pi_ub, [1.8478, 0.9600, 0.5678], atol=1.5e-4)
    assert list(p.to_frame().columns) == ["row", "mod1", "pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"]


def test_predict_errors_name_the_fix():
    plain = fit(CASES[0])
    with pytest.raises(ExometaError, match="without moderators"):
        predict(plain, newmods=[1.0])
    reg = next(c for c in CASES if c["p"] == 3)
    res = fit(reg)
    with pytest.raises(ExometaError, match="must give 2 moderator value"):
        predict(res, newmods=[[1.0, 2.0, 3.0]])
    with pytest.raises(ExometaError, match="unknown: \\['latitude'\\]"):
        predict(res, newmods=pd.DataFrame({"latitude": [1.0], "mod1": [2.0]}))
    assert "prediction interval" in predict(plain).summary()


def test_baujat_summary_names_the_outlying_studies():
    b = baujat(fit(CASES[0]))
    assert "contribution to the overall heterogeneity" in b.summary()
    assert list(b.to_frame().columns) == ["study", "x", "y"]
