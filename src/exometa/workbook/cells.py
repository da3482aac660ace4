"""Reading one cell as the type its column expects, with a message when it is not.

Each parser returns ``(value, level, message, fix)``: the value to use (None
when the cell cannot be used), and, when something is off, whether it is an
error or a warning, what is wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from .schema import EXCEL_CELL_CHARS

EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!", "#CALC!")
MINUS_SIGNS = "\u2212\u2013\u2014\u2012\ufe63\uff0d"  # minus, en and em dash, figure dash, small and full-width hyphen-minus
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def clip(text: str, limit: int = 80) -> str:
    """Text short enough to quote in a message (long cell text is cut, with its length said).

    >>> clip("x" * 100, 10)
    'xxxxxxxxx… (100 characters)'
    """
    return text if len(text) <= limit else text[: limit - 1] + f"… ({len(text):,} characters)"


def quoted(text: str) -> str:
    """``repr`` of a clipped text, for messages."""
    return repr(clip(text))


def parse_number(value, column: str, integer: bool = False):
    """A number from a cell value, or why not.

    >>> parse_number(12.5, "sd")[0], parse_number("12.5", "sd")[1]
    (12.5, 'warning')
    >>> parse_number("12.5 (SD 3)", "sd")[2]
    "sd is '12.5 (SD 3)', which is not a number."
    """
    if value is None:
        return None, None, None, None
    if isinstance(value, bool):
        return None, "error", f"{column} is {'TRUE' if value else 'FALSE'} (a yes/no value), not a number.", "Enter the number reported, or leave the cell blank."
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return None, "error", f"{column} holds a date or time ({value}), not a number.", (
            "Excel may have turned a value such as '1-5' or '3/4' into a date: format the cell as Number or Text and retype the value."
        )
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None, "error", f"{column} is {value}.", "Enter a finite number."
        return _integer_check(value, column, integer)
    text = str(value).strip()
    if text == "":
        return None, None, None, None
    if text.upper() in EXCEL_ERRORS:
        return None, "error", f"{column} is the Excel error {text}.", "Replace it with the number the source reports, or leave it blank."
    swapped = text
    for ch in MINUS_SIGNS:
        swapped = swapped.replace(ch, "-")
    if PLAIN_NUMBER.fullmatch(swapped):
        number = float(swapped)
        note = "with a typographic minus sign " if swapped != text else ""
        v, lvl, msg, fix = _integer_check(int(number) if number.is_integer() and integer else number, column, integer)
        if lvl == "error":
            return v, lvl, msg, fix
        return v, "warning", f"{column} is the text {quoted(text)} {note}(a number stored as text); it was read as {_fmt(number)}.", (
            "Retype it as a plain number so that Excel treats it as one."
        )
    if DECIMAL_COMMA.fullmatch(swapped):
        return None, "error", f"{column} is {quoted(text)}: a decimal comma is ambiguous here (1,5 may be 1.5 or 15).", (
            f"Use a decimal point, e.g. {swapped.replace(',', '.')}."
        )
    if swapped.endswith("%") and PLAIN_NUMBER.fullmatch(swapped[:-1].strip()):
        return None, "error", f"{column} is {quoted(text)}, a percentage with its sign.", (
            f"Enter the number alone ({swapped[:-1].strip()}); percent changes belong in pct_change, in percent."
        )
    if re.match(r"^\s*[<>≤≥]=?\s*[\d.]+\s*$", swapped):
        return None, "error", f"{column} is {quoted(text)}, a bound rather than a value.", (
            "For p-values enter the number in p_value and the sign in p_relation; otherwise leave the cell blank."
        )
    return None, "error", f"{column} is {quoted(text)}, which is not a number.", _fix_for(column, swapped[:200])


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _fix_for(column: str, text: str) -> str:
    m = PLAIN_NUMBER.match(text)
    if m and column in ("mean", "median") and ("sd" in text.lower() or "±" in text or "(" in text):
        return f"Put the {column} alone in this cell (e.g. {m.group(0)}) and the spread in its own column (sd, se, q1/q3...)."
    if m and column in ("sd", "se"):
        last = re.findall(r"\d+(?:\.\d+)?", text)[-1]
        return f"Put the {column.upper()} alone in this cell, e.g. {last}."
    if column in ("ci_lb", "ci_ub", "q1", "q3", "min", "max") and ("-" in text[1:] or "to" in text):
        return "Put each limit in its own cell (ci_lb/ci_ub, q1/q3, min/max)."
    return "Enter the number alone, or leave the cell blank if the source does not report it."


def _integer_check(value, column, integer):
    if not integer:
        return float(value), None, None, None
    if float(value).is_integer():
        return int(value), None, None, None
    return None, "error", f"{column} is {value}, but it counts participants or events and must be a whole number.", (
        "Enter the whole number the source reports; if it reports a fraction, check which number is meant."
    )


def parse_text(value):
    """Text from a cell: numbers become their text (an id of 1 stays '1'); 'NA' stays 'NA'.

    >>> parse_text(" NA "), parse_text(3.0), parse_text(None)
    ('NA', '3', None)
    """
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.isoformat()
    text = str(value).strip()
    return text or None


def check_length(text, column: str):
    """``(None, 'error', message, fix)`` for text over Excel's 32,767 characters per cell, else None.

    Excel cuts such text when it opens the file, so what exometa read and what a
    reviewer sees would differ.

    >>> check_length("x" * 40000, "quote")[2]
    "quote holds 40,000 characters, over Excel's limit of 32,767 per cell (Excel would cut it)."
    """
    if isinstance(text, str) and len(text) > EXCEL_CELL_CHARS:
        return None, "error", f"{column} holds {len(text):,} characters, over Excel's limit of {EXCEL_CELL_CHARS:,} per cell (Excel would cut it).", (
            "Shorten it to a paraphrase and keep the full text in the source it cites."
        )
    return None
