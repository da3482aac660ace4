"""Contour-enhanced funnel plots (Peters et al. 2008): effect against standard error, with
shaded regions where a study's result would be significant at 10%, 5% and 1% against no
effect, the pooled estimate and its pseudo-95% funnel. With fewer than 10 studies the plot
says that asymmetry cannot be judged (Sterne et al. 2011)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..evidence.flags import flag_symbols
from .forest import FLAG_COLOURS, _marker
from .save import save_figure

CONTOURS = ((0.10, "#f2f2f2"), (0.05, "#d9d9d9"), (0.01, "#bdbdbd"))


def funnel_layout(res) -> pd.DataFrame:
    """One row per pooled study: label, yi, se, flags and marker colour key."""
    from ..analysis.run import _row_label

    rows = []
    for e in res.effects:
        if not e.poolable:
            continue
        flags = flag_symbols(res.flags.get(e.study_id, {}))
        rows.append({"label": _row_label(e), "yi": e.yi, "se": math.sqrt(e.vi), "flags": flags, "marker": _marker(flags)})
    return pd.DataFrame(rows, columns=["label", "yi", "se", "flags", "marker"])


def draw_funnel(layout: pd.DataFrame, res, path_base) -> list:
    spec, fit = res.spec, res.main
    fig = Figure(figsize=(7.5, 5.6))
    ax = fig.add_axes((0.12, 0.25, 0.83, 0.61))
    se_max = float(layout.se.max()) * 1.15 if len(layout) else 1.0
    se = np.linspace(0, se_max, 200)

    # significance regions around no effect: p < 0.01 outside (the axes background), then
    # 0.01-0.05, 0.05-0.10, and p > 0.10 (white) in the middle
    ax.set_facecolor(CONTOURS[2][1])
    for p, colour in ((0.01, CONTOURS[1][1]), (0.05, CONTOURS[0][1]), (0.10, "white")):
        z = stats.norm.isf(p / 2)
        ax.fill_betweenx(se, -z * se, z * se, color=colour, zorder=0.2, lw=0)
    ax.axvline(0, color="0.5", lw=0.8, zorder=1)
    if fit.result is not None:
        est = fit.result.estimate
        ax.axvline(est, color="#34495e", lw=1.2, zorder=2)
        ax.plot(est - 1.96 * se, se, color="#34495e", ls="--", lw=0.8, zorder=2)
        ax.plot(est + 1.96 * se, se, color="#34495e", ls="--", lw=0.8, zorder=2)
    xs = np.concatenate([layout.yi.to_numpy(), [0.0]]) if len(layout) else np.array([-1.0, 1.0])
    span = max(abs(xs).max(), stats.norm.isf(0.005) * se_max)
    ax.set_xlim(min(xs.min(), -span * 0.2) - 0.1 * span, max(xs.max(), span * 0.2) + 0.1 * span)
    for row in layout.itertuples():
        c = FLAG_COLOURS[row.marker]
        ax.plot(row.yi, row.se, marker="o", ms=7, mec=c, mfc="white" if "*" in row.flags else c, mew=1.5, zorder=3)
        right = row.yi > ax.get_xlim()[1] - 0.3 * (ax.get_xlim()[1] - ax.get_xlim()[0])
        ax.annotate(row.label, (row.yi, row.se), xytext=(-5 if right else 5, 4), textcoords="offset points",
                    fontsize=7.5, ha="right" if right else "left")
    ax.set_ylim(se_max, 0)
    unit = f" ({spec.unit})" if spec.unit else ""
    ax.set_xlabel({"MC": "Mean change from baseline", "MD": "Difference in change"}.get(spec.measure, "Effect") + unit, fontsize=9)
    ax.set_ylabel("Standard error", fontsize=9)
    ax.tick_params(labelsize=8)
    note = f"k = {len(layout)}"
    if len(layout) < 10:
        note += ": too few studies to judge funnel asymmetry (small-study effects or publication bias)."
    fig.text(0.12, 0.895, note, fontsize=8, style="italic")
    fig.suptitle("Contour-enhanced funnel plot\n" + spec.title, fontsize=9.5, fontweight="bold", x=0.02, ha="left", y=0.99)
    handles = [Patch(fc="white", ec="0.6", label="p > 0.10"), Patch(fc=CONTOURS[0][1], label="0.05 < p < 0.10"),
               Patch(fc=CONTOURS[1][1], label="0.01 < p < 0.05"), Patch(fc=CONTOURS[2][1], label="p < 0.01"),
               Line2D([], [], color="#34495e", label="pooled estimate, pseudo 95% limits")]
    handles += [Line2D([], [], marker="o", ls="", mfc=FLAG_COLOURS[k], mec=FLAG_COLOURS[k], label=text)
                for k, text in (("none", "controlled, verifiable"), ("uncontrolled", "uncontrolled"), ("unverifiable", "unverifiable"))]
    handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="black", label="rests on imputed numbers"))
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.02, 0.0), ncol=4, fontsize=7, frameon=False)
    return save_figure(fig, path_base)
