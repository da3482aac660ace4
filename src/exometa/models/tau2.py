"""Estimators of the between-study variance tau^2, each a small function.

Every estimator has the signature ``estimator(batch, control) -> Tau2Estimate``
and is registered by its metafor ``method=`` code. ``batch`` is a
:class:`Batch` of B meta-analyses; all work is vectorised over B.

Definitions follow metafor 3.8 (``rma.uni``), with references:

- DL: DerSimonian & Laird (1986); HE: Hedges (1983); HS, HSk: Hunter & Schmidt
  (2004) and its small-sample k/(k-p) correction; SJ: Sidik & Jonkman (2005);
  ML, REML: the roots of their score equations (Viechtbauer 2005), found with
  bracketed Newton steps; EB: Morris (1983), whose fixed point is PM's; PM: Paule &
  Mandel (1982), solved exactly; DL2: the two-step DerSimonian-Kacker (2007)
  estimator, a generalised-Q estimator with weights ``1/(v + tau2_DL)``
  (metafor: ``method="GENQ", weights=1/(vi + tau2_DL)``).

Every estimate is truncated at zero, as in metafor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import qprofile, wls
from .rootfind import solve_decreasing


@dataclass(frozen=True, eq=False)
class Batch:
    """B meta-analyses of up to k studies; absent studies have ``mask`` False.

    ``y`` is 0 and ``v`` is 1 where a study is absent, so that no NaN reaches
    the arithmetic; ``mask`` alone says who is in.
    """

    y: np.ndarray  # (B, k)
    v: np.ndarray  # (B, k)
    mask: np.ndarray  # (B, k) bool
    X: np.ndarray  # (B, k, p)
    k: np.ndarray = field(init=False)  # (B,) studies per row

    def __post_init__(self):
        object.__setattr__(self, "k", self.mask.sum(axis=1))

    @property
    def p(self) -> int:
        return self.X.shape[2]

    @property
    def B(self) -> int:
        return self.y.shape[0]

    def weights(self, tau2=0.0) -> np.ndarray:
        tau2 = np.broadcast_to(np.asarray(tau2, dtype=float), (self.B,))
        return np.where(self.mask, 1.0 / (self.v + tau2[:, None]), 0.0)

    def fit(self, tau2=0.0) -> wls.WLSFit:
        return wls.fit(self.y, self.weights(tau2), self.X)

    def take(self, rows) -> "Batch":
        """The batch of the given rows (itself when every row is asked for)."""
        rows = np.asarray(rows)
        if rows.dtype != bool and rows.size == self.B:
            return self
        return Batch(self.y[rows], self.v[rows], self.mask[rows], self.X[rows])


@dataclass(frozen=True, eq=False)
class Tau2Estimate:
    tau2: np.ndarray  # (B,)
    iterations: np.ndarray  # (B,) int
    converged: np.ndarray  # (B,) bool


@dataclass(frozen=True)
class Control:
    """Settings for the iterative estimators ML and REML (metafor's ``control=``).

    ``threshold`` (relative, absolute below 1) is tighter than metafor's default
    (1e-5) so that exometa returns the root itself rather than a point near it;
    see ``tests/reference/README.md``.
    """

    threshold: float = 1e-12
    maxiter: int = 200


ESTIMATORS: dict[str, Callable[[Batch, Control], Tau2Estimate]] = {}


def register(name: str):
    def deco(func):
        ESTIMATORS[name] = func
        return func

    return deco


def _closed(b: Batch, tau2: np.ndarray) -> Tau2Estimate:
    tau2 = np.maximum(np.nan_to_num(tau2, nan=0.0), 0.0)
    return Tau2Estimate(tau2, np.zeros(b.B, int), np.ones(b.B, bool))


@register("EE")
def _ee(b: Batch, control: Control) -> Tau2Estimate:
    return _closed(b, np.zeros(b.B))


ESTIMATORS["FE"] = _ee


@register("DL")
def _dl(b: Batch, control: Control) -> Tau2Estimate:
    f = b.fit(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _closed(b, (f.rss() - (b.k - b.p)) / f.tr_p())


@register("HE")
def _he(b: Batch, control: Control) -> Tau2Estimate:
    f = wls.fit(b.y, b.mask.astype(float), b.X)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _closed(b, (f.rss() - f.tr_pv(b.v)) / (b.k - b.p))


@register("HS")
def _hs(b: Batch, control: Control) -> Tau2Estimate:
    f = b.fit(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _closed(b, (f.rss() - b.k) / f.w.sum(axis=1))


@register("HSk")
def _hsk(b: Batch, control: Control) -> Tau2Estimate:
    f = b.fit(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _closed(b, (b.k / (b.k - b.p) * f.rss() - b.k) / f.w.sum(axis=1))


def _sj_start(b: Batch) -> np.ndarray:
    """metafor's SJ starting value: the (biased) variance of the y's."""
    ybar = np.einsum("bk,bk->b", b.y, b.mask) / b.k
    return np.einsum("bk,bk->b", b.mask, (b.y - ybar[:, None]) ** 2) / b.k


@register("SJ")
def _sj(b: Batch, control: Control) -> Tau2Estimate:
    tau0 = _sj_start(b)
    f = b.fit(tau0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _closed(b, tau0 * f.rss() / (b.k - b.p))


@register("DL2")
def _dl2(b: Batch, control: Control) -> Tau2Estimate:
    """Two-step DerSimonian-Kacker: Q with weights 1/(v + tau2_DL)."""
    a = b.weights(_dl(b, control).tau2)
    f = wls.fit(b.y, a, b.X)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _closed(b, (f.rss() - f.tr_pv(b.v)) / f.tr_p())


@register("PM")
def _pm(b: Batch, control: Control) -> Tau2Estimate:
    target = (b.k - b.p).astype(float)
    tau2, conv = qprofile.solve_q(target, b.y, b.v, b.mask, b.X, rows=b.k > b.p)
    tau2 = np.where(b.k > b.p, tau2, 0.0)
    return Tau2Estimate(tau2, np.zeros(b.B, int), conv)


def _loglik(b: Batch, tau2: np.ndarray, reml: bool) -> np.ndarray:
    """Log-likelihood up to the constants that do not depend on tau^2."""
    f = b.fit(tau2)
    ll = -0.5 * np.einsum("bk,bk->b", b.mask, np.log(b.v + tau2[:, None])) - 0.5 * f.rss()
    if reml:
        ll = ll + 0.5 * np.linalg.slogdet(f.vb)[1]
    return ll


def _score(b: Batch, tau2: np.ndarray, reml: bool):
    """The (RE)ML score in tau^2 (times 2) and its derivative."""
    f = b.fit(tau2)
    if reml:
        return f.rpp() - f.tr_p(), -2 * f.rppp() + f.tr_pp()
    return f.rpp() - f.w.sum(axis=1), -2 * f.rppp() + np.einsum("bk,bk->b", f.w, f.w)


def _likelihood_root(b: Batch, control: Control, reml: bool) -> Tau2Estimate:
    """ML or REML: the root of the score equation, tau^2 = 0 where the score at 0 is <= 0.

    metafor iterates Fisher scoring from the HE estimate to a tolerance of 1e-5;
    Fisher scoring can creep (oscillating, linearly) towards the root, so exometa
    solves the same score equation with bracketed Newton steps to ``threshold``.
    The solution is the same; metafor's check that the boundary tau^2 = 0 does not
    have the higher likelihood is kept.
    """
    tau2 = np.zeros(b.B)
    iters = np.zeros(b.B, int)
    converged = np.ones(b.B, bool)
    fit_rows = np.flatnonzero(b.k > b.p)
    sub = b.take(fit_rows)
    g0, _ = _score(sub, np.zeros(sub.B), reml)
    inner = np.flatnonzero(g0 > 0)
    if inner.size:
        s = sub.take(inner)
        ols = wls.fit(s.y, s.mask.astype(float), s.X)
        hi = ols.rss() / (s.k - s.p) + s.v.max(axis=1, where=s.mask, initial=0.0)
        for _ in range(64):  # widen until the score is negative at hi
            g_hi, _ = _score(s, hi, reml)
            if (g_hi < 0).all():
                break
            hi = np.where(g_hi < 0, hi, 4 * hi)

        def g(x, rows):
            return _score(s.take(rows), x, reml)

        start = np.clip(_he(s, control).tau2, 0.0, hi)
        root, ok, it = solve_decreasing(g, np.zeros(inner.size), hi, x0=start, xtol=control.threshold, maxiter=control.maxiter)
        # metafor's check that the boundary tau^2 = 0 is not a higher maximum
        ll0 = _loglik(s, np.zeros(inner.size), reml)
        ll1 = _loglik(s, root, reml)
        root = np.where(ll0 - ll1 > 1e-8, 0.0, root)
        rows = fit_rows[inner]
        tau2[rows], converged[rows], iters[rows] = root, ok, it
    return Tau2Estimate(np.maximum(tau2, 0.0), iters, converged)


@register("ML")
def _ml(b: Batch, control: Control) -> Tau2Estimate:
    return _likelihood_root(b, control, reml=False)


@register("REML")
def _reml(b: Batch, control: Control) -> Tau2Estimate:
    return _likelihood_root(b, control, reml=True)


@register("EB")
def _eb(b: Batch, control: Control) -> Tau2Estimate:
    """Empirical Bayes (Morris). Its fixed point, k/(k-p) Q(tau2) = k, is the
    Paule-Mandel equation Q(tau2) = k - p, so both give the same estimate
    (Viechtbauer et al. 2015); metafor's Fisher scoring for EB converges to it."""
    return _pm(b, control)


#: methods whose tau^2 is fixed at zero
COMMON_EFFECT = ("EE", "FE")
