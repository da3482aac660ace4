"""The claims summary at the top of the report: every seed claim, what the evidence says about it,
at what certainty, and the best evidence for it.

A seed claim is a studies-sheet row with record_type "seed claim" (its ``claim``
and ``seed``). It is answered either by an analysis (``claim_analysis``, the
analysis file's name): that analysis's verdict, certainty and evidence; or by
the reviewer (``claim_assessment`` with ``claim_assessment_reason``), e.g. a
citation that was checked and not found. A claim that names an analysis this
report does not hold, or that has neither, says so: no claim is left out.

>>> import pandas as pd
>>> studies = pd.DataFrame({"study_id": ["C1"], "label": ["Pilot"], "record_type": ["seed claim"], "seed": ["001"],
...                         "claim": ["A 2021 pilot found +28%."], "claim_assessment": ["citation not found"],
...                         "claim_assessment_reason": ["no publication found"]})
>>> [(r.status, r.evidence) for r in claim_rows(studies, {})]
[('citation not found', 'no publication found')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SEED_CLAIM = "seed claim"


def _text(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x).strip()


@dataclass(frozen=True)
class ClaimRow:
    """One seed claim and its answer."""

    study_id: str
    label: str
    seed: str
    claim: str
    status: str  # "supported", "contradicted", "cannot be assessed", "citation not found", ...
    certainty: str  # GRADE certainty, or "not rated"
    evidence: str  # the best evidence, or the reviewer's reason
    analysis: str = ""  # the analysis that answers it ("" = the reviewer's assessment)


def best_evidence(res) -> str:
    """The evidence an analysis rests on, in a phrase: its studies and pooled result, or why there is none."""
    g, fit = res.grade, res.main
    if fit.result is None or fit.k == 0:
        return f"{res.spec.title}: no study reports numbers that can be pooled."
    from ..analysis.verdict import estimate_text

    design = g.design if g is not None and g.design else ("study" if fit.k == 1 else "studies")
    n = f", {g.participants:,.0f} participants" if g is not None and g.participants else ""
    return f"{res.spec.title}: {fit.k} {design}{n}; {res.spec.info.title} {estimate_text(res)}."


def answer(res) -> tuple[str, str, str]:
    """(verdict status, certainty, best evidence) of an analysis result, for the claims it answers."""
    return getattr(res.claim, "status", "") or "not assessed", res.certainty or "not rated", best_evidence(res)


def claim_rows(studies, answers: dict) -> list[ClaimRow]:
    """Every seed claim of the studies sheet, in its order, answered (``answers``: analysis name ->
    (status, certainty, best evidence), see :func:`answer`)."""
    rows = []
    for rec in studies.to_dict("records"):
        if rec.get("record_type") != SEED_CLAIM:
            continue
        base = dict(study_id=_text(rec.get("study_id")), label=_text(rec.get("label")), seed=_text(rec.get("seed")),
                    claim=_text(rec.get("claim")) or _text(rec.get("label")))
        name = _text(rec.get("claim_analysis"))
        assessed = _text(rec.get("claim_assessment"))
        reason = _text(rec.get("claim_assessment_reason"))
        if name and name in answers:
            status, certainty, evidence = answers[name]
            rows.append(ClaimRow(**base, status=status, certainty=certainty, evidence=evidence, analysis=name))
        elif name:
            rows.append(ClaimRow(**base, status="not assessed", certainty="not rated",
                                 evidence=f"the analysis '{name}' that answers this claim is not in this report "
                                          "(no analysis file of that name was run)", analysis=""))
        elif assessed:
            rows.append(ClaimRow(**base, status=assessed, certainty="not rated", evidence=reason or "no reason given"))
        else:
            rows.append(ClaimRow(**base, status="not assessed", certainty="not rated",
                                 evidence="no analysis answers this claim and the reviewer has not assessed it"))
    return rows


__all__ = ["ClaimRow", "claim_rows", "answer", "best_evidence"]
