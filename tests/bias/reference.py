"""The metafor reference values for exometa.bias, and the one place tolerances are set.

Values come from tests/reference/bias/make_reference.R (metafor 3.8.1), stored in
bias_reference.json; see tests/reference/bias/README.md for what is compared and every
known difference.
"""

import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from exometa import meta_analysis

REFERENCE = Path(__file__).parents[1] / "reference" / "bias" / "bias_reference.json"

#: agreement required with metafor (issue 10): rtol 1e-5; selection models 1e-4
RTOL = 1e-5
RTOL_SELMODEL = 1e-4
#: absolute floor for quantities near zero (p-values, estimates close to 0)
ATOL = 1e-6


@lru_cache(maxsize=1)
def reference() -> dict:
    with REFERENCE.open() as fh:
        return json.load(fh)


def cases(kind: str) -> list:
    return reference()[kind]


def data(name: str):
    """yi, vi, ni (None if not stored) of a reference data set."""
    d = reference()["data"][name]
    ni = d["ni"] if isinstance(d["ni"], list) else None
    return np.array(d["yi"]), np.array(d["vi"]), None if ni is None else np.array(ni)


def fit(name: str, method: str, test: str = "z"):
    yi, vi, _ = data(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return meta_analysis(yi, vi, method=method, test=test)


def as_float(x):
    if isinstance(x, list):
        return np.array([np.nan if v is None else v for v in x], dtype=float)
    return np.nan if x is None else float(x)


def close(actual, expected, what="", rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), as_float(expected), rtol=rtol, atol=atol, equal_nan=True, err_msg=what
    )


def case_id(case: dict, *keys) -> str:
    return "-".join(str(case.get(k)) for k in keys)
