"""Figures for small-study effects: a funnel plot with trim-and-fill, Egger, PET and PEESE, and
the radial (Galbraith) plot.

Each figure is built in two steps: a *layout* — a tidy table of everything drawn, in the
data's units, which the tests check — then drawing from that table only. Figures are
matplotlib ``Figure`` objects (no pyplot state) at journal widths with the shared style
(:mod:`exometa.plots.style`); save them with :func:`exometa.plots.save.save_figure`.

- :func:`bias_funnel` — effect against standard error (0 at the top): observed studies
  solid, trim-and-fill studies hollow, the pooled estimate (and the filled one), the
  pseudo-95% funnel, the Egger regression line with its limit estimate (PET) and the
  PEESE curve with its estimate, each with its CI at SE = 0;
- :func:`radial` — Galbraith's plot: standardised effect against precision, the pooled
  estimate as the slope of a line through the origin, +/- z bands; a right-hand scale
  reads effect sizes as slopes of lines from the origin (where such a line meets the right edge).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..models.distributions import norm_isf
from .style import FLAG_COLOURS, FONT, POOLED, REFERENCE, new_figure

#: colours of the adjustment lines (distinct from the study-marker palette)
COLOURS = {"egger": "#b03a2e", "peese": "#7d3c98", "filled": "#117a65"}
#: every element a bias funnel layout can hold, in drawing order
ELEMENTS = (
    "funnel", "estimate", "estimate filled", "Egger line", "PEESE curve",
    "study", "filled study", "PET", "PEESE",
)  # fmt: skip
LAYOUT_COLUMNS = ["element", "label", "x", "se", "x_lb", "x_ub", "hollow"]


def _resolve(res, trimfill, pet, peese):
    """True means 'compute it with the defaults'; a result object is used as given."""
    from ..bias import regtest
    from ..bias import trimfill as run_trimfill

    if trimfill is True:
        trimfill = run_trimfill(res)
    if pet is True:
        pet = regtest(res, predictor="sei")
    if peese is True:
        peese = regtest(res, predictor="vi")
    return trimfill or None, pet or None, peese or None


def funnel_layout(res, trimfill=None, pet=None, peese=None, points: int = 101) -> pd.DataFrame:
    """Everything :func:`bias_funnel` draws, one row per point (lines: ordered points).

    Columns: ``element`` (see :data:`ELEMENTS`), ``label`` (study label or line name),
    ``x`` (effect), ``se`` (standard error), ``x_lb``/``x_ub`` (CI at SE = 0 for PET and
    PEESE), ``hollow`` (imputed: trim-and-fill studies).
    """
    trimfill, pet, peese = _resolve(res, trimfill, pet, peese)
    yi, vi = np.asarray(res.yi, dtype=float), np.asarray(res.vi, dtype=float)
    labels = list(res.slab) if res.slab is not None else [f"study {i + 1}" for i in range(yi.size)]
    rows = [("study", lab, y, np.sqrt(v), np.nan, np.nan, False) for lab, y, v in zip(labels, yi, vi)]
    if trimfill is not None:
        rows += [("filled study", lab, y, np.sqrt(v), np.nan, np.nan, True)
                 for lab, y, v, f in zip(trimfill.slab, trimfill.yi, trimfill.vi, trimfill.fill) if f]  # fmt: skip
    se_max = max(r[3] for r in rows) * 1.05
    se = np.linspace(0.0, se_max, points)
    crit = norm_isf((1 - res.level / 100) / 2)
    rows += [("funnel", "lower", res.estimate - crit * s, s, np.nan, np.nan, False) for s in se]
    rows += [("funnel", "upper", res.estimate + crit * s, s, np.nan, np.nan, False) for s in se[::-1]]
    rows += [("estimate", "pooled estimate", res.estimate, s, np.nan, np.nan, False) for s in (0.0, se_max)]
    if trimfill is not None and trimfill.k0 > 0:
        rows += [("estimate filled", "with filled studies", trimfill.estimate, s, np.nan, np.nan, False) for s in (0.0, se_max)]
    for reg, line, point, power in ((pet, "Egger line", "PET", 1), (peese, "PEESE curve", "PEESE", 2)):
        if reg is None:
            continue
        b0, b1 = reg.coef
        rows += [(line, reg.limit_name, b0 + b1 * s**power, s, np.nan, np.nan, False) for s in se]
        rows.append((point, reg.limit_name, reg.est, 0.0, reg.ci_lb, reg.ci_ub, False))
    return pd.DataFrame(rows, columns=LAYOUT_COLUMNS)


def bias_funnel(res, *, trimfill=None, pet=None, peese=None, width="single", height: float | None = None,
                xlabel: str = "Effect size", title: str | None = None, labels: bool = False):  # fmt: skip
    """Funnel plot for small-study effects; returns a matplotlib Figure.

    Parameters
    ----------
    res : MetaResult
        The fitted analysis.
    trimfill, pet, peese : result, True or None
        A :func:`~exometa.bias.trimfill` result (filled studies drawn hollow), a
        :func:`~exometa.bias.regtest` result with predictor 'sei' (Egger line, PET) and
        one with 'vi' (PEESE); ``True`` computes each with its defaults.
    width : 'single', 'double', 'page' or inches
    height : inches, optional
        The figure's height (default: what the plot, its labels and legend need); a height
        that leaves the plot less than an inch is raised to give it one.
    xlabel, title : text (shown as given, never parsed as mathematics).
    labels : bool
        Label each observed study.
    """
    layout = funnel_layout(res, trimfill, pet, peese)
    handles = _funnel_legend(layout)
    # in inches: the title above the plot, the tick labels and axis label below it, then the legend
    # (two columns): the figure is as tall as these need, the plot keeps its height
    top = 0.32 if title else 0.12
    bottom = 0.5 + 0.16 * -(-len(handles) // 2) + 0.05
    plot_h = max(height - top - bottom, 1.0) if height else (2.0 if width == "single" else 2.6)  # at least 1 in
    H = top + plot_h + bottom
    left = 0.17 if width == "single" else 0.1
    fig = new_figure(width, H)
    ax = fig.add_axes((left, bottom / H, 0.95 - left if width == "single" else 0.86, plot_h / H))
    _draw_funnel(ax, layout, labels)
    se_max = layout.se.max()
    ax.set_ylim(se_max, -0.09 * se_max)
    ax.set_xlabel(xlabel, fontsize=FONT["label"], parse_math=False)
    ax.set_ylabel("Standard error", fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["small"])
    if title:
        ax.set_title(title, fontsize=FONT["title"], loc="left", parse_math=False)
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.02, 0.0), ncol=2, fontsize=FONT["small"],
               frameon=False, handlelength=1.8, columnspacing=1.0)  # fmt: skip
    return fig


def _draw_funnel(ax, layout: pd.DataFrame, labels: bool):
    part = lambda name: layout[layout.element == name]  # noqa: E731
    f = part("funnel")
    ax.fill(f.x, f.se, color="0.93", lw=0, zorder=0.5)
    ax.plot(f.x, f.se, color=REFERENCE, lw=0.6, ls=(0, (3, 2)), zorder=1)
    ax.axvline(0, color="0.6", lw=0.6, zorder=0.8)
    for name, colour, style in (("estimate", POOLED, "-"), ("estimate filled", COLOURS["filled"], "--")):
        e = part(name)
        ax.plot(e.x, e.se, color=colour, lw=1.0, ls=style, zorder=2)
    for name, colour, style in (("Egger line", COLOURS["egger"], "-"), ("PEESE curve", COLOURS["peese"], ":")):
        e = part(name)
        ax.plot(e.x, e.se, color=colour, lw=1.1, ls=style, zorder=2.5)
    colour = FLAG_COLOURS["none"]
    s = part("study")
    ax.plot(s.x, s.se, "o", ms=4.5, mfc=colour, mec=colour, mew=0.8, ls="", zorder=3)
    fs = part("filled study")
    ax.plot(fs.x, fs.se, "o", ms=4.5, mfc="white", mec=colour, mew=0.9, ls="", zorder=3)
    se_max = layout.se.max()
    for name, colour, lift in (("PET", COLOURS["egger"], 0.0), ("PEESE", COLOURS["peese"], 0.05)):
        for row in part(name).itertuples():  # at SE = 0; PEESE drawn just above so the two do not overlap
            ax.errorbar(row.x, row.se - lift * se_max, xerr=[[row.x - row.x_lb], [row.x_ub - row.x]], fmt="D", ms=4.5, color=colour,
                        mfc=colour, elinewidth=1.2, capsize=2.5, zorder=4, clip_on=False)  # fmt: skip
    if labels:
        for row in s.itertuples():
            ax.annotate(row.label, (row.x, row.se), xytext=(3, 2), textcoords="offset points",
                        fontsize=FONT["small"], annotation_clip=False).set_parse_math(False)  # fmt: skip
    xs = layout.x.to_numpy()
    xs = np.concatenate([xs[np.isfinite(xs)], layout.x_lb.dropna(), layout.x_ub.dropna()])
    pad = 0.05 * (xs.max() - xs.min() or 1.0)
    ax.set_xlim(xs.min() - pad, xs.max() + pad)


def _funnel_legend(layout: pd.DataFrame) -> list:
    present = set(layout.element)
    colour = FLAG_COLOURS["none"]
    entries = [
        ("study", Line2D([], [], marker="o", ls="", mfc=colour, mec=colour, ms=4.5, label="observed study")),
        ("filled study", Line2D([], [], marker="o", ls="", mfc="white", mec=colour, ms=4.5,
                                label="filled (trim and fill; imputed)")),
        ("estimate", Line2D([], [], color=POOLED, lw=1.0, label="pooled estimate")),
        ("estimate filled", Line2D([], [], color=COLOURS["filled"], lw=1.0, ls="--", label="with filled studies")),
        ("funnel", Line2D([], [], color=REFERENCE, lw=0.6, ls=(0, (3, 2)), label="pseudo 95% limits")),
        ("Egger line", Line2D([], [], color=COLOURS["egger"], lw=1.1, label="Egger regression line")),
        ("PET", Line2D([], [], color=COLOURS["egger"], marker="D", ls="", ms=4.5, label="PET estimate (95% CI)")),
        ("PEESE curve", Line2D([], [], color=COLOURS["peese"], lw=1.1, ls=":", label="PEESE curve")),
        ("PEESE", Line2D([], [], color=COLOURS["peese"], marker="D", ls="", ms=4.5, label="PEESE estimate (95% CI)")),
    ]  # fmt: skip
    return [handle for element, handle in entries if element in present]


def radial_layout(res) -> pd.DataFrame:
    """One row per study: ``label``, ``x`` = 1/sqrt(vi + tau^2) (precision), ``y`` =
    yi/sqrt(vi + tau^2) (standardised effect), as metafor's ``radial`` draws them."""
    yi, vi = np.asarray(res.yi, dtype=float), np.asarray(res.vi, dtype=float)
    tau2 = 0.0 if res.method in ("EE", "FE") else float(res.tau2)
    s = np.sqrt(vi + tau2)
    labels = list(res.slab) if res.slab is not None else [f"study {i + 1}" for i in range(yi.size)]
    return pd.DataFrame({"label": labels, "x": 1 / s, "y": yi / s})


def radial(res, *, width="single", height: float | None = None, title: str | None = None, labels: bool = False,
           effect_label: str = "Effect size"):  # fmt: skip
    """Radial (Galbraith) plot of a fitted analysis; returns a matplotlib Figure.

    Each study sits at (precision, standardised effect); a line through the origin with
    slope equal to an effect size passes through every study with that effect. The
    pooled estimate is the solid line; the band holds +/- z (the analysis's level)
    around it: under the model about that share of studies fall inside. The right-hand
    scale reads effect sizes as slopes: where a line from the origin meets the right edge.
    """
    lay = radial_layout(res)
    fig = new_figure(width, height or (3.0 if width == "single" else 3.8))
    ax = fig.add_axes((0.16, 0.15, 0.62, 0.74) if width == "single" else (0.09, 0.14, 0.78, 0.76))
    est = float(res.estimate)
    z = norm_isf((1 - res.level / 100) / 2)
    x_max = 1.15 * lay.x.max()
    xs = np.array([0.0, x_max])
    ax.fill_between(xs, -z + est * xs, z + est * xs, color="0.93", lw=0, zorder=0.5)
    ax.plot(xs, est * xs, color=POOLED, lw=1.0, zorder=2)
    for sign in (-1, 1):
        ax.plot(xs, sign * z + est * xs, color=REFERENCE, lw=0.6, ls=(0, (3, 2)), zorder=1)
    ax.axhline(0, color="0.6", lw=0.6, zorder=0.8)
    colour = FLAG_COLOURS["none"]
    ax.plot(lay.x, lay.y, "o", ms=4.5, mfc=colour, mec=colour, ls="", zorder=3)
    if labels:
        for row in lay.itertuples():
            ax.annotate(row.label, (row.x, row.y), xytext=(3, 2), textcoords="offset points",
                        fontsize=FONT["small"]).set_parse_math(False)  # fmt: skip
    ys = np.concatenate([lay.y, [-z, z, est * x_max - z, est * x_max + z]])
    pad = 0.08 * (ys.max() - ys.min())
    ax.set_ylim(ys.min() - pad, ys.max() + pad)
    ax.set_xlim(0, x_max)
    ax.set_xlabel("Precision, 1/√(vi + τ²)", fontsize=FONT["label"])
    ax.set_ylabel("Standardised effect, yi/√(vi + τ²)", fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["small"])
    right = ax.secondary_yaxis("right", functions=(lambda y: y / x_max, lambda t: t * x_max))
    lo, hi = (v / x_max for v in ax.get_ylim())
    right.set_yticks([t for t in MaxNLocator(6).tick_values(lo, hi) if lo <= t <= hi])
    right.set_ylabel(f"{effect_label} (slope of a line from the origin)", fontsize=FONT["label"], parse_math=False)
    right.tick_params(labelsize=FONT["small"])
    if title:
        ax.set_title(title, fontsize=FONT["title"], loc="left", parse_math=False)
    return fig
