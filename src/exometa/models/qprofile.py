"""Solving the generalised Q-statistic for tau^2, for a whole batch.

The generalised Q, ``Q(tau2) = y'P(tau2)y``, falls monotonically as tau^2
grows. Two parts of exometa need the tau^2 at which it equals a target ``c``:
the Paule-Mandel estimator (``c = k - p``) and the Q-profile confidence interval
for tau^2 (``c`` = chi-square quantiles, Viechtbauer 2007).

The equation is solved as ``1/c - 1/Q(tau2) = 0``: ``1/Q`` is close to linear in
tau^2 (exactly so for one study), so Newton's method, safeguarded by
:func:`~exometa.models.rootfind.solve_decreasing`, needs few steps. The upper end
of the bracket needs no pass over the data: ``Q(t) <= Q(0) vmax / (vmax + t)``.
"""

from __future__ import annotations

import numpy as np

from .evaluation import Problem
from .rootfind import solve_decreasing, solve_one

TINY = np.finfo(float).tiny


def solve_q(prob: Problem, target, rows, q0, x0=None, xtol: float = 1e-12, at0=None):
    """tau^2 >= 0 with ``Q(tau2) = target`` for each (row, target) pair; 0 where ``Q(0) <= target``.

    Call within ``np.errstate(all="ignore")`` (see :class:`~exometa.models.evaluation.Problem`).

    Parameters
    ----------
    prob : the batch.
    target : (n,) Q values to reach.
    rows : (n,) the row of each target (a row may appear more than once).
    q0 : (n,) Q at tau^2 = 0 of each pair's row.
    x0 : optional (n,) starting values; where NaN (or when not given), Newton's first
        step from 0 if ``at0`` (the fit at 0 of each pair's row, order 2) is given.

    Returns
    -------
    tau2 : (n,) (NaN where the target is not finite and positive); converged : (n,) bool.
    """
    target = np.asarray(target, float)
    rows = np.asarray(rows)
    n = target.size
    tau2 = np.full(n, np.nan)
    converged = np.ones(n, bool)
    ok = np.isfinite(target) & (target > 0)
    at_zero = ok & (q0 <= target)
    tau2[at_zero] = 0.0
    todo = np.flatnonzero(ok & ~at_zero)
    if todo.size == 0:
        return tau2, converged
    if todo.size == 1 and n == 1 and at0 is not None and (x0 is None or np.isnan(x0).all()):
        return _solve_one_target(prob, float(target[0]), rows, float(q0[0]), at0, xtol)
    c, who = target[todo], rows[todo]
    vmax = prob.b.vmax[who]
    hi = vmax * (q0[todo] / c - 1) * 1.01 + TINY

    def func(x, idx):
        ev = prob.at_pairs(x, who[idx], order=2)
        q = ev.q
        g = 1 / c[idx] - 1 / q
        step = q * (1 - q / c[idx]) * ev.u / ev.a  # g / g' with g' = -y'PPy / Q^2
        return g, step

    start = np.full(todo.size, np.nan) if x0 is None else np.asarray(x0, float)[todo]
    if at0 is not None:  # Newton's first step from 0, where Q(0), y'PPy(0) are known already
        q, c0 = q0[todo], c
        first = q * (q / c0 - 1) * at0.u[todo] / at0.a[todo]
        start = np.where(np.isnan(start), first, start)
    start = np.minimum(np.where(start > 0, start, 0.0), hi)  # NaN -> 0
    x, conv, _ = solve_decreasing(func, np.zeros(todo.size), hi, x0=start, xtol=xtol, scale=prob.b.vmin[who])
    tau2[todo] = x
    converged[todo] = conv
    return tau2, converged


def _solve_one_target(prob: Problem, c: float, rows, q0: float, at0, xtol: float):
    """:func:`solve_q` for one target of one row (arrays in, arrays out): see :func:`solve_one_q`."""
    row = int(rows[0])
    tau2, conv = solve_one_q(
        lambda x: prob.values(x, row, order=2), c, q0, float(at0.u[0]), float(at0.a[0]),
        float(prob.b.vmax[row]), float(prob.b.vmin[row]), xtol,
    )  # fmt: skip
    return np.array([tau2]), np.array([conv])


def solve_one_q(values, c: float, q0: float, u0: float, a0: float, vmax: float, vmin: float, xtol: float):
    """tau^2 > 0 with ``Q(tau2) = c`` for one row whose ``Q(0) = q0 > c``, in Python floats.

    ``values(x)`` is the fit at tau^2 = x with float fields (order 2); ``u0``, ``a0``
    those of the fit at 0, for Newton's first step from 0, where the search starts.
    Returns (tau2, converged).
    """
    hi = vmax * (q0 / c - 1) * 1.01 + TINY
    first = q0 * (q0 / c - 1) * u0 / a0
    start = min(first, hi) if first > 0 else 0.0

    def func(x):
        ev = values(x)
        q = np.float64(ev.q)  # IEEE division, as on arrays: a Q rounded to 0 gives inf, not an exception
        return 1 / c - 1 / q, q * (1 - q / c) * ev.u / ev.a

    x, conv, _ = solve_one(func, 0.0, hi, start, xtol, scale=vmin)
    return float(x), conv
