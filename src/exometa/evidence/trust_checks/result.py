"""What every trustworthiness check returns, and the arithmetic of reported precision.

A reported number such as ``3.47`` stands for every value that rounds to it:
3.465 to 3.475. The checks ask whether *any* value in that interval fits, so
that a number is called impossible only when no rounding could explain it.
Rounding of a half (3.465 -> 3.46 or 3.47) is allowed either way, as the
``up_or_down`` rule of the scrutiny package does.

Numbers read from a workbook arrive as floats, which cannot show trailing
zeros (``12.50`` is ``12.5``). :func:`decimals_of` therefore counts the
decimals that are visible; with a trailing zero lost the interval is wider and
the check more lenient, never harsher. Pass ``decimals=`` when it is known.

>>> decimals_of(3.47), decimals_of(35.0), decimals_of(0.00001)
(2, 0, 5)
>>> lo, hi = bounds(3.47)
>>> float(lo), float(hi)
(3.465, 3.475)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ...errors import ExometaError

VERDICTS = ("fails", "passes", "cannot check")


@dataclass(frozen=True)
class CheckResult:
    """The answer of one check on plain numbers.

    Attributes
    ----------
    check : str
        Which check ran (``"GRIM"``, ``"p-value"``, ...).
    verdict : str
        ``"fails"``, ``"passes"`` or ``"cannot check"``.
    detail : str
        The arithmetic in words, so that a reader can redo it by hand.
    decision_error : bool
        For p-value checks: the recomputed p-value falls on the other side of
        alpha from the reported one (statcheck's "decision error").
    """

    check: str
    verdict: str
    detail: str
    decision_error: bool = False

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ExometaError(f"`verdict` must be one of {', '.join(map(repr, VERDICTS))}; got {self.verdict!r}.")

    @property
    def fails(self) -> bool:
        return self.verdict == "fails"

    @property
    def passes(self) -> bool:
        return self.verdict == "passes"

    def __str__(self) -> str:
        return f"{self.check}: {self.verdict} - {self.detail}"


def is_number(x) -> bool:
    """True for a finite real number (not None, NaN, text or a bool)."""
    if x is None or isinstance(x, bool):
        return False
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def exact(x) -> Fraction:
    """The decimal number a float was written as, exactly (0.1 -> 1/10, not the binary value)."""
    return Fraction(Decimal(repr(float(x))))


def decimals_of(x) -> int:
    """Decimal places visible in ``x`` (trailing zeros of a float cannot be seen)."""
    exponent = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def bounds(x, decimals: int | None = None) -> tuple[Fraction, Fraction]:
    """The interval of values that round to ``x`` at ``decimals`` places, as exact fractions."""
    d = decimals_of(x) if decimals is None else int(decimals)
    half = Fraction(1, 2 * 10**d)
    v = exact(x)
    return v - half, v + half


def fmt(x, decimals: int = 4) -> str:
    """A number for a sentence: at most ``decimals`` places, trailing zeros dropped."""
    text = f"{float(x):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def need_count(name: str, n, minimum: int = 1) -> int | None:
    """A count as an int, None when missing; an error when it is not a whole number >= minimum."""
    if not is_number(n):
        return None
    if float(n) != int(float(n)) or int(float(n)) < minimum:
        raise ExometaError(f"`{name}` must be a whole number of at least {minimum}; got {n!r}.")
    return int(float(n))
