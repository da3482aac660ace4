"""The verdict on a claim: one sentence saying whether it is supported, contradicted or cannot be
assessed, and at what certainty.

The rules, in order:

1. **k = 0** (no study reports usable numbers): *cannot be assessed*, never
   "not supported": absence of numbers is not evidence against a claim.
2. **Change over time** in treated people (no comparator) cannot show that a
   treatment caused anything: a causal claim *cannot be assessed* from it,
   whatever the size of the change; the change itself is reported as such.
3. With a pooled estimate and its CI (null = no effect): the CI wholly on the
   claimed side of no effect *supports* the claim; wholly on the other side
   *contradicts* it; a CI that excludes the smallest effect the claim implies
   (``threshold``) while including no effect also *contradicts* it; otherwise
   the evidence is inconclusive and the claim *cannot be assessed*.
4. The certainty (GRADE) is worded as GRADE's informative statements do
   (Santesso et al. 2020, *J Clin Epidemiol* 119:126-135): high "increases",
   moderate "probably increases", low "may increase", very low "the evidence is
   very uncertain".

>>> print(claim_verdict("exosomes regrow hair", outcome="hair density", k=0,
...                     not_pooled_reason="the trials report p-values without means or SDs"))
Cannot be assessed: no study reports the numbers needed to test the claim that exosomes regrow hair (the trials report p-values without means or SDs); certainty not rated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..arguments import check_choice
from ..errors import ExometaError
from .grade import LEVELS, RATIO_MEASURES, GradeResult

STATUSES = ("supported", "contradicted", "cannot be assessed")
NOT_RATED = "not rated"
#: GRADE's informative statements (Santesso et al. 2020) by certainty
_VERB = {"high": "{d}s", "moderate": "probably {d}s", "low": "may {d}"}


@dataclass(frozen=True)
class Verdict:
    """``status`` ("supported", "contradicted", "cannot be assessed"; an analysis that states no claim gets "no
    claim", :mod:`exometa.analysis.verdict`), ``certainty`` and the one-sentence verdict."""

    status: str
    certainty: str
    sentence: str

    def __str__(self) -> str:
        return self.sentence


def _n(x) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _certainty(certainty) -> str:
    if isinstance(certainty, GradeResult):
        certainty = certainty.certainty
    if certainty is None:
        return NOT_RATED
    return check_choice("certainty", certainty, LEVELS + (NOT_RATED, "no evidence"))


def _estimate_text(measure, estimate, lo, hi, unit, level, k) -> str:
    f = math.exp if measure in RATIO_MEASURES else (lambda v: v)
    u = f" {unit}" if unit else ""
    what = {"MC": "mean change", "MD": "mean difference", "SMD": "standardised mean difference"}.get(measure, measure)
    return f"{what} {_n(f(estimate))}{u}, {level:g}% CI {_n(f(lo))} to {_n(f(hi))}, {k} stud{'y' if k == 1 else 'ies'}"


def claim_verdict(claim: str, *, outcome: str, k: int, estimate=None, ci_lb=None, ci_ub=None, certainty=None,
                  comparison: str = "between arms", direction: str = "increase", causal: bool = True, threshold=None,
                  measure: str = "MD", unit: str = "", level: float = 95, not_pooled_reason: str = "") -> Verdict:
    """One sentence: is ``claim`` supported, contradicted or not assessable, and at what certainty?

    Parameters
    ----------
    claim : str
        The claim in words, as it can follow "the claim that ..." (e.g. "exosomes increase hair density").
    outcome : str
        The outcome the analysis measures.
    k : int
        Studies pooled (0 when none reports usable numbers).
    estimate, ci_lb, ci_ub : float
        The pooled result on the analysis scale (log for ratio measures).
    certainty : str or GradeResult
        The GRADE certainty ("high", "moderate", "low", "very low").
    comparison : {"between arms", "change over time"}
    direction : {"increase", "decrease"}
        Which way the claim says the outcome moves with treatment.
    causal : bool
        The claim is about what the treatment does (a change over time cannot show that).
    threshold : float, optional
        The smallest effect the claim implies, on the analysis scale (a ratio
        measure's as a ratio): a CI wholly short of it contradicts the claim.
    not_pooled_reason : str
        Why nothing could be pooled, for k = 0.

    Examples
    --------
    >>> v = claim_verdict("exosome treatment increases hair density", outcome="hair density", k=3, estimate=43.1,
    ...                   ci_lb=-2.0, ci_ub=88.0, certainty="very low", comparison="change over time", measure="MC",
    ...                   unit="hairs/cm2")
    >>> v.status
    'cannot be assessed'
    >>> print(v)
    Cannot be assessed: the 3 studies describe change over time in treated people (mean change 43.1 hairs/cm2, 95% CI -2 to 88, 3 studies), which cannot show that the treatment caused it, so the claim that exosome treatment increases hair density is neither supported nor contradicted; certainty very low.
    """
    check_choice("comparison", comparison, ("between arms", "change over time"))
    check_choice("direction", direction, ("increase", "decrease"))
    cert = _certainty(certainty)
    if not k:
        why = f" ({not_pooled_reason})" if not_pooled_reason else ""
        return Verdict("cannot be assessed", NOT_RATED,
                       f"Cannot be assessed: no study reports the numbers needed to test the claim that {claim}{why}; "
                       "certainty not rated.")
    values = [estimate, ci_lb, ci_ub]
    if any(v is None or not math.isfinite(float(v)) for v in values):
        raise ExometaError("with k >= 1, `estimate`, `ci_lb` and `ci_ub` must be finite numbers.")
    est, lo, hi = (float(v) for v in values)
    shown = _estimate_text(measure, est, lo, hi, unit, level, k)
    cert_text = f"certainty {cert}"
    if comparison == "change over time" and causal:
        return Verdict("cannot be assessed", cert,
                       f"Cannot be assessed: the {k} stud{'y describes' if k == 1 else 'ies describe'} change over time in "
                       f"treated people ({shown}), which cannot show that the treatment caused it, so the claim that "
                       f"{claim} is neither supported nor contradicted; {cert_text}.")
    sign = 1 if direction == "increase" else -1
    lo_c, hi_c = sorted((sign * lo, sign * hi))          # the CI with the claimed direction positive
    t = None
    if threshold is not None:
        t = math.log(threshold) if measure in RATIO_MEASURES else float(threshold)
        t = sign * t
    effect = "change" if comparison == "change over time" else "effect"
    if lo_c > 0:
        status = "supported"
        if cert in _VERB:
            body = f"the treatment {_VERB[cert].format(d=direction)} {outcome}"
        else:
            body = f"the pooled {effect} favours the claim, but the evidence is very uncertain"
        return Verdict(status, cert, f"Supported ({cert} certainty): {body} ({shown}).")
    if hi_c < 0:
        body = (f"the pooled {effect} goes the other way ({shown})" if cert in _VERB else
                f"the pooled {effect} goes the other way ({shown}), though the evidence is very uncertain")
        return Verdict("contradicted", cert, f"Contradicted ({cert} certainty): {body}.")
    if t is not None and t > 0 and hi_c < t:
        return Verdict("contradicted", cert, f"Contradicted ({cert} certainty): the CI excludes an {effect} as large as the "
                                             f"claim implies ({_n(math.exp(sign * t) if measure in RATIO_MEASURES else sign * t)}"
                                             f"{' ' + unit if unit else ''}), though it includes no {effect} ({shown}).")
    return Verdict("cannot be assessed", cert,
                   f"Cannot be assessed: the evidence is inconclusive, its CI including both no {effect} and the "
                   f"{effect} claimed ({shown}), so the claim that {claim} is neither supported nor contradicted; {cert_text}.")


__all__ = ["claim_verdict", "Verdict", "STATUSES"]
