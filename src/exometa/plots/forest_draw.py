"""Drawing a forest layout (:mod:`exometa.plots.forest_layout`) as matplotlib Figures, page by page.

The figure is as wide as asked (:data:`exometa.plots.style.WIDTHS`: "single"
8.5 cm, "double" 17.5 cm, the default; "page" 25 cm; or inches) and as tall as
its rows; text is drawn at its print size (:data:`~exometa.plots.style.FONT`,
never below 7 pt), wrapped rather than cut, and never parsed as mathematics.
Columns are fitted by :mod:`exometa.plots.forest_geometry`. From top to bottom:
title; column headers (per-arm headings over their columns, the measure and
RevMan's model label over the plot, the risk-of-bias domains); the rows; the
axis with the favours labels under it; studies that were not pooled; the
legend (only the markers, flags and judgements that occur) and the keys.

Every page of a paged layout is drawn with the same columns and the same axis.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from .forest_geometry import EDGE, GAP, LINE, NBSP, PAD, PT, ROB_STEP, columns_for, reason_x, row_height, row_lines
from .forest_keys import draw_keys, keys_height
from .forest_pages import paginate
from .rob import draw_rob_columns
from .style import DEFAULT_WIDTH, FAMILY, FLAG_COLOURS, FONT, MUTED, POOLED, REFERENCE, new_figure, width_inches
from .text import text_width, wrap

PLOTTED = ("study", "shown", "diamond", "pi")
TICKS = 0.2  # tick marks and their labels, inches
ROB_SIZE = 9.5  # risk-of-bias circles, points


#: with favours labels, the smallest share of the axis on either side of the line of no effect
SIDE = 0.33


def x_limits(layout):
    """The plot's x range on the display scale: every estimate and interval and the line of no effect,
    with room for a favours label on each side of it."""
    ratio, null = layout.attrs.get("ratio", False), layout.attrs.get("null")
    rows = layout[layout["kind"].isin(PLOTTED)]
    vals = rows[["x", "x_lb", "x_ub"]].to_numpy(dtype=float).ravel()
    vals = vals[np.isfinite(vals) & ((vals > 0) if ratio else True)]
    if vals.size == 0:
        return (0.5, 2.0) if ratio else (-1.0, 1.0)
    if null is not None and (null > 0 or not ratio):
        vals = np.append(vals, null)
    lo, hi = (np.log(vals.min()), np.log(vals.max())) if ratio else (float(vals.min()), float(vals.max()))
    pad = 0.06 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    if layout.attrs.get("favours") and null is not None and (null > 0 or not ratio):
        c = math.log(null) if ratio else null
        lo = min(lo, c - SIDE / (1 - SIDE) * (hi - c))
        hi = max(hi, c + SIDE / (1 - SIDE) * (c - lo))
    return (float(np.exp(lo)), float(np.exp(hi))) if ratio else (lo, hi)


def ratio_ticks(xlim, plot_w: float) -> list:
    """Ticks of a ratio axis: 1 and the powers of ten first, then 2 and 5 times them, nearest to 1 first,
    each kept only where its label stays clear of every label kept (0.05 inch between them).

    >>> ratio_ticks((0.07, 7.0), 0.8), ratio_ticks((0.07, 7.0), 2.5)
    ([0.1, 1.0, 2.0, 5.0], [0.1, 0.2, 0.5, 1.0, 2.0, 5.0])
    """
    lo, hi = xlim
    span = math.log(hi) - math.log(lo)
    at = lambda c: (math.log(c) - math.log(lo)) / span * plot_w  # noqa: E731
    half = lambda c: text_width(f"{c:g}", FONT["small"]) * PT / 2  # noqa: E731
    cands = [(m != 1, abs(e + math.log10(m)), m * 10.0**e) for e in range(-6, 7) for m in (1, 2, 5)]
    kept = []
    for _, _, c in sorted(cands):
        if lo <= c <= hi and all(abs(at(c) - at(k)) >= half(c) + half(k) + 0.05 for k in kept):
            kept.append(c)
    return sorted(float(c) for c in kept)


def _rob_width(layout) -> float:
    rob = layout.attrs.get("rob")
    if rob is None or rob.empty:
        return 0.0
    if layout.attrs.get("rob_tool"):
        return rob["col"].nunique() * ROB_STEP
    return ROB_STEP + max(text_width(t, FONT["small"]) for t in rob["tool"]) * PT + 0.05


def forest_figures(layout, width=DEFAULT_WIDTH, title: str | None = None, rows_per_page: int | None = None,
                   pages=None) -> list:
    """The layout drawn as one Figure per page (one Figure when ``rows_per_page`` is None);
    ``pages`` (numbers from 1) draws only those."""
    w = width_inches(width)
    cols = columns_for(layout, w, _rob_width(layout))
    if cols.dropped:  # the keys name the columns the width could not hold
        layout = layout.copy()
        layout.attrs = {**layout.attrs, "dropped": cols.dropped}
    w_all = layout["w"].to_numpy(float)
    wmax = float(np.nanmax(w_all)) if np.isfinite(w_all).any() else 1.0
    context = {"cols": cols, "xlim": x_limits(layout), "wmax": wmax, "full": layout}
    title = title if title is not None else layout.attrs.get("title", "")
    parts = paginate(layout, rows_per_page)
    if pages is not None:
        bad = [n for n in pages if not 1 <= int(n) <= len(parts)]
        if bad:
            from ..errors import ExometaError

            raise ExometaError(f"`page` must be between 1 and {len(parts)} (the plot has {len(parts)} page(s)); got {bad[0]!r}.")
        parts = [parts[int(n) - 1] for n in pages]
    return [_page(page, context, title) for page in parts]


def forest_figure(layout, width=DEFAULT_WIDTH, title: str | None = None):
    """The whole layout as one matplotlib Figure."""
    return forest_figures(layout, width, title, None)[0]


#: beside the axis, text needs this much room left of the plot (inches); else it goes below
BESIDE = 1.6


def _sections(page, cols):
    """(a, b): rows [0, a) are drawn above the axis, [a, b) -- the text rows after the last plotted row --
    beside it (left of the plot, as RevMan places them, when there is room), [b, end) below it."""
    kinds = page["kind"].tolist()
    plotted = [i for i, k in enumerate(kinds) if k in PLOTTED]
    if not plotted:
        return 0, 0
    a = b = plotted[-1] + 1
    while b < len(kinds) and kinds[b] in ("text", "note") and cols.plot_x - GAP - EDGE >= BESIDE:
        b += 1
    return a, b


def _page(page, ctx, title):
    cols, attrs = ctx["cols"], page.attrs
    W = cols.width
    if attrs.get("pages", 1) > 1:
        title = f"{title} (page {attrs['page']} of {attrs['pages']})"
    title_lines = wrap(title, (W - 2 * EDGE) / PT, FONT["title"], bold=True, max_lines=3) if title else []
    head = _header_lines(cols, attrs)
    a, b = _sections(page, cols)
    if b > a and not _favours_fit(cols, ctx["xlim"], attrs):
        b = a  # the favours labels need the room beside the axis: the text goes below it
    records = page.to_dict("records")
    rows = [row_lines(r, cols, W, beside_plot=i < max(a - 1, b)) for i, r in enumerate(records)]
    heights = np.array([row_height(lines) for lines in rows])
    axis_h = _axis_height(cols, ctx["xlim"], attrs, b > a) if a else 0.0
    top = 0.08 + len(title_lines) * FONT["title"] * 1.25 * PT + (0.08 if title_lines else 0)
    rows_top = top + head["height"]
    axis_y = rows_top + heights[:a].sum()
    starts = np.empty(len(rows))
    starts[:a] = rows_top + np.concatenate([[0.0], np.cumsum(heights[: a - 1])]) if a else []
    starts[a:b] = axis_y + 0.03 + np.concatenate([[0.0], np.cumsum(heights[a : b - 1])]) if b > a else []
    below = axis_y + max(heights[a:b].sum() + 0.03, axis_h) + (0.08 if a else 0.0)
    starts[b:] = below + np.concatenate([[0.0], np.cumsum(heights[b:-1])]) if len(rows) > b else []
    body_end = below + heights[b:].sum() + 0.04
    H = body_end + keys_height(ctx["full"], W) + 0.04
    fig = new_figure(W, H)
    canvas = fig.add_axes((0, 0, 1, 1))
    canvas.set_xlim(0, W)
    canvas.set_ylim(H, 0)
    canvas.axis("off")
    text = _writer(canvas)
    for j, line in enumerate(title_lines):
        text(EDGE, 0.08 + (j + 0.5) * FONT["title"] * 1.25 * PT, line, size=FONT["title"], weight="bold")
    _draw_headers(text, canvas, cols, attrs, head, top)
    centres = {}
    for i, (r, lines) in enumerate(zip(records, rows)):
        centres[page.index[i]] = starts[i] + heights[i] / 2
        _draw_row_text(text, cols, r, lines, starts[i], W)
    if a:
        ax = _plot_axes(fig, cols, ctx["xlim"], attrs, rows_top, axis_y, W, H)
        _draw_marks(ax, page.iloc[:a], [centres[k] for k in page.index[:a]], ctx["wmax"], attrs)
        _draw_axis_text(text, cols, ctx["xlim"], attrs, axis_y, b > a)
    _draw_rob(canvas, cols, attrs, centres)
    draw_keys(canvas, ctx["full"], W, body_end)
    return fig


def _writer(canvas):
    def text(x, y, s, size=FONT["text"], weight="normal", ha="left", colour="black", style="normal"):
        s = s.replace(NBSP, " ")  # no-break spaces only steer the wrapping: the file holds plain spaces
        canvas.text(x, y, s, fontsize=size, fontweight=weight, ha=ha, va="center", color=colour, fontstyle=style,
                    family=FAMILY, parse_math=False)

    return text


def _header_lines(cols, attrs) -> dict:
    plot_head = []
    if attrs.get("measure_title"):
        for part in (attrs.get("measure_title", ""), attrs.get("model_label", "")):
            part = part.replace("% CI", "%\u00a0CI")
            plot_head += wrap(part, (cols.plot_w + GAP) / PT, FONT["text"], bold=True, max_lines=3) if part else []
    rob_head = []
    if cols.rob_w:
        tool = attrs.get("rob_tool")
        words = f"Risk of bias ({tool})" if tool else "Risk of bias (overall)"
        rob_head = wrap(words, (cols.rob_w + GAP) / PT, FONT["small"], bold=True, max_lines=3) + [""]
    n = max([len(c.header) for c in cols.left + cols.right] + [len(plot_head), len(rob_head)])
    groups = 1 if attrs.get("arm_groups") and any(c.key in ("events1", "mean1") for c in cols.left) else 0
    return {"plot": plot_head, "rob": rob_head, "lines": n, "groups": groups, "height": (n + groups) * LINE + 2 * PAD}


def _draw_headers(text, canvas, cols, attrs, head, top):
    bottom = top + head["height"] - PAD  # headers sit on one baseline, just above the first row
    for c in cols.left + cols.right:
        x = c.x + c.width if c.align == "right" else c.x
        for j, line in enumerate(reversed(c.header)):
            text(x, bottom - (j + 0.5) * LINE, line, weight="bold", ha=c.align)
    for j, line in enumerate(reversed(head["plot"])):
        text(cols.plot_x + cols.plot_w / 2, bottom - (j + 0.5) * LINE, line, weight="bold", ha="center")
    for j, line in enumerate(reversed(head["rob"])):
        text(cols.rob_x, bottom - (j + 0.5) * LINE, line, size=FONT["small"], weight="bold")
    if head["groups"]:
        keys = {c.key: c for c in cols.left}
        y = top + PAD + 0.5 * LINE
        for name, members in attrs["arm_groups"]:
            shown = [keys[k] for k in members if k in keys]
            if shown:
                x0, x1 = shown[0].x, shown[-1].x + shown[-1].width
                text((x0 + x1) / 2, y, name, weight="bold", ha="center")
                canvas.plot([x0, x1], [y + 0.5 * LINE, y + 0.5 * LINE], color="0.5", lw=0.5)
    canvas.plot([EDGE, cols.width - EDGE], [top + head["height"]] * 2, color="0.6", lw=0.5)


def _draw_row_text(text, cols, r, lines, y0, W):
    kind = r["kind"]
    colour = FLAG_COLOURS.get(r["marker"], "black")
    first = cols.left[0].x
    if "span" in lines:
        for j, line in enumerate(lines["span"]):
            text(first, y0 + PAD + (j + 0.5) * LINE, line, size=FONT["small"], style="italic")
        return
    bold = "bold" if kind in ("group", "diamond") else "normal"
    for c in cols.left + cols.right:
        for j, line in enumerate(lines.get(c.key, [])):
            x = c.x + c.width if c.align == "right" else c.x
            text(x, y0 + PAD + (j + 0.5) * LINE, line, ha=c.align, weight=bold if c.key == "label" else "normal",
                 colour=colour if c.key == "flags" else "black", style="italic" if kind == "excluded" and c.key == "label" else "normal")
    if "reason" in lines:
        start = reason_x(cols)
        for j, line in enumerate(lines["reason"]):
            text(start, y0 + PAD + (j + 0.5) * LINE, line, size=FONT["small"], colour=MUTED, style="italic")


def _axis_label(cols, attrs) -> list:
    return wrap(attrs.get("axis", ""), cols.plot_w / PT + 40, FONT["label"], max_lines=2)


def _favours_placed(cols, xlim, attrs, beside: bool) -> list:
    """[(x, line offset, ha, lines)] of the favours labels, each on its side of the line of no effect:
    within the plot's width when text sits beside the axis (``beside``), else as far as the figure's
    edges; when the two cannot share a line, the right one goes under the left one."""
    fav, null = attrs.get("favours"), attrs.get("null")
    if not fav or null is None:
        return []
    x = _x_inches(cols, xlim, attrs, null)
    x0 = cols.plot_x - GAP if beside else EDGE
    x1 = cols.width - EDGE
    room_l, room_r = x - 0.06 - x0, x1 - (x + 0.06)
    left = wrap(fav[0], max(room_l, cols.plot_w / 2) / PT, FONT["small"], max_lines=3)
    right = wrap(fav[1], max(room_r, cols.plot_w / 2) / PT, FONT["small"], max_lines=3)
    wl, wr = (max(text_width(s, FONT["small"]) for s in t) * PT for t in (left, right))
    placed_l = (x - 0.06, "right") if wl <= room_l else (x0, "left")
    placed_r = (x + 0.06, "left") if wr <= room_r else (x1, "right")
    end_l = placed_l[0] if placed_l[1] == "right" else placed_l[0] + wl
    start_r = placed_r[0] if placed_r[1] == "left" else placed_r[0] - wr
    below = len(left) if start_r < end_l + 0.1 else 0
    return [(placed_l[0], 0, placed_l[1], left), (placed_r[0], below, placed_r[1], right)]


def _favours_fit(cols, xlim, attrs) -> bool:
    """Do the favours labels fit beside their side of the line of no effect, within the plot?"""
    placed = _favours_placed(cols, xlim, attrs, True)
    return not placed or (placed[0][2] == "right" and placed[1][2] == "left")


def _axis_height(cols, xlim, attrs, beside: bool) -> float:
    fav = _favours_placed(cols, xlim, attrs, beside)
    n_fav = max((off + len(lines) for _, off, _, lines in fav), default=0)
    return TICKS + len(_axis_label(cols, attrs)) * FONT["label"] * 1.25 * PT + n_fav * FONT["small"] * 1.25 * PT + 0.1


def _plot_axes(fig, cols, xlim, attrs, rows_top, axis_y, W, H):
    ax = fig.add_axes((cols.plot_x / W, (H - axis_y) / H, cols.plot_w / W, (axis_y - rows_top) / H))
    ax.patch.set_visible(False)
    ax.set_ylim(axis_y, rows_top)
    if attrs.get("ratio"):
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(ratio_ticks(xlim, cols.plot_w)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=max(5, int(cols.plot_w / 0.28)), steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlim(*xlim)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_linewidth(0.8)
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=FONT["small"], length=3, width=0.8, pad=2)
    for label in ax.get_xticklabels():
        label.set_family(FAMILY)
    return ax


def _x_inches(cols, xlim, attrs, v) -> float:
    if attrs.get("ratio"):
        frac = (math.log(v) - math.log(xlim[0])) / (math.log(xlim[1]) - math.log(xlim[0]))
    else:
        frac = (v - xlim[0]) / (xlim[1] - xlim[0])
    return cols.plot_x + frac * cols.plot_w


def _draw_axis_text(text, cols, xlim, attrs, axis_y, beside: bool):
    size = FONT["label"] * 1.25 * PT
    label = _axis_label(cols, attrs)
    y = axis_y + TICKS
    for j, line in enumerate(label):
        text(cols.plot_x + cols.plot_w / 2, y + (j + 0.5) * size, line, size=FONT["label"], ha="center")
    y += len(label) * size + 0.03
    step = FONT["small"] * 1.25 * PT
    for x, offset, ha, lines in _favours_placed(cols, xlim, attrs, beside):
        for j, line in enumerate(lines):
            text(x, y + (offset + j + 0.5) * step, line, size=FONT["small"], ha=ha, colour=MUTED)


def _draw_marks(ax, rows, ys, wmax, attrs):
    null = attrs.get("null")
    plotted = [y for k, y in zip(rows["kind"], ys) if k in PLOTTED]
    if null is not None and plotted:  # the line of no effect runs over the estimates only, as in RevMan
        ax.plot([null, null], [min(plotted) - 0.12, max(plotted) + 0.12], color=REFERENCE, lw=0.8, zorder=1)
    half = 0.055  # half the height of a diamond, inches
    for r, y in zip(rows.to_dict("records"), ys):
        kind, colour = r["kind"], FLAG_COLOURS.get(r["marker"] or "none", FLAG_COLOURS["none"])
        if not math.isfinite(r["x"]):
            continue
        if kind == "study":
            if math.isfinite(r["x_lb"]) and math.isfinite(r["x_ub"]):
                ax.plot([r["x_lb"], r["x_ub"]], [y, y], color="black", lw=0.8, zorder=2)
            size = 3 + 6 * math.sqrt(r["w"] / wmax) if math.isfinite(r["w"]) else 4
            ax.plot([r["x"]], [y], marker="s", ms=size, mec=colour, mfc="white" if "*" in r["flags"] else colour,
                    mew=1.1, zorder=3)
        elif kind == "shown":
            ax.plot([r["x"]], [y], marker="o", ms=4, mec=colour, mfc="white", mew=1.1, zorder=3)
        elif kind == "diamond":
            ax.add_patch(Polygon([(r["x_lb"], y), (r["x"], y - half), (r["x_ub"], y), (r["x"], y + half)], closed=True,
                                 fc=POOLED, ec=POOLED, zorder=3))
        elif kind == "pi":
            ax.plot([r["x_lb"], r["x_ub"]], [y, y], color=POOLED, lw=2.0, solid_capstyle="butt", zorder=3)


def _draw_rob(canvas, cols, attrs, centres):
    rob = attrs.get("rob")
    if rob is None or rob.empty or not cols.rob_w:
        return
    frame = rob[rob["row"].isin(list(centres))].copy()
    frame["study_id"] = frame["row"].astype(str)
    y = {str(k): v for k, v in centres.items()}
    x0 = cols.rob_x + ROB_STEP / 2
    top = min(centres.values()) - 0.5 * LINE - PAD if centres else 0
    draw_rob_columns(canvas, frame if len(frame) else rob.iloc[:0], y, x0, ROB_STEP, size=ROB_SIZE,
                     header_y=top - 0.5 * LINE - 0.02 if attrs.get("rob_tool") else None)
    if not attrs.get("rob_tool"):
        for rec in frame.to_dict("records"):
            canvas.text(x0 + ROB_STEP / 2 + 0.03, y[rec["study_id"]], rec["tool"], fontsize=FONT["small"], va="center",
                        family=FAMILY, parse_math=False)


def draw_forest(layout, res, path_base, title: str | None = None, formats=None, width=DEFAULT_WIDTH,
                rows_per_page: int | None = None, pages=None) -> list:
    """Draw a forest layout and save it; returns every path written, page by page.

    Page 1 is ``path_base``.svg/.png/.pdf, page 2 ``path_base``_p2, ... (see
    :mod:`exometa.plots.forest_pages`; ``rows_per_page`` default
    :data:`~exometa.plots.forest_pages.ROWS_PER_PAGE`). ``formats`` default: the
    analysis's (``res.spec.formats``). ``pages`` (numbers from 1): draw only these
    (``exometa run`` shares the pages of a long plot among its workers).
    """
    from pathlib import Path

    from .forest_pages import ROWS_PER_PAGE
    from .save import save_figure

    spec = getattr(res, "spec", None)
    formats = tuple(formats or getattr(spec, "formats", ()) or ("svg", "png", "pdf"))
    figures = forest_figures(layout, width, title if title is not None else getattr(spec, "title", None),
                             rows_per_page or ROWS_PER_PAGE, pages=pages)
    base = Path(path_base)
    paths = []
    for n, fig in zip(pages or range(1, len(figures) + 1), figures):
        paths += save_figure(fig, base if n == 1 else base.with_name(f"{base.name}_p{n}"), formats=formats)
    return paths


__all__ = ["forest_figures", "forest_figure", "draw_forest", "x_limits"]
