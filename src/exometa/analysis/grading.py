"""GRADE certainty of one analysis, from its data and what its file declares.

:func:`grade_analysis` hands :func:`exometa.evidence.grade.grade` (which holds
the rules, domain by domain) what an analysis knows:

- **start**: randomised comparisons start high, other comparisons low, and a
  change or proportion within treated people (no comparator) very low;
- **risk of bias**: each pooled study's overall judgement from the workbook's
  ``risk_of_bias`` sheet (for the analysis's outcome when judged per outcome),
  weighted by its weight in the meta-analysis; a study without one counts as
  "not assessed";
- **inconsistency**: I², the prediction interval and the overlap of the study
  CIs, against the decision threshold;
- **indirectness**: as declared in ``[grade.indirectness]``;
- **imprecision**: the CI against ``[grade] threshold`` (default: no effect) and
  the optimal information size (``[grade.ois]``; when none is declared, a
  continuous outcome takes GRADE's rule of thumb of 400 participants, Guyatt et
  al. 2011, GRADE guidelines 6: a CI that excludes no effect is not precise when
  it rests on a few dozen people);
- **publication bias**: Egger's test (else the rank test) when the analysis ran
  it with at least 10 studies, and the registered trials without results that
  bear on the analysis (:func:`exometa.analysis.context.trials_for`).

Values go to ``grade`` on its scales: ratios on the log scale, proportions
back-transformed (the threshold of a proportion is a proportion).
"""

from __future__ import annotations

import math

from ..evidence.grade import GradeResult, grade, optimal_information_size

WITHIN_FAMILIES = ("change", "proportion")
RATIO_CODES = {"RR": "RR", "OR": "OR", "PETO": "OR", "ROM": "ROM"}


def comparison_of(res) -> str:
    """"change over time" for changes and proportions within treated people, else "between arms"."""
    pooled = [e for e in res.effects if e.poolable]
    if res.spec.info.family in WITHIN_FAMILIES or (pooled and all(e.within for e in pooled)):
        return "change over time"
    return "between arms"


def grade_measure(spec) -> str:
    """The measure as :func:`~exometa.evidence.grade.grade` names it (ratios: RR, OR, HR, ROM, IRR)."""
    info = spec.info
    if info.ratio:
        return RATIO_CODES.get(spec.measure, spec.effect_measure or "RR")
    if info.family == "proportion":
        return "PR"
    return spec.measure if spec.measure != "GEN" else (spec.effect_measure or "GEN")


def _scale(res):
    """Values as ``grade`` takes them: analysis scale, but proportions back-transformed."""
    if res.spec.info.scale in ("logit", "ft"):
        return lambda x: float(res.back(x)) if x is not None and math.isfinite(x) else None
    return lambda x: float(x) if x is not None and math.isfinite(x) else None


def _number(x):
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def study_inputs(res, rob=None) -> list[dict]:
    """One record per pooled study (in the fit's order) with what ``grade`` reads."""
    to = _scale(res)
    weights = res.main.weight_of
    outcome = res.spec.outcome[0] if len(res.spec.outcome) == 1 else None
    out = []
    for e in (e for e in res.effects if e.poolable):
        rec = res.studies.get(e.study_id, {})
        lo, hi = res.study_ci(e)
        out.append({
            "study_id": e.study_id, "label": e.row_label, "randomised": rec.get("randomised"), "design": rec.get("design"),
            "weight": weights.get(e.row_label), "rob": rob.overall(e.study_id, outcome) if rob is not None else None,
            "n": _number(e.n), "yi": to(e.yi), "ci_lb": to(lo), "ci_ub": to(hi),
        })  # fmt: skip
    return out


#: GRADE's rule of thumb for the optimal information size of a continuous outcome (participants)
CONTINUOUS_OIS = 400


def _ois(spec, comparison):
    o = spec.grade.ois
    if o is None:
        return CONTINUOUS_OIS if spec.info.family in ("two_group", "change") else None
    if o.participants is not None:
        return o.participants
    if o.delta is not None:
        return optimal_information_size(delta=o.delta, sd=o.sd, alpha=o.alpha, power=o.power,
                                        groups=1 if comparison == "change over time" else 2)
    return optimal_information_size(p_control=o.p_control, rrr=o.rrr, alpha=o.alpha, power=o.power)


def small_study_test(bias) -> tuple[float | None, str]:
    """(p-value, name) of the small-study test that ran: Egger's regression test, else the rank test."""
    findings = getattr(bias, "findings", ()) or ()
    for method, name in (("regtest", "Egger's regression test"), ("ranktest", "Begg and Mazumdar's rank test")):
        for f in findings:
            if f.method == method and f.ran and f.result is not None:
                p = _number(getattr(f.result, "pval", None))
                if p is not None:
                    return p, name
    return None, "Egger's test"


def unreported(trials) -> tuple[int, float | None]:
    """(number, planned participants) of the registered trials whose results are missing; n None if any is unknown."""
    missing = [t for t in trials if t.missing]
    ns = [t.planned_n for t in missing]
    return len(missing), (None if any(n is None for n in ns) else float(sum(ns)))


def grade_analysis(res, rob=None, trials=(), bias=None) -> GradeResult:
    """The GRADE certainty of an :class:`~exometa.analysis.run.AnalysisResult` (see the module docstring)."""
    spec = res.spec
    comparison = comparison_of(res)
    to = _scale(res)
    r = res.main.result
    studies = study_inputs(res, rob) if r is not None else []
    pooled = {}
    if r is not None:
        pooled = {"estimate": to(r.estimate), "ci_lb": to(r.ci_lb), "ci_ub": to(r.ci_ub), "i2": _number(getattr(r, "i2", None)),
                  "pi_lb": to(getattr(r, "pi_lb", math.nan)), "pi_ub": to(getattr(r, "pi_ub", math.nan))}
    thr = spec.grade.threshold
    threshold = None if not thr else (thr[0] if len(thr) == 1 else tuple(thr))
    pval, test = small_study_test(bias)
    n_missing, n_planned = unreported(trials)
    unit = res.unit if spec.info.raw_units else ""
    return grade(studies, pooled, outcome=" or ".join(spec.outcome), measure=grade_measure(spec), comparison=comparison,
                 indirectness=spec.grade.indirectness_map() or None, threshold=threshold, ois=_ois(spec, comparison),
                 small_study_pval=pval, small_study_test=test, unreported_trials=n_missing, unreported_n=n_planned,
                 dose_response=spec.grade.dose_response or None, confounding=spec.grade.confounding or None,
                 level=spec.level, unit=unit)


__all__ = ["grade_analysis", "comparison_of", "grade_measure", "study_inputs", "small_study_test", "unreported"]
