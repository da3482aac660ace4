"""What every diagnostic result shares: tidy frames, notebook HTML, JSON-able dicts, words.

Each result is a frozen dataclass computed eagerly by its function. Subclasses
give ``to_frame()`` (a tidy pandas table with fixed column names) and
``summary()`` (every number explained in words, as metafor's print methods
do); this module gives the rest.
"""

from __future__ import annotations

import dataclasses
import html

import numpy as np
import pandas as pd

from ..formatting import fmtp, fmtx
from ..models.results import METHOD_NAMES, TEST_NAMES

__all__ = ["DiagnosticResult", "METHOD_NAMES", "TEST_NAMES", "apply_transf", "table_text"]


def _plain(x):
    if isinstance(x, np.ndarray):
        return [_plain(v) for v in x.tolist()]
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if np.isnan(x) else float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


class DiagnosticResult:
    """Mixin: ``to_dict``, ``_repr_html_`` and ``__repr__`` from ``to_frame``/``summary``."""

    #: a title for HTML and summaries, set by each subclass
    title = "Diagnostic"

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def summary(self, digits: int = 4) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def to_dict(self) -> dict:
        """The numeric fields as JSON-able Python values (NaN becomes None)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "model" or callable(value):
                continue
            out[f.name] = _plain(value)
        return out

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        caption = html.escape(self.summary().splitlines()[0])
        body = frame.to_html(index=False, float_format=lambda v: fmtx(v, 4), na_rep="NA", escape=True)
        return f"<p><b>{caption}</b></p>\n{body}"

    def __repr__(self) -> str:  # pragma: no cover - display only
        return self.summary()


def model_words(model) -> str:
    """'random-effects model (restricted maximum likelihood), z-test' for a Model."""
    return f"{METHOD_NAMES.get(model.method, model.method)}, {TEST_NAMES.get(model.test, model.test)}"


def apply_transf(transf, estimate, ci_lb, ci_ub):
    """metafor's ``transf=``: transform the estimate and CI bounds (re-sorted), drop the SE."""
    est = np.asarray(transf(np.asarray(estimate, dtype=float)), dtype=float)
    lo = np.asarray(transf(np.asarray(ci_lb, dtype=float)), dtype=float)
    hi = np.asarray(transf(np.asarray(ci_ub, dtype=float)), dtype=float)
    return est, np.fmin(lo, hi), np.fmax(lo, hi)


def table_text(frame: pd.DataFrame, digits: int = 4) -> str:
    """A frame as aligned text with fixed decimals (p-values as metafor prints them)."""

    def fmt(col, v):
        if isinstance(v, (bool, np.bool_)):
            return "*" if v else ""
        if isinstance(v, (float, np.floating)):
            return fmtp(v, digits) if col.endswith("pval") else fmtx(v, digits)
        return str(v)

    shown = pd.DataFrame({c: [fmt(c, v) for v in frame[c]] for c in frame.columns})
    return shown.to_string(index=False)
