"""Per-arm summaries (one row per study, arm and arm label), built for all studies at once.

- :func:`continuous_arms`: mean, SD and n at follow-up (``kind="final"``) or of
  the change from baseline (``kind="change"``: a reported change, else the
  difference of the follow-up and baseline means, its SD from the two SDs and
  the analysis's pre/post correlation -- via metafor's MC formula in
  :func:`exometa.effects.effect_sizes` -- or from the paired t or p);
- :func:`binary_arms`: events and n at follow-up;
- :func:`multi_arm`: arms of one role in a multi-arm trial combined (Cochrane
  Handbook 6.5.2.10, table 6.5.a) or a shared arm split (Handbook 23.3.4).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..effects import effect_sizes
from . import rows as rowsel
from .spread import resolve, sd_from_tests

BY = ["study_id", "arm", "arm_label"]
ARM_COLUMNS = ["m", "s", "n_", "sd_typed", "derivations", "reason", "reported", "when", "weeks", "source", "notes",
               "events", "pre_s", "kind", "unit"]


def _g(x) -> str:
    return f"{x:.4g}" if isinstance(x, (int, float)) and math.isfinite(x) else "NR"


def _finite(frame, col):
    return np.isfinite(frame[col].to_numpy(float))


def _usable(rows, roles):
    return rows[rows["arm"].isin(roles).to_numpy() & (rows["_unit_bad"] == "").to_numpy()]


def _finish(x: pd.DataFrame, kind: str, reported) -> pd.DataFrame:
    x = x.copy()
    x["reported"] = reported
    x["when"] = x["_when"]
    x["weeks"] = x["_week"]
    x["source"] = x["source_type"]
    x["notes"] = [[n] if n else [] for n in x["_note"]]
    x["kind"] = kind
    x["unit"] = x["unit"].map(lambda u: u if isinstance(u, str) else "")
    if "events" not in x:
        x["events"] = np.nan
    if "pre_s" not in x:
        x["pre_s"] = np.nan
    return x


def _value_text(m, s, n) -> str:
    return f"{_g(m)} (SD {_g(s)}), n = {_g(n)}" if math.isfinite(s) else f"{_g(m)}, n = {_g(n)}"


def _centre(x: pd.DataFrame, prefix: str = "") -> list:
    """What a row reports when it has no mean: 'median 9.5 (IQR 16.9)', with n if known."""
    out = []
    for rec in x[["mean", "median", "q1", "q3", "iqr", "min", "max", "n"]].to_dict("records"):
        if math.isfinite(rec["mean"]):
            out.append("")
            continue
        spread = (f" (IQR {_g(rec['q1'])}–{_g(rec['q3'])})" if math.isfinite(rec["q1"]) and math.isfinite(rec["q3"])
                  else f" (IQR {_g(rec['iqr'])})" if math.isfinite(rec["iqr"])
                  else f" (range {_g(rec['min'])}–{_g(rec['max'])})" if math.isfinite(rec["min"]) and math.isfinite(rec["max"]) else "")
        out.append(f"{prefix}median {_g(rec['median'])}{spread}" + (f", n = {_g(rec['n'])}" if math.isfinite(rec["n"]) else ""))
    return out


def _texts(x: pd.DataFrame, primary: list, prefix: str = "") -> list:
    """The reported text: means where given (converted or not), else the median as reported."""
    med = _centre(x, prefix)
    return [a if not b or a_has_mean else b for a, b, a_has_mean in zip(primary, med, np.isfinite(x["mean"].to_numpy(float)))]


def continuous_arms(rows: pd.DataFrame, roles, kind: str, spec, r: float) -> tuple[pd.DataFrame, dict]:
    """Per-arm mean, SD and n; returns (arms, {group: timing reason})."""
    rows = _usable(rows, roles)
    has_centre = _finite(rows, "mean") | _finite(rows, "median")
    follow = rows[(rows["quantity"] == "value").to_numpy() & ~rows["_base"].to_numpy(bool) & has_centre]
    base = rowsel.baseline(rows[(rows["quantity"] == "value").to_numpy() & has_centre], BY)
    if not base.empty:
        base = resolve(base, spec.convert_medians, change=False)
    if kind == "final":
        chosen, problems = rowsel.pick(follow, BY, spec.timepoint)
        x = resolve(chosen, spec.convert_medians, change=False)
        out = _finish(x, "final", _texts(x, [_value_text(m, s, n) for m, s, n in zip(x["m"], x["s"], x["n_"])]))
        return out[ARM_COLUMNS], problems
    changes = rows[(rows["quantity"] == "change from baseline").to_numpy() & has_centre]
    chosen, problems = rowsel.pick(changes, BY, spec.timepoint)
    a = resolve(chosen, spec.convert_medians, change=True, policies=spec.missing_sd)
    a = _finish(a, "change", _texts(a, [f"change {_g(m)}" + (f" (SD {_g(s)})" if t else "") + f", n = {_g(n)}"
                                        for m, s, n, t in zip(a["m"], a["s"], a["n_"], a["sd_typed"])], "change: "))
    rest = follow[~pd.MultiIndex.from_frame(follow[BY]).isin(a.index)]
    b, more = _change_from_values(rest, base, spec, r)
    problems = {g: why for g, why in {**problems, **more}.items() if g not in a.index and g not in b.index}
    out = pd.concat([a, b]) if len(b) else a
    if not base.empty:
        out["pre_s"] = base["s"].reindex(out.index).to_numpy(float)
    return out[ARM_COLUMNS], problems


def _change_from_values(follow, base, spec, r):
    """Change = follow-up mean - baseline mean, for arms without a reported change."""
    post, problems = rowsel.pick(follow[_finite(follow, "mean")], BY, spec.timepoint)
    post = post[post.index.isin(base.index)] if len(base) else post.iloc[0:0]
    if post.empty:
        return _finish(post.assign(m=[], s=[], n_=[], sd_typed=[], derivations=[], reason=[]), "change", []), problems
    x = resolve(post, spec.convert_medians, change=False)
    pre = base.reindex(x.index)
    m_post, s_post, m_pre, s_pre = x["m"].to_numpy(float), x["s"].to_numpy(float), pre["m"].to_numpy(float), pre["s"].to_numpy(float)
    n = np.where(np.isfinite(x["n_"].to_numpy(float)), x["n_"].to_numpy(float), pre["n_"].to_numpy(float))
    change = m_post - m_pre
    both = np.isfinite(s_post) & np.isfinite(s_pre)
    s = np.full(len(x), np.nan)
    if both.any():
        mc = effect_sizes("MC", m1i=m_post[both], m2i=m_pre[both], sd1i=s_post[both], sd2i=s_pre[both],
                          ni=np.where(np.isfinite(n[both]), n[both], 1.0), ri=np.full(both.sum(), r))
        s[both] = np.sqrt(mc["vi"].to_numpy() * np.where(np.isfinite(n[both]), n[both], 1.0))
    derivs = []
    for i, (a, b) in enumerate(zip(pre["derivations"].tolist(), x["derivations"].tolist())):
        d = list(dict.fromkeys(list(a) + list(b)))
        d.append(f"mean change {_g(change[i])} = {_g(m_post[i])} − {_g(m_pre[i])} (difference of two reported means)")
        if both[i]:
            d.append(f"SD of change {s[i]:.3g} from the two SDs with an assumed pre/post correlation r = {r:g}")
        derivs.append(d)
    x["derivations"] = derivs
    sd_from_tests(x, change, s, n, derivs, "from_p" in spec.missing_sd)
    x["m"], x["s"], x["n_"], x["sd_typed"] = change, s, n, False
    out = _finish(x, "change", [f"{_g(a)} → {_g(b)}" for a, b in zip(m_pre, m_post)])
    return out, problems


def binary_arms(rows: pd.DataFrame, roles, spec) -> tuple[pd.DataFrame, dict]:
    """Events and n at follow-up, per arm."""
    rows = rows[rows["arm"].isin(roles).to_numpy()]
    cand = rows[(rows["quantity"] == "value").to_numpy() & ~rows["_base"].to_numpy(bool) & _finite(rows, "events") & _finite(rows, "n")]
    chosen, problems = rowsel.pick(cand, BY, spec.timepoint)
    x = chosen.assign(m=np.nan, s=np.nan, n_=chosen["n"], sd_typed=False, reason="",
                      derivations=rowsel.notes(chosen))
    out = _finish(x, "events", [f"{e:g}/{n:g}" for e, n in zip(x["events"], x["n"])])
    return out[ARM_COLUMNS], problems


def multi_arm(t: list, c: list, policy: str, binary: bool):
    """Pairs of (treatment, control) arms for one study with several arms of a role.

    ``t`` and ``c`` are the study's arm records (dicts with ``arm``, ``arm_label``
    and the columns of :data:`ARM_COLUMNS`). Returns a list of (suffix, t, c,
    derivations), or the reason the study cannot be used (str).
    """
    if not policy:
        return (f"a multi-arm trial (treatment arms {_names(t)}; control arms {_names(c)}): declare "
                "multi_arm = \"combine\" or \"split\" in the analysis file")
    if policy == "combine":
        return [("", _combine(t, binary), _combine(c, binary), [])]
    if len(t) > 1 and len(c) > 1:
        return "several treatment and several control arms: splitting is defined for one shared arm only; use multi_arm = \"combine\""
    shared, many, shared_is_control = (c[0], t, True) if len(c) == 1 else (t[0], c, False)
    j = len(many)
    part = dict(shared, n_=shared["n_"] / j, events=shared["events"] / j if binary else shared["events"])
    note = (f"the shared {'control' if shared_is_control else 'treatment'} arm {_name(shared)!r} split into {j} equal "
            f"parts for {j} comparisons (Cochrane Handbook 23.3.4): n = {_g(part['n_'])}"
            + (f", events = {_g(part['events'])}" if binary else ""))
    return [(_name(arm), *((arm, part) if shared_is_control else (part, arm)), [note]) for arm in many]


def _name(arm: dict) -> str:
    return arm["arm_label"] or arm["arm"]


def _names(arms) -> str:
    return ", ".join(repr(_name(a)) for a in arms)


def _combine(arms: list, binary: bool) -> dict:
    if len(arms) == 1:
        return arms[0]
    n = np.array([a["n_"] for a in arms], float)
    row = dict(arms[0])
    if binary:
        row["events"], row["n_"] = float(sum(a["events"] for a in arms)), float(n.sum())
        what = f"events {_g(row['events'])}, n = {_g(row['n_'])}"
    else:
        m, s = np.array([a["m"] for a in arms], float), np.array([a["s"] for a in arms], float)
        total = n.sum()
        mean = float(np.sum(n * m) / total)
        ss = np.sum((n - 1) * s**2) + np.sum(n * (m - mean) ** 2)  # the Handbook's formula, applied to all arms at once
        row["m"], row["s"], row["n_"] = mean, float(np.sqrt(ss / (total - 1))), float(total)
        what = f"n = {_g(total)}, mean {_g(mean)}, SD {_g(row['s'])}"
    row["derivations"] = [d for a in arms for d in a["derivations"]] + [
        f"arms {_names(arms)} combined into one (Cochrane Handbook 6.5.2.10): {what}"]
    row["reason"] = "; ".join(a["reason"] for a in arms if a["reason"])
    row["reported"] = " + ".join(a["reported"] for a in arms)
    row["arm_label"] = ""
    return row


def borrow_sds(arms: pd.DataFrame, spec, labels=None) -> None:
    """Fill missing SDs by borrowing (``borrow`` in ``missing_sd``), in place.

    ``spec.borrow`` says which SD: ``"mean"`` -- the mean of the SDs studies
    report themselves (typed in the workbook, never derived); ``"largest"`` --
    the largest SD any arm of the analysis reports or implies through its own
    numbers (SE, CI, t or p), the conservative choice: a study without an SD is
    never given more precision than the least precise study that has one. Final
    values and change scores are never mixed (``arms`` holds one kind).
    ``labels`` (study_id -> label) name the study lent from.
    """
    if "borrow" not in spec.missing_sd or arms.empty:
        return
    sd = arms["s"].to_numpy(float)
    own = np.isfinite(sd)
    typed = arms["sd_typed"].to_numpy(bool) & own
    what = "SD of change" if (arms["kind"] == "change").all() else "SD"
    if spec.borrow == "largest":
        if not own.any():
            return
        i = int(np.nanargmax(np.where(own, sd, -np.inf)))
        value = float(sd[i])
        sid = arms.index[i][0]
        whose = (labels or {}).get(sid, sid)
        how = "reported" if typed[i] else "derived from its own numbers"
        text = (f"{what} {value:.4g} borrowed: the largest {what} in this analysis ({whose}'s, {how}), "
                "the conservative choice")
    else:
        if not typed.any():
            return
        value = float(np.mean(sd[typed]))
        text = f"{what} {value:g} borrowed (the mean {what} reported by the other studies in this analysis)"
    need = ~own & np.isfinite(arms["m"].to_numpy(float)) & np.isfinite(arms["n_"].to_numpy(float))
    if need.any():
        arms.loc[need, "s"] = value
        for d in arms.loc[need, "derivations"]:
            d.append(text)


__all__ = ["continuous_arms", "binary_arms", "multi_arm", "borrow_sds", "BY"]
