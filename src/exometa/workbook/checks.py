"""Checks across cells and rows: categories, required fields, ids, and numbers that
cannot all be true (a CI that misses its estimate, more events than people...).

Errors are things a methodologist would not analyse as entered (metafor stops
on events > n or a negative SD); warnings are things that limit what can be
done with a row (no SD: the row cannot be pooled without an assumption).
"""

from __future__ import annotations

import difflib
import math

import pandas as pd

from .problems import ERROR, WARNING
from .schema import OUTCOMES, SHEETS, STUDIES

MISSING_ID_WORDS = ("na", "n/a", "none", "null", "nan", "-")


def _label(record, labels=None):
    sid = record.get("study_id")
    if labels is not None and sid in labels:
        return labels[sid]
    return record.get("label") or sid


def _category(record, sheet, out, study):
    for c in SHEETS[sheet]:
        if c.kind != "category":
            continue
        value = record.get(c.name)
        if value is None:
            continue
        if value in c.choices:
            continue
        cell = record["_cells"].get(c.name)
        lowered = {x.lower(): x for x in c.choices}
        if value.lower() in lowered:
            record[c.name] = lowered[value.lower()]
            out.add(WARNING, sheet, cell, study, f"{c.name} {value!r} was read as {lowered[value.lower()]!r}.",
                    "Pick the value from the drop-down list to silence this.")
            continue
        near = difflib.get_close_matches(value, c.choices, n=1, cutoff=0.5)
        fix = (f"Did you mean {near[0]!r}? " if near else "") + "Allowed: " + "; ".join(c.choices) + "."
        out.add(ERROR, sheet, cell, study, f"{c.name} {value!r} is not a known value.", fix)
        record[c.name] = None


def _required(record, sheet, out, study):
    for c in SHEETS[sheet]:
        if c.required and record.get(c.name) is None and c.name in record["_cells"]:
            out.add(ERROR, sheet, record["_cells"][c.name], study, f"{c.name} is blank, but every row needs it.",
                    f"Fill it in ({c.description})")


def _flush(record, sheet, out, study):
    for level, cell, message, fix in record["_problems"]:
        out.add(level, sheet, cell or f"row {record['_row']}", study, message, fix)


def _study_checks(rows, out):
    seen = {}
    labels = {}
    for rec in rows:
        study = _label(rec)
        _flush(rec, STUDIES, out, study)
        _category(rec, STUDIES, out, study)
        _required(rec, STUDIES, out, study)
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
        n, reg = rec.get("n_enrolled"), rec.get("registry_enrolment")
        for name in ("n_enrolled", "registry_enrolment"):
            if rec.get(name) is not None and rec[name] <= 0:
                out.add(ERROR, STUDIES, rec["_cells"][name], study, f"{name} is {rec[name]}; a study has at least one participant.",
                        "Enter the number enrolled, or leave it blank if not reported.")
                rec[name] = None
        if n and reg and n != reg:
            out.add(WARNING, STUDIES, rec["_cells"]["registry_enrolment"], study,
                    f"the registry gives enrolment {reg}, the source {n}; the study is flagged as internally inconsistent.",
                    "Nothing to fix if both numbers are as reported; say what is known in 'inconsistencies'.")
    return labels


def _finite(x):
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _outcome_checks(rows, labels, out):
    for rec in rows:
        study = _label(rec, labels)
        cell = rec["_cells"]
        _flush(rec, OUTCOMES, out, study)
        _category(rec, OUTCOMES, out, study)
        _required(rec, OUTCOMES, out, study)
        sid = rec.get("study_id")
        if sid is not None and sid not in labels:
            near = difflib.get_close_matches(sid, list(labels), n=1)
            out.add(ERROR, OUTCOMES, cell.get("study_id"), sid, f"study_id {sid!r} is not on the studies sheet.",
                    (f"Did you mean {near[0]!r}? " if near else "") + "Add the study to the studies sheet or correct the id.")
        _number_checks(rec, out, study)


def _number_checks(rec, out, study):
    cell = rec["_cells"]
    g = rec.get

    def err(name, message, fix):
        out.add(ERROR, OUTCOMES, cell.get(name, f"row {rec['_row']}"), study, message, fix)
        rec[name] = None

    for name in ("sd", "se", "iqr"):
        if _finite(g(name)) and g(name) < 0:
            err(name, f"{name} is {g(name)}; a spread cannot be negative.", f"Enter the {name} as reported (without a minus sign), or leave it blank.")
    if _finite(g("n")):
        if g("n") <= 0:
            err("n", f"n is {g('n')}; numbers rest on at least one participant.", "Enter the number of participants analysed, or leave it blank.")
        elif _finite(g("events")) and g("events") > g("n"):
            err("events", f"events ({g('events')}) exceed n ({g('n')}).", "Check both numbers against the source.")
    if _finite(g("events")) and g("events") < 0:
        err("events", f"events is {g('events')}.", "Counts cannot be negative.")
    lo, hi = g("ci_lb"), g("ci_ub")
    if _finite(lo) and _finite(hi):
        if lo > hi:
            err("ci_lb", f"the CI runs backwards: ci_lb {lo} > ci_ub {hi}.", "Swap the two limits, or check them against the source.")
        else:
            est = g("mean") if _finite(g("mean")) else g("median")
            if _finite(est) and not lo <= est <= hi:
                err("ci_lb", f"the CI {lo} to {hi} does not contain its estimate {est}.",
                    "Check which numbers belong together; one of them is probably from another row or arm.")
    elif _finite(lo) != _finite(hi):
        name = "ci_ub" if _finite(lo) else "ci_lb"
        out.add(WARNING, OUTCOMES, cell.get(name), study, "only one limit of the CI is filled in; the CI is not used.",
                "Enter both limits, or neither.")
    order = [(k, g(k)) for k in ("min", "q1", "median", "q3", "max") if _finite(g(k))]
    for (a, x), (b, y) in zip(order, order[1:]):
        if x > y:
            err(b, f"{a} ({x}) is larger than {b} ({y}).", "min <= q1 <= median <= q3 <= max must hold; check the values.")
            break
    if _finite(g("p_value")) and not 0 <= g("p_value") <= 1:
        err("p_value", f"p_value is {g('p_value')}, outside 0 to 1.", "Enter the p-value as a proportion (0.03, not 3 or '3%').")
    if _finite(g("ci_level")) and not 50 <= g("ci_level") < 100:
        err("ci_level", f"ci_level is {g('ci_level')}.", "Give the level in percent, e.g. 95.")
    has_centre = _finite(g("mean")) or _finite(g("median"))
    has_spread = any(_finite(g(k)) for k in ("sd", "se", "ci_lb", "iqr", "q1", "min"))
    if has_centre and not has_spread and rec.get("outcome") not in ("enrolment",):
        out.add(WARNING, OUTCOMES, cell.get("mean") or cell.get("median"), study,
                "no SD, SE, CI or quartiles: this row cannot be pooled as reported.",
                "If the source gives a spread anywhere (table, figure, p-value), enter it; an analysis may instead borrow or derive one, and the study is then flagged as imputed.")


def check_rows(studies, study_rows, outcomes, outcome_rows, out) -> None:
    labels = _study_checks(study_rows, out)
    _outcome_checks(outcome_rows, labels, out)
    # the checks may have blanked or normalised values: refresh the tables
    for frame, rows, sheet in ((studies, study_rows, STUDIES), (outcomes, outcome_rows, OUTCOMES)):
        for c in SHEETS[sheet]:
            if len(rows):
                values = [r.get(c.name) for r in rows]
                if c.kind in ("integer", "number"):
                    frame[c.name] = pd.Series(values, dtype=float, index=frame.index)
                else:  # object dtype: text stays text, a blank stays None (pandas 3 would infer str and NaN)
                    frame[c.name] = pd.Series(values, dtype=object, index=frame.index)
