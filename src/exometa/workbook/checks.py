"""Checks across cells and rows: categories, required fields, ids, and numbers that
cannot all be true (a CI that misses its estimate, more events than people...).

Errors are things a methodologist would not analyse as entered (metafor stops
on events > n or a negative SD); warnings are things that limit what can be
done with a row (no SD: the row cannot be pooled without an assumption).
This module checks the studies sheet and runs the others:
:mod:`~exometa.workbook.outcome_checks` and :mod:`~exometa.workbook.rob_checks`.
"""

from __future__ import annotations

import re

from .fields import categories, finite, flush, label, required, where
from .problems import ERROR, WARNING
from .schema import OUTCOMES, RISK_OF_BIAS, STUDIES

MISSING_ID_WORDS = ("na", "n/a", "none", "null", "nan", "-")
_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")
_EXCEL_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})T00:00:00")


def check_all(records: dict, lists: dict, out) -> None:
    """Check every sheet's records (values may be normalised or blanked where they cannot be used)."""
    from .outcome_checks import check_outcomes
    from .rob_checks import check_risk_of_bias

    labels, studies = _study_checks(records[STUDIES], lists, out)
    check_outcomes(records[OUTCOMES], labels, studies, lists, out)
    check_risk_of_bias(records[RISK_OF_BIAS], labels, studies, records[OUTCOMES], lists, out)


def _study_checks(rows, lists, out):
    seen, labels, by_id = {}, {}, {}
    for rec in rows:
        study = label(rec)
        flush(rec, STUDIES, out, study)
        categories(rec, STUDIES, out, study, lists)
        required(rec, STUDIES, out, study)
        _study_fields(rec, out, study)
        sid = rec.get("study_id")
        cell = rec["_cells"].get("study_id")
        if sid is None:
            continue
        if sid.lower() in MISSING_ID_WORDS:
            out.add(WARNING, STUDIES, cell, study, f"study_id {sid!r} looks like a missing-value code; it is kept as the text {sid!r}.",
                    "Use a real identifier (e.g. first author and year) to avoid confusion.")
        if sid in seen:
            out.add(ERROR, STUDIES, cell, study, f"study_id {sid!r} is used twice (also in {seen[sid]}).",
                    "Give each study its own id; outcomes would not know which study they belong to.")
            continue
        seen[sid] = cell
        labels[sid] = rec.get("label") or sid
        by_id[sid] = rec
    return labels, by_id


def _study_fields(rec, out, study) -> None:
    g = rec.get

    def err(name, message, fix, blank=True):
        out.add(ERROR, STUDIES, where(rec, name), study, message, fix)
        if blank:
            rec[name] = None

    def warn(name, message, fix):
        out.add(WARNING, STUDIES, where(rec, name), study, message, fix)

    for name in ("n_enrolled", "registry_enrolment", "n_analysed"):
        if finite(g(name)) and g(name) <= 0:
            err(name, f"{name} is {g(name)}; a study has at least one participant.", "Enter the number reported, or leave it blank if not reported.")
    n, reg, analysed = g("n_enrolled"), g("registry_enrolment"), g("n_analysed")
    if n and reg and n != reg:
        warn("registry_enrolment", f"the registry gives enrolment {reg}, the source {n}; the study is flagged as internally inconsistent.",
             "Nothing to fix if both numbers are as reported; say what is known in 'inconsistencies'.")
    if n and analysed and analysed > n:
        err("n_analysed", f"n_analysed ({analysed}) exceeds n_enrolled ({n}).", "More participants cannot be analysed than were enrolled; check both numbers.")
    for name in ("followup_weeks", "treatment_weeks"):
        if finite(g(name)) and g(name) < 0:
            err(name, f"{name} is {g(name)}; a duration cannot be negative.", "Enter the duration in weeks as reported.")
    if finite(g("year")) and not 1800 <= g("year") <= 2100:
        warn("year", f"year is {g('year')}.", "Enter the four-digit year of publication (or of the claim).")
    _registration(rec, g, err, warn)
    _claims(rec, g, err, warn)


def _registration(rec, g, err, warn) -> None:
    has_id = g("registry_id") is not None
    if g("record_type") == "registered trial" and not has_id:
        err("registry_id", "a registered trial needs its registry identifier.",
            "Enter the registry id (e.g. NCT01234567) so the record can be traced; record_type 'registered trial' is for trials known from a registry.",
            blank=False)
    if g("registration") == "not registered" and has_id:
        err("registration", f"registration is 'not registered', but registry_id is {g('registry_id')!r}.",
            "Set registration to 'prospective', 'retrospective' or 'unclear', or clear registry_id if it belongs to another trial.")
    elif g("registration") in ("prospective", "retrospective") and not has_id:
        warn("registration", f"registration is '{g('registration')}' but no registry_id is given.", "Enter the registry id that shows it.")
    if g("registry_status") is not None and not has_id:
        warn("registry_status", "registry_status is given without a registry_id.", "Enter the registry id the status was read from.")
    date = g("completion_date")
    if date is not None and not _DATE.fullmatch(date):
        m = _EXCEL_DATE.fullmatch(date)
        if m:
            rec["completion_date"] = m.group(1)
            warn("completion_date", f"completion_date was stored by Excel as a date; it was read as {m.group(1)}.",
                 "If the registry gives only a year or a month, format the cell as Text and type e.g. 2025-06.")
        else:
            err("completion_date", f"completion_date {date!r} is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD.",
                "Enter it as the registry gives it, e.g. 2025-06 (format the cell as Text so Excel keeps it).")


def _claims(rec, g, err, warn) -> None:
    seed = g("record_type") == "seed claim"
    if g("claim_assessment") is not None and not seed:
        err("claim_assessment", f"claim_assessment is for seed claims; this row is a {g('record_type') or 'record without record_type'}.",
            "Clear it, or set record_type to 'seed claim' if the row records a claim.")
    elif g("claim_assessment") is not None and g("claim_assessment_reason") is None:
        warn("claim_assessment_reason", f"claim_assessment is '{g('claim_assessment')}' without a reason.", "Say what was found, and where.")
    if g("claim_assessment_reason") is not None and g("claim_assessment") is None:
        warn("claim_assessment", "claim_assessment_reason is filled in but claim_assessment is blank.", "Choose the assessment the reason supports.")
    if g("claim_analysis") is not None and not seed:
        warn("claim_analysis", "claim_analysis names the analysis that answers a seed claim; this row is not a seed claim.",
             "Clear it, or set record_type to 'seed claim'.")
    if g("claim_analysis") is not None and g("claim_assessment") is not None:
        warn("claim_assessment", "both claim_analysis and claim_assessment are given; the analysis's verdict answers the claim.",
             "Keep claim_assessment for claims no analysis tests, and clear one of the two.")
