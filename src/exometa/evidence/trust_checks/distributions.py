"""The few distribution functions the checks use, straight from :mod:`scipy.special`.

``scipy.stats`` takes about a second to import; these are the functions its
``norm``, ``t``, ``chi2`` and ``f`` call for valid arguments (``ndtr``,
``ndtri``, ``stdtr``, ``stdtrit``, ``chdtrc``, ``fdtrc``), so the values are the
same, and ``exometa check --flags`` does not wait for the import. ``stats``
offers them under scipy.stats' names (``stats.t.sf(x, df)``, ``stats.t(df).ppf(q)``).

>>> round(float(stats.t.sf(2.0, 10)), 6), round(float(stats.norm.ppf(0.975)), 6)
(0.036694, 1.959964)
>>> round(float(stats.t(12).ppf(0.975)), 6)       # qt(0.975, 12) in R
2.178813
"""

from __future__ import annotations

from types import SimpleNamespace

from ..._lazy import lazy_module

_sc = lazy_module("scipy.special")


class _Norm:
    """The standard normal distribution."""

    @staticmethod
    def sf(x):
        return _sc.ndtr(-x)

    @staticmethod
    def cdf(x):
        return _sc.ndtr(x)

    @staticmethod
    def ppf(q):
        return _sc.ndtri(q)


class _FrozenT:
    """Student's t with ``df`` degrees of freedom."""

    def __init__(self, df):
        self.df = df

    def sf(self, x):
        return _sc.stdtr(self.df, -x)

    def ppf(self, q):
        return _sc.stdtrit(self.df, q)


class _T:
    """Student's t: ``t.sf(x, df)``, or ``t(df)`` for the distribution with those degrees of freedom."""

    def __call__(self, df):
        return _FrozenT(df)

    @staticmethod
    def sf(x, df):
        return _sc.stdtr(df, -x)

    @staticmethod
    def ppf(q, df):
        return _sc.stdtrit(df, q)


stats = SimpleNamespace(
    norm=_Norm(),
    t=_T(),
    chi2=SimpleNamespace(sf=lambda x, df: _sc.chdtrc(df, x)),
    f=SimpleNamespace(sf=lambda x, dfn, dfd: _sc.fdtrc(dfn, dfd, x)),
)

__all__ = ["stats"]
