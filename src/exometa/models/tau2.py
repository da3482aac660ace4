"""Estimators of the between-study variance tau^2, each a small function.

Every estimator has the signature ``estimator(ctx) -> Tau2Estimate`` and is
registered by its metafor ``method=`` code; the engine calls it within
``np.errstate(all="ignore")``. ``ctx`` is a :class:`Context`: the
batch (as a :class:`~exometa.models.evaluation.Problem`), the rows to estimate
(those with more studies than coefficients) and the fit at tau^2 = 0, which
the engine computes once for the heterogeneity statistics anyway.

An estimator uses ``ctx`` only through the members :class:`Context` documents
(``at0``, ``k``, ``df``, ``control``, ``intercept_only``, ``at``, ``unweighted_rss``,
``sum_v``, ``solve_q``, ``maximise``, ``done``, and ``b`` for models with
moderators), with arithmetic that works on arrays and on Python floats alike:
a single small analysis is estimated through
:class:`~exometa.models.single.SingleContext`, the same members in floats, by
the same functions (so the two give the same numbers).

Definitions follow metafor (``rma.uni``), with references:

- DL: DerSimonian & Laird (1986); HE: Hedges (1983); HS, HSk: Hunter & Schmidt
  (2004) and its small-sample k/(k-p) correction; SJ: Sidik & Jonkman (2005);
  ML, REML: the global maximum of the (restricted) likelihood, see
  :mod:`.likelihood`; EB: Morris (1983), whose fixed point is PM's; PM: Paule &
  Mandel (1982), solved exactly; DL2: the two-step DerSimonian-Kacker (2007)
  estimator, a generalised-Q estimator with weights ``1/(v + tau2_DL)``
  (metafor: ``method="GENQ", weights=1/(vi + tau2_DL)``). As ``tr(PV) = k - p -
  tau2 tr(P)`` for those weights, it is one Newton-type step of the Paule-Mandel
  equation from the DL estimate: ``tau2_DL + (Q(tau2_DL) - (k - p)) / tr(P)``.

Every estimate is truncated at zero, as in metafor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import likelihood, qprofile, wls
from .batch import Batch
from .evaluation import Evaluation, Problem

__all__ = ["Batch", "Control", "Context", "Tau2Estimate", "ESTIMATORS", "COMMON_EFFECT", "register"]


@dataclass(frozen=True, eq=False)
class Tau2Estimate:
    """An estimator's answer: arrays (n,) for a batch's rows, Python numbers for a SingleContext."""

    tau2: np.ndarray  # (n,)
    iterations: np.ndarray  # (n,) int
    converged: np.ndarray  # (n,) bool


@dataclass(frozen=True)
class Control:
    """Settings for the iterative estimators (metafor's ``control=``).

    ``threshold`` (relative, absolute below the smallest sampling variance) is
    tighter than metafor's default (1e-5) so that exometa returns the root itself
    rather than a point near it; see ``tests/reference/README.md``. ``maxiter``
    bounds the Newton steps of each root search.
    """

    threshold: float = 1e-12
    maxiter: int = 200


@dataclass(eq=False)
class Context:
    """What an estimator works from: the rows to estimate and the fit at tau^2 = 0.

    Quantities are arrays with one entry per row of ``rows``.
    """

    prob: Problem
    rows: np.ndarray  # indices of the batch's rows to estimate
    at0: Evaluation  # the fit at tau^2 = 0 of those rows (order >= 2; 3 for ML/REML)
    control: Control
    _memo: dict = field(default_factory=dict)

    @property
    def b(self) -> Batch:
        return self.prob.b

    @property
    def k(self) -> np.ndarray:
        return self.b.k[self.rows]

    @property
    def df(self) -> np.ndarray:
        return self.b.k[self.rows] - self.b.p

    @property
    def intercept_only(self) -> bool:
        """The model is the pooled estimate alone (no moderators)."""
        return self.prob.fast

    def at(self, tau2, order: int = 1) -> Evaluation:
        """The fit of the rows at ``tau2`` (one value per row)."""
        return self.prob.at(tau2, self.rows, order=order)

    def unweighted_rss(self) -> np.ndarray:
        if "rss" not in self._memo:
            self._memo["rss"] = self.prob.unweighted_rss(self.rows)
        return self._memo["rss"]

    def sum_v(self) -> np.ndarray:
        """Sum of the sampling variances of each row's studies."""
        b, rows = self.b, self.rows
        v = b.v if rows.size == b.B else b.v[rows]  # (no copy of the data for a whole batch)
        return v.sum(axis=1) if b.full else np.sum(v, axis=1, where=b.mask if rows.size == b.B else b.mask[rows])

    def solve_q(self, target):
        """tau^2 with ``Q(tau2) = target`` for each row, 0 where ``Q(0) <= target``; (tau2, converged)."""
        target = np.asarray(target, float)
        return qprofile.solve_q(self.prob, target, self.rows, self.at0.q, xtol=self.control.threshold, at0=self.at0)

    def maximise(self, reml: bool, start) -> Tau2Estimate:
        """The (RE)ML estimate: the highest maximum of the likelihood, searched from ``start``."""
        tau2, iters, conv = likelihood.maximise(
            self.prob, self.rows, reml, start, self.control, rss=self.unweighted_rss(), at0=self.at0
        )
        return Tau2Estimate(tau2, iters, conv)

    def done(self, tau2, converged=None) -> Tau2Estimate:
        """An estimate without iterations: truncated at 0 (NaN, from no information, becomes 0)."""
        tau2 = np.where(tau2 > 0, tau2, 0.0)  # NaN too
        n = self.rows.size
        return Tau2Estimate(tau2, np.zeros(n, int), np.ones(n, bool) if converged is None else converged)


ESTIMATORS: dict[str, Callable[[Context], Tau2Estimate]] = {}


def register(name: str):
    def deco(func):
        ESTIMATORS[name] = func
        return func

    return deco


@register("EE")
def _ee(ctx: Context) -> Tau2Estimate:
    return ctx.done(np.zeros(ctx.rows.size))


ESTIMATORS["FE"] = _ee


@register("DL")
def _dl(ctx: Context) -> Tau2Estimate:
    z = ctx.at0
    return ctx.done((z.q - ctx.df) * z.u / z.tr)


def _he_value(ctx: Context):
    if ctx.intercept_only:
        trace = ctx.sum_v() * (1 - 1 / ctx.k)  # tr(P V) of the unweighted fit: sum v (1 - 1/k)
    else:
        b, rows = ctx.b, ctx.rows
        trace = wls.fit(b.y[rows], b.mask[rows].astype(float), b.X[rows]).tr_pv(b.v[rows])
    return (ctx.unweighted_rss() - trace) / ctx.df


@register("HE")
def _he(ctx: Context) -> Tau2Estimate:
    return ctx.done(_he_value(ctx))


@register("HS")
def _hs(ctx: Context) -> Tau2Estimate:
    z = ctx.at0
    return ctx.done((z.q - ctx.k) * z.u / z.sw)


@register("HSk")
def _hsk(ctx: Context) -> Tau2Estimate:
    z = ctx.at0
    return ctx.done((ctx.k / ctx.df * z.q - ctx.k) * z.u / z.sw)


def _sj_start(ctx: Context):
    """metafor's SJ starting value: the (biased) variance of the y's about their mean."""
    if ctx.intercept_only:
        ss = ctx.unweighted_rss()
    else:
        b, rows = ctx.b, ctx.rows
        m = b.mask[rows]
        y = b.y[rows]
        mean = np.sum(y, axis=1, where=m) / ctx.k
        ss = np.sum((y - mean[:, None]) ** 2, axis=1, where=m)
    return ss / ctx.k


@register("SJ")
def _sj(ctx: Context) -> Tau2Estimate:
    tau0 = _sj_start(ctx)
    ev = ctx.at(tau0, order=1)
    return ctx.done(tau0 * ev.q / ctx.df)


@register("DL2")
def _dl2(ctx: Context) -> Tau2Estimate:
    """Two-step DerSimonian-Kacker: Q with weights 1/(v + tau2_DL) (see the module doc)."""
    t = _dl(ctx).tau2
    ev = ctx.at(t, order=2)
    return ctx.done(t + (ev.q - ctx.df) * ev.u / ev.tr)


@register("PM")
def _pm(ctx: Context) -> Tau2Estimate:
    tau2, conv = ctx.solve_q(ctx.df)
    return ctx.done(tau2, conv)


@register("EB")
def _eb(ctx: Context) -> Tau2Estimate:
    """Empirical Bayes (Morris). Its fixed point, k/(k-p) Q(tau2) = k, is the
    Paule-Mandel equation Q(tau2) = k - p, so both give the same estimate
    (Viechtbauer et al. 2015); metafor's Fisher scoring for EB converges to it."""
    return _pm(ctx)


def _likelihood(ctx: Context, reml: bool) -> Tau2Estimate:
    # Newton's ascent starts at the DL estimate, free from the fit at 0 (metafor's Fisher
    # scoring starts at the Hedges estimate); the start only changes the speed, as the
    # maximum found is then proved to be the highest (see .likelihood)
    return ctx.maximise(reml, _dl(ctx).tau2)


@register("ML")
def _ml(ctx: Context) -> Tau2Estimate:
    return _likelihood(ctx, reml=False)


@register("REML")
def _reml(ctx: Context) -> Tau2Estimate:
    return _likelihood(ctx, reml=True)


#: methods whose tau^2 is fixed at zero
COMMON_EFFECT = ("EE", "FE")
