"""Units are data: one analysis, one unit.

Each outcome row carries the unit its numbers are in (``unit``). An analysis
pools on one unit: the ``unit`` its file declares, or else the unit most rows
report. A row in a convertible unit is converted (every number on it multiplied
by a factor from :data:`CONVERSIONS`, shown as a derivation and flagged ``*``);
a row in a unit that cannot be converted is left out with the reason -- or the
analysis must use a standardised measure.

Spellings are normalised before comparing (``µm``, ``μm``, ``um``, ``micron``
are one unit; ``hairs/cm2``, ``hairs per cm²`` and ``hairs/cm²`` are one unit).

>>> factor("mm", "µm"), factor("hairs/cm²", "hairs/mm²"), factor("mm", "hairs/cm²")
(1000.0, 0.01, None)
>>> same("μm", "um"), same("hairs per cm2", "hairs/cm²")
(True, True)
"""

from __future__ import annotations

import unicodedata
from fractions import Fraction

#: dimension -> {unit: size in the dimension's base unit}; a unit converts to another of its dimension
CONVERSIONS = {
    "length": {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "um": 1e-6, "nm": 1e-9},
    "mass": {"kg": 1.0, "g": 1e-3, "mg": 1e-6, "ug": 1e-9, "ng": 1e-12},
    "volume": {"l": 1.0, "dl": 1e-1, "ml": 1e-3, "ul": 1e-6},
    "time": {"weeks": 7.0, "days": 1.0, "hours": 1 / 24},
    # per-area densities ("hairs/cm²"): the size of the area, inverted below
    "area": {"m2": 1.0, "cm2": 1e-4, "mm2": 1e-6, "in2": 6.4516e-4},
}

_ALIASES = {
    "μm": "um", "µm": "um", "micron": "um", "microns": "um", "micrometre": "um", "micrometer": "um",
    "micrometres": "um", "micrometers": "um", "millimetre": "mm", "millimeter": "mm", "millimetres": "mm",
    "millimeters": "mm", "μg": "ug", "µg": "ug", "mcg": "ug", "μl": "ul", "µl": "ul", "litre": "l", "liter": "l",
    "week": "weeks", "wk": "weeks", "wks": "weeks", "day": "days", "d": "days", "hour": "hours", "h": "hours",
    "sqcm": "cm2", "sqmm": "mm2", "sqin": "in2", "inch2": "in2",
}  # fmt: skip


def normalise(unit) -> str:
    """A canonical spelling used only for comparing units ('' for a blank unit)."""
    if unit is None or (isinstance(unit, float) and unit != unit):
        return ""
    text = unicodedata.normalize("NFKC", str(unit)).strip()  # '²' -> '2', 'µ' -> 'μ'
    text = text.replace(" per ", "/").replace("^", "").replace(" ", "")
    lowered = text.lower()
    if "/" in lowered:
        top, _, bottom = lowered.partition("/")
        return f"{top}/{_ALIASES.get(bottom, bottom)}"
    return _ALIASES.get(text, _ALIASES.get(lowered, lowered if lowered in _lower_units() else text))


def _lower_units():
    return {u for table in CONVERSIONS.values() for u in table}


def _dimension(canon: str):
    """(dimension, size, numerator) of a canonical unit, or None if it is not in the table."""
    if "/" in canon:
        top, bottom = canon.split("/", 1)
        size = CONVERSIONS["area"].get(bottom)
        return ("per area", float(1 / Fraction(repr(size))), top) if size else None
    for dim, table in CONVERSIONS.items():
        if canon in table and dim != "area":
            return dim, table[canon], ""
    return None


def same(a, b) -> bool:
    """Whether two spellings name the same unit."""
    return normalise(a) == normalise(b)


def factor(src, dst) -> float | None:
    """Multiply a number in ``src`` by this to express it in ``dst``; None if they cannot be converted.

    1.0 when the units are the same (however spelled).
    """
    a, b = normalise(src), normalise(dst)
    if a == b:
        return 1.0
    da, db = _dimension(a), _dimension(b)
    if da is None or db is None or da[0] != db[0] or da[2] != db[2]:
        return None
    return float(Fraction(repr(da[1])) / Fraction(repr(db[1])))  # exact decimal ratios: mm -> µm is 1000, not 1000.0000000000001


__all__ = ["CONVERSIONS", "factor", "normalise", "same"]
