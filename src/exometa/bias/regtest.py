"""Regression tests for funnel-plot asymmetry (metafor's ``regtest``): Egger, PET, PEESE.

The effect sizes are regressed on a measure of study size or precision. A slope that
differs from zero means smaller studies report different effects from larger ones (a
small-study effect: publication bias is one possible cause among several). The
intercept is the *limit estimate*: the effect predicted for a study of infinite size.

- ``model="rma"`` (default): a meta-regression with the analysis's own tau^2 estimator
  and test (Sterne & Egger 2005); ``model="lm"``: weighted least squares with weights
  1/vi and a multiplicative error (Egger et al. 1997, the classical test).
- ``predictor``: ``"sei"`` (standard errors; its limit estimate is PET, Stanley &
  Doucouliagos 2014), ``"vi"`` (variances; PEESE), ``"ni"``, ``"ninv"`` (1/n),
  ``"sqrtni"``, ``"sqrtninv"`` (1/sqrt(n)); the last four need ``ni=``.

Formulas follow metafor 3.8 ``regtest``; the regressions are fitted by the batch
engine, so :func:`regtest_rows` tests B analyses in one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._lazy import lazy_module
from ..arguments import check_choice
from ..errors import DataError
from .fitted import check_sizes, fit_rows, fitted_analysis
from .results import BiasResult, level_text, peq, x4

stats = lazy_module("scipy.stats")

MODELS = ("rma", "lm")
PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")
#: predictors whose intercept is the effect at infinite precision (metafor's limit estimate)
LIMIT_PREDICTORS = ("sei", "vi", "ninv", "sqrtninv")
PREDICTOR_NAMES = {
    "sei": "standard error", "vi": "sampling variance", "ni": "sample size",
    "ninv": "inverse of the sample size", "sqrtni": "square root of the sample size",
    "sqrtninv": "inverse of the square root of the sample size",
}  # fmt: skip


def predictor_values(predictor: str, vi, ni=None) -> np.ndarray:
    """The regressor for each study (works on (k,) or (B, k) arrays).

    >>> predictor_values("sei", np.array([0.04, 0.09])).tolist()
    [0.2, 0.3]
    >>> predictor_values("sqrtninv", None, np.array([25.0, 100.0])).tolist()
    [0.2, 0.1]
    """
    transforms = {
        "sei": lambda: np.sqrt(vi), "vi": lambda: np.asarray(vi, dtype=float),
        "ni": lambda: np.asarray(ni, dtype=float), "ninv": lambda: 1 / np.asarray(ni, dtype=float),
        "sqrtni": lambda: np.sqrt(ni), "sqrtninv": lambda: 1 / np.sqrt(ni),
    }  # fmt: skip
    return transforms[predictor]()


def regtest_rows(y, v, mask, x, model: str = "rma", method: str = "REML", test: str = "z", level: float = 95.0) -> dict:
    """Egger-type regression of ``y`` on ``x`` for each of B rows (absent studies: ``mask`` False).

    Returns arrays of length B: ``zval, pval, dfs`` for the slope, ``coef`` and ``coef_se``
    (B, 2) for (intercept, slope), ``ci_lb, ci_ub`` of the intercept and ``tau2``
    (residual heterogeneity; NaN for ``lm``).
    """
    mask = np.asarray(mask, dtype=bool)
    X = np.stack([np.ones_like(x), np.where(mask, x, 0.0)], axis=-1)
    if model == "rma":
        fit = fit_rows(y, v, mask, X, method, test, level, what="Egger-type regression")
        return {"zval": fit["zval"][:, 1], "pval": fit["pval"][:, 1], "dfs": fit["ddf"],
                "coef": fit["beta"], "coef_se": fit["se"], "ci_lb": fit["ci_lb"][:, 0],
                "ci_ub": fit["ci_ub"][:, 0], "tau2": fit["tau2"]}  # fmt: skip
    return _weighted_lm(np.where(mask, y, 0.0), np.where(mask, 1 / np.where(mask, v, 1.0), 0.0), X, level)


def _weighted_lm(y, w, X, level):
    """Weighted least squares with an estimated error variance (R's ``lm(weights=)``), per row."""
    xtw = X.transpose(0, 2, 1) * w[:, None, :]
    xtwx_inv = np.linalg.inv(xtw @ X)
    beta = np.einsum("bpq,bq->bp", xtwx_inv, np.einsum("bpk,bk->bp", xtw, y))
    resid = y - np.einsum("bkp,bp->bk", X, beta)
    df = (w > 0).sum(axis=1) - X.shape[2]
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma2 = np.einsum("bk,bk->b", w, resid**2) / df
        se = np.sqrt(sigma2[:, None] * np.einsum("bpp->bp", xtwx_inv))
        t = beta / se
    safe_df = np.maximum(df, 1)
    crit = stats.t.isf((1 - level / 100) / 2, safe_df)
    return {"zval": t[:, 1], "pval": 2 * stats.t.sf(np.abs(t[:, 1]), safe_df), "dfs": df.astype(float),
            "coef": beta, "coef_se": se, "ci_lb": beta[:, 0] - crit * se[:, 0],
            "ci_ub": beta[:, 0] + crit * se[:, 0], "tau2": np.full(len(df), np.nan)}  # fmt: skip


@dataclass(frozen=True, eq=False, repr=False)
class RegtestResult(BiasResult):
    """Result of :func:`regtest` (metafor's ``regtest`` object, in snake_case).

    ``zval``, ``pval`` test the slope (``dfs``: its degrees of freedom, NaN for a z-test);
    ``est``, ``ci_lb``, ``ci_ub``: the limit estimate (intercept) and its CI, NaN for
    predictors without one (``ni``, ``sqrtni``); ``coef``/``coef_se``: (intercept,
    slope) and their SEs; ``tau2``: residual heterogeneity of the meta-regression.
    """

    model: str
    predictor: str
    method: str
    test: str
    level: float
    k: int
    zval: float
    pval: float
    dfs: float
    est: float
    ci_lb: float
    ci_ub: float
    coef: tuple
    coef_se: tuple
    tau2: float
    analysis: object = field(default=None)

    QUANTITIES = (
        ("k", "number of studies"),
        ("model", "'rma': meta-regression; 'lm': weighted regression with multiplicative error (classical Egger)"),
        ("predictor", "what the effects are regressed on"),
        ("zval", "test statistic for the slope (z, or t with dfs degrees of freedom)"),
        ("pval", "p-value for the slope (funnel-plot asymmetry)"),
        ("dfs", "degrees of freedom of the t-test (NA for z)"),
        ("est", "limit estimate: the effect predicted for a study of infinite precision"),
        ("ci_lb", "lower bound of the limit estimate's CI"),
        ("ci_ub", "upper bound of the limit estimate's CI"),
        ("tau2", "residual heterogeneity of the meta-regression (NA for lm)"),
    )

    @property
    def limit_name(self) -> str:
        """'PET' (predictor sei), 'PEESE' (vi), or 'limit estimate'."""
        return {"sei": "PET", "vi": "PEESE"}.get(self.predictor, "limit estimate")

    def summary(self) -> str:
        stat = "z" if np.isnan(self.dfs) else f"t(df = {self.dfs:g})"
        kind = (
            "mixed-effects meta-regression model" if self.model == "rma"
            else "weighted regression with multiplicative dispersion"
        )  # fmt: skip
        lines = [
            "Regression test for funnel plot asymmetry",
            "",
            f"Model:     {kind} (k = {self.k})",
            f"Predictor: {PREDICTOR_NAMES[self.predictor]}",
            "",
            f"Test for funnel plot asymmetry: {stat} = {x4(self.zval)}, {peq(self.pval)}",
        ]
        if not np.isnan(self.est):
            lines.append(
                f"Limit estimate ({self.limit_name}; the effect as the {PREDICTOR_NAMES[self.predictor]} goes to "
                f"{'infinity' if self.predictor in ('ninv', 'sqrtninv') else 'zero'}): {x4(self.est)} "
                f"({level_text(self.level)} CI {x4(self.ci_lb)} to {x4(self.ci_ub)})"
            )
        return "\n".join(lines)

    def plot(self, **kwargs):
        """Funnel plot with this regression line and its limit estimate (predictors sei, vi).

        Keyword arguments go to :func:`exometa.plots.bias.bias_funnel`; returns a Figure.
        """
        from ..plots.bias import bias_funnel

        key = {"sei": "pet", "vi": "peese"}.get(self.predictor)
        if key is None:
            from ..errors import ExometaError

            raise ExometaError(
                f"regtest(predictor={self.predictor!r}) cannot be drawn on a funnel plot (standard error on the "
                "vertical axis); draw predictor='sei' (Egger line, PET) or 'vi' (PEESE)."
            )
        kwargs.setdefault(key, self)
        return bias_funnel(self.analysis, **kwargs)


def regtest(res, model: str = "rma", predictor: str = "sei", ni=None) -> RegtestResult:
    """Regression test for funnel-plot asymmetry, with the limit estimate (metafor's ``regtest``).

    Parameters
    ----------
    res : MetaResult
        A fitted analysis, ``exometa.meta_analysis(yi, vi, ...)``; with
        ``model="rma"`` its tau^2 estimator, test and level are used.
    model : {'rma', 'lm'}
        Meta-regression (default) or the classical Egger weighted regression.
    predictor : {'sei', 'vi', 'ni', 'ninv', 'sqrtni', 'sqrtninv'}
        The regressor; ``sei`` gives Egger's test and PET, ``vi`` PEESE.
    ni : array_like, optional
        Sample sizes (one per study), for the predictors based on n.

    Returns
    -------
    RegtestResult

    Examples
    --------
    The BCG vaccine trials (metafor's ``dat.bcg``), log risk ratios, random-effects
    model; metafor gives z = -0.8033 (p = 0.4218) and the limit estimate -0.5104
    (95% CI -1.1182 to 0.0974):

    >>> import pandas as pd
    >>> from importlib.resources import files
    >>> from exometa import effect_sizes, meta_analysis, regtest
    >>> bcg = pd.read_csv(files("exometa") / "data" / "dat_bcg.csv")
    >>> es = effect_sizes("RR", bcg, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    >>> r = regtest(meta_analysis(es.yi, es.vi))
    >>> round(r.zval, 4), round(r.pval, 4), round(r.est, 4)
    (-0.8033, 0.4218, -0.5104)
    """
    fitted = fitted_analysis(res, "regtest", min_k=3)
    model = check_choice("model", model, MODELS)
    predictor = check_choice("predictor", predictor, PREDICTORS)
    n = check_sizes(ni, fitted.k, "regtest") if predictor in ("ni", "ninv", "sqrtni", "sqrtninv") else None
    x = predictor_values(predictor, fitted.vi, n)
    if np.ptp(x) == 0:
        raise DataError(
            f"regtest: every study has the same {PREDICTOR_NAMES[predictor]}, so the regression slope cannot "
            "be estimated (the model matrix is not of full rank)."
        )
    ones = np.ones((1, fitted.k), dtype=bool)
    out = regtest_rows(fitted.yi[None], fitted.vi[None], ones, x[None], model, fitted.method, fitted.test, fitted.level)
    has_limit = predictor in LIMIT_PREDICTORS
    one = lambda key: float(out[key][0])  # noqa: E731
    return RegtestResult(
        model=model, predictor=predictor, method=fitted.method, test=fitted.test if model == "rma" else "t",
        level=fitted.level, k=fitted.k, zval=one("zval"), pval=one("pval"), dfs=one("dfs"),
        est=float(out["coef"][0, 0]) if has_limit else np.nan,
        ci_lb=one("ci_lb") if has_limit else np.nan, ci_ub=one("ci_ub") if has_limit else np.nan,
        coef=tuple(float(c) for c in out["coef"][0]), coef_se=tuple(float(c) for c in out["coef_se"][0]),
        tau2=one("tau2"), analysis=res,
    )  # fmt: skip
