"""Drawing a funnel layout (:func:`exometa.plots.funnel.funnel_layout`) as a matplotlib Figure.

Sizes are in inches at print size. Study labels are placed by
:func:`place_labels`: each beside its point at the first of eight positions
(right, left, then above and below) where its box overlaps no other label, no
point and stays inside the plot; points are taken from the top of the funnel
down, so the result is the same on every run. When a name cannot be placed,
every point is numbered instead (numbers are placed the same way) and a key
under the plot names them.
"""

from __future__ import annotations

import numpy as np

from ..models.distributions import norm_isf
from .style import DEFAULT_WIDTH, FAMILY, FLAG_COLOURS, FONT, MUTED, POOLED, REFERENCE, marker_names, new_figure, width_inches
from .text import text_width, wrap

PT = 1 / 72
CONTOURS = ((0.10, "#f2f2f2"), (0.05, "#d9d9d9"), (0.01, "#bdbdbd"))
RADIUS = 0.045  # a point's radius, inches
LABEL_MODES = ("auto", "names", "numbers", "none")
NBSP = "\u00a0"


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(points, texts, frame, size=FONT["small"]):
    """Boxes (x0, y0, x1, y1, ha) in inches for ``texts`` beside ``points`` [(x, y)], inside ``frame``
    (x0, y0, x1, y1; y grows downwards), or None for a text that fits nowhere."""
    h = size * 1.2 * PT
    r = RADIUS + 0.025
    dots = [(x - RADIUS, y - RADIUS, x + RADIUS, y + RADIUS) for x, y in points]
    placed, out = [], [None] * len(points)
    order = sorted(range(len(points)), key=lambda i: (points[i][1], points[i][0]))
    for i in order:
        x, y = points[i]
        w = text_width(texts[i], size) * PT
        candidates = [(x + r, y - h / 2, "left"), (x - r - w, y - h / 2, "right"), (x + r * 0.6, y - r - h, "left"),
                      (x + r * 0.6, y + r, "left"), (x - r * 0.6 - w, y - r - h, "right"), (x - r * 0.6 - w, y + r, "right"),
                      (x - w / 2, y - r - h, "center"), (x - w / 2, y + r, "center")]
        for x0, y0, ha in candidates:
            box = (x0, y0, x0 + w, y0 + h)
            inside = box[0] >= frame[0] and box[2] <= frame[2] and box[1] >= frame[1] and box[3] <= frame[3]
            if inside and not any(_overlaps(box, b) for b in placed) and not any(
                    _overlaps(box, d) for j, d in enumerate(dots) if j != i):
                placed.append(box)
                out[i] = (*box, ha)
                break
    return out


def _limits(layout, se_max):
    xs = layout["yi"].to_numpy(float) if len(layout) else np.array([-1.0, 1.0])
    null, est = layout.attrs.get("null"), layout.attrs.get("estimate")
    if null is not None:
        xs = np.append(xs, null)
    centre = est if est is not None else float(np.mean(xs))
    span = max(float(np.abs(xs - centre).max()), norm_isf(0.005) * se_max * 0.5)
    lo, hi = min(xs.min(), centre - span * 0.2), max(xs.max(), centre + span * 0.2)
    return lo - 0.08 * span, hi + 0.08 * span


def funnel_figure(layout, width=DEFAULT_WIDTH, title: str | None = None, labels: str = "auto", transf=None):
    """The funnel plot of ``layout`` as a matplotlib Figure (``transf``: tick labels back-transformed)."""
    if labels not in LABEL_MODES:
        from ..errors import ExometaError

        raise ExometaError(f"`labels` must be one of {', '.join(map(repr, LABEL_MODES))}; got {labels!r}.")
    W = width_inches(width)
    title = title if title is not None else layout.attrs.get("title", "")
    heads = ["Contour-enhanced funnel plot"] + (wrap(title, (W - 0.2) / PT, FONT["title"], bold=True, max_lines=2)
                                                if title else [])
    left, right = 0.62, 0.15
    note = f"k = {len(layout)}" + (": too few studies to judge funnel asymmetry (small-study effects or publication bias)."
                                    if len(layout) < 10 else "")
    notes = wrap(note, (W - left - right) / PT, FONT["small"], max_lines=3)
    note_h = FONT["small"] * 1.25 * PT
    top = 0.08 + len(heads) * FONT["title"] * 1.25 * PT + 0.06 + len(notes) * note_h + 0.04
    plot_h = min(max(2.2, 0.5 * W), 3.6)
    frame = (left, top, W - right, top + plot_h)
    se_max = float(layout["se"].max()) * 1.12 if len(layout) else 1.0
    xlim = _limits(layout, se_max)

    def at(x, se):
        return (left + (x - xlim[0]) / (xlim[1] - xlim[0]) * (frame[2] - left), top + se / se_max * plot_h)

    points = [at(x, s) for x, s in zip(layout["yi"], layout["se"])]
    boxes, key = _label_boxes(layout, labels, points, frame)
    legend = _legend(layout)
    key_lines = wrap("; ".join(f"{n} {lab}".replace(" ", NBSP) for n, lab in key), (W - 0.2) / PT,
                     FONT["small"], max_lines=40) if key else []
    step = FONT["small"] * 1.45 * PT
    legend_top = frame[3] + 0.48
    H = legend_top + (len(_legend_rows(legend, W)) + len(key_lines)) * step + 0.06
    fig = new_figure(W, H)
    ax = fig.add_axes((left / W, 1 - frame[3] / H, (frame[2] - left) / W, plot_h / H))
    _draw_plot(ax, layout, se_max, xlim, transf)
    canvas = fig.add_axes((0, 0, 1, 1))
    canvas.set_xlim(0, W)
    canvas.set_ylim(H, 0)
    canvas.axis("off")
    text = _writer(canvas)
    for j, line in enumerate(heads):
        text(0.08, 0.08 + (j + 0.5) * FONT["title"] * 1.25 * PT, line, size=FONT["title"], weight="bold")
    for j, words in enumerate(notes):
        text(left, top - 0.04 - (len(notes) - j - 0.5) * note_h, words, size=FONT["small"], style="italic")
    for box, t in zip(boxes, [n for n, _ in key] if key else [str(s) for s in layout["label"]]):
        if box is not None:
            x = {"left": box[0], "right": box[2], "center": (box[0] + box[2]) / 2}[box[4]]
            text(x, (box[1] + box[3]) / 2, t, size=FONT["small"], ha=box[4])
    axis = layout.attrs.get("back_axis") if transf is not None else layout.attrs.get("axis", "")
    ax.set_xlabel(axis, fontsize=FONT["label"], family=FAMILY, parse_math=False, labelpad=3)
    y = legend_top + step / 2
    for row in _legend_rows(legend, W):
        for x, (mark, words) in row:
            _mark(canvas, 0.1 + x, y, mark)
            text(0.1 + x + 0.14, y, words, size=FONT["small"])
        y += step
    for line in key_lines:
        text(0.1, y, line.replace(NBSP, " "), size=FONT["small"], colour=MUTED)
        y += step
    return fig


def _label_boxes(layout, labels, points, frame):
    """(boxes, key): names placed where they fit, else numbers and the key of numbers to names."""
    if labels == "none" or not len(layout):
        return [None] * len(layout), []
    names = [str(s) for s in layout["label"]]
    if labels in ("auto", "names"):
        boxes = place_labels(points, names, frame)
        if labels == "names" or all(b is not None for b in boxes):
            return boxes, []
    numbers = [str(n) for n in layout["number"]]
    return place_labels(points, numbers, frame), list(zip(numbers, names))


def _writer(canvas):
    def text(x, y, s, size=FONT["text"], weight="normal", ha="left", colour="black", style="normal"):
        s = s.replace(NBSP, " ")
        canvas.text(x, y, s, fontsize=size, fontweight=weight, ha=ha, va="center", color=colour, fontstyle=style,
                    family=FAMILY, parse_math=False)

    return text


def _draw_plot(ax, layout, se_max, xlim, transf):
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    se = np.linspace(0, se_max, 200)
    null, est, crit = layout.attrs.get("null"), layout.attrs.get("estimate"), layout.attrs.get("crit", 1.959963984540054)
    if null is not None:  # p < 0.01 outside (the axes background), then 0.01-0.05, 0.05-0.10, p > 0.10 (white) inside
        ax.set_facecolor(CONTOURS[2][1])
        for p, colour in ((0.01, CONTOURS[1][1]), (0.05, CONTOURS[0][1]), (0.10, "white")):
            z = norm_isf(p / 2)
            ax.fill_betweenx(se, null - z * se, null + z * se, color=colour, zorder=0.2, lw=0)
        ax.axvline(null, color=REFERENCE, lw=0.8, zorder=1)
    if est is not None:
        ax.axvline(est, color=POOLED, lw=1.2, zorder=2)
        ax.plot(est - crit * se, se, color=POOLED, ls="--", lw=0.8, zorder=2)
        ax.plot(est + crit * se, se, color=POOLED, ls="--", lw=0.8, zorder=2)
    for row in layout.itertuples():
        c = FLAG_COLOURS[row.marker]
        ax.plot(row.yi, row.se, marker="o", ms=6, mec=c, mfc="white" if "*" in row.flags else c, mew=1.2, zorder=3)
    ax.set_xlim(*xlim)
    ax.set_ylim(se_max, 0)
    ax.set_ylabel("Standard error", fontsize=FONT["label"], family=FAMILY)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    if transf is not None:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{float(transf(v)):.3g}"))
    ax.tick_params(labelsize=FONT["small"])
    for t in ax.get_xticklabels() + ax.get_yticklabels():
        t.set_family(FAMILY)


def _legend(layout):
    items = []
    if layout.attrs.get("null") is not None:
        items += [(("patch", "white"), "p > 0.10"), (("patch", CONTOURS[0][1]), "0.05 < p < 0.10"),
                  (("patch", CONTOURS[1][1]), "0.01 < p < 0.05"), (("patch", CONTOURS[2][1]), "p < 0.01")]
    if layout.attrs.get("estimate") is not None:
        items.append((("line", POOLED), f"pooled estimate, pseudo {layout.attrs.get('level', 95):g}% limits"))
    present = set(layout["marker"])
    names = marker_names(layout.attrs.get("flags_assessed", True))
    items += [(("dot", FLAG_COLOURS[k]), t) for k, t in names.items() if k in present]
    if layout["flags"].astype(str).str.contains("*", regex=False).any():
        items.append((("hollow", "black"), "rests on derived numbers"))
    return items


def _legend_rows(items, W):
    rows, row, x = [], [], 0.0
    for item in items:
        w = 0.14 + text_width(item[1], FONT["small"]) * PT + 0.16
        if row and x + w > W - 0.2:
            rows.append(row)
            row, x = [], 0.0
        row.append((x, item))
        x += w
    return rows + ([row] if row else [])


def _mark(canvas, x, y, mark):
    shape, colour = mark
    if shape == "patch":
        canvas.fill([x, x + 0.1, x + 0.1, x], [y - 0.04, y - 0.04, y + 0.04, y + 0.04], fc=colour, ec="0.6", lw=0.5)
    elif shape == "line":
        canvas.plot([x, x + 0.1], [y, y], color=colour, lw=1.2)
    else:
        canvas.plot([x + 0.05], [y], marker="o", ms=5, mec=colour, mfc=colour if shape == "dot" else "white", mew=1.0,
                    ls="")


__all__ = ["funnel_figure", "place_labels"]
