"""Trustworthiness checks of a workbook: every number tested against the numbers beside it.

:func:`check_workbook` runs the checks of :mod:`exometa.evidence.trust_checks`
on the ``studies`` and ``outcomes`` tables and returns one :class:`Finding` per
check and place, each with its arithmetic in words. Cochrane's INSPECT-SR
(2025) lists such checks among its checks of a study's results.

Which checks run on an outcomes row is decided by its ``data_type``:

==============  ==============================================================
data_type       checks
==============  ==============================================================
integer         GRIM (mean), GRIMMER (SD), and every continuous check
continuous      (also blank) SD vs range, SD vs quartiles, SD that looks like
                an SE, CI symmetry, recomputed p-value
binary          GRIM for the percentage (or proportion) of n, DEBIT for its SD,
                recomputed p-value
==============  ==============================================================

Checks across rows and of the studies sheet: two-sample p-values from the
arms' rows, standardised differences between arms and from baseline (SD that
looks like an SE), baseline similarity in randomised trials, arms that add up
to their total and stay within the enrolment, registry vs reported enrolment,
and registered outcomes not reported.

A check that cannot run for want of a number is not listed, except a p-value
with nothing beside it to recompute it from, which is listed as
"cannot check" (a reader should know that it rests on the authors' word).

Examples
--------
>>> import pandas as pd
>>> studies = pd.DataFrame({"study_id": ["EV04"], "n_enrolled": [16]})
>>> outcomes = pd.DataFrame({"study_id": ["EV04"], "outcome": ["other"], "arm": ["single group"],
...                          "quantity": ["value"], "data_type": ["binary"], "n": [16], "mean": [80.0], "unit": ["%"]})
>>> [f.verdict for f in check_workbook(studies, outcomes)]
['fails', 'passes']
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

import pandas as pd

from . import trust_rows as tr
from .trust_checks import (  # the checks on plain numbers, re-exported: exometa.evidence.trust.grim(...) works
    CheckResult, arm_totals, baseline_similarity, check_p_ci, check_p_mean, check_p_statistic, check_p_two_means,
    ci_symmetry, debit, grim, grim_percent, grimmer, registered_outcomes, registry_n, sd_looks_like_se, sd_quartiles,
    sd_range,
)

FINDING_COLUMNS = ["study_id", "check", "outcome", "where", "verdict", "detail"]


@dataclass(frozen=True)
class Finding:
    """One check at one place of the workbook.

    Attributes
    ----------
    study_id : str
    check : str
        "GRIM", "GRIMMER", "DEBIT", "p-value", "CI symmetry", "SD vs range",
        "SD vs quartiles", "SD looks like SE", "baseline similarity",
        "arm totals", "n within enrolment", "registry n", "registered outcomes".
    outcome : str
        The outcome concerned ("" for checks of the whole study).
    where : str
        Sheet and row(s), e.g. "outcomes row 14".
    verdict : str
        "fails", "passes" or "cannot check".
    detail : str
        The arithmetic in words. A p-value whose recomputed value falls on the
        other side of alpha (statcheck's decision error) starts "Decision error:".
    """

    study_id: str
    check: str
    outcome: str
    where: str
    verdict: str
    detail: str

    @classmethod
    def of(cls, result: CheckResult, study_id, outcome, where) -> Finding:
        return cls(str(study_id), result.check, outcome or "", where, result.verdict, result.detail)


# --- the workbook ----------------------------------------------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict]:
    if frame is None or len(frame) == 0:
        return []
    recs = frame.to_dict("records")
    for i, r in enumerate(recs):
        r["_index"] = i
    return recs


def _study_findings(sid, study, rows) -> list[Finding]:
    found: list[Finding] = []

    def add(result, used, outcome=None):
        outcome = outcome if outcome is not None else (tr.get(used[0], "outcome") or "")
        found.append(Finding.of(result, sid, outcome, tr.where(used)))

    for r in rows:
        for result in tr.granularity(r) + tr.spread(r) + tr.ci(r):
            add(result, [r])
    for result, r in _with_enrolled_n(study, rows):
        add(result, [r])
    for group in tr.groups(rows).values():
        pair = tr.arm_pair(group)
        for r in group:
            checked = tr.p_value(r, pair)
            if checked:
                add(*checked)
        for result, used in tr.between_arms(group):
            add(result, used)
        total = tr.totals(group)
        if total:
            add(*total)
    for group in tr.by_outcome(rows).values():
        for result, used in tr.from_baseline(group):
            add(result, used)
    if study is None:
        return found
    found += _study_level(sid, study, rows)
    if str(tr.get(study, "randomised") or "") == "yes":
        base = tr.baseline(rows)
        if base:
            add(base[0], base[1], outcome="baseline")
    enrol = tr.within_enrolment(study, rows)
    if enrol:
        add(replace(enrol[0], check="n within enrolment"), enrol[1], outcome="")
    return found


def _with_enrolled_n(study, rows) -> list:
    """GRIM, DEBIT and the SD checks of a one-group row without n, run with the study's enrolled n.

    Such a row's n is unknown: the source does not say how many were analysed. The
    checks are run as if every enrolled participant was, and each says so. A GRIM or
    DEBIT failure is "cannot check" -- the number is impossible only if nobody dropped
    out -- with the arithmetic, so that a reader sees what it implies (80% of 16 is
    impossible, of 15 it is 12); the SD checks do not depend on n and keep their verdict.
    """
    enrolled = tr.get(study, "n_enrolled") if study is not None else None
    if enrolled is None or tr.get(study, "n_analysed") is not None:
        return []
    out = []
    for r in rows:
        if tr.has(r, "n") or r.get("arm") not in ("single group", "all participants"):
            continue
        trial = dict(r, n=enrolled)
        grain = tr.granularity(trial)
        for result in grain + tr.spread(trial):
            if result.verdict == "cannot check":
                continue
            proviso = (f" This assumes all {enrolled:g} enrolled were analysed: the source does not give the number "
                       "analysed.")
            if result.fails and result in grain:  # GRIM and DEBIT depend on n; the SD checks' verdicts do not
                result = replace(result, verdict="cannot check", detail=f"with the {enrolled:g} enrolled, {result.detail}"
                                 + proviso + " Either fewer were analysed, or the number is wrong.")
            else:
                result = replace(result, detail=f"with the {enrolled:g} enrolled, {result.detail}" + proviso)
            out.append((result, r))
    return out


def _study_level(sid, study, rows) -> list[Finding]:
    where = f"studies row {_study_row(study)}"
    out = []
    if tr.get(study, "registry_enrolment") is not None:
        out.append(Finding.of(registry_n(tr.get(study, "n_enrolled"), study["registry_enrolment"]), sid, "", where))
    if tr.get(study, "registered_outcomes") is not None:
        reported = [tr.get(r, "outcome") or "" for r in rows]
        reported += [tr.get(r, "quote") or "" for r in rows if tr.get(r, "outcome") == "other"]
        out.append(Finding.of(registered_outcomes(study["registered_outcomes"], reported), sid, "", where))
    return out


def _study_row(study) -> int:
    return int(study["excel_row"]) if tr.get(study, "excel_row") is not None else int(study["_index"]) + 2


def check_workbook(studies: pd.DataFrame, outcomes: pd.DataFrame) -> list[Finding]:
    """Every trustworthiness check that the workbook's numbers allow, study by study.

    Parameters
    ----------
    studies, outcomes : pandas.DataFrame
        The workbook's sheets as :func:`exometa.read_workbook` gives them
        (columns a workbook lacks may be absent). With an ``excel_row`` column
        the findings name the Excel rows; otherwise row = position + 2.

    Returns
    -------
    list of Finding
        In the order of the studies sheet, then of the rows checked.
    """
    study_recs = _records(studies)
    by_id = {str(s.get("study_id")): s for s in study_recs}
    rows_by_study: dict[str, list] = {}
    for r in _records(outcomes):
        rows_by_study.setdefault(str(r.get("study_id")), []).append(r)
    order = list(by_id) + [sid for sid in rows_by_study if sid not in by_id]
    findings = []
    for sid in order:
        found = _study_findings(sid, by_id.get(sid), rows_by_study.get(sid, []))
        findings += sorted(found, key=lambda f: (f.where.startswith("outcomes"), _first_row(f.where)))
    return findings


def _first_row(where: str) -> int:
    digits = re.search(r"\d+", where)
    return int(digits.group()) if digits else 0


def findings_frame(findings) -> pd.DataFrame:
    """Findings as a tidy table: ``study_id, check, outcome, where, verdict, detail``."""
    return pd.DataFrame([asdict(f) for f in findings], columns=FINDING_COLUMNS)


def trust_summary(findings, studies: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per study for a report's trustworthiness table.

    Columns ``study_id, label, checks, fails, passes, cannot_check, failed``
    (the checks that failed, e.g. "GRIM (outcomes row 14); registry n").

    >>> f = [Finding("EV04", "GRIM", "other", "outcomes row 14", "fails", "..."),
    ...      Finding("EV04", "GRIM", "other", "outcomes row 15", "passes", "...")]
    >>> trust_summary(f).to_dict("records")[0]["failed"]
    'GRIM (outcomes row 14)'
    >>> trust_summary(f)[["checks", "fails", "passes"]].values.tolist()
    [[2, 1, 1]]
    """
    labels = {}
    if studies is not None and "study_id" in studies.columns and "label" in studies.columns:
        labels = dict(zip(studies["study_id"].astype(str), studies["label"]))
    rows = {}
    for f in findings:
        r = rows.setdefault(f.study_id, {"study_id": f.study_id, "label": labels.get(f.study_id, f.study_id), "checks": 0,
                                         "fails": 0, "passes": 0, "cannot_check": 0, "failed": []})
        r["checks"] += 1
        r[{"fails": "fails", "passes": "passes"}.get(f.verdict, "cannot_check")] += 1
        if f.verdict == "fails":
            r["failed"].append(f"{f.check} ({f.where})")
    for r in rows.values():
        r["failed"] = "; ".join(r["failed"])
    return pd.DataFrame(list(rows.values()), columns=["study_id", "label", "checks", "fails", "passes", "cannot_check", "failed"])


__all__ = ["Finding", "check_workbook", "findings_frame", "trust_summary", "FINDING_COLUMNS", "CheckResult", "grim",
           "grim_percent", "grimmer", "debit", "check_p_statistic", "check_p_ci", "check_p_mean", "check_p_two_means",
           "ci_symmetry", "sd_range", "sd_quartiles", "sd_looks_like_se", "baseline_similarity", "arm_totals",
           "registry_n", "registered_outcomes"]
