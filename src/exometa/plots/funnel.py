"""Contour-enhanced funnel plots (Peters et al. 2008): effect against standard error.

Shaded regions show where a study's result would be significant at 10%, 5%
and 1% against no effect; the pooled estimate is drawn with its pseudo
confidence limits at the analysis's level (estimate +/- z * SE, as metafor's
``funnel``). Effects are on the analysis scale, and the x-axis says which:
"Log risk ratio", "Mean difference (hairs/cm²)" (``transf`` labels the ticks
on the back-transformed scale instead, as metafor's ``atransf``). Study labels
are placed beside their points where they overlap nothing; when they cannot
all be, the points are numbered and a key under the plot names them. With
fewer than 10 studies the plot says that asymmetry cannot be judged (Sterne
et al. 2011).

``exometa.plots.funnel(result, ...)`` (:func:`exometa.plots.api.funnel`; this
module is callable and forwards to it) draws any fitted result;
:func:`funnel_layout` / :func:`funnel_figure` / :func:`draw_funnel` are the
steps ``exometa run`` takes.
"""

from __future__ import annotations

import math
import sys
import types

import pandas as pd

from ..models.distributions import norm_isf
from ..evidence.flags import flag_symbols
from .forest_layout import _marker
from .funnel_draw import funnel_figure
from .style import DEFAULT_WIDTH

SCALE_WORDS = {"log": "Log {}", "logit": "Logit-transformed {}", "ft": "Freeman-Tukey transformed {}"}
COLUMNS = ["label", "number", "yi", "se", "flags", "marker"]


def x_label(res) -> str:
    """The funnel's x-axis: the measure on its analysis scale, with the unit for measures in the outcome's units.

    >>> from exometa.analysis.spec import AnalysisSpec
    >>> from types import SimpleNamespace as NS
    >>> x_label(NS(spec=AnalysisSpec(name="a", title="a", outcome=(), measure="RR"), unit=""))
    'Log risk ratio'
    >>> x_label(NS(spec=AnalysisSpec(name="a", title="a", outcome=(), measure="MD"), unit="hairs/cm²"))
    'Mean difference (hairs/cm²)'
    """
    info = res.spec.info
    if info.scale in SCALE_WORDS:
        return SCALE_WORDS[info.scale].format(info.title)
    title = info.title[:1].upper() + info.title[1:]
    return title + (f" ({res.unit})" if res.unit and info.raw_units else "")


def funnel_layout(res) -> pd.DataFrame:
    """One row per pooled study with an estimate: label, its number, yi, se, flags and marker colour key.

    ``attrs``: ``axis``, ``estimate`` (pooled, analysis scale, or None),
    ``crit`` (the pseudo-limits' multiplier at the analysis's ``level``),
    ``null`` (no effect, analysis scale, or None: no contours), ``title``,
    ``back_axis`` (the axis label on the back-transformed scale).
    """
    rows = []
    for e in res.effects:
        if not e.poolable or not (math.isfinite(e.yi) and math.isfinite(e.vi)):
            continue
        flags = flag_symbols(res.flags_of(e))
        rows.append({"label": e.row_label, "number": len(rows) + 1, "yi": e.yi, "se": math.sqrt(e.vi), "flags": flags,
                     "marker": _marker(flags)})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    info, r = res.spec.info, res.main.result
    level = res.spec.level
    frame.attrs.update({
        "axis": x_label(res), "estimate": float(r.estimate) if r is not None else None, "level": level,
        "crit": float(norm_isf((1 - level / 100) / 2)), "null": info.null, "title": res.spec.title,
        "back_axis": info.axis + (f" ({res.unit})" if res.unit and info.raw_units else ""),
        "flags_assessed": bool(getattr(res, "studies", None)),
    })  # fmt: skip
    return frame


def draw_funnel(layout: pd.DataFrame, res, path_base, formats=None, width=DEFAULT_WIDTH) -> list:
    """Draw a funnel layout and save it (``formats``: default the analysis's); returns the paths written."""
    from .save import save_figure

    spec = res.spec
    fig = funnel_figure(layout, width=width, title=spec.title)
    return save_figure(fig, path_base, formats=tuple(formats or spec.formats))


class _CallableModule(types.ModuleType):
    """``exometa.plots.funnel(result, ...)`` is :func:`exometa.plots.api.funnel`."""

    def __call__(self, result, *args, **kwargs):
        from .api import funnel

        return funnel(result, *args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["funnel_layout", "funnel_figure", "draw_funnel", "x_label"]
