"""The batch: B meta-analyses of up to k studies, the unit every estimator works on.

A single meta-analysis is a batch with B = 1; leave-one-out is B = k, GOSH
B = 2^k - 1, a permutation test B = iterations. Absent studies are marked by
``mask``; ``y`` is 0 and ``v`` is 1 where a study is absent, so that no NaN
reaches the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import wls


def _constant(a: np.ndarray):
    """The value of an array that is one value broadcast (every stride 0), else None."""
    if a.size and all(s == 0 for s in a.strides):
        return a.flat[0]
    return None


@dataclass(frozen=True, eq=False)
class Batch:
    """B meta-analyses of up to k studies; absent studies have ``mask`` False.

    Parameters
    ----------
    y, v : (B, k) effect sizes and sampling variances (0 and 1 where absent).
    mask : (B, k) bool, True where a study is present. May be a broadcast
        view (``np.broadcast_to(True, (B, k))``) when every study is present.
    X : (B, k, p) design matrices; the intercept-only model is a column of
        ones (a broadcast view of 1.0 costs no memory).

    Attributes computed once
    ------------------------
    k : (B,) studies per row.
    full : every study of every row is present.
    intercept_only : the model is the pooled estimate alone (X is a column of ones),
        which the engine fits with weighted sums instead of matrix algebra.
    ymin, ymax, vmin, vmax : (B,) ranges of the present studies (NaN or inf if the
        data are not finite), used to keep the arithmetic in range.

    Examples
    --------
    >>> import numpy as np
    >>> b = Batch.of([[0.1, 0.3, np.nan]], [[0.01, 0.02, np.nan]])
    >>> b.k.tolist(), b.full, b.intercept_only
    ([2], False, True)
    """

    y: np.ndarray
    v: np.ndarray
    mask: np.ndarray
    X: np.ndarray
    k: np.ndarray = field(init=False)
    full: bool = field(init=False)
    intercept_only: bool = field(init=False)
    ymin: np.ndarray = field(init=False)
    ymax: np.ndarray = field(init=False)
    vmin: np.ndarray = field(init=False)
    vmax: np.ndarray = field(init=False)
    v_absent_inf: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        B, k = self.y.shape
        m = _constant(self.mask)
        full = bool(m) if m is not None else bool(self.mask.all())
        put("full", full)
        put("k", np.full(B, k) if full else self.mask.sum(axis=1))
        x = _constant(self.X)
        put("intercept_only", bool(self.X.shape[2] == 1 and (x == 1 if x is not None else np.all(self.X == 1))))
        if full:
            put("v_absent_inf", self.v)
            ranges = (self.y.min(axis=1), self.y.max(axis=1), self.v.min(axis=1), self.v.max(axis=1))
        else:
            # an absent study has infinite variance: zero weight, with no mask in the arithmetic
            vinf = np.where(self.mask, self.v, np.inf)
            put("v_absent_inf", vinf)
            # plain reductions of masked copies: the same values as min/max(where=mask), several times faster
            ranges = (
                np.where(self.mask, self.y, np.inf).min(axis=1), np.where(self.mask, self.y, -np.inf).max(axis=1),
                vinf.min(axis=1), np.where(self.mask, self.v, -np.inf).max(axis=1),
            )  # fmt: skip
        for name, value in zip(("ymin", "ymax", "vmin", "vmax"), ranges):
            put(name, value)

    @classmethod
    def of(cls, y, v, X=None) -> "Batch":
        """A batch from (B, k) arrays with NaN marking absent studies.

        ``X`` defaults to the intercept-only model.
        """
        y = np.atleast_2d(np.asarray(y, float))
        v = np.atleast_2d(np.asarray(v, float))
        mask = ~(np.isnan(y) | np.isnan(v))
        if mask.all():
            mask = np.broadcast_to(np.True_, y.shape)
        else:
            y, v = np.where(mask, y, 0.0), np.where(mask, v, 1.0)
        if X is None:
            X = np.broadcast_to(1.0, y.shape + (1,))
        return cls(y, v, mask, X)

    @property
    def p(self) -> int:
        return self.X.shape[2]

    @property
    def B(self) -> int:
        return self.y.shape[0]

    def weights(self, tau2=0.0) -> np.ndarray:
        """Inverse-variance weights ``1 / (v + tau2)``, 0 for absent studies."""
        tau2 = np.broadcast_to(np.asarray(tau2, dtype=float), (self.B,))
        return 1.0 / (self.v_absent_inf + tau2[:, None])

    def fit(self, tau2=0.0) -> wls.WLSFit:
        """The weighted least-squares fit with weights ``1 / (v + tau2)``."""
        return wls.fit(self.y, self.weights(tau2), self.X)

    def take(self, rows) -> "Batch":
        """The batch of the given rows (itself when every row is asked for)."""
        rows = np.asarray(rows)
        if rows.dtype != bool and rows.size == self.B and (rows == np.arange(self.B)).all():
            return self
        if rows.dtype == bool and rows.all():
            return self
        y, v = self.y[rows], self.v[rows]
        m, x = _constant(self.mask), _constant(self.X)
        mask = np.broadcast_to(m, y.shape) if m is not None else self.mask[rows]
        X = np.broadcast_to(x, y.shape + (1,)) if x is not None and self.p == 1 else self.X[rows]
        return Batch(y, v, mask, X)
