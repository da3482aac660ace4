"""Running one analysis on a workbook: select studies, extract effects, pool, sensitivity,
subgroups, and a verdict in plain words."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import SmallSampleWarning
from ..evidence.flags import FLAGS, flag_symbols, study_flags
from ..models import meta_analysis, subgroup_analysis
from . import extract
from .spec import AnalysisSpec, Sensitivity

FLAG_TITLES = {f.name: f.title for f in FLAGS}
TABLE_COLUMNS = ["study_id", "label", "arm", "n", "timepoint", "reported", "yi", "vi", "ci_lb", "ci_ub", "weight",
                 "pooled", "flags", "derivations", "not_pooled_because", "source"]


@dataclass
class Fit:
    """A pooled result for a set of studies, or the reason there is none."""

    name: str
    k: int
    result: object = None  # MetaResult
    message: str = ""
    labels: tuple = ()


@dataclass
class AnalysisResult:
    spec: AnalysisSpec
    effects: list  # StudyEffect for every selected study with rows for the outcome
    flags: dict  # study_id -> {flag: reason}
    left_out: list  # (label, reason): studies the selection excluded
    no_numbers: list  # (study_id, label) of selected studies with no rows for the outcome
    main: Fit
    sensitivity: list = field(default_factory=list)
    correlation: list = field(default_factory=list)
    subgroups: dict = field(default_factory=dict)
    group_values: dict = field(default_factory=dict)  # by -> {study_id: subgroup}
    verdict: str = ""
    certainty: str = ""

    def table(self) -> pd.DataFrame:
        """One row per study: what it reports, its effect, weight, flags and why it is out."""
        weights = {}
        if self.main.result is not None:
            weights = dict(zip(self.main.labels, np.atleast_1d(self.main.result.weights)))
        rows = []
        for e in self.effects:
            fl = self.flags.get(e.study_id, {})
            rows.append({
                "study_id": e.study_id, "label": e.label, "arm": e.arm, "n": e.n, "timepoint": e.timepoint,
                "reported": e.reported, "yi": e.yi, "vi": e.vi if e.poolable else math.nan,
                "ci_lb": e.yi - 1.959963984540054 * math.sqrt(e.vi) if e.poolable else math.nan,
                "ci_ub": e.yi + 1.959963984540054 * math.sqrt(e.vi) if e.poolable else math.nan,
                "weight": weights.get(_row_label(e), math.nan), "pooled": e.poolable,
                "flags": flag_symbols(fl), "derivations": "; ".join(e.derivations),
                "not_pooled_because": e.reason, "source": e.source,
            })  # fmt: skip
        return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _row_label(e) -> str:
    return e.label if e.arm in ("single group", "treatment vs control", "") else f"{e.label} ({e.arm})"


def select_studies(spec: AnalysisSpec, studies: pd.DataFrame):
    """Studies in the analysis (with their flags), and the others with the reason each is out."""
    inc = spec.include
    chosen, left_out, flags_of = [], [], {}
    for rec in studies.to_dict("records"):
        flags = study_flags(rec)
        label = rec.get("label") or rec.get("study_id")
        why = None
        if inc.study_ids and rec["study_id"] not in inc.study_ids:
            why = "not in this analysis's list of studies"
        elif rec.get("record_type") not in inc.record_type:
            why = f"a {rec.get('record_type')}, not included here"
        elif rec.get("design") in inc.exclude_designs:
            why = f"design '{rec.get('design')}' is excluded here"
        elif inc.intervention_type and rec.get("intervention_type") not in inc.intervention_type:
            why = f"intervention '{rec.get('intervention_type')}' is not studied here"
        else:
            hit = [f for f in inc.exclude_flags if f in flags]
            if hit:
                why = "flagged " + ", ".join(FLAG_TITLES[f] for f in hit)
        if why:
            left_out.append((label, why))
        else:
            chosen.append(rec)
            flags_of[rec["study_id"]] = flags
    return chosen, left_out, flags_of


def _effects(spec, chosen, outcomes, r):
    """Effects for every chosen study and arm; SDs are borrowed in a second pass."""
    rows_of = {sid: g for sid, g in outcomes[outcomes.outcome.isin(spec.outcome)].groupby("study_id", sort=False)}
    no_numbers, work = [], []
    for rec in chosen:
        rows = rows_of.get(rec["study_id"])
        label = rec.get("label") or rec["study_id"]
        if rows is None or rows.empty:
            no_numbers.append((rec["study_id"], label))
            continue
        work.append((rec, rows, label))

    def one_pass(policies, borrowed):
        out = []
        for rec, rows, label in work:
            sid = rec["study_id"]
            if spec.measure == "MD":
                if rec.get("control_type") in ("none", "unclear") or not (rows["arm"].isin(["treatment", "control", "treatment vs control"]).any()):
                    continue
                out.append(extract.difference_in_change(sid, label, rows))
                continue
            arms = [a for a in spec.arms if (rows["arm"] == a).any()] or [spec.arms[0]]
            for arm in arms:
                if spec.measure == "MC":
                    out.append(extract.mean_change(sid, label, rows, arm, policies, r, borrowed))
                else:
                    out.append(extract.percent_change(sid, label, rows, arm))
        return out

    first = one_pass([p for p in spec.missing_sd if p != "borrow"], math.nan)
    if "borrow" in spec.missing_sd and spec.measure == "MC":
        return one_pass(spec.missing_sd, extract.borrowable_sd(first)), no_numbers
    return first, no_numbers


def pool(name, effects, spec: AnalysisSpec) -> Fit:
    """Pool the poolable effects; k = 0 and k = 1 get a message instead of a failure."""
    ok = [e for e in effects if e.poolable]
    labels = tuple(_row_label(e) for e in ok)
    if not ok:
        return Fit(name, 0, None, "No study in this set reports numbers that can be pooled.", labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        res = meta_analysis([e.yi for e in ok], [e.vi for e in ok], method=spec.method, test=spec.test, level=spec.level, slab=labels)
    msg = "" if len(ok) > 1 else "Only one study can be pooled: the estimate is that study's own; heterogeneity cannot be assessed."
    return Fit(name, len(ok), res, msg, labels)


def _sensitivity(spec, effects, flags, s: Sensitivity) -> Fit:
    keep = []
    for e in effects:
        fl = flags.get(e.study_id, {})
        if any(f in fl for f in s.exclude_flags):
            continue
        if s.exclude_imputed and e.imputed:
            continue
        keep.append(e)
    return pool(s.name, keep, spec)


def run_analysis(spec: AnalysisSpec, workbook) -> AnalysisResult:
    """Run one analysis on a read workbook (see :func:`exometa.read_workbook`)."""
    chosen, left_out, flags = select_studies(spec, workbook.studies)
    effects, no_numbers = _effects(spec, chosen, workbook.outcomes, spec.correlation)
    for e in effects:
        if e.imputed:
            flags[e.study_id] = dict(flags.get(e.study_id, {}), imputed="; ".join(e.derivations))
    main = pool("all studies in this analysis", effects, spec)
    result = AnalysisResult(spec, effects, flags, left_out, no_numbers, main)
    result.sensitivity = [_sensitivity(spec, effects, flags, s) for s in spec.sensitivity]
    for r in spec.correlation_range:
        alt, _ = _effects(spec, chosen, workbook.outcomes, r)
        fit = pool(f"pre/post correlation r = {r:g}", alt, spec)
        uses_r = any("correlation" in d for e in alt for d in e.derivations)
        if not uses_r:
            fit.message = (fit.message + " " if fit.message else "") + "No study needed the assumed correlation, so this equals the main analysis."
        result.correlation.append(fit)
    for by in spec.subgroups:
        result.group_values[by] = {rec["study_id"]: rec.get(by) or "not reported" for rec in chosen}
        result.subgroups[by] = _subgroups(spec, effects, chosen, by)
    result.verdict, result.certainty = verdict(result)
    return result


def _subgroups(spec, effects, chosen, by):
    value = {rec["study_id"]: rec.get(by) or "not reported" for rec in chosen}
    ok = [e for e in effects if e.poolable]
    groups = [value[e.study_id] for e in ok]
    if len(set(groups)) < 2:
        return "All poolable studies fall in one subgroup" + (f" ({groups[0]})" if groups else "") + ": no comparison is possible."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return subgroup_analysis([e.yi for e in ok], [e.vi for e in ok], groups, method=spec.method, test=spec.test, level=spec.level)


def verdict(res: AnalysisResult) -> tuple[str, str]:
    """A plain-language verdict and a GRADE-like certainty (high/moderate/low/very low).

    Rules: no poolable study -> "not supported"; certainty starts at high for
    randomised evidence and low for uncontrolled evidence, and drops one level
    each for: any pooled study unverifiable or not peer reviewed (risk of bias
    and reporting), imputed numbers, fewer than 100 participants in total
    (imprecision), a prediction interval spanning zero (inconsistency).
    """
    spec, fit = res.spec, res.main
    pooled = [e for e in res.effects if e.poolable]
    shown = len(res.effects)
    claim = spec.claim or spec.title
    if spec.measure == "PCT":
        return (f"Claim tested: {claim} These percent changes are shown as reported; none comes with a measure of its "
                f"spread, so they cannot be combined or tested. {shown} result(s) shown; "
                + _flag_sentence(res, res.effects) + " Percent changes from uncontrolled studies cannot separate the "
                "treatment from time, season, co-treatments or regression to the mean.", "very low")
    if not pooled:
        return (f"Claim tested: {claim} Not supported by poolable evidence: of {shown} result(s) found for this question, "
                "none reports the numbers a meta-analysis needs (see the reasons listed). Statements of 'significant' "
                "improvement without numbers cannot be weighed.", "very low")
    flags = [res.flags.get(e.study_id, {}) for e in pooled]
    uncontrolled = all("uncontrolled" in f for f in flags)
    level = 1 if uncontrolled else 3
    downgrades = []
    if any("unverifiable" in f or "not_peer_reviewed" in f for f in flags):
        downgrades.append("unverifiable or non-peer-reviewed sources")
    if any("imputed" in f for f in flags):
        downgrades.append("imputed or derived numbers")
    total_n = sum(e.n for e in pooled if isinstance(e.n, (int, float)) and math.isfinite(e.n))
    if total_n < 100:
        downgrades.append(f"few participants ({int(total_n)})")
    r = fit.result
    if fit.k > 1 and r.pi_lb < 0 < r.pi_ub:
        downgrades.append("inconsistent results (the prediction interval includes no change)")
    level = max(0, level - len(downgrades))
    certainty = ("very low", "low", "moderate", "high")[level]
    est = f"{r.estimate:.3g} ({spec.level:g}% CI {r.ci_lb:.3g} to {r.ci_ub:.3g}{', ' + spec.unit if spec.unit else ''})"
    text = f"Claim tested: {claim} Pooled {('mean change' if spec.measure == 'MC' else 'difference')}: {est}, from {fit.k} stud{'y' if fit.k == 1 else 'ies'}."
    if uncontrolled:
        text += (" Every pooled study is uncontrolled: the number describes change over time in treated people, not an "
                 "effect of the treatment; it cannot show that the treatment caused it.")
    if downgrades:
        text += " Certainty is lowered for " + "; ".join(downgrades) + "."
    text += f" Certainty of the evidence: {certainty}."
    return text, certainty


def _flag_sentence(res, effects) -> str:
    counts = {}
    for e in effects:
        for f in res.flags.get(e.study_id, {}):
            counts[f] = counts.get(f, 0) + 1
    if not counts:
        return ""
    return "Flags: " + ", ".join(f"{FLAG_TITLES[f]} ({n})" for f, n in counts.items()) + "."


__all__ = ["run_analysis", "AnalysisResult", "Fit"]
