"""Writing tables that other programs open: text is defused against formula injection.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab
or carriage return) as a formula. Text from a user's workbook that lands in a
CSV or XLSX we write is prefixed with an apostrophe so that it stays text
(OWASP's advice for CSV injection). Numbers are left alone.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(text):
    """Text that cannot run as a spreadsheet formula.

    >>> defuse("=HYPERLINK(\\"http://x\\")"), defuse("Lee 2017"), defuse(-1.5)
    ('\\'=HYPERLINK("http://x")', 'Lee 2017', -1.5)
    """
    if isinstance(text, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def defuse_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell defused (column names too)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(defuse)
    out.columns = [defuse(str(c)) for c in out.columns]
    return out
