"""Checks of one field at a time, shared by every sheet: categories, required cells, parse problems."""

from __future__ import annotations

import difflib
import math

from . import cells
from .problems import ERROR, WARNING
from .schema import LISTS, SHEETS


def finite(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def label(record, labels=None):
    sid = record.get("study_id")
    if labels is not None and sid in labels:
        return labels[sid]
    return record.get("label") or sid


def flush(record, sheet, out, study) -> None:
    """Report the problems found while the record's cells were parsed."""
    for level, cell, message, fix in record["_problems"]:
        out.add(level, sheet, cell or f"row {record['_row']}", study, message, fix)


def categories(record, sheet, out, study, lists) -> None:
    """Each categorical value must be allowed: exometa's list, or the review's own (lists sheet)."""
    for c in SHEETS[sheet]:
        if c.kind != "category":
            continue
        value = record.get(c.name)
        if value is None:
            continue
        allowed = lists[(sheet, c.name)]
        if value in allowed:
            continue
        cell = record["_cells"].get(c.name)
        lowered = {x.lower(): x for x in allowed}
        if value.lower() in lowered:
            record[c.name] = lowered[value.lower()]
            out.add(WARNING, sheet, cell, study, f"{c.name} {cells.quoted(value)} was read as {lowered[value.lower()]!r}.",
                    "Pick the value from the drop-down list to silence this.")
            continue
        near = difflib.get_close_matches(value, allowed, n=1, cutoff=0.5)
        hint = f"Did you mean {near[0]!r}? " if near else ""
        if c.review_list:
            name = f"{sheet}.{c.name}"
            listed = "; ".join(allowed) if allowed else "nothing yet"
            out.add(ERROR, sheet, cell, study, f"{c.name} {cells.quoted(value)} is not in this review's list.",
                    f"{hint}Allowed (sheet '{LISTS}', column '{name}'): {listed}. If {cells.quoted(value)} belongs to this "
                    f"review, add it below the header '{name}' on the '{LISTS}' sheet.")
        else:
            out.add(ERROR, sheet, cell, study, f"{c.name} {cells.quoted(value)} is not a known value.", f"{hint}Allowed: " + "; ".join(allowed) + ".")
        record[c.name] = None
        record.setdefault("_rejected", set()).add(c.name)  # reported once, not again as blank


def required(record, sheet, out, study) -> None:
    for c in SHEETS[sheet]:
        if (c.required and record.get(c.name) is None and c.name in record["_cells"]
                and c.name not in record.get("_rejected", ())):
            out.add(ERROR, sheet, record["_cells"][c.name], study, f"{c.name} is blank, but every row needs it.",
                    f"Fill it in ({c.description})")


def where(record, name) -> str:
    """The cell of a field, or the row when the column is absent (an older workbook)."""
    return record["_cells"].get(name) or f"row {record['_row']}"
