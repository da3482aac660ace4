"""What every bias method reads from a fitted analysis, and refits through the batch engine.

Each public function in :mod:`exometa.bias` takes ``res = exometa.meta_analysis(yi, vi,
...)`` and reads back the studies (``yi``, ``vi``, ``slab``) and the model settings
(``method``, ``test``, ``level``) with :func:`fitted_analysis`, which checks them once
with one message template. Refits (trim-and-fill iterations, Egger-type regressions)
go through :func:`fit_rows`, which hands (B, k) arrays to
:func:`exometa.models.engine.fit_batch`: many analyses, one call.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from ..errors import ConvergenceError, DataError, ExometaError


@dataclass(frozen=True)
class Fitted:
    """The studies and settings of one fitted meta-analysis."""

    yi: np.ndarray
    vi: np.ndarray
    method: str
    test: str
    level: float
    slab: tuple | None
    estimate: float
    tau2: float
    result: object

    @property
    def k(self) -> int:
        return int(self.yi.size)

    def labels(self) -> list[str]:
        """Study labels: the analysis's own, else 'study 1', 'study 2', ..."""
        if self.slab is not None:
            return list(self.slab)
        return [f"study {i + 1}" for i in range(self.k)]


def fitted_analysis(res, fn: str, min_k: int = 2) -> Fitted:
    """Check that ``res`` is one pooled analysis with at least ``min_k`` studies.

    >>> from exometa import meta_analysis
    >>> fitted_analysis(meta_analysis([0.1, 0.3, 0.5], [0.01, 0.02, 0.04]), "regtest", min_k=3).k
    3
    >>> fitted_analysis([0.1, 0.3], "regtest")
    Traceback (most recent call last):
    ...
    exometa.errors.ExometaError: `regtest` takes a fitted analysis, res = exometa.meta_analysis(yi, vi, ...); got list.
    """
    from ..models.results import MetaRegressionResult, MetaResult

    if isinstance(res, MetaRegressionResult):
        raise ExometaError(
            f"`{fn}` takes a pooled analysis without moderators; got a meta-regression. "
            "Fit exometa.meta_analysis(yi, vi) without `mods`."
        )
    if not isinstance(res, MetaResult):
        raise ExometaError(
            f"`{fn}` takes a fitted analysis, res = exometa.meta_analysis(yi, vi, ...); got {type(res).__name__}."
        )
    if res.is_batch:
        raise ExometaError(
            f"`{fn}` takes one meta-analysis; got a batch of {len(res.k)}. Pass one row's yi and vi to meta_analysis."
        )
    if res.yi is None or res.vi is None:
        raise ExometaError(f"`{fn}` needs the studies of the analysis (yi, vi); this result does not keep them.")
    yi = np.asarray(res.yi, dtype=float).copy()
    vi = np.asarray(res.vi, dtype=float).copy()
    if yi.size < min_k:
        raise DataError(f"`{fn}` needs at least {min_k} studies; this analysis has k = {yi.size}.")
    return Fitted(yi, vi, res.method, res.test, float(res.level), res.slab, float(res.estimate), float(res.tau2), res)


def check_sizes(ni, k: int, fn: str) -> np.ndarray:
    """Sample sizes ``ni``: one positive number per study."""
    if ni is None:
        raise ExometaError(f"`{fn}` with this option needs the sample sizes: pass ni=[...] (one per study).")
    n = np.asarray(ni, dtype=float)
    if n.shape != (k,):
        raise DataError(f"`ni` must have one sample size per study (k = {k}); got shape {n.shape}.")
    bad = ~np.isfinite(n) | (n <= 0)
    if bad.any():
        rows = (np.flatnonzero(bad) + 1).tolist()[:10]
        raise DataError(f"`ni` must be positive numbers; studies {rows} (1-based) are not. Check the sample sizes.")
    return n


_FIT_BATCH_OPTIONS = None


def fit_rows(y, v, mask, X, method: str, test: str = "z", level: float = 95.0, what: str = "refit") -> dict:
    """Fit B analyses (rows of ``y``, ``v``; ``mask`` False = absent) with design ``X`` (B, k, p).

    Returns the engine's dict of arrays (``beta``, ``se``, ``zval``, ``pval``, ``ci_lb``,
    ``ci_ub``, ``tau2``, ``ddf``, ...). Raises :class:`ConvergenceError` naming ``what``
    if tau^2 did not converge in some row.
    """
    global _FIT_BATCH_OPTIONS
    from ..models.engine import fit_batch
    from ..models.tau2 import Batch, Control

    if _FIT_BATCH_OPTIONS is None:
        _FIT_BATCH_OPTIONS = set(inspect.signature(fit_batch).parameters)
    mask = np.asarray(mask, dtype=bool)
    batch = Batch(np.where(mask, y, 0.0), np.where(mask, v, 1.0), mask, np.ascontiguousarray(np.where(mask[..., None], X, 0.0)))
    extra = {"tau2_ci": False} if "tau2_ci" in _FIT_BATCH_OPTIONS else {}
    with np.errstate(invalid="ignore", divide="ignore"):
        out = fit_batch(batch, method, test, level, Control(), None, **extra)
    if not np.all(out["converged"]):
        raise ConvergenceError(
            f"The {method} estimator of tau^2 did not converge in the {what}. "
            "Refit the analysis with a non-iterative estimator such as method='DL' or 'PM'."
        )
    return out


def intercept_design(mask) -> np.ndarray:
    """The intercept-only design (B, k, 1) for a mask of shape (B, k)."""
    return np.ones(np.shape(mask) + (1,))
