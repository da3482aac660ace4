"""Shared fixtures: the metafor reference values and one tolerance for every comparison."""

import json
from pathlib import Path

import numpy as np
import pytest

REFERENCE = Path(__file__).parent / "reference" / "metafor_reference.json"

#: agreement required with metafor (issue 2): rtol 1e-5, atol 1e-6 for every quantity
RTOL = 1e-5
ATOL = 1e-6


def load_reference() -> dict:
    with REFERENCE.open() as fh:
        return json.load(fh)


def as_float(x):
    """JSON null -> NaN, recursively into lists."""
    if isinstance(x, list):
        return np.array([np.nan if v is None else v for v in x], dtype=float)
    return np.nan if x is None else float(x)


def assert_close(actual, expected, what=""):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), as_float(expected), rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=what
    )


@pytest.fixture(scope="session")
def reference():
    return load_reference()
