"""Exceptions and warnings raised by exometa.

Every error exometa raises on bad input is an :class:`ExometaError` (a
``ValueError``), so a caller can catch one family. Messages say what is wrong,
where, and how to fix it. Every warning is an :class:`ExometaWarning`.
"""

from __future__ import annotations


class ExometaError(ValueError):
    """Base class for every error exometa raises on bad arguments or data."""


class DataError(ExometaError):
    """The data (effect sizes, variances, counts) cannot be used as given."""


class OutputError(ExometaError):
    """An output could not be written (folder missing, read-only, a file, disk full, busy); exit status 3."""


class ConvergenceError(ExometaError):
    """An iterative estimator did not converge for a single meta-analysis."""


class NumericalError(ExometaError):
    """A result cannot be computed in double precision (it would overflow or lose every digit)."""


class ExometaWarning(UserWarning):
    """Base class for exometa's warnings."""


class ConvergenceWarning(ExometaWarning):
    """An iterative estimator did not converge for some rows of a batch."""


class SmallSampleWarning(ExometaWarning):
    """The analysis ran, but with too few studies for some quantity (e.g. k = 1)."""


class DataWarning(ExometaWarning):
    """Some data were set aside or recoded (e.g. an infinite effect size became NaN), as metafor warns."""


class MethodWarning(ExometaWarning):
    """The requested combination of methods is not meant to be used together (metafor warns too)."""


class NumericalWarning(ExometaWarning):
    """Some rows of a batch could not be computed in double precision and are NaN."""
