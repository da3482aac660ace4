"""The random-effects fit at given tau^2 values: every quantity the estimators need.

:class:`Problem` wraps a :class:`~exometa.models.batch.Batch` and answers one
question, many times: at ``tau2`` (one or several values per row), what are
the estimate, Q, the (RE)ML scores and their derivatives? The intercept-only
model is answered from the weighted sums of :mod:`.weighted_sums` (one
streamed pass over the data per call, however many values per row); models
with moderators from :mod:`.wls`.

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

    def score(self, reml: bool):
        """``u`` times the (RE)ML score and ``u^2`` times its derivative.

        REML: ``y'PPy - tr(P)`` and ``-2 y'PPPy + tr(PP)``; ML: ``y'PPy - sum(w)``
        and ``-2 y'PPPy + sum(w^2)`` (each twice the derivative of the log-likelihood).
        """
        if reml:
            return self.a - self.tr, -2 * self.a3 + self.tr2
        return self.a - self.sw, -2 * self.a3 + self.sw2


class Problem:
    """A batch ready to be evaluated at any tau^2, with its per-row constants.

    Call its methods within ``np.errstate(all="ignore")`` (as the engine does):
    absent studies, empty rows and unsafe rows produce inf and NaN on purpose.

    Holds one piece of working state: the centre of each row's weighted sums
    (the last estimate seen), so that later evaluations lose no digits.
    """

    def __init__(self, b: Batch):
        self.b = b
        self.fast = b.intercept_only
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            mid = 0.5 * b.ymin + 0.5 * b.ymax
            half = 0.5 * b.ymax - 0.5 * b.ymin
            ok = (half <= MAX_SPREAD) & (b.vmin > 0) & (b.vmax < np.inf) & ((half * half) / b.vmin <= MAX_Q_SCALE)
        self.centre = np.where(ok, mid, 0.0)
        self._d_centre = np.nan  # the centre of the cached (1, d, d^2) of a single small analysis
        #: rows whose numbers cannot be handled in double precision (see the module doc)
        self.unsafe = ~ok & (b.k > 0)

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
        if b.B == 1 and b.y.shape[1] <= SINGLE and t2.shape[0] == 1:
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
        """One small meta-analysis: the same sums as :func:`weighted_sums.sums`, with fewer calls.

        ``D`` holds (1, d, d^2) for the current centre; each tau^2 value is one
        reciprocal and one matrix-vector product per power of the weights.
        """
        b = self.b
        c = float(self.centre[0])
        if self._d_centre != c:
            d = b.y[0] - c
            self._D = np.array([np.ones_like(d), d, d * d])
            self._d_centre = c
        D, v = self._D, b.v_absent_inf[0]
        G = t2.shape[1]
        if flat and G == 1:
            ev = self._single_value(D, v, float(t2[0, 0]), float(u[0, 0]), c, order)
            if ev is not None:
                return ev
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
            return self._single(t2, u, order, flat)
        mu = c + delta  # (the centre stays: the data's (1, d, d^2) are reused while no digits are lost)
        if flat:
            return _from_sums(S[:, 0], delta[:, 0], mu[:, 0], t2[:, 0], u[:, 0], order)
        return _from_sums(S, delta, mu, t2, u, order)

    def _single_value(self, D, v, t, u, c, order):
        """One tau^2 value of one small analysis, in Python floats; None if digits would cancel."""
        w = u / (v + t)
        s00, s01, s02 = (D @ w).tolist()
        delta = s01 / s00 if s00 else math.nan
        if s02 > CANCELLATION * (s02 - delta * s01):
            return None
        q = max((s02 - delta * s01) / u, 0.0)
        vals = [t, u, c + delta, u / s00 if s00 else math.inf, q, s00]
        if order >= 2:
            w2 = w * w
            s10, s11, s12 = (D @ w2).tolist()
            tr = s00 - s10 / s00 if s00 else math.nan
            a = max((s12 - 2 * delta * s11 + delta * delta * s10) / u, 0.0)
            vals += [tr, a, s10]
        if order >= 3:
            s20, s21, s22 = (D @ (w2 * w)).tolist()
            w2r = (s11 - delta * s10) / math.sqrt(u)
            w3r2 = (s22 - 2 * delta * s21 + delta * delta * s20) / u
            ratio = s10 / s00 if s00 else math.nan
            vals += [max(w3r2 - w2r * w2r / s00, 0.0) if s00 else math.nan, s10 - 2 * s20 / s00 + ratio * ratio if s00 else math.nan]
        arr = np.array(vals)
        f = [arr[i : i + 1] for i in range(arr.size)]
        f += [None] * (11 - len(f))
        # fields: tau, u, beta (n, 1), vb (n, 1, 1), q, sw, tr, a, sw2, a3, tr2
        return Evaluation(f[0], f[1], f[2][:, None], f[3][:, None, None], f[4], f[5], f[6], f[7], f[8], f[9], f[10])

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
        # weights u / (v + t) with u = t = UNWEIGHTED are exactly 1 (0 for absent studies)
        t = np.full((rows_idx.size, 1), UNWEIGHTED)
        c = self.centre[rows_idx]
        for _ in range(2):  # a second time centred on the mean if the first lost digits
            S = weighted_sums.sums(b.y, b.v_absent_inf, t, c, t, 1, rows=rows)[:, 0, 0]
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = S[:, 1] / S[:, 0]
                rss = np.maximum(S[:, 2] - mean * S[:, 1], 0.0)
                if not (S[:, 2] > CANCELLATION * rss).any():
                    break
                c = c + mean
        return rss

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
