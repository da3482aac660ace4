"""Running one analysis on a workbook: select studies, extract effects, pool, sensitivity,
subgroups, diagnostics and small-study methods, GRADE, and a verdict in plain words.

What is shared by every analysis of a workbook -- the trustworthiness checks,
each study's flags, risk of bias, the registered trials without results -- is
computed once per workbook (:mod:`exometa.analysis.context`).

>>> from exometa.analysis.spec import AnalysisSpec
>>> spec = AnalysisSpec(name="x", title="x", outcome=("mortality",), measure="RR")
>>> spec.method, spec.test, spec.info.title
('MH', 'z', 'risk ratio')
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..models.distributions import norm_isf
from ..errors import ExometaError, SmallSampleWarning
from ..evidence.flags import flag_symbols
from ..models import subgroup_analysis
from ..models.subgroups import SubgroupResult, between_groups_q
from . import extract as ex
from .context import trials_for, workbook_context
from .diagnose import run_bias, run_diagnostics
from .grading import grade_analysis
from .pool import Fit, pool
from .rows import analysis_unit
from .select import FLAG_TITLES, check_names, group_value, select_studies
from .spec import AnalysisSpec, Sensitivity
from .verdict import verdict

TABLE_COLUMNS = ["study_id", "label", "arm", "n", "arm1", "arm2", "timepoint", "reported", "yi", "vi", "ci_lb", "ci_ub",
                 "effect", "effect_ci_lb", "effect_ci_ub", "weight", "pooled", "flags", "derivations", "notes",
                 "not_pooled_because", "source"]
WITHIN_REASON = ("a change within one arm of a controlled trial: compared with baseline, not with the control arm, "
                 "so it is uncontrolled evidence")


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """Everything one analysis found: its studies and effects, the pooled fit, sensitivity and
    subgroup analyses, diagnostics, small-study methods, GRADE and the verdict. ``table()`` /
    ``to_frame()`` give one row per study, ``summary()`` the result in words.

    ``verdict`` is the full text (the claim's verdict, then what the checks
    change); ``claim`` the :class:`~exometa.evidence.verdict.Verdict` (``status``,
    ``certainty``, ``sentence``); ``certainty`` GRADE's rating ("high" ... "very
    low", or "no evidence"); ``grade`` the :class:`~exometa.evidence.grade.GradeResult`;
    ``diagnostics`` ``{name: DiagnosticOutcome}`` (:mod:`exometa.analysis.diagnose`);
    ``bias`` an ``exometa.bias`` assessment (None when not asked for; a sentence
    when none could run); ``registered`` the registered trials without results
    that bear on it; ``trust`` the trustworthiness findings of its studies.
    """

    spec: AnalysisSpec
    effects: list  # StudyEffect for every selected study (and arm) with rows for the outcome
    flags: dict  # study_id -> {flag: reason}
    left_out: list  # (label, reason): studies the selection excluded
    no_numbers: list  # (study_id, label) of selected studies with no rows for the outcome
    main: Fit
    sensitivity: list = field(default_factory=list)
    correlation: list = field(default_factory=list)
    subgroups: dict = field(default_factory=dict)  # by -> SubgroupResult, or the reason there is none
    group_values: dict = field(default_factory=dict)  # by -> {study_id: subgroup}
    verdict: str = ""
    certainty: str = ""
    unit: str = ""  # the unit pooled on ('' when none is given)
    studies: dict = field(default_factory=dict)  # study_id -> studies-sheet record
    rob: object = None  # RobAssessment of the workbook's risk_of_bias sheet (exometa.evidence.rob), or None
    claim: object = None  # exometa.evidence.verdict.Verdict
    grade: object = None  # exometa.evidence.grade.GradeResult
    diagnostics: dict = field(default_factory=dict)
    bias: object = None
    registered: tuple = ()
    trust: tuple = ()

    def flags_of(self, e) -> dict:
        return self.flags.get(e.study_id, {})

    def back(self, x, n=None, ns=None):
        """``x`` on the display scale (ratios exponentiated, proportions back-transformed). A Freeman-Tukey
        proportion uses ``n``, else the harmonic mean of ``ns`` (default: the main fit's sample sizes; give
        a sensitivity or subgroup fit's own), as metafor's ``transf.ipft.hm``."""
        info = self.spec.info
        if info.scale == "ft" and n is None:
            ns = [v for v in (self.main.ns if ns is None else ns) if math.isfinite(v)]
            n = 1 / np.mean([1 / v for v in ns]) if ns else math.nan  # harmonic mean, as transf.ipft.hm
        return info.back(x, n) if info.scale == "ft" else info.back(x)

    def crit(self) -> float:
        return float(norm_isf((1 - self.spec.level / 100) / 2))

    def study_ci(self, e) -> tuple[float, float]:
        """The study's Wald CI at the analysis's level, on the analysis scale."""
        if not (math.isfinite(e.yi) and math.isfinite(e.vi) and e.vi > 0):
            return math.nan, math.nan
        half = self.crit() * math.sqrt(e.vi)
        return e.yi - half, e.yi + half

    def to_frame(self) -> pd.DataFrame:
        """One row per study (the same as :meth:`table`)."""
        return self.table()

    def summary(self) -> str:
        """The verdict, the pooled result in words, and each study with how its numbers were obtained."""
        from ..report.text import result_sentence, study_rows

        lines = [f"{self.spec.title} ({self.spec.name})", "", self.verdict, "", result_sentence(self), ""]
        if self.grade is not None:
            lines += [self.grade.summary(), ""]
        for d in self.diagnostics.values():
            lines += [f"{d.title}: {d.reading}", ""]
        if self.bias is not None:
            lines += ["Small-study effects: " + (self.bias if isinstance(self.bias, str) else self.bias.text()), ""]
        for row in study_rows(self):
            effect = next(v for k, v in row.items() if k.startswith("Effect"))
            why = row["Not pooled because"] or row["How the numbers were obtained"]
            lines.append(f"- {row['Study']} [{row['Flags']}]: {effect or 'not pooled'}" + (f" -- {why}" if why else ""))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """One row per quantity, readable in a notebook (value, interval, what it means)."""
        from ..formatting import p_text
        from ..models.display import html_table

        r, lvl = self.main.result, f"{self.spec.level:g}% CI"
        unit = f" {self.unit}" if self.unit and self.spec.info.raw_units else ""
        rows = [("Studies pooled", str(self.main.k), "", self.main.message or "k")]
        if r is not None:
            rows += [("Pooled estimate", f"{self.back(r.estimate):.4g}{unit}", f"{self.back(r.ci_lb):.4g} to {self.back(r.ci_ub):.4g}",
                      f"{self.spec.info.title}; {lvl}"),
                     ("Test of the pooled effect", "", p_text(r.pval), f"{r.method}, {r.test} test"),
                     ("I²", f"{r.i2:.1f}%" if self.main.k > 1 else "", "", "share of the variability due to heterogeneity")]
        rows += [("Certainty (GRADE)", self.certainty, "", self.grade.summary().split(chr(10), 1)[-1].strip() if self.grade else ""),
                 ("Claim", getattr(self.claim, "status", ""), "", self.verdict)]
        rows += [(d.title, "shown" if d.ran else "not shown", "", d.reading) for d in self.diagnostics.values()]
        if self.bias is not None:
            rows.append(("Small-study effects", "", "", self.bias if isinstance(self.bias, str) else self.bias.text()))
        return html_table(f"{self.spec.title} ({self.spec.name})", rows)

    def table(self) -> pd.DataFrame:
        """One row per study: what it reports, its effect at the analysis's level, weight, flags and why it is out."""
        weights = self.main.weight_of
        rows = []
        for e in self.effects:
            lo, hi = self.study_ci(e)
            n_back = e.n if self.spec.info.scale == "ft" else None
            rows.append({
                "study_id": e.study_id, "label": e.label, "arm": _arm_text(e), "n": e.n, "arm1": e.arm1, "arm2": e.arm2,
                "timepoint": e.timepoint, "reported": e.reported, "yi": e.yi, "vi": e.vi, "ci_lb": lo, "ci_ub": hi,
                "effect": self.back(e.yi, n_back), "effect_ci_lb": self.back(lo, n_back), "effect_ci_ub": self.back(hi, n_back),
                "weight": weights.get(e.row_label, math.nan), "pooled": e.poolable,
                "flags": flag_symbols(self.flags_of(e)), "derivations": "; ".join(e.derivations), "notes": "; ".join(e.notes),
                "not_pooled_because": e.reason, "source": e.source,
            })  # fmt: skip
        return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _arm_text(e) -> str:
    return f"{e.arm} ({e.arm_label})" if e.arm_label else e.arm


def _row_label(e) -> str:
    return e.row_label


def run_analysis(spec: AnalysisSpec, workbook, *, context=None) -> AnalysisResult:
    """Run one analysis on a read workbook (see :func:`exometa.read_workbook`).

    ``context``: the workbook's :class:`~exometa.analysis.context.WorkbookContext`
    (default: computed once per workbook and reused).
    """
    check_names(spec, workbook)
    ctx = context if context is not None else workbook_context(workbook)
    chosen, left_out, flags = select_studies(spec, workbook.studies, ctx.flags)
    unit = analysis_unit(workbook.outcomes, spec) if spec.info.family in ("two_group", "change", "generic") else ""
    effects, no_numbers = ex.extract(spec, workbook.outcomes, workbook.studies, chosen, spec.correlation, unit)
    correlation = []
    for r in spec.correlation_range:
        alt, _ = ex.extract(spec, workbook.outcomes, workbook.studies, chosen, r, unit)
        if not any("correlation" in d for e in alt for d in e.derivations):  # one row says so, not one per value
            values = " to ".join(f"{x:g}" for x in (min(spec.correlation_range), max(spec.correlation_range)))
            correlation = [Fit(f"pre/post correlation r = {values}", 0, None,
                               "No study needed an assumed correlation: every value gives the main analysis.")]
            break
        correlation.append(pool(f"pre/post correlation r = {r:g}", alt, spec))
    alternatives = {}
    for i, s in enumerate(spec.sensitivity):
        if s.overrides:
            alt = s.applied_to(spec)
            alternatives[i] = (alt, ex.extract(alt, workbook.outcomes, workbook.studies, chosen, alt.correlation, unit)[0])
    return analyse(spec, ctx, chosen, effects, flags, left_out=left_out, no_numbers=no_numbers, unit=unit,
                   correlation=correlation, alternatives=alternatives)


def analyse(spec: AnalysisSpec, ctx, chosen, effects, flags, *, left_out=(), no_numbers=(), unit="", correlation=(),
            alternatives=None):
    """Everything after extraction: pooling, sensitivity and subgroups, diagnostics, small-study methods,
    GRADE and the verdict, for ``effects`` of the studies ``chosen`` (their studies-sheet records).

    ``alternatives``: ``{i: (spec, effects)}`` for the sensitivity analyses (by
    position) that change the assumptions: their own spec and re-extracted effects.
    """
    alternatives = alternatives or {}
    effects, left_out, no_numbers = list(effects), list(left_out), list(no_numbers)
    _mark(effects, flags)
    studies = {rec["study_id"]: rec for rec in chosen}
    group_values = {by: {rec["study_id"]: group_value(rec, by) for rec in chosen} for by in spec.subgroups}
    result = AnalysisResult(
        spec, effects, flags, left_out, no_numbers, pool("all studies in this analysis", effects, spec),
        sensitivity=[_sensitivity(*alternatives.get(i, (spec, effects)), flags, studies, s) for i, s in enumerate(spec.sensitivity)],
        correlation=list(correlation),
        subgroups={by: _subgroups(spec, effects, group_values[by]) for by in spec.subgroups}, group_values=group_values,
        unit=unit, studies=studies, rob=ctx.rob, registered=tuple(trials_for(spec, ctx)))
    ids = [e.study_id for e in effects] + [sid for sid, _ in no_numbers]
    result = dataclasses.replace(result, diagnostics=run_diagnostics(result), trust=tuple(ctx.findings_of(ids)))
    missing = sum(t.missing for t in result.registered)
    result = dataclasses.replace(result, bias=run_bias(result, missing if ctx.registered else None))
    result = dataclasses.replace(result, grade=grade_analysis(result, ctx.rob, result.registered, result.bias))
    claim, text = verdict(result)
    return dataclasses.replace(result, verdict=text, certainty=result.grade.certainty, claim=claim)


def _mark(effects, flags) -> None:
    """Derived numbers flag their study '*'; a within-arm change or proportion counts as uncontrolled."""
    for e in effects:
        fl = flags.setdefault(e.study_id, {})
        if e.imputed:
            fl["imputed"] = "; ".join(dict.fromkeys(list(filter(None, fl.get("imputed", "").split("; "))) + e.derivations))
        if e.within and "uncontrolled" not in fl:
            fl["uncontrolled"] = WITHIN_REASON
    for fl in flags.values():  # keep the fixed order of the flags
        ordered = {f: fl[f] for f in FLAG_TITLES if f in fl}
        fl.clear()
        fl.update(ordered)


def _sensitivity(spec, effects, flags, studies, s: Sensitivity) -> Fit:
    """The sensitivity analysis ``s`` on ``effects`` (re-extracted under its own ``spec`` when it changes assumptions)."""
    keep = []
    for e in effects:
        fl = flags.get(e.study_id, {})
        if any(f in fl for f in s.exclude_flags):
            continue
        if s.exclude_imputed and e.imputed:
            continue
        if studies.get(e.study_id, {}).get("design") in s.exclude_designs or e.study_id in s.exclude_studies:
            continue
        keep.append(e)
    return pool(s.name, keep, spec)


def _subgroups(spec, effects, value):
    ok = [e for e in effects if e.poolable]
    groups = [value[e.study_id] for e in ok]
    if len(set(groups)) < 2:
        return "All poolable studies fall in one subgroup" + (f" ({groups[0]})" if groups else "") + ": no comparison is possible."
    try:
        if spec.method in ("MH", "PETO"):
            return _count_subgroups(spec, ok, groups)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            return subgroup_analysis([e.yi for e in ok], [e.vi for e in ok], groups, method=spec.method, test=spec.test, level=spec.level)
    except ExometaError as exc:
        return f"The subgroups cannot be pooled: {exc}"


def _count_subgroups(spec, ok, groups) -> SubgroupResult | str:
    """Mantel-Haenszel or Peto within each subgroup, and the test for subgroup differences on their estimates."""
    fits = {}
    for g in dict.fromkeys(groups):
        fit = pool(g, [e for e, h in zip(ok, groups) if h == g], spec)
        if fit.result is None:
            return f"Subgroup {g!r} cannot be pooled: {fit.message}"
        fits[g] = fit.result
    overall = pool("all", ok, spec).result
    q, df, p = between_groups_q([r.estimate for r in fits.values()], [r.se for r in fits.values()])
    return SubgroupResult(groups=fits, overall=overall, q_between=q, q_between_df=df, q_between_pval=p)


__all__ = ["run_analysis", "analyse", "AnalysisResult", "Fit"]
