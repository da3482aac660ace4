"""Every result explains itself: summary() in words, to_frame() with fixed columns,
_repr_html_() and to_dict() for every diagnostic, with and without moderators."""

import json

import numpy as np
import pytest

from exometa import baujat, cumul, gosh, influence, leave1out, permutest, predict, rstandard, rstudent
from tests.diagnostics.conftest import REF, fit

CASES = [c for c in REF["cases"] if c["name"] in ("bcg_REML_z", "bcg_EE_z", "bcg_ablat_year_DL_knha", "k3_ML_t")]
FUNCS = {
    "leave1out": leave1out, "cumul": cumul, "influence": influence, "rstandard": rstandard, "rstudent": rstudent,
    "baujat": baujat, "predict": predict, "gosh": lambda r: gosh(r, subsets=500, seed=1),
    "permutest": lambda r: permutest(r, iter=200, seed=1),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
@pytest.mark.parametrize("name", FUNCS)
def test_result_explains_itself(case, name):
    result = FUNCS[name](fit(case))
    text = result.summary()
    assert len(text.splitlines()) > 3 and "k = " in text
    frame = result.to_frame()
    assert len(frame) > 0 and frame.columns.is_unique
    html = result._repr_html_()
    assert html.startswith("<p><b>") and "<table" in html
    json.dumps(result.to_dict())  # JSON-able, NaN as null
    with pytest.raises(Exception):
        result.estimate = np.zeros(1) if hasattr(result, "estimate") else None  # frozen
