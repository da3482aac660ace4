"""Estimators of the between-study variance tau^2, each a small function.

Every estimator has the signature ``estimator(batch, control) -> Tau2Estimate``
and is registered by its metafor ``method=`` code. ``batch`` is a
:class:`Batch` of B meta-analyses; all work is vectorised over B.

Definitions follow metafor 3.8 (``rma.uni``), with references:

- DL: DerSimonian & Laird (1986); HE: Hedges (1983); HS, HSk: Hunter & Schmidt
  (2004) and its small-sample k/(k-p) correction; SJ: Sidik & Jonkman (2005);
  ML, REML: Fisher scoring (Viechtbauer 2005); EB: Morris (1983); PM: Paule &
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


@dataclass(frozen=True, eq=False)
class Tau2Estimate:
    tau2: np.ndarray  # (B,)
    iterations: np.ndarray  # (B,) int
    converged: np.ndarray  # (B,) bool


@dataclass(frozen=True)
class Control:
    """Settings for the iterative estimators (metafor's ``control=``).

    ``threshold`` is tighter than metafor's default (1e-5) so that exometa
    returns the root itself rather than a point near it; see
    ``tests/reference/README.md``.
    """

    threshold: float = 1e-10
    maxiter: int = 100
    step_adj: float = 1.0


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


def _scoring_step(name: str):
    """The Fisher-scoring adjustment of metafor's ML, REML and EB loops."""

    def ml(b, f):
        w = f.w
        return (f.rpp() - w.sum(axis=1)) / np.einsum("bk,bk->b", w, w)

    def reml(b, f):
        return (f.rpp() - f.tr_p()) / f.tr_pp()

    def eb(b, f):
        return (f.rss() * b.k / (b.k - b.p) - b.k) / f.w.sum(axis=1)

    return {"ML": ml, "REML": reml, "EB": eb}[name]


def _loglik(b: Batch, tau2: np.ndarray, reml: bool) -> np.ndarray:
    """Log-likelihood up to the constants that do not depend on tau^2."""
    f = b.fit(tau2)
    ll = -0.5 * np.einsum("bk,bk->b", b.mask, np.log(b.v + tau2[:, None])) - 0.5 * f.rss()
    if reml:
        ll = ll + 0.5 * np.linalg.slogdet(f.vb)[1]
    return ll


def _fisher_scoring(name: str, b: Batch, control: Control) -> Tau2Estimate:
    step = _scoring_step(name)
    tau2 = _he(b, control).tau2  # metafor starts from the HE estimate
    iters = np.zeros(b.B, int)
    active = b.k > b.p
    tau2 = np.where(active, tau2, 0.0)
    for _ in range(control.maxiter):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        sub = Batch(b.y[a], b.v[a], b.mask[a], b.X[a])
        with np.errstate(invalid="ignore", divide="ignore"):
            adj = np.nan_to_num(step(sub, sub.fit(tau2[a])), nan=0.0) * control.step_adj
        old = tau2[a]
        # halve the step until tau^2 stays >= 0 (metafor's rule)
        neg = old + adj < 0
        with np.errstate(divide="ignore", invalid="ignore"):
            halvings = np.where(neg & (old > 0), np.ceil(np.log2(-adj / old)), 0)
        adj = np.where(neg, np.where(old > 0, adj / 2.0**halvings, 0.0), adj)
        adj = np.where(old + adj < 0, -old, adj)
        new = old + adj
        tau2[a] = new
        iters[a] += 1
        active[a[np.abs(new - old) <= control.threshold * np.maximum(1.0, old)]] = False
    converged = ~active
    if name in ("ML", "REML"):
        # metafor's check that the boundary tau^2 = 0 is not a higher maximum
        fitted = converged & (b.k > b.p) & (tau2 > 0)
        if fitted.any():
            idx = np.flatnonzero(fitted)
            sub = Batch(b.y[idx], b.v[idx], b.mask[idx], b.X[idx])
            reml = name == "REML"
            ll0 = _loglik(sub, np.zeros(idx.size), reml)
            ll1 = _loglik(sub, tau2[idx], reml)
            tau2[idx[ll0 - ll1 > 1e-8]] = 0.0
    return Tau2Estimate(np.maximum(tau2, 0.0), iters, converged)


for _name in ("ML", "REML", "EB"):
    ESTIMATORS[_name] = (lambda n: lambda b, c: _fisher_scoring(n, b, c))(_name)

#: methods whose tau^2 is fixed at zero
COMMON_EFFECT = ("EE", "FE")
