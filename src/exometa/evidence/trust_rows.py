"""The checks of :func:`exometa.evidence.trust.check_workbook` on outcomes rows and groups of rows.

Each function takes rows (dicts of one outcomes row each, as ``DataFrame.to_dict("records")``
gives them, plus ``_index``) and returns the :class:`CheckResult` of each check
that applies, with the rows it used. Which checks apply to a row is decided by
its ``data_type`` (see :mod:`exometa.evidence.trust`).
"""

from __future__ import annotations

import math
import re

from .trust_checks import (
    CheckResult, arm_totals, baseline_similarity, check_p_ci, check_p_mean, check_p_statistic, check_p_two_means, ci_symmetry,
    debit, grim, grim_percent, grimmer, pooled_sd, sd_looks_like_se, sd_quartiles, sd_range,
)
from .trust_checks.pvalues import STAT_TYPES

RATIO_MEASURES = ("RR", "OR", "HR", "ROM")
DIFFERENCE_MEASURES = ("MD", "SMD", "RD")
ARMS = ("treatment", "control")
TOTAL_ARMS = ("treatment vs control", "all participants")


def get(row, name):
    """A cell's value, or None when the column is absent or the cell blank."""
    v = row.get(name)
    if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()):
        return None
    return v


def row_no(row) -> int:
    return int(row["excel_row"]) if get(row, "excel_row") is not None else int(row["_index"]) + 2


def where(rows) -> str:
    nos = sorted({row_no(r) for r in rows})
    return f"outcomes row {nos[0]}" if len(nos) == 1 else "outcomes rows " + ", ".join(map(str, nos))


def has(row, *names) -> bool:
    return all(get(row, n) is not None for n in names)


def _timekey(row):
    return tuple(get(row, c) for c in ("timepoint_weeks", "weeks_after_treatment", "timepoint"))


#: timepoint texts that mean baseline ("baseline", "at baseline", "week 0", "pre-treatment"), not "12 weeks from baseline"
_BASELINE = re.compile(r"^\s*(at\s+)?(baseline|(week|day|month)\s*0|pre-?treatment|before treatment)\s*$", re.I)


def is_baseline(row) -> bool:
    """A value row measured at baseline (timepoint_weeks 0, or a timepoint that says so)."""
    t = get(row, "timepoint")
    return get(row, "quantity") == "value" and (get(row, "timepoint_weeks") == 0 or (t is not None and bool(_BASELINE.match(str(t)))))


# --- checks of one row -------------------------------------------------------------------------------------------


def granularity(row) -> list[CheckResult]:
    """GRIM and GRIMMER for integer data; GRIM for the percentage and DEBIT for the SD of binary data."""
    dtype = get(row, "data_type") or "continuous"
    mean, sd, n = get(row, "mean"), get(row, "sd"), get(row, "n")
    if mean is None or n is None or get(row, "quantity") not in ("value", "change from baseline") or get(row, "arm") in TOTAL_ARMS[:1]:
        return []
    if dtype == "integer":
        items = int(get(row, "scale_items") or 1)
        out = [grim(mean, n, items=items)]
        if sd is not None:
            out.append(grimmer(mean, sd, n, items=items))
        return out
    if dtype == "binary":
        unit = str(get(row, "unit") or "").lower()
        percent = "%" in unit or "percent" in unit or mean > 1
        out = [grim_percent(mean if percent else mean * 100, n)]
        if sd is not None:
            out.append(debit(mean / 100 if percent else mean, sd / 100 if percent else sd, n))
        return out
    return []


def spread(row) -> list[CheckResult]:
    """SD against the range and quartiles, and a mean change over its SD (continuous and integer data)."""
    if (get(row, "data_type") or "continuous") == "binary" or not has(row, "sd", "n"):
        return []
    out = []
    if has(row, "min", "max"):
        out.append(sd_range(row["sd"], row["n"], row["min"], row["max"], mean=get(row, "mean")))
    if has(row, "q1", "q3") or has(row, "iqr"):
        out.append(sd_quartiles(row["sd"], row["n"], q1=get(row, "q1"), q3=get(row, "q3"), iqr=get(row, "iqr")))
    if get(row, "quantity") == "change from baseline" and has(row, "mean"):
        out.append(sd_looks_like_se(row["mean"], row["sd"], row["n"], what="the mean change"))
    return out


def _ci_scale(row) -> str | None:
    measure = get(row, "effect_measure")
    if measure in RATIO_MEASURES:
        return "ratio"
    if measure in DIFFERENCE_MEASURES:
        return "difference"
    if measure is None and (get(row, "data_type") or "continuous") != "binary":
        return "difference"  # a mean, a mean change or a difference of means
    return None  # a proportion, Cliff's delta, ...: bounded, its CI need not be symmetric


def ci(row) -> list[CheckResult]:
    """CI symmetry on the measure's scale (skipped for bounded measures and proportions)."""
    scale = _ci_scale(row)
    if scale is None or not has(row, "mean", "ci_lb", "ci_ub"):
        return []
    return [ci_symmetry(row["mean"], row["ci_lb"], row["ci_ub"], scale=scale)]


def p_value(row, arm_rows) -> tuple[CheckResult, list] | None:
    """The p-value check of a row (with the rows it used), or None when no p-value is reported."""
    p = get(row, "p_value")
    if p is None:
        return None
    rel = get(row, "p_relation") or "="
    one_sided = bool(re.search(r"one[- ]?(sided|tailed)|directional", str(get(row, "p_test") or ""), re.I))
    stat = get(row, "stat_type")
    if stat is not None and has(row, "stat_value"):
        if stat not in STAT_TYPES:
            return CheckResult("p-value", "cannot check", f"a p-value beside a {stat} statistic is not recomputed: it needs the "
                                                          "statistic's exact distribution and the group sizes."), [row]
        df, df2 = get(row, "stat_df"), get(row, "stat_df2")
        if (stat in ("t", "r", "chi2") and df is None) or (stat == "F" and (df is None or df2 is None)):
            return CheckResult("p-value", "cannot check", f"the {stat} statistic is reported without its degrees of freedom."), [row]
        return check_p_statistic(p, stat, row["stat_value"], df=df, df2=df2, relation=rel, one_sided=one_sided), [row]
    if has(row, "mean", "ci_lb", "ci_ub") and get(row, "effect_measure") not in ("Cliff's delta", "other"):
        n = get(row, "n")
        df = None
        if n is not None and get(row, "effect_measure") not in RATIO_MEASURES:
            df = n - 2 if get(row, "arm") in TOTAL_ARMS else n - 1
        return check_p_ci(p, row["mean"], row["ci_lb"], row["ci_ub"], level=get(row, "ci_level") or 95,
                          log_scale=get(row, "effect_measure") in RATIO_MEASURES, df=df if df and df > 0 else None,
                          relation=rel), [row]
    test = str(get(row, "p_test") or "").lower()
    against_baseline = not test or "baseline" in test  # a p-value between arms is not the change's own test
    if (get(row, "quantity") == "change from baseline" and against_baseline and has(row, "mean", "sd", "n")
            and row["n"] >= 2):
        return check_p_mean(p, row["mean"], row["sd"], row["n"], relation=rel), [row]
    if get(row, "arm") in TOTAL_ARMS and len(arm_rows) == 2:
        t, c = arm_rows
        return check_p_two_means(p, t["mean"], t["sd"], t["n"], c["mean"], c["sd"], c["n"], relation=rel), [row, t, c]
    return CheckResult("p-value", "cannot check", "nothing is reported beside it to recompute it from (a test statistic with "
                                                  "its df, a CI, or means, SDs and n)."), [row]


# --- checks across rows ----------------------------------------------------------------------------------------------


def _complete(rows):
    return [r for r in rows if has(r, "mean", "sd", "n") and r["n"] >= 2]


def arm_pair(group) -> list:
    """The treatment and control rows (one each, with mean, SD and n) of a group that a between-arm p-value compares."""
    for quantity in ("change from baseline", "value"):
        rows = _complete([r for r in group if get(r, "quantity") == quantity and not is_baseline(r)])
        t = [r for r in rows if r.get("arm") == "treatment"]
        c = [r for r in rows if r.get("arm") == "control"]
        if len(t) == 1 and len(c) == 1:
            return [t[0], c[0]]
    return []


def between_arms(group) -> list[tuple[CheckResult, list]]:
    """Each treatment arm against each control at one timepoint, standardised by their pooled SD."""
    out = []
    for quantity in ("change from baseline", "value"):
        rows = _complete([r for r in group if get(r, "quantity") == quantity and not is_baseline(r)])
        controls = [r for r in rows if r.get("arm") == "control"]
        for t in (r for r in rows if r.get("arm") == "treatment"):
            for c in controls:
                sd = pooled_sd(t["sd"], t["n"], c["sd"], c["n"])
                out.append((sd_looks_like_se(t["mean"] - c["mean"], sd, what="the difference between arms"), [t, c]))
    return out


def from_baseline(rows) -> list[tuple[CheckResult, list]]:
    """Each later value of an arm standardised by that arm's baseline SD."""
    out = []
    by_arm = {}
    for r in rows:
        if get(r, "quantity") == "value" and has(r, "mean"):
            by_arm.setdefault((r.get("arm"), get(r, "arm_label"), get(r, "unit")), []).append(r)
    for arm_rows in by_arm.values():
        base = [r for r in arm_rows if is_baseline(r) and has(r, "sd") and r["sd"] > 0]
        if len(base) != 1:
            continue
        b = base[0]
        for r in arm_rows:
            if r is not b and not is_baseline(r):
                when = get(r, "timepoint") or (f"week {r['timepoint_weeks']:g}" if has(r, "timepoint_weeks") else "later")
                out.append((sd_looks_like_se(r["mean"] - b["mean"], b["sd"], b.get("n") if has(b, "n") else None,
                                             what=f"the change from baseline to {when}"), [b, r]))
    return out


def baseline(rows) -> tuple[CheckResult, list] | None:
    """Baseline similarity over every outcome with one treatment and one control baseline row."""
    base = _complete([r for r in rows if is_baseline(r)])
    variables, used = [], []
    for group in by_outcome(base).values():
        t = [r for r in group if r.get("arm") == "treatment"]
        c = [r for r in group if r.get("arm") == "control"]
        if len(t) == 1 and len(c) == 1:
            variables.append((t[0]["mean"], t[0]["sd"], t[0]["n"], c[0]["mean"], c[0]["sd"], c[0]["n"]))
            used += [t[0], c[0]]
    return (baseline_similarity(variables), used) if variables else None


def _arm_ns(group) -> dict | None:
    ns = {}
    for r in group:
        if r.get("arm") in ARMS and has(r, "n"):
            key = r["arm"] + (f": {r['arm_label']}" if has(r, "arm_label") else "")
            if ns.setdefault(key, r["n"]) != r["n"]:
                return None  # the same arm with two n (e.g. at two quantities): not a simple sum
    return ns if len(ns) >= 2 else None


def totals(group) -> tuple[CheckResult, list] | None:
    """The arms' n against a total row of the same outcome and timepoint."""
    ns = _arm_ns(group)
    stated = {r["n"] for r in group if r.get("arm") in TOTAL_ARMS and has(r, "n")}
    if not ns or len(stated) != 1:
        return None
    used = [r for r in group if has(r, "n") and (r.get("arm") in ARMS or r.get("arm") in TOTAL_ARMS)]
    return arm_totals(ns, stated.pop(), "the total row"), used


def within_enrolment(study, rows) -> tuple[CheckResult, list] | None:
    """The largest n the outcomes sheet gives (one row, or the arms together) against those enrolled.

    Rows read from a registry are left out: a registry's enrolment is often a plan, and the
    registry-vs-report comparison is its own check ("registry n")."""
    enrolled = get(study, "n_enrolled")
    if enrolled is None:
        return None
    rows = [r for r in rows if r.get("source_type") != "registry"]
    best, used = None, []
    for group in groups(rows).values():
        ns = _arm_ns(group)
        candidates = [({k: v}, [r]) for r in group if has(r, "n") and r.get("arm") not in ARMS
                      for k, v in [(r.get("arm") or "n", r["n"])]]
        if ns:
            candidates.append((ns, [r for r in group if r.get("arm") in ARMS and has(r, "n")]))
        for arms, rs in candidates:
            if best is None or sum(arms.values()) > sum(best.values()):
                best, used = arms, rs
    if best is None:
        return None
    return arm_totals(best, enrolled, "those enrolled", at_most=True), used


def by_outcome(rows) -> dict:
    """Rows by (outcome, unit), across timepoints."""
    out = {}
    for r in rows:
        out.setdefault((get(r, "outcome"), get(r, "unit")), []).append(r)
    return out


def groups(rows) -> dict:
    """Rows by (outcome, unit, timepoint): the rows that describe one measurement."""
    out = {}
    for r in rows:
        out.setdefault((get(r, "outcome"), get(r, "unit"), _timekey(r)), []).append(r)
    return out
