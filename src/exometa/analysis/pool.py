"""Pooling the effects of an analysis: inverse variance, Mantel-Haenszel or Peto, as declared.

:func:`pool` never fails on the data: with k = 0 or when the engine refuses
(e.g. no table has an event), the :class:`Fit` carries the reason instead of a
result. Weights are in percent, one per pooled study: the engine's for an
inverse-variance fit; for Mantel-Haenszel and Peto the weights metafor's
``weights.rma.mh`` and ``weights.rma.peto`` report (each table's share of the
MH or Peto weight: ``b c / N`` for OR, ``c n1 / N`` for RR, ``n1 n2 / N`` for
RD; the hypergeometric variance for Peto).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import ExometaError, SmallSampleWarning
from ..models import mantel_haenszel, meta_analysis, peto


@dataclass(frozen=True)
class Fit:
    """A pooled result for a set of studies, or the reason there is none."""

    name: str
    k: int
    result: object = None  # MetaResult (or its Mantel-Haenszel subclass)
    message: str = ""
    labels: tuple = ()
    weights: tuple = ()  # percent, aligned with labels
    ns: tuple = ()  # sample sizes of the pooled studies (Freeman-Tukey back-transformation)

    @property
    def weight_of(self) -> dict:
        return dict(zip(self.labels, self.weights))


ONE_STUDY = "Only one study can be pooled: the estimate is that study's own; heterogeneity cannot be assessed."


def pool(name: str, effects, spec) -> Fit:
    """Pool the poolable effects; k = 0 and k = 1 get a message instead of a failure."""
    ok = [e for e in effects if e.poolable]
    labels = tuple(e.row_label for e in ok)
    if not ok:
        return Fit(name, 0, None, "No study in this set reports numbers that can be pooled.", labels)
    ns = tuple(float(e.n) for e in ok)
    if spec.method in ("MH", "PETO") and any(e.counts is None for e in ok):
        return Fit(name, 0, None, f"The {spec.method} method needs events and totals in each arm; some studies give only "
                   "an estimate. Use an inverse-variance method (e.g. method = \"REML\") to pool them.", labels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            if spec.method in ("MH", "PETO"):
                res, weights = _by_counts(ok, spec)
            else:
                res = meta_analysis([e.yi for e in ok], [e.vi for e in ok], method=spec.method, test=spec.test,
                                    level=spec.level, slab=labels)
                weights = tuple(float(w) for w in np.atleast_1d(res.weights))
    except ExometaError as exc:
        return Fit(name, 0, None, f"These studies cannot be pooled: {exc}", labels)
    return Fit(name, len(ok), res, "" if len(ok) > 1 else ONE_STUDY, labels, weights, ns)


def _by_counts(ok, spec):
    a, n1, c, n2 = (np.array(x, float) for x in zip(*(e.counts for e in ok)))
    if spec.method == "PETO":
        res = peto(a, ci=c, n1i=n1, n2i=n2, level=spec.level)
        N, xt = n1 + n2, a + c
        w = xt * (N - xt) * (n1 / N) * (n2 / N) / (N - 1)
    else:
        measure = "OR" if spec.measure == "PETO" else spec.measure
        res = mantel_haenszel(a, ci=c, n1i=n1, n2i=n2, measure=measure, level=spec.level)
        N = n1 + n2
        w = {"OR": (n1 - a) * c / N, "RR": c * n1 / N, "RD": n1 * n2 / N}[measure]
    given = getattr(res, "weights", None)
    if given is not None and np.size(given) == len(ok):
        return res, tuple(float(x) for x in np.atleast_1d(given))
    total = w.sum()
    return res, tuple(float(100 * x / total) if total > 0 else math.nan for x in w)


__all__ = ["Fit", "pool"]
