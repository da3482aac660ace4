"""The Summary of Findings table of an analysis as a spreadsheet (``NAME_sof.xlsx``), in GRADEpro's
columns (:mod:`exometa.evidence.sof`), with the footnotes that trace the certainty.

Text is written as typed text, never as a formula: a cell whose line starts
with ``=``, ``+``, ``-``, ``@`` or a tab gets Excel's quote prefix (shown as
typed, run as nothing), and characters a spreadsheet cannot hold become U+FFFD
(the guards of :mod:`exometa.export`). The file's bytes depend on its content
only (:func:`exometa.report.stable_zip.stable_zip`).
"""

from __future__ import annotations

import io
import re

import pandas as pd

from ..evidence.sof import SOF_COLUMNS
from .section import sof_columns, sof_row
from .stable_zip import FIXED_DATE, stable_zip

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sof_frame(res) -> pd.DataFrame:
    """The analysis's Summary of Findings row as a one-row table (GRADEpro's columns), plus the analysis's name."""
    row = sof_row(res)
    frame = pd.DataFrame([row] if row else [], columns=SOF_COLUMNS)
    frame.columns = sof_columns(res.spec.level)
    frame.insert(0, "Analysis", [res.spec.title] * len(frame))
    return frame


def _armed(text: str) -> bool:
    return any(line.lstrip(" \u00a0").startswith(FORMULA_STARTS) for line in text.split("\n"))


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "Summary of findings", date=FIXED_DATE) -> bytes:
    """``frame`` as a one-sheet workbook: text typed as text (quote prefix where it would start a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet

    def cell(value, bold=False):
        c = Cell(ws)
        if isinstance(value, str):
            text = _CONTROLS.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))
            c.value, c.data_type = text, "s"
            c.quotePrefix = _armed(text)
        else:
            c.value = None if pd.isna(value) else value
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            c.font = Font(bold=True)
        return c

    ws.append([cell(str(c), bold=True) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([cell(v) for v in row])
    for i, _ in enumerate(frame.columns):
        ws.column_dimensions[chr(ord("A") + i)].width = 28
    wb.properties.creator = wb.properties.lastModifiedBy = "exometa"
    wb.properties.created = wb.properties.modified = date.replace(tzinfo=None)
    buf = io.BytesIO()
    wb.save(buf)
    return stable_zip(buf.getvalue(), date)


def sof_xlsx(res, date=FIXED_DATE) -> bytes:
    """``NAME_sof.xlsx``'s bytes for one analysis result."""
    return xlsx_bytes(sof_frame(res), date=date)


__all__ = ["sof_frame", "sof_xlsx", "xlsx_bytes"]
