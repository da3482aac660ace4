"""Forest plots: a layout table first (tested against the engine), drawing second.

``exometa.plots.forest(result, ...)`` draws any fitted result and returns a
matplotlib Figure (:func:`exometa.plots.api.forest`: this module is callable
and forwards to it). The pieces, for scripts and for ``exometa run``:

- :func:`forest_layout` (:mod:`exometa.plots.forest_layout`) -- the plot as a
  table, one row per line: per-arm numbers, weights, estimates and CIs as text,
  flags, subgroup blocks, the pooled rows; favours labels, model label and
  risk-of-bias columns in its ``attrs``;
- :func:`forest_figures` / :func:`forest_figure` (:mod:`exometa.plots.forest_draw`)
  -- that table drawn at a journal width, page by page;
- :func:`draw_forest` -- drawn and saved, every page, every format; returns the paths;
- :func:`forest_plot` -- straight from effect sizes to files.
"""

from __future__ import annotations

import sys
import types

from .forest_draw import draw_forest, forest_figure, forest_figures, x_limits
from .forest_layout import LAYOUT_COLUMNS, favours_labels, forest_layout, headers, model_label
from .forest_pages import ROWS_PER_PAGE, paginate


def clip(text, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis (for short notes; figures wrap instead).

    >>> clip("Conference abstract 2026", 12)
    'Conference …'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def _marker(flags: str) -> str:
    from .forest_layout import _marker as marker

    return marker(flags)


def forest_plot(yi, vi, labels, path_base, measure="MD", method="REML", test="z", title="Forest plot", flags=None, unit="",
                level=95, formats=None, width="double", sort=None):
    """A forest plot straight from effect sizes (no workbook): pools them, draws, saves; returns the file paths.

    ``measure`` decides the axis: ratio measures (RR, OR, PETO, ROM; ``yi`` on
    the log scale) are drawn on a log axis labelled in ratios. ``flags`` maps a
    label to flag names (e.g. ``{"Lee 2017": {"unverifiable": "no record"}}``).
    To draw a result you already have, use :func:`exometa.plots.api.forest`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> paths = forest_plot([0.1, 0.3, 0.2], [0.01, 0.02, 0.03], ["A", "B", "C"], folder / "f", formats=["svg"])
    >>> [p.name for p in paths]
    ['f.svg']
    """
    from .from_results import analysis_from_effects

    res = analysis_from_effects(yi, vi, labels, measure=measure, method=method, test=test, title=title, flags=flags,
                                unit=unit, level=level)
    return draw_forest(forest_layout(res, sort=sort), res, path_base, title=title, formats=formats, width=width)


class _CallableModule(types.ModuleType):
    """``exometa.plots.forest(result, ...)`` is :func:`exometa.plots.api.forest`; the module's names stay as they are."""

    def __call__(self, result, *args, **kwargs):
        from .api import forest

        return forest(result, *args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["forest_layout", "forest_figure", "forest_figures", "draw_forest", "forest_plot", "headers", "clip", "paginate",
           "favours_labels", "model_label", "x_limits", "LAYOUT_COLUMNS", "ROWS_PER_PAGE"]
