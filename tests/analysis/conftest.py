"""Helpers for the analysis tests: build a workbook the way a reviewer fills one in, write an
analysis file, run it. Reference values come from make_analysis_reference.R (metafor)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from exometa.analysis.run import run_analysis
from exometa.analysis.spec import load_spec
from exometa.workbook.reader import read_workbook
from exometa.workbook.writer import build, save_atomic

HERE = Path(__file__).parent
#: an outcome name every workbook accepts (exometa's neutral default list); see README for review lists
OUTCOME = "other"


def reference() -> dict:
    return json.loads((HERE / "analysis_reference.json").read_text())


def nan_to_none(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def study(sid, label=None, design="RCT, parallel", control="placebo", **kw) -> dict:
    rec = {"study_id": sid, "label": label or f"Trial {sid}", "record_type": "study", "design": design, "control_type": control,
           "intervention_type": "unclear", "publication_status": "peer-reviewed article", "coi": "none declared",
           "verification": "verified", "doi": f"10.0000/{sid.lower()}", "n_enrolled": 100}
    rec.update(kw)
    return rec


def row(sid, arm, quantity="value", outcome=OUTCOME, week=12, **kw) -> dict:
    rec = {"study_id": sid, "outcome": outcome, "arm": arm, "quantity": quantity, "timepoint_weeks": week,
           "source_type": "primary: full text", "source_url": f"https://example.org/{sid}"}
    rec.update({k: v for k, v in kw.items() if not (isinstance(v, float) and math.isnan(v)) and v is not None})
    return rec


def workbook(tmp_path, studies, outcomes, name="review.xlsx"):
    path = Path(tmp_path) / name
    save_atomic(build(studies, outcomes), path)
    wb = read_workbook(path)
    assert not wb.errors, wb.report()
    return wb


def analysis(tmp_path, text, name="a.toml"):
    path = Path(tmp_path) / name
    path.write_text(text, encoding="utf-8")
    return load_spec(path)


def run(tmp_path, studies, outcomes, text):
    return run_analysis(analysis(tmp_path, text), workbook(tmp_path, studies, outcomes))


def close(actual, expected, what=""):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray([np.nan if v is None else v for v in np.atleast_1d(expected)], float),
                               rtol=1e-6, atol=1e-9, equal_nan=True, err_msg=what)


def check_fit(res, ref, keys=("estimate", "se", "ci_lb", "ci_ub", "zval", "pval")):
    r = res.main.result
    for key in keys:
        close(getattr(r, key), ref[key], key)


@pytest.fixture(scope="session")
def ref():
    return reference()
