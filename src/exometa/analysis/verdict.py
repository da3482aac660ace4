"""The verdict of an analysis: one sentence on its claim, then what the checks change.

The first sentence is :func:`exometa.evidence.verdict.claim_verdict`'s: the claim
is *supported*, *contradicted* or *cannot be assessed*, at the certainty GRADE
gives (:mod:`exometa.analysis.grading`) -- never "not supported" when nothing
could be pooled, and never supported by a change within treated people when the
claim is about what the treatment does. A proportion in treated people alone
(adverse events, responders) has no comparator either, and is worded so.

Then, in as few sentences as they need: what leaving one study out changes
(the study that moves the estimate most, and whether the CI then includes no
effect), the studies influential by metafor's rules, what the small-study
methods found or why they could not be run, the registered trials that never
reported, and the GRADE domains that lowered (or raised) the certainty.

The claim is the analysis file's ``claim`` (lower-cased where it starts a
sentence, so that it can follow "the claim that ..."); without one but with a
``claim_direction``, "the treatment increases (or decreases) OUTCOME". A file
with neither states no claim: its verdict (status "no claim") gives the result
and its certainty and judges nothing -- exometa never invents the claim it
would then call contradicted. Which way the claim says the
outcome moves is ``claim_direction``; when the file does not say, it is read
from the claim's words: a claim that the treatment reduces, lowers, decreases,
prevents or protects against something, or gives fewer or less of it, is a
claim of a decrease; any other, of an increase.

>>> from exometa.analysis.spec import AnalysisSpec
>>> direction_of(AnalysisSpec(name="x", title="x", outcome=("deaths",), measure="RR", claim="BCG prevents tuberculosis."))
'decrease'
"""

from __future__ import annotations

import math
import re

from ..evidence.verdict import Verdict, claim_verdict
from .grading import comparison_of

CLAIM_MEASURES = {"PETO": "OR"}
DECREASE_WORDS = re.compile(r"\b(reduc|lower|decreas|prevent|protect|fewer|less\b|shorten|cut(s)?\b)", re.IGNORECASE)


def direction_of(spec) -> str:
    """'increase' or 'decrease': the file's ``claim_direction``, else read from the claim's words."""
    if spec.claim_direction:
        return spec.claim_direction
    return "decrease" if DECREASE_WORDS.search(spec.claim or "") else "increase"


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


def claim_text(spec) -> str:
    """The claim as it can follow 'the claim that ...'."""
    claim = " ".join((spec.claim or "").split()).rstrip(".!? ")
    if not claim:
        return f"the treatment {direction_of(spec)}s {' or '.join(spec.outcome)}"
    first = claim.split(" ", 1)[0]
    if first[:1].isupper() and first[1:2].islower() and not any(c.isupper() for c in first[1:]):
        claim = claim[0].lower() + claim[1:]
    return claim


def _measure(spec) -> str:
    if spec.measure == "GEN":
        return spec.effect_measure or "GEN"
    return CLAIM_MEASURES.get(spec.measure, spec.measure)


def _not_pooled_reason(res) -> str:
    if res.spec.info.family == "percent":
        return ("percent changes are shown as reported; none comes with a measure of its spread, so they cannot be "
                "combined or tested")
    shown = len(res.effects)
    if not shown:
        return "no study in this analysis reports numbers for this outcome"
    why = res.main.message if res.main.message and any(e.poolable for e in res.effects) else \
        f"none of the {shown} result(s) found gives the numbers a meta-analysis needs (see the reasons listed)"
    return why.rstrip(".")


NO_CLAIM = "no claim"


def _no_claim(res, cert) -> Verdict:
    """The result in words when the analysis states no claim to test."""
    fit, info = res.main, res.spec.info
    head = "No claim stated (the analysis file has no `claim`): "
    if fit.result is None or fit.k == 0:
        return Verdict(NO_CLAIM, "not rated", head + f"nothing was pooled ({_not_pooled_reason(res)}).")
    within = " within treated people" if info.family in ("change", "proportion") else ""
    return Verdict(NO_CLAIM, cert or "not rated",
                   head + f"the pooled {info.title}{within} is {estimate_text(res)}, from {fit.k} "
                   f"stud{'y' if fit.k == 1 else 'ies'}; certainty {cert or 'not rated'}.")


def claim_of(res, certainty) -> Verdict:
    """The :class:`~exometa.evidence.verdict.Verdict` on the analysis's claim."""
    spec, fit = res.spec, res.main
    if not (spec.claim or "").strip() and not spec.claim_direction:
        return _no_claim(res, None if certainty in (None, "", "no evidence") else certainty)
    claim = claim_text(spec)
    outcome = " or ".join(spec.outcome)
    r = fit.result
    if r is None or fit.k == 0:
        return claim_verdict(claim, outcome=outcome, k=0, not_pooled_reason=_not_pooled_reason(res))
    cert = None if certainty in (None, "", "no evidence") else certainty
    if spec.info.family == "proportion":
        return Verdict("cannot be assessed", cert or "not rated",
                       f"Cannot be assessed: the pooled proportion is {estimate_text(res)}, from "
                       f"{fit.k} stud{'y' if fit.k == 1 else 'ies'}; without a comparison group it cannot show what the "
                       f"treatment causes or prevents, so the claim that {claim} is neither supported nor contradicted; "
                       f"certainty {cert or 'not rated'}.")
    comparison = comparison_of(res)
    thr = spec.grade.threshold
    threshold = None
    if len(thr) == 1:
        threshold = thr[0]
    elif len(thr) == 2:
        threshold = max(thr) if direction_of(spec) == "increase" else min(thr)
    unit = res.unit if spec.info.raw_units else ""
    return claim_verdict(claim, outcome=outcome, k=fit.k, estimate=r.estimate, ci_lb=r.ci_lb, ci_ub=r.ci_ub,
                         certainty=cert, comparison=comparison, direction=direction_of(spec), causal=spec.claim_causal,
                         threshold=threshold, measure=_measure(spec), unit=unit, level=spec.level)


def _first_sentence(text: str) -> str:
    cut = text.find(". ")
    return text if cut < 0 else text[: cut + 1]


def check_sentences(res) -> list[str]:
    """What leave-one-out, influence, the small-study methods and the registered trials change, in words."""
    out = []
    d = res.diagnostics or {}
    l1o = d.get("leave1out")
    if l1o is not None and l1o.ran:
        out.append(_first_sentence(l1o.reading))
    infl = d.get("influence")
    if infl is not None and infl.ran and bool(getattr(infl.result, "inf", [False]).any()):
        out.append(". ".join(s.rstrip(".") for s in infl.reading.split(". ") if "influential by" in s) + ".")
    bias = res.bias
    if bias is not None and not isinstance(bias, str):
        ran = [f for f in bias.findings if f.ran and f.method in ("regtest", "trimfill")]
        if ran:
            out.append(_first_sentence(ran[0].words))
        elif not bias.rule.run:
            out.append(f"With k = {bias.k}, small-study effects cannot be judged (asymmetry methods need 10 studies or "
                       "more).")
    missing = [t for t in res.registered if t.missing]
    if missing:
        out.append(f"{len(missing)} registered trial{'s' if len(missing) > 1 else ''} that would bear on this question "
                   f"{'have' if len(missing) > 1 else 'has'} no results ({', '.join(t.registry_id or t.label for t in missing)}).")
    return out


def grade_sentence(g) -> str:
    """The GRADE domains that changed the rating, in one sentence."""
    if g is None or not g.domains:
        return ""
    changed = [d for d in g.domains if d.change]
    if not changed:
        return f"GRADE: starts {g.start}, nothing rated down: {g.certainty} certainty."
    parts = [f"{d.domain} ({d.rating}, {'down' if d.change < 0 else 'up'} {abs(d.change)})" for d in changed]
    return f"GRADE: starts {g.start}; {'; '.join(parts)}: {g.certainty} certainty."


def verdict(res) -> tuple[Verdict, str]:
    """(Verdict on the claim, the verdict's full text) for an analysis result with its GRADE, diagnostics and bias."""
    g = res.grade
    v = claim_of(res, g.certainty if g is not None else None)
    text = " ".join([v.sentence] + check_sentences(res) + ([grade_sentence(g)] if grade_sentence(g) else []))
    return v, text


__all__ = ["verdict", "claim_of", "claim_text", "direction_of", "estimate_text", "check_sentences", "grade_sentence"]
