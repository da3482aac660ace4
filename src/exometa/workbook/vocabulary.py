"""The allowed values of every categorical column, and the review's own lists.

The ``lists`` sheet has one column per categorical field, headed
``sheet.column`` (e.g. ``outcomes.outcome``), with the allowed values below —
the drop-downs of a workbook written by exometa read from it.

- For the review's lists (:attr:`Column.review_list <exometa.workbook.schema.Column>`:
  ``outcomes.outcome``, ``studies.condition``, ``studies.intervention_type``)
  the lists sheet decides: add "mortality" below ``outcomes.outcome`` and
  ``check`` accepts it. Without a lists sheet (or without that column) the
  schema's ``choices`` are assumed.
- exometa's own vocabularies (designs, arm roles, quantity, source type,
  publication status, verification, conflicts...) are fixed: flags, checks and
  analyses depend on their values. A lists sheet that adds to them gets a
  warning saying that its version is ignored.
"""

from __future__ import annotations

import difflib

from . import cells
from .problems import ERROR, WARNING
from .schema import LISTS, categorical, default_lists


def read_lists(book, out) -> dict[tuple[str, str], tuple[str, ...]]:
    """(sheet, column) -> allowed values, for every categorical column; problems go to ``out``."""
    allowed = default_lists()
    if LISTS not in book.sheets:
        return allowed
    columns = {(sheet, c.name): c for sheet, c in categorical()}
    header: dict[int, tuple[tuple[str, str], str]] = {}
    values: dict[int, list[tuple[str, str]]] = {}
    for number, _hidden, row in book.rows(LISTS):
        for j, cell in row.items():
            text = _text(cell, out)
            if text is None:
                continue
            if number == 1:
                key = _header_key(text, cell.ref, columns, header, out)
                if key:
                    header[j] = (key, cell.ref)
                    values[j] = []
            elif j in header:
                values[j].append((text, cell.ref))
    for j, (key, ref) in header.items():
        col = columns[key]
        if col.review_list:
            allowed[key] = _review_list(key, ref, values[j], out)
        else:
            _fixed_list(key, ref, col.choices, [v for v, _ in values[j]], out)
    return allowed


def _text(cell, out):
    if cell.error or cell.damaged:
        return None
    text = cells.parse_text(cell.value)
    long = cells.check_length(text, "this value")
    if long:
        out.add(ERROR, LISTS, cell.ref, None, long[2], long[3])
        return None
    return text


def _header_key(text, ref, columns, header, out):
    sheet, _, name = text.partition(".")
    key = (sheet.strip().lower(), name.strip().lower().replace(" ", "_"))
    if key not in columns:
        names = [f"{s}.{c}" for s, c in columns]
        near = difflib.get_close_matches(text, names, n=1)
        out.add(WARNING, LISTS, ref, None, f"the lists sheet's header {cells.quoted(text)} names no categorical column; its values are ignored.",
                (f"Did you mean '{near[0]}'? " if near else "") + "Headers are 'sheet.column', e.g. 'outcomes.outcome'.")
        return None
    if key in (k for k, _ in header.values()):
        first = next(r for k, r in header.values() if k == key)
        out.add(WARNING, LISTS, ref, None, f"the lists sheet has a second column headed '{key[0]}.{key[1]}' (the first is {first}); it is ignored.",
                "Keep one column per field; put all its values in it.")
        return None
    return key


def _review_list(key, ref, entries, out) -> tuple[str, ...]:
    name = f"{key[0]}.{key[1]}"
    if not entries:
        out.add(WARNING, LISTS, ref, None, f"the review's list '{name}' is empty, so no value of {key[1]} is allowed.",
                f"List the values this review uses below the header '{name}'.")
        return ()
    seen: dict[str, str] = {}
    kept = []
    for value, cell in entries:
        low = value.lower()
        if low in seen:
            out.add(WARNING, LISTS, cell, None, f"{cells.quoted(value)} is listed twice in '{name}' (also as {cells.quoted(seen[low])}).",
                    "Delete one of them.")
            continue
        seen[low] = value
        kept.append(value)
    return tuple(kept)


def _fixed_list(key, ref, choices, values, out) -> None:
    added = [v for v in values if v not in choices]
    if added:
        name = f"{key[0]}.{key[1]}"
        out.add(WARNING, LISTS, ref, None,
                f"the lists sheet adds {', '.join(map(cells.quoted, added[:5]))}{' ...' if len(added) > 5 else ''} to '{name}', "
                "which is exometa's own list: its values are fixed because flags, checks and analyses depend on them, so the lists "
                "sheet's version is ignored.",
                "Remove the added values (exometa new-workbook writes the list as it is); say more in the notes column instead.")
