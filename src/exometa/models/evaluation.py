"""The random-effects fit at given tau^2 values: every quantity the estimators need.

:class:`Problem` wraps a :class:`~exometa.models.batch.Batch` and answers one
question, many times: at ``tau2`` (one or several values per row), what are
the estimate, Q, the (RE)ML scores and their derivatives? The intercept-only
model is answered from the weighted sums of :mod:`.weighted_sums` (one
streamed pass over the data per call, however many values per row); models
with moderators from :mod:`.wls`. A single analysis of up to :data:`SINGLE`
studies is answered by its :class:`SmallRow` (the same sums, with fewer calls),
which :mod:`.single` also uses without a batch or a problem.

Scale. With weights ``w = 1 / (v + tau2)``, the quantities below have very
different sizes (``tr(PP)`` grows like ``w^2``, ``y'PPPy`` like ``w^3``): with
variances of 1e-160 they overflow. So each evaluation uses weights normalised by
``u = min(v) + tau2`` (``u w <= 1``) and returns the quantities multiplied by the
power of ``u`` that makes them scale-free ("hatted" below). Q, the estimate and
its variance are returned in the data's own units.

=========  ==============================  ================================
field      meaning                          real value
=========  ==============================  ================================
q          generalised Q, ``y'Py``          ``q``
a          ``u y'PPy``                      ``y'PPy = a / u``
tr         ``u tr(P)``                      ``tr(P) = tr / u``
sw         ``u sum(w)``                     ``sum(w) = sw / u``
a3         ``u^2 y'PPPy``                   ``y'PPPy = a3 / u^2``
tr2        ``u^2 tr(PP)``                   ``tr(PP) = tr2 / u^2``
sw2        ``u^2 sum(w^2)``                 ``sum(w^2) = sw2 / u^2``
=========  ==============================  ================================

Rows whose effects are spread over more than ``2 * MAX_SPREAD``, or whose Q
would exceed ``MAX_Q_SCALE`` (``(range/2)^2 / min(v)``), or with non-finite or
non-positive data, are ``unsafe``: their results would not be numbers one can
trust, and the engine reports them as NaN.

(Fields are present for the ``order`` asked: 1 gives ``q``, ``sw``, the estimate
and its variance; 2 adds ``tr``, ``a``, ``sw2``; 3 adds ``a3``, ``tr2``.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import weighted_sums, wls
from .batch import Batch

#: beyond these the weighted sums could overflow: such rows are refused (NaN)
MAX_SPREAD = 1e150  # half the range of the y's
MAX_Q_SCALE = 1e290  # (half range)^2 / smallest variance, the size of Q
#: a centre is moved to the estimate when more than this factor of Q would cancel
CANCELLATION = 1e4
#: a single analysis of up to this many studies is evaluated with matrix-vector products
SINGLE = 4096
#: up to this many tau^2 values of a single analysis are finished in Python floats (:func:`_finish`)
FEW_VALUES = 4
#: tau^2 standing in for "infinite" (weights all 1): unweighted sums
UNWEIGHTED = 1e300


@dataclass(eq=False, slots=True)
class Evaluation:
    """The fit at tau^2 = ``tau`` for n rows x G values (see the module doc for units).

    An internal working object (not frozen, for speed: it is made many times per fit).
    """

    tau: np.ndarray
    u: np.ndarray
    beta: np.ndarray  # (n, G, p)
    vb: np.ndarray  # (n, G, p, p)
    q: np.ndarray
    sw: np.ndarray
    tr: np.ndarray | None = None
    a: np.ndarray | None = None
    sw2: np.ndarray | None = None
    a3: np.ndarray | None = None
    tr2: np.ndarray | None = None

    def _map(self, f) -> "Evaluation":
        return Evaluation(*(None if x is None else f(x) for x in (
            self.tau, self.u, self.beta, self.vb, self.q, self.sw, self.tr, self.a, self.sw2, self.a3, self.tr2)))  # fmt: skip

    def column(self, j: int) -> "Evaluation":
        """The j-th tau^2 value of every row: (n, G) fields become (n,)."""
        return self._map(lambda x: x[:, j])

    def flatten(self) -> "Evaluation":
        """(n, G) fields become (n * G,), row by row."""
        return self._map(lambda x: x.reshape((-1,) + x.shape[2:]))

    def take(self, idx) -> "Evaluation":
        """The entries ``idx`` of flat fields."""
        return self._map(lambda x: x[idx])

    def item(self) -> "Evaluation":
        """The one value of a one-row, one-value evaluation, with Python floats as fields."""
        return self._map(lambda x: float(x.reshape(-1)[0]))

    def as_row(self) -> "Evaluation":
        """An evaluation with float fields (:meth:`item`, :meth:`SmallRow.values`) as one row of arrays."""
        return _as_arrays([[self.tau, self.u, self.beta, self.vb, self.q, self.sw, self.tr, self.a, self.sw2, self.a3, self.tr2]])

    def score(self, reml: bool):
        """``u`` times the (RE)ML score and ``u^2`` times its derivative.

        REML: ``y'PPy - tr(P)`` and ``-2 y'PPPy + tr(PP)``; ML: ``y'PPy - sum(w)``
        and ``-2 y'PPPy + sum(w^2)`` (each twice the derivative of the log-likelihood).
        """
        if reml:
            return self.a - self.tr, -2 * self.a3 + self.tr2
        return self.a - self.sw, -2 * self.a3 + self.sw2


def safe_centre(ymin, ymax, vmin, vmax):
    """Each row's centre (the middle of its effects) and whether its numbers are safe.

    Works on arrays (call within an errstate) and on Python floats with ``vmin > 0``.
    """
    mid = 0.5 * ymin + 0.5 * ymax
    half = 0.5 * ymax - 0.5 * ymin
    ok = (half <= MAX_SPREAD) & (vmin > 0) & (vmax < np.inf) & ((half * half) / vmin <= MAX_Q_SCALE)
    return mid, ok


class SmallRow:
    """One meta-analysis of up to :data:`SINGLE` studies, evaluated with matrix-vector products.

    The same sums as :func:`weighted_sums.sums`, with fewer calls: ``D`` holds
    (1, d, d^2) for the current centre, and each tau^2 value costs one reciprocal
    and one matrix-vector product per power of the weights; one value at a time
    is finished in Python floats (:meth:`values`).

    ``centre`` is a one-element array: the :class:`Problem` built on the same data
    shares it (and this object), so evaluations made before the problem existed
    and through it continue from one state, as if one object had made them all.
    """

    __slots__ = ("y", "v", "vmin", "centre", "_D", "_d_centre")

    def __init__(self, y: np.ndarray, v: np.ndarray, vmin: float, centre: np.ndarray):
        self.y, self.v, self.vmin, self.centre = y, v, vmin, centre
        self._D = None
        self._d_centre = math.nan  # the centre of the cached D

    def _matrix(self):
        c = float(self.centre[0])
        if self._d_centre != c:
            d = self.y - c
            self._D = np.array([np.ones_like(d), d, d * d])
            self._d_centre = c
        return self._D, c

    def values(self, t: float, order: int) -> Evaluation:
        """The fit at one tau^2 value, with Python floats as fields (``beta``, ``vb`` too)."""
        u = self.vmin + t
        D, c = self._matrix()
        vals = _values(D, self.v, t, u, c, order)
        if vals is None:  # digits would cancel: the general route re-centres
            return self.at(np.array([[t]]), np.array([[u]]), order, True).item()
        return Evaluation(*vals)

    def at(self, t2, u, order, flat) -> Evaluation:
        """The fit at ``t2`` (1, G) with scales ``u`` (1, G): fields (1,) if ``flat``, else (1, G)."""
        D, c = self._matrix()
        v = self.v
        G = t2.shape[1]
        if flat and G == 1:
            vals = _values(D, v, float(t2[0, 0]), float(u[0, 0]), c, order)
            if vals is not None:
                return _as_arrays([vals])
        S = np.empty((1, G, order, 3))
        w = u[0][:, None] / (v + t2[0][:, None])  # (G, k)
        S[0, :, 0] = w @ D.T
        if order > 1:
            w2 = w * w
            S[0, :, 1] = w2 @ D.T
            if order > 2:
                S[0, :, 2] = (w2 * w) @ D.T
        delta = S[..., 0, 1] / S[..., 0, 0]
        if (S[..., 0, 2] > CANCELLATION * (S[..., 0, 2] - delta * S[..., 0, 1])).any():
            self._d_centre = np.nan  # far from the estimate: centre on it and start again
            self.centre[0] = c + float(delta[0, -1])
            return self.at(t2, u, order, flat)
        # (the centre stays: the data's (1, d, d^2) are reused while no digits are lost)
        if G <= FEW_VALUES:  # finished in floats: the same formulas without their dozens of array operations
            vals = [_finish(t, uu, c, *Sg) for t, uu, Sg in zip(t2[0].tolist(), u[0].tolist(), S[0].tolist())]
            return _as_arrays(vals, flat)
        mu = c + delta
        if flat:
            return _from_sums(S[:, 0], delta[:, 0], mu[:, 0], t2[:, 0], u[:, 0], order)
        return _from_sums(S, delta, mu, t2, u, order)


def _values(D, v, t: float, u: float, c: float, order: int):
    """The fields of :class:`Evaluation` at one tau^2 value, as Python floats; None if digits would cancel."""
    w = u / (v + t)
    s0 = (D @ w).tolist()
    s00, s01, s02 = s0
    delta = s01 / s00 if s00 else math.nan
    if s02 > CANCELLATION * (s02 - delta * s01):
        return None
    s1 = s2 = None
    if order >= 2:
        w2 = w * w
        s1 = (D @ w2).tolist()
        if order >= 3:
            s2 = (D @ (w2 * w)).tolist()
    return _finish(t, u, c, s0, s1, s2)


def _finish(t: float, u: float, c: float, s0, s1=None, s2=None) -> list:
    """The fields of :class:`Evaluation` at one tau^2 value from its weighted sums, in Python floats.

    ``s0``, ``s1``, ``s2`` are (sum w^j, sum w^j d, sum w^j d^2) for j = 1, 2, 3 (the
    last two for order 2 and 3); the formulas are :func:`_from_sums`', operation for
    operation. Fields: tau, u, beta, vb, q, sw, tr, a, sw2, a3, tr2 (None beyond the order).
    """
    s00, s01, s02 = s0
    delta = s01 / s00 if s00 else math.nan
    q = max((s02 - delta * s01) / u, 0.0)
    vals = [t, u, c + delta, u / s00 if s00 else math.inf, q, s00]
    if s1 is not None:
        s10, s11, s12 = s1
        tr = s00 - s10 / s00 if s00 else math.nan
        a = max((s12 - 2 * delta * s11 + delta * delta * s10) / u, 0.0)
        vals += [tr, a, s10]
    if s2 is not None:
        s20, s21, s22 = s2
        w2r = (s11 - delta * s10) / math.sqrt(u)
        w3r2 = (s22 - 2 * delta * s21 + delta * delta * s20) / u
        ratio = s10 / s00 if s00 else math.nan
        vals += [max(w3r2 - w2r * w2r / s00, 0.0) if s00 else math.nan, s10 - 2 * s20 / s00 + ratio * ratio if s00 else math.nan]
    return vals + [None] * (11 - len(vals))


def _as_arrays(vals: list, flat: bool = True) -> Evaluation:
    """An :class:`Evaluation` of one row from the float fields of its G values (lists from :func:`_finish`).

    Fields are (G,) if ``flat`` (with G = 1: one value), else (1, G); ``beta`` and ``vb``
    have the coefficient axes after those.
    """
    m = 11 - vals[0].count(None)
    f = [x if flat else x[None, :] for x in np.array([v[:m] for v in vals]).T]
    f += [None] * (11 - m)
    return Evaluation(f[0], f[1], f[2][..., None], f[3][..., None, None], *f[4:])


def unweighted_rss(y, v, centre, rows=None) -> np.ndarray:
    """Residual sum of squares of the unweighted fit of the pooled estimate, per row.

    ``y``, ``v`` (B, k) with ``v = inf`` for absent studies; ``centre`` (n,) of the rows asked for.
    """
    # weights u / (v + t) with u = t = UNWEIGHTED are exactly 1 (0 for absent studies)
    t = np.full((centre.size, 1), UNWEIGHTED)
    c = centre
    for _ in range(2):  # a second time centred on the mean if the first lost digits
        S = weighted_sums.sums(y, v, t, c, t, 1, rows=rows)[:, 0, 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = S[:, 1] / S[:, 0]
            rss = np.maximum(S[:, 2] - mean * S[:, 1], 0.0)
            if not (S[:, 2] > CANCELLATION * rss).any():
                break
            c = c + mean
    return rss


class Problem:
    """A batch ready to be evaluated at any tau^2, with its per-row constants.

    Call its methods within ``np.errstate(all="ignore")`` (as the engine does):
    absent studies, empty rows and unsafe rows produce inf and NaN on purpose.

    Holds one piece of working state: the centre of each row's weighted sums
    (the last estimate seen), so that later evaluations lose no digits.
    """

    def __init__(self, b: Batch, row: "SmallRow | None" = None):
        """``row``, for a single small analysis, is the :class:`SmallRow` of the same data
        whose evaluations have begun already: the problem carries on from its state."""
        self.b = b
        self.fast = b.intercept_only
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            mid, ok = safe_centre(b.ymin, b.ymax, b.vmin, b.vmax)
        self.centre = np.where(ok, mid, 0.0)
        #: rows whose numbers cannot be handled in double precision (see the module doc)
        self.unsafe = ~ok & (b.k > 0)
        #: a single small analysis is evaluated by its SmallRow, which shares ``centre``
        self._row = None
        if b.B == 1 and self.fast and b.y.shape[1] <= SINGLE:
            if row is None:
                row = SmallRow(b.y[0], b.v_absent_inf[0], float(b.vmin[0]), self.centre)
            self.centre = row.centre
            self._row = row

    def at(self, tau, rows=None, order: int = 1) -> Evaluation:
        """The fit at ``tau`` of shape (n,) or (n, G) for the given rows (default all)."""
        tau = np.asarray(tau, float)
        flat = tau.ndim == 1
        t2 = tau[:, None] if flat else tau
        if rows is None:
            rows_idx = slice(None)
            u = self.b.vmin[:, None] + t2
        else:
            rows_idx = rows = np.asarray(rows)
            u = self.b.vmin[rows][:, None] + t2
        if self.fast:
            return self._fast(t2, u, rows, rows_idx, order, flat)
        ev = self._general(t2, u, rows_idx, order)
        return ev.column(0) if flat else ev

    def values(self, tau: float, row: int, order: int = 1) -> Evaluation:
        """The fit at one tau^2 value of one row, with Python floats as fields.

        For a single small analysis these are the floats :class:`SmallRow` computes
        anyway (no arrays are made); otherwise the one value of :meth:`at`.
        """
        if self._row is not None:
            return self._row.values(tau, order)
        return self.at(np.array([tau]), np.array([row]), order).item()

    def at_pairs(self, tau, rows, order: int = 1) -> Evaluation:
        """The fit at ``tau[i]`` for row ``rows[i]`` (rows may repeat): flat (n,) arrays.

        When every row appears equally often, the values of a row are evaluated
        together (one pass over its data)."""
        rows = np.asarray(rows)
        tau = np.asarray(tau, float)
        if rows.size <= 1:
            return self.at(tau, rows, order)
        if (rows == rows[0]).all():  # one row: all its values at once
            return self.at(tau[None, :], rows[:1], order).flatten()
        order_idx = np.argsort(rows, kind="stable")
        uniq, counts = np.unique(rows[order_idx], return_counts=True)
        if counts.size and (counts == counts[0]).all() and counts[0] > 1:
            G = int(counts[0])
            ev = self.at(tau[order_idx].reshape(-1, G), uniq, order).flatten()
            back = np.empty_like(order_idx)
            back[order_idx] = np.arange(rows.size)
            return ev.take(back)
        return self.at(tau, rows, order)

    # ------------------------------------------------------------------ intercept only
    def _fast(self, t2, u, rows, rows_idx, order, flat):
        b = self.b
        if self._row is not None and t2.shape[0] == 1:
            return self._single(t2, u, order, flat)
        order = max(order, 1)
        centre = self.centre[rows_idx]
        S = weighted_sums.sums(b.y, b.v_absent_inf, t2, centre, u, order, rows=rows)
        delta = S[..., 0, 1] / S[..., 0, 0]
        lost = (S[..., 0, 2] > CANCELLATION * (S[..., 0, 2] - delta * S[..., 0, 1])) & np.isfinite(delta)
        centres = centre[:, None]
        if lost.any():  # the centre was far from the estimate: once more, centred on it
            i, g = np.nonzero(lost)
            centres = np.repeat(centres, t2.shape[1], axis=1)
            centres[i, g] += delta[i, g]
            all_rows = np.arange(b.B)[rows_idx]
            S2 = weighted_sums.sums(b.y, b.v_absent_inf, t2[i, g][:, None], centres[i, g], u[i, g][:, None], order, rows=all_rows[i])
            S[i, g] = S2[:, 0]
            delta = S[..., 0, 1] / S[..., 0, 0]
        mu = centres + delta
        last = mu[:, -1]
        self.centre[rows_idx] = np.where(np.isfinite(last), last, centre)
        if flat:
            return _from_sums(S[:, 0], delta[:, 0], mu[:, 0], t2[:, 0], u[:, 0], order)
        return _from_sums(S, delta, mu, t2, u, order)

    def _single(self, t2, u, order, flat):
        """One small analysis, evaluated by its :class:`SmallRow` (see :meth:`SmallRow.at`)."""
        return self._row.at(t2, u, order, flat)

    # ------------------------------------------------------------------ with moderators
    def _general(self, t2, u, rows_idx, order):
        b = self.b
        n, G = t2.shape
        y = np.repeat(b.y[rows_idx], G, axis=0)
        v = np.repeat(b.v_absent_inf[rows_idx], G, axis=0)
        X = np.repeat(b.X[rows_idx], G, axis=0)
        uu = u.reshape(-1)
        w = uu[:, None] / (v + t2.reshape(-1)[:, None])
        f = wls.fit(y, w, X)
        shape = (n, G)
        r = lambda x: x.reshape(shape)  # noqa: E731
        ev = dict(
            tau=t2, u=u, beta=f.beta.reshape(shape + (b.p,)), vb=(f.vb * uu[:, None, None]).reshape(shape + (b.p, b.p)),
            q=r(f.rss() / uu), sw=r(w.sum(axis=1)),
        )  # fmt: skip
        if order >= 2:
            ev.update(tr=r(f.tr_p()), a=r(f.rpp() / uu), sw2=r(np.einsum("bk,bk->b", w, w)))
        if order >= 3:
            ev.update(a3=r(f.rppp() / uu), tr2=r(f.tr_pp()))
        return Evaluation(**ev)

    def unweighted_rss(self, rows=None) -> np.ndarray:
        """Residual sum of squares of the unweighted (OLS) fit, per row."""
        b = self.b
        rows_idx = np.arange(b.B) if rows is None else np.asarray(rows)
        if not self.fast:
            mask = np.isfinite(b.v_absent_inf[rows_idx])
            return wls.fit(b.y[rows_idx], mask.astype(float), b.X[rows_idx]).rss()
        return unweighted_rss(b.y, b.v_absent_inf, self.centre[rows_idx], rows)

    def loglik(self, tau, rows, reml: bool) -> np.ndarray:
        """The (restricted) log-likelihood at ``tau`` (n, G), up to constants free of tau^2."""
        b = self.b
        t2 = np.asarray(tau, float)
        ev = self.at(t2, rows, order=1)
        rows_idx = np.asarray(rows)
        logs = weighted_sums.log_sums(b.v, b.mask, t2, rows_idx)
        ll = -0.5 * logs - 0.5 * ev.q
        if reml:
            # log det(X'WX) = log det(X'(uW)X) - p log u
            if self.fast:
                logdet = np.log(ev.sw) - np.log(ev.u)
            else:
                logdet = -np.linalg.slogdet(ev.vb)[1]
            ll = ll - 0.5 * logdet
        return ll


def _from_sums(S, delta, mu, t2, u, order) -> Evaluation:
    """The quantities of :class:`Evaluation` from the weighted sums (called within an errstate)."""
    sw = S[..., 0, 0]
    q = np.maximum((S[..., 0, 2] - delta * S[..., 0, 1]) / u, 0.0)
    tr = a = sw2 = a3 = tr2 = None
    if order >= 2:
        sw2 = S[..., 1, 0]
        tr = sw - sw2 / sw
        # y'PPy = sum w^2 (d - delta)^2
        a = np.maximum((S[..., 1, 2] - 2 * delta * S[..., 1, 1] + delta**2 * sw2) / u, 0.0)
    if order >= 3:
        sw3 = S[..., 2, 0]
        w2r = (S[..., 1, 1] - delta * sw2) / np.sqrt(u)  # u^1.5 sum w^2 r, in units that square to u^3
        w3r2 = (S[..., 2, 2] - 2 * delta * S[..., 2, 1] + delta**2 * sw3) / u
        a3 = np.maximum(w3r2 - w2r**2 / sw, 0.0)
        ratio = sw2 / sw
        tr2 = sw2 - 2 * sw3 / sw + ratio * ratio
    return Evaluation(t2, u, mu[..., None], (u / sw)[..., None, None], q, sw, tr, a, sw2, a3, tr2)
