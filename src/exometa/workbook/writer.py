"""Writing workbooks: a new empty review, or rows into the format, safely.

Every write goes to a temporary file beside the target and replaces it in one
``os.replace``; an existing file is first copied to ``NAME.bak.xlsx``. Text is
defused against formula injection. Files are deterministic: the same rows give
byte-identical files (fixed document dates, fixed zip timestamps).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..export import defuse
from .schema import DICTIONARY, LISTS, OUTCOMES, SHEETS, STUDIES

FIXED_TIME = dt.datetime(2026, 1, 1)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
REQUIRED_FILL = PatternFill("solid", fgColor="F6D7B0")


def _categorical():
    """(sheet, column) of every categorical field, in the order of the lists sheet."""
    return [(sheet, c) for sheet, columns in SHEETS.items() for c in columns if c.kind == "category"]


def _list_ranges() -> dict[tuple[str, str], str]:
    """The lists-sheet range holding each categorical field's allowed values."""
    ranges = {}
    for col, (sheet, c) in enumerate(_categorical(), start=1):
        letter = get_column_letter(col)
        ranges[(sheet, c.name)] = f"{LISTS}!${letter}$2:${letter}${len(c.choices) + 1}"
    return ranges


def _lists_sheet(wb) -> None:
    """One column per categorical field, read by the drop-downs."""
    ws = wb.create_sheet(LISTS)
    for col, (sheet, c) in enumerate(_categorical(), start=1):
        letter = get_column_letter(col)
        ws.cell(1, col, f"{sheet}.{c.name}").font = Font(bold=True)
        for i, choice in enumerate(c.choices, start=2):
            ws.cell(i, col, choice)
        ws.column_dimensions[letter].width = max(14, max(len(x) for x in c.choices) + 2)


def _data_sheet(wb, sheet, rows, ranges, max_rows=1000):
    ws = wb.create_sheet(sheet)
    columns = SHEETS[sheet]
    for j, c in enumerate(columns, start=1):
        cell = ws.cell(1, j, c.name)
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if c.required else HEADER_FILL
        text = c.description + (" Required." if c.required else "")
        if c.choices:
            text += " One of: " + "; ".join(c.choices) + "."
        comment = Comment(text, "exometa")
        comment.width, comment.height = 300, 120
        cell.comment = comment
        width = 12 if c.kind in ("integer", "number") else 18
        ws.column_dimensions[get_column_letter(j)].width = max(width, len(c.name) + 2)
    for i, row in enumerate(rows, start=2):
        for j, c in enumerate(columns, start=1):
            value = row.get(c.name)
            if value is None or value == "":
                continue
            ws.cell(i, j, defuse(value) if isinstance(value, str) else value)
    for j, c in enumerate(columns, start=1):
        if c.kind == "category":
            dv = DataValidation(type="list", formula1=f"={ranges[(sheet, c.name)]}", allow_blank=not c.required)
            dv.error = f"{c.name} must be one of the values in the drop-down list (sheet '{LISTS}')."
            dv.errorTitle = f"Unknown {c.name}"
            dv.showErrorMessage = True
            letter = get_column_letter(j)
            dv.add(f"{letter}2:{letter}{max_rows}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "C2" if sheet == STUDIES else "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
    return ws


def _dictionary_sheet(wb):
    ws = wb.create_sheet(DICTIONARY)
    header = ("sheet", "column", "type", "required", "allowed values", "description", "example")
    for j, h in enumerate(header, start=1):
        ws.cell(1, j, h).font = Font(bold=True)
    r = 2
    for sheet, columns in SHEETS.items():
        for c in columns:
            values = (sheet, c.name, c.kind, "yes" if c.required else "", "; ".join(c.choices), c.description, c.example)
            for j, v in enumerate(values, start=1):
                ws.cell(r, j, v).alignment = Alignment(wrap_text=j in (5, 6), vertical="top")
            r += 1
    for letter, width in zip("ABCDEFG", (10, 22, 10, 9, 40, 70, 24)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def build(studies: list[dict] | None = None, outcomes: list[dict] | None = None) -> Workbook:
    """An openpyxl Workbook in the exometa format, holding the given rows."""
    wb = Workbook()
    wb.remove(wb.active)
    ranges = _list_ranges()
    _data_sheet(wb, STUDIES, studies or [], ranges)
    _data_sheet(wb, OUTCOMES, outcomes or [], ranges)
    _dictionary_sheet(wb)
    _lists_sheet(wb)
    wb.properties.creator = "exometa"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = "exometa"
    return wb


def _normalise_zip(path: Path) -> None:
    """Rewrite the archive with fixed member timestamps and document dates (deterministic bytes).

    openpyxl stamps ``dcterms:modified`` with the time of saving; it is reset here.
    """
    with zipfile.ZipFile(path) as zin:
        members = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    members = [
        (name, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data) if name == "docProps/core.xml" else data)
        for name, data in members
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)


def save_atomic(wb: Workbook, path) -> Path | None:
    """Save ``wb`` to ``path`` atomically; returns the backup path if a file was replaced."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix=".exometa-", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        _normalise_zip(Path(tmp))
        backup = None
        if path.exists():
            backup = path.with_name(path.stem + ".bak" + path.suffix)
            shutil.copy2(path, backup)
        os.replace(tmp, path)
        return backup
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def new_workbook(path, overwrite: bool = False) -> Path:
    """Write an empty workbook with the sheets, dictionary and drop-downs.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "review.xlsx"
    >>> new_workbook(p).name
    'review.xlsx'
    """
    from ..errors import ExometaError

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ExometaError(f"{path}: a new workbook must be an .xlsx file.")
    if path.exists() and not overwrite:
        raise ExometaError(f"{path} already exists; choose another name (nothing was written).")
    save_atomic(build(), path)
    return path


__all__ = ["build", "new_workbook", "save_atomic", "OUTCOMES", "STUDIES"]
