"""Solving the generalised Q-statistic for tau^2, row by row, for a whole batch.

The generalised Q, ``Q(tau2) = y'P(tau2)y``, falls monotonically as tau^2
grows. Two parts of exometa need the tau^2 at which it equals a target ``c``:
the Paule-Mandel estimator (``c = k - p``) and the Q-profile confidence interval
for tau^2 (``c`` = chi-square quantiles, Viechtbauer 2007).

The root is found with :func:`exometa.models.rootfind.solve_decreasing`, using
the exact derivative ``dQ/dtau2 = -y'PPy``.
"""

from __future__ import annotations

import numpy as np

from . import wls
from .rootfind import solve_decreasing


def q_function(tau2, y, v, mask, X):
    """Generalised Q and its derivative at ``tau2`` (one value per row)."""
    f = wls.q_at(tau2, y, v, mask, X)
    return f.rss(), -f.rpp()


def solve_q(target, y, v, mask, X, rows=None, x0=None):
    """tau^2 >= 0 with ``Q(tau2) = target`` for each row; 0 where ``Q(0) <= target``.

    Parameters
    ----------
    target : (B,) array of Q values to reach.
    y, v, mask, X : the batch, as in :mod:`exometa.models.wls`.
    rows : optional boolean (B,) array; rows outside it return NaN.
    x0 : optional (B,) starting values (e.g. the tau^2 estimate), for speed.

    Returns
    -------
    tau2 : (B,) array.
    converged : (B,) boolean array.
    """
    B = y.shape[0]
    target = np.broadcast_to(np.asarray(target, dtype=float), (B,))
    rows = np.ones(B, bool) if rows is None else np.asarray(rows, bool)
    tau2 = np.full(B, np.nan)
    converged = np.ones(B, bool)
    q0, _ = q_function(np.zeros(B), y, v, mask, X)
    at_zero = rows & (q0 <= target)
    tau2[at_zero] = 0.0
    todo = rows & ~at_zero & np.isfinite(target) & (target > 0)
    if not todo.any():
        return tau2, converged
    idx = np.flatnonzero(todo)
    ys, vs, ms, Xs, c = y[idx], v[idx], mask[idx], X[idx], target[idx]
    # An upper end where Q < c: Q(t) <= RSS_ols / (t + min v) <= RSS_ols / t.
    ols = wls.fit(ys, ms.astype(float), Xs)

    def g(x, rows):
        if rows.size < idx.size:  # only the rows still iterating
            q, dq = q_function(x, ys[rows], vs[rows], ms[rows], Xs[rows])
        else:
            q, dq = q_function(x, ys, vs, ms, Xs)
        return q - c[rows], dq

    hi = ols.rss() / c * 1.01 + 1e-300
    start = None if x0 is None else np.clip(np.asarray(x0, float)[idx], 0.0, hi)
    x, ok, _ = solve_decreasing(g, np.zeros(idx.size), hi, x0=start)
    converged[idx] = ok
    tau2[idx] = x
    return tau2, converged
