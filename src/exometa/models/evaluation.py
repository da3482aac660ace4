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

(Fields are present for the ``order`` asked: 1 gives ``q``, ``sw``, the estimate
and its variance; 2 adds ``tr``, ``a``, ``sw2``; 3 adds ``a3``, ``tr2``.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import weighted_sums, wls
from .batch import Batch

#: a centre is moved to the estimate when more than this factor of Q would cancel
CANCELLATION = 1e4
#: tau^2 standing in for "infinite" (weights all 1): unweighted sums
UNWEIGHTED = 1e300


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The fit at tau^2 = ``tau`` for n rows x G values (see the module doc for units)."""

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

    Holds one piece of working state: the centre of each row's weighted sums
    (the last estimate seen), so that later evaluations lose no digits.
    """

    def __init__(self, b: Batch):
        self.b = b
        self.fast = b.intercept_only
        with np.errstate(invalid="ignore", over="ignore"):
            mid = 0.5 * b.ymin + 0.5 * b.ymax
        self.centre = np.where(np.isfinite(mid), mid, 0.0)

    def at(self, tau, rows=None, order: int = 1) -> Evaluation:
        """The fit at ``tau`` of shape (n,) or (n, G) for the given rows (default all)."""
        tau = np.asarray(tau, float)
        flat = tau.ndim == 1
        t2 = tau[:, None] if flat else tau
        rows_idx = np.arange(self.b.B) if rows is None else np.asarray(rows)
        u = self.b.vmin[rows_idx][:, None] + t2
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            ev = self._fast(t2, u, rows, rows_idx, order) if self.fast else self._general(t2, u, rows_idx, order)
        if flat:
            ev = Evaluation(**{f: (None if x is None else x[:, 0]) for f, x in vars(ev).items()})
        return ev

    def at_pairs(self, tau, rows, order: int = 1) -> Evaluation:
        """The fit at ``tau[i]`` for row ``rows[i]`` (rows may repeat): flat (n,) arrays.

        When every row appears equally often, the values of a row are evaluated
        together (one pass over its data)."""
        rows = np.asarray(rows)
        order_idx = np.argsort(rows, kind="stable")
        sr = rows[order_idx]
        uniq, counts = np.unique(sr, return_counts=True)
        if counts.size and (counts == counts[0]).all() and counts[0] > 1:
            G = int(counts[0])
            ev = self.at(np.asarray(tau, float)[order_idx].reshape(-1, G), uniq, order)
            back = np.empty_like(order_idx)
            back[order_idx] = np.arange(rows.size)
            return Evaluation(**{f: (None if x is None else x.reshape((rows.size,) + x.shape[2:])[back]) for f, x in vars(ev).items()})
        return self.at(np.asarray(tau, float), rows, order)

    # ------------------------------------------------------------------ intercept only
    def _fast(self, t2, u, rows, rows_idx, order):
        b = self.b
        centre = np.broadcast_to(self.centre[rows_idx][:, None], t2.shape).copy()
        S = weighted_sums.sums(b.y, b.v_absent_inf, t2, centre[:, 0], u, max(order, 1), rows=rows)
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = S[..., 0, 1] / S[..., 0, 0]
            lost = S[..., 0, 2] > CANCELLATION * (S[..., 0, 2] - delta * S[..., 0, 1])
        lost &= np.isfinite(delta)
        if lost.any():  # the centre was far from the estimate: once more, centred on it
            i, g = np.nonzero(lost)
            centre[i, g] += delta[i, g]
            S2 = weighted_sums.sums(
                b.y, b.v_absent_inf, t2[i, g][:, None], centre[i, g], u[i, g][:, None],
                max(order, 1), rows=rows_idx[i],
            )  # fmt: skip
            S[i, g] = S2[:, 0]
            with np.errstate(invalid="ignore", divide="ignore"):
                delta = S[..., 0, 1] / S[..., 0, 0]
        mu = centre + delta
        self.centre[rows_idx] = np.where(np.isfinite(mu[:, -1]), mu[:, -1], self.centre[rows_idx])
        return _from_sums(S, delta, mu, t2, u, order)

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
    sw = S[..., 0, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        q = (S[..., 0, 2] - delta * S[..., 0, 1]) / u
        q = np.maximum(q, 0.0)
        ev = dict(tau=t2, u=u, beta=mu[..., None], vb=(u / sw)[..., None, None], q=q, sw=sw)
        if order >= 2:
            sw2 = S[..., 1, 0]
            ev["tr"] = sw - sw2 / sw
            # y'PPy = sum w^2 (d - delta)^2
            ev["a"] = np.maximum((S[..., 1, 2] - 2 * delta * S[..., 1, 1] + delta**2 * sw2) / u, 0.0)
            ev["sw2"] = sw2
        if order >= 3:
            sw3 = S[..., 2, 0]
            w2r = (S[..., 1, 1] - delta * sw2) / np.sqrt(u)  # u^1.5 sum w^2 r, in units that square to u^3
            w3r2 = (S[..., 2, 2] - 2 * delta * S[..., 2, 1] + delta**2 * sw3) / u
            ev["a3"] = np.maximum(w3r2 - w2r**2 / sw, 0.0)
            ev["tr2"] = sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2
    return Evaluation(**ev)
