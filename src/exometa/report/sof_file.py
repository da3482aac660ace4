"""The Summary of Findings table of an analysis as a spreadsheet (``NAME_sof.xlsx``), in GRADEpro's
columns (:mod:`exometa.evidence.sof`), with the footnotes that trace the certainty.

Written through the guards of :mod:`exometa.export`: text is typed text,
never a formula (a cell whose line starts with ``=``, ``+``, ``-``, ``@`` or a
tab gets Excel's quote prefix: shown as typed, run as nothing), characters a
spreadsheet cannot hold become U+FFFD, and text longer than a cell holds is
refused. The file's bytes depend on its content
only (:func:`exometa.report.stable_zip.stable_zip`).
"""

from __future__ import annotations

import pandas as pd

from ..evidence.sof import SOF_COLUMNS
from .section import sof_columns, sof_row
from .stable_zip import FIXED_DATE, stable_zip


def sof_frame(res) -> pd.DataFrame:
    """The analysis's Summary of Findings row as a one-row table (GRADEpro's columns), plus the analysis's name."""
    row = sof_row(res)
    frame = pd.DataFrame([row] if row else [], columns=SOF_COLUMNS)
    frame.columns = sof_columns(res.spec.level)
    frame.insert(0, "Analysis", [res.spec.title] * len(frame))
    return frame


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "Summary of findings", date=FIXED_DATE, where: str = "") -> bytes:
    """``frame`` through :func:`exometa.export.xlsx_bytes` (text typed as text, quote prefix where it would
    start a formula; refused if a cell is longer than a spreadsheet holds), with stable bytes."""
    from ..export import check_cell_sizes
    from ..export import xlsx_bytes as guarded

    check_cell_sizes(frame, where or sheet)
    return stable_zip(guarded(frame, sheet), date)


def sof_xlsx(res, date=FIXED_DATE) -> bytes:
    """``NAME_sof.xlsx``'s bytes for one analysis result."""
    return xlsx_bytes(sof_frame(res), date=date, where=f"{res.spec.name}_sof.xlsx")


__all__ = ["sof_frame", "sof_xlsx", "xlsx_bytes"]
