"""Choosing the outcome rows an analysis uses: one vectorised pass, never study by study.

:func:`prepare` takes the workbook's outcome rows for an analysis (its outcomes,
its studies) and adds what the choice needs: the rank of each row's source, its
timing in weeks from baseline, and its unit factor. :func:`pick` then chooses
one row per group (study, arm, arm label) with pandas group operations.

Rules (the same for every analysis):

- **The best source wins**: full text, then abstract, registry, review, press
  report, marketing claim (:data:`SOURCE_RANK`); the timepoint rule applies among
  the rows of the best source that has any.
- **Timing.** ``timepoint_weeks`` counts from baseline. A row counted from the
  end of treatment (``weeks_after_treatment``) is placed at
  ``treatment_weeks + weeks_after_treatment`` when the studies sheet gives the
  treatment's length -- a derivation, flagged ``*``. Otherwise it can only be
  compared with other rows counted from the end of treatment: rule ``last`` takes
  the latest of them (said in a note); a study that mixes both kinds without a
  treatment length is left out with the reason. A row with no weeks at all
  (only the source's words) is used only by rule ``last``, and only when its
  arm has no dated row (the last in sheet order; said in a note).
- **The timepoint rule** (``[timepoint]`` in the analysis file): ``last`` (the
  latest follow-up, the default), ``window`` (the latest within ``weeks = [lo,
  hi]``), or ``closest`` (the one nearest ``target`` weeks; a tie goes to the
  later one). Baseline rows (week 0) are never a follow-up.
- **Units** (see :mod:`.units`): each row gets the factor that expresses it in
  the analysis unit, or the reason it cannot be; an effect estimate other than a
  mean difference (SMD, ratio, Cliff's delta) has no unit and is left as it is.
- **Sample sizes** (only when the analysis declares ``[sample_size]``): a row
  without ``n`` takes the first enrolment row of its arm (outcome
  ``enrolment``), else -- for a single group or all participants -- the study's
  ``n_analysed``, else its ``n_enrolled``; with ``split_equally``, a study whose
  rows for the outcome have a treatment and a control arm but only a total
  splits that total equally between them. Each is a derivation, flagged ``*``
  (column ``_n_note``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import units

SOURCE_RANK = {
    "primary: full text": 0,
    "primary: abstract": 1,
    "registry": 2,
    "secondary: review": 3,
    "secondary: press report": 4,
    "marketing claim": 5,
}
BASELINE_WORDS = ("baseline", "week 0", "day 0", "pre-treatment", "before treatment")


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) and math.isfinite(x) else "NR"


def prepare(outcomes: pd.DataFrame, studies: pd.DataFrame, spec, study_ids, target_unit: str, unit_free: bool) -> pd.DataFrame:
    """The rows of ``spec.outcome`` for ``study_ids``, annotated (see the module docstring).

    ``unit_free``: the measure is standardised or a ratio, so a row whose unit
    cannot be converted is still usable (units must then agree within a study).
    """
    f = outcomes[outcomes["outcome"].isin(spec.outcome) & outcomes["study_id"].isin(study_ids)].copy()
    f["_order"] = np.arange(len(f))
    f["_src"] = f["source_type"].map(SOURCE_RANK).fillna(len(SOURCE_RANK)).astype(int)
    f["arm_label"] = f["arm_label"].map(lambda x: x if isinstance(x, str) else "").astype(object)
    tw = f["study_id"].map(studies.drop_duplicates("study_id").set_index("study_id")["treatment_weeks"]).astype(float)
    week, after = f["timepoint_weeks"].to_numpy(float), f["weeks_after_treatment"].to_numpy(float)
    placed = ~np.isfinite(week) & np.isfinite(after) & np.isfinite(tw.to_numpy())
    f["_week"] = np.where(np.isfinite(week), week, np.where(placed, tw.to_numpy() + after, np.nan))
    words = f["timepoint"].map(lambda t: isinstance(t, str) and t.strip().lower() in BASELINE_WORDS)
    f["_base"] = (f["_week"] == 0) | (words & ~np.isfinite(week) & ~np.isfinite(after))
    f["_kind"] = np.select([f["_base"], np.isfinite(f["_week"]), np.isfinite(after)], ["baseline", "week", "after"], "undated")
    f["_derived_timing"] = [
        f"timepoint placed at week {_fmt(t + a)} from baseline = {_fmt(t)} weeks of treatment + {_fmt(a)} weeks after its end" if p else ""
        for p, t, a in zip(placed, tw.to_numpy(), after)
    ]
    f["_when"] = [_when(t, w, a) for t, w, a in zip(f["timepoint"], week, after)]
    _units(f, target_unit, unit_free)
    _sample_sizes(f, outcomes, studies, spec)
    return _one_outcome(f, spec)


def _one_outcome(f: pd.DataFrame, spec) -> pd.DataFrame:
    """With several outcomes, each study contributes its first in the analysis's order (never a mix of two:
    arms, baselines and follow-ups are then all of one outcome); a study that reports more says which was used.
    Percent changes are listed per outcome and keep them all."""
    f["_outcome_note"] = ""
    if len(spec.outcome) < 2 or spec.info.family == "percent" or f.empty:
        return f
    rank = {o: i for i, o in enumerate(spec.outcome)}
    r = f["outcome"].map(rank)
    first = r.groupby(f["study_id"]).transform("min")
    several = r.groupby(f["study_id"]).transform("nunique") > 1
    f = f[(r == first).to_numpy()].copy()
    f["_outcome_note"] = np.where(several[f.index], "outcome: " + f["outcome"].astype(str)
                                  + " (the first of this analysis's outcomes that the study reports; the others are not used)", "")
    return f


def notes(x: pd.DataFrame) -> list:
    """Per row, the derivations made while choosing it (timing, unit, sample size), as lists."""
    cols = [c for c in ("_derived_timing", "_unit_note", "_n_note") if c in x]
    return [[d for d in ds if d] for ds in zip(*(x[c] for c in cols))] if cols else [[] for _ in range(len(x))]


ARM_ROLES = ("treatment", "control")


def _sample_sizes(f: pd.DataFrame, outcomes: pd.DataFrame, studies: pd.DataFrame, spec) -> None:
    """Fill a blank ``n`` as the analysis's ``[sample_size]`` allows; the note goes in ``_n_note``."""
    f["_n_note"] = ""
    if not getattr(spec, "n_from_enrolment", False) or f.empty:
        return
    n = f["n"].to_numpy(float).copy()
    note = f["_n_note"].to_numpy(object).copy()
    st = studies.drop_duplicates("study_id").set_index("study_id")
    enrol = outcomes[(outcomes["outcome"] == "enrolment") & np.isfinite(outcomes["n"].to_numpy(float))].copy()
    enrol["arm_label"] = enrol["arm_label"].map(lambda x: x if isinstance(x, str) else "")
    first = enrol.drop_duplicates(["study_id", "arm", "arm_label"]).set_index(["study_id", "arm", "arm_label"])["n"]
    two_arms = f[f["arm"].isin(ARM_ROLES)].groupby("study_id")["arm"].agg(lambda a: set(a) >= set(ARM_ROLES))
    arms_of = f[f["arm"].isin(ARM_ROLES)].groupby("study_id").apply(
        lambda g: len(g[["arm", "arm_label"]].drop_duplicates()), include_groups=False)
    one_group = f[~f["arm"].isin(ARM_ROLES)].groupby("study_id").apply(
        lambda g: len(g[["arm", "arm_label"]].drop_duplicates()) == 1, include_groups=False)
    for i, (sid, arm, label) in enumerate(zip(f["study_id"], f["arm"], f["arm_label"])):
        if math.isfinite(n[i]):
            continue
        if (sid, arm, label) in first.index:
            n[i] = float(first[(sid, arm, label)])
            note[i] = f"n = {n[i]:g} from the enrolment row of this arm (the number analysed is not reported)"
            continue
        total, col = _study_n(st, sid)
        if not math.isfinite(total):
            continue
        if arm not in ARM_ROLES:
            if not one_group.get(sid, False):  # several labelled groups: the total is not any one group's n
                continue
            n[i] = total
            note[i] = f"n = {total:g}, the study's {col} (studies sheet): the number analysed is not reported"
        elif getattr(spec, "split_equally", False) and two_arms.get(sid, False):
            j = int(arms_of[sid])
            n[i] = total / j
            note[i] = (f"n = {n[i]:g}, the study's {col} of {total:g} split equally between its {j} arms "
                       "(an assumption: the arms' sizes are not reported)")
    f["n"] = n
    f["_n_note"] = note


def _study_n(st: pd.DataFrame, sid) -> tuple[float, str]:
    if sid not in st.index:
        return math.nan, ""
    for col in ("n_analysed", "n_enrolled"):
        v = st.at[sid, col] if col in st else math.nan
        if isinstance(v, (int, float)) and math.isfinite(v):
            return float(v), {"n_analysed": "number analysed", "n_enrolled": "number enrolled"}[col]
    return math.nan, ""


def _when(text, week, after) -> str:
    if isinstance(text, str) and text.strip():
        return text
    if math.isfinite(week):
        return f"week {week:g}"
    if math.isfinite(after):
        return f"{after:g} weeks after treatment"
    return ""


def analysis_unit(outcomes: pd.DataFrame, spec) -> str:
    """The declared unit, else the unit most of the analysis's rows report ('' if none does)."""
    if spec.unit:
        return spec.unit
    rows = outcomes[outcomes["outcome"].isin(spec.outcome)]
    given = [u for u in rows["unit"] if isinstance(u, str) and u.strip()]
    if not given:
        return ""
    canon = [units.normalise(u) for u in given]
    counts: dict = {}
    for c in canon:
        counts[c] = counts.get(c, 0) + 1
    top = max(counts, key=lambda c: counts[c])  # ties: the unit met first (dicts keep insertion order)
    return given[canon.index(top)]


def _units(f: pd.DataFrame, target: str, unit_free: bool) -> None:
    """Columns ``_factor`` (1 when nothing to convert), ``_unit_note`` (a derivation) and ``_unit_bad`` (a reason)."""
    cache = {}
    factors, notes, bad = [], [], []
    for u in f["unit"]:
        key = u if isinstance(u, str) else ""
        if key not in cache:
            cache[key] = _unit_rule(key, target, unit_free)
        fac, note, why = cache[key]
        factors.append(fac)
        notes.append(note)
        bad.append(why)
    # an effect estimate other than a mean difference (SMD, a ratio, Cliff's delta...) has no unit to convert
    unitless = ((f["quantity"] == "effect estimate") & (f["effect_measure"] != "MD")).to_numpy(bool)
    f["_factor"] = np.where(unitless, 1.0, np.asarray(factors, float))
    f["_unit_note"] = np.where(unitless, "", np.asarray(notes, dtype=object))
    f["_unit_bad"] = np.where(unitless, "", np.asarray(bad, dtype=object))


def _unit_rule(unit: str, target: str, unit_free: bool):
    if not target or units.same(unit, target):
        return 1.0, "", ""
    if not unit.strip():
        if unit_free:
            return 1.0, "", ""
        return 1.0, "", f"no unit is given for these numbers (the analysis is in {target}); enter the unit the source uses"
    fac = units.factor(unit, target)
    if fac is not None:
        return fac, f"converted from {unit} to {target} (× {fac:g})", ""
    if unit_free:
        return 1.0, "", ""
    return 1.0, "", (f"reported in {unit}, which cannot be converted to {target}; "
                     "pool it in an analysis of its own unit, or use a standardised measure (SMD)")


def pick(cand: pd.DataFrame, by: list, timepoint) -> tuple[pd.DataFrame, dict]:
    """One row per group of ``by`` among the candidate (follow-up) rows, by source, then the timepoint rule.

    Returns the chosen rows (index: the ``by`` keys) with a ``_note`` column
    (how the timing was chosen, '' if plainly), and {group key: reason} for
    groups whose rows cannot be placed in time.
    """
    if cand.empty:
        return cand.assign(_note="").set_index(by), {}
    best = cand.groupby(by, sort=False)["_src"].transform("min")
    c = cand[cand["_src"] == best]
    keys = [c[k] for k in by]
    kind = c["_kind"]
    has = {k: (kind == k).groupby(keys, sort=False).transform("any") for k in ("week", "after", "undated")}
    rule = timepoint.rule
    week = c["_week"].to_numpy(float)
    note = pd.Series("", index=c.index, dtype=object)
    if rule == "last":
        ok_week = (kind == "week") & ~has["after"]
        ok_after = (kind == "after") & ~has["week"]
        ok_undated = (kind == "undated") & ~has["week"] & ~has["after"]
        eligible = ok_week | ok_after | ok_undated
        key = np.where(kind == "week", week, np.where(kind == "after", c["weeks_after_treatment"].to_numpy(float), 0.0))
        note[ok_after] = "timed from the end of treatment (treatment_weeks is blank): the last such timepoint was taken"
        note[ok_undated] = "timepoint not given in weeks: the last row in sheet order was taken"
        key2 = np.zeros(len(c))
    elif rule == "window":
        lo, hi = timepoint.weeks
        eligible = (kind == "week") & (week >= lo) & (week <= hi)
        key, key2 = week, np.zeros(len(c))
    else:  # closest
        eligible = kind == "week"
        key, key2 = -np.abs(week - timepoint.target), week
    if "_outcome_note" in c:
        note = pd.Series(["; ".join(filter(None, (a, b))) for a, b in zip(c["_outcome_note"], note)], index=c.index, dtype=object)
    c = c.assign(_key=key, _key2=key2, _note=note)
    chosen = c[eligible.to_numpy()].sort_values(by + ["_key", "_key2", "_order"]).groupby(by, sort=False).tail(1)
    chosen = chosen.sort_values("_order").set_index(by)  # sheet order: arms come out as the reviewer entered them
    problems = {}
    flags = pd.DataFrame({k: v.to_numpy() for k, v in has.items()}, index=pd.MultiIndex.from_frame(c[by]) if len(by) > 1 else c[by[0]])
    flags = flags[~flags.index.duplicated()]
    for g in flags.index.difference(chosen.index):
        h = flags.loc[g]
        problems[g] = _timing_reason(rule, timepoint, h, c, by, g)
    return chosen, problems


def _timing_reason(rule, timepoint, h, c, by, g) -> str:
    if rule == "last" and h["week"] and h["after"]:
        return ("some rows are counted from the end of treatment and others from baseline, and treatment_weeks is "
                "blank on the studies sheet; enter the treatment's length so that the timepoints can be ordered")
    if h["after"] and not h["week"]:
        return "timed from the end of treatment and treatment_weeks is blank; enter the treatment's length on the studies sheet"
    if h["undated"] and not h["week"]:
        return "the timepoint is not given in weeks (enter timepoint_weeks or weeks_after_treatment)"
    mask = np.ones(len(c), bool)
    for k, v in zip(by, g if isinstance(g, tuple) else (g,)):
        mask &= (c[k] == v).to_numpy()
    weeks = ", ".join(sorted({f"{w:g}" for w in c.loc[mask, "_week"] if math.isfinite(w)}, key=float))
    if rule == "window":
        lo, hi = timepoint.weeks
        return f"no timepoint between week {lo:g} and week {hi:g} (reported at week {weeks})"
    return f"no timepoint in weeks from baseline (reported: {weeks or 'none'})"


def baseline(rows: pd.DataFrame, by: list) -> pd.DataFrame:
    """The baseline row per group (best source, first in sheet order)."""
    base = rows[rows["_base"].to_numpy(bool)]
    return base.sort_values(by + ["_src", "_order"]).groupby(by, sort=False).head(1).set_index(by)


__all__ = ["SOURCE_RANK", "prepare", "pick", "baseline", "analysis_unit"]
