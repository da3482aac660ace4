"""Counts that must agree: arms and their total, the registry and the report, and the
outcomes a registry entry promised against those the report gives.

>>> arm_totals({"treatment": 19, "control": 19}, 34).verdict
'fails'
>>> registry_n(20, 24).detail
'the report gives n = 20 and the registry 24: 4 more in the registry (20% of the reported n). A registry figure may be an estimate made before enrolment; the report should say why they differ.'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .result import CheckResult, fmt, need_count

#: outcome names too generic to show that a registered outcome was reported
GENERIC_OUTCOMES = ("other", "enrolment", "")


def arm_totals(arms: Mapping[str, float], total, total_name: str = "the total", at_most: bool = False) -> CheckResult:
    """Do the arms' n add up to the total (or, with ``at_most``, not exceed it, e.g. those enrolled)?

    Examples
    --------
    >>> print(arm_totals({"treatment": 19, "control": 19}, 34).detail)
    the arms hold 19 (treatment) + 19 (control) = 38, but the total is 34.
    >>> arm_totals({"treatment": 17, "control": 17}, 38, "enrolled", at_most=True).verdict
    'passes'
    """
    ns = {k: need_count(f"arms[{k!r}]", v, 0) for k, v in arms.items()}
    total = need_count("total", total, 0)
    if total is None or not ns or any(v is None for v in ns.values()):
        return CheckResult("arm totals", "cannot check", "the arms' n or the total is not reported.")
    s = sum(ns.values())
    if len(ns) == 1:
        text = f"the rows give n = {s} ({next(iter(ns))})"
    else:
        text = f"the arms hold {' + '.join(f'{v} ({k})' for k, v in ns.items())} = {s}"
    if s == total:
        return CheckResult("arm totals", "passes", f"{text}, which is {total_name} ({total}).")
    if at_most and s < total:
        return CheckResult("arm totals", "passes", f"{text}, {total - s} fewer than {total_name} ({total}): losses to follow-up, "
                                                   "which the report should account for.")
    if at_most:
        return CheckResult("arm totals", "fails", f"{text}, more than {total_name} ({total}).")
    return CheckResult("arm totals", "fails", f"{text}, but {total_name} is {total}.")


def registry_n(reported, registry) -> CheckResult:
    """Does the reported n agree with the registry's enrolment?

    Examples
    --------
    >>> registry_n(38, 38).verdict, registry_n(20, 24).verdict
    ('passes', 'fails')
    """
    reported, registry = need_count("reported", reported, 0), need_count("registry", registry, 0)
    if reported is None or registry is None:
        missing = "the reported n" if reported is None else "the registry's enrolment"
        return CheckResult("registry n", "cannot check", f"{missing} is not known.")
    if reported == registry:
        return CheckResult("registry n", "passes", f"the report and the registry both give n = {reported}.")
    gap = registry - reported
    share = f" ({fmt(100 * abs(gap) / reported, 1)}% of the reported n)" if reported else ""
    direction = "more" if gap > 0 else "fewer"
    return CheckResult("registry n", "fails", f"the report gives n = {reported} and the registry {registry}: {abs(gap)} {direction} "
                                              f"in the registry{share}. A registry figure may be an estimate made before "
                                              "enrolment; the report should say why they differ.")


def _norm(text) -> str:
    return re.sub(r"[^a-z0-9µ]+", " ", str(text).lower()).strip()


def split_outcomes(registered) -> list[str]:
    """The registry's outcomes from a ';'-separated cell (or a list).

    >>> split_outcomes("hair density; hair thickness;")
    ['hair density', 'hair thickness']
    """
    items = registered if isinstance(registered, (list, tuple)) else str(registered or "").split(";")
    return [s.strip() for s in items if str(s).strip()]


def registered_outcomes(registered, reported: Iterable[str]) -> CheckResult:
    """Does the report give every outcome the registry entry lists?

    A registered outcome counts as reported when a reported outcome's name
    occurs in its text or its text occurs in a reported outcome's name or
    description (case and punctuation ignored): "Change in hair density at
    week 24" is reported by an outcome named "hair density".

    Examples
    --------
    >>> print(registered_outcomes("Change in hair density at week 24; Global photographic assessment",
    ...                           ["hair density"]).detail)
    the registry lists 2 outcome(s); not reported: 'Global photographic assessment' (reported: 'Change in hair density at week 24').
    """
    wanted = split_outcomes(registered)
    if not wanted:
        return CheckResult("registered outcomes", "cannot check", "no registered outcomes are recorded.")
    have = {_norm(r) for r in reported if _norm(r) not in GENERIC_OUTCOMES}
    found, missing = [], []
    for w in wanted:
        nw = _norm(w)
        (found if any(h in nw or nw in h for h in have) else missing).append(w)
    head = f"the registry lists {len(wanted)} outcome(s)"
    if missing:
        tail = f" (reported: {', '.join(map(repr, found))})" if found else " (none of them is reported)"
        return CheckResult("registered outcomes", "fails", f"{head}; not reported: {', '.join(map(repr, missing))}{tail}.")
    return CheckResult("registered outcomes", "passes", f"{head}; every one is reported.")
