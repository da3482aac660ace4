"""Exceptions and warnings raised by exometa.

Every error exometa raises on bad input is an :class:`ExometaError` (a
``ValueError``), so a caller can catch one family. Messages say what is wrong,
where, and how to fix it.
"""

from __future__ import annotations


class ExometaError(ValueError):
    """Base class for every error exometa raises on bad arguments or data."""


class DataError(ExometaError):
    """The data (effect sizes, variances, counts) cannot be used as given."""


class ConvergenceError(ExometaError):
    """An iterative estimator did not converge for a single meta-analysis."""


class ExometaWarning(UserWarning):
    """Base class for exometa's warnings."""


class ConvergenceWarning(ExometaWarning):
    """An iterative estimator did not converge for some rows of a batch."""


class SmallSampleWarning(ExometaWarning):
    """The analysis ran, but with too few studies for some quantity (e.g. k = 1)."""
