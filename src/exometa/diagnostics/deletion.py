"""The full model and its k leave-one-out refits, as one batch of k + 1 meta-analyses.

``influence``, ``rstudent`` and ``baujat`` all compare the model fitted to all
studies with the model fitted without study i. :func:`deletion_fits` fits both
in one engine call (row 0: every study; row i: all but study i - 1) and keeps
what those comparisons need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .batch import fit_rows
from .model import Model


@dataclass(frozen=True, eq=False)
class DeletionFits:
    """Full-model and deleted-study quantities (metafor's names in comments).

    Attributes
    ----------
    beta : (p,) coefficients; vb : (p, p) their covariance (times s2w for knha);
    tau2 : tau^2; s2w : the Knapp-Hartung scale factor (1 unless test='knha').
    beta_del, vb_del, tau2_del, s2w_del, qe_del : the same without study i,
        (k, p), (k, p, p), (k,), (k,), (k,); NaN where the refit is impossible.
    ok : (k,) whether the refit without study i exists.
    """

    model: Model
    beta: np.ndarray
    vb: np.ndarray
    tau2: float
    s2w: float
    beta_del: np.ndarray
    vb_del: np.ndarray
    tau2_del: np.ndarray
    s2w_del: np.ndarray
    qe_del: np.ndarray
    ok: np.ndarray

    @property
    def pred(self) -> np.ndarray:
        """Fitted value of each study under the full model (``pred.full``)."""
        return self.model.X @ self.beta

    @property
    def delpred(self) -> np.ndarray:
        """Each study's value predicted by the model fitted without it (``delpred``)."""
        return np.einsum("kp,kp->k", self.model.X, self.beta_del)

    @property
    def vdelpred(self) -> np.ndarray:
        """Variance of ``delpred`` (``vdelpred``)."""
        X = self.model.X
        return np.einsum("kp,kpq,kq->k", X, self.vb_del, X)

    def full_weights(self) -> np.ndarray:
        """1 / (v_i + tau^2) of the full model."""
        return 1.0 / (self.model.vi + self.tau2)


def deletion_fits(model: Model) -> DeletionFits:
    """Fit the model to all studies and without each study, in one engine call."""
    k = model.k
    mask = np.vstack([np.ones((1, k), bool), ~np.eye(k, dtype=bool)])
    out = fit_rows(model, mask, keep=("beta", "vb", "tau2", "q", "s2w", "converged"))
    return DeletionFits(
        model=model, beta=out["beta"][0], vb=out["vb"][0], tau2=float(out["tau2"][0]), s2w=float(out["s2w"][0]),
        beta_del=out["beta"][1:], vb_del=out["vb"][1:], tau2_del=out["tau2"][1:], s2w_del=out["s2w"][1:],
        qe_del=out["q"][1:], ok=out["fitted"][1:],
    )  # fmt: skip
