"""Weighted sums over studies, streamed through the cache: the intercept-only engine's one kernel.

For the pooled estimate (the intercept-only model) every quantity an estimator
needs at a given tau^2 -- the estimate, Q, the (RE)ML scores and their
derivatives, tr(P), tr(PP) -- is a function of nine sums

    S[j, m] = sum_i w_i^(j+1) d_i^m,   j = 0..2,  m = 0..2,
    w_i = u / (v_i + tau2),   d_i = y_i - c,

for a centre ``c`` (chosen near the estimate, so that no digits cancel) and a
scale ``u`` (``min(v) + tau2``, so that every weight is at most 1 and no power
of it overflows, see :mod:`.evaluation`).
:func:`sums` computes them for many (row, tau^2) pairs at once in blocks of a
few ten thousand numbers: each block's temporaries stay in the CPU cache and
the data are read from memory once per call, 16 bytes per study, however many
sums are formed. Absent studies have ``v = inf`` and so weight 0.

Examples
--------
>>> import numpy as np
>>> y = np.array([[1.0, 2.0, 4.0]]); v = np.array([[1.0, 1.0, 0.5]])
>>> S = sums(y, v, t=np.zeros((1, 1)), centre=np.zeros(1), scale=np.ones((1, 1)), order=1)
>>> S[0, 0, 0].tolist()    # sum w, sum w y, sum w y^2
[4.0, 11.0, 37.0]
"""

from __future__ import annotations

import numpy as np

#: numbers per block: temporaries of this many doubles stay in a typical L2 cache
BLOCK = 1 << 15
#: doubles of weights and deviations per block of a single long row (3 MB: fewer, longer
#: blocks cost less in NumPy calls than they lose in cache; measured best at k = 10^7)
ONE_ROW_BLOCK = 3 << 17
#: rows of the weights' matrix product per BLAS call
GEMM_ROWS = 6
#: rows of at most this many studies are summed with row-wise dot products (:func:`_rows`):
#: at k = 30, 3.1 ms against 3.9 ms for 8,000 rows at order 3; from k = 100 the stacked
#: matrix products below are faster (1.8 ms against 3.0 ms), as they are at order 1
SHORT = 64


def sums(y, v, t, centre, scale, order: int, rows=None) -> np.ndarray:
    """Weighted sums for every row and tau^2 value.

    Parameters
    ----------
    y, v : (B, k) effect sizes and variances (``v = inf`` for absent studies).
    t, scale : (n, G) tau^2 values and scales ``u`` for each of the n rows asked
        for (G values per row).
    centre : (n,) the centre of each row (shared by its G values).
    order : highest power of the weights (1, 2 or 3).
    rows : (n,) indices of the rows of ``y``/``v`` to use (default: all, n = B).

    Returns
    -------
    (n, G, order, 3) array ``S[..., j, m] = sum w^(j+1) d^m``.
    """
    n, G = t.shape
    k = y.shape[1]
    if n * G * order * k <= BLOCK:
        return _small(y, v, t, centre, scale, order, rows)
    if n == 1:  # one analysis (the usual single fit): Python scalars, longer blocks
        row = 0 if rows is None else int(np.ravel(rows)[0])
        u = np.broadcast_to(np.asarray(scale, float), (n, G))[0]
        return _one_row(y[row], v[row], t[0].tolist(), u.tolist(), float(centre[0]), order)[None]
    m = k if G * order * k <= BLOCK else max(512, BLOCK // (G * order))
    m = min(m, k)
    if k <= SHORT and (order > 1 or rows is not None):
        return _rows(y, v, t, centre, scale, order, rows)
    R = max(1, min(n, BLOCK // (G * order * m)))
    out = np.zeros((n, G * order, 3))
    W = np.empty((R, G, order, m))
    D = np.empty((R, 3, m))
    D[:, 0, :] = 1.0
    num = np.asarray(scale, float)
    if num.shape != (n, G):
        num = np.broadcast_to(num, (n, G))
    unscaled = bool(np.all(num == 1.0))
    rows = None if rows is None else np.asarray(rows)
    for r0 in range(0, n, R):
        r1 = min(n, r0 + R)
        nr = r1 - r0
        sel = slice(r0, r1) if rows is None else rows[r0:r1]
        tt = t[r0:r1, :, None]
        cc = centre[r0:r1, None]
        ss = num[r0:r1, :, None]
        for c0 in range(0, k, m):
            c1 = min(k, c0 + m)
            mm = c1 - c0
            w = W[:nr, :, 0, :mm]
            np.add(v[sel, c0:c1][:, None, :], tt, out=w)
            if unscaled:
                np.reciprocal(w, out=w)
            else:
                np.divide(ss, w, out=w)
            for j in range(1, order):
                np.multiply(W[:nr, :, j - 1, :mm], w, out=W[:nr, :, j, :mm])
            d = D[:nr, 1, :mm]
            np.subtract(y[sel, c0:c1], cc, out=d)
            np.multiply(d, d, out=D[:nr, 2, :mm])
            Wf = W[:nr, :, :, :mm].reshape(nr, G * order, mm) if mm == m else W[:nr, :, :, :mm].reshape(nr, G * order, mm)
            out[r0:r1] += np.matmul(Wf, D[:nr, :, :mm].swapaxes(-1, -2))
    return out.reshape(n, G, order, 3)


def _rows(y, v, t, centre, scale, order, rows) -> np.ndarray:
    """:func:`sums` for many rows short enough to fit in a block whole.

    Rows are gathered a block at a time (``np.take``: much cheaper than fancy
    indexing with a slice), and the products with (1, d, d^2) are row-wise dot
    products (``einsum``), not a stack of tiny matrix products.
    """
    n, G = t.shape
    k = y.shape[1]
    R = max(1, min(n, BLOCK // (G * order * k)))
    out = np.empty((n, G * order, 3))
    W = np.empty((R, G, order, k))
    D = np.empty((R, 2, k))
    num = np.broadcast_to(np.asarray(scale, float), (n, G))
    unscaled = bool(np.all(num == 1.0))
    rows = None if rows is None else np.asarray(rows)
    for r0 in range(0, n, R):
        r1 = min(n, r0 + R)
        nr = r1 - r0
        if rows is None:
            vv, yy = v[r0:r1], y[r0:r1]
        else:
            vv, yy = np.take(v, rows[r0:r1], axis=0), np.take(y, rows[r0:r1], axis=0)
        w = W[:nr, :, 0]
        np.add(vv[:, None, :], t[r0:r1, :, None], out=w)
        if unscaled:
            np.reciprocal(w, out=w)
        else:
            np.divide(num[r0:r1, :, None], w, out=w)
        for j in range(1, order):
            np.multiply(W[:nr, :, j - 1], w, out=W[:nr, :, j])
        d = np.subtract(yy, centre[r0:r1, None], out=D[:nr, 0])
        d2 = np.multiply(d, d, out=D[:nr, 1])
        Wf = W[:nr].reshape(nr, G * order, k)
        o = out[r0:r1]
        np.sum(Wf, axis=-1, out=o[..., 0])
        np.einsum("rjk,rk->rj", Wf, d, out=o[..., 1])
        np.einsum("rjk,rk->rj", Wf, d2, out=o[..., 2])
    return out.reshape(n, G, order, 3)


def _one_row(y, v, taus, scales, c, order) -> np.ndarray:
    """:func:`sums` for one long row: (G, order, 3).

    Every tau^2 value is a Python float (NumPy's scalar loops are about twice as
    fast as broadcasting a one-element array), blocks are as long as
    :data:`ONE_ROW_BLOCK` allows (each block costs a few dozen NumPy calls), and
    the weights' matrix product takes at most :data:`GEMM_ROWS` rows at a time
    (OpenBLAS is several times slower per row for 7 to 15 rows than for 6).
    """
    G, k = len(taus), y.size
    rows = G * order
    m = min(k, max(1024, ONE_ROW_BLOCK // (rows + 3)))
    W = np.empty((rows, m))
    D = np.empty((3, m))
    D[0] = 1.0
    acc = np.zeros((rows, 3))
    for c0 in range(0, k, m):
        c1 = min(k, c0 + m)
        if c1 - c0 != m:  # the last, shorter block
            W, D = W[:, : c1 - c0], D[:, : c1 - c0]
        vb = v[c0:c1]
        d = np.subtract(y[c0:c1], c, out=D[1])
        np.multiply(d, d, out=D[2])
        for g in range(G):
            w = W[g * order]
            np.add(vb, taus[g], out=w)
            np.divide(scales[g], w, out=w)
            for j in range(1, order):
                np.multiply(W[g * order + j - 1], w, out=W[g * order + j])
        Dt = D.T
        for r0 in range(0, rows, GEMM_ROWS):
            acc[r0 : r0 + GEMM_ROWS] += W[r0 : r0 + GEMM_ROWS] @ Dt
    return acc.reshape(G, order, 3)


def _small(y, v, t, centre, scale, order, rows):
    """:func:`sums` for data that fit in one block: the same arithmetic, fewer calls."""
    n, G = t.shape
    if rows is not None:
        y, v = y[rows], v[rows]
    W = np.empty((n, G, order, y.shape[1]))
    w = W[:, :, 0, :]
    np.add(v[:, None, :], t[:, :, None], out=w)
    np.divide(scale[:, :, None] if np.ndim(scale) == 2 else scale, w, out=w)
    for j in range(1, order):
        np.multiply(W[:, :, j - 1, :], w, out=W[:, :, j, :])
    D = np.empty((n, 3, y.shape[1]))
    D[:, 0, :] = 1.0
    d = np.subtract(y, centre[:, None], out=D[:, 1, :])
    np.multiply(d, d, out=D[:, 2, :])
    return np.matmul(W.reshape(n, G * order, -1), D.swapaxes(-1, -2)).reshape(n, G, order, 3)


def log_sums(v, mask, t, rows=None) -> np.ndarray:
    """``sum log(v + t)`` over the present studies, for each row and tau^2 value (n, G).

    Only needed to compare candidate maxima of the likelihood, so computed
    plainly (one temporary per call).
    """
    vv = v if rows is None else v[rows]
    mm = mask if rows is None else mask[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(vv[:, None, :] + t[:, :, None])
    if mm.all():
        return logs.sum(axis=2)
    return np.where(mm[:, None, :], logs, 0.0).sum(axis=2)
