"""The figures an analysis asks for beyond its forest and funnel plots: diagnostics, small-study
methods and risk of bias, each a function that returns a matplotlib Figure.

:func:`extra_figures` lists them for one analysis result: a leave-one-out and a
cumulative forest plot, the influence panels, the Baujat plot and the GOSH plot
for the diagnostics that ran (``diagnostics = [...]``); a funnel plot with the
trim-and-fill studies and the Egger (PET) and PEESE lines when a small-study
method ran (``bias = [...]``); and, with ``figures = [..., "rob"]``, the
risk-of-bias traffic-light plot and summary plot (weighted by the
meta-analysis weights) of the pooled studies, one pair per tool. Each has a
file stem (``NAME_leave1out``...), a caption, and the report section it belongs
to (:func:`section_of` reads it back from a file name).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..plots.forest_pages import ROWS_PER_PAGE

#: file-name suffix -> report section
SECTIONS = {"_leave1out": "diagnostics", "_cumul": "diagnostics", "_influence": "diagnostics", "_baujat": "diagnostics",
            "_gosh": "diagnostics", "_bias_funnel": "bias", "_rob_traffic_light": "rob", "_rob_summary": "rob"}
TOOL_SLUG = {"RoB 2": "rob2", "ROBINS-I": "robins_i"}
#: studies (or steps) a leave-one-out, cumulative or influence figure shows at most: a forest
#: plot's page; beyond it, the most influential (the figure says which; the tables hold all)
MAX_ROWS = ROWS_PER_PAGE
#: what the note of such a figure adds: the report's tables (exometa.report.section) hold every study
IN_THE_REPORT = "every study is in the report's table"


@dataclass(frozen=True)
class ExtraFigure:
    """One figure: its file stem, caption, report section, and how to draw it."""

    name: str
    analysis: str
    caption: str
    section: str
    draw: Callable


def section_of(stem: str) -> str:
    """The report section of a figure file stem: 'result', 'diagnostics', 'bias' or 'rob'."""
    for suffix, section in SECTIONS.items():
        if stem.endswith(suffix) or f"{suffix}_" in stem:
            return section
    return "result"


def _transf(res):
    """(transf, null, x label) for diagnostics figures on the display scale."""
    info = res.spec.info
    if info.scale == "log":
        return np.exp, 0.0, info.axis
    if info.scale == "logit":
        return (lambda x: 1 / (1 + np.exp(-np.asarray(x, float)))), None, info.axis
    return None, info.null if info.null is not None else None, info.axis if info.scale == "raw" else info.axis + \
        " (analysis scale)"


def _plotting(name: str) -> Callable:
    """The function ``name`` of :mod:`exometa.plots.diagnostics`, imported when called: listing the
    figures (in ``exometa run``'s own process) does not import matplotlib, drawing them does."""
    def call(*args, **kwargs):
        from ..plots import diagnostics

        return getattr(diagnostics, name)(*args, **kwargs)

    return call


def _diagnostics(res) -> list[ExtraFigure]:
    baujat_plot, gosh_plot, influence_panels, series_forest = map(
        _plotting, ("baujat_plot", "gosh_plot", "influence_panels", "series_forest"))
    name = res.spec.name
    transf, null, xlabel = _transf(res)
    out = []
    for key, d in (res.diagnostics or {}).items():
        if not d.ran:
            continue
        r = d.result
        if key in ("leave1out", "cumul"):
            caption = "Leave-one-out analysis" if key == "leave1out" else "Cumulative meta-analysis"
            draw = (lambda r=r, c=caption: series_forest(r, transf=transf, title=c, xlabel=xlabel,
                                                          null=0.0 if null is None else null, max_rows=MAX_ROWS,
                                                          note_end=IN_THE_REPORT))
        elif key == "influence":
            caption = "Influence diagnostics"
            draw = (lambda r=r: influence_panels(r, title="Influence diagnostics", max_rows=MAX_ROWS,
                                                 note_end=IN_THE_REPORT))
        elif key == "baujat":
            caption, draw = "Baujat plot", (lambda r=r: baujat_plot(r, title="Baujat plot"))
        elif key == "gosh":
            caption, draw = "GOSH plot", (lambda r=r: gosh_plot(r, title="GOSH plot"))
        else:
            continue
        out.append(ExtraFigure(f"{name}_{key}", name, caption, "diagnostics", draw))
    return out


def _bias(res) -> list[ExtraFigure]:
    bias = res.bias
    if bias is None or isinstance(bias, str):
        return []
    ran = {f.method: f.result for f in bias.findings if f.ran}
    if not {"regtest", "trimfill", "peese"} & set(ran):
        return []

    def draw(r=res.main.result):
        from ..plots.bias import bias_funnel

        return bias_funnel(r, trimfill=ran.get("trimfill"), pet=ran.get("regtest"), peese=ran.get("peese"), width="double",
                           xlabel=scale_words(res), title="Funnel plot for small-study effects")

    parts = [w for m, w in (("trimfill", "trim-and-fill studies hollow"), ("regtest", "Egger (PET) line"),
                            ("peese", "PEESE line")) if m in ran]
    return [ExtraFigure(f"{res.spec.name}_bias_funnel", res.spec.name, "Funnel plot for small-study effects ("
                        + ", ".join(parts) + ")", "bias", draw)]


def scale_words(res) -> str:
    """The analysis scale in words, for axes that show it: 'Log risk ratio', 'Mean change from baseline'..."""
    info = res.spec.info
    if info.scale == "log":
        return "Log " + info.title
    if info.scale in ("logit", "ft"):
        return f"Proportion ({'logit' if info.scale == 'logit' else 'Freeman-Tukey'} scale)"
    unit = f" ({res.unit})" if res.unit and info.raw_units else ""
    return info.title[0].upper() + info.title[1:] + unit


def rob_weights(res) -> dict:
    """Each pooled study's share of the meta-analysis weight (summed over its rows)."""
    w = res.main.weight_of
    out: dict = {}
    for e in res.effects:
        if e.poolable and math.isfinite(w.get(e.row_label, math.nan)):
            out[e.study_id] = out.get(e.study_id, 0.0) + w[e.row_label]
    return out


def rob_studies(res) -> dict:
    """tool -> study ids of the analysis's pooled studies (else all its studies) with an assessment by that tool."""
    rob = res.rob
    if rob is None:
        return {}
    pooled = list(dict.fromkeys(e.study_id for e in res.effects if e.poolable))
    ids = pooled or list(dict.fromkeys([e.study_id for e in res.effects] + [sid for sid, _ in res.no_numbers]))
    by_tool: dict = {}
    for sid in ids:
        s = rob.get(sid, res.spec.outcome[0] if len(res.spec.outcome) == 1 else None)
        if s is not None:
            by_tool.setdefault(s.tool, []).append(sid)
    return by_tool


def _rob(res) -> list[ExtraFigure]:
    if "rob" not in res.spec.figures:
        return []
    from ..plots.rob import summary_plot, traffic_light_plot

    labels = {sid: rec.get("label") or sid for sid, rec in res.studies.items()}
    weights = rob_weights(res)
    out = []
    for tool, ids in rob_studies(res).items():
        slug = TOOL_SLUG.get(tool, tool)
        w = {sid: weights[sid] for sid in ids if sid in weights}
        out.append(ExtraFigure(f"{res.spec.name}_rob_traffic_light_{slug}", res.spec.name, f"Risk of bias ({tool}), by study",
                               "rob", lambda t=tool, i=ids: traffic_light_plot(res.rob, t, labels, i)))
        out.append(ExtraFigure(f"{res.spec.name}_rob_summary_{slug}", res.spec.name,
                               f"Risk of bias ({tool}), summary" + (" weighted by the meta-analysis weights" if len(w) == len(ids) else ""),
                               "rob", lambda t=tool, i=ids, w=w: summary_plot(res.rob, t, w if len(w) == len(i) else None, i)))
    return out


def extra_figures(res) -> list[ExtraFigure]:
    """Every extra figure of one analysis result, in report order (see the module docstring)."""
    return _diagnostics(res) + _bias(res) + _rob(res)


def draw_extra(fig: ExtraFigure, folder, formats) -> list:
    """Draw one figure and save it into ``folder`` in ``formats``; returns the paths."""
    from pathlib import Path

    from ..plots.save import save_figure

    figure = fig.draw()
    return save_figure(figure, Path(folder) / fig.name, tuple(formats))


__all__ = ["ExtraFigure", "extra_figures", "draw_extra", "section_of", "rob_studies", "rob_weights", "SECTIONS"]
