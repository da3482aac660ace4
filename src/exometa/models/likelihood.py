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
- ``2 A3(b) > T2(a)`` proves ``g`` strictly decreasing (at most one maximum);
- ``2 A3(a) < T2(b)`` proves ``g`` strictly increasing (at most one minimum, no maximum);
- and as ``g'`` lies between ``-2 A3(a) + T2(b)`` and ``-2 A3(b) + T2(a)``, the score's
  value at either end plus the width times its steepest possible slope bounds it inside;
- ``A`` and ``T`` are also convex (``dP/dtau^2 = -PP``, so ``A'' = 6 y'PPPPy >= 0`` and
  ``tr(P)'' = 2 tr(PPP) >= 0``; ML's ``sum(w)'' = 2 sum(w^3)``): each lies below its chord
  and above its tangents (slopes ``-2 A3`` and ``-T2``), which bounds ``g`` above and
  below by broken lines whose extremes are at the ends and at one kink. This proves
  much wider intervals than the bounds above: at k = 10^6 two rounds instead of four.

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

import math

import numpy as np

from .evaluation import Evaluation, Problem
from .rootfind import solve_decreasing

#: refinement rounds before an interval is given up as unprovable (a tangency)
MAX_ROUNDS = 60
#: relative half-width, in units of v_min + tau^2, of the interval placed around a Newton guess
NEAR = 0.025
#: for data of up to LADDER_SIZE numbers, points at these multiples of v_min + tau^2 are added at once
LADDER = (1 / 16, 1 / 8, 1 / 4, 0.4, 0.6, 0.8, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0, 16.0)
LADDER_SIZE = 1 << 15
_LADDER = np.array(LADDER)
#: Newton's search stops without another look when the error its steps predict (``size^3 /
#: last^2``) is below this fraction of the tolerance: a margin for steps not yet quadratic
QUADRATIC_MARGIN = 0.01


def upper_bound(rss, df, vmin, vmax) -> np.ndarray:
    """A tau^2 beyond which the (RE)ML score is negative: no maximum lies above it.

    With ``u = vmin + tau2``: ``y'PPy <= Q / u <= S / u^2`` (``S`` the unweighted
    residual sum of squares) and ``tr(P) >= (k - p) / (vmax + tau2)``, so the score
    is negative once ``(k - p) u^2 > S (u + vmax - vmin)``.

    >>> float(upper_bound(np.array([4.0]), np.array([4]), np.array([1.0]), np.array([1.0]))[0])
    0.0
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # (S + sqrt(S^2 + 4 df S (vmax - vmin))) / (2 df), written so that S^2 cannot overflow
        root = rss / (2 * df) * (1 + np.sqrt(1 + 4 * df * (vmax - vmin) / rss))
    return np.where(rss > 0, np.maximum(root - vmin, 0.0) * (1 + 1e-9), 0.0)


class _Points:
    """Evaluations at the ends of intervals, flat over (row, interval): one (8, n) array."""

    FIELDS = ("tau", "u", "a", "t", "a3", "t2", "g", "dg")

    def __init__(self, M: np.ndarray):
        self.M = M
        self.tau, self.u, self.a, self.t, self.a3, self.t2, self.g, self.dg = M

    @classmethod
    def of(cls, ev: Evaluation, reml: bool) -> "_Points":
        return cls(np.stack(cls.fields(ev, reml)))

    @staticmethod
    def fields(ev: Evaluation, reml: bool) -> list:
        """The eight fields of an evaluation (arrays, or floats from :meth:`Problem.values`)."""
        g, dg = ev.score(reml)
        t, t2 = (ev.tr, ev.tr2) if reml else (ev.sw, ev.sw2)
        return [ev.tau, ev.u, ev.a, t, ev.a3, t2, g, dg]

    def take(self, idx) -> "_Points":
        return _Points(self.M[:, idx])

    @staticmethod
    def concat(parts) -> "_Points":
        return _Points(np.concatenate([p.M for p in parts], axis=1))


def _classify(L: _Points, R: _Points):
    """Which intervals are proved positive, negative or monotone (see the module doc)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = L.u / R.u  # <= 1
        pos = R.a * ratio > L.t
        neg = L.a < R.t * ratio
        falling = 2 * R.a3 * ratio * ratio > L.t2
        rising = 2 * L.a3 < R.t2 * ratio * ratio
        # the score moves from its value at one end by at most the width times its
        # steepest possible slope: g' lies in [-2 A3(a) + T2(b), -2 A3(b) + T2(a)]
        width = R.tau - L.tau
        ga, gb = L.g / L.u, R.g / R.u
        slope_hi = np.maximum(0.0, -2 * R.a3 / R.u**2 + L.t2 / L.u**2) * width
        slope_lo = np.minimum(0.0, -2 * L.a3 / L.u**2 + R.t2 / R.u**2) * width
        pos |= (ga + slope_lo > 0) | (gb - slope_hi > 0)
        neg |= (ga + slope_hi < 0) | (gb - slope_lo < 0)
        cpos, cneg = _convex(L, R)
    return pos | cpos, neg | cneg, falling | rising


def _convex(L: _Points, R: _Points):
    """Signs proved by convexity: ``A`` and ``T`` are convex in tau^2 (see the module doc).

    On [a, b], a convex function lies below its chord and above its tangents, so
    ``g = A - T`` lies below ``chord(A) - max(tangents of T)`` and above
    ``max(tangents of A) - chord(T)``: piecewise linear bounds with one kink each,
    whose extremes are at a, b (where they equal g) and at the kink. Everything is
    in units of ``u`` at the left end, with the position scaled to s in [0, 1]
    (``t = a + s (b - a)``); a small relative margin absorbs rounding.
    """
    r = L.u / R.u  # <= 1
    h = (R.tau - L.tau) / L.u  # the width in units of u(a)
    Aa, Ab, Ta, Tb = L.a, R.a * r, L.t, R.t * r  # u(a) A and u(a) T at both ends
    dAa, dAb = 2 * L.a3 * h, 2 * R.a3 * r * r * h  # u(a) times |A'| (b - a): A' = -2 y'PPPy
    dTa, dTb = L.t2 * h, R.t2 * r * r * h  # u(a) times |T'| (b - a): T' = -tr(PP) (ML: -sum w^2)
    margin = 1e-9 * (Aa + Ta)
    # upper bound at the kink of max(tangents of T): T(a) - dTa s = T(b) + dTb (1 - s)
    s = np.clip((Ta - Tb - dTb) / (dTa - dTb), 0.0, 1.0)
    upper = Aa + (Ab - Aa) * s - np.maximum(Ta - dTa * s, Tb + dTb * (1 - s))
    # lower bound at the kink of max(tangents of A)
    s = np.clip((Aa - Ab - dAb) / (dAa - dAb), 0.0, 1.0)
    lower = np.maximum(Aa - dAa * s, Ab + dAb * (1 - s)) - (Ta + (Tb - Ta) * s)
    ends_pos, ends_neg = (L.g > 0) & (R.g > 0), (L.g < 0) & (R.g < 0)
    return ends_pos & (lower > margin), ends_neg & (upper < -margin)


def _split_points(L: _Points, R: _Points) -> list[np.ndarray]:
    """Where to split unproved intervals: around a Newton guess if the sign changes, else halfway."""
    change = (L.g > 0) != (R.g > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        guess = L.tau - L.u * L.g / L.dg
    inside = change & np.isfinite(guess) & (guess > L.tau) & (guess < R.tau)
    # halfway on the scale of u = min(v) + tau2, where the weights change: geometric when wide
    vmin = L.u - L.tau
    geometric = np.sqrt(L.u) * np.sqrt(R.u) - vmin
    half = np.where(R.u > 4 * L.u, geometric, 0.5 * (L.tau + R.tau))
    half = np.clip(half, L.tau + 0.25 * (R.tau - L.tau) * (R.u <= 4 * L.u), R.tau)
    centre = np.where(inside, guess, half)
    width = NEAR * (centre - L.tau + L.u)
    lo = np.where(inside, np.maximum(centre - width, 0.5 * (L.tau + centre)), centre)
    hi = np.where(inside, np.minimum(centre + width, 0.5 * (centre + R.tau)), centre)
    return [lo, hi]


def maximise(prob: Problem, rows: np.ndarray, reml: bool, start: np.ndarray, control, rss=None, at0=None):
    """ML or REML tau^2 for the given rows; returns (tau2, iterations, converged).

    ``start`` is where the search begins (metafor's: the Hedges estimate); ``rss``
    the unweighted residual sums of squares of the rows and ``at0`` their fit at
    tau^2 = 0 (order 3), if already known. One row is searched by :func:`maximise_one`.
    """
    b = prob.b
    n = rows.size
    tau2 = np.zeros(n)
    iters = np.zeros(n, int)
    converged = np.ones(n, bool)
    if n == 0:
        return tau2, iters, converged
    rss = prob.unweighted_rss(rows) if rss is None else rss
    if n == 1:
        at0 = None if at0 is None or at0.a3 is None else at0.item()
        one = maximise_one(prob, int(rows[0]), reml, float(start[0]), control, float(rss[0]), at0)
        return np.array([one[0]]), np.array([one[1]]), np.array([one[2]])
    hi = upper_bound(rss, b.k[rows] - b.p, b.vmin[rows], b.vmax[rows])
    live = np.flatnonzero(hi > 0)  # hi = 0: the data fit the model exactly, tau^2 = 0
    if live.size == 0:
        return tau2, iters, converged
    if at0 is None or at0.a3 is None:
        at0 = prob.at(np.zeros(n), rows, order=3)
    zero = _Points.of(at0, reml)
    if live.size < n:
        zero = zero.take(live)
    # 1. Newton's method from metafor's starting value: usually the answer, to be proved
    s = start[live]
    s = np.clip(np.where(np.isnan(s), 0.0, s), 0.0, hi[live])
    root, newton_ok, newton_pts, newton_owner, n_iters = _newton(prob, rows, live, s, hi[live], zero, reml, control)
    iters[live] += n_iters
    # 2. the points that prove it: 0, the Newton steps, two close around the root, the upper bound
    near = root > 0
    vmin = b.vmin[rows[live]]
    width = NEAR * (root + vmin)
    extra_tau = [hi[live], (root - width)[near], (root + width)[near]]
    extra_owner = [live, live[near], live[near]]
    if live.size * b.y.shape[1] <= LADDER_SIZE:  # small data: more points now, fewer rounds later
        extra_tau.append((_LADDER[:, None] * (root + vmin) - vmin).ravel())  # by multiple, then by row
        extra_owner.append(np.tile(live, _LADDER.size))
    extra_tau, extra_owner = np.concatenate(extra_tau), np.concatenate(extra_owner)
    keep = (extra_tau > 0) & (extra_tau <= hi[extra_owner])
    extra = _Points.of(prob.at_pairs(extra_tau[keep], rows[extra_owner[keep]], order=3), reml)
    # Newton's steps that landed between the two close points add nothing to the proof
    pos_of = np.full(n, -1)
    pos_of[live] = np.arange(live.size)
    at = pos_of[newton_owner]
    outside = ~near[at] | (newton_pts.tau <= root[at] - width[at]) | (newton_pts.tau >= root[at] + width[at])
    pts = _Points.concat([zero, newton_pts.take(outside), extra])
    owner = np.concatenate([live, newton_owner[outside], extra_owner[keep]])
    L, R, owner = _intervals(pts, owner)
    # 3. split what is not yet proved
    L, R, owner = _prove(prob, rows, L, R, owner, reml, iters, converged)
    # 4. one maximum in each interval where the score changes sign; Newton's is known already
    bracket = (L.g > 0) & (R.g <= 0)
    r_own, ok_own = root[pos_of[owner]], newton_ok[pos_of[owner]]
    has_newton = bracket & ok_own & (L.tau <= r_own) & (r_own <= R.tau) & (r_own > 0)
    todo = np.flatnonzero(bracket & ~has_newton)
    roots, root_ok, root_iters = _roots(prob, rows, owner[todo], L.take(todo), R.take(todo), reml, control)
    np.add.at(iters, owner[todo], root_iters)
    # candidates: every maximum inside, and tau^2 = 0 where the score there is not positive
    found = np.flatnonzero(has_newton)
    at_zero = live[zero.g <= 0]
    cand_owner = np.concatenate([owner[todo], owner[found], at_zero])
    cand_tau = np.concatenate([roots, root[pos_of[owner[found]]], np.zeros(at_zero.size)])
    cand_ok = np.concatenate([root_ok, np.ones(found.size + at_zero.size, bool)])
    _best(prob, rows, cand_owner, cand_tau, cand_ok, reml, tau2, converged)
    has = np.zeros(n, bool)
    has[cand_owner] = True
    converged[live[~has[live]]] = False  # no candidate: only if rounding broke the bound
    return tau2, np.maximum(iters, 1), converged


def maximise_one(prob: Problem, row: int, reml: bool, start: float, control, rss: float, at0: Evaluation):
    """:func:`maximise` for one row: the same search, proof points, proof and choice.

    The bookkeeping that :func:`maximise` does with arrays over rows (a few dozen
    NumPy calls on arrays of one row) is done in Python floats; what involves many
    numbers stays on arrays, through the same functions: the proof's points are
    evaluated together, its intervals classified together (:func:`_prove`).
    ``at0`` is the fit at tau^2 = 0 with float fields (order 3, as
    :meth:`Problem.values` gives it), if known; returns (tau2, iterations, converged).
    """
    b = prob.b
    hi = float(upper_bound(np.float64(rss), int(b.k[row]) - b.p, float(b.vmin[row]), float(b.vmax[row])))
    if not hi > 0:  # the data fit the model exactly: tau^2 = 0
        return 0.0, 0, True
    if at0 is None:
        at0 = prob.values(0.0, row, order=3)
    rows, live = np.array([row]), np.zeros(1, int)
    zero = _Points(np.array(_Points.fields(at0, reml))[:, None])
    # 1. Newton's method from metafor's starting value (clipped to [0, hi], NaN to 0, as np.clip does)
    s = start if start > 0 else 0.0
    x, newton_ok, newton_pts, _, n_iters = _newton_one(prob, rows, live, s if s < hi else hi, hi, zero, reml, control)
    root, newton_ok = float(x[0]), bool(newton_ok[0])
    iters, converged = n_iters.copy(), np.ones(1, bool)
    # 2. the points that prove it (see maximise): 0, Newton's steps, two around the root, the ladder, hi
    vmin = float(b.vmin[row])
    near = root > 0
    width = NEAR * (root + vmin)
    extra = [hi] + ([root - width, root + width] if near else [])
    if b.y.shape[1] <= LADDER_SIZE:
        extra += [f * (root + vmin) - vmin for f in LADDER]
    extra = [t for t in extra if t > 0 and t <= hi]
    extra = _Points.of(prob.at_pairs(np.array(extra), np.full(len(extra), row), order=3), reml)
    tau = newton_pts.tau
    outside = ((tau <= root - width) | (tau >= root + width)) if near else np.ones(tau.size, bool)
    pts = _Points.concat([zero, newton_pts.take(outside), extra])
    L, R, owner = _intervals(pts, np.zeros(pts.M.shape[1], int))
    # 3. split what is not yet proved
    L, R, owner = _prove(prob, rows, L, R, owner, reml, iters, converged)
    # 4. one maximum in each interval where the score changes sign; Newton's is known already
    bracket = (L.g > 0) & (R.g <= 0)
    has_newton = bracket & newton_ok & (L.tau <= root) & (root <= R.tau) & (root > 0)
    todo = np.flatnonzero(bracket & ~has_newton)
    roots, root_ok, n_iter = [], [], int(iters[0])
    if todo.size:
        x, ok, it = _roots(prob, rows, owner[todo], L.take(todo), R.take(todo), reml, control)
        roots, root_ok, n_iter = x.tolist(), ok.tolist(), n_iter + int(it.sum())
    n_iter = max(n_iter, 1)
    # candidates: every maximum inside, and tau^2 = 0 if the score there is not positive
    found = int(has_newton.sum())
    cand_tau = roots + [root] * found + ([0.0] if zero.g[0] <= 0 else [])
    cand_ok = root_ok + [True] * (len(cand_tau) - len(roots))
    if not cand_tau:  # no candidate: only if rounding broke the bound
        return 0.0, n_iter, False
    if len(cand_tau) == 1:
        return cand_tau[0], n_iter, bool(converged[0]) and cand_ok[0]
    tau2 = np.zeros(1)
    _best(prob, rows, np.zeros(len(cand_tau), int), np.array(cand_tau), np.array(cand_ok), reml, tau2, converged)
    return float(tau2[0]), n_iter, bool(converged[0])


def _prove(prob: Problem, rows, L: _Points, R: _Points, owner, reml: bool, iters, converged):
    """Classify the intervals, splitting those not proved, until all are (see the module doc).

    Returns every interval with its row; counts each round in ``iters`` and marks in
    ``converged`` the rows with an interval that is not a number or stays unproved.
    """
    done_L, done_R, done_owner, done_ok = [], [], [], []
    for _ in range(MAX_ROUNDS):
        pos, neg, mono = _classify(L, R)
        proved = pos | neg | mono
        broken = ~np.isfinite(L.M).all(axis=0) | ~np.isfinite(R.M).all(axis=0)
        if broken.any():  # a number that is not a number: no proof, and no splitting either
            converged[owner[broken]] = False
            proved |= broken
        if not done_L and proved.all():  # all proved at once (the usual case with the ladder)
            return L, R, owner
        done_L.append(L.take(proved)), done_R.append(R.take(proved)), done_owner.append(owner[proved])
        done_ok.append(np.ones(int(proved.sum()), bool))
        open_ = np.flatnonzero(~proved)
        if open_.size == 0:
            break
        L, R, owner = L.take(open_), R.take(open_), owner[open_]
        iters[owner] += 1  # (once per row: a repeated index is incremented once)
        L, R, owner = _split(prob, rows, L, R, owner, reml)
    else:  # still unproved after MAX_ROUNDS (a tangency): keep them, flagged
        done_L.append(L), done_R.append(R), done_owner.append(owner)
        done_ok.append(np.zeros(owner.size, bool))
    L, R = _Points.concat(done_L), _Points.concat(done_R)
    owner, ok = np.concatenate(done_owner), np.concatenate(done_ok)
    converged[owner[~ok]] = False
    return L, R, owner

def _newton(prob: Problem, rows, live, x, hi, zero: _Points, reml: bool, control):
    """Safeguarded Newton ascent from ``x`` on [0, hi], each row to a nearby maximum.

    Each row keeps a bracket: ``lo`` (the largest point seen with a positive
    score, else 0) and ``up`` (the smallest point above it with a negative one).
    Newton's step is taken when the likelihood is locally concave and the step
    stays inside the bracket; otherwise the search moves uphill by halving.

    Returns the maxima (0 where the ascent reaches the boundary), whether each
    converged, every point evaluated (with its row, as an index into ``rows``)
    and the steps taken.
    """
    m = live.size
    if m == 1:
        return _newton_one(prob, rows, live, float(x[0]), float(hi[0]), zero, reml, control)
    x = x.copy()
    lo, lo_pos = np.zeros(m), zero.g > 0
    up = hi.copy()
    iters = np.zeros(m, int)
    active = np.ones(m, bool)
    last = np.full(m, np.inf)  # each row's previous Newton step (inf: none, or not Newton's)
    parts, owners = [], []
    scale = prob.b.vmin[rows[live]]
    for _ in range(control.maxiter):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        at_zero = x[a] == 0
        if at_zero.any():  # the boundary: its score is known already
            z = a[at_zero]
            stop = ~lo_pos[z]  # score <= 0 at 0: the boundary is a maximum
            active[z[stop]] = False
            go = z[~stop]
            x[go] = 0.5 * np.minimum(up[go], zero.u[go])
            a = np.flatnonzero(active)
            if a.size == 0:
                break
        p = _Points.of(prob.at_pairs(x[a], rows[live[a]], order=3), reml)
        parts.append(p), owners.append(live[a])
        iters[a] += 1
        xa = x[a]
        rise = p.g > 0
        lo[a] = np.where(rise, xa, lo[a])
        lo_pos[a] |= rise
        up[a] = np.where(p.g < 0, xa, up[a])
        newton, concave = _newton_step(p)
        # uphill: halfway up, or down -- straight to 0 if no rise has been seen (the
        # boundary is then a candidate; the proof below finds any maximum passed over)
        uphill = np.where(rise, 0.5 * (xa + up[a]), np.where(lo_pos[a], 0.5 * (xa + lo[a]), 0.0))
        new = np.where(concave, newton, uphill)
        outside = (new >= up[a]) | ((new <= lo[a]) & lo_pos[a]) | (new < 0)
        # falling with no rise seen: the boundary is the candidate (the proof finds any other)
        to_zero = ~lo_pos[a] & ((new <= 0) | (p.g < 0))
        concave &= ~outside & ~to_zero
        new = np.where(outside, 0.5 * (lo[a] + up[a]), new)
        new = np.where(to_zero, 0.0, new)
        new = np.where(p.g == 0, xa, new)
        size = np.abs(new - xa)
        tol = control.threshold * np.maximum(np.abs(new), scale[a])
        done = size <= tol
        done |= (up[a] - lo[a] <= control.threshold * np.maximum(up[a], scale[a])) & lo_pos[a]
        # Newton converges quadratically: once steps shrink like e, e^2, the error left after
        # this step is about size^3 / last^2, below the tolerance: no need to look again
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            last_a = last[a]
            done |= concave & np.isfinite(last_a) & (size <= 0.1 * last_a) & (size * (size / last_a) ** 2 <= QUADRATIC_MARGIN * tol)
        last[a] = np.where(concave, size, np.inf)
        x[a] = new
        active[a[done]] = False
    pts = _Points.concat(parts) if parts else zero.take(np.zeros(0, int))
    return x, ~active, pts, (np.concatenate(owners) if owners else np.zeros(0, int)), iters


def _newton_step(p: _Points):
    """Newton's next point for the root of ``T / A - 1``, and where that step heads for a maximum.

    ``A / T`` falls roughly like ``1 / (v + tau^2)`` on both sides of the root, so its
    reciprocal is nearly linear in tau^2 and Newton's method on it needs fewer steps than
    on the score ``A - T`` itself (about three from the DL estimate instead of five). Its
    roots are the score's; where ``T / A`` rises (``2 T A3 > T2 A``), a root is a maximum
    of the likelihood, as ``g' < 0`` there (the two agree at the root).
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        den = 2 * p.t * p.a3 - p.t2 * p.a  # u^2 A^2 times the slope of T / A, in u's units
        new = p.tau + p.u * p.a * p.g / den
    return new, (den > 0) & np.isfinite(new)


def _newton_one(prob: Problem, rows, live, x, hi, zero: _Points, reml: bool, control):
    """:func:`_newton` for one row, in Python floats, with a quadratic early stop.

    Its steps are Newton's on the score itself (not on ``T / A - 1`` as the batch's): a
    single analysis is one search, and keeping its steps keeps its results to the last
    digit (committed output files depend on them).
    """
    row = int(rows[live[0]])
    lo, lo_pos, up = 0.0, bool(zero.g[0] > 0), hi
    u0 = float(zero.u[0])
    scale = float(prob.b.vmin[row])
    parts, iters, last, done = [], 0, math.inf, False
    for _ in range(control.maxiter):
        if x == 0:  # the boundary: its score is known already
            if not lo_pos:  # score <= 0 at 0: the boundary is a maximum
                done = True
                break
            x = 0.5 * min(up, u0)
        p = _Points.fields(prob.values(x, row, order=3), reml)
        parts.append(p)
        iters += 1
        g, dg, u = p[6], p[7], p[1]
        if g == 0:
            done = True
            break
        if g > 0:
            lo, lo_pos = x, True
        else:
            up = x
        newton = x - u * g / dg if dg != 0 else math.nan
        if g > 0:
            uphill = 0.5 * (x + up)
        else:
            uphill = 0.5 * (x + lo) if lo_pos else 0.0
        concave = dg < 0 and math.isfinite(newton)
        new = newton if concave else uphill
        if new >= up or (lo_pos and new <= lo) or new < 0:
            new, concave = 0.5 * (lo + up), False
        if not lo_pos and (new <= 0 or g < 0):
            new, concave = 0.0, False
        size = abs(new - x)
        tol = control.threshold * max(abs(new), scale)
        quadratic = concave and math.isfinite(last) and size <= 0.1 * last and size * (size / last) ** 2 <= tol
        x = new
        if size <= tol or quadratic or (lo_pos and up - lo <= control.threshold * max(up, scale)):
            done = True
            break
        last = size if concave else math.inf
    pts = _Points(np.array(parts).T) if parts else zero.take(np.zeros(0, int))
    return np.array([x]), np.array([done]), pts, np.zeros(len(parts), int) + live[0], np.array([iters])


def _intervals(pts: _Points, owner):
    """Consecutive points of each row (sorted by tau^2, duplicates dropped) as intervals."""
    order = np.lexsort((pts.tau, owner))
    o, t = owner[order], pts.tau[order]
    keep = np.ones(o.size, bool)
    keep[1:] = (o[1:] != o[:-1]) | (t[1:] != t[:-1])
    order, o = order[keep], o[keep]
    pair = np.flatnonzero(o[1:] == o[:-1])
    return pts.take(order[pair]), pts.take(order[pair + 1]), o[pair]


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
