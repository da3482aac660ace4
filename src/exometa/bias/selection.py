"""Selection-model likelihoods, evaluated for many parameter values at once.

A selection model (Hedges 1992; Vevea & Hedges 1995; Citkowicz & Vevea 2017) says a
study with one-sided p-value ``p`` is published with relative probability ``w(p)``.
Its estimate then has density ``w(p(y)) phi(y; mu, vi + tau^2) / A``, where ``A`` is the
same product integrated over all ``y``. The weight functions (metafor's ``selmodel``
types):

- ``stepfun``: a constant ``delta_j`` on each p-value interval (``steps``), the first
  fixed at 1 (Vevea & Hedges 1995); ``A`` is a sum of normal probabilities;
- ``beta``: ``p^(d1-1) (1-p)^(d2-1)`` (Citkowicz & Vevea 2017), p-values clamped to
  [1e-5, 1 - 1e-5];
- ``halfnorm`` ``exp(-d p^2)``, ``negexp`` ``exp(-d p)``, ``logistic``
  ``2 exp(-d p) / (1 + exp(-d p))``, ``power`` ``(1-p)^d`` (Preston et al. 2004).

For the smooth families ``A`` is computed by composite Gauss-Legendre quadrature on
``y = mu + s t``, ``t`` in [-12, 12], with panels split where the weight has a kink (the
clamping points, and 0 for two-sided p-values) and on a grid where the p-value changes
(every sampling SD near 0): accurate to about 1e-14, for every parameter value and
study in one array operation.

:func:`loglik` takes ``beta (P,), tau2 (P,), delta (P, D)`` and returns P
log-likelihoods: optimisers, gradients and Hessians evaluate stencils of parameter
values in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._lazy import lazy_module

special = lazy_module("scipy.special")
stats = lazy_module("scipy.stats")

ALTERNATIVES = ("greater", "less", "two.sided")


@dataclass(frozen=True)
class Family:
    """One selection function: its parameters' ranges, start, null value and log-weight."""

    name: str
    n_delta: int
    delta_min: tuple
    delta_max: tuple
    delta_init: tuple
    h0: tuple  # values of delta meaning "no selection"
    pval_min: float
    log_weight: Callable | None  # (log p, log(1-p), p, delta (P, 1, 1, D)) -> log w


def _beta(logp, log1mp, p, d):
    return (d[..., 0] - 1) * logp + (d[..., 1] - 1) * log1mp


def _logistic(logp, log1mp, p, d):
    x = d[..., 0] * p
    return np.log(2.0) - x - np.log1p(np.exp(-x))


FAMILIES = {
    "beta": Family("beta", 2, (1e-5, 1e-5), (100.0, 100.0), (1.0, 1.0), (1.0, 1.0), 1e-5, _beta),
    "halfnorm": Family("halfnorm", 1, (0.0,), (100.0,), (1.0,), (0.0,), 0.0, lambda lp, l1, p, d: -d[..., 0] * p**2),
    "negexp": Family("negexp", 1, (0.0,), (100.0,), (1.0,), (0.0,), 0.0, lambda lp, l1, p, d: -d[..., 0] * p),
    "logistic": Family("logistic", 1, (0.0,), (100.0,), (1.0,), (0.0,), 0.0, _logistic),
    "power": Family("power", 1, (0.0,), (100.0,), (1.0,), (0.0,), 1e-5, lambda lp, l1, p, d: d[..., 0] * l1),
}


def stepfun_family(n_steps: int) -> Family:
    """The step function with ``n_steps`` intervals (delta_1 = 1 is fixed)."""
    n = n_steps
    return Family("stepfun", n, (0.0,) * n, (100.0,) * n, (1.0,) * n, (1.0,) * n, 0.0, None)


def pvalues(y, sigma, alternative: str, pval_min: float = 0.0):
    """One-sided (or two-sided) p-values of ``y / sigma`` and their complements, clamped.

    Returns ``(p, 1 - p)``, each accurate in its own tail, clamped to [pval_min, 1 - pval_min].

    >>> p, q = pvalues(np.array([1.96]), 1.0, "greater")
    >>> round(float(p[0]), 4), round(float(q[0]), 4)
    (0.025, 0.975)
    """
    z = y / sigma
    if alternative == "greater":
        p, q = special.ndtr(-z), special.ndtr(z)
    elif alternative == "less":
        p, q = special.ndtr(z), special.ndtr(-z)
    else:
        p = 2 * special.ndtr(-np.abs(z))
        q = special.erf(np.abs(z) / np.sqrt(2))
    if pval_min > 0:
        p = np.clip(p, pval_min, 1 - pval_min)
        q = np.clip(q, pval_min, 1 - pval_min)
    return p, q


@dataclass(frozen=True)
class SelectionData:
    """The studies and the selection function a likelihood is evaluated for."""

    yi: np.ndarray
    vi: np.ndarray
    family: Family
    alternative: str
    steps: np.ndarray | None  # stepfun: the interval upper bounds, ending at 1
    pgrp: np.ndarray | None  # stepfun: each study's interval (0-based)

    @property
    def sigma(self):
        return np.sqrt(self.vi)


def observed_pvalues(data: SelectionData):
    return pvalues(data.yi, data.sigma, data.alternative, data.family.pval_min)


def interval_of(p, steps) -> np.ndarray:
    """0-based index of the first step with p <= step (metafor's grouping)."""
    return np.searchsorted(np.asarray(steps), p, side="left")


def loglik(beta, tau2, delta, data: SelectionData) -> np.ndarray:
    """Log-likelihood of the selection model for P parameter values: shapes (P,), (P,), (P, D)."""
    beta = np.asarray(beta, dtype=float)[:, None]
    tau2 = np.asarray(tau2, dtype=float)
    tau2 = np.where(tau2 < 10 * np.finfo(float).eps, 0.0, tau2)[:, None]
    delta = np.asarray(delta, dtype=float)
    s = np.sqrt(data.vi[None, :] + tau2)
    dens = stats.norm.logpdf(data.yi[None, :], beta, s)
    if data.family.name == "stepfun":
        with np.errstate(divide="ignore"):
            logw = np.log(delta[:, data.pgrp])
        area = _stepfun_area(beta, s, delta, data)
    else:
        p, q = observed_pvalues(data)
        with np.errstate(divide="ignore"):
            logw = data.family.log_weight(np.log(p), np.log(q), p, delta[:, None, :])
        area = _smooth_area(beta, s, delta, data)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(logw + dens - np.log(area), axis=1)


def _exceed(q, beta, s, sigma, alternative):
    """P(p-value of y <= q) for y ~ N(beta, s^2), per parameter value and study."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if alternative == "greater":
            return special.ndtr((beta - sigma * stats.norm.isf(q)) / s)
        if alternative == "less":
            return special.ndtr((sigma * stats.norm.ppf(q) - beta) / s)
        a = sigma * stats.norm.isf(q / 2)
        return special.ndtr((beta - a) / s) + special.ndtr((-a - beta) / s)


def _stepfun_area(beta, s, delta, data: SelectionData):
    """A = sum_j delta_j P(p in interval j): closed form (Vevea & Hedges 1995)."""
    cum = [np.zeros_like(s)]
    for q in data.steps[:-1]:
        cum.append(_exceed(q, beta, s, data.sigma[None, :], data.alternative))
    cum.append(np.ones_like(s))
    probs = np.diff(np.stack(cum, axis=-1), axis=-1)  # (P, k, N)
    return np.einsum("pkn,pn->pk", probs, delta)


# composite Gauss-Legendre rule on [0, 1]: 2 sub-panels of 16 nodes per panel
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
_SUB = 2
_U = ((np.arange(_SUB)[:, None] + (_GL_NODES[None, :] + 1) / 2) / _SUB).ravel()
_UW = np.tile(_GL_WEIGHTS / 2 / _SUB, _SUB)
#: integration range in standard deviations of y around its mean
RANGE = 12.0
#: panel edges where the p-value moves (in sampling SDs): the weight changes on this scale
_Z_GRID = np.array([-8.0, -4.0, -2.0, -1.0, 1.0, 2.0, 4.0, 8.0])
#: geometric edges towards 0 for two-sided p-values, where the weight may have a cusp
_Z_GRADED = np.array([0.3, 0.1, 0.03, 0.01, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5])


def _breakpoints(data: SelectionData) -> np.ndarray:
    """Panel edges in units of y, per study (k, nb): kinks of the weight function (the
    clamping points; 0 for two-sided p-values) and a grid where the p-value changes."""
    pmin = data.family.pval_min
    cuts = [0.0, *_Z_GRID]
    if data.alternative == "two.sided":  # 1 - p ~ |y|: weights such as (1 - p)^d have a power cusp at 0
        cuts += [*_Z_GRADED, *(-_Z_GRADED)]
    if data.alternative == "two.sided" and pmin > 0:
        a, b = stats.norm.isf(pmin / 2), stats.norm.isf((1 - pmin) / 2)
        cuts += [-a, -b, b, a]
    elif pmin > 0:
        z = stats.norm.isf(pmin)
        cuts += [-z, z]
    return data.sigma[:, None] * np.array(cuts)[None, :]


def _smooth_area(beta, s, delta, data: SelectionData):
    """A = E[w(p(y))] for y ~ N(beta, s^2), by quadrature (P, k)."""
    bp = (_breakpoints(data)[None, :, :] - beta[:, :, None]) / s[:, :, None]  # (P, k, nb)
    ends = np.full(bp.shape[:2] + (1,), RANGE)
    edges = np.sort(np.concatenate([-ends, np.clip(bp, -RANGE, RANGE), ends], axis=-1), axis=-1)
    lo, width = edges[..., :-1], np.diff(edges, axis=-1)  # (P, k, panels)
    t = lo[..., None] + width[..., None] * _U  # (P, k, panels, nodes)
    y = beta[..., None, None] + s[..., None, None] * t
    p, q = pvalues(y, data.sigma[None, :, None, None], data.alternative, data.family.pval_min)
    with np.errstate(divide="ignore"):
        logw = data.family.log_weight(np.log(p), np.log(q), p, delta[:, None, None, None, :])
    f = np.exp(logw - 0.5 * t**2) / np.sqrt(2 * np.pi)
    return np.einsum("pkjn,pkj,n->pk", f, width, _UW)
