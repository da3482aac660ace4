"""From the workbook's outcome rows to one effect size (``yi``, ``vi``) per study or arm, saying how.

Every study in an analysis gets a :class:`StudyEffect`: its estimate and
variance when it can be pooled, what it reports (for display), every step that
derived, converted or assumed a number (``derivations``: any of them marks the
study ``*``), notes on choices that are not derivations (``notes``), and, when
it cannot be pooled, the reason.

Extraction is one vectorised pass per analysis (:func:`extract`): rows are
chosen with pandas group operations (:mod:`.rows`), summarised per arm
(:mod:`.arms`, :mod:`.spread`) and turned into effect sizes with one call of
:func:`exometa.effects.effect_sizes` per family (:mod:`.between_arms`,
:mod:`.within_arm`, :mod:`.reported`). Rules for choosing rows: :mod:`.rows`;
for means and SDs: :mod:`.spread`; for units: :mod:`.units`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import rows as rowsel
from .measures import info

WITHIN_ROLES = ("single group", "", "treatment vs control")


@dataclass
class StudyEffect:
    study_id: str
    label: str
    arm: str = ""  # the role: "treatment vs control", "single group", "treatment", ...
    yi: float = math.nan
    vi: float = math.nan
    n: float = math.nan  # participants behind the estimate (both arms for a comparison)
    n2: float = math.nan  # control arm (comparisons)
    reported: str = ""  # what the source reports, in words and numbers
    timepoint: str = ""
    derivations: list = field(default_factory=list)
    reason: str = ""  # why it cannot be pooled ('' when it can)
    source: str = ""
    sd_reported: float = math.nan  # SD as typed in the workbook (for borrowing)
    arm_label: str = ""  # the arm's name in the source, or the comparison's ("5% vs vehicle")
    n1: float = math.nan  # treatment arm (comparisons)
    arm1: str = ""  # per-arm text for figures: "12/100" or "10.2 (SD 3), n = 20"
    arm2: str = ""
    counts: tuple | None = None  # (ai, n1i, ci, n2i) for Mantel-Haenszel and Peto
    by_counts: bool = False  # pooled from counts (MH, Peto): poolable even when yi is not estimable
    within: bool = False  # a change or proportion within one group: never an effect of treatment
    notes: list = field(default_factory=list)  # choices that are not derivations (which row was used)
    weeks: float = math.nan

    @property
    def poolable(self) -> bool:
        if self.reason:
            return False
        if self.by_counts:
            return self.counts is not None
        return math.isfinite(self.yi) and math.isfinite(self.vi) and self.vi > 0

    @property
    def imputed(self) -> bool:
        return bool(self.derivations)

    @property
    def row_label(self) -> str:
        """The study's label, with its arm where a study appears more than once."""
        if self.arm_label:
            return f"{self.label} ({self.arm_label})"
        if self.arm in WITHIN_ROLES:
            return self.label
        return f"{self.label} ({self.arm})"


def extract(spec, outcomes: pd.DataFrame, studies: pd.DataFrame, chosen: list, r: float, unit: str) -> tuple[list, list]:
    """Effects for every chosen study; returns (effects, no_numbers).

    ``chosen`` are the studies-sheet records selected by the analysis;
    ``no_numbers`` lists (study_id, label) of those with no rows for its outcome.
    """
    from . import between_arms, reported, within_arm

    m = info(spec.measure, spec.effect_measure)
    ids = [rec["study_id"] for rec in chosen]
    labels = {rec["study_id"]: rec.get("label") or rec["study_id"] for rec in chosen}
    unit_free = not m.raw_units
    rows = rowsel.prepare(outcomes, studies, spec, ids, unit, unit_free)
    present = set(rows["study_id"])
    no_numbers = [(sid, labels[sid]) for sid in ids if sid not in present]
    family = m.family
    if family == "binary":
        effects = between_arms.binary(rows, spec, labels)
    elif family == "two_group":
        effects = between_arms.two_group(rows, spec, labels, r)
    elif family == "change":
        effects = within_arm.change(rows, spec, labels, r)
    elif family == "proportion":
        effects = within_arm.proportions(rows, spec, labels)
    elif family == "percent":
        effects = within_arm.percent(rows, spec, labels)
    else:
        effects = reported.generic(rows, spec, labels)
    order = {sid: i for i, sid in enumerate(ids)}
    effects.sort(key=lambda e: order[e.study_id])  # stable: arms stay in sheet order
    _explain_missing(effects, rows, m)
    return effects, no_numbers


def _explain_missing(effects, rows, m) -> None:
    """Give every effect without numbers a reason saying what its study reports instead."""
    todo = [e for e in effects if not e.poolable and not e.reason and not math.isfinite(e.yi)]
    if not todo:
        return
    best = rows[rows["_src"] == rows.groupby("study_id")["_src"].transform("min")]
    summary = describe(best)
    for e in todo:
        e.reason = why_not(summary.get(e.study_id), NEEDS[m.family])


NEEDS = {
    "binary": "events and n in each arm",
    "two_group": "each arm's mean with its SD (or SE, CI) and n, or the difference with its CI",
    "change": "a mean change or baseline and follow-up means",
    "proportion": "events and n",
    "percent": "a percent change or baseline and follow-up means",
    "generic": "an effect estimate with its CI, SE or p-value",
}


def describe(rows: pd.DataFrame) -> dict:
    """Per study, what its rows hold (for reasons): one groupby over the analysis's rows."""
    if rows.empty:
        return {}
    g = rows.groupby("study_id", sort=False)
    pct = g["pct_change"].agg(lambda s: list(dict.fromkeys(s.dropna())))
    median = g["median"].agg(lambda s: s.notna().any())
    no_n = g["n"].agg(lambda s: s.isna().all())
    ps = rows.dropna(subset=["p_value"]).groupby("study_id", sort=False).apply(
        lambda d: [f"p {r if r in ('<', '>') else '='} {p:g}" for r, p in zip(d["p_relation"], d["p_value"])], include_groups=False)
    numbers = rows[["mean", "median", "events"]].notna().any(axis=1)
    bad = rows[(rows["_unit_bad"] != "") & numbers]
    units_bad = (bad["_unit_bad"] + " (outcomes sheet, row " + bad["excel_row"].astype(int).astype(str) + ")").groupby(
        bad["study_id"], sort=False).first() if len(bad) else pd.Series(dtype=object)
    return {sid: {"pct": pct[sid], "median": bool(median[sid]), "no_n": bool(no_n[sid]), "p": ps.get(sid, []),
                  "unit": units_bad.get(sid, "")} for sid in pct.index}


def why_not(d, needed: str) -> str:
    if not d:
        return "no numbers reported for this outcome"
    if d["unit"]:
        return d["unit"]
    bits = []
    if d["pct"]:
        bits.append("only percent changes (" + ", ".join(f"{x:+g}%" for x in d["pct"]) + ")")
    if d["median"]:
        bits.append("medians, not means (convert_medians converts them, flagged)")
    if d["p"] and not bits:
        bits.append("only p-values (" + ", ".join(d["p"]) + ")")
    said = ("reports " + "; ".join(bits)) if bits else ""
    if d["no_n"]:
        said = "; ".join(filter(None, [said, "n not reported"]))
    return f"{said}; needs {needed}" if said else f"needs {needed}"


def borrow(sd: np.ndarray, typed: np.ndarray, kinds=None):
    """The SD to borrow: the mean of the SDs studies report themselves (typed in the workbook, never derived).

    With ``kinds``, one value per kind (final values and change scores are not mixed).
    """
    if kinds is None:
        ok = typed & np.isfinite(sd)
        return float(np.mean(sd[ok])) if ok.any() else math.nan
    return {k: borrow(sd[kinds == k], typed[kinds == k]) for k in np.unique(kinds)}


def borrowable_sd(effects) -> float:
    """The mean of the SDs of change that studies report themselves (never derived ones)."""
    sds = [e.sd_reported for e in effects if math.isfinite(e.sd_reported) and not e.derivations]
    return float(np.mean(sds)) if sds else math.nan


__all__ = ["StudyEffect", "extract", "borrowable_sd"]
