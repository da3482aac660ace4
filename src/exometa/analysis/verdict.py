"""The verdict of an analysis in plain words, and a GRADE-like certainty.

Certainty starts at **high** for comparisons in randomised trials and at
**low** for everything else: non-randomised comparisons, and every change or
proportion within one group (uncontrolled evidence -- including a treated arm's
change taken from a randomised trial). It drops one level for each of:

- risk of bias in reporting: any pooled study unverifiable or not peer reviewed;
- derived numbers: any pooled study rests on imputed, converted or borrowed numbers;
- imprecision: fewer than 100 participants in all, or (comparisons) a CI that
  includes no effect;
- inconsistency: a prediction interval that includes no effect, or (common-effect
  models, which have none) I² of 50% or more.
"""

from __future__ import annotations

import math

from ..formatting import fmt_or_blank
from .select import FLAG_TITLES

LEVELS = ("very low", "low", "moderate", "high")


def estimate_text(res, r=None) -> str:
    """'0.49 (95% CI 0.34 to 0.70)' on the display scale, with the unit for raw measures."""
    r = r or res.main.result
    spec = res.spec
    back = res.back
    unit = f" {res.unit}" if res.unit and spec.info.raw_units else ""
    return (f"{_num(back(r.estimate))}{unit} ({spec.level:g}% CI {_num(back(r.ci_lb))} to {_num(back(r.ci_ub))}"
            f"{unit})")


def _num(x) -> str:
    if x is None or not math.isfinite(x):
        return "NA"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


def _flag_sentence(res, effects) -> str:
    counts = {}
    for e in effects:
        for f in res.flags_of(e):
            counts[f] = counts.get(f, 0) + 1
    if not counts:
        return ""
    return "Flags: " + ", ".join(f"{FLAG_TITLES[f]} ({n})" for f, n in counts.items()) + "."


def verdict(res) -> tuple[str, str]:
    """(text, certainty) for an :class:`~exometa.analysis.run.AnalysisResult`."""
    spec, fit = res.spec, res.main
    info = spec.info
    pooled = [e for e in res.effects if e.poolable]
    shown = len(res.effects)
    claim = (spec.claim or spec.title).strip()
    claim += "" if claim.endswith((".", "?", "!")) else "."
    if info.family == "percent":
        return (f"Claim tested: {claim} These percent changes are shown as reported; none comes with a measure of its "
                f"spread, so they cannot be combined or tested. {shown} result(s) shown; "
                + _flag_sentence(res, res.effects) + " Percent changes from uncontrolled studies cannot separate the "
                "treatment from time, season, co-treatments or regression to the mean.", "very low")
    if fit.result is None:
        why = (" " + fit.message) if pooled and fit.message else ""
        return (f"Claim tested: {claim} Not supported by poolable evidence: of {shown} result(s) found for this question, "
                "none reports the numbers a meta-analysis needs (see the reasons listed)." + why + " Statements of "
                "'significant' improvement without numbers cannot be weighed.", "very low")
    r = fit.result
    flags = [res.flags_of(e) for e in pooled]
    within = all(e.within for e in pooled)
    randomised = all(str(res.studies.get(e.study_id, {}).get("design") or "").startswith("RCT") for e in pooled)
    start = 3 if (not within and randomised) else 1
    downgrades = []
    if any("unverifiable" in f or "not_peer_reviewed" in f for f in flags):
        downgrades.append("unverifiable or non-peer-reviewed sources")
    if any(e.imputed for e in pooled):
        downgrades.append("imputed, converted or borrowed numbers")
    total_n = sum(e.n for e in pooled if isinstance(e.n, (int, float)) and math.isfinite(e.n))
    null = info.null
    includes_null = null is not None and r.ci_lb <= null <= r.ci_ub
    if total_n < 100:
        downgrades.append(f"few participants ({int(total_n)})")
    elif not within and includes_null:
        downgrades.append("imprecision (the CI includes no effect)")
    if fit.k > 1 and null is not None and math.isfinite(r.pi_lb) and r.pi_lb < null < r.pi_ub:
        downgrades.append("inconsistent results (the prediction interval includes no effect)")
    elif fit.k > 1 and not math.isfinite(r.pi_lb) and r.i2 >= 50:
        downgrades.append(f"inconsistent results (I² = {fmt_or_blank(r.i2, 0)}%)")
    certainty = LEVELS[max(0, start - len(downgrades))]
    k_text = f"{fit.k} stud{'y' if fit.k == 1 else 'ies'}"
    text = f"Claim tested: {claim} Pooled {info.title}: {estimate_text(res)}, from {k_text}."
    if within:
        text += (" Every pooled result is uncontrolled -- a change or a proportion within treated people (a treated arm "
                 "of a controlled trial counts here too, as its control arm is not used): it describes what happened "
                 "over time, not an effect of the treatment, and cannot show that the treatment caused it.")
    else:
        text += " " + _direction(res, r, includes_null)
    if downgrades:
        text += " Certainty is lowered for " + "; ".join(downgrades) + "."
    text += f" Certainty of the evidence: {certainty}."
    return text, certainty


def _direction(res, r, includes_null) -> str:
    info = res.spec.info
    level = f"{res.spec.level:g}%"
    if includes_null:
        return (f"The {level} CI includes no difference between treatment and control: these data are compatible with "
                "no effect (which is not the same as showing that there is none).")
    higher = r.estimate > (info.null or 0.0)
    if info.family == "binary" or (info.family == "generic" and info.ratio):
        how = "more often" if higher else "less often"
        return f"The outcome occurred {how} with treatment than with control, and the {level} CI excludes no difference."
    word = "higher" if higher else "lower"
    return f"The outcome was {word} with treatment than with control, and the {level} CI excludes no difference."


__all__ = ["verdict", "estimate_text"]
