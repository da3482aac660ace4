"""Writing tables that other programs open: text stays text.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab) as a formula; ``=HYPERLINK(...)`` or a DDE call in a study label would run
on the reviewer's machine. And a line break in a cell can end a CSV row early in
some programs (LibreOffice treats a bare carriage return as a row break), so
the text after it starts a new row — and is a formula again. So text we write:

- has its line breaks made plain: ``\\r\\n``, ``\\r`` and the other Unicode line
  separators become ``\\n`` (which CSV quotes and every spreadsheet keeps inside
  the cell); other control characters, which no spreadsheet shows and XLSX
  cannot hold, become U+FFFD (�);
- in CSV, has an apostrophe put before **every line** that would start a
  formula (OWASP's advice for CSV injection; the apostrophe shows);
- in XLSX, is stored as typed text (never a formula) with Excel's "quote
  prefix" set when a line would start a formula, so nothing is added to it;
- may hold at most 32,767 characters per cell (Excel's limit; longer text
  would be cut or split when opened): longer text is an error naming the
  table, column and row.

Numbers are written as they are. Files are written whole or not at all
(:func:`exometa.outputs.atomic_write`).
"""

from __future__ import annotations

import io
import re

from .errors import ExometaError
from .outputs import atomic_write

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: the most characters one spreadsheet cell holds (Excel's specification)
EXCEL_CELL_LIMIT = 32_767
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def plain_text(text: str) -> str:
    """``text`` with every line break as ``\\n`` and other control characters as U+FFFD.

    >>> plain_text("Lee 2024\\r=2+3\\x07")
    'Lee 2024\\n=2+3�'
    """
    return _CONTROLS.sub("\ufffd", _LINE_BREAKS.sub("\n", text))


def _armed(line: str) -> bool:
    return line.lstrip(" \u00a0").startswith(FORMULA_STARTS)


def defuse(text):
    """Text that cannot run as a spreadsheet formula, on any of its lines; other values unchanged.

    >>> defuse("=HYPERLINK(\\"http://x\\")"), defuse("Lee 2017"), defuse(-1.5)
    ('\\'=HYPERLINK("http://x")', 'Lee 2017', -1.5)
    >>> defuse("Lee 2024\\r=2+3")
    "Lee 2024\\n'=2+3"
    """
    if not isinstance(text, str):
        return text
    lines = plain_text(text).split("\n")
    return "\n".join("'" + line if _armed(line) else line for line in lines)


def defuse_frame(frame):
    """A copy of ``frame`` with every text cell defused (column names too)."""
    out = frame.copy()
    for col in out.columns:
        if _texty(out[col]):
            out[col] = out[col].map(defuse)
    out.columns = [defuse(str(c)) for c in out.columns]
    return out


def _texty(values) -> bool:
    import pandas as pd

    return values.dtype == object or pd.api.types.is_string_dtype(values)


def check_cell_sizes(frame, where: str) -> None:
    """Raise if a text cell (or column name) of ``frame`` is longer than a spreadsheet cell holds."""
    too_long = []
    for j, col in enumerate(frame.columns):
        if len(str(col)) > EXCEL_CELL_LIMIT:
            too_long.append(f"the name of column {j + 1} ({len(str(col)):,} characters)")
        values = frame[col]
        if not _texty(values):
            continue
        for i, value in enumerate(values):
            if isinstance(value, str) and len(value) > EXCEL_CELL_LIMIT:
                too_long.append(f"column {str(col)[:40]!r}, row {i + 1} ({len(value):,} characters)")
    if too_long:
        listed = "; ".join(too_long[:5]) + (f"; and {len(too_long) - 5} more" if len(too_long) > 5 else "")
        raise ExometaError(
            f"{where}: text longer than a spreadsheet cell holds ({EXCEL_CELL_LIMIT:,} characters) in {listed}. "
            "Shorten that text at its source (the workbook or data file)."
        )


def csv_bytes(frame) -> bytes:
    """``frame`` as defused UTF-8 CSV (``\\n`` line ends, no index)."""
    safe = defuse_frame(frame)
    buf = io.StringIO()
    safe.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def write_csv(frame, path) -> None:
    """Write ``frame`` to ``path`` as defused CSV, whole or not at all."""
    check_cell_sizes(frame, str(path))
    atomic_write(path, csv_bytes(frame))


def xlsx_bytes(frame, sheet: str = "data") -> bytes:
    """``frame`` as an XLSX workbook of one sheet: text typed as text, numbers as numbers."""
    import math

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([_text_cell(ws, str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([_text_cell(ws, v) if isinstance(v, str) else _number(v, math) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text_cell(ws, text: str):
    from openpyxl.cell.cell import Cell

    text = plain_text(text)
    cell = Cell(ws)
    cell.value = text
    cell.data_type = "s"  # text, even if it starts with "="
    if any(_armed(line) for line in text.split("\n")):
        cell.quotePrefix = True
    return cell


def _number(value, math):
    """A cell value for a non-text value: blank for missing, infinities as the text 'inf'/'-inf'."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def write_xlsx(frame, path, sheet: str = "data") -> None:
    """Write ``frame`` to ``path`` as XLSX (see the module docstring), whole or not at all."""
    check_cell_sizes(frame, str(path))
    atomic_write(path, xlsx_bytes(frame, sheet))
