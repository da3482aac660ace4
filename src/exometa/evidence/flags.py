"""Flags computed from the studies sheet, never typed by hand, each with its reason.

=====================  ======  =====================================================
flag                   symbol  raised when
=====================  ======  =====================================================
uncontrolled           U       no concurrent control arm: single-arm, case series,
                               retrospective series, case report, or no control
unverifiable           V       no publication can be located: the study is judged
                               unverifiable or likely fabricated, exists only as a
                               press report or marketing claim, or was seen only
                               through a secondary source and has no DOI
not_peer_reviewed      P       preprint, conference abstract, press report, claim
conflict_of_interest   C       industry sponsor, manufacturer-affiliated author, or
                               an undeclared conflict found elsewhere
small_sample           S       fewer than ``SMALL_N`` (30) participants enrolled
inconsistent           I       registry enrolment differs from the reported n, or
                               the sources disagree (the 'inconsistencies' column)
imputed                *       set by an analysis that derived or borrowed a number
=====================  ======  =====================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..workbook.schema import UNCONTROLLED_DESIGNS

SMALL_N = 30


@dataclass(frozen=True)
class Flag:
    name: str
    symbol: str
    title: str


FLAGS = (
    Flag("uncontrolled", "U", "uncontrolled (no concurrent control arm)"),
    Flag("unverifiable", "V", "unverifiable (no publication can be located)"),
    Flag("not_peer_reviewed", "P", "not peer reviewed"),
    Flag("conflict_of_interest", "C", "conflict of interest"),
    Flag("small_sample", "S", f"small sample (n < {SMALL_N})"),
    Flag("inconsistent", "I", "internally inconsistent"),
    Flag("imputed", "*", "rests on imputed or converted numbers"),
)
SYMBOLS = {f.name: f.symbol for f in FLAGS}


def flag_symbols(flags) -> str:
    """The symbols of a study's flags, in the fixed order of :data:`FLAGS`.

    >>> flag_symbols({"imputed": "...", "uncontrolled": "..."})
    'U*'
    """
    return "".join(f.symbol for f in FLAGS if f.name in flags)


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and x != x) or (isinstance(x, str) and not x.strip())


def study_flags(row) -> dict[str, str]:
    """The flags of one study (a row of the studies table) -> {flag: reason}.

    >>> study_flags({"design": "case report", "control_type": "none", "publication_status": "preprint",
    ...              "verification": "verified", "doi": "10.1/x", "coi": "not reported", "n_enrolled": 1})["uncontrolled"]
    'design is a case report'
    """
    g = row.get
    flags: dict[str, str] = {}
    design, control = g("design"), g("control_type")
    if design in UNCONTROLLED_DESIGNS:
        flags["uncontrolled"] = f"design is a {design}"
    elif control == "none":
        flags["uncontrolled"] = "no control arm"
    elif control == "unclear" and design not in ("RCT, parallel", "RCT, split-scalp", "meta-analysis"):
        flags["uncontrolled"] = "no concurrent control arm is described"
    verification, status = g("verification"), g("publication_status")
    ids = [k for k in ("doi", "pmid", "registry_id") if not _blank(g(k))]
    if verification in ("unverifiable", "likely fabricated"):
        flags["unverifiable"] = f"judged {verification}" + (f": {g('verification_evidence')}" if not _blank(g("verification_evidence")) else "")
    elif status in ("press report", "marketing claim"):
        flags["unverifiable"] = f"exists only as a {status}"
    elif verification == "verified via secondary source" and _blank(g("doi")):
        flags["unverifiable"] = "seen only through a secondary source, with no DOI" + ("" if ids else ", PMID or registry id")
    elif not ids and verification != "verified":
        flags["unverifiable"] = "no DOI, PMID or registry id"
    if status in ("preprint", "conference abstract", "press report", "marketing claim"):
        flags["not_peer_reviewed"] = status
    coi = g("coi")
    if coi in ("industry sponsor", "manufacturer-affiliated author", "undeclared conflict found elsewhere"):
        flags["conflict_of_interest"] = coi + (f" ({g('funding')})" if not _blank(g("funding")) else "")
    n = g("n_enrolled")
    if not _blank(n) and n < SMALL_N:
        flags["small_sample"] = f"n = {int(n)}"
    reg = g("registry_enrolment")
    if not _blank(n) and not _blank(reg) and n != reg:
        flags["inconsistent"] = f"registry enrolment {int(reg)} vs reported n {int(n)}"
    if not _blank(g("inconsistencies")):
        flags["inconsistent"] = (flags.get("inconsistent", "") + "; " if "inconsistent" in flags else "") + g("inconsistencies")
    return flags


def flag_table(studies: pd.DataFrame) -> pd.DataFrame:
    """One row per study and flag: ``study_id, label, flag, symbol, reason``."""
    rows = []
    for rec in studies.to_dict("records"):
        for name, reason in study_flags(rec).items():
            rows.append({"study_id": rec.get("study_id"), "label": rec.get("label"), "flag": name,
                         "symbol": SYMBOLS[name], "reason": reason})
    return pd.DataFrame(rows, columns=["study_id", "label", "flag", "symbol", "reason"])
