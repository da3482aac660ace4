"""Predicted effects with confidence and prediction intervals (metafor's ``predict.rma``).

For a row of moderator values x (with the intercept): pred = x'b, se =
sqrt(x'Vb x), the CI pred -/+ crit se and the prediction interval
pred -/+ crit sqrt(se^2 + tau^2), with crit from the normal distribution (z)
or t(k - p) (test 't' or 'knha'), as metafor 3.8. Common-effect models have no
prediction interval. No refit is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..models.distributions import norm_isf, t_isf
from ..arguments import check_level
from ..errors import ExometaError
from ..formatting import fmtx
from .model import model_of
from .results import DiagnosticResult, apply_transf, model_words, table_text


@dataclass(frozen=True, eq=False, repr=False)
class PredictResult(DiagnosticResult):
    """``pred, se, ci_lb, ci_ub, pi_lb, pi_ub`` per row of ``X`` (the moderator values
    with the intercept column); ``slab`` names the rows."""

    slab: tuple
    X: np.ndarray
    coef_names: tuple
    pred: np.ndarray
    se: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    level: float
    transf: bool
    model: object

    title = "Predicted effects"

    def to_frame(self) -> pd.DataFrame:
        data = {"row": list(self.slab)}
        for j, name in enumerate(self.coef_names[1:], start=1):
            data[name] = self.X[:, j]
        for f in ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
            data[f] = getattr(self, f)
        return pd.DataFrame(data)

    def summary(self, digits: int = 4) -> str:
        m = self.model
        lines = [f"{self.title} ({model_words(m)}; k = {m.k})", ""]
        if len(self.pred) == 1:
            lines.append(
                f"Predicted effect: {fmtx(self.pred[0], digits)}, {self.level:g}% CI {fmtx(self.ci_lb[0], digits)} "
                f"to {fmtx(self.ci_ub[0], digits)} (where the average effect lies)."
            )
            if np.isfinite(self.pi_lb[0]):
                lines.append(
                    f"{self.level:g}% prediction interval: {fmtx(self.pi_lb[0], digits)} to "
                    f"{fmtx(self.pi_ub[0], digits)} (where the effect of a new study is expected to lie)."
                )
            lines.append("")
        lines += [
            "- pred, se: the predicted average effect and its standard error"
            + (" (not shown after transf=)" if self.transf else ""),
            f"- ci_lb, ci_ub: its {self.level:g}% confidence interval; pi_lb, pi_ub: the {self.level:g}% "
            "prediction interval for the effect in a new study"
            + (" (none for a common-effect model)" if m.common else ""),
            "",
            table_text(self.to_frame(), digits),
        ]
        return "\n".join(lines)


def _coefficients(res, model):
    beta = np.atleast_1d(np.asarray(res.estimate, dtype=float))
    if model.int_only:
        vb = np.array([[float(res.se) ** 2]])
    else:
        vb = np.asarray(res.vb, dtype=float)
    return beta, vb


def new_rows(model, newmods, intercept: bool = True) -> np.ndarray:
    """The model-matrix rows to predict for, from metafor-style ``newmods``."""
    if newmods is None:
        return np.ones((1, 1)) if model.int_only else model.X
    if model.int_only:
        raise ExometaError("`newmods` cannot be given for a model without moderators; leave it out.")
    names = model.coef_names[1:]
    q = len(names)
    if isinstance(newmods, (pd.DataFrame, pd.Series)):
        frame = pd.DataFrame(newmods) if isinstance(newmods, pd.DataFrame) else newmods.to_frame().T
        unknown = [c for c in frame.columns if str(c) not in names]
        missing = [n for n in names if n not in map(str, frame.columns)]
        if unknown or missing:
            raise ExometaError(
                f"`newmods` columns must be the model's moderators {list(names)}; "
                + (f"unknown: {unknown}" if unknown else "")
                + ("; " if unknown and missing else "")
                + (f"missing: {missing}" if missing else "")
                + "."
            )
        m = frame.rename(columns=str)[list(names)].to_numpy(dtype=float)
    else:
        m = np.asarray(newmods, dtype=float)
        if m.ndim == 0 or (m.ndim == 1 and q == 1):
            m = m.reshape(-1, 1)
        elif m.ndim == 1:
            m = m.reshape(1, -1)
    if m.ndim != 2 or m.shape[1] != q:
        raise ExometaError(
            f"`newmods` must give {q} moderator value(s) per row ({', '.join(names)}); got shape {np.shape(newmods)}."
        )
    if not np.isfinite(m).all():
        raise ExometaError("`newmods` has missing or infinite values; give a number for every moderator.")
    return np.column_stack([np.full(m.shape[0], 1.0 if intercept else 0.0), m])


def predict(res, newmods=None, transf=None, level=None, intercept: bool = True) -> PredictResult:
    """Predicted effects, their CI and prediction interval (metafor's ``predict``).

    Parameters
    ----------
    res : MetaResult or MetaRegressionResult
        A fitted single analysis.
    newmods : array_like or DataFrame, optional
        Moderator values to predict for (not the intercept): a number or a
        vector for a model with one moderator (one prediction per value), a
        row or an (n, p - 1) array otherwise, or a DataFrame with the
        moderators' names as columns. Default: the pooled estimate (no
        moderators) or each study's fitted value (with moderators).
    transf : callable, optional
        Applied to pred and the interval bounds (e.g. ``np.exp`` for ratio
        measures); se is then not given, as in metafor.
    level : float, optional
        Interval level in percent (default: the model's).
    intercept : bool
        Include the intercept in the predictions (metafor's ``intercept``).

    Returns
    -------
    PredictResult

    Examples
    --------
    metafor's ``predict(rma(yi, vi, data=dat.bcg), transf=exp)``: risk ratio
    0.4894 (95% CI 0.3441 to 0.6962; prediction interval 0.1546 to 1.5490):

    >>> import numpy as np
    >>> from exometa import meta_analysis, predict
    >>> from exometa.diagnostics.example_data import bcg
    >>> d = bcg()
    >>> p = predict(meta_analysis(d.yi, d.vi), transf=np.exp)
    >>> [round(float(v), 4) for v in (p.pred[0], p.ci_lb[0], p.ci_ub[0], p.pi_lb[0], p.pi_ub[0])]
    [0.4894, 0.3441, 0.6962, 0.1546, 1.549]
    """
    model = model_of(res, "predict()")
    level = model.level if level is None else check_level(level)
    beta, vb = _coefficients(res, model)
    X = new_rows(model, newmods, intercept)
    pred = X @ beta
    vpred = np.einsum("np,pq,nq->n", X, vb, X)
    se = np.sqrt(np.where(vpred >= 0, vpred, np.nan))
    df = model.k - model.p
    alpha = 1 - level / 100
    use_t = model.test in ("t", "knha") and df > 0
    crit = t_isf(alpha / 2, df) if use_t else norm_isf(alpha / 2)
    ci_lb, ci_ub = pred - crit * se, pred + crit * se
    if model.common:
        pi_lb = pi_ub = np.full_like(pred, np.nan)
    else:
        spread = crit * np.sqrt(vpred + model.tau2)
        pi_lb, pi_ub = pred - spread, pred + spread
    if transf is not None:
        _, pi_lb, pi_ub = apply_transf(transf, pred, pi_lb, pi_ub)
        pred, ci_lb, ci_ub = apply_transf(transf, pred, ci_lb, ci_ub)
        se = np.full_like(se, np.nan)
    slab = model.slab if (newmods is None and not model.int_only) else tuple(str(i + 1) for i in range(len(pred)))
    return PredictResult(
        slab=slab, X=X, coef_names=model.coef_names, pred=pred, se=se, ci_lb=ci_lb, ci_ub=ci_ub,
        pi_lb=pi_lb, pi_ub=pi_ub, level=level, transf=transf is not None, model=model,
    )  # fmt: skip
