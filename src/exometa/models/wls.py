"""Batched weighted least squares: the linear algebra under every estimator.

All functions take arrays for B meta-analyses at once:

- ``y``    (B, k) effect sizes, 0 where a study is absent;
- ``w``    (B, k) weights, **0 where a study is absent** (this is how absence
  is expressed everywhere: an absent study has no weight);
- ``X``    (B, k, p) design matrices (the intercept-only model is a column of 1s).

Nothing here builds a k x k matrix: traces of the projection matrix
``P = W - W X (X'WX)^-1 X'W`` are written as sums over studies and p x p
products, so the cost is O(B k p^2) in time and O(B k p) in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class WLSFit:
    """One weighted least-squares fit per row.

    Attributes
    ----------
    beta : (B, p) coefficients.
    vb : (B, p, p) ``(X'WX)^-1``, the model-based covariance of ``beta``.
    resid : (B, k) residuals ``y - X beta`` (0 for absent studies).
    w : (B, k) the weights used.
    """

    beta: np.ndarray
    vb: np.ndarray
    resid: np.ndarray
    w: np.ndarray
    X: np.ndarray

    def rss(self) -> np.ndarray:
        """Weighted residual sum of squares ``y'Py`` (the generalised Q)."""
        return np.einsum("bk,bk->b", self.w, self.resid**2)

    def rpp(self) -> np.ndarray:
        """``y'PPy = sum w^2 r^2``, the derivative of ``-y'Py`` in tau^2."""
        wr = self.w * self.resid
        return np.einsum("bk,bk->b", wr, wr)

    def rppp(self) -> np.ndarray:
        """``y'PPPy``: the curvature term in the derivative of the likelihood scores."""
        u = self.w * self.resid  # P y
        xtwu = _xt_v(self.X, self.w * u)
        pu = self.w * (u - _x_b(self.X, _x_b(self.vb, xtwu)))
        return np.einsum("bk,bk->b", u, pu)

    def _xdx(self, d: np.ndarray) -> np.ndarray:
        """``X' D X`` (B, p, p) for a diagonal ``D`` given as (B, k)."""
        return _xtdx(self.X, d)

    def _tr_vb_xdx(self, d: np.ndarray) -> np.ndarray:
        """``tr((X'WX)^-1 X' D X)`` for a diagonal ``D`` given as (B, k)."""
        return np.einsum("bpq,bqp->b", self.vb, self._xdx(d))

    def tr_p(self) -> np.ndarray:
        """``tr(P) = sum w - tr(A X'W^2X)``."""
        return self.w.sum(axis=1) - self._tr_vb_xdx(self.w**2)

    def tr_pp(self) -> np.ndarray:
        """``tr(PP)`` (equal to ``sum(P*P)`` as P is symmetric)."""
        w = self.w
        m = self.vb @ self._xdx(w**2)
        return (
            np.einsum("bk->b", w**2)
            - 2 * self._tr_vb_xdx(w**3)
            + np.einsum("bpq,bqp->b", m, m)
        )

    def tr_pv(self, v: np.ndarray) -> np.ndarray:
        """``tr(P V)`` with ``V = diag(v)``."""
        return np.einsum("bk,bk->b", self.w, v) - self._tr_vb_xdx(self.w**2 * v)


#: up to this many columns, X'DX is built entry by entry (row-wise dot products); beyond, by a
#: batched matrix product (for p = 2 the entries are about twice as fast)
ENTRYWISE_P = 3


def _xtdx(X: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``X' D X`` (B, p, p) for (B, k, p) ``X`` and a diagonal ``D`` given as (B, k)."""
    p = X.shape[2]
    if p == 1:  # one column: a weighted sum of squares
        x = X[:, :, 0]
        return np.einsum("bk,bk->b", d, x * x)[:, None, None]
    if p > ENTRYWISE_P:
        return _xt(X * d[:, :, None]) @ X  # batched matmul: several times faster than einsum
    out = np.empty((X.shape[0], p, p))
    for i in range(p):
        xd = X[:, :, i] * d
        for j in range(i, p):
            out[:, i, j] = np.einsum("bk,bk->b", xd, X[:, :, j])
            out[:, j, i] = out[:, i, j]
    return out


def _inv(a: np.ndarray) -> np.ndarray:
    """The inverse of each (p, p) matrix of a batch; 2 x 2 by the adjugate (several times faster)."""
    if a.shape[1] != 2:
        return np.linalg.inv(a)
    det = a[:, 0, 0] * a[:, 1, 1] - a[:, 0, 1] * a[:, 1, 0]
    if not np.all(det != 0):  # singular (or NaN): LAPACK's answer, and its LinAlgError, as before
        return np.linalg.inv(a)
    out = np.empty_like(a)
    out[:, 0, 0], out[:, 1, 1] = a[:, 1, 1] / det, a[:, 0, 0] / det
    out[:, 0, 1], out[:, 1, 0] = -a[:, 0, 1] / det, -a[:, 1, 0] / det
    return out


def _xt(a: np.ndarray) -> np.ndarray:
    """Each row's matrix transposed: (B, k, p) -> (B, p, k), a view."""
    return a.transpose(0, 2, 1)


def _xt_v(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``A' v`` per row: (B, k, p), (B, k) -> (B, p)."""
    return (_xt(a) @ v[:, :, None])[:, :, 0]


def _x_b(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A b`` per row: (B, m, p), (B, p) -> (B, m)."""
    return (a @ b[:, :, None])[:, :, 0]


def fit(y: np.ndarray, w: np.ndarray, X: np.ndarray) -> WLSFit:
    """Weighted least squares for every row at once.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, 2.0, 4.0]]); w = np.array([[1.0, 1.0, 2.0]])
    >>> X = np.ones((1, 3, 1))
    >>> float(fit(y, w, X).beta[0, 0])   # (1 + 2 + 8) / 4
    2.75
    """
    if X.shape[2] == 1:  # one column (the pooled estimate): plain weighted sums
        x = X[:, :, 0]
        xw = x * w
        vb = 1.0 / np.einsum("bk,bk->b", xw, x)
        beta = (vb * np.einsum("bk,bk->b", xw, y))[:, None]
        resid = np.where(w > 0, y - x * beta, 0.0)
        return WLSFit(beta=beta, vb=vb[:, None, None], resid=resid, w=w, X=X)
    xtw = X * w[:, :, None]
    vb = _inv(_xtdx(X, w))
    xtwy = _xt_v(xtw, y)
    beta = _x_b(vb, xtwy)
    resid = np.where(w > 0, y - _x_b(X, beta), 0.0)
    return WLSFit(beta=beta, vb=vb, resid=resid, w=w, X=X)


def q_at(tau2: np.ndarray, y, v, mask, X) -> WLSFit:
    """The random-effects WLS fit at given tau^2 values (one per row)."""
    w = np.where(mask, 1.0 / (v + tau2[:, None]), 0.0)
    return fit(y, w, X)
