"""Case diagnostics (metafor's ``influence``): how much each study moves the model.

All quantities come from one batch: the full model and its k leave-one-out
refits (:mod:`exometa.diagnostics.deletion`). Definitions are metafor 3.8's
(Viechtbauer & Cheung 2010), for models with and without moderators:

- ``rstudent``: studentized deleted residual, (y_i - x_i'b_(-i)) / its SE;
- ``dffits``: change in the fitted value, (x_i'b - x_i'b_(-i)) /
  sqrt(s2w_(-i) h_i (tau2_(-i) + v_i));
- ``cook_d``: Cook's distance, (b - b_(-i))' Vb^-1 (b - b_(-i));
- ``cov_r``: covariance ratio, det Vb_(-i) / det Vb;
- ``tau2_del``, ``qe_del``: tau^2 and Q (QE) without the study;
- ``hat``: leverage, w_i x_i'(X'WX)^-1 x_i; ``weight``: percent weight;
- ``dfbetas``: change in each coefficient in SE units, one column per coefficient.

A study is influential (``inf``) when any of metafor's rules holds:
|dffits| > 3 sqrt(p / (k - p)); the chi^2(p) probability of cook_d > 0.5;
hat > 3 p / k; any |dfbetas| > 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..models.distributions import chi2_ppf, chi2_sf
from .deletion import DeletionFits, deletion_fits
from .model import model_of, need_k
from .results import DiagnosticResult, model_words, table_text

#: metafor's rules, in the order they are reported
RULES = ("dffits", "cook_d", "hat", "dfbetas")
RULE_WORDS = {
    "dffits": "DFFITS",
    "cook_d": "Cook's distance",
    "hat": "hat value (leverage)",
    "dfbetas": "DFBETAS",
}
EPS = np.finfo(float).eps


@dataclass(frozen=True, eq=False, repr=False)
class InfluenceResult(DiagnosticResult):
    """metafor's case diagnostics, one entry per study (see the module docstring).

    ``rules`` is a (k, 4) boolean array saying which of :data:`RULES` flags each
    study, ``thresholds`` the cut-off of each rule; ``inf`` is their union.
    """

    slab: tuple
    coef_names: tuple
    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    qe_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    dfbetas: np.ndarray
    inf: np.ndarray
    rules: np.ndarray
    thresholds: dict
    model: object

    title = "Influence diagnostics"

    def to_frame(self) -> pd.DataFrame:
        """One row per study; ``dfbetas`` (one coefficient) or ``dfbetas_<coef>`` columns."""
        data = {"study": list(self.slab)}
        for name in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "hat", "weight"):
            data[name] = getattr(self, name)
        if len(self.coef_names) == 1:
            data["dfbetas"] = self.dfbetas[:, 0]
        else:
            for j, c in enumerate(self.coef_names):
                data[f"dfbetas_{c}"] = self.dfbetas[:, j]
        data["inf"] = self.inf
        return pd.DataFrame(data)

    def influential(self) -> list[str]:
        """Labels of the studies marked influential."""
        return [s for s, flag in zip(self.slab, self.inf) if flag]

    def summary(self, digits: int = 4) -> str:
        m = self.model
        t = self.thresholds
        flagged = self.influential()
        lines = [
            f"{self.title} ({model_words(m)}; k = {m.k}, p = {m.p})",
            "",
            "- rstudent: studentized deleted residual (the study against the model fitted without it)",
            "- dffits: change in the study's fitted value when it is left out, in SE units",
            "- cook_d: Cook's distance, the change in all coefficients when the study is left out",
            "- cov_r: covariance ratio (below 1: leaving the study out makes the estimates more precise)",
            "- tau2_del, qe_del: tau^2 and the Q statistic without the study",
            "- hat: leverage; weight: percent weight in the full model",
            "- dfbetas: change in each coefficient when the study is left out, in SE units",
            "",
            f"Influential (*) by metafor's rules: |dffits| > {t['dffits']:.4g}; chi^2({m.p}) probability of "
            f"cook_d > 0.5; hat > {t['hat']:.4g}; any |dfbetas| > 1. "
            + (f"Marked: {', '.join(flagged)}." if flagged else "No study is marked."),
            "",
            table_text(self.to_frame(), digits),
        ]
        return "\n".join(lines)

    def plot(self, **kwargs):
        """Panels of every measure by study, thresholds drawn (see :mod:`exometa.plots.diagnostics`)."""
        from ..plots.diagnostics import influence_panels

        return influence_panels(self, **kwargs)


def hat_values(model, tau2: float) -> np.ndarray:
    """Diagonal of the hat matrix, W X (X'WX)^-1 X' (metafor's ``hatvalues``)."""
    X = model.X
    w = 1.0 / (model.vi + tau2)
    vbu = np.linalg.inv(np.einsum("kp,k,kq->pq", X, w, X))
    h = w * np.einsum("kp,pq,kq->k", X, vbu, X)
    return np.where(h > 1 - 10 * EPS, 1.0, h)


def studentized_deleted(d: DeletionFits):
    """rstudent's residual, its SE and their ratio (metafor 3.8)."""
    v = d.model.vi
    resid = d.model.yi - d.delpred
    resid = np.where(np.abs(resid) < 100 * EPS, 0.0, resid)
    se = np.sqrt(v * d.s2w_del + d.vdelpred + d.tau2_del * d.s2w_del)
    with np.errstate(invalid="ignore", divide="ignore"):
        return resid, se, resid / se


def _measures(d: DeletionFits) -> dict:
    model = d.model
    X, v = model.X, model.vi
    hat = hat_values(model, d.tau2)
    with np.errstate(invalid="ignore", divide="ignore"):
        dffits = (d.pred - d.delpred) / np.sqrt(d.s2w_del * hat * (d.tau2_del + v))
        # (X'W_(-i)X)^-1 over all k studies at tau2 without study i
        w_del = 1.0 / (v[None, :] + d.tau2_del[:, None])
        a = np.einsum("jp,ij,jq->ipq", X, np.nan_to_num(w_del), X)
        ok = d.ok
        vb_del_all = np.full_like(a, np.nan)
        vb_del_all[ok] = np.linalg.inv(a[ok])
        dfb = d.beta[None, :] - d.beta_del
        dfbetas = dfb / np.sqrt(d.s2w_del[:, None] * np.einsum("ipp->ip", vb_del_all))
        cook_d = np.einsum("ip,pq,iq->i", dfb, np.linalg.inv(d.vb), dfb)
        cov_r = np.full(model.k, np.nan)
        cov_r[ok] = np.linalg.det(d.vb_del[ok]) / np.linalg.det(d.vb)
    resid, se, z = studentized_deleted(d)
    w = d.full_weights()
    return {
        "rstudent": z, "dffits": dffits, "cook_d": cook_d, "cov_r": cov_r, "tau2_del": d.tau2_del,
        "qe_del": d.qe_del, "hat": hat, "weight": 100 * w / w.sum(), "dfbetas": dfbetas,
    }  # fmt: skip


def influence_rules(values: dict, k: int, p: int) -> tuple[np.ndarray, dict]:
    """Which of metafor's rules flag each study (NaN never flags), and the cut-offs."""
    with np.errstate(invalid="ignore", divide="ignore"):
        thresholds = {"dffits": 3 * np.sqrt(p / (k - p)) if k > p else np.inf, "cook_d": chi2_ppf(0.5, p),
                      "hat": 3 * p / k, "dfbetas": 1.0}  # fmt: skip
        rules = np.column_stack([
            np.abs(values["dffits"]) > thresholds["dffits"],
            chi2_sf(values["cook_d"], p) < 0.5,
            values["hat"] > thresholds["hat"],
            (np.abs(values["dfbetas"]) > 1).any(axis=1),
        ])  # fmt: skip
    return rules, thresholds


def influence(res) -> InfluenceResult:
    """metafor's case diagnostics for every study, and which are influential.

    Parameters
    ----------
    res : MetaResult or MetaRegressionResult
        A fitted single analysis with at least 2 studies.

    Returns
    -------
    InfluenceResult
        ``rstudent, dffits, cook_d, cov_r, tau2_del, qe_del, hat, weight``,
        ``dfbetas`` (k, p), ``inf`` and the ``rules`` behind it.

    Examples
    --------
    metafor's ``influence(rma(yi, vi, data=dat.bcg))`` gives Cook's distances
    of 0.0017 and 0.2295 for the first and fourth trial, and marks none:

    >>> from exometa import influence, meta_analysis
    >>> from exometa.diagnostics.example_data import bcg
    >>> d = bcg()
    >>> inf = influence(meta_analysis(d.yi, d.vi, slab=d.slab))
    >>> round(float(inf.cook_d[0]), 4), round(float(inf.cook_d[3]), 4), inf.influential()
    (0.0017, 0.2295, [])
    """
    model = model_of(res, "influence()")
    need_k(model, 2, "influence()")
    d = deletion_fits(model)
    values = _measures(d)
    rules, thresholds = influence_rules(values, model.k, model.p)
    return InfluenceResult(
        slab=model.slab, coef_names=model.coef_names, **values, inf=rules.any(axis=1), rules=rules,
        thresholds=thresholds, model=model,
    )  # fmt: skip
