"""From a study's outcome rows to one effect size (``yi``, ``vi``), saying how.

Every study in an analysis gets a :class:`StudyEffect`: its estimate and
variance when it can be pooled, what it reports (for display), every step that
derived or assumed a number (``derivations``; any of them marks the study as
imputed), and, when it cannot be pooled, the reason.

Rules (declared here, applied to every analysis):
- the best source wins: full text, then abstract, registry, review, press
  report, marketing claim (``SOURCE_RANK``);
- the last timepoint wins: the largest ``timepoint_weeks``; rows without weeks
  count as later than the baseline, in sheet order;
- MC (mean change, one group): a reported change with its SD, SE or CI is used
  as it is; otherwise the change is the difference of the baseline and
  follow-up means (derived), and its SD comes from the two SDs and the assumed
  pre/post correlation, from a p-value against baseline (``from_p``; a bound
  such as p < 0.001 is taken at the bound, which overstates the SD), or from the
  mean SD of change that the other studies report (``borrow``), in the order
  the analysis lists; each of these is declared in ``derivations``;
- MD (difference between arms in mean change): both arms' changes with SD and n,
  or a reported difference with its SE or CI;
- PCT (percent change): the reported percent change, or 100 (post/pre - 1)
  from two reported means (derived). Percent changes carry no variance here and
  are shown, never pooled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..effects.conversions import sd_from_ci, sd_from_p

SOURCE_RANK = {
    "primary: full text": 0,
    "primary: abstract": 1,
    "registry": 2,
    "secondary: review": 3,
    "secondary: press report": 4,
    "marketing claim": 5,
}


@dataclass
class StudyEffect:
    study_id: str
    label: str
    arm: str = ""
    yi: float = math.nan
    vi: float = math.nan
    n: float = math.nan
    n2: float = math.nan  # control arm (MD)
    reported: str = ""  # what the source reports, in words and numbers
    timepoint: str = ""
    derivations: list = field(default_factory=list)
    reason: str = ""  # why it cannot be pooled ('' when it can)
    source: str = ""
    sd_reported: float = math.nan  # SD of change as reported (for borrowing)

    @property
    def poolable(self) -> bool:
        return not self.reason and math.isfinite(self.yi) and math.isfinite(self.vi) and self.vi > 0

    @property
    def imputed(self) -> bool:
        return bool(self.derivations)


def _num(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _fmt(x) -> str:
    if not _num(x):
        return "NR"
    return f"{x:g}"


def _rank_rows(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.assign(_src=rows["source_type"].map(SOURCE_RANK).fillna(9), _order=range(len(rows)))
    return rows


def _timepoint_key(row) -> float:
    w = row.get("timepoint_weeks")
    if _num(w):
        return float(w)
    tp = (row.get("timepoint") or "").lower()
    return 0.0 if tp == "baseline" else math.inf


def _latest(rows: pd.DataFrame):
    """The follow-up row: latest timepoint, best source, last in sheet order."""
    if rows.empty:
        return None
    recs = rows.to_dict("records")
    follow = [r for r in recs if _timepoint_key(r) > 0]
    if not follow:
        return None
    best_src = min(r["_src"] for r in follow)
    follow = [r for r in follow if r["_src"] == best_src]
    return max(follow, key=lambda r: (_timepoint_key(r) if math.isfinite(_timepoint_key(r)) else 1e9, r["_order"]))


def _baseline(rows: pd.DataFrame):
    recs = [r for r in rows.to_dict("records") if _timepoint_key(r) == 0 and r["quantity"] == "value"]
    if not recs:
        return None
    return min(recs, key=lambda r: (r["_src"], r["_order"]))


def _when(row) -> str:
    if row is None:
        return ""
    if row.get("timepoint"):
        return row["timepoint"]
    return f"week {_fmt(row.get('timepoint_weeks'))}" if _num(row.get("timepoint_weeks")) else ""


def mean_change(sid, label, rows, arm, policies, r, borrowed_sd) -> StudyEffect:
    """MC for one study arm; ``borrowed_sd`` is the SD of change to borrow (or NaN)."""
    eff = StudyEffect(sid, label, arm=arm)
    rows = _rank_rows(rows[rows["arm"] == arm])
    change_rows = rows[rows["quantity"] == "change from baseline"]
    value_rows = rows[rows["quantity"] == "value"]
    ch = _latest(change_rows)
    if ch is not None and _num(ch.get("mean")):
        eff.timepoint, eff.source, eff.n = _when(ch), ch["source_type"], ch.get("n")
        eff.yi = float(ch["mean"])
        eff.reported = f"change {_fmt(ch['mean'])}" + (f" (SD {_fmt(ch['sd'])})" if _num(ch.get("sd")) else "")
        if _num(ch.get("sd")):
            eff.sd_reported = float(ch["sd"])
        return _mc_spread(eff, ch, policies, borrowed_sd, sd=ch.get("sd"), se=ch.get("se"))
    post, pre = _latest(value_rows), _baseline(value_rows)
    if post is not None and pre is not None and _num(post.get("mean")) and _num(pre.get("mean")):
        eff.timepoint, eff.source = _when(post), post["source_type"]
        eff.n = post.get("n") if _num(post.get("n")) else pre.get("n")
        eff.yi = float(post["mean"]) - float(pre["mean"])
        eff.reported = f"{_fmt(pre['mean'])} → {_fmt(post['mean'])}"
        eff.derivations.append(f"mean change {eff.yi:g} = {_fmt(post['mean'])} − {_fmt(pre['mean'])} (difference of two reported means)")
        if _num(pre.get("sd")) and _num(post.get("sd")):
            sd = math.sqrt(pre["sd"] ** 2 + post["sd"] ** 2 - 2 * r * pre["sd"] * post["sd"])
            eff.derivations.append(f"SD of change {sd:.3g} from the two SDs with an assumed pre/post correlation r = {r:g}")
            return _finish(eff, sd)
        return _mc_spread(eff, post, policies, borrowed_sd, sd=None, se=None)
    eff.reason = _why_not(rows, "a mean change or baseline and follow-up means")
    return eff


def _mc_spread(eff, row, policies, borrowed_sd, sd, se):
    n = eff.n
    if not _num(n) or n < 2:
        eff.reason = "the number of participants behind the change is not reported"
        return eff
    if _num(sd):
        return _finish(eff, float(sd), reported=True)
    if _num(se):
        return _finish(eff, float(se) * math.sqrt(n), reported=True)
    if _num(row.get("ci_lb")) and _num(row.get("ci_ub")):
        level = row.get("ci_level") if _num(row.get("ci_level")) else 95
        return _finish(eff, float(sd_from_ci(row["ci_lb"], row["ci_ub"], n, level=level)), reported=True)
    for policy in policies:
        if policy == "from_p" and _num(row.get("p_value")) and "baseline" in (row.get("p_test") or "vs baseline"):
            p = float(row["p_value"])
            if p >= 1 or eff.yi == 0:
                continue
            sd = float(sd_from_p(eff.yi, p, n))
            bound = row.get("p_relation") in ("<", ">")
            eff.derivations.append(
                f"SD of change {sd:.3g} from p {'<' if bound else '='} {p:g} against baseline (paired t, {int(n) - 1} df)"
                + (", taking the bound as the p-value, which overstates the SD" if bound else "")
            )
            return _finish(eff, sd)
        if policy == "borrow" and math.isfinite(borrowed_sd):
            eff.derivations.append(f"SD of change {borrowed_sd:g} borrowed (the mean SD of change reported by the other studies)")
            return _finish(eff, borrowed_sd)
    eff.reason = "no SD, SE, CI or usable p-value for the change" + (
        "" if policies else " (this analysis does not derive or borrow SDs)"
    )
    return eff


def _finish(eff, sd, reported=False):
    eff.vi = sd**2 / eff.n
    if reported:
        eff.sd_reported = eff.sd_reported if math.isfinite(eff.sd_reported) else sd
    return eff


def _why_not(rows, needed) -> str:
    if rows.empty:
        return "no numbers reported for this outcome"
    if "_src" in rows:
        rows = rows[rows["_src"] == rows["_src"].min()]  # describe the best source only
    has_pct = rows["pct_change"].notna().any()
    has_p = rows["p_value"].notna().any()
    has_median = rows["median"].notna().any()
    bits = []
    if has_pct:
        bits.append("only percent changes (" + ", ".join(dict.fromkeys(f"{x:+g}%" for x in rows["pct_change"].dropna())) + ")")
    if has_median:
        bits.append("medians with IQR widths only")
    if has_p and not bits:
        bits.append("only p-values (" + ", ".join(f"p {r.p_relation if r.p_relation in ('<', '>') else '='} {r.p_value:g}" for r in rows.dropna(subset=["p_value"]).itertuples()) + ")")
    if rows["n"].isna().all():
        bits.append("n not reported")
    return ("reports " + "; ".join(bits) + f"; needs {needed}") if bits else f"needs {needed}"


def difference_in_change(sid, label, rows) -> StudyEffect:
    """MD between treatment and control arms in mean change."""
    eff = StudyEffect(sid, label, arm="treatment vs control")
    rows = _rank_rows(rows)
    diff = _latest(rows[(rows["arm"] == "treatment vs control") & (rows["quantity"] == "difference between arms")])
    if diff is not None and _num(diff.get("mean")) and (_num(diff.get("se")) or (_num(diff.get("ci_lb")) and _num(diff.get("ci_ub")))):
        eff.yi = float(diff["mean"])
        if _num(diff.get("se")):
            eff.vi = float(diff["se"]) ** 2
        else:
            z = stats.norm.isf((1 - (diff.get("ci_level") or 95) / 100) / 2)
            eff.vi = ((diff["ci_ub"] - diff["ci_lb"]) / (2 * z)) ** 2
        eff.reported = f"difference {_fmt(diff['mean'])} ({_fmt(diff.get('ci_lb'))} to {_fmt(diff.get('ci_ub'))})"
        eff.timepoint, eff.source, eff.n = _when(diff), diff["source_type"], diff.get("n")
        return eff
    t = _latest(rows[(rows["arm"] == "treatment") & (rows["quantity"] == "change from baseline")])
    c = _latest(rows[(rows["arm"] == "control") & (rows["quantity"] == "change from baseline")])
    if t is not None and c is not None and all(_num(x.get(k)) for x in (t, c) for k in ("mean", "sd", "n")):
        eff.yi = float(t["mean"] - c["mean"])
        eff.vi = float(t["sd"] ** 2 / t["n"] + c["sd"] ** 2 / c["n"])
        eff.n, eff.n2 = t["n"], c["n"]
        eff.reported = f"{_fmt(t['mean'])} (SD {_fmt(t['sd'])}) vs {_fmt(c['mean'])} (SD {_fmt(c['sd'])})"
        eff.timepoint, eff.source = _when(t), t["source_type"]
        return eff
    eff.reason = _why_not(rows, "each arm's mean change with its SD and n, or the difference with its CI")
    if t is not None:
        eff.reported = _describe(t, c)
    return eff


def _describe(t, c) -> str:
    def one(r):
        if r is None:
            return "NR"
        if _num(r.get("mean")):
            return _fmt(r["mean"])
        if _num(r.get("median")):
            return f"median {_fmt(r['median'])}" + (f" (IQR {_fmt(r['iqr'])})" if _num(r.get("iqr")) else "")
        if _num(r.get("pct_change")):
            return f"{r['pct_change']:+g}%"
        return "NR"

    return f"{one(t)} vs {one(c)}"


def percent_change(sid, label, rows, arm) -> StudyEffect:
    """PCT: the reported percent change, or one derived from two means."""
    eff = StudyEffect(sid, label, arm=arm)
    rows = _rank_rows(rows[rows["arm"] == arm])
    pct = _latest(rows[rows["pct_change"].notna()]) if rows["pct_change"].notna().any() else None
    if pct is not None:
        eff.yi, eff.n, eff.timepoint, eff.source = float(pct["pct_change"]), pct.get("n"), _when(pct), pct["source_type"]
        eff.reported = f"{pct['pct_change']:+g}%"
    else:
        values = rows[rows["quantity"] == "value"]
        post, pre = _latest(values), _baseline(values)
        if post is None or pre is None or not (_num(post.get("mean")) and _num(pre.get("mean"))):
            eff.reason = _why_not(rows, "a percent change or baseline and follow-up means")
            return eff
        eff.yi = 100 * (post["mean"] / pre["mean"] - 1)
        eff.n, eff.timepoint, eff.source = post.get("n"), _when(post), post["source_type"]
        eff.reported = f"{_fmt(pre['mean'])} → {_fmt(post['mean'])}"
        eff.derivations.append(f"percent change {eff.yi:.1f}% = 100 × ({_fmt(post['mean'])} / {_fmt(pre['mean'])} − 1)")
    eff.reason = "a percent change without its spread (SD, SE or CI) has no variance; shown, not pooled"
    return eff


def borrowable_sd(effects) -> float:
    """The mean of the SDs of change that studies report themselves (never derived ones)."""
    sds = [e.sd_reported for e in effects if math.isfinite(e.sd_reported) and not e.derivations]
    return float(np.mean(sds)) if sds else math.nan
