"""The GRADE domains, one function each: risk of bias, inconsistency, indirectness,
imprecision, publication bias, and rating up; plus the optimal information size.

Each function returns a :class:`GradeDomain` (``change`` in levels, ``rating`` in
GRADE's words, ``reason`` with the numbers). The rules are those listed in
:mod:`exometa.evidence.grade`.

>>> rate_indirectness({"population": ("serious", "healthy volunteers, not people with alopecia")}).change
-1
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from ..models.distributions import norm_ppf
from ..arguments import check_choice
from ..errors import ExometaError

LEVELS = ("very low", "low", "moderate", "high")
NO_EVIDENCE = "no evidence"
SYMBOLS = {"high": "\u2a01\u2a01\u2a01\u2a01", "moderate": "\u2a01\u2a01\u2a01\u25ef", "low": "\u2a01\u2a01\u25ef\u25ef",
           "very low": "\u2a01\u25ef\u25ef\u25ef", NO_EVIDENCE: "-"}
RATIO_MEASURES = ("RR", "OR", "HR", "ROM", "IRR")
INDIRECTNESS_ASPECTS = ("population", "intervention", "comparator", "outcome")
DECLARED_LEVELS = {"no": 0, "not serious": 0, "serious": -1, "very serious": -2}

#: risk-of-bias score of each overall judgement (see the module docstring)
ROB_SCORES = {"low": 0.0, "moderate": 0.0, "some concerns": 0.5, "high": 1.0, "serious": 1.0, "no information": 1.0,
              "critical": 2.0}
I2_SUBSTANTIAL, I2_CONSIDERABLE = 50.0, 75.0
SMALL_STUDY_ALPHA, SMALL_STUDY_MIN_K = 0.10, 10
UNREPORTED_SHARE = 0.2


@dataclass(frozen=True)
class GradeDomain:
    """One GRADE domain: ``change`` in levels (negative = rated down), a rating in GRADE's words, and why."""

    domain: str
    change: int
    rating: str
    reason: str


def optimal_information_size(delta=None, sd=None, p_control=None, rrr=None, alpha: float = 0.05, power: float = 0.80,
                             groups: int = 2) -> int:
    """Participants needed to detect ``delta`` (continuous, with ``sd``) or a relative risk reduction ``rrr``
    from a control risk ``p_control`` (binary), as a single adequately powered trial would (GRADE 6, Guyatt 2011).

    Two groups of equal size (``groups=2``, the total is returned) or one group
    (a change within people). Normal approximation, two-sided ``alpha``.

    Examples
    --------
    Half an SD with 80% power needs 63 per group; a 25% relative reduction from a 20% risk, 903 per group:

    >>> optimal_information_size(delta=0.5, sd=1.0), optimal_information_size(p_control=0.2, rrr=0.25)
    (126, 1806)
    """
    check_choice("groups", groups, (1, 2))
    z = norm_ppf(1 - alpha / 2) + norm_ppf(power)
    if p_control is not None:
        if rrr is None or not 0 < p_control < 1 or not 0 < rrr < 1:
            raise ExometaError("a binary OIS needs `p_control` and `rrr` between 0 and 1 (e.g. 0.2 and 0.25).")
        p2 = p_control * (1 - rrr)
        per = z**2 * (p_control * (1 - p_control) + p2 * (1 - p2)) / (p_control - p2) ** 2
        return 2 * math.ceil(per - 1e-9)
    if delta is None or sd is None or delta == 0 or sd <= 0:
        raise ExometaError("a continuous OIS needs `delta` (not 0) and `sd` (> 0): the smallest important difference and the SD.")
    if groups == 1:
        return math.ceil((z * sd / delta) ** 2 - 1e-9)
    return 2 * math.ceil(2 * (z * sd / delta) ** 2 - 1e-9)


def _value(obj, name, default=None):
    if obj is None:
        return default
    v = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()):
        return default
    return v


def study_records(studies) -> list[dict]:
    if studies is None:
        return []
    if isinstance(studies, pd.DataFrame):
        studies = studies.to_dict("records")
    out = []
    for s in studies:
        rec = {k: _value(s, k) for k in ("study_id", "label", "randomised", "design", "weight", "rob", "n", "yi", "ci_lb", "ci_ub")}
        if rec["study_id"] is None:
            raise ExometaError("every pooled study needs a `study_id`.")
        rec["label"] = rec["label"] or str(rec["study_id"])
        out.append(rec)
    return out


def is_randomised(s) -> bool:
    r = s["randomised"]
    if isinstance(r, bool):
        return r
    if r is not None:
        return str(r).lower() in ("yes", "true", "randomised", "randomized")
    return str(s["design"] or "").startswith("RCT")


def _weights(studies) -> tuple[list[float], str]:
    w = [float(s["weight"]) if s["weight"] is not None else math.nan for s in studies]
    if all(math.isfinite(x) and x >= 0 for x in w) and sum(w) > 0:
        return [x / sum(w) for x in w], ""
    return [1 / len(studies)] * len(studies), " (no meta-analysis weights given: studies counted equally)"


def _pct(x) -> str:
    return f"{100 * x:.0f}%"


def starting_level(studies) -> tuple[str, str]:
    non = [s["label"] for s in studies if not is_randomised(s)]
    if not non:
        return "high", f"all {len(studies)} pooled stud{'y is' if len(studies) == 1 else 'ies are'} randomised: evidence starts high."
    return "low", (f"non-randomised evidence starts low: {', '.join(non)} {'is' if len(non) == 1 else 'are'} not randomised "
                   "(or randomisation is unclear)" + ("; pool randomised trials separately to start them high." if len(non) < len(studies) else "."))


def rate_risk_of_bias(studies) -> GradeDomain:
    """Risk of bias from each study's overall RoB judgement, weighted by its weight."""
    studies = study_records(studies)
    w, note = _weights(studies)
    score, groups = 0.0, {}
    for s, wi in zip(studies, w):
        rob = s["rob"]
        key = rob if rob in ROB_SCORES else "not assessed"
        score += wi * ROB_SCORES.get(rob, 1.0)
        groups.setdefault(key, []).append((s["label"], wi))
    parts = [f"{_pct(sum(x for _, x in g))} at {k} ({', '.join(lbl for lbl, _ in g)})" for k, g in groups.items()]
    text = f"of the weight{note}: " + "; ".join(parts) + f"; weighted risk-of-bias score {score:.2f}"
    if score >= 1.5:
        return GradeDomain("risk of bias", -2, "very serious", text + " (>= 1.5: most weight at critical or high risk).")
    if score >= 0.5:
        return GradeDomain("risk of bias", -1, "serious", text + " (>= 0.5: much of the weight at some concerns or worse).")
    return GradeDomain("risk of bias", 0, "not serious", text + " (< 0.5).")


def rate_inconsistency(studies, i2, pi_lb=None, pi_ub=None, ci_lb=None, ci_ub=None, threshold: float = 0.0,
                       threshold_text: str = "no effect") -> GradeDomain:
    """Inconsistency from I^2, the study estimates against the threshold, CI overlap and the prediction interval."""
    studies = study_records(studies)
    if len(studies) < 2:
        return GradeDomain("inconsistency", 0, "not serious", "a single study: inconsistency cannot be judged (not rated down).")
    yi = [s["yi"] for s in studies if s["yi"] is not None]
    sides = any(y > threshold for y in yi) and any(y < threshold for y in yi)
    cis = [(s["ci_lb"], s["ci_ub"], s["label"]) for s in studies if s["ci_lb"] is not None and s["ci_ub"] is not None]
    apart = [(a[2], b[2]) for a in cis for b in cis if a[1] < b[0]]
    i2 = float(i2) if i2 is not None and math.isfinite(float(i2)) else 0.0
    pi_crosses = (pi_lb is not None and pi_ub is not None and pi_lb < threshold < pi_ub
                  and not (ci_lb is not None and ci_ub is not None and ci_lb < threshold < ci_ub))
    facts = [f"I^2 = {i2:.0f}%",
             f"study estimates {'on both sides of' if sides else 'on one side of'} {threshold_text}",
             (f"CIs that do not overlap ({apart[0][0]} and {apart[0][1]})" if apart else "every pair of CIs overlaps")]
    if pi_crosses:
        facts.append(f"the prediction interval crosses {threshold_text} though the CI does not")
    text = "; ".join(facts)
    if i2 >= I2_CONSIDERABLE and sides and apart:
        return GradeDomain("inconsistency", -2, "very serious", text + ".")
    if (i2 >= I2_SUBSTANTIAL and (sides or pi_crosses)) or (apart and sides):
        return GradeDomain("inconsistency", -1, "serious", text + ".")
    why = " (differences in size, not in direction)" if i2 >= I2_SUBSTANTIAL else ""
    return GradeDomain("inconsistency", 0, "not serious", text + why + ".")


def _declared(value, what) -> tuple[str, str]:
    if value is None:
        return "no", ""
    if isinstance(value, str):
        level, reason = value, ""
    elif isinstance(value, Mapping):
        level, reason = value.get("level", "no"), value.get("reason", "")
    else:
        level, reason = value[0], (value[1] if len(value) > 1 else "")
    check_choice(what, level, DECLARED_LEVELS)
    if DECLARED_LEVELS[level] < 0 and not str(reason).strip():
        raise ExometaError(f"`{what}` is declared {level!r} without a reason: say why (e.g. ('serious', 'healthy volunteers')).")
    return level, str(reason)


def rate_indirectness(indirectness: Mapping | None) -> GradeDomain:
    """Indirectness as declared for population, intervention, comparator and outcome (the worst counts)."""
    if not indirectness:
        return GradeDomain("indirectness", 0, "not serious", "not declared by the analysis (not rated down); declare "
                           "population, intervention, comparator and outcome.")
    unknown = sorted(set(indirectness) - set(INDIRECTNESS_ASPECTS))
    if unknown:
        raise ExometaError(f"`indirectness` keys must be among {', '.join(INDIRECTNESS_ASPECTS)}; got {', '.join(unknown)}.")
    rated = {a: _declared(indirectness.get(a), f"indirectness[{a!r}]") for a in INDIRECTNESS_ASPECTS}
    worst = min(DECLARED_LEVELS[lvl] for lvl, _ in rated.values())
    parts = [f"{a}: {lvl}" + (f" ({r})" if r else "") for a, (lvl, r) in rated.items()]
    rating = {0: "not serious", -1: "serious", -2: "very serious"}[worst]
    return GradeDomain("indirectness", worst, rating, "; ".join(parts) + ".")


def _fmt(x, log_scale: bool) -> str:
    v = math.exp(x) if log_scale else x
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def rate_imprecision(ci_lb, ci_ub, thresholds: Sequence[float], total_n=None, ois=None, log_scale: bool = False,
                     threshold_names: Sequence[str] | None = None, level: float = 95) -> GradeDomain:
    """Imprecision from the CI against the decision threshold(s) and the optimal information size."""
    names = list(threshold_names or [f"{_fmt(t, log_scale)}" for t in thresholds])
    crossed = [nm for t, nm in zip(thresholds, names) if ci_lb < t < ci_ub]
    ci = f"the {level:g}% CI {_fmt(ci_lb, log_scale)} to {_fmt(ci_ub, log_scale)}"
    text = f"{ci} includes {' and '.join(crossed)}" if crossed else f"{ci} excludes {' and '.join(names)}"
    short = None
    if ois is not None:
        n_text = "an unknown number of participants" if total_n is None else f"{total_n:g} participants"
        short = total_n is None or total_n < ois
        text += f"; {n_text}, {'fewer than' if short else 'at least'} the optimal information size of {ois:g}"
    if len(crossed) >= 2:
        return GradeDomain("imprecision", -2, "very serious", text + " (both thresholds crossed).")
    if crossed and short:
        return GradeDomain("imprecision", -2, "very serious", text + ".")
    if crossed or short:
        return GradeDomain("imprecision", -1, "serious", text + ".")
    if ois is None:
        text += "; no optimal information size declared"
    return GradeDomain("imprecision", 0, "not serious", text + ".")


def rate_publication_bias(k: int, small_study_pval=None, small_study_test: str = "the small-study test",
                          unreported_trials: int = 0, unreported_n=None, pooled_n=None) -> GradeDomain:
    """Publication bias from a small-study test (k >= 10 only) and registered trials that never reported."""
    reasons, down = [], False
    if small_study_pval is not None and k >= SMALL_STUDY_MIN_K:
        hit = small_study_pval < SMALL_STUDY_ALPHA
        down |= hit
        reasons.append(f"{small_study_test} p = {small_study_pval:.3g} ({'below' if hit else 'not below'} {SMALL_STUDY_ALPHA:g})")
    elif k < SMALL_STUDY_MIN_K:
        reasons.append(f"with {k} stud{'y' if k == 1 else 'ies'} (fewer than {SMALL_STUDY_MIN_K}) funnel asymmetry cannot be tested")
    if unreported_trials:
        if unreported_n is not None and pooled_n:
            share = unreported_n / pooled_n  # "would add at least a fifth to the participants pooled"
            hit = share >= UNREPORTED_SHARE
            reasons.append(f"{unreported_trials} registered trial(s) without results planned {unreported_n:g} participants, "
                           f"{_pct(share)} of the {pooled_n:g} pooled")
        else:
            hit = True
            reasons.append(f"{unreported_trials} registered trial(s) never reported results (size unknown)")
        down |= hit
    else:
        reasons.append("no registered trial without results is recorded")
    text = "; ".join(reasons)
    if down:
        return GradeDomain("publication bias", -1, "strongly suspected", text + ".")
    return GradeDomain("publication bias", 0, "undetected", text + " (undetected is not absent).")


def rate_up(measure, estimate, ci_lb, ci_ub, k, dose_response, confounding) -> list[GradeDomain]:
    out = []
    if measure in RATIO_MEASURES and k >= 2 and not (ci_lb < 0 < ci_ub):
        ratio = math.exp(abs(estimate))
        if ratio >= 5:
            out.append(GradeDomain("large effect", 2, "very large", f"a ratio of {_fmt(estimate, True)} (beyond 5 or 0.2) from {k} studies, CI excluding no effect."))
        elif ratio >= 2:
            out.append(GradeDomain("large effect", 1, "large", f"a ratio of {_fmt(estimate, True)} (beyond 2 or 0.5) from {k} studies, CI excluding no effect."))
    if dose_response:
        out.append(GradeDomain("dose-response", 1, "present", str(dose_response)))
    if confounding:
        out.append(GradeDomain("plausible confounding", 1, "would reduce the effect", str(confounding)))
    return out


def decision_thresholds(threshold, log_scale):
    if threshold is None:
        return [0.0], ["no effect"]
    values = list(threshold) if isinstance(threshold, (list, tuple)) else [threshold]
    if log_scale:
        if any(v <= 0 for v in values):
            raise ExometaError("thresholds of a ratio measure are ratios (e.g. 0.8 or 1.25), and must be positive.")
        return [math.log(v) for v in values], [f"the threshold {v:g}" for v in values]
    return [float(v) for v in values], [f"the threshold {v:g}" for v in values]


def pooled_value(pooled, name):
    v = _value(pooled, name)
    return None if v is None else float(v)


__all__ = ["GradeDomain", "optimal_information_size", "rate_risk_of_bias", "rate_inconsistency", "rate_indirectness",
           "rate_imprecision", "rate_publication_bias", "rate_up", "study_records", "is_randomised", "starting_level",
           "decision_thresholds", "pooled_value", "LEVELS", "NO_EVIDENCE", "SYMBOLS", "RATIO_MEASURES", "ROB_SCORES"]
