"""Fixtures for the diagnostics tests: metafor's values (tests/reference/diagnostics/) and
the fitted analyses they come from."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

from exometa import meta_analysis

REFERENCE = Path(__file__).parents[1] / "reference" / "diagnostics" / "diagnostics_reference.json"


def load_reference() -> dict:
    with REFERENCE.open() as fh:
        return json.load(fh)


REF = load_reference()


def as_array(x) -> np.ndarray:
    """JSON (scalars, lists, lists of lists, null) -> float array with NaN."""
    if isinstance(x, list):
        return np.array([as_array(v) for v in x], dtype=float)
    return np.array(np.nan if x is None else x, dtype=float)


def mods_of(case) -> np.ndarray | None:
    mods = case.get("mods")
    if not mods:
        return None
    return np.column_stack([np.atleast_1d(as_array(v)) for v in mods.values()])


def fit(case, **kwargs):
    """The analysis a reference case was computed from, as exometa.meta_analysis fits it (a
    meta-regression keeps its ``yi``, ``vi`` and ``X``, which the diagnostics use)."""
    yi, vi = np.atleast_1d(as_array(case["yi"])), np.atleast_1d(as_array(case["vi"]))
    mods = mods_of(case)
    tau2 = case.get("tau2_fixed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = meta_analysis(yi, vi, method=case["method"], test=case["test"], mods=mods, tau2=tau2, **kwargs)
    if mods is not None:
        np.testing.assert_array_equal(res.X, np.column_stack([np.ones(yi.size), mods]))
        np.testing.assert_array_equal(res.yi, yi)
    return res


def cases_with(key):
    return [c for c in REF["cases"] if key in c]
