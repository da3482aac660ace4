"""Argument checks shared by the public entry points, with one message template."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import ExometaError


def check_choice(name: str, value, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed`` (case-sensitive), else raise.

    >>> check_choice("method", "REML", ["DL", "REML"])
    'REML'
    >>> check_choice("method", "reml2", ["DL", "REML"])
    Traceback (most recent call last):
    ...
    exometa.errors.ExometaError: `method` must be one of 'DL', 'REML'; got 'reml2'.
    """
    allowed = list(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ExometaError(f"`{name}` must be one of {choices}; got {value!r}.")
    return value


def check_level(level) -> float:
    """Return a confidence level in percent, accepting 95 or 0.95.

    >>> check_level(95), check_level(0.9)
    (95.0, 90.0)
    """
    try:
        level = float(level)
    except (TypeError, ValueError):
        raise ExometaError(f"`level` must be a number such as 95; got {level!r}.") from None
    if 0 < level < 1:
        level *= 100
    if not 0 < level < 100:
        raise ExometaError(f"`level` must lie between 0 and 100 (e.g. 95); got {level!r}.")
    return level
