"""A safeguarded Newton root finder that works on many rows at once.

``scipy.optimize.elementwise.find_root`` solves scalar equations elementwise,
but here each row's function is a reduction over that row's k studies, which
its elementwise contract does not allow. So: Newton steps inside a bracket
that shrinks with every evaluation, and bisection whenever a step would leave
the bracket; rows stop independently when the step falls below ``xtol``.
Quadratic convergence near the root, never worse than bisection.

The function returns its value and the Newton step (value / derivative)
rather than the derivative, so that callers can form the step in whatever
units keep it finite.

One row is solved by :func:`solve_one` and a few rows by ``_solve_few``, both in
Python floats: there the cost of NumPy's calls, not the arithmetic, is the time.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

XTOL = 1e-12
MAXITER = 200
#: up to this many rows, :func:`solve_decreasing` takes its steps in Python floats (:func:`_solve_few`):
#: on so few numbers NumPy's cost per call, not the arithmetic, is the time
FEW = 8


def solve_decreasing(
    func: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    lo: np.ndarray,
    hi: np.ndarray,
    x0: np.ndarray | None = None,
    xtol: float = XTOL,
    maxiter: int = MAXITER,
    scale=1.0,
):
    """Root of a function that is positive at ``lo`` and negative at ``hi``, row by row.

    Parameters
    ----------
    func : ``func(x, rows) -> (g, step)`` evaluates the function and its Newton
        step ``g / g'`` at ``x`` for the rows with indices ``rows``.
    lo, hi : (n,) bracket ends; x0 : starting points inside (default ``lo``).
    xtol, scale : a row stops when the step is below ``xtol * max(|x|, scale)``
        (``scale``, scalar or (n,), is the size below which x counts as small).

    Returns
    -------
    x : (n,) roots; converged : (n,) bool; iterations : (n,) int.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x, rows: (2.0 - x**2, (2.0 - x**2) / (-2 * x - 1e-300))
    >>> x, ok, _ = solve_decreasing(f, np.array([0.0]), np.array([2.0]))
    >>> round(float(x[0]), 12), bool(ok[0])
    (1.414213562373, True)
    """
    lo, hi = np.array(lo, float), np.array(hi, float)
    x = lo.copy() if x0 is None else np.array(x0, float)
    if x.size == 1:
        row = np.zeros(1, int)

        def one(t):
            g, step = func(np.array([t]), row)
            return float(g[0]), float(step[0])

        r, ok, it = solve_one(one, float(lo[0]), float(hi[0]), float(x[0]), xtol, maxiter, float(np.ravel(scale)[0]))
        return np.array([r]), np.array([ok]), np.array([it])
    scale = np.broadcast_to(np.asarray(scale, float), x.shape)
    if x.size <= FEW:
        return _solve_few(func, lo.tolist(), hi.tolist(), x.tolist(), xtol, maxiter, scale.tolist())
    iters = np.zeros(x.size, int)
    active = np.ones(x.size, bool)
    last = np.full(x.size, np.inf)  # the previous Newton step of each row
    for _ in range(maxiter):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        xa = x[a]
        g, step = func(xa, a)
        lo[a] = np.where(g > 0, xa, lo[a])
        hi[a] = np.where(g <= 0, xa, hi[a])
        with np.errstate(invalid="ignore"):
            new = xa - step
        bad = ~np.isfinite(new) | (new < lo[a]) | (new > hi[a])
        new = np.where(bad, 0.5 * (lo[a] + hi[a]), new)
        new = np.where(g == 0, xa, new)  # an exact root stays put
        tol = xtol * np.maximum(scale[a], np.abs(new))
        size = np.abs(new - xa)
        # Newton converges quadratically: once steps shrink like e, e^2, the error left
        # after this step is about size^2 / last * (size / last), below tol: no need to look again
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            quadratic = ~bad & np.isfinite(last[a]) & (size <= 0.1 * last[a]) & (size * (size / last[a]) ** 2 <= tol)
        done = (size <= tol) | (g == 0) | (hi[a] - lo[a] <= tol) | quadratic
        last[a] = np.where(bad, np.inf, size)
        x[a] = new
        iters[a] += 1
        active[a[done]] = False
    return x, ~active, iters


def _solve_few(func, lo: list, hi: list, x: list, xtol: float, maxiter: int, scale: list):
    """The loop of :func:`solve_decreasing` for a few rows, in Python floats.

    Row by row, the same operations as the NumPy loop (NaN and division by zero
    included, as NumPy treats them), with ``func`` called on the same arrays of
    active rows: the same numbers, without a dozen array operations per step.
    (:func:`solve_one` is the one-row search; its steps differ in corner cases,
    e.g. it squares with ``**``, so it is not used here.)
    """
    n = len(x)
    iters = [0] * n
    last = [math.inf] * n  # the previous Newton step of each row
    active = list(range(n))
    for _ in range(maxiter):
        if not active:
            break
        g, step = func(np.array([x[i] for i in active]), np.array(active))
        still = []
        for i, gi, si in zip(active, g.tolist(), step.tolist()):
            xi = x[i]
            if gi > 0:
                lo[i] = xi
            if gi <= 0:
                hi[i] = xi
            new = xi - si
            bad = not math.isfinite(new) or new < lo[i] or new > hi[i]
            if bad:
                new = 0.5 * (lo[i] + hi[i])
            if gi == 0:
                new = xi  # an exact root stays put
            a, b = scale[i], abs(new)
            tol = xtol * (a if a >= b or a != a else b)  # np.maximum: NaN wins
            size = abs(new - xi)
            li = last[i]
            r = size / li if li else math.nan  # (size <= 0.1 * 0 leaves only 0 / 0)
            quadratic = not bad and math.isfinite(li) and size <= 0.1 * li and size * (r * r) <= tol
            last[i] = math.inf if bad else size
            x[i] = new
            iters[i] += 1
            if not (size <= tol or gi == 0 or hi[i] - lo[i] <= tol or quadratic):
                still.append(i)
        active = still
    converged = np.ones(n, bool)
    converged[active] = False
    return np.array(x, dtype=float), converged, np.array(iters, dtype=int)


def solve_one(func: Callable[[float], tuple[float, float]], lo: float, hi: float, x: float, xtol: float = XTOL,
              maxiter: int = MAXITER, scale: float = 1.0) -> tuple[float, bool, int]:
    """:func:`solve_decreasing` for one row, in Python floats (the same steps, without array overhead).

    ``func(x) -> (g, step)`` takes and returns floats; returns the root, whether it
    converged and the steps taken.

    >>> x, ok, _ = solve_one(lambda x: (2.0 - x * x, (2.0 - x * x) / (-2 * x - 1e-300)), 0.0, 2.0, 1.0)
    >>> round(x, 12), ok
    (1.414213562373, True)
    """
    last = math.inf
    for it in range(1, maxiter + 1):
        g, step = func(x)
        if g > 0:
            lo = x
        else:
            hi = x
        new = x - step
        bad = not math.isfinite(new) or new < lo or new > hi
        if bad:
            new = 0.5 * (lo + hi)
        if g == 0:
            return x, True, it
        tol = xtol * max(scale, abs(new))
        size = abs(new - x)
        quadratic = not bad and math.isfinite(last) and size <= 0.1 * last and size * (size / last) ** 2 <= tol
        x = new
        if size <= tol or hi - lo <= tol or quadratic:
            return x, True, it
        last = math.inf if bad else size
    return x, False, maxiter
