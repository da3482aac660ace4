"""Figures of the diagnostics: each a layout table first (tested), drawing second.

- :func:`series_forest` - leave-one-out and cumulative forest plots;
- :func:`baujat_plot` - contribution to heterogeneity against influence;
- :func:`gosh_plot` - estimate against I^2 for every subset, with one panel per
  study that drives a cluster (its subsets coloured, Olkin et al. 2012);
- :func:`influence_panels` - metafor's case diagnostics by study, cut-offs drawn.

Every function returns a matplotlib ``Figure`` (no pyplot state) at a journal
width with text of at least 7 pt; save it with
:func:`exometa.plots.save.save_figure`. Study labels are drawn as plain text
(``parse_math=False``). The result objects' ``.plot()`` methods call these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator
from matplotlib.transforms import blended_transform_factory

from ..formatting import fmt_or_blank
from .style import FLAG_COLOURS, FONT, POOLED, REFERENCE, new_figure

POINT = FLAG_COLOURS["none"]
#: studies singled out (influential, driving a cluster): a colour no flag uses
HIGHLIGHT = "#7b2cbf"
MUTED = "0.62"
#: GOSH points drawn at most (a seeded, evenly spread subsample beyond this)
MAX_POINTS = 20_000


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ----------------------------------------------------------------------------- forest plots
def series_forest_layout(s, coef=None, transf=None, digits: int = 2) -> pd.DataFrame:
    """One row per line of a leave-one-out or cumulative forest plot.

    Columns: ``kind`` ('refit' or 'all'), ``label``, ``k``, ``estimate``, ``ci_lb``,
    ``ci_ub`` (transformed by ``transf``), ``text`` ('est [lo, hi]'), ``i2``, ``pval``.
    """
    m = s.model
    j = (0 if m.int_only else 1) if coef is None else coef
    pick = (lambda a: np.asarray(a, float)) if m.int_only else (lambda a: np.asarray(a, float)[:, j])
    f = transf or (lambda v: v)
    est, lo, hi = (np.asarray(f(pick(getattr(s, n))), float) for n in ("estimate", "ci_lb", "ci_ub"))
    lo, hi = np.fmin(lo, hi), np.fmax(lo, hi)
    rows = [
        {"kind": "refit", "label": s.slab[i], "k": int(s.k[i]),
         "estimate": est[i], "ci_lb": lo[i], "ci_ub": hi[i], "i2": s.i2[i], "pval": pick(s.pval)[i]}
        for i in range(len(s.slab))
    ]  # fmt: skip
    full = m.result
    fe = [float(f(np.atleast_1d(getattr(full, n))[j])) for n in ("estimate", "ci_lb", "ci_ub")]
    rows.append({"kind": "all", "label": f"All studies (k = {m.k})", "k": m.k, "estimate": fe[0],
                 "ci_lb": min(fe[1:]), "ci_ub": max(fe[1:]), "i2": full.i2, "pval": np.atleast_1d(full.pval)[j]})  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["text"] = [
        f"{fmt_or_blank(e, digits)} [{fmt_or_blank(a, digits)}, {fmt_or_blank(b, digits)}]" if np.isfinite(e) else "not estimable"
        for e, a, b in zip(frame.estimate, frame.ci_lb, frame.ci_ub)
    ]  # fmt: skip
    return frame


RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def _ratio_axis(ax, lo: float, hi: float, axis: str = "x") -> None:
    """A log axis labelled with plain ratios (0.2, 0.5, 1, 2), never 10^x."""
    getattr(ax, f"set_{axis}scale")("log")
    getattr(ax, f"set_{axis}lim")(lo / 1.08, hi * 1.08)
    ticks = [t for t in RATIO_TICKS if lo / 1.08 <= t <= hi * 1.08]
    if len(ticks) > 6:
        ticks = [t for t in ticks if t in (0.01, 0.1, 0.5, 1, 2, 10, 100)]
    scale = getattr(ax, f"{axis}axis")
    scale.set_major_locator(FixedLocator(ticks))
    scale.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    scale.set_minor_locator(NullLocator())


def _p_short(p) -> str:
    if not np.isfinite(p):
        return ""
    return "<.001" if p < 0.001 else f"{p:.3f}"


def series_rows(lay: pd.DataFrame, omitting: bool, max_rows: int | None, change=None) -> tuple[pd.DataFrame, str]:
    """The rows of a series forest plot to draw, and a note saying which, when not all fit.

    Up to ``max_rows`` refits are drawn whole. Beyond that, a leave-one-out plot shows the
    ``max_rows`` studies whose omission moves the estimate most, largest change first
    (``change``: each refit's change on the analysis scale; default: on the layout's); a
    cumulative plot shows evenly spaced steps, the last always included. The all-studies
    row is always drawn.

    >>> lay = pd.DataFrame({"kind": ["refit"] * 4 + ["all"], "label": list("ABCD") + ["All"],
    ...                     "estimate": [1.0, 3.5, 2.2, 1.9, 2.0]})
    >>> rows, note = series_rows(lay, True, 2)
    >>> rows.label.tolist(), note
    (['B', 'A', 'All'], 'The 2 of 4 studies whose omission moves the estimate most, largest change first.')
    """
    refit = lay[lay.kind == "refit"]
    n = len(refit)
    if max_rows is None or n <= max_rows:
        return lay, ""
    if omitting:
        moved = (refit.estimate - lay.estimate.iloc[-1]).abs() if change is None else pd.Series(
            np.abs(np.asarray(change, float)), index=refit.index)
        pick = moved.fillna(-1.0).sort_values(ascending=False, kind="stable").index[:max_rows]
        note = f"The {max_rows:,} of {n:,} studies whose omission moves the estimate most, largest change first."
    else:
        pick = refit.index[np.unique(np.round(np.linspace(0, n - 1, max_rows)).astype(int))]
        note = f"{len(pick):,} of the {n:,} steps, evenly spaced (the last included)."
    return pd.concat([lay.loc[pick], lay[lay.kind == "all"]], ignore_index=True), note


def series_forest(s, coef=None, transf=None, title=None, xlabel=None, null=0.0, width="double", digits=2,
                  max_rows: int | None = None, note_end: str = ""):
    """Leave-one-out or cumulative forest plot of a :class:`~exometa.diagnostics.series.RefitSeries`.

    ``transf`` (e.g. ``np.exp``) shows ratios on a log axis; ``null`` is the value of
    no effect on the analysis scale (drawn as a vertical line). With ``max_rows``, at
    most that many refits are drawn (see :func:`series_rows`; the figure says which,
    followed by ``note_end``, e.g. where the rest are).
    """
    m = s.model
    j = (0 if m.int_only else 1) if coef is None else coef
    raw = np.asarray(s.estimate, float) if m.int_only else np.asarray(s.estimate, float)[:, j]
    full = float(np.atleast_1d(m.result.estimate)[j])
    lay, note = series_rows(series_forest_layout(s, coef, transf, digits), s.row_word == "omitting", max_rows,
                            change=raw - full)
    note = f"{note[:-1]}; {note_end}." if note and note_end else note
    n = len(lay)
    top = 0.95 + (0.2 if note else 0.0)
    height = 0.1 + top + 0.2 * (n + 1)
    fig = new_figure(width, height)
    ax = fig.add_axes((0.31, 0.5 / height, 0.31, 1 - top / height))
    if note:
        fig.text(0.01, 1 - 0.34 / height, note, fontsize=FONT["small"], va="center", parse_math=False)
    y = np.arange(n, dtype=float)
    y[-1] += 0.6  # a gap before the all-studies row
    refit = lay.kind == "refit"
    ax.errorbar(lay.estimate[refit], y[refit], xerr=[lay.estimate[refit] - lay.ci_lb[refit], lay.ci_ub[refit] - lay.estimate[refit]],
                fmt="s", ms=3.5, color=POINT, ecolor=POINT, elinewidth=0.9, capsize=0)  # fmt: skip
    last = lay.iloc[-1]
    h = 0.32
    ax.add_patch(Polygon([(last.ci_lb, y[-1]), (last.estimate, y[-1] - h), (last.ci_ub, y[-1]), (last.estimate, y[-1] + h)],
                         closed=True, color=POOLED))  # fmt: skip
    if s.row_word == "omitting":
        ax.axvline(last.estimate, color=POOLED, lw=0.7, ls=(0, (3, 2)), zorder=0)
    ref = (transf or (lambda v: v))(null)
    ax.axvline(ref, color=REFERENCE, lw=0.8, zorder=0)
    lo, hi = np.nanmin([lay.ci_lb.min(), ref]), np.nanmax([lay.ci_ub.max(), ref])
    if transf is np.exp:
        _ratio_axis(ax, lo, hi)
    else:
        pad = 0.05 * (hi - lo or 1)
        ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(y[-1] + 0.8, -1.2)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT["small"])
    ax.set_xlabel(xlabel or ("Estimate" + (" (log scale)" if transf is np.exp else "")), fontsize=FONT["label"])
    tr = blended_transform_factory(fig.transFigure, ax.transData)
    heads = {0.01: ("Left out" if s.row_word == "omitting" else "Study added"), 0.64: f"Estimate [{s.level:g}% CI]",
             0.87: "I²", 0.94: "p"}  # fmt: skip
    for x, text in heads.items():
        ax.text(x, -1.0, text, transform=tr, fontsize=FONT["text"], fontweight="bold", va="center")
    for yy, row in zip(y, lay.itertuples()):
        bold = "bold" if row.kind == "all" else "normal"
        ax.text(0.01, yy, _clip(row.label, 42), transform=tr, fontsize=FONT["text"], va="center", fontweight=bold,
                parse_math=False)  # fmt: skip
        ax.text(0.64, yy, row.text, transform=tr, fontsize=FONT["text"], va="center", fontweight=bold)
        ax.text(0.87, yy, fmt_or_blank(row.i2, 0) + ("%" if np.isfinite(row.i2) else ""), transform=tr,
                fontsize=FONT["text"], va="center")  # fmt: skip
        ax.text(0.94, yy, _p_short(row.pval), transform=tr, fontsize=FONT["text"], va="center")
    fig.suptitle(title or s.title, x=0.01, ha="left", y=1 - 0.12 / height, fontsize=FONT["title"], fontweight="bold",
                 parse_math=False)  # fmt: skip
    return fig


# ----------------------------------------------------------------------------- Baujat
def baujat_layout(b, label_top: int = 5) -> pd.DataFrame:
    """One row per study: ``label``, ``x``, ``y``, ``labelled`` (the ``label_top`` studies
    furthest out, by x/max(x) + y/max(y), get a label; all do when k <= 10)."""
    x, y = np.asarray(b.x, float), np.asarray(b.y, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.nan_to_num(x / np.nanmax(x)) + np.nan_to_num(y / np.nanmax(y))
    labelled = np.zeros(len(x), bool)
    labelled[np.argsort(-score, kind="stable")[: len(x) if len(x) <= 10 else label_top]] = True
    return pd.DataFrame({"label": list(b.slab), "x": x, "y": y, "labelled": labelled})


#: label offsets tried in turn (points, beyond the marker's radius): beside the point, then
#: above and below it, further out each time
_OFFSETS = ((1, -3), (-1, -3), (4, 8), (-4, 8), (4, -14), (-4, -14), (8, 18), (-8, 18), (8, -24), (-8, -24))


def _label_points(ax, rows, points) -> None:
    """Label points with their study, trying a few offsets so that labels overlap neither
    each other nor other points (``size``, if given, is the marker area in points^2); a
    label that finds no free place is left out."""
    fig = ax.figure
    scale = 72 / fig.dpi
    box = ax.get_window_extent()
    bx0, by0, bx1, by1 = (v * scale for v in (box.x0, box.y0, box.x1, box.y1))
    fig_w = fig.get_figwidth() * 72
    radius = np.sqrt(points["size"].to_numpy()) / 2 if "size" in points else np.full(len(points), 2.5)
    xy = ax.transData.transform(np.column_stack([points.x, points.y])) * scale
    taken = [(x - r, y - r, x + r, y + r) for (x, y), r in zip(xy, radius) if np.isfinite(x) and np.isfinite(y)]
    own = dict(zip(points.index, radius))
    char_w, h = 0.55 * FONT["small"], FONT["small"] + 1
    for row in rows.itertuples():
        px, py = (v * scale for v in ax.transData.transform((row.x, row.y)))
        r = own.get(row.Index, 2.5) + 2
        text = _clip(row.label, 28)
        w = char_w * len(text)
        for ox, oy in _OFFSETS:
            dx = ox + (r if ox > 0 else -r)
            dy = oy + (np.sign(oy) * r if abs(oy) > 5 else 0)
            x0 = px + dx if dx > 0 else px + dx - w
            rect = (x0, py + dy, x0 + w, py + dy + h)
            inside = rect[0] >= max(bx0 - 20, 2) and rect[2] <= min(bx1 + 20, fig_w - 2) and rect[1] >= by0 and rect[3] <= by1
            if inside and not any(rect[0] < q[2] and q[0] < rect[2] and rect[1] < q[3] and q[1] < rect[3] for q in taken):
                taken.append(rect)
                leader = {"arrowstyle": "-", "lw": 0.4, "color": "0.45", "shrinkA": 0, "shrinkB": r} if abs(oy) > 5 else None
                ax.annotate(text, (row.x, row.y), xytext=(dx, dy), textcoords="offset points", fontsize=FONT["small"],
                            ha="left" if dx > 0 else "right", va="bottom", parse_math=False, arrowprops=leader)  # fmt: skip
                break


def baujat_plot(b, title=None, width="single", height=3.0, label_top: int = 5):
    """The Baujat plot: each study's contribution to heterogeneity (x) and influence (y)."""
    lay = baujat_layout(b, label_top)
    fig = new_figure(width, height)
    ax = fig.add_axes((0.17, 0.16, 0.78, 0.72))
    ax.scatter(lay.x, lay.y, s=14, color=POINT, zorder=3)
    xmax = np.nanmax(lay.x) if len(lay) else 1.0
    ax.set_xlim(left=0, right=xmax * 1.08 if np.isfinite(xmax) and xmax > 0 else 1)
    ax.set_ylim(bottom=0, top=np.nanmax(lay.y) * 1.12 if np.nanmax(lay.y) > 0 else 1)
    _label_points(ax, lay[lay.labelled], lay)
    het = "overall" if b.model.int_only else "residual"
    ax.set_xlabel(f"Contribution to {het} heterogeneity", fontsize=FONT["label"])
    ax.set_ylabel("Influence on the result", fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["small"])
    ax.grid(color="0.9", lw=0.5)
    ax.set_axisbelow(True)
    fig.suptitle(title or "Baujat plot", x=0.02, ha="left", y=0.98, fontsize=FONT["title"], fontweight="bold",
                 parse_math=False)  # fmt: skip
    return fig


# ----------------------------------------------------------------------------- GOSH
def gosh_layout(g, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Tidy points of the GOSH plot: one row per (panel, subset) with ``panel`` ('All subsets'
    or a driving study's label), ``estimate``, ``i2`` and ``group`` ('all', 'with', 'without').

    Beyond ``max_points`` fitted subsets, an evenly spread seeded subsample is drawn (same for
    every panel).
    """
    est = g.estimate if g.estimate.ndim == 1 else g.estimate[:, 0]
    ok = np.flatnonzero(np.isfinite(est) & np.isfinite(g.i2))
    if ok.size > max_points:
        ok = np.sort(np.random.default_rng(0).choice(ok, max_points, replace=False))
    frames = [pd.DataFrame({"panel": "All subsets", "estimate": est[ok], "i2": g.i2[ok], "group": "all"})]
    effects = g.study_effects()
    for j in np.flatnonzero(effects.driver.to_numpy()):
        member = g.incl[ok, j]
        frames.append(pd.DataFrame({"panel": g.slab[j], "estimate": est[ok], "i2": g.i2[ok],
                                    "group": np.where(member, "with", "without")}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def gosh_plot(g, title=None, width="double", height=None, max_points: int = MAX_POINTS):
    """GOSH plot: the estimate and I^2 of every subset; one extra panel per driving study."""
    lay = gosh_layout(g, max_points)
    panels = list(dict.fromkeys(lay.panel))
    n = len(panels)
    height = height or (2.9 if n <= 2 else 3.3)
    fig = new_figure(width, height)
    size = 4 if len(lay[lay.panel == panels[0]]) <= 2000 else 1.5
    xlim = (lay.estimate.min(), lay.estimate.max())
    pad = 0.05 * (xlim[1] - xlim[0] or 1)
    gap, left, right = 0.06, 0.08, 0.98
    w = (right - left - gap * (n - 1)) / n
    for i, panel in enumerate(panels):
        ax = fig.add_axes((left + i * (w + gap), 0.25, w, 0.6))
        part = lay[lay.panel == panel]
        if panel == "All subsets":
            ax.scatter(part.estimate, part.i2, s=size, color=POINT, alpha=0.6, lw=0, rasterized=True)
            ax.set_title(panel, fontsize=FONT["text"], parse_math=False)
        else:
            out = part[part.group == "without"]
            inn = part[part.group == "with"]
            ax.scatter(out.estimate, out.i2, s=size, color=MUTED, alpha=0.5, lw=0, rasterized=True)
            ax.scatter(inn.estimate, inn.i2, s=size, color=HIGHLIGHT, alpha=0.6, lw=0, rasterized=True)
            ax.set_title(_clip(f"With {panel}", 34), fontsize=FONT["text"], color=HIGHLIGHT, parse_math=False)
        ax.set_xlim(xlim[0] - pad, xlim[1] + pad)
        ax.set_ylim(-3, 103)
        ax.tick_params(labelsize=FONT["small"])
        ax.set_xlabel("Estimate", fontsize=FONT["label"])
        if i == 0:
            ax.set_ylabel("I² (%)", fontsize=FONT["label"])
        else:
            ax.set_yticklabels([])
    how = "all" if g.exact else "a random sample of"
    shown = len(lay[lay.panel == panels[0]])
    note = f"{how} {len(g.k):,} subsets" + (f" ({shown:,} drawn)" if shown < np.isfinite(g.i2).sum() else "")
    if n > 1:
        note += f"; purple: subsets that contain the study named above the panel"
    else:
        note += "; no single study separates the subsets"
    fig.text(0.08, 0.03, note, fontsize=FONT["small"], color="0.3", parse_math=False)
    fig.suptitle(title or "GOSH plot", x=0.01, ha="left", y=0.98, fontsize=FONT["title"], fontweight="bold",
                 parse_math=False)  # fmt: skip
    return fig


# ----------------------------------------------------------------------------- influence
INFLUENCE_PANELS = (
    ("rstudent", "rstudent", (-1.96, 1.96)), ("dffits", "DFFITS", "dffits"), ("cook_d", "Cook's distance", "cook_d"),
    ("cov_r", "covariance ratio", (1.0,)), ("tau2_del", "τ² without", "tau2"), ("qe_del", "Q without", "q"),
    ("hat", "hat value", "hat"), ("weight", "weight (%)", "weight"),
)  # fmt: skip


def _reference_lines(infl, ref) -> tuple:
    m = infl.model
    t = infl.thresholds
    if isinstance(ref, tuple):
        return ref
    if ref == "dffits":
        return (-t["dffits"], t["dffits"]) if np.isfinite(t["dffits"]) else ()
    return {"cook_d": (t["cook_d"],), "hat": (t["hat"],), "tau2": (m.tau2,), "q": (m.result.q,),
            "weight": (100 / m.k,)}[ref]  # fmt: skip


def influence_rows(infl, max_rows: int | None) -> tuple[np.ndarray, str]:
    """The studies (positions, in study order) the influence panels show, and a note when not all.

    Beyond ``max_rows`` studies: the influential ones first (by metafor's rules), then the
    largest Cook's distances, ``max_rows`` in all.
    """
    k = len(infl.slab)
    if max_rows is None or k <= max_rows:
        return np.arange(k), ""
    inf = np.asarray(infl.inf, bool)
    cook = np.nan_to_num(np.asarray(infl.cook_d, float), nan=-np.inf)
    rank = np.lexsort((np.arange(k), -cook, ~inf))  # influential first, then by Cook's distance
    pick = np.sort(rank[:max_rows])
    shown, flagged, others = int(inf[pick].sum()), int(inf.sum()), max_rows - int(inf[pick].sum())
    if flagged == 0:
        note = f"The {max_rows:,} of {k:,} studies with the largest Cook's distances (none is influential by metafor's rules)."
    elif shown < flagged:
        note = f"{shown:,} of the {flagged:,} influential studies (of {k:,}), those with the largest Cook's distances."
    elif others:
        note = (f"The {flagged:,} influential {'study' if flagged == 1 else 'studies'} and the {others:,} others "
                f"with the largest Cook's distances, of {k:,}.")
    else:
        note = f"The {flagged:,} influential studies, of {k:,}."
    return pick, note


def influence_layout(infl, rows=None) -> pd.DataFrame:
    """Long table: one row per (study, measure) with ``value``, the ``lines`` drawn in that
    panel (cut-offs, or the full model's value) and ``inf`` (the study is influential);
    ``rows``: the positions of the studies to include (default all)."""
    rows = range(len(infl.slab)) if rows is None else rows
    out = []
    measures = list(INFLUENCE_PANELS) + [
        (f"dfbetas_{c}", f"DFBETAS {c}" if len(infl.coef_names) > 1 else "DFBETAS", (-1.0, 1.0)) for c in infl.coef_names
    ]  # fmt: skip
    for name, label, ref in measures:
        values = infl.dfbetas[:, infl.coef_names.index(name[8:])] if name.startswith("dfbetas_") else getattr(infl, name)
        lines = _reference_lines(infl, ref)
        for i in rows:
            out.append({"measure": name, "panel": label, "study": infl.slab[i], "position": i,
                        "value": float(values[i]), "lines": lines, "inf": bool(infl.inf[i])})  # fmt: skip
    return pd.DataFrame(out)


def influence_panels(infl, title=None, width="double", ncols: int = 5, max_rows: int | None = None,
                     note_end: str = ""):
    """metafor's influence plot with studies on the vertical axis, one panel per measure.

    With ``max_rows``, at most that many studies are shown (see :func:`influence_rows`;
    the figure says which, followed by ``note_end``)."""
    shown, note = influence_rows(infl, max_rows)
    note = f"{note[:-1]}; {note_end}." if note and note_end else note
    lay = influence_layout(infl, shown)
    panels = list(dict.fromkeys(lay.panel))
    labels = [infl.slab[i] for i in shown]
    k = len(shown)
    nrows = -(-len(panels) // ncols)
    row_h = 0.55 + 0.16 * k
    head = 0.45 + (0.2 if note else 0.0)
    height = head + nrows * row_h
    fig = new_figure(width, height)
    if note:
        fig.text(0.01, 1 - 0.34 / height, note, fontsize=FONT["small"], va="center", parse_math=False)
    left, right, gap = 0.25, 0.99, 0.03
    w = (right - left - gap * (ncols - 1)) / ncols
    y = np.arange(k)
    for n, panel in enumerate(panels):
        r, c = divmod(n, ncols)
        bottom = 1 - (head - 0.05 + (r + 1) * row_h - 0.38) / height
        ax = fig.add_axes((left + c * (w + gap), bottom, w, (row_h - 0.5) / height))
        part = lay[lay.panel == panel]
        colours = np.where(part.inf, HIGHLIGHT, POINT)
        ax.hlines(y, 0 if panel != "covariance ratio" else 1, part.value, color="0.8", lw=0.6, zorder=1)
        ax.scatter(part.value, y, s=10, c=colours, zorder=3)
        for line in part.lines.iloc[0]:
            ax.axvline(line, color=REFERENCE, lw=0.6, ls=(0, (3, 2)), zorder=0)
        ax.margins(x=0.1)
        ax.set_ylim(k - 0.5, -0.5)
        ax.set_yticks([])  # no tick marks: the studies are labelled as text (and 2,000 ticks cost a minute)
        if c == 0:  # study labels as plain text (tick labels would be parsed as mathematics)
            tr = blended_transform_factory(ax.transAxes, ax.transData)
            for yy, label in zip(y, labels):
                ax.text(-0.04, yy, _clip(label, 30), transform=tr, ha="right", va="center", fontsize=FONT["small"],
                        parse_math=False)  # fmt: skip
        ax.tick_params(axis="x", labelsize=FONT["small"])
        ax.xaxis.set_major_locator(MaxNLocator(2, min_n_ticks=2))  # narrow panels: labels must not run together
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.4g}".replace("-", "\u2212")))  # a true minus, as on every axis
        ax.set_title(panel, fontsize=FONT["small"], pad=2, parse_math=False)
    handles = [Line2D([], [], marker="o", ls="", color=HIGHLIGHT, label="influential by metafor's rules"),
               Line2D([], [], color=REFERENCE, ls=(0, (3, 2)), lw=0.8, label="cut-off or full-model value")]  # fmt: skip
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=2, fontsize=FONT["small"], frameon=False)
    fig.suptitle(title or "Influence diagnostics", x=0.01, ha="left", y=1 - 0.08 / height, fontsize=FONT["title"],
                 fontweight="bold", parse_math=False)  # fmt: skip
    return fig
