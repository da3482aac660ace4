"""Fail-safe N: how many unpublished null studies would overturn the result (metafor's ``fsn``).

- ``"Rosenthal"`` (1979): studies averaging a null result needed to make Stouffer's
  combined one-sided test non-significant at ``alpha``;
- ``"Orwin"`` (1983): studies with effect 0 needed to pull the (unweighted, or with
  ``weighted=True`` inverse-variance weighted) average effect down to ``target``
  (default: half the average);
- ``"Rosenberg"`` (2005): studies, of average weight, needed to make the
  common-effect model's two-sided test non-significant at ``alpha``.

Fail-safe numbers describe robustness to a file drawer of exactly-null studies only;
they say nothing about whether such studies exist, and large numbers are not evidence
that publication bias is absent (Cochrane Handbook 13.3.5.5 advises against them).
Formulas follow metafor 3.8 ``fsn``; fractional numbers are rounded up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._lazy import lazy_module
from ..arguments import check_choice
from ..errors import DataError, ExometaError
from .results import BiasResult, p4, x4

stats = lazy_module("scipy.stats")

TYPES = ("Rosenthal", "Orwin", "Rosenberg")


def _round_up(x: float) -> float:
    """metafor's rule: round up unless within sqrt(machine epsilon) of an integer."""
    if math.isinf(x) or abs(x - round(x)) < np.finfo(float).eps ** 0.5:
        return float(round(x)) if math.isfinite(x) else x
    return float(math.ceil(x))


def _rosenthal(yi, vi, alpha, target, weighted):
    k = yi.size
    z_avg = abs(np.sum(yi / np.sqrt(vi)) / np.sqrt(k))
    return max(0.0, k * (z_avg / stats.norm.isf(alpha)) ** 2 - k), float(stats.norm.sf(z_avg)), np.nan, np.nan


def _orwin(yi, vi, alpha, target, weighted):
    k = yi.size
    mean = float(np.sum(yi / vi) / np.sum(1 / vi)) if weighted else float(np.mean(yi))
    target = mean / 2 if target is None else float(target)
    if target == 0:
        return math.inf, np.nan, mean, target
    if np.sign(target) != np.sign(mean):
        target = -target
    return max(0.0, k * (mean - target) / target), np.nan, mean, target


def _rosenberg(yi, vi, alpha, target, weighted):
    k = yi.size
    w = 1 / vi
    mean = float(np.sum(w * yi) / np.sum(w))
    zval = mean * np.sqrt(np.sum(w))
    extra_weight = (np.sum(w * yi) / stats.norm.isf(alpha / 2)) ** 2 - np.sum(w)
    return max(0.0, k * extra_weight / np.sum(w)), float(2 * stats.norm.sf(abs(zval))), mean, np.nan


FSN_TYPES = {"Rosenthal": _rosenthal, "Orwin": _orwin, "Rosenberg": _rosenberg}


@dataclass(frozen=True, eq=False, repr=False)
class FsnResult(BiasResult):
    """Result of :func:`fsn`: ``fsnum`` (the fail-safe N), ``alpha``, ``pval`` of the observed
    studies' combined test (Rosenthal: one-sided Stouffer; Rosenberg: two-sided), ``meanes``
    (the average effect, Orwin and Rosenberg) and ``target`` (Orwin)."""

    type: str
    k: int
    fsnum: float
    alpha: float
    pval: float
    meanes: float
    target: float
    weighted: bool

    OBJECTS = ()
    QUANTITIES = (
        ("type", "method of the fail-safe N"),
        ("k", "number of observed studies"),
        ("fsnum", "fail-safe N: null studies needed to overturn the result"),
        ("alpha", "significance level the result is judged at (Rosenthal, Rosenberg)"),
        ("pval", "p-value of the observed studies' combined test"),
        ("meanes", "average effect of the observed studies (Orwin, Rosenberg)"),
        ("target", "effect the average is pulled down to (Orwin)"),
    )

    def summary(self) -> str:
        head = f"Fail-safe N calculation using the {self.type} approach (k = {self.k})"
        n = "infinite" if math.isinf(self.fsnum) else f"{self.fsnum:.0f}"
        if self.type == "Rosenthal":
            body = [f"Observed significance level (one-sided, Stouffer): {p4(self.pval)}",
                    f"Target significance level: {self.alpha:g}",
                    f"Fail-safe N (null studies that would make the combined test non-significant): {n}"]
        elif self.type == "Orwin":
            avg = "weighted" if self.weighted else "unweighted"
            body = [f"Average effect size ({avg}): {x4(self.meanes)}", f"Target effect size: {x4(self.target)}",
                    f"Fail-safe N (studies with effect 0 that would pull the average to the target): {n}"]
        else:
            body = [f"Average effect size (common-effect model): {x4(self.meanes)}",
                    f"Observed significance level (two-sided): {p4(self.pval)}",
                    f"Target significance level: {self.alpha:g}",
                    f"Fail-safe N (null studies of average weight that would make the test non-significant): {n}"]
        note = "A fail-safe N assumes the missing studies are exactly null; it is not evidence that none are missing."
        return "\n".join([head, "", *body, "", note])


def fsn(yi, vi=None, type: str = "Rosenthal", alpha: float = 0.05, target=None, weighted: bool = False) -> FsnResult:
    """Fail-safe N (metafor's ``fsn``).

    Parameters
    ----------
    yi : array_like or MetaResult
        Effect sizes, or a fitted analysis (its yi and vi are used).
    vi : array_like, optional
        Sampling variances (not needed for unweighted Orwin).
    type : {'Rosenthal', 'Orwin', 'Rosenberg'}
    alpha : float
        Significance level (Rosenthal, Rosenberg).
    target : float, optional
        Orwin's target average effect (default: half the observed average).
    weighted : bool
        Orwin with inverse-variance weights (metafor 3.8's ``weighted=``).

    Returns
    -------
    FsnResult

    Examples
    --------
    metafor's help page, the BCG trials' log risk ratios: Rosenthal's fail-safe N is 598:

    >>> import pandas as pd
    >>> from importlib.resources import files
    >>> from exometa import effect_sizes, fsn
    >>> bcg = pd.read_csv(files("exometa") / "data" / "dat_bcg.csv")
    >>> es = effect_sizes("RR", bcg, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    >>> fsn(es.yi, es.vi).fsnum
    598.0
    """
    from ..models.results import MetaResult

    if isinstance(yi, MetaResult):
        if vi is not None:
            raise ExometaError("`fsn`: pass either a fitted analysis or yi and vi, not both.")
        yi, vi = yi.yi, yi.vi
    type = check_choice("type", type, TYPES)
    if not 0 < float(alpha) < 1:
        raise ExometaError(f"`alpha` must lie between 0 and 1 (e.g. 0.05); got {alpha!r}.")
    y = _as_vector(yi, "yi")
    needs_vi = type != "Orwin" or weighted
    if vi is None and needs_vi:
        raise ExometaError(f"`fsn(type={type!r}{', weighted=True' if weighted else ''})` needs the sampling variances `vi`.")
    v = _as_vector(vi, "vi") if vi is not None else np.ones_like(y)
    if v.shape != y.shape:
        raise DataError(f"`yi` and `vi` must have the same length; got {y.size} and {v.size}.")
    if needs_vi and np.any(v <= 0):
        raise DataError("Sampling variances must be > 0; check the SDs or SEs they came from.")
    fsnum, pval, meanes, tgt = FSN_TYPES[type](y, v, float(alpha), target, weighted)
    return FsnResult(type=type, k=int(y.size), fsnum=_round_up(fsnum), alpha=float(alpha), pval=pval,
                     meanes=meanes, target=tgt, weighted=bool(weighted and type == "Orwin"))  # fmt: skip


def _as_vector(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise DataError(f"`{name}` must be a 1-D sequence of numbers, one per study.")
    if not np.all(np.isfinite(arr)):
        bad = (np.flatnonzero(~np.isfinite(arr)) + 1).tolist()[:10]
        raise DataError(f"`{name}` has missing or non-finite values (studies {bad}, 1-based); drop those studies first.")
    return arr
