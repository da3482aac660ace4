"""Tail probabilities and quantiles of the normal, t, chi-square and F distributions.

Thin wrappers over :mod:`scipy.special` (``ndtr``, ``ndtri``, ``stdtr``,
``stdtrit``, ``chdtrc``, ``chdtri``, ``fdtrc``):
vectorised, with no per-call overhead of ``scipy.stats``' distribution
objects, and imported on first use so that importing exometa stays fast.

>>> round(float(norm_isf(0.025)), 6), round(float(two_sided_p(1.959964, None)), 6)
(1.959964, 0.05)
>>> round(float(t_isf(0.025, 12)), 6)      # qt(0.975, 12) in R
2.178813
>>> round(float(chi2_isf(0.025, 12)), 5), round(float(chi2_ppf(0.025, 12)), 5)   # qchisq
(23.33666, 4.40379)
"""

from __future__ import annotations

import numpy as np

from .._lazy import lazy_module


#: scipy.special, imported on first use (it costs a fifth of a second)
_special = lazy_module("scipy.special")


def norm_isf(p):
    """Upper-tail quantile of the standard normal: ``z`` with ``P(Z > z) = p``."""
    return -_special.ndtri(p)


def norm_ppf(p):
    """Lower-tail quantile of the standard normal (R's ``qnorm(p)``)."""
    return _special.ndtri(p)


def t_isf(p, df):
    """Upper-tail quantile of Student's t with ``df`` degrees of freedom."""
    return -_special.stdtrit(df, p)


def two_sided_p(stat, df):
    """Two-sided p-value of a z (``df`` None) or t statistic (``df`` an array, NaN meaning z).

    Where ``df`` is NaN the normal distribution is used, so one call serves a
    batch mixing t-tests with rows that fell back to z (k = 1).
    """
    sp = _special
    a = -np.abs(stat)
    if df is None:
        return 2 * sp.ndtr(a)
    df = np.asarray(df, float)
    z = np.isnan(df)
    if z.all():
        return 2 * sp.ndtr(a)
    with np.errstate(invalid="ignore"):
        return np.where(z, 2 * sp.ndtr(a), 2 * sp.stdtr(np.where(z, 1.0, df), a))


def chi2_sf(x, df):
    """``P(X > x)`` for a chi-square variable with ``df`` degrees of freedom."""
    return _special.chdtrc(df, x)


def chi2_isf(p, df):
    """Upper-tail quantile of the chi-square distribution (R's ``qchisq(p, df, lower.tail=FALSE)``)."""
    return _special.chdtri(df, p)


def chi2_ppf(p, df):
    """Lower-tail quantile of the chi-square distribution (R's ``qchisq(p, df)``)."""
    return _special.chdtri(df, 1 - np.asarray(p, float))


def f_sf(x, df1, df2):
    """``P(F > x)`` for an F variable with ``df1`` and ``df2`` degrees of freedom."""
    return _special.fdtrc(df1, df2, x)
