"""Selection models for publication bias (metafor's ``selmodel``).

The model (see :mod:`exometa.bias.selection`) is fitted by maximum likelihood jointly
for the effect, tau^2 and the selection parameters ``delta``; the adjusted estimate is
the effect *had all studies been published alike*, under the model's assumption about
how selection depends on p-values. The likelihood-ratio test compares it with the
same analysis without selection (the ML fit); ``lrt_tau2`` tests heterogeneity under
the selection model.

The default is the three-parameter selection model (``type="stepfun"``,
``steps=(0.025,)``: one-sided p-values below 0.025 versus above; Vevea & Hedges 1995;
McShane et al. 2016). Smooth families: ``beta``, ``halfnorm``, ``negexp``,
``logistic``, ``power``.

As metafor 3.8: a REML (or other) analysis is refitted with ML; parameters are
optimised on log tau^2 and logit-scaled deltas (bounds 0-100; beta 1e-5-100), from
metafor's start values; SEs come from the Hessian of the log-likelihood on the natural
scale (effect, tau^2, delta), CIs are Wald intervals truncated at the bounds (the
fitting: :mod:`exometa.bias.selfit`). As metafor 4.2 corrected: tau^2 below
min(vi/10, 1e-4), and step-function deltas below 1e-4, are held fixed when the Hessian
is computed (their SE is NaN).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .._lazy import lazy_module
from ..arguments import check_choice
from ..errors import DataError, ExometaError, ExometaWarning
from .fitted import fitted_analysis
from .results import BiasResult, level_text, peq, x4
from .selection import ALTERNATIVES, FAMILIES, SelectionData, interval_of, loglik, observed_pvalues, stepfun_family
from .selfit import Problem, maximise, wald_ses

stats = lazy_module("scipy.stats")

TYPES = ("stepfun",) + tuple(FAMILIES)
COMMON = ("EE", "FE")


def _steps(steps) -> np.ndarray:
    try:
        s = np.unique(np.asarray(steps, dtype=float).ravel())
    except (TypeError, ValueError):
        raise ExometaError(f"`steps` must be p-values between 0 and 1, e.g. (0.025,); got {steps!r}.") from None
    if s.size == 0 or np.any((s < 0) | (s > 1)) or not np.all(np.isfinite(s)):
        raise ExometaError(f"`steps` must be p-values between 0 and 1, e.g. (0.025,); got {steps!r}.")
    return s if s[-1] == 1 else np.append(s, 1.0)


def _check_intervals(pgrp, n_steps, free, steps):
    counts = np.bincount(pgrp, minlength=n_steps)
    empty = np.flatnonzero((counts == 0) & free)
    if empty.size:
        lo = np.concatenate([[0.0], steps[:-1]])
        where = ", ".join(f"{lo[j]:g} < p <= {steps[j]:g}" for j in empty)
        raise DataError(
            f"selmodel: no study has a p-value in {where}, so its selection weight cannot be estimated. "
            "Choose `steps` so that every interval holds at least one study."
        )
    return counts


@dataclass(frozen=True, eq=False, repr=False)
class SelmodelResult(BiasResult):
    """Result of :func:`selmodel` (metafor's names in snake_case).

    The adjusted ``estimate, se, zval, pval, ci_lb, ci_ub`` (z-test) and ``tau2`` (with
    ``se_tau2``, Wald ``tau2_ci_lb/ub``); the selection parameters ``delta`` with
    ``se_delta, zval_delta, pval_delta, delta_ci_lb, delta_ci_ub`` (tests against no
    selection: 1 for step functions and beta, 0 otherwise); ``ll`` and ``ll0`` (log-
    likelihoods with and without selection), ``lrt, lrt_df, lrt_pval``; ``lrt_tau2,
    lrt_tau2_pval`` (heterogeneity under selection); ``ptable``: studies per p-value
    interval (step function); ``estimate_ml``: the unadjusted ML estimate.
    """

    type: str
    alternative: str
    steps: tuple | None
    k: int
    method: str
    level: float
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    tau2: float
    se_tau2: float
    tau2_ci_lb: float
    tau2_ci_ub: float
    delta: tuple
    se_delta: tuple
    zval_delta: tuple
    pval_delta: tuple
    delta_ci_lb: tuple
    delta_ci_ub: tuple
    ll: float
    ll0: float
    lrt: float
    lrt_df: int
    lrt_pval: float
    lrt_tau2: float
    lrt_tau2_pval: float
    ptable: tuple | None
    estimate_ml: float
    analysis: object = field(default=None)

    QUANTITIES = (
        ("type", "selection function"),
        ("k", "number of studies"),
        ("estimate", "effect adjusted for selection"),
        ("se", "its standard error"),
        ("zval", "z statistic of the adjusted effect"),
        ("pval", "p-value of the adjusted effect"),
        ("ci_lb", "lower bound of the adjusted effect's CI"),
        ("ci_ub", "upper bound of the adjusted effect's CI"),
        ("tau2", "between-study variance under the selection model"),
        ("delta", "selection parameters (step function: relative publication probability per p-value interval)"),
        ("se_delta", "their standard errors"),
        ("lrt", "likelihood-ratio statistic: selection model against no selection"),
        ("lrt_df", "its degrees of freedom"),
        ("lrt_pval", "p-value for selection"),
        ("estimate_ml", "unadjusted estimate (maximum likelihood, no selection)"),
    )

    def deltas(self):
        """One row per selection parameter: name, value, SE, test and CI (and k per interval)."""
        import pandas as pd

        frame = pd.DataFrame({
            "parameter": self.delta_names(), "delta": self.delta, "se": self.se_delta, "zval": self.zval_delta,
            "pval": self.pval_delta, "ci_lb": self.delta_ci_lb, "ci_ub": self.delta_ci_ub,
        })  # fmt: skip
        if self.ptable is not None:
            frame.insert(1, "k", list(self.ptable))
        return frame

    def delta_names(self) -> list[str]:
        if self.type != "stepfun":
            return [f"delta.{i + 1}" for i in range(len(self.delta))] if len(self.delta) > 1 else ["delta"]
        lo = (0.0,) + tuple(self.steps[:-1])
        return [f"{a:g} < p <= {b:g}" for a, b in zip(lo, self.steps)]

    def summary(self) -> str:
        lv = level_text(self.level)
        fixed_tau2 = self.method in COMMON
        what = {"stepfun": "step function", "beta": "beta", "halfnorm": "half-normal", "negexp": "negative-exponential",
                "logistic": "logistic", "power": "power"}[self.type]  # fmt: skip
        lines = [
            f"{'Equal' if fixed_tau2 else 'Random'}-effects model with a {what} selection model "
            f"(k = {self.k}; p-values: {self.alternative})",
            "",
            f"log-likelihood: {x4(self.ll)} (without selection: {x4(self.ll0)})",
            f"Likelihood-ratio test for selection: LRT(df = {self.lrt_df}) = {x4(self.lrt)}, {peq(self.lrt_pval)}",
        ]
        if not fixed_tau2:
            lines.append(f"tau^2 (between-study variance) under selection: {x4(self.tau2)} (SE = {x4(self.se_tau2)})")
            lines.append(f"Test for heterogeneity under selection: LRT(df = 1) = {x4(self.lrt_tau2)}, "
                         f"{peq(self.lrt_tau2_pval)}")  # fmt: skip
        lines += [
            "",
            f"Adjusted estimate: {x4(self.estimate)} (SE {x4(self.se)}), {lv} CI {x4(self.ci_lb)} to "
            f"{x4(self.ci_ub)}, z = {x4(self.zval)}, {peq(self.pval)}",
            f"Unadjusted estimate (maximum likelihood): {x4(self.estimate_ml)}",
            "",
            "Selection parameters (relative likelihood of publication):",
            self.deltas().to_string(index=False, float_format=x4),
        ]
        return "\n".join(lines)


def selmodel(res, type: str = "stepfun", steps=(0.025,), alternative: str = "greater") -> SelmodelResult:
    """Fit a selection model to a fitted analysis (metafor's ``selmodel``).

    Parameters
    ----------
    res : MetaResult
        A fitted analysis; any tau^2 estimator other than EE/FE/ML is refitted with ML.
    type : {'stepfun', 'beta', 'halfnorm', 'negexp', 'logistic', 'power'}
        The selection function; default the three-parameter step-function model.
    steps : sequence of float
        Step function only: upper bounds of the p-value intervals (1 is added).
    alternative : {'greater', 'less', 'two.sided'}
        Direction of the one-sided p-values that selection is assumed to act on
        ('greater': positive effects are favoured).

    Returns
    -------
    SelmodelResult

    Examples
    --------
    The BCG trials (log risk ratios, where benefit is negative: ``alternative="less"``),
    three-parameter model; metafor's ``selmodel(res, type="stepfun", steps=0.025,
    alternative="less")`` gives an adjusted estimate of -0.6206 and delta = 0.6355 for
    studies with p > 0.025:

    >>> import pandas as pd
    >>> from importlib.resources import files
    >>> from exometa import effect_sizes, meta_analysis, selmodel
    >>> bcg = pd.read_csv(files("exometa") / "data" / "dat_bcg.csv")
    >>> es = effect_sizes("RR", bcg, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    >>> sel = selmodel(meta_analysis(es.yi, es.vi), alternative="less")
    >>> round(sel.estimate, 4), round(sel.delta[1], 4), sel.ptable
    (-0.6206, 0.6355, (8, 5))
    """
    fitted = fitted_analysis(res, "selmodel", min_k=2)
    type = check_choice("type", type, TYPES)
    alternative = check_choice("alternative", alternative, ALTERNATIVES)
    ml = res if fitted.method in COMMON + ("ML",) else _refit_ml(fitted)
    tau2_fixed = 0.0 if fitted.method in COMMON else None
    step_values = _steps(steps) if type == "stepfun" else None
    family = stepfun_family(len(step_values)) if type == "stepfun" else FAMILIES[type]
    free = np.ones(family.n_delta, dtype=bool)
    if type == "stepfun":
        free[0] = False
    data = SelectionData(fitted.yi, fitted.vi, family, alternative, step_values, None)
    ptable = None
    if type == "stepfun":
        pgrp = interval_of(observed_pvalues(data)[0], step_values)
        ptable = tuple(int(c) for c in _check_intervals(pgrp, len(step_values), free, step_values))
        data = SelectionData(fitted.yi, fitted.vi, family, alternative, step_values, pgrp)
    n_par = 1 + (tau2_fixed is None) + int(free.sum())
    if fitted.k < n_par:
        raise DataError(f"selmodel: {n_par} parameters cannot be estimated from k = {fitted.k} studies.")
    problem = Problem(data, tau2_fixed, free)
    theta = maximise(problem, problem.start(ml.estimate, ml.tau2))
    beta, tau2, delta = (a[0] for a in problem.natural(theta[None]))
    ll = float(loglik([beta], [tau2], delta[None], data)[0])
    _warn_bounds(delta, family, free)
    se_hint = 1 / np.sqrt(np.sum(1 / (fitted.vi + tau2)))
    se, se_tau2, se_delta = wald_ses(problem, beta, tau2, delta, se_hint)
    crit = stats.norm.isf((1 - fitted.level / 100) / 2)
    ll0 = float(np.sum(stats.norm.logpdf(fitted.yi, ml.estimate, np.sqrt(fitted.vi + ml.tau2))))
    lrt = max(0.0, -2 * (ll0 - ll))
    lrt_df = int(free.sum())
    lrt_tau2 = _lrt_tau2(data, free, theta, ll) if tau2_fixed is None else np.nan
    h0 = np.array(family.h0)
    with np.errstate(invalid="ignore", divide="ignore"):
        zval_delta = np.where(free, (delta - h0) / se_delta, np.nan)
    tup = lambda a: tuple(float(v) for v in a)  # noqa: E731
    return SelmodelResult(
        type=type, alternative=alternative, steps=None if step_values is None else tup(step_values), k=fitted.k,
        method=fitted.method, level=fitted.level, estimate=float(beta), se=float(se), zval=float(beta / se),
        pval=float(2 * stats.norm.sf(abs(beta / se))), ci_lb=float(beta - crit * se), ci_ub=float(beta + crit * se),
        tau2=float(tau2), se_tau2=float(se_tau2), tau2_ci_lb=float(np.maximum(0.0, tau2 - crit * se_tau2)),
        tau2_ci_ub=float(tau2 + crit * se_tau2), delta=tup(delta), se_delta=tup(se_delta),
        zval_delta=tup(zval_delta), pval_delta=tup(2 * stats.norm.sf(np.abs(zval_delta))),
        delta_ci_lb=tup(np.maximum(0.0, delta - crit * se_delta)), delta_ci_ub=tup(delta + crit * se_delta),
        ll=ll, ll0=ll0, lrt=lrt, lrt_df=lrt_df, lrt_pval=float(stats.chi2.sf(lrt, lrt_df)) if lrt_df else np.nan,
        lrt_tau2=float(lrt_tau2), lrt_tau2_pval=float(stats.chi2.sf(lrt_tau2, 1)), ptable=ptable,
        estimate_ml=float(ml.estimate), analysis=res,
    )  # fmt: skip


def _refit_ml(fitted):
    from ..models.pooling import meta_analysis

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return meta_analysis(fitted.yi, fitted.vi, method="ML", test="z", level=fitted.level)


def _lrt_tau2(data, free, theta_full, ll) -> float:
    """LRT of tau^2 = 0 under the selection model (refitted with tau^2 fixed at 0, from the full fit)."""
    problem = Problem(data, 0.0, free)
    theta = maximise(problem, np.delete(theta_full, 1))
    ll0 = -float(problem.negll(theta[None])[0])
    return max(0.0, -2 * (ll0 - ll))


def _warn_bounds(delta, family, free):
    lo, hi = np.array(family.delta_min), np.array(family.delta_max)
    eps = np.finfo(float).eps ** 0.25
    if np.any(free & ((delta <= lo + eps) | (delta >= hi - 100 * eps))):
        warnings.warn(
            "selmodel: one or more delta estimates are (almost) at their lower or upper bound; treat the "
            "results with caution (the selection function may not be identified by these data).",
            ExometaWarning,
            stacklevel=3,
        )
