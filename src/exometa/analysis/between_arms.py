"""Comparisons of a treatment arm with a control arm: events/n (RR, OR, RD, PETO) and means
(MD, SMD, ROM), for every study of an analysis at once.

Both arms are always used: a study that reports only one arm's numbers is shown
with the reason, never pooled as if it were a comparison. A study with several
arms of one role (a multi-arm trial) is combined or split as the analysis
declares (``multi_arm``); see :func:`exometa.analysis.arms.multi_arm`.

Continuous outcomes use the analysis's ``scores``: final values, change scores,
or a preference order of both (MD only; the Cochrane Handbook (10.5.2) allows
mixing them for MD, not for SMD). A study with no usable arm data can enter an
inverse-variance analysis through an effect it reports itself (see
:mod:`.reported`); Mantel-Haenszel and Peto need the counts.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..effects import effect_sizes
from . import arms as armsum
from . import reported
from .extract import StudyEffect

ROLES = ("treatment", "control")
POLICY_NOTE = " (this analysis does not derive or borrow SDs)"


def _records(arms: pd.DataFrame) -> dict:
    """study_id -> {"treatment": [arm records], "control": [...]}."""
    out: dict = {}
    for rec in arms.reset_index().to_dict("records"):
        out.setdefault(rec["study_id"], {"treatment": [], "control": []})[rec["arm"]].append(rec)
    return out


def _pairs(arms: pd.DataFrame, policy: str, binary: bool, problems: dict) -> dict:
    """study_id -> list of (suffix, t, c, derivations) or a reason."""
    side_problem = {}
    for key, text in problems.items():
        side_problem.setdefault((key[0], key[1]), text)
    out = {}
    for sid, sides in _records(arms).items():
        t, c = sides["treatment"], sides["control"]
        if not t or not c:
            missing = "control" if t else "treatment"
            why = side_problem.get((sid, missing))
            out[sid] = f"{missing} arm: {why}" if why else f"no {missing} arm numbers (a comparison needs both arms)"
        elif len(t) == 1 and len(c) == 1:
            out[sid] = [("", t[0], c[0], [])]
        else:
            out[sid] = armsum.multi_arm(t, c, policy, binary)
    return out


def _base_effect(sid, labels, suffix, t, c, extra) -> StudyEffect:
    derivs = list(dict.fromkeys(list(t["derivations"]) + list(c["derivations"]) + extra))
    notes = list(dict.fromkeys(list(t["notes"]) + list(c["notes"])))
    when = t["when"] if t["when"] == c["when"] or not c["when"] else f"{t['when']} / {c['when']}"
    return StudyEffect(
        sid, labels[sid], arm="treatment vs control", arm_label=suffix, n1=t["n_"], n2=c["n_"],
        n=t["n_"] + c["n_"], arm1=t["reported"], arm2=c["reported"], reported=f"{t['reported']} vs {c['reported']}",
        timepoint=when, derivations=derivs, notes=notes, source=t["source"], weeks=t["weeks"],
        reason="; ".join(x for x in (t["reason"], c["reason"]) if x),
    )


def _unpaired(sid, labels, why) -> StudyEffect:
    return StudyEffect(sid, labels[sid], arm="treatment vs control", reason=why)


def _studies_without_arms(rows, seen, labels, effects):
    """Studies with rows for the outcome but no treatment/control arm data get an effect with a reason."""
    roles = rows[~rows["study_id"].isin(seen)].groupby("study_id", sort=False)["arm"].agg(set)
    for sid, arms_seen in roles.items():
        if not arms_seen & {"treatment", "control", "treatment vs control"}:
            effects.append(_unpaired(sid, labels, "no control arm: only within-group numbers (a between-arm measure needs both arms)"))
        else:
            effects.append(_unpaired(sid, labels, ""))


def binary(rows: pd.DataFrame, spec, labels) -> list:
    arms, problems = armsum.binary_arms(rows, ROLES, spec)
    pairs = _pairs(arms, spec.multi_arm, True, problems)
    by_counts = spec.method in ("MH", "PETO")
    effects, todo = [], []
    for sid, pp in pairs.items():
        if isinstance(pp, str):
            effects.append(_unpaired(sid, labels, pp))
            continue
        for suffix, t, c, extra in pp:
            e = _base_effect(sid, labels, suffix, t, c, extra)
            e.counts = (t["events"], t["n_"], c["events"], c["n_"])
            e.by_counts = by_counts
            e.arm1, e.arm2 = _events_text(t), _events_text(c)
            effects.append(e)
            todo.append(e)
    if todo:
        a = np.array([e.counts for e in todo], float)
        measure = "PETO" if "PETO" in (spec.measure, spec.method) else spec.measure
        es = effect_sizes(measure, ai=a[:, 0], n1i=a[:, 1], ci=a[:, 2], n2i=a[:, 3],
                          drop00=by_counts)  # metafor: rma.mh / rma.peto show studies with no events in either arm as NA
        for e, y, v in zip(todo, es["yi"], es["vi"]):
            e.yi, e.vi = float(y), float(v)
            if by_counts and not math.isfinite(e.yi):
                e.notes.append("no events (or only events) in both arms: not estimable on its own; "
                               "it still enters the pooled estimate, as in metafor's rma.mh")
    _timing(effects, problems, rows, labels)
    if not by_counts:
        _fallback(effects, rows, spec, labels)
    return effects


def _events_text(arm) -> str:
    return f"{arm['events']:g}/{arm['n_']:g}"


def _timing(effects, problems, rows, labels):
    """Studies that got no comparison: the timing reason if there is one, else what they lack."""
    seen = {e.study_id for e in effects}
    for key, text in problems.items():
        if key[0] not in seen:
            effects.append(_unpaired(key[0], labels, f"{key[1]} arm: {text}"))
            seen.add(key[0])
    _studies_without_arms(rows, seen, labels, effects)


def _fallback(effects, rows, spec, labels):
    """Inverse-variance analyses: a study without usable arm data may report the effect itself."""
    missing = {e.study_id for e in effects if not e.poolable and not math.isfinite(e.yi)}
    if not missing:
        return
    found = reported.generic_for(rows[rows["study_id"].isin(missing)], spec.measure, spec, labels)
    for i, e in enumerate(effects):
        alt = found.get(e.study_id)
        if alt is not None and (alt.poolable or not e.reason):
            effects[i] = alt


def two_group(rows: pd.DataFrame, spec, labels, r: float) -> list:
    """MD, SMD, ROM from final values or change scores (in the analysis's order of preference)."""
    options: dict = {}
    problems: dict = {}
    for kind in spec.scores:
        arms, probs = armsum.continuous_arms(rows, ROLES, kind, spec, r)
        armsum.borrow_sds(arms, spec, labels)
        for k, v in probs.items():
            problems.setdefault(k, v)
        for sid, pp in _pairs(arms, spec.multi_arm, False, probs).items():
            options.setdefault(sid, []).append((kind, pp))
    chosen = {}
    for sid, opts in options.items():
        usable = [o for o in opts if not isinstance(o[1], str) and all(_complete(t) and _complete(c) for _, t, c, _ in o[1])]
        chosen[sid] = usable[0] if usable else next((o for o in opts if not isinstance(o[1], str)), opts[0])
    effects, todo = [], []
    for sid, (kind, pp) in chosen.items():
        if isinstance(pp, str):
            effects.append(_unpaired(sid, labels, pp))
            continue
        for suffix, t, c, extra in pp:
            e = _base_effect(sid, labels, suffix, t, c, extra)
            e.notes.append("final values" if kind == "final" else "change scores")
            if not e.reason:
                e.reason = _incomplete(t, c, spec)
            effects.append(e)
            if not e.reason and _complete(t) and _complete(c):
                todo.append((e, t, c))
    if todo:
        col = lambda side, name: np.array([x[side][name] for x in todo], float)  # noqa: E731
        es = effect_sizes(spec.measure, m1i=col(1, "m"), m2i=col(2, "m"), sd1i=col(1, "s"), sd2i=col(2, "s"),
                          n1i=col(1, "n_"), n2i=col(2, "n_"))
        for (e, _, _), y, v in zip(todo, es["yi"], es["vi"]):
            e.yi, e.vi = float(y), float(v)
            if not math.isfinite(e.yi):
                e.reason = "the means cannot give this measure (a ratio of means needs positive means)" if spec.measure == "ROM" else "not estimable"
    _timing(effects, problems, rows, labels)
    _fallback(effects, rows, spec, labels)
    return effects


def _complete(arm) -> bool:
    return not arm["reason"] and all(math.isfinite(arm[k]) for k in ("m", "s", "n_"))


def _incomplete(t, c, spec) -> str:
    """Why a pair of arms with some numbers cannot be used ('' when the numbers say nothing at all)."""
    for side, arm in (("treatment", t), ("control", c)):
        if not math.isfinite(arm["m"]):
            return ""
        if not math.isfinite(arm["n_"]) or arm["n_"] < 2:
            return f"the number of participants in the {side} arm is not reported"
        if not math.isfinite(arm["s"]):
            return f"no SD, SE, CI or usable p-value for the {side} arm" + ("" if spec.missing_sd else POLICY_NOTE)
    return ""


__all__ = ["binary", "two_group"]
