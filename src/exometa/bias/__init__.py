"""Small-study effects and publication bias, with metafor's function names.

- :func:`regtest` — Egger-type regression tests, with the limit estimate (PET, PEESE);
- :func:`ranktest` — Begg and Mazumdar's rank correlation test;
- :func:`trimfill` — Duval and Tweedie's trim-and-fill (estimators L0, R0, Q0);
- :func:`fsn` — fail-safe N (Rosenthal, Orwin, Rosenberg);
- :func:`selmodel` — selection models (step function; beta, half-normal, negative-
  exponential, logistic and power families);
- :func:`tes` — test of excess significance (Ioannidis and Trikalinos);
- :func:`hc` — Henmi and Copas's confidence interval.

Each takes a fitted analysis (``res = exometa.meta_analysis(yi, vi, ...)``; ``fsn``
takes ``yi, vi``) and returns a frozen result with ``to_frame()``, ``_repr_html_`` and
``summary()``. :mod:`exometa.bias.words` turns results into plain sentences for reports
and holds the rule for when asymmetry can be judged at all (k >= 10).
"""

from .fsn import FsnResult, fsn
from .hc import HcResult, hc
from .ranktest import RanktestResult, ranktest
from .regtest import RegtestResult, regtest
from .selmodel import SelmodelResult, selmodel
from .tes import TesResult, tes
from .trimfill import TrimfillResult, trimfill

__all__ = [
    "regtest", "ranktest", "trimfill", "fsn", "selmodel", "tes", "hc",
    "RegtestResult", "RanktestResult", "TrimfillResult", "FsnResult", "SelmodelResult", "TesResult", "HcResult",
]  # fmt: skip
