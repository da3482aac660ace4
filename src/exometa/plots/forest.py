"""Forest plots: a layout table first (tested against the engine), drawing second.

:func:`forest_layout` turns an analysis result into one row per line of the
plot — studies with their per-arm n, what they report, weight, estimate and CI
as text, and flags; subgroup blocks with their diamonds; the pooled diamond,
prediction interval, heterogeneity and overall-effect lines; and the studies
that could not be pooled, each with its reason. :func:`draw_forest` draws that
table with matplotlib and nothing else.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon
from matplotlib.ticker import FuncFormatter, LogLocator
from matplotlib.transforms import blended_transform_factory

from ..effects import LOG_MEASURES

from ..evidence.flags import FLAGS, flag_symbols
from ..formatting import fmt_or_blank as _fmt
from ..formatting import p_text
from .save import save_figure

LAYOUT_COLUMNS = ["kind", "label", "flags", "n", "reported", "weight", "estimate_text", "yi", "ci_lb", "ci_ub",
                  "marker", "note"]
FLAG_COLOURS = {"unverifiable": "#c0392b", "uncontrolled": "#d68910", "none": "#1f3a5f"}


def _est_text(yi, lo, hi, d=2, back=None):
    """'est [lo, hi]', back-transformed (e.g. exp for ratio measures) when ``back`` is given."""
    f = back or (lambda v: v)
    if not math.isfinite(yi):
        return ""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return _fmt(f(yi), d)
    return f"{_fmt(f(yi), d)} [{_fmt(f(lo), d)}, {_fmt(f(hi), d)}]"


def _back(spec):
    return math.exp if spec.measure in LOG_MEASURES else None


AXIS_LABELS = {
    "MC": "Mean change from baseline", "MD": "Difference in change (treatment − control)",
    "PCT": "Percent change from baseline", "RR": "Risk ratio (log scale)", "OR": "Odds ratio (log scale)",
    "PETO": "Odds ratio, Peto (log scale)", "ROM": "Ratio of means (log scale)", "SMD": "Standardised mean difference",
}


def _marker(flags: str) -> str:
    if "V" in flags:
        return "unverifiable"
    if "U" in flags:
        return "uncontrolled"
    return "none"


def _n_text(e) -> str:
    if e.arm == "treatment vs control" and math.isfinite(e.n2 if isinstance(e.n2, float) else math.nan):
        return f"{int(e.n)} / {int(e.n2)}"
    return "" if e.n is None or (isinstance(e.n, float) and math.isnan(e.n)) else f"{int(e.n)}"


def _study_row(res, e, weights, decimals):
    from ..analysis.run import _row_label

    flags = flag_symbols(res.flags.get(e.study_id, {}))
    se = math.sqrt(e.vi) if e.poolable else math.nan
    z = 1.959963984540054
    lo, hi = (e.yi - z * se, e.yi + z * se) if e.poolable else (math.nan, math.nan)
    label = _row_label(e)
    w = weights.get(label, math.nan)
    return {
        "kind": "study" if e.poolable else "shown", "label": label, "flags": flags, "n": _n_text(e),
        "reported": e.reported, "weight": _fmt(w, 1) + "%" if math.isfinite(w) else "",
        "estimate_text": _est_text(e.yi, lo, hi, decimals, _back(res.spec)), "yi": e.yi, "ci_lb": lo, "ci_ub": hi,
        "marker": _marker(flags), "note": e.reason, "w": w,
    }


def _summary_rows(fit, level, name, decimals, back=None):
    r = fit.result
    rows = []
    if r is None:
        rows.append({"kind": "note", "label": f"{name}: no pooled estimate", "note": fit.message})
        return rows
    rows.append({"kind": "diamond", "label": f"{name} (k = {fit.k})", "yi": r.estimate, "ci_lb": r.ci_lb, "ci_ub": r.ci_ub,
                 "estimate_text": _est_text(r.estimate, r.ci_lb, r.ci_ub, decimals, back), "weight": "100%"})
    if fit.k > 1 and math.isfinite(r.pi_lb):
        rows.append({"kind": "pi", "label": f"{level:g}% prediction interval", "yi": r.estimate, "ci_lb": r.pi_lb,
                     "ci_ub": r.pi_ub, "estimate_text": "[" + _est_text(r.pi_lb, math.nan, math.nan, decimals, back) + ", "
                     + _est_text(r.pi_ub, math.nan, math.nan, decimals, back) + "]"})
    if fit.k > 1:
        rows.append({"kind": "text", "label": (
            f"Heterogeneity: τ² = {r.tau2:.2f}, I² = {r.i2:.0f}%, Q = {r.q:.2f} (df = {r.q_df}), {p_text(r.q_pval)}")})
    stat = "t" if r.test in ("t", "knha") and fit.k > 1 else "z"
    df = f"({int(r.ddf)})" if stat == "t" else ""
    rows.append({"kind": "text", "label": f"Test for overall effect: {stat}{df} = {r.zval:.2f}, {p_text(r.pval)}"})
    if fit.message:
        rows.append({"kind": "text", "label": fit.message})
    return rows


def forest_layout(res, by: str | None = None, decimals: int = 2) -> pd.DataFrame:
    """The forest plot as a table, one row per line (see the module docstring)."""
    spec = res.spec
    weights = {}
    if res.main.result is not None:
        weights = dict(zip(res.main.labels, np.atleast_1d(res.main.result.weights)))
    shown = [e for e in res.effects if math.isfinite(e.yi)]
    blank = [e for e in res.effects if not math.isfinite(e.yi)]
    rows = []
    if by and by in res.subgroups and not isinstance(res.subgroups[by], str):
        from ..analysis.run import Fit

        sg = res.subgroups[by]
        value = res.group_values[by]
        for g, fit in sg.groups.items():
            rows.append({"kind": "group", "label": f"{by.replace('_', ' ')}: {g}"})
            members = [e for e in shown if e.poolable and value.get(e.study_id) == g]
            wg = dict(zip([m.label for m in members], np.atleast_1d(fit.weights)))
            for e in members:
                rows.append(_study_row(res, e, wg, decimals))
            rows += _summary_rows(Fit(g, fit.k, fit, "", ()), spec.level, f"Subtotal {g}", decimals, _back(spec))
        rows.append({"kind": "text", "label": (
            f"Test for subgroup differences: Q = {sg.q_between:.2f} (df = {sg.q_between_df}), {p_text(sg.q_between_pval)}")})
    else:
        for e in shown:
            if e.poolable:
                rows.append(_study_row(res, e, weights, decimals))
    if spec.measure != "PCT":
        rows += _summary_rows(res.main, spec.level, "Pooled estimate" if res.main.k else "All studies", decimals, _back(spec))
    shown_only = [e for e in shown if not e.poolable]
    if shown_only:
        rows.append({"kind": "group", "label": "Reported, not pooled" if spec.measure != "PCT" else "Reported values (no spread: not pooled)"})
        rows += [_study_row(res, e, {}, decimals) for e in shown_only]
    if not res.effects and res.no_numbers:
        blank = []
        rows.append({"kind": "group", "label": "Studies in this analysis"})
        for sid, label in res.no_numbers:
            flags = flag_symbols(res.flags.get(sid, {}))
            rows.append({"kind": "excluded", "label": label, "flags": flags, "marker": _marker(flags),
                         "note": "no numbers reported for this outcome"})
    if blank:
        rows.append({"kind": "group", "label": "Not pooled"})
        for e in blank:
            row = _study_row(res, e, {}, decimals)
            row["kind"] = "excluded"
            rows.append(row)
    frame = pd.DataFrame(rows)
    for c in LAYOUT_COLUMNS + ["w"]:
        if c not in frame:
            frame[c] = np.nan if c in ("yi", "ci_lb", "ci_ub", "w") else ""
    for c in ("yi", "ci_lb", "ci_ub", "w"):
        frame[c] = frame[c].astype(float)
    for c in set(LAYOUT_COLUMNS) - {"yi", "ci_lb", "ci_ub"}:
        frame[c] = frame[c].fillna("").astype(object)
    return frame[LAYOUT_COLUMNS + ["w"]]


def _x_limits(layout, spec):
    """Axis limits on the analysis scale, always showing the line of no effect."""
    vals = layout[["yi", "ci_lb", "ci_ub"]].to_numpy(dtype=float).ravel()
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return -1.0, 1.0
    lo, hi = float(min(vals.min(), 0.0)), float(max(vals.max(), 0.0))
    pad = 0.08 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def draw_forest(layout: pd.DataFrame, res, path_base, title: str | None = None) -> list:
    """Draw a forest layout; writes PATH_BASE.svg, .png and .pdf and returns their paths."""
    spec = res.spec
    n = len(layout)
    height = 1.6 + 0.3 * (n + 2)
    fig = Figure(figsize=(13, height))
    # columns (figure fractions): label | flags | n | reported | plot | weight | estimate
    left, right = 0.47, 0.80
    ax = fig.add_axes((left, 0.9 / height, right - left, 1 - 1.9 / height))
    ax.set_ylim(n + 0.5, -1.2)
    xlo, xhi = _x_limits(layout, spec)
    ratio = spec.measure in LOG_MEASURES
    fx = np.exp if ratio else (lambda v: v)  # draw ratio measures on a log axis, labelled in ratios
    if ratio:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlim(fx(xlo), fx(xhi))
    ax.axvline(fx(0.0), color="0.35", lw=0.8)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    unit = f" ({spec.unit})" if spec.unit else ""
    xlabel = AXIS_LABELS.get(spec.measure, spec.measure)
    ax.set_xlabel(xlabel + unit, fontsize=9)
    ax.tick_params(labelsize=8)
    tr = blended_transform_factory(fig.transFigure, ax.transData)
    cols = {"label": 0.01, "flags": 0.25, "n": 0.29, "reported": 0.33, "weight": 0.815, "estimate_text": 0.87}
    heads = {"label": "Study", "flags": "Flags", "n": "n", "reported": "Reported", "weight": "Weight", "estimate_text": "Estimate [95% CI]"}
    for key, x in cols.items():
        ax.text(x, -0.8, heads[key], transform=tr, fontsize=9, fontweight="bold", va="center")
    wmax = np.nanmax(layout["w"].to_numpy(dtype=float)) if np.isfinite(layout["w"].to_numpy(dtype=float)).any() else 1.0
    for i, row in enumerate(layout.itertuples()):
        kind = row.kind
        bold = kind in ("group", "diamond")
        italic = kind in ("text", "note", "excluded")
        label = str(row.label)
        if kind in ("text", "note"):
            ax.text(cols["label"], i, label + (f": {row.note}" if row.note and kind == "note" else ""), transform=tr,
                    fontsize=8, style="italic", va="center")
            continue
        ax.text(cols["label"], i, _clip(label, 44), transform=tr, fontsize=8.5, va="center",
                fontweight="bold" if bold else "normal", style="italic" if italic else "normal")
        if kind == "group":
            continue
        for key in ("flags", "n", "reported", "weight", "estimate_text"):
            text = str(getattr(row, key))
            if text:
                ax.text(cols[key], i, _clip(text, 30), transform=tr, fontsize=8, va="center",
                        color=FLAG_COLOURS.get(row.marker, "black") if key == "flags" else "black")
        if kind == "excluded":
            ax.text(cols["reported"], i, "not pooled: " + _clip(str(row.note), 125), transform=tr, fontsize=7, va="center",
                    color="0.3", style="italic", bbox={"fc": "white", "ec": "none", "pad": 0.5}, zorder=5)
            continue
        colour = FLAG_COLOURS.get(row.marker or "none", FLAG_COLOURS["none"])
        if kind == "study":
            ax.plot([fx(row.ci_lb), fx(row.ci_ub)], [i, i], color="black", lw=1)
            size = 4 + 10 * math.sqrt(row.w / wmax) if math.isfinite(row.w) else 5
            imputed = "*" in row.flags
            ax.plot([fx(row.yi)], [i], marker="s", ms=size, mec=colour, mfc="white" if imputed else colour, mew=1.5)
        elif kind == "shown":
            ax.plot([fx(row.yi)], [i], marker="o", ms=5, mec=colour, mfc="white", mew=1.3)
            ax.text(cols["estimate_text"] + 0.085, i, "not pooled", transform=tr, fontsize=7, color="0.4", va="center")
        elif kind == "diamond":
            ax.add_patch(Polygon([(fx(row.ci_lb), i), (fx(row.yi), i - 0.35), (fx(row.ci_ub), i), (fx(row.yi), i + 0.35)],
                                 closed=True, fc="#34495e", ec="#34495e"))
        elif kind == "pi":
            ax.plot([fx(row.ci_lb), fx(row.ci_ub)], [i, i], color="#34495e", lw=2.2, solid_capstyle="butt")
    handles = [
        Line2D([], [], marker="s", ls="", mfc=FLAG_COLOURS["none"], mec=FLAG_COLOURS["none"], label="controlled, verifiable"),
        Line2D([], [], marker="s", ls="", mfc=FLAG_COLOURS["uncontrolled"], mec=FLAG_COLOURS["uncontrolled"], label="uncontrolled"),
        Line2D([], [], marker="s", ls="", mfc=FLAG_COLOURS["unverifiable"], mec=FLAG_COLOURS["unverifiable"], label="unverifiable"),
        Line2D([], [], marker="s", ls="", mfc="white", mec="black", label="rests on imputed numbers"),
        Patch(fc="#34495e", label="pooled estimate (diamond), prediction interval (bar)"),
    ]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=5, fontsize=7.5, frameon=False)
    key = "  ".join(f"{f.symbol} {f.title}" for f in FLAGS)
    fig.text(0.01, 0.35 / height, "Flags: " + key, fontsize=7, color="0.25")
    fig.suptitle(title or spec.title, x=0.01, ha="left", y=1 - 0.25 / height, fontsize=11, fontweight="bold")
    return save_figure(fig, path_base)


def forest_plot(yi, vi, labels, path_base, measure="MD", method="REML", test="z", title="Forest plot", flags=None, unit=""):
    """A forest plot straight from effect sizes (no workbook): returns the file paths.

    ``measure`` decides the axis: ratio measures (RR, OR, PETO, ROM; yi on the log
    scale) are drawn on a log axis labelled in ratios. ``flags`` maps a label to
    flag names (e.g. ``{"Lee 2017": {"unverifiable": "no record"}}``).
    """
    from ..analysis.extract import StudyEffect
    from ..analysis.run import AnalysisResult, pool
    from ..analysis.spec import AnalysisSpec

    spec = AnalysisSpec(name="forest", title=title, outcome=(), measure=measure, method=method, test=test, unit=unit)
    effects = [StudyEffect(str(lab), str(lab), arm="", yi=float(y), vi=float(v)) for lab, y, v in zip(labels, yi, vi)]
    res = AnalysisResult(spec, effects, {str(k): v for k, v in (flags or {}).items()}, [], [], pool("all studies", effects, spec))
    return draw_forest(forest_layout(res), res, path_base, title=title)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


__all__ = ["forest_layout", "draw_forest", "forest_plot"]
