"""ML and REML estimates of tau^2: the global maximum of the likelihood, certified.

The (restricted) log-likelihood of the random-effects model need not be
concave in tau^2: it can have a local maximum at tau^2 = 0 *and* a higher one
inside, or two inside (in simulated data sets of 20 studies, a few in ten
thousand). A search that stops at the first maximum it meets -- a negative
score at 0 read as "the maximum is at 0", or Fisher scoring from one starting
value (metafor) -- then reports a point that is not the maximum.

exometa finds every local maximum on [0, inf) and returns the highest, with a
proof that none was missed. Twice the score is ``g = A - T`` with
``A = y'PPy`` and ``T = tr(P)`` (REML) or ``sum(w)`` (ML); both fall as tau^2
grows, and so do ``A3 = y'PPPy`` and ``T2 = tr(PP)`` (or ``sum(w^2)``), the
parts of ``g' = -2 A3 + T2``. So on an interval [a, b]:

- ``A(b) > T(a)`` proves ``g > 0`` throughout (the likelihood rises);
- ``A(a) < T(b)`` proves ``g < 0`` throughout (it falls);
- ``2 A3(b) > T2(a)`` proves ``g`` strictly decreasing (at most one maximum).

Starting from [0, start] and [start, hi], where ``hi`` is an upper bound beyond
which the score is provably negative (:func:`upper_bound`) and ``start`` is
metafor's starting value (the Hedges estimate), every interval that none of the
three proves is split, until all are proved. Each interval where ``g`` changes
sign then holds exactly one local maximum, found with safeguarded Newton steps;
tau^2 = 0 is a candidate when the score there is not positive; the candidate
with the highest likelihood is the estimate. For the usual single-peaked
likelihood this costs a few evaluations more than Newton's method alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .evaluation import Evaluation, Problem
from .rootfind import solve_decreasing

#: refinement rounds before an interval is given up as unprovable (a tangency)
MAX_ROUNDS = 60
#: relative half-width, in units of v_min + tau^2, of the interval placed around a Newton guess
NEAR = 0.025


def upper_bound(rss, df, vmin, vmax) -> np.ndarray:
    """A tau^2 beyond which the (RE)ML score is negative: no maximum lies above it.

    With ``u = vmin + tau2``: ``y'PPy <= Q / u <= S / u^2`` (``S`` the unweighted
    residual sum of squares) and ``tr(P) >= (k - p) / (vmax + tau2)``, so the score
    is negative once ``(k - p) u^2 > S (u + vmax - vmin)``.

    >>> float(upper_bound(np.array([4.0]), np.array([4]), np.array([1.0]), np.array([1.0]))[0])
    0.0
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        root = (rss + np.sqrt(rss * rss + 4 * df * rss * (vmax - vmin))) / (2 * df)
    return np.maximum(root - vmin, 0.0) * (1 + 1e-9)


@dataclass
class _Points:
    """Evaluations at the ends of intervals, flat over (row, interval)."""

    tau: np.ndarray
    u: np.ndarray
    a: np.ndarray
    t: np.ndarray
    a3: np.ndarray
    t2: np.ndarray
    g: np.ndarray
    dg: np.ndarray

    @classmethod
    def of(cls, ev: Evaluation, reml: bool) -> "_Points":
        g, dg = ev.score(reml)
        t = ev.tr if reml else ev.sw
        t2 = ev.tr2 if reml else ev.sw2
        return cls(ev.tau, ev.u, ev.a, t, ev.a3, t2, g, dg)

    def take(self, idx) -> "_Points":
        return _Points(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))

    @staticmethod
    def concat(parts) -> "_Points":
        return _Points(*(np.concatenate([getattr(p, f) for p in parts]) for f in _Points.__dataclass_fields__))


def _classify(L: _Points, R: _Points):
    """Which intervals are proved positive, negative or monotone (see the module doc)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = L.u / R.u  # <= 1
        pos = R.a * ratio > L.t
        neg = L.a < R.t * ratio
        mono = 2 * R.a3 * ratio * ratio > L.t2
    return pos, neg, mono


def _split_points(L: _Points, R: _Points) -> list[np.ndarray]:
    """Where to split unproved intervals: around a Newton guess if the sign changes, else halfway."""
    change = (L.g > 0) & (R.g <= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        guess = L.tau - L.u * L.g / L.dg
    inside = change & np.isfinite(guess) & (guess > L.tau) & (guess < R.tau)
    geometric = np.where(L.tau > 0, np.sqrt(L.tau * R.tau), R.tau / 4)
    half = np.where((L.tau > 0) & (R.tau > 4 * L.tau), geometric, 0.5 * (L.tau + R.tau))
    centre = np.where(inside, guess, half)
    width = NEAR * (centre - L.tau + L.u)
    lo = np.where(inside, np.maximum(centre - width, 0.5 * (L.tau + centre)), centre)
    hi = np.where(inside, np.minimum(centre + width, 0.5 * (centre + R.tau)), centre)
    return [lo, hi]


def maximise(prob: Problem, rows: np.ndarray, reml: bool, start: np.ndarray, control, rss=None):
    """ML or REML tau^2 for the given rows; returns (tau2, iterations, converged).

    ``start`` is where the search begins (metafor's: the Hedges estimate); ``rss``
    the unweighted residual sums of squares of the rows, if already known.
    """
    b = prob.b
    n = rows.size
    tau2 = np.zeros(n)
    iters = np.ones(n, int)
    converged = np.ones(n, bool)
    if n == 0:
        return tau2, iters, converged
    rss = prob.unweighted_rss(rows) if rss is None else rss
    hi = upper_bound(rss, b.k[rows] - b.p, b.vmin[rows], b.vmax[rows])
    live = np.flatnonzero(hi > 0)  # hi = 0: the data fit the model exactly, tau^2 = 0
    if live.size == 0:
        return tau2, iters, converged
    r = rows[live]
    s = np.clip(np.nan_to_num(start[live]), 0.0, hi[live])
    inner = (s > 0) & (s < hi[live])
    taus = np.column_stack([np.zeros(live.size), np.where(inner, s, 0.5 * hi[live]), hi[live]])
    ev = prob.at(taus, r, order=3)
    P = [_Points.of(Evaluation(**{f: (None if x is None else x[:, j]) for f, x in vars(ev).items()}), reml) for j in range(3)]
    zero = P[0]
    owner = np.concatenate([live, live])  # interval -> index into rows
    L, R = _Points.concat(P[:2]), _Points.concat(P[1:])
    done_L, done_R, done_owner, done_ok = [], [], [], []
    for _ in range(MAX_ROUNDS):
        pos, neg, mono = _classify(L, R)
        proved = pos | neg | mono
        done_L.append(L.take(proved)), done_R.append(R.take(proved)), done_owner.append(owner[proved])
        done_ok.append(np.ones(int(proved.sum()), bool))
        open_ = np.flatnonzero(~proved)
        if open_.size == 0:
            break
        L, R, owner = L.take(open_), R.take(open_), owner[open_]
        iters[np.unique(owner)] += 1
        L, R, owner = _split(prob, rows, L, R, owner, reml)
    else:  # still unproved after MAX_ROUNDS (a tangency): keep them, flagged
        done_L.append(L), done_R.append(R), done_owner.append(owner)
        done_ok.append(np.zeros(owner.size, bool))
    L, R = _Points.concat(done_L), _Points.concat(done_R)
    owner, ok = np.concatenate(done_owner), np.concatenate(done_ok)
    converged[np.unique(owner[~ok])] = False
    bracket = np.flatnonzero((L.g > 0) & (R.g <= 0))
    roots, root_ok, root_iters = _roots(prob, rows, owner[bracket], L.take(bracket), R.take(bracket), reml, control)
    np.add.at(iters, owner[bracket], root_iters)
    # candidates: every root, and tau^2 = 0 where the score there is not positive
    at_zero = live[zero.g <= 0]
    cand_owner = np.concatenate([owner[bracket], at_zero])
    cand_tau = np.concatenate([roots, np.zeros(at_zero.size)])
    cand_ok = np.concatenate([root_ok, np.ones(at_zero.size, bool)])
    _best(prob, rows, cand_owner, cand_tau, cand_ok, reml, tau2, converged)
    lost = np.setdiff1d(live, cand_owner)  # no candidate: only if rounding broke the bound
    converged[lost] = False
    return tau2, iters, converged


def _split(prob: Problem, rows, L: _Points, R: _Points, owner, reml: bool):
    """Split each interval at one point (halfway) or two (around a Newton guess)."""
    lo, hi = _split_points(L, R)
    one, two = np.flatnonzero(lo == hi), np.flatnonzero(lo != hi)
    taus = np.concatenate([lo[one], lo[two], hi[two]])
    who = np.concatenate([owner[one], owner[two], owner[two]])
    new = _Points.of(prob.at_pairs(taus, rows[who], order=3), reml)
    n1, n2 = one.size, two.size
    M = new.take(np.arange(n1))
    A = new.take(np.arange(n1, n1 + n2))
    Z = new.take(np.arange(n1 + n2, n1 + 2 * n2))
    Lc = _Points.concat([L.take(one), M, L.take(two), A, Z])
    Rc = _Points.concat([M, R.take(one), A, Z, R.take(two)])
    oc = np.concatenate([owner[one], owner[one], owner[two], owner[two], owner[two]])
    return Lc, Rc, oc


def _roots(prob: Problem, rows, owner, L: _Points, R: _Points, reml: bool, control):
    """The one root of the score in each bracketing interval (safeguarded Newton)."""
    if owner.size == 0:
        return np.zeros(0), np.ones(0, bool), np.zeros(0, int)
    who = rows[owner]
    with np.errstate(invalid="ignore", divide="ignore"):
        guess = L.tau - L.u * L.g / L.dg
    x0 = np.where(np.isfinite(guess) & (guess > L.tau) & (guess < R.tau), guess, 0.5 * (L.tau + R.tau))

    def func(x, idx):
        ev = prob.at_pairs(x, who[idx], order=3)
        g, dg = ev.score(reml)
        with np.errstate(invalid="ignore", divide="ignore"):
            return g, ev.u * g / dg

    scale = prob.b.vmin[who]
    return solve_decreasing(func, L.tau, R.tau, x0=x0, xtol=control.threshold, maxiter=control.maxiter, scale=scale)


def _best(prob: Problem, rows, owner, tau, ok, reml, out_tau, out_ok):
    """For each row, the candidate with the highest likelihood (written into out_*)."""
    if owner.size == 0:
        return
    counts = np.bincount(owner, minlength=out_tau.size)
    single = counts[owner] == 1
    out_tau[owner[single]] = tau[single]
    out_ok[owner[single]] &= ok[single]
    multi = np.flatnonzero(~single)
    if multi.size == 0:
        return
    ll = prob.loglik(tau[multi][:, None], rows[owner[multi]], reml)[:, 0]
    order = np.lexsort((-ll, owner[multi]))  # by row, best first
    first = np.ones(order.size, bool)
    first[1:] = owner[multi][order][1:] != owner[multi][order][:-1]
    pick = multi[order[first]]
    out_tau[owner[pick]] = tau[pick]
    out_ok[owner[pick]] &= ok[pick]
