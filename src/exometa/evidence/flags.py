"""Flags computed from the workbook, never typed by hand, each with its reason.

A flag says what limits the weight a study can carry. Each is raised by one
rule, from the study's row on the studies sheet, its rows on the outcomes sheet
and, for ``I``, the trustworthiness checks computed from its numbers:

=====================  ======  ===================================================================
flag                   symbol  raised when
=====================  ======  ===================================================================
uncontrolled           U       no concurrent control arm: the design is single-arm, a case series,
                               a retrospective series or a case report; or control_type is 'none';
                               or no control is described (control 'unclear') in a design that is
                               not randomised (a seed claim only when it describes participants). Reviews
                               and registered trials (no results of their own) are never U
unverifiable           V       no publication can be located: verification is 'unverifiable' or
                               'likely fabricated', or the study exists only as a press report or
                               a marketing claim (unless it is a seed claim verified to trace to a
                               located study). A study that exists but was read through another
                               source is *not* V (see H)
second_hand            H       every number was seen only second-hand: all the study's outcome
                               rows were read from a review, a press report, a registry aggregator
                               or a marketing claim (source_type); a study without outcome rows is
                               H when verification is 'verified via secondary source'
not_peer_reviewed      P       publication status is preprint, conference abstract, registry
                               entry, unpublished data, press report, marketing claim or unclear
conflict_of_interest   C       coi is an industry sponsor, a manufacturer-affiliated author, an
                               author who sells the treatment, the seller's own material, or an
                               undeclared conflict found elsewhere
small_sample           S       fewer than ``SMALL_N`` (30) participants per arm: the smallest arm
                               n on the outcome rows; without one, n_analysed (else n_enrolled)
                               divided by the number of arms (1 for a study flagged U; a
                               split-scalp trial's participants are in both arms; else the arms on
                               the outcome rows, at least 2); the reason says which
inconsistent           I       a contradiction that is documented or computed: the registry's
                               enrolment differs from the reported n; the sources disagree (the
                               'inconsistencies' column); or a trustworthiness check of the
                               study's numbers fails (GRIM, recomputed p-values...).
                               Retrospective registration is a risk-of-bias item, not an I flag
imputed                *       set by an analysis that derived or borrowed a number
=====================  ======  ===================================================================

Computed trustworthiness checks are passed in as *findings*: any objects with
the attributes ``study_id``, ``check``, ``verdict`` ("fails", "passes" or
"cannot check") and ``detail``; only "fails" raises ``I``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..workbook.schema import RANDOMISED_DESIGNS, UNCONTROLLED_DESIGNS, WITHIN_PERSON_DESIGNS

SMALL_N = 30
#: outcome-row sources that are not the study's own report
SECOND_HAND_SOURCES = ("secondary: review", "secondary: press report", "secondary: registry aggregator", "marketing claim")
NOT_PEER_REVIEWED = ("preprint", "conference abstract", "registry entry", "unpublished data", "press report", "marketing claim", "unclear")
CONFLICTS = ("industry sponsor", "manufacturer-affiliated author", "author sells the treatment", "seller's own material",
             "undeclared conflict found elsewhere")
#: arm roles whose n is the n of one arm
ARM_ROLES = ("treatment", "control", "single group")


@dataclass(frozen=True)
class Flag:
    name: str
    symbol: str
    title: str


FLAGS = (
    Flag("uncontrolled", "U", "uncontrolled (no concurrent control arm)"),
    Flag("unverifiable", "V", "unverifiable (no publication can be located)"),
    Flag("second_hand", "H", "numbers seen only second-hand"),
    Flag("not_peer_reviewed", "P", "not peer reviewed"),
    Flag("conflict_of_interest", "C", "conflict of interest"),
    Flag("small_sample", "S", f"small sample (n < {SMALL_N} per arm)"),
    Flag("inconsistent", "I", "internally inconsistent"),
    Flag("imputed", "*", "rests on imputed or converted numbers"),
)
SYMBOLS = {f.name: f.symbol for f in FLAGS}


def flag_symbols(flags) -> str:
    """The symbols of a study's flags, in the fixed order of :data:`FLAGS`.

    >>> flag_symbols({"imputed": "...", "uncontrolled": "...", "second_hand": "..."})
    'UH*'
    """
    return "".join(f.symbol for f in FLAGS if f.name in flags)


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and x != x) or (isinstance(x, str) and not x.strip())


def _records(table) -> list[dict]:
    """Rows of a DataFrame or an iterable of dicts, as dicts (None/NaN kept as they are)."""
    if table is None:
        return []
    if hasattr(table, "to_dict") and hasattr(table, "columns"):
        return table.to_dict("records")
    return [dict(r) for r in table]


def _n(x) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def study_flags(row, outcomes=None, findings=None) -> dict[str, str]:
    """The flags of one study -> {flag: reason}.

    Parameters
    ----------
    row : mapping
        The study's row of the studies sheet.
    outcomes : DataFrame or iterable of dicts, optional
        Outcome rows (only those of this study are used); they decide H and S.
        Without them H falls back on the study's verification and S on its n.
    findings : iterable, optional
        Trustworthiness checks (objects with ``study_id``, ``check``,
        ``verdict``, ``detail``); those that fail for this study raise I.

    Examples
    --------
    >>> study_flags({"design": "case report", "control_type": "none", "publication_status": "preprint",
    ...              "verification": "verified", "doi": "10.1/x", "coi": "not reported", "n_enrolled": 1})["uncontrolled"]
    'design is a case report'
    >>> rows = [{"study_id": "A", "arm": "single group", "n": 39, "source_type": "secondary: press report"}]
    >>> study_flags({"study_id": "A", "design": "case series", "verification": "verified via secondary source",
    ...              "publication_status": "peer-reviewed article"}, rows)["second_hand"]
    'every number on its 1 outcome row was read second-hand (secondary: press report)'
    """
    g = row.get
    sid = g("study_id")
    mine = [o for o in _records(outcomes) if sid is None or o.get("study_id") == sid]
    flags: dict[str, str] = {}
    for name, rule in (("uncontrolled", _uncontrolled), ("unverifiable", _unverifiable), ("second_hand", _second_hand),
                       ("not_peer_reviewed", _not_peer_reviewed), ("conflict_of_interest", _conflict),
                       ("small_sample", _small_sample), ("inconsistent", _inconsistent)):
        reason = rule(g, mine, outcomes is not None, findings)
        if reason:
            flags[name] = reason
    return flags


def _uncontrolled(g, *_):
    if g("record_type") in ("review", "registered trial"):
        return None  # a review pools other studies; a registration holds no results to weigh
    design, control = g("design"), g("control_type")
    if design in UNCONTROLLED_DESIGNS:
        return f"design is a {design}"
    if control == "none":
        return "no control arm"
    # a seed claim about no participants at all (a byline, a general statement) is not a study without a control
    describes_study = g("record_type") != "seed claim" or not _blank(g("n_enrolled"))
    if control == "unclear" and describes_study and design not in RANDOMISED_DESIGNS + ("meta-analysis",):
        return "no concurrent control arm is described"
    return None


def _unverifiable(g, *_):
    verification, status = g("verification"), g("publication_status")
    if verification in ("unverifiable", "likely fabricated"):
        evidence = g("verification_evidence")
        return f"judged {verification}" + (f": {evidence}" if not _blank(evidence) else "")
    if status in ("press report", "marketing claim") and not (
            g("record_type") == "seed claim" and verification in ("verified", "verified via secondary source")):
        return f"no publication can be located: it exists only as a {status}"
    return None


def _second_hand(g, mine, given, _findings):
    sourced = [o.get("source_type") for o in mine if not _blank(o.get("source_type"))]
    if sourced:
        if all(s in SECOND_HAND_SOURCES for s in sourced):
            kinds = ", ".join(sorted(set(sourced)))
            return f"every number on its {len(sourced)} outcome row{'s' * (len(sourced) != 1)} was read second-hand ({kinds})"
        return None
    if g("verification") == "verified via secondary source":
        why = "it has no outcome rows" if given else "its outcome rows were not consulted"
        return f"seen only through a secondary source (verification; {why})"
    return None


def _not_peer_reviewed(g, *_):
    status = g("publication_status")
    if status in NOT_PEER_REVIEWED:
        return "publication status unclear" if status == "unclear" else status
    return None


def _conflict(g, *_):
    coi = g("coi")
    if coi in CONFLICTS:
        return coi + (f" ({g('funding')})" if not _blank(g("funding")) else "")
    return None


def _small_sample(g, mine, *_):
    if g("record_type") == "review" or g("design") == "meta-analysis":
        return None  # a review's n counts the participants of many studies
    arms = [(o["n"], o.get("arm"), o.get("outcome")) for o in mine
            if o.get("arm") in ARM_ROLES and not _blank(o.get("n"))]
    if arms:
        n, arm, outcome = min(arms, key=lambda a: a[0])
        if n >= SMALL_N:
            return None
        if arm == "single group":
            return f"n = {_n(n)} in the single group ({outcome})"
        return f"smallest arm n = {_n(n)} ({arm} arm, {outcome})"
    total, which = (g("n_analysed"), "n_analysed") if not _blank(g("n_analysed")) else (g("n_enrolled"), "n_enrolled")
    if _blank(total):
        return None
    n_arms, how = _arm_count(g, mine)
    per_arm = total / n_arms
    if per_arm < SMALL_N:
        if n_arms == 1:
            return f"{which} {_n(total)} in {how}"
        return f"{which} {_n(total)} over {n_arms} arms = {_n(per_arm)} per arm ({how}; no per-arm n on the outcome rows)"
    return None


def _arm_count(g, mine) -> tuple[int, str]:
    design = g("design")
    if _uncontrolled(g):
        return 1, "a single group"
    if design in WITHIN_PERSON_DESIGNS:
        return 1, f"a within-person trial ({design}), where every participant is in both arms"
    named = {(o.get("arm"), o.get("arm_label")) for o in mine if o.get("arm") in ("treatment", "control")}
    if len(named) >= 2:
        return len(named), f"{len(named)} arms on the outcome rows"
    return 2, "two arms assumed"


def _inconsistent(g, _mine, _given, findings):
    reasons = []
    n, reg = g("n_enrolled"), g("registry_enrolment")
    if not _blank(n) and not _blank(reg) and n != reg:
        reasons.append(f"registry enrolment {_n(reg)} vs reported n {_n(n)}")
    if not _blank(g("inconsistencies")):
        reasons.append(g("inconsistencies"))
    sid = g("study_id")
    for f in findings or ():
        if getattr(f, "check", None) == "registry n" and reasons and reasons[0].startswith("registry enrolment"):
            continue  # already said, from the studies sheet
        if getattr(f, "verdict", None) == "fails" and (sid is None or getattr(f, "study_id", None) == sid):
            reasons.append(f"{f.check}: {f.detail}")
    return "; ".join(reasons) or None


def flag_records(studies, outcomes=None, findings=None) -> list[dict]:
    """One dict per study and flag: ``study_id, label, flag, symbol, reason`` (no pandas needed)."""
    outcome_rows = _records(outcomes) if outcomes is not None else None
    by_study: dict = {}
    for o in outcome_rows or ():
        by_study.setdefault(o.get("study_id"), []).append(o)
    findings = list(findings or ())
    rows = []
    for rec in _records(studies):
        mine = by_study.get(rec.get("study_id"), []) if outcome_rows is not None else None
        for name, reason in study_flags(rec, mine, findings).items():
            rows.append({"study_id": rec.get("study_id"), "label": rec.get("label"), "flag": name,
                         "symbol": SYMBOLS[name], "reason": reason})
    return rows


def flag_table(studies, outcomes=None, findings=None):
    """One row per study and flag: a DataFrame with ``study_id, label, flag, symbol, reason``.

    ``studies`` and ``outcomes`` are the workbook's tables (DataFrames or
    iterables of dicts); pass the outcomes so that H and S are judged from the
    outcome rows, and the trustworthiness findings so that failed checks raise I.
    """
    import pandas as pd

    return pd.DataFrame(flag_records(studies, outcomes, findings), columns=["study_id", "label", "flag", "symbol", "reason"])
