"""Standardized and studentized residuals (metafor's ``rstandard`` and ``rstudent``).

- ``rstandard``: marginal residuals y_i - x_i'b of the full model, divided by
  their SE, sqrt(v_i + tau^2 - x_i'(X'WX)^-1 x_i) (the diagonal of
  (I - H) M (I - H)', M = diag(v + tau^2)). No refit is needed.
- ``rstudent``: deleted residuals y_i - x_i'b_(-i), divided by their SE (from
  the refit without study i: sqrt(v_i s2w + x_i'Vb_(-i)x_i + tau2_(-i) s2w),
  metafor 3.8's form that matches a mean-shift outlier model, also for knha);
  the k refits are one batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .deletion import deletion_fits
from .model import model_of, need_k
from .results import DiagnosticResult, model_words, table_text

EPS = np.finfo(float).eps


@dataclass(frozen=True, eq=False, repr=False)
class ResidualsResult(DiagnosticResult):
    """Residuals per study: ``resid``, their ``se`` and ``z = resid / se``.

    ``kind`` is 'standardized' (rstandard) or 'studentized deleted' (rstudent).
    """

    kind: str
    slab: tuple
    resid: np.ndarray
    se: np.ndarray
    z: np.ndarray
    model: object

    @property
    def title(self) -> str:
        return f"{self.kind.capitalize()} residuals"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"study": list(self.slab), "resid": self.resid, "se": self.se, "z": self.z})

    def summary(self, digits: int = 4) -> str:
        what = (
            "the study's effect minus its fitted value under the model fitted to all studies"
            if self.kind == "standardized"
            else "the study's effect minus its value predicted by the model fitted without it"
        )
        big = [s for s, z in zip(self.slab, self.z) if np.isfinite(z) and abs(z) > 1.96]
        lines = [
            f"{self.title} ({model_words(self.model)}; k = {self.model.k})",
            "",
            f"- resid: {what}; se: its standard error; z: resid / se (about standard normal if the model holds)",
            "Studies with |z| > 1.96: " + (", ".join(big) if big else "none") + ".",
            "",
            table_text(self.to_frame(), digits),
        ]
        return "\n".join(lines)


def rstandard(res) -> ResidualsResult:
    """Standardized (marginal) residuals of a fitted analysis (metafor's ``rstandard``).

    Examples
    --------
    metafor's ``rstandard(rma(yi, vi, data=dat.bcg))`` gives z = -0.2244 for
    the first trial:

    >>> from exometa import meta_analysis, rstandard
    >>> from exometa.diagnostics.example_data import bcg
    >>> d = bcg()
    >>> round(float(rstandard(meta_analysis(d.yi, d.vi)).z[0]), 4)
    -0.2244
    """
    model = model_of(res, "rstandard()")
    tau2 = 0.0 if model.common else model.tau2
    X = model.X
    w = 1.0 / (model.vi + tau2)
    vbu = np.linalg.inv(np.einsum("kp,k,kq->pq", X, w, X))
    beta = vbu @ np.einsum("kp,k,k->p", X, w, model.yi)
    resid = model.yi - X @ beta
    resid = np.where(np.abs(resid) < 100 * EPS, 0.0, resid)
    # a study the model fits exactly (hat = 1) has residual 0, SE 0 and z = 0, as in metafor
    # (whose SE is rounding noise near 0 there)
    se = np.sqrt(np.maximum(model.vi + tau2 - np.einsum("kp,pq,kq->k", X, vbu, X), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(resid == 0, 0.0, resid / se)
    return ResidualsResult("standardized", model.slab, resid, se, z, model)


def rstudent(res) -> ResidualsResult:
    """Studentized deleted residuals (metafor's ``rstudent``), from one batch of k refits.

    Examples
    --------
    metafor's ``rstudent(rma(yi, vi, data=dat.bcg))`` gives z = -0.2181 for
    the first trial:

    >>> from exometa import meta_analysis, rstudent
    >>> from exometa.diagnostics.example_data import bcg
    >>> d = bcg()
    >>> round(float(rstudent(meta_analysis(d.yi, d.vi)).z[0]), 4)
    -0.2181
    """
    from .influence import studentized_deleted

    model = model_of(res, "rstudent()")
    need_k(model, 2, "rstudent()")
    resid, se, z = studentized_deleted(deletion_fits(model))
    return ResidualsResult("studentized deleted", model.slab, resid, se, z, model)
