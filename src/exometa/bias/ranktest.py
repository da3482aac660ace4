"""Begg and Mazumdar's rank correlation test for funnel-plot asymmetry (metafor's ``ranktest``).

Each study's deviation from the common-effect estimate is standardised by its variance
net of the pooled estimate's (``(yi - theta) / sqrt(vi - 1/sum(1/vi))``), and Kendall's
tau between these and the sampling variances is tested (Begg & Mazumdar 1994).

As in metafor (R's ``cor.test(method="kendall", exact=TRUE)``): tau is tau-b; the
p-value is exact (the distribution of Kendall's statistic over all orderings) when
there are no ties, and from the normal approximation with the tie-corrected variance
when there are ties. R cannot compute the exact distribution beyond 170 studies
(factorials overflow) and metafor 5.0 then uses the normal approximation; exometa
does the same above 170.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .._lazy import lazy_module
from .fitted import fitted_analysis
from .results import BiasResult, peq, x4

stats = lazy_module("scipy.stats")

#: above this many studies the exact null distribution is not used (as R/metafor)
EXACT_MAX_K = 170


@lru_cache(maxsize=64)
def kendall_null(n: int) -> np.ndarray:
    """P(T = t), t = 0 .. n(n-1)/2: the number of concordant pairs under independence.

    Built one study at a time: adding the i-th element adds 0 .. i-1 inversions, each
    equally likely (the Mahonian numbers, divided by n! as we go).

    >>> kendall_null(3).tolist() == [1/6, 2/6, 2/6, 1/6]
    True
    """
    dist = np.ones(1)
    for i in range(2, n + 1):
        csum = np.concatenate([[0.0], np.cumsum(dist)])
        idx = np.arange(dist.size + i - 1)
        grown = csum[np.minimum(idx + 1, dist.size)] - csum[np.maximum(idx - i + 1, 0)]
        dist = grown / i
    return dist


def _exact_pval(q: int, n: int) -> float:
    """Two-sided exact p-value for q concordant pairs (R's rule: twice the smaller tail)."""
    dist = kendall_null(n)
    tail = dist[q:].sum() if q > n * (n - 1) / 4 else dist[: q + 1].sum()
    return float(min(1.0, 2 * tail))


def _tie_counts(x: np.ndarray) -> np.ndarray:
    _, counts = np.unique(x, return_counts=True)
    return counts[counts > 1].astype(float)


def kendall_test(x, y) -> tuple[float, float, bool]:
    """Kendall's tau-b and its two-sided p-value; returns (tau, pval, exact).

    >>> tau, p, exact = kendall_test([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    >>> round(tau, 4), round(p, 4), exact
    (0.6, 0.2333, True)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = x.size
    sx = np.sign(x[:, None] - x[None, :])
    sy = np.sign(y[:, None] - y[None, :])
    s = float(np.triu(sx * sy, 1).sum())
    t0 = n * (n - 1) / 2
    tx, ty = _tie_counts(x), _tie_counts(y)
    t1, t2 = (tx * (tx - 1)).sum() / 2, (ty * (ty - 1)).sum() / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = s / np.sqrt((t0 - t1) * (t0 - t2))
    if not np.isfinite(tau):
        return np.nan, np.nan, False
    if tx.size == 0 and ty.size == 0 and n <= EXACT_MAX_K:
        return float(tau), _exact_pval(int(round((s + t0) / 2)), n), True
    var_s = (
        (n * (n - 1) * (2 * n + 5) - (tx * (tx - 1) * (2 * tx + 5)).sum() - (ty * (ty - 1) * (2 * ty + 5)).sum()) / 18
        + (tx * (tx - 1)).sum() * (ty * (ty - 1)).sum() / (2 * n * (n - 1))
        + (tx * (tx - 1) * (tx - 2)).sum() * (ty * (ty - 1) * (ty - 2)).sum() / (9 * n * (n - 1) * (n - 2))
    )
    z = s / np.sqrt(var_s)
    return float(tau), float(2 * stats.norm.sf(abs(z))), False


def standardised_deviates(yi, vi) -> np.ndarray:
    """Begg and Mazumdar's standardised deviates from the common-effect estimate."""
    w = 1 / vi
    theta = np.sum(w * yi) / np.sum(w)
    return (yi - theta) / np.sqrt(vi - 1 / np.sum(w))


@dataclass(frozen=True, eq=False, repr=False)
class RanktestResult(BiasResult):
    """Result of :func:`ranktest`: Kendall's ``tau`` and its ``pval`` (``exact``: which p-value)."""

    k: int
    tau: float
    pval: float
    exact: bool
    analysis: object = field(default=None)

    QUANTITIES = (
        ("k", "number of studies"),
        ("tau", "Kendall's tau between standardised effects and their sampling variances"),
        ("pval", "p-value for tau = 0 (no funnel-plot asymmetry)"),
        ("exact", "True: exact null distribution; False: normal approximation (ties, or k > 170)"),
    )

    def summary(self) -> str:
        how = "exact" if self.exact else "normal approximation"
        return "\n".join([
            "Rank correlation test for funnel plot asymmetry (Begg and Mazumdar)",
            "",
            f"Kendall's tau = {x4(self.tau)}, {peq(self.pval)} ({how}; k = {self.k})",
        ])  # fmt: skip


def ranktest(res) -> RanktestResult:
    """Rank correlation test for funnel-plot asymmetry (metafor's ``ranktest``).

    Parameters
    ----------
    res : MetaResult
        A fitted analysis (the test uses its yi and vi only).

    Returns
    -------
    RanktestResult

    Examples
    --------
    The BCG vaccine trials (metafor's help page for ``ranktest``); metafor gives
    tau = 0.0256, p = 0.9524:

    >>> import pandas as pd
    >>> from importlib.resources import files
    >>> from exometa import effect_sizes, meta_analysis, ranktest
    >>> bcg = pd.read_csv(files("exometa") / "data" / "dat_bcg.csv")
    >>> es = effect_sizes("RR", bcg, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    >>> r = ranktest(meta_analysis(es.yi, es.vi))
    >>> round(r.tau, 4), round(r.pval, 4)
    (0.0256, 0.9524)
    """
    fitted = fitted_analysis(res, "ranktest", min_k=3)
    tau, pval, exact = kendall_test(standardised_deviates(fitted.yi, fitted.vi), fitted.vi)
    return RanktestResult(k=fitted.k, tau=tau, pval=pval, exact=exact, analysis=res)
