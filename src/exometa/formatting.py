"""Rounding for people: numbers stay unrounded in objects; printers call these.

>>> fmtx(0.123456), fmtx(-2.0, digits=2), fmtp(0.00001), fmtp(0.0312)
('0.1235', '-2.00', '<.0001', '0.0312')
"""

from __future__ import annotations

import math


def fmtx(x, digits: int = 4) -> str:
    """A number with a fixed count of decimals; 'NA' for missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    return f"{float(x):.{digits}f}"


def fmt_or_blank(x, digits: int = 2) -> str:
    """A number with fixed decimals, or '' when missing (for tables and figure text).

    >>> fmt_or_blank(3.14159), fmt_or_blank(float("nan"))
    ('3.14', '')
    """
    if x is None or not math.isfinite(x):
        return ""
    return f"{x:.{digits}f}"


def p_text(p, digits: int = 3) -> str:
    """'p = 0.075' or 'p < .001', for sentences.

    >>> p_text(0.0749), p_text(1e-9)
    ('p = 0.075', 'p < .001')
    """
    text = fmtp(p, digits)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def fmtp(p, digits: int = 4) -> str:
    """A p-value, shown as '<.0001' (for digits=4) when smaller than the last digit."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "NA"
    floor = 10.0**-digits
    if p < floor:
        return "<." + "0" * (digits - 1) + "1"
    return f"{float(p):.{digits}f}"
