"""``read_workbook``: read and check ``studies.xlsx`` without ever modifying it.

Every problem is collected (none stops the reading of the rest) and reported
with file, sheet, cell, study and fix. Errors mean a number or row cannot be
used as it stands; warnings say what was assumed or what will be left out.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ExometaError
from . import cells, checks
from .problems import ERROR, WARNING, Problem, summary_line
from .safety import preflight
from .schema import NUMERIC_KINDS, OUTCOMES, SHEETS, STUDIES


@dataclass(frozen=True, eq=False)
class Workbook:
    """What was read: one table per sheet (with the Excel row of each record) and the problems."""

    path: Path
    studies: pd.DataFrame
    outcomes: pd.DataFrame
    problems: tuple

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


class _Collector:
    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []

    def add(self, level, sheet, cell, study, message, fix=""):
        self.items.append(Problem(level, self.file, sheet, cell, study, message, fix))


def _load(path: Path):
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on extensions and validation are not the user's concern
        try:
            formulas = load_workbook(path, data_only=False, keep_links=False)
            values = load_workbook(path, data_only=True, keep_links=False)
        except Exception as exc:  # openpyxl raises many kinds on damaged files
            raise ExometaError(f"{path}: the workbook could not be read ({type(exc).__name__}: {exc}). "
                               "Re-save it from Excel or LibreOffice as .xlsx.") from None
    return formulas, values


def _suggest(name: str, candidates) -> str | None:
    """The expected column a stray header most likely means: a word of it, else the closest spelling."""
    words = set(name.replace("-", "_").split("_"))
    for c in candidates:
        if c in words or c.replace("_", "") == name.replace("_", ""):
            return c
    near = difflib.get_close_matches(name, list(candidates), n=1)
    return near[0] if near else None


def _headers(ws, sheet, out: _Collector):
    """Map column name -> column index from row 1, reporting odd headers."""
    expected = {c.name: c for c in SHEETS[sheet]}
    entries = []
    for cell in ws[1] if ws.max_row >= 1 else []:
        raw = cells.parse_text(cell.value)
        if raw is not None:
            entries.append((cell, raw, raw.strip().lower().replace(" ", "_")))
    missing = [n for n in expected if n not in {e[2] for e in entries}]
    found: dict[str, int] = {}
    for cell, raw, name in entries:
        ref = cell.coordinate
        if name in found:
            out.add(ERROR, sheet, ref, None, f"the header {raw!r} appears twice (also in column {ws.cell(1, found[name]).column_letter}).",
                    "Rename or delete one of the two columns; exometa would not know which to read.")
            continue
        if name not in expected:
            guess = _suggest(name, missing) or _suggest(name, expected)
            hint = f"Did you mean '{guess}'? Rename the header to it." if guess else "It is ignored; see the dictionary sheet for the columns exometa reads."
            out.add(WARNING, sheet, ref, None, f"unknown column header {raw!r}.", hint)
            continue
        if raw != name:
            out.add(WARNING, sheet, ref, None, f"header {raw!r} was read as '{name}'.", f"Rename it to '{name}'.")
        found[name] = cell.column
    for c in SHEETS[sheet]:
        if c.required and c.name not in found:
            out.add(ERROR, sheet, "row 1", None, f"the required column '{c.name}' is missing.",
                    f"Add a column headed '{c.name}' ({c.description})")
    return found


def _merged(ws, sheet, out):
    for rng in ws.merged_cells.ranges:
        out.add(ERROR, sheet, str(rng), None, f"cells {rng} are merged.",
                "Unmerge them (Home > Merge & Center) and put one value in each cell.")


def _read_sheet(formulas, values, sheet, out: _Collector):
    """Rows of one sheet as dicts of parsed values, plus the cell of each value."""
    if sheet not in values.sheetnames:
        near = difflib.get_close_matches(sheet, values.sheetnames, n=1)
        fix = f"Rename sheet '{near[0]}' to '{sheet}'." if near else f"Add a sheet named '{sheet}' (see `exometa new-workbook`)."
        out.add(ERROR, sheet, None, None, f"the sheet '{sheet}' is missing.", fix)
        return [], {}
    ws, wf = values[sheet], formulas[sheet]
    if ws.sheet_state != "visible":
        out.add(WARNING, sheet, None, None, f"the sheet '{sheet}' is hidden; it was read all the same.",
                "Unhide it (right-click a sheet tab > Unhide) so that reviewers see what is analysed.")
    _merged(ws, sheet, out)
    header = _headers(ws, sheet, out)
    columns = {c.name: c for c in SHEETS[sheet]}
    rows = []
    for r in range(2, ws.max_row + 1):
        raw = {name: ws.cell(r, j) for name, j in header.items()}
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in raw.values()):
            continue  # blank row
        record = {"_row": r, "_cells": {name: c.coordinate for name, c in raw.items()}, "_problems": []}
        if ws.row_dimensions[r].hidden:
            record["_problems"].append((WARNING, None, f"row {r} is hidden; it was read like any other row.",
                                        "Unhide it so that what is analysed can be seen."))
        for name, cell in raw.items():
            col = columns[name]
            fcell = wf.cell(r, cell.column)
            value = cell.value
            if isinstance(fcell.value, str) and fcell.value.startswith("=") and fcell.data_type == "f":
                if value is None:
                    record["_problems"].append((ERROR, cell.coordinate, f"{name} is the formula {fcell.value} with no saved result.",
                                                "Open and save the file in Excel or LibreOffice so the result is stored, or type the value itself."))
                    record[name] = None
                    continue
                if col.kind in NUMERIC_KINDS:
                    record["_problems"].append((WARNING, cell.coordinate, f"{name} is computed by the formula {fcell.value} (= {value}).",
                                                "Enter the number as the source reports it; derived numbers belong in the analysis, where they are flagged."))
            if cell.data_type == "e":
                record["_problems"].append((ERROR, cell.coordinate, f"{name} is the Excel error {value}.",
                                            "Replace it with the value the source reports, or leave it blank."))
                record[name] = None
                continue
            if col.kind in NUMERIC_KINDS:
                v, level, message, fix = cells.parse_number(value, name, integer=col.kind == "integer")
                if level:
                    record["_problems"].append((level, cell.coordinate, message, fix))
                record[name] = v
            else:
                record[name] = cells.parse_text(value)
        rows.append(record)
    return rows, header


def _frame(rows, sheet) -> pd.DataFrame:
    names = [c.name for c in SHEETS[sheet]]
    data = {n: [r.get(n) for r in rows] for n in names}
    frame = pd.DataFrame(data, dtype=object)
    for c in SHEETS[sheet]:
        if c.kind in NUMERIC_KINDS:
            frame[c.name] = frame[c.name].astype(float)
    frame.insert(0, "excel_row", [r["_row"] for r in rows])
    return frame


def read_workbook(path) -> Workbook:
    """Read and check a workbook; never modifies it.

    Returns a :class:`Workbook` with the ``studies`` and ``outcomes`` tables and
    every problem found (``.errors``, ``.warnings``, ``.report()``). Files that
    are not safe or not .xlsx raise :class:`~exometa.workbook.safety.UnsafeWorkbookError`.

    Examples
    --------
    >>> wb = read_workbook("studies.xlsx")   # doctest: +SKIP
    >>> print(wb.report())                   # doctest: +SKIP
    """
    path = preflight(path)
    out = _Collector(path.name)
    formulas, values = _load(path)
    study_rows, _ = _read_sheet(formulas, values, STUDIES, out)
    outcome_rows, _ = _read_sheet(formulas, values, OUTCOMES, out)
    studies = _frame(study_rows, STUDIES)
    outcomes = _frame(outcome_rows, OUTCOMES)
    checks.check_rows(studies, study_rows, outcomes, outcome_rows, out)
    problems = tuple(sorted(out.items, key=_order))
    return Workbook(path=path, studies=studies, outcomes=outcomes, problems=problems)


def _order(p: Problem):
    sheet_rank = {STUDIES: 0, OUTCOMES: 1}.get(p.sheet, -1)
    row = 0
    if p.cell:
        digits = "".join(ch for ch in p.cell.split(":")[0] if ch.isdigit())
        row = int(digits) if digits else 0
    return (sheet_rank, row, p.cell or "")


__all__ = ["read_workbook", "Workbook", "WorkbookError"]
