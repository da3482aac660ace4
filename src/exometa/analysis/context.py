"""What every analysis of one workbook shares, computed once per workbook: the trustworthiness
checks, each study's flags, the risk-of-bias assessment, the registered trials without results,
and the workbook's checksum.

:func:`workbook_context` computes it the first time it is asked for a workbook
and returns the same object afterwards (while that workbook object lives), so
running ten analyses runs :func:`~exometa.evidence.trust.check_workbook` once.

Flags (:func:`exometa.evidence.flags.study_flags`) are computed with the study's
outcome rows (they decide H, second-hand, and S, small sample per arm) and the
trustworthiness findings (a failed check raises I).

**Registered trials without results** are the studies-sheet rows with
record_type "registered trial" (a registration whose results would be a study
row of their own). One bears on an analysis when the analysis lists it
(``[grade] registered_trials``) or, when the analysis lists none, when all of:

- its condition is one the analysis studies (any, when the analysis does not
  restrict ``include.condition``, or when the trial gives none);
- its ``registered_outcomes`` (separated by ';') name one of the analysis's
  outcomes (case-insensitive, as words inside an entry), or are not recorded;
- its intervention type is among those the analysis studies (any, when the
  analysis does not restrict ``include.intervention_type``, or the trial gives none).

A trial whose registry status is "not yet recruiting", "recruiting" or
"withdrawn" is listed but not counted as missing evidence: it has no results
yet, or never will have any.
"""

from __future__ import annotations

import hashlib
import math
import re
import weakref
from dataclasses import dataclass, field

from ..evidence.flags import study_flags
from ..evidence.rob import RobAssessment, read_risk_of_bias
from ..evidence.trust import check_workbook

NOT_MISSING_STATUSES = ("not yet recruiting", "recruiting", "withdrawn")
REGISTERED = "registered trial"


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, str) and not x.strip())


@dataclass(frozen=True)
class RegisteredTrial:
    """A registered trial with no results in the workbook."""

    study_id: str
    label: str
    registry_id: str
    condition: str
    planned_n: float | None  # registry enrolment (else n_enrolled)
    status: str
    completion_date: str
    registered_outcomes: str

    @property
    def missing(self) -> bool:
        """True when its results are missing (not merely not due yet, or never to come)."""
        return self.status not in NOT_MISSING_STATUSES


@dataclass(frozen=True, eq=False)
class WorkbookContext:
    """Workbook-level results shared by every analysis (see the module docstring)."""

    findings: tuple  # Finding, every trustworthiness check of the workbook
    flags: dict  # study_id -> {flag: reason}
    rob: RobAssessment | None
    registered: tuple  # RegisteredTrial
    sha256: str = ""
    studies: dict = field(default_factory=dict)  # study_id -> studies-sheet record

    def findings_of(self, study_ids) -> list:
        ids = set(study_ids)
        return [f for f in self.findings if f.study_id in ids]


_CACHE: dict = {}


def _records(frame) -> list[dict]:
    return [] if frame is None else frame.to_dict("records")


def _text(x) -> str:
    if _blank(x):
        return ""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x).strip()


def _number(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def registered_trials(studies) -> tuple:
    out = []
    for rec in _records(studies):
        if rec.get("record_type") != REGISTERED:
            continue
        n = _number(rec.get("registry_enrolment"))
        out.append(RegisteredTrial(
            study_id=_text(rec.get("study_id")), label=_text(rec.get("label")) or _text(rec.get("study_id")),
            registry_id=_text(rec.get("registry_id")), condition=_text(rec.get("condition")),
            planned_n=n if n is not None else _number(rec.get("n_enrolled")), status=_text(rec.get("registry_status")),
            completion_date=_text(rec.get("completion_date")), registered_outcomes=_text(rec.get("registered_outcomes"))))
    return tuple(out)


def file_sha256(path) -> str:
    """The SHA-256 of a file's bytes, or '' when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except (OSError, TypeError):
        return ""


def build_context(workbook) -> WorkbookContext:
    """Compute the context of a workbook (use :func:`workbook_context`, which caches it)."""
    studies, outcomes = workbook.studies, workbook.outcomes
    findings = tuple(check_workbook(studies, outcomes))
    rows: dict = {}
    for o in _records(outcomes):
        rows.setdefault(o.get("study_id"), []).append(o)
    records = {rec["study_id"]: rec for rec in _records(studies)}
    flags = {sid: study_flags(rec, rows.get(sid, []), findings) for sid, rec in records.items()}
    sheet = getattr(workbook, "risk_of_bias", None)
    rob = read_risk_of_bias(sheet, studies) if sheet is not None and len(sheet) else None
    return WorkbookContext(findings, flags, rob, registered_trials(studies), file_sha256(getattr(workbook, "path", None)),
                           records)


def workbook_context(workbook) -> WorkbookContext:
    """The :class:`WorkbookContext` of ``workbook``, computed once per workbook object."""
    key = id(workbook)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is workbook:
        return hit[1]
    ctx = build_context(workbook)
    try:
        ref = weakref.ref(workbook, lambda _r, k=key: _CACHE.pop(k, None))
    except TypeError:  # an object that cannot be weakly referenced: not cached
        return ctx
    _CACHE[key] = (ref, ctx)
    return ctx


def _words(text: str) -> str:
    return " " + re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip() + " "


def trials_for(spec, ctx: WorkbookContext) -> list[RegisteredTrial]:
    """The registered trials without results that bear on the analysis ``spec`` (module docstring)."""
    listed = spec.grade.registered_trials
    if listed is not None:
        return [t for t in ctx.registered if t.study_id in listed]
    out = []
    wanted = [_words(o) for o in spec.outcome]
    for t in ctx.registered:
        entries = [_words(e) for e in t.registered_outcomes.split(";") if e.strip()]
        by_outcome = not entries or any(w in e for w in wanted for e in entries)
        by_condition = not spec.include.condition or not t.condition or t.condition in spec.include.condition
        kind = _text(ctx.studies.get(t.study_id, {}).get("intervention_type"))
        by_intervention = not spec.include.intervention_type or not kind or kind in spec.include.intervention_type
        if by_outcome and by_condition and by_intervention:
            out.append(t)
    return out


__all__ = ["WorkbookContext", "RegisteredTrial", "workbook_context", "build_context", "registered_trials", "trials_for",
           "file_sha256", "NOT_MISSING_STATUSES"]
