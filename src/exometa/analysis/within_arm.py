"""Numbers within one group: change from baseline (MC, SMCC, SMCR), proportions (PR, PLO, PFT)
and reported percent changes (PCT), for every study and arm of an analysis at once.

Each is about treated people over time, never about what the treatment caused:
an effect made here is marked ``within`` and counts as uncontrolled wherever it
appears -- also a treated arm's change taken from a randomised trial, whose
control arm it ignores.

- MC is the raw mean change; SMCC divides it by the SD of the change, SMCR by
  the SD at baseline (Becker 1988; its variance needs the pre/post correlation,
  which the analysis declares -- an assumption, flagged). A reported change and
  its SD enter :func:`exometa.effects.effect_sizes` as ``m1i = change, m2i = 0,
  sd1i = SD of change, sd2i = 0, ri = 0``, the use metafor's documentation gives.
- PR, PLO and PFT take events and n of one group.
- PCT shows the reported percent change (or one derived from two means); it has
  no variance and is never pooled.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..effects import effect_sizes
from . import arms as armsum
from . import rows as rowsel
from .extract import StudyEffect

POLICY_NOTE = " (this analysis does not derive or borrow SDs)"


def _keys(rows: pd.DataFrame, roles) -> list:
    """(study_id, arm, arm_label) of every arm an effect is due for: those with rows, else the first role."""
    sel = rows[rows["arm"].isin(roles).to_numpy()][armsum.BY].drop_duplicates()
    keys = list(sel.itertuples(index=False, name=None))
    covered = {k[0] for k in keys}
    keys += [(sid, roles[0], "") for sid in dict.fromkeys(rows["study_id"]) if sid not in covered]
    return keys


def _effect(key, labels, arm=None) -> StudyEffect:
    sid, role, label = key
    e = StudyEffect(sid, labels[sid], arm=role, arm_label=label, within=True)
    if arm is not None:
        e.n, e.reported, e.timepoint, e.source = arm["n_"], arm["reported"], arm["when"], arm["source"]
        e.derivations, e.notes, e.weeks, e.reason = list(arm["derivations"]), list(arm["notes"]), arm["weeks"], arm["reason"]
    return e


def change(rows: pd.DataFrame, spec, labels, r: float) -> list:
    arms, problems = armsum.continuous_arms(rows, spec.arms, "change", spec, r)
    armsum.borrow_sds(arms, spec, labels)
    recs = {k: rec for k, rec in zip(arms.index, arms.to_dict("records"))}
    effects, todo = [], []
    for key in _keys(rows, spec.arms):
        arm = recs.get(key)
        e = _effect(key, labels, arm)
        effects.append(e)
        if arm is None:
            e.reason = problems.get(key, "")
            continue
        if arm["sd_typed"]:
            e.sd_reported = arm["s"]
        if e.reason or not math.isfinite(arm["m"]):
            continue
        if not math.isfinite(arm["n_"]):
            e.reason = "the number of participants behind the change is not reported"
        elif arm["n_"] < 2:
            e.reason = "a change in a single participant has no spread: it can be shown, not pooled"
        elif not math.isfinite(arm["s"]) and spec.measure != "SMCR":
            e.reason = "no SD, SE, CI or usable p-value for the change" + ("" if spec.missing_sd else POLICY_NOTE)
        elif spec.measure == "SMCR" and not math.isfinite(arm["pre_s"]):
            e.reason = "no SD at baseline (SMCR divides the change by it)"
        else:
            todo.append((e, arm))
    if todo:
        m = np.array([a["m"] for _, a in todo], float)
        n = np.array([a["n_"] for _, a in todo], float)
        zero = np.zeros(len(todo))
        if spec.measure == "SMCR":
            pre = np.array([a["pre_s"] for _, a in todo], float)
            es = effect_sizes("SMCR", m1i=m, m2i=zero, sd1i=pre, ni=n, ri=np.full(len(todo), r))
        else:
            s = np.array([a["s"] for _, a in todo], float)
            es = effect_sizes(spec.measure, m1i=m, m2i=zero, sd1i=s, sd2i=zero, ni=n, ri=zero)
        for (e, _), y, v in zip(todo, es["yi"], es["vi"]):
            e.yi, e.vi = float(y), float(v)
            if spec.measure == "SMCR":
                e.derivations.append(f"its variance assumes a pre/post correlation r = {r:g}")
    return effects


def proportions(rows: pd.DataFrame, spec, labels) -> list:
    arms, problems = armsum.binary_arms(rows, spec.arms, spec)
    recs = {k: rec for k, rec in zip(arms.index, arms.to_dict("records"))}
    effects, todo = [], []
    for key in _keys(rows, spec.arms):
        arm = recs.get(key)
        e = _effect(key, labels, arm)
        effects.append(e)
        if arm is None:
            e.reason = problems.get(key, "")
        else:
            e.counts = (arm["events"], arm["n_"], math.nan, math.nan)
            todo.append((e, arm))
    if todo:
        x = np.array([a["events"] for _, a in todo], float)
        n = np.array([a["n_"] for _, a in todo], float)
        es = effect_sizes(spec.measure, xi=x, ni=n)
        for (e, _), y, v in zip(todo, es["yi"], es["vi"]):
            e.yi, e.vi = float(y), float(v)
    return effects


def percent(all_rows: pd.DataFrame, spec, labels) -> list:
    """Percent changes per study, arm and outcome (an analysis may list several outcomes: percent
    changes are unitless, and each row says which outcome it is)."""
    by = armsum.BY + ["outcome"]
    several = len(spec.outcome) > 1
    rows = all_rows[all_rows["arm"].isin(spec.arms).to_numpy()]
    follow = ~rows["_base"].to_numpy(bool)
    pct, _ = rowsel.pick(rows[follow & np.isfinite(rows["pct_change"].to_numpy(float))], by, spec.timepoint)
    values = rows[(rows["quantity"] == "value").to_numpy() & np.isfinite(rows["mean"].to_numpy(float))]
    post, _ = rowsel.pick(values[~values["_base"].to_numpy(bool)], by, spec.timepoint)
    pre = rowsel.baseline(values, by)
    keys = list(rows[by].drop_duplicates().itertuples(index=False, name=None))
    groups = rows.groupby(by, sort=False)  # each key's rows, for the reason a key gives no percent change
    covered = {k[0] for k in keys}
    keys += [(sid, spec.arms[0], "", spec.outcome[0]) for sid in dict.fromkeys(all_rows["study_id"]) if sid not in covered]
    effects = []
    for key in keys:
        sid, role, label, outcome = key
        shown = ", ".join(filter(None, [label or (role if role in ("treatment", "control") else ""), outcome])) if several else label
        e = _effect((sid, role, shown), labels)
        effects.append(e)
        if key in pct.index:
            row = pct.loc[key]
            e.yi, e.n, e.timepoint, e.source = float(row["pct_change"]), row["n"], row["_when"], row["source_type"]
            e.reported = f"{row['pct_change']:+g}%"
        elif key in post.index and key in pre.index:
            a, b = pre.loc[key], post.loc[key]
            e.yi = 100 * (b["mean"] / a["mean"] - 1)
            e.n, e.timepoint, e.source = b["n"], b["_when"], b["source_type"]
            e.reported = f"{a['mean']:g} → {b['mean']:g}"
            e.derivations.append(f"percent change {e.yi:.1f}% = 100 × ({b['mean']:g} / {a['mean']:g} − 1), computed "
                                 "from two reported means (the source does not report it as a percentage)")
        else:
            e.reason = _no_percent(groups.get_group(key)) if key in groups.groups else ""
            continue
        e.reason = "a percent change without its spread (SD, SE or CI) has no variance; shown, not pooled"
    return effects


def _no_percent(mine: pd.DataFrame) -> str:
    """Why one study's arm and outcome (its rows, ``mine``) give no percent change ('' leaves it to the
    study-level reason)."""
    change = mine[(mine["quantity"] == "change from baseline").to_numpy() & np.isfinite(mine["mean"].to_numpy(float))]
    if len(change):
        r = change.iloc[0]
        unit = f" {r['unit']}" if isinstance(r["unit"], str) else ""
        return f"reports a change of {r['mean']:g}{unit} without the baseline it started from: no percent change can be computed"
    if np.isfinite(mine["median"].to_numpy(float)).any():
        return "reports medians without the baseline median: no percent change can be computed"
    return ""


__all__ = ["change", "proportions", "percent"]
