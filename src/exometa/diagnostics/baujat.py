"""Baujat et al. (2002): each study's contribution to heterogeneity against its influence
on the pooled result (metafor's ``baujat``), from one batch of k leave-one-out refits.

- ``x``: the study's contribution to the Q statistic, (y_i - x_i'b)^2 / (v_i + tau^2)
  (tau^2 = 0 for a common-effect model, where the x sum to Q);
- ``y``: its influence on the fitted result, (x_i'b_(-i) - x_i'b)^2 / Var(x_i'b_(-i)),
  the squared standardized change in the study's fitted value when it is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .deletion import deletion_fits
from .model import model_of, need_k
from .results import DiagnosticResult, model_words, table_text


@dataclass(frozen=True, eq=False, repr=False)
class BaujatResult(DiagnosticResult):
    """metafor's ``baujat`` values: ``x`` (contribution to heterogeneity) and ``y``
    (influence on the result), one per study."""

    slab: tuple
    x: np.ndarray
    y: np.ndarray
    model: object

    title = "Baujat diagnostics"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"study": list(self.slab), "x": self.x, "y": self.y})

    def summary(self, digits: int = 4) -> str:
        m = self.model
        het = "overall" if m.int_only else "residual"
        order = np.argsort(-np.nan_to_num(self.x + self.y, nan=-np.inf), kind="stable")[:3]
        top = ", ".join(self.slab[i] for i in order)
        lines = [
            f"{self.title} ({model_words(m)}; k = {m.k})",
            "",
            f"- x: the study's contribution to the {het} heterogeneity statistic Q, "
            "(y_i - fitted_i)^2 / (v_i + tau^2)",
            "- y: its influence on the result, the squared standardized change in its fitted value "
            "when it is left out",
            f"Studies far to the right or top: {top}.",
            "",
            table_text(self.to_frame(), digits),
        ]
        return "\n".join(lines)

    def plot(self, **kwargs):
        """The Baujat plot (see :mod:`exometa.plots.diagnostics`)."""
        from ..plots.diagnostics import baujat_plot

        return baujat_plot(self, **kwargs)


def baujat(res) -> BaujatResult:
    """Contribution to heterogeneity and influence of each study (metafor's ``baujat``).

    Examples
    --------
    metafor's ``baujat(rma(yi, vi, data=dat.bcg))`` gives x = 1.4934 and
    y = 0.1121 for the second trial:

    >>> from exometa import baujat, meta_analysis
    >>> from exometa.diagnostics.example_data import bcg
    >>> d = bcg()
    >>> b = baujat(meta_analysis(d.yi, d.vi, slab=d.slab))
    >>> b.slab[1], round(float(b.x[1]), 4), round(float(b.y[1]), 4)
    ('Ferguson & Simes, 1949', 1.4934, 0.1121)
    """
    model = model_of(res, "baujat()")
    need_k(model, 2, "baujat()")
    d = deletion_fits(model)
    tau2 = 0.0 if model.common else d.tau2
    x = (model.yi - d.pred) ** 2 / (model.vi + tau2)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = (d.delpred - d.pred) ** 2 / d.vdelpred
    return BaujatResult(slab=model.slab, x=x, y=y, model=model)
