"""The ``review`` sheet: what the review asks (title, question, PICO, authors), for the report.

Two columns, ``key`` and ``value``; keys are those of
:data:`~exometa.workbook.schema.REVIEW_KEYS`. The sheet is optional (older
workbooks lack it); when present, a missing title or question is a warning
because the report then falls back on a generic wording.
"""

from __future__ import annotations

import difflib

from . import cells
from .problems import ERROR, WARNING
from .schema import REVIEW, REVIEW_KEYS, REVIEW_KEYS_EXPECTED
from .xlsx_stream import column_letter


def read_review(book, out) -> dict[str, str]:
    """key -> value from the review sheet ({} when the workbook has none)."""
    if REVIEW not in book.sheets:
        return {}
    review: dict[str, str] = {}
    where: dict[str, str] = {}  # key -> its cell
    value_at: dict[str, str] = {}  # key -> the cell of its value
    key_col = value_col = None
    for number, _hidden, row in book.rows(REVIEW):
        if number == 1:
            heads = {j: (cells.parse_text(c.value) or "").strip().lower() for j, c in row.items()}
            key_col = next((j for j, h in heads.items() if h == "key"), None)
            value_col = next((j for j, h in heads.items() if h == "value"), None)
            continue
        if key_col is None or value_col is None:
            break
        key_cell, value_cell = row.get(key_col), row.get(value_col)
        key = (cells.parse_text(key_cell.value) or "").strip().lower().replace(" ", "_") if key_cell else ""
        value = cells.parse_text(value_cell.value) if value_cell else None
        if not key:
            if value is not None:
                out.add(WARNING, REVIEW, value_cell.ref, None, "a value without a key; it is ignored.", "Put the key (e.g. 'title') beside it.")
            continue
        if key not in REVIEW_KEYS:
            near = difflib.get_close_matches(key, list(REVIEW_KEYS), n=1)
            out.add(WARNING, REVIEW, key_cell.ref, None, f"unknown key {cells.quoted(key)}; it is ignored.",
                    (f"Did you mean '{near[0]}'? " if near else "") + "Keys: " + ", ".join(REVIEW_KEYS) + ".")
            continue
        if key in where:
            out.add(ERROR, REVIEW, key_cell.ref, None, f"the key '{key}' appears twice (also in {where[key]}).",
                    "Keep one row per key; the report would not know which to use.")
            continue
        where[key] = key_cell.ref
        value_at[key] = value_cell.ref if value_cell is not None else f"{column_letter(value_col)}{number}"
        long = cells.check_length(value, key)
        if long:
            out.add(ERROR, REVIEW, value_cell.ref, None, long[2], long[3])
            continue
        if value is not None:
            review[key] = value
    if key_col is None or value_col is None:
        out.add(ERROR, REVIEW, "row 1", None, "the review sheet needs the headers 'key' and 'value' in row 1; it was not read.",
                "Head column A 'key' and column B 'value' (exometa new-workbook writes the sheet).")
        return {}
    for key in REVIEW_KEYS_EXPECTED:
        if key not in review:
            out.add(WARNING, REVIEW, value_at.get(key, "row 1"), None, f"the review's {key} is not filled in; the report uses a generic {key}.",
                    f"Enter it in the value column beside '{key}' ({REVIEW_KEYS[key]})")
    return review
