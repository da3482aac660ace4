"""Modules imported on first use, so that a run that never calls them does not pay for them.

>>> stats = lazy_module("scipy.stats")
>>> round(float(stats.norm.isf(0.025)), 4)
1.96
"""

from __future__ import annotations

import importlib


class _LazyModule:
    """Stands for a module until an attribute is first looked up; then imports it."""

    def __init__(self, name: str):
        self._name = name
        self._module = None

    def __getattr__(self, attr: str):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy_module(name: str) -> _LazyModule:
    """``name`` (e.g. ``"scipy.stats"``), imported when one of its attributes is first used."""
    return _LazyModule(name)
