"""What each analysis measure is: its family, scale, words and back-transformation.

An analysis file names a measure with metafor's code. This table says, for each,
which workbook rows it is computed from (its *family*), the scale it is pooled on,
how results are back-transformed for display (metafor's ``transf`` functions:
``exp`` for ratios, ``transf.ilogit`` for logit proportions, ``transf.ipft`` /
``transf.ipft.hm`` for Freeman-Tukey proportions), the line of no effect, and
the words used in tables and verdicts.

========  ===========  =============================================================
family    measures     rows used
========  ===========  =============================================================
binary    RR OR RD     events and n per arm (treatment, control)
          PETO
two_group MD SMD ROM   mean, SD (or SE, CI, t, p, median with quartiles) and n per
                       arm; final values or change scores
change    MC SMCC      one group's change from baseline (a change row, or baseline
          SMCR         and follow-up values) -- change over time, never an effect
proportion PR PLO PFT  events and n in one group
generic   GEN          an effect the source reports (quantity 'effect estimate')
                       with its CI, SE or p, on its own scale
percent   PCT          percent change as reported (shown, never pooled)
========  ===========  =============================================================

>>> info("RR").back(math.log(0.5)), info("PLO").title, info("MD").between_arms
(0.5, 'proportion', True)
>>> round(info("PFT").back(0.5, n=20), 4)   # metafor: transf.ipft(0.5, ni=20)
0.2168
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: effect measures a source may report (the workbook's ``effect_measure``) pooled on the log scale
RATIO_EFFECTS = ("RR", "OR", "HR", "ROM", "IRR")


@dataclass(frozen=True)
class MeasureInfo:
    code: str
    family: str
    title: str  # "risk ratio", in sentences
    axis: str  # axis label of the forest plot (on the display scale)
    scale: str  # "raw", "log", "logit", "ft"
    raw_units: bool  # the estimate is in the outcome's units (MD, MC)
    between_arms: bool
    null: float | None = 0.0  # no effect, on the analysis scale (None: no such line)

    @property
    def ratio(self) -> bool:
        return self.scale == "log"

    def back(self, x, n=None):
        """Back-transform ``x`` (a number or array) to the display scale.

        ``n`` is the sample size for Freeman-Tukey proportions (the harmonic mean
        of the pooled studies' n for a pooled estimate, as metafor's ``transf.ipft.hm``).
        """
        if self.scale == "log":
            return np.exp(x) if isinstance(x, np.ndarray) else math.exp(x) if math.isfinite(x) else math.nan
        if self.scale == "logit":
            return 1 / (1 + np.exp(-np.asarray(x, float))) if isinstance(x, np.ndarray) else _expit(x)
        if self.scale == "ft":
            return ipft(x, n)
        return x

    @property
    def display_null(self):
        if self.null is None:
            return None
        return self.back(self.null) if self.scale != "ft" else None


def _expit(x: float) -> float:
    if not math.isfinite(x):
        return math.nan if math.isnan(x) else (1.0 if x > 0 else 0.0)
    return 1 / (1 + math.exp(-x))


def ipft(x, n):
    """Inverse of the Freeman-Tukey double arcsine transformation (Miller 1978).

    metafor's ``transf.ipft(xi, ni)``: values below the transform of 0 give 0,
    above that of 1 give 1.
    """
    xa = np.asarray(x, dtype=float)
    na = np.broadcast_to(np.asarray(n, dtype=float), xa.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sin(2 * xa)
        z = 0.5 * (1 - np.sign(np.cos(2 * xa)) * np.sqrt(1 - (s + (s - 1 / s) / na) ** 2))
        lo = 0.5 * (np.arcsin(0.0) + np.arcsin(np.sqrt(1 / (na + 1))))
        hi = 0.5 * (np.arcsin(np.sqrt(na / (na + 1))) + np.arcsin(1.0))
    z = np.where(xa > hi, 1.0, np.where(xa < lo, 0.0, z))
    return float(z) if np.ndim(x) == 0 else z


_TABLE = {
    "RR": MeasureInfo("RR", "binary", "risk ratio", "Risk ratio (log scale)", "log", False, True),
    "OR": MeasureInfo("OR", "binary", "odds ratio", "Odds ratio (log scale)", "log", False, True),
    "PETO": MeasureInfo("PETO", "binary", "odds ratio (Peto)", "Odds ratio, Peto (log scale)", "log", False, True),
    "RD": MeasureInfo("RD", "binary", "risk difference", "Risk difference", "raw", False, True),
    "MD": MeasureInfo("MD", "two_group", "mean difference", "Mean difference (treatment − control)", "raw", True, True),
    "SMD": MeasureInfo("SMD", "two_group", "standardised mean difference (Hedges' g)",
                       "Standardised mean difference (Hedges' g)", "raw", False, True),
    "ROM": MeasureInfo("ROM", "two_group", "ratio of means", "Ratio of means (log scale)", "log", False, True),
    "MC": MeasureInfo("MC", "change", "mean change from baseline", "Mean change from baseline", "raw", True, False),
    "SMCC": MeasureInfo("SMCC", "change", "standardised mean change (change-score SD)",
                        "Standardised mean change (change-score SD)", "raw", False, False),
    "SMCR": MeasureInfo("SMCR", "change", "standardised mean change (baseline SD)",
                        "Standardised mean change (baseline SD)", "raw", False, False),
    "PR": MeasureInfo("PR", "proportion", "proportion", "Proportion", "raw", False, False, None),
    "PLO": MeasureInfo("PLO", "proportion", "proportion", "Proportion (pooled on the logit scale)", "logit", False, False, None),
    "PFT": MeasureInfo("PFT", "proportion", "proportion", "Proportion (pooled on the Freeman-Tukey scale)", "ft", False, False, None),
    "PCT": MeasureInfo("PCT", "percent", "percent change", "Percent change from baseline", "raw", False, False),
}  # fmt: skip

GENERIC_TITLES = {"MD": "mean difference", "SMD": "standardised mean difference", "RR": "risk ratio", "OR": "odds ratio",
                  "RD": "risk difference", "HR": "hazard ratio", "ROM": "ratio of means", "IRR": "incidence rate ratio",
                  "Cliff's delta": "Cliff's delta"}

MEASURES = tuple(_TABLE) + ("GEN",)
BINARY = ("RR", "OR", "RD", "PETO")
TWO_GROUP = ("MD", "SMD", "ROM")
CHANGE = ("MC", "SMCC", "SMCR")
PROPORTIONS = ("PR", "PLO", "PFT")
#: measures on the outcome's own units: one analysis, one unit, one quantity
RAW_UNIT_MEASURES = ("MD", "MC")


def info(measure: str, effect_measure: str = "") -> MeasureInfo:
    """The :class:`MeasureInfo` of an analysis measure (GEN takes the reported ``effect_measure``)."""
    if measure != "GEN":
        return _TABLE[measure]
    em = effect_measure or "other"
    title = GENERIC_TITLES.get(em, em)
    ratio = em in RATIO_EFFECTS
    axis = title[0].upper() + title[1:] + (" (log scale)" if ratio else "")
    return MeasureInfo("GEN", "generic", title, axis, "log" if ratio else "raw", em == "MD", True)


__all__ = ["MeasureInfo", "info", "ipft", "MEASURES", "BINARY", "TWO_GROUP", "CHANGE", "PROPORTIONS", "RATIO_EFFECTS"]
