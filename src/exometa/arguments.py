"""Argument checks shared by the public entry points, with one message template."""

from __future__ import annotations

import sys
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
    if value not in allowed:
        allowed = list(allowed)
        choices = ", ".join(repr(a) for a in allowed)
        raise ExometaError(f"`{name}` must be one of {choices}; got {value!r}.")
    return value


def check_level(level) -> float:
    """Return a confidence level in percent, accepting 95 or 0.95.

    >>> check_level(95), check_level(0.9)
    (95.0, 90.0)
    """
    if isinstance(level, bool):
        raise ExometaError(f"`level` must be a number such as 95; got {level!r}.")
    try:
        level = float(level)
    except (TypeError, ValueError):
        raise ExometaError(f"`level` must be a number such as 95; got {level!r}.") from None
    if 0 < level < 1:
        level *= 100
    if not 0 < level < 100:
        raise ExometaError(f"`level` must lie between 0 and 100 (e.g. 95); got {level!r}.")
    return level


def is_pandas(x) -> bool:
    """True for a pandas Series or DataFrame (without importing pandas when it is not loaded)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(x, (pd.Series, pd.DataFrame))


def align_by_label(**inputs) -> dict:
    """Pair inputs given as pandas objects by their labels (index), never by position.

    The first pandas input sets the order; every other pandas input with the
    same labels in another order is reordered to match it. Inputs that are not
    pandas objects are returned unchanged (they pair by position). Labels that
    differ, or repeated labels in different orders, are an error.

    >>> import pandas as pd
    >>> out = align_by_label(yi=pd.Series([1.0, 2.0], index=["a", "b"]), vi=pd.Series([0.2, 0.1], index=["b", "a"]))
    >>> out["vi"].tolist()
    [0.1, 0.2]
    >>> align_by_label(yi=pd.Series([1.0], index=["a"]), vi=pd.Series([0.1], index=["z"]))
    Traceback (most recent call last):
    ...
    exometa.errors.DataError: `vi` has labels (its pandas index) that differ from those of `yi`: only in `yi`: 'a'; only in `vi`: 'z'. Give them the same labels, or pass plain arrays to pair them by position.
    """
    from .errors import DataError

    named = [(n, x) for n, x in inputs.items() if is_pandas(x)]
    if len(named) < 2:
        return dict(inputs)
    first, ref = named[0][0], named[0][1].index
    out = dict(inputs)
    for name, x in named[1:]:
        if x.index.equals(ref):
            continue
        same = len(x.index) == len(ref) and set(x.index) == set(ref)
        if same and x.index.is_unique and ref.is_unique:
            out[name] = x.reindex(ref)
            continue
        if same:
            raise DataError(
                f"`{name}` and `{first}` have repeated labels (pandas index) in different orders, so they "
                "cannot be matched. Give each study a unique label, or pass plain arrays."
            )
        only_ref = [str(v) for v in ref if v not in set(x.index)]
        only_x = [str(v) for v in x.index if v not in set(ref)]
        show = lambda v: ", ".join(repr(s) for s in v[:5]) + (f" and {len(v) - 5} more" if len(v) > 5 else "")  # noqa: E731
        raise DataError(
            f"`{name}` has labels (its pandas index) that differ from those of `{first}`: "
            f"only in `{first}`: {show(only_ref) or 'none'}; only in `{name}`: {show(only_x) or 'none'}. "
            "Give them the same labels, or pass plain arrays to pair them by position."
        )
    return out
