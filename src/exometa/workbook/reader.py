"""``read_workbook``: read and check ``studies.xlsx`` without ever modifying it.

Every problem is collected (none stops the reading of the rest) and reported
with file, sheet, cell, study and fix. Errors mean a number or row cannot be
used as it stands; warnings say what was assumed or what will be left out.

Reading imports neither pandas nor openpyxl: the sheets are streamed
(:mod:`exometa.workbook.xlsx`) into plain records, and the pandas tables
``Workbook.studies``, ``.outcomes`` and ``.risk_of_bias`` are built the first
time they are asked for. ``exometa check`` therefore starts in a few tens of
milliseconds.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import ExometaError
from . import cells, checks
from .problems import ERROR, WARNING, Collector, Problem, summary_line
from .review_sheet import read_review
from .safety import preflight
from .schema import NUMERIC_KINDS, OPTIONAL_SHEETS, OUTCOMES, REVIEW, RISK_OF_BIAS, SHEETS, STUDIES, LISTS
from .vocabulary import read_lists
from .xlsx import XlsxArchive, column_letter


@dataclass(frozen=True, eq=False)
class Workbook:
    """What was read, and every problem found.

    Attributes
    ----------
    path : Path
    problems : tuple of Problem
        Errors and warnings, in sheet and row order.
    rows : dict
        Sheet name -> tuple of records (dicts with ``excel_row`` and every
        column of the sheet, None where blank): the tables without pandas.
    lists : dict
        ``(sheet, column) -> tuple`` of allowed values for every categorical
        column: the review's own lists from the ``lists`` sheet, and exometa's
        fixed vocabularies.
    review : dict
        Key -> value from the ``review`` sheet (title, question, population,
        intervention, comparator, outcomes, authors); {} without one.
    columns : dict
        Sheet name -> {column name: Excel column letter} as found in the file.

    ``studies``, ``outcomes`` and ``risk_of_bias`` are pandas DataFrames (an
    ``excel_row`` column, then the schema's columns), built on first use.
    """

    path: Path
    problems: tuple
    rows: dict
    lists: dict
    review: dict
    columns: dict

    @cached_property
    def studies(self):
        return _frame(self.rows[STUDIES], STUDIES)

    @cached_property
    def outcomes(self):
        return _frame(self.rows[OUTCOMES], OUTCOMES)

    @cached_property
    def risk_of_bias(self):
        return _frame(self.rows[RISK_OF_BIAS], RISK_OF_BIAS)

    def cell(self, sheet: str, column: str, excel_row: int) -> str | None:
        """The Excel reference (e.g. 'H14') of a value, for messages; None if the column is absent."""
        letter = self.columns.get(sheet, {}).get(column)
        return f"{letter}{int(excel_row)}" if letter else None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(f"{self.path.name}: {summary_line(self.problems)}.")
        return "\n".join(lines)


class WorkbookError(ExometaError):
    """A workbook with errors was used where a clean one is needed; carries every problem."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        super().__init__("\n".join(str(p) for p in workbook.errors))


def _suggest(name: str, candidates) -> str | None:
    """The expected column a stray header most likely means: a word of it, else the closest spelling."""
    words = set(name.replace("-", "_").split("_"))
    for c in candidates:
        if c in words or c.replace("_", "") == name.replace("_", ""):
            return c
    near = difflib.get_close_matches(name, list(candidates), n=1)
    return near[0] if near else None


def _headers(row: dict, sheet: str, out: Collector) -> dict[str, int]:
    """Column name -> column index from row 1, reporting odd headers."""
    expected = {c.name: c for c in SHEETS[sheet]}
    entries = []
    for j in sorted(row):
        cell = row[j]
        raw = cells.parse_text(cell.value) if not (cell.error or cell.damaged) else None
        if raw is not None:
            entries.append((j, cell.ref, raw, raw.strip().lower().replace(" ", "_")))
    missing = [n for n in expected if n not in {e[3] for e in entries}]
    found: dict[str, int] = {}
    for j, ref, raw, name in entries:
        if name in found:
            out.add(ERROR, sheet, ref, None, f"the header {cells.quoted(raw)} appears twice (also in column {column_letter(found[name])}).",
                    "Rename or delete one of the two columns; exometa would not know which to read.")
            continue
        if name not in expected:
            guess = _suggest(name, missing) or _suggest(name, expected)
            hint = f"Did you mean '{guess}'? Rename the header to it." if guess else "It is ignored; see the dictionary sheet for the columns exometa reads."
            out.add(WARNING, sheet, ref, None, f"unknown column header {cells.quoted(raw)}.", hint)
            continue
        if raw != name:
            out.add(WARNING, sheet, ref, None, f"header {cells.quoted(raw)} was read as '{name}'.", f"Rename it to '{name}'.")
        found[name] = j
    for c in SHEETS[sheet]:
        if c.required and c.name not in found:
            out.add(ERROR, sheet, "row 1", None, f"the required column '{c.name}' is missing.",
                    f"Add a column headed '{c.name}' ({c.description})")
    return found


def _missing_sheet(book, sheet, out) -> None:
    near = difflib.get_close_matches(sheet, list(book.sheets), n=1)
    fix = f"Rename sheet '{near[0]}' to '{sheet}'." if near else f"Add a sheet named '{sheet}' (see `exometa new-workbook`)."
    out.add(ERROR, sheet, None, None, f"the sheet '{sheet}' is missing.", fix)


def _read_sheet(book: XlsxArchive, sheet: str, out: Collector):
    """Records of one sheet (dicts of parsed values with their cells and problems), and its header."""
    if sheet not in book.sheets:
        if sheet not in OPTIONAL_SHEETS:
            _missing_sheet(book, sheet, out)
        return [], {}
    if book.state(sheet) != "visible":
        out.add(WARNING, sheet, None, None, f"the sheet '{sheet}' is hidden; it was read all the same.",
                "Unhide it (right-click a sheet tab > Unhide) so that reviewers see what is analysed.")
    columns = {c.name: c for c in SHEETS[sheet]}
    names = tuple(columns)
    header: dict[str, int] = {}
    name_of: dict[int, str] = {}
    letters: dict[str, str] = {}
    records = []
    seen_any = header_seen = False
    for number, hidden, row in book.rows(sheet):
        seen_any = True
        if number == 1:
            header, header_seen = _headers(row, sheet, out), True
            name_of = {j: name for name, j in header.items()}
            letters = {name: column_letter(j) for name, j in header.items()}
            continue
        present = [(name_of[j], cell) for j, cell in row.items() if j in name_of and not _blank(cell)]
        if not present:
            continue  # blank row (or content only outside the known columns)
        record = dict.fromkeys(names)
        record.update({"_row": number, "_cells": CellRefs(letters, number), "_problems": []})
        if hidden:
            record["_problems"].append((WARNING, None, f"row {number} is hidden; it was read like any other row.",
                                        "Unhide it so that what is analysed can be seen."))
        for name, cell in present:
            record[name] = _value(cell, columns[name], record["_problems"])
        records.append(record)
    if not header_seen and (seen_any or sheet not in OPTIONAL_SHEETS):
        _headers({}, sheet, out)  # no header row: every required column is missing
    for rng in book.merged.get(sheet, []):
        out.add(ERROR, sheet, rng, None, f"cells {rng} are merged.", "Unmerge them (Home > Merge & Center) and put one value in each cell.")
    return records, header


class CellRefs:
    """Column name -> Excel reference ('H14') of one record's cells, computed when asked for."""

    __slots__ = ("letters", "row")

    def __init__(self, letters: dict, row: int):
        self.letters, self.row = letters, row

    def get(self, name, default=None):
        letter = self.letters.get(name)
        return f"{letter}{self.row}" if letter else default

    def __getitem__(self, name):
        return f"{self.letters[name]}{self.row}"

    def __contains__(self, name) -> bool:
        return name in self.letters

    def items(self):
        return ((name, f"{letter}{self.row}") for name, letter in self.letters.items())


def _blank(cell) -> bool:
    return cell is None or cell.blank or (isinstance(cell.value, str) and not cell.value.strip() and not cell.formula)


def _value(cell, col, problems: list):
    """The value of one cell as its column's type; problems are appended as (level, cell, message, fix)."""
    if cell is None:
        return None
    name, ref = col.name, cell.ref
    if cell.damaged:
        problems.append((ERROR, ref, f"{name}: {cell.damaged}.", "The file may be damaged: retype the value in Excel or LibreOffice."))
        return None
    if cell.error:
        problems.append((ERROR, ref, f"{name} is the Excel error {cell.error}.", "Replace it with the value the source reports, or leave it blank."))
        return None
    if cell.formula and cell.value is None:
        problems.append((ERROR, ref, f"{name} is the formula {cells.clip(cell.formula)} with no saved result.",
                         "Open and save the file in Excel or LibreOffice so the result is stored, or type the value itself."))
        return None
    long = cells.check_length(cell.value, name)
    if long:
        problems.append((long[1], ref, long[2], long[3]))
        return None
    if col.kind in NUMERIC_KINDS:
        if cell.formula:
            problems.append((WARNING, ref, f"{name} is computed by the formula {cells.clip(cell.formula)} (= {cell.value}).",
                             "Enter the number as the source reports it; derived numbers belong in the analysis, where they are flagged."))
        v, level, message, fix = cells.parse_number(cell.value, name, integer=col.kind == "integer")
        if level:
            problems.append((level, ref, message, fix))
        return v
    return cells.parse_text(cell.value)


def _public(records, sheet) -> tuple:
    names = [c.name for c in SHEETS[sheet]]
    return tuple({"excel_row": r["_row"], **{n: r.get(n) for n in names}} for r in records)


def _frame(rows, sheet):
    import pandas as pd

    names = [c.name for c in SHEETS[sheet]]
    frame = pd.DataFrame({n: pd.Series([r[n] for r in rows], dtype=object) for n in names}, columns=names)
    for c in SHEETS[sheet]:
        if c.kind in NUMERIC_KINDS:
            frame[c.name] = pd.Series([r[c.name] for r in rows], dtype=float)
    frame.insert(0, "excel_row", pd.Series([r["excel_row"] for r in rows], dtype="int64"))
    return frame


def read_workbook(path) -> Workbook:
    """Read and check a workbook; never modifies it.

    Returns a :class:`Workbook` with the ``studies``, ``outcomes`` and
    ``risk_of_bias`` tables, the review's ``lists`` and ``review`` sheet, and
    every problem found (``.errors``, ``.warnings``, ``.report()``). Files that
    are not safe, damaged or not .xlsx raise
    :class:`~exometa.workbook.safety.UnsafeWorkbookError`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from exometa.workbook.writer import new_workbook
    >>> wb = read_workbook(new_workbook(pathlib.Path(tempfile.mkdtemp()) / "review.xlsx"))
    >>> wb.ok, len(wb.studies), wb.lists[("outcomes", "outcome")][:2]
    (True, 0, ('primary outcome', 'secondary outcome'))
    """
    path = preflight(path)
    out = Collector(path.name)
    records, headers = {}, {}
    with XlsxArchive(path) as book:
        for sheet in SHEETS:
            records[sheet], headers[sheet] = _read_sheet(book, sheet, out)
        lists = read_lists(book, out)
        review = read_review(book, out)
    checks.check_all(records, lists, out)
    problems = tuple(sorted(out.items, key=_order))
    columns = {sheet: {name: column_letter(j) for name, j in h.items()} for sheet, h in headers.items()}
    rows = {sheet: _public(records[sheet], sheet) for sheet in SHEETS}
    return Workbook(path=path, problems=problems, rows=rows, lists=lists, review=review, columns=columns)


_SHEET_RANK = {REVIEW: 0, STUDIES: 1, OUTCOMES: 2, RISK_OF_BIAS: 3, LISTS: 4}


def _order(p: Problem):
    row = 0
    if p.cell:
        digits = "".join(ch for ch in p.cell.split(":")[0] if ch.isdigit())
        row = int(digits) if digits else 0
    return (_SHEET_RANK.get(p.sheet, -1), row, p.cell or "")


__all__ = ["read_workbook", "Workbook", "WorkbookError"]
