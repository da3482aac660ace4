"""Forest plots: a layout table first (tested against the engine), drawing second.

:func:`forest_layout` turns an analysis result into one row per line of the
plot -- studies with their per-arm numbers (events/total, or mean (SD) and n),
what they report, weight, estimate and CI as text at the analysis's level, and
flags; subgroup blocks with their diamonds; the pooled diamond, prediction
interval, heterogeneity, model and overall-effect lines; and the studies that
could not be pooled, each with its reason. ``yi``, ``ci_lb``, ``ci_ub`` are on the
analysis scale (log for ratios); ``x``, ``x_lb``, ``x_ub`` on the display scale.
Column headers are in ``layout.attrs["headers"]``.

:func:`draw_forest` draws that table with matplotlib at a page width
(:mod:`exometa.plots.style`), text never parsed as mathematics and long text
clipped (the tables keep it whole).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from ..evidence.flags import FLAGS, flag_symbols
from ..formatting import fmt_or_blank as _fmt
from ..formatting import p_text
from ..models.results import METHOD_NAMES
from .save import save_figure
from .style import FLAG_COLOURS, FONT, POOLED, REFERENCE, WIDTHS, new_figure

LAYOUT_COLUMNS = ["kind", "label", "flags", "n", "arm1", "arm2", "reported", "weight", "estimate_text", "yi", "ci_lb",
                  "ci_ub", "x", "x_lb", "x_ub", "marker", "note"]
NUMERIC = ("yi", "ci_lb", "ci_ub", "x", "x_lb", "x_ub", "w")
ARM_HEADERS = {"binary": ("Treatment\nevents/total", "Control\nevents/total"),
               "two_group": ("Treatment\nmean (SD), n", "Control\nmean (SD), n")}
TEST_WORDS = {"z": "z-test", "t": "t-test", "knha": "Hartung-Knapp test"}


def _marker(flags: str) -> str:
    if "V" in flags:
        return "unverifiable"
    if "U" in flags:
        return "uncontrolled"
    return "none"


def _est_text(x, lo, hi, d=2) -> str:
    if not math.isfinite(x):
        return ""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return _fmt(x, d)
    return f"{_fmt(x, d)} [{_fmt(lo, d)}, {_fmt(hi, d)}]"


def _n_text(n) -> str:
    return f"{n:g}" if isinstance(n, (int, float)) and math.isfinite(n) else ""


def _study_row(res, e, weights, d):
    flags = flag_symbols(res.flags_of(e))
    lo, hi = res.study_ci(e)
    nb = e.n if res.spec.info.scale == "ft" else None
    w = weights.get(e.row_label, math.nan)
    x, xl, xu = res.back(e.yi, nb), res.back(lo, nb), res.back(hi, nb)
    return {
        "kind": "study" if e.poolable else "shown", "label": e.row_label, "flags": flags, "n": _n_text(e.n),
        "arm1": e.arm1, "arm2": e.arm2, "reported": e.reported, "weight": _fmt(w, 1) + "%" if math.isfinite(w) else "",
        "estimate_text": _est_text(x, xl, xu, d) if math.isfinite(e.yi) else ("not estimable" if e.poolable else ""),
        "yi": e.yi, "ci_lb": lo, "ci_ub": hi, "x": x, "x_lb": xl, "x_ub": xu, "marker": _marker(flags), "note": e.reason, "w": w,
    }


def _model_text(r, level) -> str:
    name = METHOD_NAMES.get(r.method, r.method)
    return f"Model: {name}; {TEST_WORDS.get(r.test, r.test)}; {level:g}% CIs"


def _summary_rows(res, fit_result, k, message, name, d):
    r = fit_result
    level = res.spec.level
    if r is None:
        return [{"kind": "note", "label": f"{name}: no pooled estimate", "note": message}]
    back = res.back
    rows = [{"kind": "diamond", "label": f"{name} (k = {k})", "yi": r.estimate, "ci_lb": r.ci_lb, "ci_ub": r.ci_ub,
             "x": back(r.estimate), "x_lb": back(r.ci_lb), "x_ub": back(r.ci_ub),
             "estimate_text": _est_text(back(r.estimate), back(r.ci_lb), back(r.ci_ub), d), "weight": "100%"}]
    if k > 1 and math.isfinite(r.pi_lb):
        rows.append({"kind": "pi", "label": f"{level:g}% prediction interval", "yi": r.estimate, "ci_lb": r.pi_lb,
                     "ci_ub": r.pi_ub, "x": back(r.estimate), "x_lb": back(r.pi_lb), "x_ub": back(r.pi_ub),
                     "estimate_text": f"[{_fmt(back(r.pi_lb), d)}, {_fmt(back(r.pi_ub), d)}]"})
    if k > 1:
        tau = f"τ² = {r.tau2:.2f}, " if r.method not in ("EE", "FE", "MH", "PETO") else ""
        rows.append({"kind": "text", "label": (
            f"Heterogeneity: {tau}I² = {r.i2:.0f}%, Q = {r.q:.2f} (df = {r.q_df}), {p_text(r.q_pval)}")})
    stat = "t" if r.test in ("t", "knha") and k > 1 else "z"
    df = f"({int(r.ddf)})" if stat == "t" else ""
    rows.append({"kind": "text", "label": f"Test for overall effect: {stat}{df} = {r.zval:.2f}, {p_text(r.pval)}"})
    if message:
        rows.append({"kind": "text", "label": message})
    return rows


def headers(res) -> dict:
    """Column headers of the forest plot, at the analysis's level."""
    info = res.spec.info
    arm1, arm2 = ARM_HEADERS.get(info.family, ("", ""))
    short = {"binary": info.code if info.code != "PETO" else "OR", "two_group": info.code, "change": info.code,
             "proportion": "Proportion", "generic": res.spec.effect_measure or "Estimate"}.get(info.family, "Estimate")
    if info.family == "percent":
        return {"label": "Study", "flags": "Flags", "n": "n", "arm1": "", "arm2": "", "reported": "Reported",
                "weight": "", "estimate_text": "Percent change"}
    return {"label": "Study", "flags": "Flags", "n": "n", "arm1": arm1, "arm2": arm2, "reported": "Reported",
            "weight": "Weight", "estimate_text": f"{short} [{res.spec.level:g}% CI]"}


def forest_layout(res, by: str | None = None, decimals: int = 2) -> pd.DataFrame:
    """The forest plot as a table, one row per line (see the module docstring)."""
    spec = res.spec
    weights = res.main.weight_of
    shown = [e for e in res.effects if math.isfinite(e.yi) or e.poolable]
    blank = [e for e in res.effects if not (math.isfinite(e.yi) or e.poolable)]
    rows = []
    if by and by in res.subgroups and not isinstance(res.subgroups[by], str):
        sg = res.subgroups[by]
        value = res.group_values[by]
        for g, r in sg.groups.items():
            rows.append({"kind": "group", "label": f"{by.replace('_', ' ')}: {g}"})
            members = [e for e in shown if e.poolable and value.get(e.study_id) == g]
            rows += [_study_row(res, e, weights, decimals) for e in members]  # overall weights, as RevMan shows them
            rows += _summary_rows(res, r, r.k, "", f"Subtotal {g}", decimals)
        rows.append({"kind": "text", "label": (
            f"Test for subgroup differences: Q = {sg.q_between:.2f} (df = {sg.q_between_df}), {p_text(sg.q_between_pval)}")})
    else:
        rows += [_study_row(res, e, weights, decimals) for e in shown if e.poolable]
    if spec.info.family != "percent":
        rows += _summary_rows(res, res.main.result, res.main.k, res.main.message,
                              "Pooled estimate" if res.main.k else "All studies", decimals)
        if res.main.result is not None:
            rows.append({"kind": "text", "label": _model_text(res.main.result, spec.level)})
    shown_only = [e for e in shown if not e.poolable]
    if shown_only:
        rows.append({"kind": "group", "label": "Reported, not pooled" if spec.info.family != "percent" else "Reported values (no spread: not pooled)"})
        rows += [_study_row(res, e, {}, decimals) for e in shown_only]
    if not res.effects and res.no_numbers:
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
            frame[c] = np.nan if c in NUMERIC else ""
    for c in NUMERIC:
        frame[c] = frame[c].astype(float)
    for c in set(LAYOUT_COLUMNS) - set(NUMERIC):
        frame[c] = frame[c].fillna("").astype(object)
    frame = frame[LAYOUT_COLUMNS + ["w"]]
    frame.attrs["headers"] = headers(res)
    frame.attrs["axis"] = spec.info.axis + (f" ({res.unit})" if res.unit and spec.info.raw_units else "")
    return frame


# ------------------------------------------------------------------ drawing

ROW = 0.21  # inches per line
CHAR = FONT["text"] / 72 * 0.56  # inches per character of text at FONT["text"] (DejaVu Sans, a generous average)
CLIP = {"label": 40, "flags": 7, "n": 8, "arm1": 30, "arm2": 30, "reported": 34, "weight": 7, "estimate_text": 24}
MIN_PLOT = 2.3


def clip(text, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def _columns(layout):
    """[(key, header, width in characters)] of the text columns shown, left of the plot and right of it."""
    h = layout.attrs.get("headers", {})
    has = lambda k: (layout[k].astype(str) != "").any()  # noqa: E731
    left = ["label", "flags"] + (["arm1", "arm2"] if h.get("arm1") and (has("arm1") or has("arm2")) else ["n"])
    if not (h.get("arm1") and (has("arm1") or has("arm2"))) and has("reported"):
        left.append("reported")
    right = ["weight", "estimate_text"]
    study = layout["kind"].isin(["study", "shown", "excluded", "diamond", "pi"])

    def width(k):
        texts = layout.loc[study, k].astype(str) if k != "label" else layout.loc[layout["kind"] != "text", k].astype(str)
        longest = max([len(clip(t, CLIP[k])) for t in texts] + [max(len(x) for x in str(h.get(k, k)).split("\n"))])
        return min(longest, CLIP[k]) + 2

    return [(k, h.get(k, k), width(k)) for k in left], [(k, h.get(k, k), width(k)) for k in right]


def _x_limits(layout, ratio, null):
    vals = layout[["x", "x_lb", "x_ub"]].to_numpy(dtype=float).ravel()
    vals = vals[np.isfinite(vals) & ((vals > 0) if ratio else True)]
    if vals.size == 0:
        return (0.5, 2.0) if ratio else (-1.0, 1.0)
    if null is not None:
        vals = np.append(vals, null)
    if ratio:
        lo, hi = np.log(vals.min()), np.log(vals.max())
        pad = 0.08 * (hi - lo or 1.0)
        return float(np.exp(lo - pad)), float(np.exp(hi + pad))
    lo, hi = float(vals.min()), float(vals.max())
    pad = 0.08 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def draw_forest(layout: pd.DataFrame, res, path_base, title: str | None = None, formats=None, width="page") -> list:
    """Draw a forest layout and save it (``formats``: default the analysis's); returns the paths written."""
    spec, info = res.spec, res.spec.info
    n = len(layout)
    left, right = _columns(layout)
    total_w = WIDTHS[width] if isinstance(width, str) else float(width)
    lw = sum(c[2] for c in left) * CHAR + 0.1
    rw = sum(c[2] for c in right) * CHAR + 0.25
    plot_w = max(total_w - lw - rw, MIN_PLOT)
    fig_w = lw + plot_w + rw
    flag_key = _flag_key(layout, int((fig_w - 0.2) / (CHAR * FONT["small"] / FONT["text"])))
    bottom = 0.62 + 0.14 * len(flag_key)
    height = bottom + 0.5 + ROW * (n + 2.2)
    fig = new_figure(fig_w, height)
    ax = fig.add_axes((lw / fig_w, bottom / height, plot_w / fig_w, (height - bottom - 0.5) / height))
    ax.set_ylim(n - 0.5, -1.6)
    ratio = info.ratio
    null = info.display_null
    if ratio:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.set_xlim(*_x_limits(layout, ratio, null))
    plotted = np.flatnonzero(layout["kind"].isin(["study", "shown", "diamond", "pi"]).to_numpy())
    if null is not None and plotted.size:  # the line of no effect runs over the estimates only, as in RevMan
        ax.plot([null, null], [-0.6, plotted.max() + 0.5], color=REFERENCE, lw=0.8, zorder=1)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.set_xlabel(clip(layout.attrs.get("axis", info.axis), 90), fontsize=FONT["label"], parse_math=False)
    ax.tick_params(labelsize=FONT["small"])
    tr = blended_transform_factory(fig.transFigure, ax.transData)
    xs, x = {}, 0.05
    for key, _, w in left:
        xs[key] = x / fig_w
        x += w * CHAR
    x = lw + plot_w + 0.05
    for key, _, w in right:
        xs[key] = x / fig_w
        x += w * CHAR
    widths = {k: w for k, _, w in left + right}
    widths["wide"] = sum(w for _, _, w in left)  # group and summary labels may run over the empty columns
    for key, head, _ in left + right:
        ax.text(xs[key], -1.0, head, transform=tr, fontsize=FONT["text"], fontweight="bold", va="center", parse_math=False)
    span = int((fig_w - 0.1) / CHAR)
    wmax = np.nanmax(layout["w"].to_numpy(float)) if np.isfinite(layout["w"].to_numpy(float)).any() else 1.0
    for i, row in enumerate(layout.itertuples()):
        _draw_row(ax, tr, xs, widths, i, row, wmax, span)
    _legend(fig, layout, height, flag_key)
    fig.suptitle(clip(title or spec.title, int(fig_w / (FONT["title"] / 72 * 0.6))), x=0.01, ha="left", y=1 - 0.12 / height,
                 va="top", fontsize=FONT["title"], fontweight="bold", parse_math=False)
    return save_figure(fig, path_base, formats=tuple(formats or spec.formats))


def _text(ax, tr, x, y, s, **kw):
    ax.text(x, y, s, transform=tr, va="center", parse_math=False, **kw)


def _draw_row(ax, tr, xs, widths, i, row, wmax, span):
    kind = row.kind
    if kind in ("text", "note"):
        _text(ax, tr, xs["label"], i, clip(row.label + (f": {row.note}" if row.note and kind == "note" else ""), span),
              fontsize=FONT["small"], style="italic")
        return
    bold = kind in ("group", "diamond")
    room = widths["wide"] if kind in ("group", "diamond", "pi") else widths["label"]
    _text(ax, tr, xs["label"], i, clip(row.label, room - 2), fontsize=FONT["text"],
          fontweight="bold" if bold else "normal", style="italic" if kind == "excluded" else "normal")
    if kind == "group":
        return
    for key in xs:
        if key == "label" or (kind in ("diamond", "pi") and key in ("flags", "n", "arm1", "arm2", "reported")):
            continue
        text = str(getattr(row, key))
        if text:
            colour = FLAG_COLOURS.get(row.marker, "black") if key == "flags" else "black"
            _text(ax, tr, xs[key], i, clip(text, widths[key] - 1), fontsize=FONT["text"], color=colour)
    colour = FLAG_COLOURS.get(row.marker or "none", FLAG_COLOURS["none"])
    if kind == "excluded":
        start = min(v for k, v in xs.items() if k not in ("label", "flags"))
        room = int(span * (1 - start)) - 2
        _text(ax, tr, start, i, clip("not pooled: " + str(row.note), room), fontsize=FONT["small"], color="0.3",
              style="italic", bbox={"fc": "white", "ec": "none", "pad": 0.5}, zorder=5)
    elif kind == "study" and math.isfinite(row.x):
        if math.isfinite(row.x_lb) and math.isfinite(row.x_ub):
            ax.plot([row.x_lb, row.x_ub], [i, i], color="black", lw=0.9)
        size = 3 + 7 * math.sqrt(row.w / wmax) if math.isfinite(row.w) else 4
        ax.plot([row.x], [i], marker="s", ms=size, mec=colour, mfc="white" if "*" in row.flags else colour, mew=1.2)
    elif kind == "shown" and math.isfinite(row.x):
        ax.plot([row.x], [i], marker="o", ms=4, mec=colour, mfc="white", mew=1.1)
    elif kind == "diamond":
        ax.add_patch(Polygon([(row.x_lb, i), (row.x, i - 0.35), (row.x_ub, i), (row.x, i + 0.35)], closed=True, fc=POOLED, ec=POOLED))
    elif kind == "pi":
        ax.plot([row.x_lb, row.x_ub], [i, i], color=POOLED, lw=2.0, solid_capstyle="butt")


def _flag_key(layout, width: int) -> list:
    """The flag symbols that occur, explained, wrapped to ``width`` characters per line."""
    studies = layout[layout["kind"].isin(["study", "shown", "excluded"])]
    symbols = set("".join(studies["flags"]))
    items = [f"{f.symbol} {f.title}" for f in FLAGS if f.symbol in symbols]
    lines, line = [], "Flags:"
    for item in items:
        if len(line) + 2 + len(item) > width and line != "Flags:":
            lines.append(line)
            line = "   "
        line += ("  " if line.strip() else " ") + item
    if items:
        lines.append(line)
    return lines


def _legend(fig, layout, height, key):
    """Only what the plot shows: the marker colours and flags that occur."""
    studies = layout[layout["kind"].isin(["study", "shown", "excluded"])]
    present = set(studies["marker"])
    names = {"none": "controlled, verifiable", "uncontrolled": "uncontrolled", "unverifiable": "unverifiable"}
    handles = [Line2D([], [], marker="s", ls="", mfc=FLAG_COLOURS[k], mec=FLAG_COLOURS[k], label=t) for k, t in names.items() if k in present]
    if studies["flags"].str.contains("*", regex=False).any():
        handles.append(Line2D([], [], marker="s", ls="", mfc="white", mec="black", label="rests on derived numbers"))
    if (layout["kind"] == "diamond").any():
        handles.append(Patch(fc=POOLED, label="pooled estimate" + (", prediction interval" if (layout["kind"] == "pi").any() else "")))
    y = 0.06 + 0.14 * len(key)
    if handles:
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, y / height), ncol=len(handles),
                   fontsize=FONT["small"], frameon=False, handlelength=1.2, columnspacing=1.2, borderaxespad=0.1)
    for j, line in enumerate(key):
        fig.text(0.01, (0.06 + 0.14 * (len(key) - 1 - j)) / height, line, fontsize=FONT["small"], color="0.25", parse_math=False)


def forest_plot(yi, vi, labels, path_base, measure="MD", method="REML", test="z", title="Forest plot", flags=None, unit="",
                level=95, formats=None):
    """A forest plot straight from effect sizes (no workbook): returns the file paths.

    ``measure`` decides the axis: ratio measures (RR, OR, PETO, ROM; yi on the log
    scale) are drawn on a log axis labelled in ratios. ``flags`` maps a label to
    flag names (e.g. ``{"Lee 2017": {"unverifiable": "no record"}}``).
    """
    from ..analysis.extract import StudyEffect
    from ..analysis.run import AnalysisResult, pool
    from ..analysis.spec import AnalysisSpec

    spec = AnalysisSpec(name="forest", title=title, outcome=(), measure=measure, method=method, test=test, unit=unit, level=level)
    effects = [StudyEffect(str(lab), str(lab), arm="", yi=float(y), vi=float(v)) for lab, y, v in zip(labels, yi, vi)]
    res = AnalysisResult(spec, effects, {str(k): v for k, v in (flags or {}).items()}, [], [], pool("all studies", effects, spec),
                         unit=unit)
    return draw_forest(forest_layout(res), res, path_base, title=title, formats=formats)


__all__ = ["forest_layout", "draw_forest", "forest_plot", "headers", "clip"]
