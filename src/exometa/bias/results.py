"""The common behaviour of every bias result: frozen, eager, metafor's names in snake_case.

Each result class lists its reported quantities in ``QUANTITIES`` as
``(field, meaning)`` pairs. From that one list come:

- ``to_frame()``: one tidy row (a column per quantity) that stacks across analyses;
- ``quantities()`` and ``_repr_html_``: one row per quantity with its value and what it
  means, for reading in a notebook;
- ``to_dict()``: every field as JSON-able Python values.

``summary()`` (written per class) explains every number in words, as metafor's print
methods do; ``repr()`` shows it.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from ..formatting import fmtp, fmtx


def plain(x):
    """NumPy scalars and arrays to JSON-able Python values (NaN becomes None).

    >>> plain(np.array([1.5, np.nan])), plain(np.int64(3)), plain((True, 2.0))
    ([1.5, None], 3, [True, 2.0])
    """
    if isinstance(x, np.ndarray):
        return [plain(v) for v in x.tolist()]
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (np.integer, int)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return None if math.isnan(x) else x
    return x


class BiasResult:
    """Shared methods; subclasses are frozen dataclasses with a ``QUANTITIES`` table."""

    QUANTITIES: tuple = ()
    #: fields left out of to_dict() (objects such as the fitted analysis)
    OBJECTS: tuple = ("analysis",)

    def to_frame(self) -> pd.DataFrame:
        """One row: a column per reported quantity (see ``QUANTITIES``)."""
        return pd.DataFrame([{name: plain(getattr(self, name)) for name, _ in self.QUANTITIES}])

    def quantities(self) -> pd.DataFrame:
        """One row per quantity: its name, value and meaning."""
        rows = [{"quantity": name, "value": _show(getattr(self, name)), "meaning": meaning}
                for name, meaning in self.QUANTITIES]
        return pd.DataFrame(rows, columns=["quantity", "value", "meaning"])

    def to_dict(self) -> dict:
        """Every field except fitted objects, as JSON-able Python values."""
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name not in self.OBJECTS}

    def _repr_html_(self) -> str:
        return self.quantities().to_html(index=False, escape=True)

    def __repr__(self) -> str:
        return self.summary()

    def summary(self) -> str:  # pragma: no cover - every subclass writes its own
        raise NotImplementedError


def _show(value) -> str:
    """A value as text for the one-row-per-quantity view."""
    if value is None:
        return "NA"
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (tuple, list, np.ndarray)):
        return ", ".join(_show(v) for v in np.asarray(value, dtype=object).ravel())
    return fmtx(value, 4)


def x4(v) -> str:
    """A number with four decimals ('NA' if missing)."""
    return fmtx(v, 4)


def p4(p) -> str:
    """A p-value with four decimals, '<.0001' below."""
    return fmtp(p, 4)


def peq(p) -> str:
    """'p = 0.0176' or 'p < .0001', for summaries.

    >>> peq(0.01764), peq(1e-9)
    ('p = 0.0176', 'p < .0001')
    """
    text = fmtp(p, 4)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def level_text(level: float) -> str:
    """'95%' for 95.0."""
    return f"{level:g}%"
