"""Figures: forest and funnel plots of any fitted result, and the pieces ``exometa run`` draws with.

>>> import exometa.plots as plots
>>> callable(plots.forest), callable(plots.funnel)
(True, True)

``plots.forest(result, ...)`` and ``plots.funnel(result, ...)`` return a
matplotlib Figure (:mod:`exometa.plots.api`); the modules of the same names
hold the layout tables and drawing steps (:mod:`exometa.plots.forest`,
:mod:`exometa.plots.funnel`), and are themselves callable. Other figures:
:mod:`~exometa.plots.diagnostics`, :mod:`~exometa.plots.regplot`,
:mod:`~exometa.plots.rob`; shared look: :mod:`~exometa.plots.style`; saving with
byte-identical output: :mod:`~exometa.plots.save`. Nothing is imported until used.
"""

from __future__ import annotations

import importlib

#: callable modules: ``exometa.plots.forest(result)`` calls :func:`exometa.plots.api.forest`
_CALLABLE = ("forest", "funnel")


def __getattr__(name: str):
    if name in _CALLABLE:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_CALLABLE))
