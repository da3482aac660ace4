"""Writing workbooks: a new review's template, or rows into the format, safely.

Every write goes to a temporary file beside the target and is moved into place
in one step, so a crash leaves the old file or the new one, never half of one.
A write replaces an existing file only when asked to (``overwrite=True``), and
then first copies it to ``NAME.exometa-bak.xlsx`` beside it: visible, opened by
double-click, and matched by the ``*.exometa-bak.xlsx`` line of ``.gitignore``
so that nobody commits it by accident. Nothing is written when only reading.

Text is stored exactly as given, as text cells: ``=2+3`` stays the text
``=2+3`` (a text cell is never evaluated), so rewriting a workbook never
changes a value. Files are deterministic: the same rows give byte-identical
files (fixed document dates, fixed zip timestamps).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from ..errors import ExometaError, OutputError
from .schema import (DICTIONARY, LISTS, OUTCOMES, REVIEW, REVIEW_KEYS, RISK_OF_BIAS, ROB_TOOLS, SHEETS, STUDIES,
                     categorical, default_lists)

FIXED_TIME = dt.datetime(2026, 1, 1)
HEADER_FILL = "DDE6F0"
REQUIRED_FILL = "F6D7B0"
#: rows of the lists sheet a review list's drop-down covers (room for the reviewer's own values)
REVIEW_LIST_ROWS = 200
BACKUP_SUFFIX = ".exometa-bak"
#: sheets written by ``build``, in order
SHEET_ORDER = (STUDIES, OUTCOMES, RISK_OF_BIAS, REVIEW, DICTIONARY, LISTS)


def backup_path(path) -> Path:
    """Where the previous version of ``path`` is kept when a write replaces it.

    >>> backup_path("reviews/studies.xlsx").as_posix()
    'reviews/studies.exometa-bak.xlsx'
    """
    path = Path(path)
    return path.with_name(path.stem + BACKUP_SUFFIX + path.suffix)


def _lists_for(lists) -> dict[tuple[str, str], tuple[str, ...]]:
    """Every categorical column's values: the template's, with the review's own lists given."""
    values = default_lists(template=True)
    fixed = {key for key in values if not _is_review(key)}
    for key, given in (lists or {}).items():
        if key in fixed:
            raise ExometaError(f"`lists` sets {key[0]}.{key[1]}, which is exometa's own list and cannot be changed; "
                               "give only the review's lists: " + ", ".join(f"{s}.{c}" for s, c in values if (s, c) not in fixed) + ".")
        if key not in values:
            raise ExometaError(f"`lists` names {key!r}, which is not a categorical column.")
        values[key] = tuple(given)
    return values


def _is_review(key) -> bool:
    return next(c for s, c in categorical() if (s, c.name) == key).review_list


def _list_ranges(values) -> dict[tuple[str, str], str]:
    """The lists-sheet range holding each categorical field's allowed values."""
    from openpyxl.utils import get_column_letter

    ranges = {}
    for col, (sheet, c) in enumerate(categorical(), start=1):
        letter = get_column_letter(col)
        last = REVIEW_LIST_ROWS if c.review_list else len(values[(sheet, c.name)]) + 1
        ranges[(sheet, c.name)] = f"{LISTS}!${letter}$2:${letter}${max(last, 2)}"
    return ranges


def _put(ws, row, col, value, sheet, name):
    """Write one value; text is kept as text, exactly (never read as a formula)."""
    cell = ws.cell(row, col)
    try:
        cell.value = value
    except ValueError as exc:  # openpyxl refuses characters XML cannot hold
        raise ExometaError(f"{sheet} row {row}, {name}: the text cannot be stored in a workbook ({exc}); "
                           "remove control characters from it.") from None
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _lists_sheet(wb, values) -> None:
    """One column per categorical field, read by the drop-downs and by ``exometa check``."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(LISTS)
    for col, (sheet, c) in enumerate(categorical(), start=1):
        letter = get_column_letter(col)
        ws.cell(1, col, f"{sheet}.{c.name}").font = Font(bold=True)
        for i, choice in enumerate(values[(sheet, c.name)], start=2):
            _put(ws, i, col, choice, LISTS, f"{sheet}.{c.name}")
        widest = max((len(x) for x in values[(sheet, c.name)]), default=10)
        ws.column_dimensions[letter].width = max(14, widest + 2, len(sheet) + len(c.name) + 3)
    ws.freeze_panes = "A2"


def _header_note(sheet, c, values) -> str:
    text = c.description + (" Required." if c.required else "")
    if c.review_list:
        text += f" One of this review's values (sheet '{LISTS}', column '{sheet}.{c.name}'; add your own there)."
    elif c.kind == "category":
        text += " One of: " + "; ".join(values[(sheet, c.name)]) + "."
    return text


def _data_sheet(wb, sheet, rows, values, ranges, max_rows=1000):
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(sheet)
    columns = SHEETS[sheet]
    for j, c in enumerate(columns, start=1):
        cell = ws.cell(1, j, c.name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=REQUIRED_FILL if c.required else HEADER_FILL)
        comment = Comment(_header_note(sheet, c, values), "exometa")
        comment.width, comment.height = 300, 120
        cell.comment = comment
        width = 12 if c.kind in ("integer", "number") else 18
        ws.column_dimensions[get_column_letter(j)].width = max(width, len(c.name) + 2)
    for i, row in enumerate(rows, start=2):
        for j, c in enumerate(columns, start=1):
            value = row.get(c.name)
            if value is None or value == "":
                continue
            _put(ws, i, j, value, sheet, c.name)
    for j, c in enumerate(columns, start=1):
        if c.kind == "category":
            dv = DataValidation(type="list", formula1=f"={ranges[(sheet, c.name)]}", allow_blank=not c.required)
            if c.review_list:  # the review's own list: a new value is allowed after a warning, and `check` asks for it in the lists sheet
                dv.errorStyle = "warning"
                dv.error = f"{c.name} is not in this review's list. Add it to sheet '{LISTS}', column '{sheet}.{c.name}'."
            else:
                dv.error = f"{c.name} must be one of the values in the drop-down list (sheet '{LISTS}')."
            dv.errorTitle = f"Unknown {c.name}"
            dv.showErrorMessage = True
            letter = get_column_letter(j)
            dv.add(f"{letter}2:{letter}{max_rows}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "C2" if sheet == STUDIES else "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
    return ws


def _review_sheet(wb, review) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font

    unknown = sorted(set(review or {}) - set(REVIEW_KEYS))
    if unknown:
        raise ExometaError(f"`review` has unknown key(s) {', '.join(unknown)}; keys: {', '.join(REVIEW_KEYS)}.")
    ws = wb.create_sheet(REVIEW)
    for j, head in enumerate(("key", "value"), start=1):
        ws.cell(1, j, head).font = Font(bold=True)
    for i, (key, description) in enumerate(REVIEW_KEYS.items(), start=2):
        cell = ws.cell(i, 1, key)
        comment = Comment(description, "exometa")
        comment.width, comment.height = 260, 80
        cell.comment = comment
        value = (review or {}).get(key)
        if value not in (None, ""):
            _put(ws, i, 2, value, REVIEW, key).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 90


def _allowed_text(sheet, c, values) -> str:
    if c.review_list:
        return f"this review's list (sheet '{LISTS}', column '{sheet}.{c.name}'), e.g. " + "; ".join(values[(sheet, c.name)][:4])
    if sheet == RISK_OF_BIAS and c.name == "domain":
        return " | ".join(f"{t.name}: " + "; ".join(f"{d} {n}" for d, n in t.domains.items()) for t in ROB_TOOLS.values())
    if sheet == RISK_OF_BIAS and c.name == "judgement":
        return " | ".join(f"{t.name}: " + "; ".join(t.judgements) for t in ROB_TOOLS.values())
    return "; ".join(values.get((sheet, c.name), ()))


def _dictionary_sheet(wb, values):
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(DICTIONARY)
    header = ("sheet", "column", "type", "required", "allowed values", "description", "example")
    for j, h in enumerate(header, start=1):
        ws.cell(1, j, h).font = Font(bold=True)
    entries = [(sheet, c.name, c.kind, "yes" if c.required else "", _allowed_text(sheet, c, values), c.description, c.example)
               for sheet, columns in SHEETS.items() for c in columns]
    entries += [(REVIEW, key, "text", "", "", description, "") for key, description in REVIEW_KEYS.items()]
    for r, entry in enumerate(entries, start=2):
        for j, v in enumerate(entry, start=1):
            _put(ws, r, j, v, DICTIONARY, header[j - 1]).alignment = Alignment(wrap_text=j in (5, 6), vertical="top")
    for letter, width in zip("ABCDEFG", (12, 22, 10, 9, 40, 70, 24)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def build(studies=None, outcomes=None, *, risk_of_bias=None, lists=None, review=None):
    """An openpyxl Workbook in the exometa format, holding the given rows.

    ``lists`` maps ``(sheet, column)`` of the review's own lists (e.g.
    ``("outcomes", "outcome")``) to their values; the others keep a neutral
    template. ``review`` maps review-sheet keys (``title``, ``question``...)
    to text.
    """
    from openpyxl import Workbook

    values = _lists_for(lists)
    ranges = _list_ranges(values)
    wb = Workbook()
    wb.remove(wb.active)
    _data_sheet(wb, STUDIES, list(studies or []), values, ranges)
    _data_sheet(wb, OUTCOMES, list(outcomes or []), values, ranges)
    _data_sheet(wb, RISK_OF_BIAS, list(risk_of_bias or []), values, ranges)
    _review_sheet(wb, review)
    _dictionary_sheet(wb, values)
    _lists_sheet(wb, values)
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


def save_atomic(wb, path, *, overwrite: bool = True) -> Path | None:
    """Save ``wb`` to ``path`` atomically; returns the backup's path if a file was replaced.

    With ``overwrite=False`` an existing ``path`` is never replaced, even one
    that appears while the file is being written.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise ExometaError(f"{path} already exists; choose another name (nothing was written).")
    if path.is_dir():
        raise ExometaError(f"{path} is a folder; give the path of an .xlsx file to write.")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix=".exometa-", dir=path.parent)
        os.close(fd)
        wb.save(tmp)
        _normalise_zip(Path(tmp))
        if not overwrite:
            _link_new(tmp, path)
            return None
        backup = None
        if path.exists():
            backup = backup_path(path)
            shutil.copy2(path, backup)
        os.replace(tmp, path)
        return backup
    except OSError as exc:
        raise OutputError(f"{path}: the workbook could not be written ({exc.strerror or exc}). "
                           "Check that the folder exists, that you may write there and that the disk is not full; "
                           "nothing was replaced.") from None
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def _link_new(tmp: str, path: Path) -> None:
    """Move ``tmp`` to ``path`` only if ``path`` does not exist (atomic where the file system has hard links)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise ExometaError(f"{path} appeared while it was being written; it was left as it is (nothing was written).") from None
    except OSError:
        if path.exists():
            raise ExometaError(f"{path} already exists; choose another name (nothing was written).") from None
        os.replace(tmp, path)


def new_workbook(path, overwrite: bool = False) -> Path:
    """Write an empty workbook for a new review: the data sheets, a review sheet, the dictionary and the lists.

    The review's own lists (outcomes, conditions, intervention types) hold
    neutral examples to replace with the review's values.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "review.xlsx"
    >>> new_workbook(p).name
    'review.xlsx'
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ExometaError(f"{path}: a new workbook must be an .xlsx file.")
    save_atomic(build(), path, overwrite=overwrite)
    return path


__all__ = ["backup_path", "build", "new_workbook", "save_atomic", "OUTCOMES", "STUDIES"]
