"""Contour-enhanced funnel plots (Peters et al. 2008): effect against standard error, with
shaded regions where a study's result would be significant at 10%, 5% and 1% against no
effect, the pooled estimate and its pseudo confidence limits at the analysis's level (as
metafor's ``funnel``). Effects are on the analysis scale (log for ratios). With fewer than
10 studies the plot says that asymmetry cannot be judged (Sterne et al. 2011)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from scipy import stats

from ..evidence.flags import flag_symbols
from .forest import _marker, clip
from .save import save_figure
from .style import FLAG_COLOURS, FONT, POOLED, REFERENCE, new_figure

CONTOURS = ((0.10, "#f2f2f2"), (0.05, "#d9d9d9"), (0.01, "#bdbdbd"))
SCALE_WORDS = {"log": "Log {}", "logit": "Logit-transformed {}", "ft": "Freeman-Tukey transformed {}"}


def funnel_layout(res) -> pd.DataFrame:
    """One row per pooled study with an estimate: label, yi, se, flags and marker colour key."""
    rows = []
    for e in res.effects:
        if not e.poolable or not (math.isfinite(e.yi) and math.isfinite(e.vi)):
            continue
        flags = flag_symbols(res.flags_of(e))
        rows.append({"label": e.row_label, "yi": e.yi, "se": math.sqrt(e.vi), "flags": flags, "marker": _marker(flags)})
    return pd.DataFrame(rows, columns=["label", "yi", "se", "flags", "marker"])


def x_label(res) -> str:
    """The funnel's x-axis: the measure on its analysis scale, with the unit for raw measures."""
    info = res.spec.info
    if info.scale in SCALE_WORDS:
        return SCALE_WORDS[info.scale].format(info.title)
    return info.axis + (f" ({res.unit})" if res.unit and info.raw_units else "")


def draw_funnel(layout: pd.DataFrame, res, path_base, formats=None) -> list:
    """Draw a funnel layout and save it (``formats``: default the analysis's); returns the paths written."""
    spec, fit = res.spec, res.main
    fig = new_figure("double", 4.8)
    ax = fig.add_axes((0.1, 0.26, 0.86, 0.6))
    se_max = float(layout.se.max()) * 1.15 if len(layout) else 1.0
    se = np.linspace(0, se_max, 200)
    contours = spec.info.null is not None
    if contours:  # p < 0.01 outside (the axes background), then 0.01-0.05, 0.05-0.10, p > 0.10 (white) inside
        ax.set_facecolor(CONTOURS[2][1])
        for p, colour in ((0.01, CONTOURS[1][1]), (0.05, CONTOURS[0][1]), (0.10, "white")):
            z = stats.norm.isf(p / 2)
            ax.fill_betweenx(se, -z * se, z * se, color=colour, zorder=0.2, lw=0)
        ax.axvline(0, color=REFERENCE, lw=0.8, zorder=1)
    crit = res.crit()
    if fit.result is not None:
        est = fit.result.estimate
        ax.axvline(est, color=POOLED, lw=1.2, zorder=2)
        ax.plot(est - crit * se, se, color=POOLED, ls="--", lw=0.8, zorder=2)
        ax.plot(est + crit * se, se, color=POOLED, ls="--", lw=0.8, zorder=2)
    ax.set_xlim(*_x_limits(layout, se_max, contours, fit))
    width = ax.get_xlim()[1] - ax.get_xlim()[0]
    for row in layout.itertuples():
        c = FLAG_COLOURS[row.marker]
        ax.plot(row.yi, row.se, marker="o", ms=6, mec=c, mfc="white" if "*" in row.flags else c, mew=1.3, zorder=3)
        right = row.yi > ax.get_xlim()[1] - 0.3 * width
        ax.annotate(clip(row.label, 30), (row.yi, row.se), xytext=(-5 if right else 5, 4), textcoords="offset points",
                    fontsize=FONT["small"], ha="right" if right else "left", parse_math=False)
    ax.set_ylim(se_max, 0)
    ax.set_xlabel(clip(x_label(res), 90), fontsize=FONT["label"], parse_math=False)
    ax.set_ylabel("Standard error", fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["small"])
    note = f"k = {len(layout)}"
    if len(layout) < 10:
        note += ": too few studies to judge funnel asymmetry (small-study effects or publication bias)."
    fig.text(0.1, 0.875, note, fontsize=FONT["small"], style="italic")
    fig.suptitle("Contour-enhanced funnel plot\n" + clip(spec.title, 95), fontsize=FONT["title"], fontweight="bold", x=0.02,
                 ha="left", y=0.99, parse_math=False)
    fig.legend(handles=_handles(layout, contours, spec.level), loc="lower left", bbox_to_anchor=(0.02, 0.0), ncol=4,
               fontsize=FONT["small"], frameon=False)
    return save_figure(fig, path_base, formats=tuple(formats or spec.formats))


def _x_limits(layout, se_max, contours, fit):
    xs = layout.yi.to_numpy(float) if len(layout) else np.array([-1.0, 1.0])
    if contours:
        xs = np.append(xs, 0.0)
    centre = fit.result.estimate if fit.result is not None else float(np.mean(xs))
    span = max(float(np.abs(xs - centre).max()), stats.norm.isf(0.005) * se_max)
    lo, hi = min(xs.min(), centre - span * 0.2), max(xs.max(), centre + span * 0.2)
    return lo - 0.1 * span, hi + 0.1 * span


def _handles(layout, contours, level):
    handles = []
    if contours:
        handles += [Patch(fc="white", ec="0.6", label="p > 0.10"), Patch(fc=CONTOURS[0][1], label="0.05 < p < 0.10"),
                    Patch(fc=CONTOURS[1][1], label="0.01 < p < 0.05"), Patch(fc=CONTOURS[2][1], label="p < 0.01")]
    handles.append(Line2D([], [], color=POOLED, label=f"pooled estimate, pseudo {level:g}% limits"))
    present = set(layout["marker"])
    handles += [Line2D([], [], marker="o", ls="", mfc=FLAG_COLOURS[k], mec=FLAG_COLOURS[k], label=text)
                for k, text in (("none", "controlled, verifiable"), ("uncontrolled", "uncontrolled"), ("unverifiable", "unverifiable"))
                if k in present]
    if layout["flags"].str.contains("*", regex=False).any():
        handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="black", label="rests on derived numbers"))
    return handles


__all__ = ["funnel_layout", "draw_funnel", "x_label"]
