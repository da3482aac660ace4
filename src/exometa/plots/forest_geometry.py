"""Where everything of a forest plot goes: column widths, wrapped text and row heights, in inches.

:func:`columns_for` fits the text columns, the plot and the risk-of-bias
columns into the figure width: columns take the width of their widest text;
when that is too much, the columns that can wrap (study, what was reported,
per-arm text) are narrowed towards their minimum and their text wrapped; when
even that is too much, the reported text, the per-arm columns, n and the
weight are left out in turn (at a single-column width, say); the figure never
shrinks text below :data:`exometa.plots.style.FONT`. The plot takes what is
left, up to 36% of the width; beyond that the study column widens (subgroup
and heterogeneity lines are written there). :func:`row_lines` wraps every cell of a row
and gives its height. Nothing here draws.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .style import FONT
from .text import lines_width, text_width, wrap

PT = 1 / 72  # inches per point
NBSP = "\u00a0"  # a space that wrapping does not break at
SIZE = FONT["text"]
LINE = SIZE * 1.22 * PT  # one line of text
PAD = 0.03  # above and below the text of a row
GAP = 0.08  # between columns
SUBGAP = 0.05  # between the columns of one arm (events and total; mean, SD and total)
EDGE = 0.06  # left and right margins
ROB_STEP = 0.17  # between risk-of-bias circles
PLOT_FLOOR = 0.8  # the plot is never narrower (inches)
#: columns whose text may wrap, with their narrowest width (inches)
WRAPPING = {"label": 1.0, "reported": 0.8, "arm1": 0.75, "arm2": 0.75, "estimate_text": 0.75}
#: the most lines a cell may take
MAX_LINES = {"label": 4, "reported": 3, "arm1": 3, "arm2": 3, "estimate_text": 2}
#: the arm each per-arm column belongs to
ARM_OF = {"events1": 1, "total1": 1, "mean1": 1, "sd1": 1, "events2": 2, "total2": 2, "mean2": 2, "sd2": 2}
NUMERIC = {"n", "events1", "total1", "events2", "total2", "mean1", "sd1", "mean2", "sd2", "weight"}
#: what goes first when the columns do not fit: reported text, per-arm columns, n, then the weight
#: (the markers' sizes still show it)
OPTIONAL = (("reported",), ("arm1", "arm2", "events1", "total1", "events2", "total2", "mean1", "sd1", "mean2", "sd2"),
            ("n",), ("weight",))
#: kinds of row whose cells sit in the columns (the others span several)
CELL_KINDS = ("study", "shown")


@dataclass
class Column:
    key: str
    header: list  # header lines (wrapped)
    x: float  # left edge, inches
    width: float
    align: str  # "left" or "right"


@dataclass
class Columns:
    left: list
    right: list
    plot_x: float
    plot_w: float
    rob_x: float  # left edge of the risk-of-bias columns (if any)
    rob_w: float
    width: float
    dropped: tuple


def _cells(layout, key):
    extra = ("excluded",) if key in ("label", "flags") else ("diamond", "pi") if key in ("weight", "estimate_text") else ()
    rows = layout[layout["kind"].isin(CELL_KINDS + extra)]
    return [str(t) for t in rows[key] if str(t)]


def _header_width(header) -> float:
    return lines_width(str(header).split("\n"), SIZE, bold=True) * PT


def _unbreakable(text: str, key: str) -> str:
    """The cell's text with the spaces it must not break at made no-break spaces."""
    return text.replace(", ", "," + NBSP) if key == "estimate_text" else text


def _widest_word(layout, key) -> float:
    words = (w for t in _cells(layout, key) for w in _unbreakable(t, key).split(" "))
    return max((text_width(w, SIZE) for w in words), default=0.0) * PT


def _natural(layout, key, header) -> float:
    texts = _cells(layout, key)
    body = max((text_width(t, SIZE) for t in texts), default=0.0) * PT
    return max(body, _header_width(header))


def plot_minimum(width: float) -> float:
    """The narrowest plot area at a figure width (inches)."""
    return max(1.1, 0.2 * width)


def plot_maximum(width: float) -> float:
    """The widest plot area at a figure width: room beyond it goes to the study column, where the
    subgroup and heterogeneity lines are written."""
    return max(plot_minimum(width), 0.36 * width)


def _least(key, natural, headers, layout) -> float:
    """The narrowest a wrapping column gets: its minimum, its header's widest line or its widest word,
    or its text if that is narrower."""
    return min(natural, max(WRAPPING[key], _header_width(headers.get(key, key)), _widest_word(layout, key)))


def _allot(natural: dict, wrapping: list, room: float, plot_min: float, least: dict) -> tuple[dict, float]:
    """Widths of the wrapping columns and of the plot in ``room`` inches (what the fixed columns leave)."""
    widths = {k: natural[k] for k in wrapping}
    need = sum(widths.values())
    if need + plot_min <= room:
        return widths, room - need
    if sum(least.values()) + plot_min <= room:
        share = (room - plot_min - sum(least.values())) / (need - sum(least.values()))
        return {k: least[k] + (natural[k] - least[k]) * share for k in wrapping}, plot_min
    plot = max(PLOT_FLOOR, room - sum(least.values()))  # too narrow for everything: squeeze the plot, then the text
    squeeze = max(room - plot, 0.6 * len(wrapping)) / max(sum(least.values()), 1e-9)
    return {k: least[k] * min(squeeze, 1.0) for k in wrapping}, plot


def columns_for(layout, width: float, rob_width: float = 0.0) -> Columns:
    """Fit the layout's columns, and ``rob_width`` inches of risk-of-bias columns, into ``width`` inches."""
    headers = layout.attrs.get("headers", {})
    left, right = list(layout.attrs.get("left", ["label"])), list(layout.attrs.get("right", []))
    dropped = []
    plot_min = plot_minimum(width)
    rob_w = rob_width + (GAP if rob_width else 0)
    for attempt in range(len(OPTIONAL) + 1):
        keys = left + right
        natural = {k: _natural(layout, k, headers.get(k, k)) for k in keys}
        wrapping = [k for k in keys if k in WRAPPING]
        fixed = sum(natural[k] for k in keys if k not in WRAPPING) + _gaps(left) + GAP * (len(right) + 1) + 2 * EDGE + rob_w
        room = width - fixed
        least = {k: _least(k, natural[k], headers, layout) for k in wrapping}
        if sum(least.values()) + plot_min <= room or attempt == len(OPTIONAL):
            break
        gone = [k for k in OPTIONAL[attempt] if k in left + right]
        left, right = [k for k in left if k not in gone], [k for k in right if k not in gone]
        dropped += gone
    widths = dict(natural)
    fitted, plot_w = _allot(natural, wrapping, room, plot_min, least)
    widths.update(fitted)
    if plot_w > plot_maximum(width) and "label" in widths:
        widths["label"] += plot_w - plot_maximum(width)
        plot_w = plot_maximum(width)
    x = EDGE
    cols_left = []
    for i, k in enumerate(left):
        x += _gap(left[i - 1], k) if i else 0.0
        cols_left.append(_column(k, headers, x, widths[k]))
        x += widths[k]
    x += GAP
    plot_x = x
    x += plot_w + GAP
    cols_right = []
    for k in right:
        cols_right.append(_column(k, headers, x, widths[k]))
        x += widths[k] + GAP
    total = x - GAP + (rob_w if rob_width else 0) + EDGE
    return Columns(cols_left, cols_right, plot_x, plot_w, x, rob_width, max(total, width), tuple(dropped))


def _gap(before: str, key: str) -> float:
    same_arm = ARM_OF.get(before) is not None and ARM_OF.get(before) == ARM_OF.get(key)
    return SUBGAP if same_arm else GAP


def _gaps(left: list) -> float:
    """The gaps between the left columns (and after them)."""
    return sum(_gap(a, b) for a, b in zip(left, left[1:])) + GAP


def _column(key, headers, x, width) -> Column:
    head = []
    for line in str(headers.get(key, key)).split("\n"):
        head += wrap(line, width / PT + 0.5, SIZE, bold=True, max_lines=3) if line else []
    return Column(key, head, x, width, "right" if key in NUMERIC else "left")


def row_lines(row, cols: Columns, width: float, beside_plot: bool = False) -> dict:
    """Every text of one layout row, wrapped: ``{key: lines}``; spanning texts under "span".

    A text row ``beside_plot`` (with plotted rows below it) stays left of the plot.
    """
    kind = row["kind"]
    first = cols.left[0]
    out = {}
    left_end = cols.plot_x - GAP
    if kind in ("text", "note"):
        text = row["label"] + (f". {row['note']}" if kind == "note" and row["note"] else "")
        end = left_end if beside_plot else width - EDGE
        out["span"] = wrap(keep_together(text), (end - first.x) / PT, FONT["small"], max_lines=6)
        return out
    if kind in ("group", "diamond", "pi"):
        out["label"] = wrap(keep_together(row["label"]), (left_end - first.x) / PT, SIZE, bold=kind != "pi", max_lines=3)
        if kind != "group":
            out.update({c.key: _cell_lines(c, str(row[c.key])) for c in cols.right if str(row[c.key])})
        return out
    for c in cols.left + (cols.right if kind != "excluded" else []):
        text = str(row[c.key])
        if text:
            out[c.key] = _cell_lines(c, text)
    if kind == "excluded":
        start = reason_x(cols)
        for c in cols.left:
            if c.key not in ("label", "flags"):
                out.pop(c.key, None)
        out["reason"] = wrap("not pooled: " + str(row["note"]), (width - EDGE - start) / PT, FONT["small"], max_lines=8)  # never cut a reason short
    return out


def _cell_lines(col: Column, text: str) -> list:
    """A cell's lines ("0.41 [0.13, 1.26]" breaks before its interval only)."""
    return wrap(_unbreakable(text, col.key), col.width / PT + 0.5, SIZE, max_lines=MAX_LINES.get(col.key, 1))


def keep_together(text: str) -> str:
    """``text`` with "p < .001", "Q = 1.2", "(df = 3)" kept on one line when it is wrapped.

    >>> keep_together("Q = 1.95 (df = 1), p < .001").replace(NBSP, "~")
    'Q~=~1.95 (df~=~1), p~<~.001'
    """
    return re.sub(r" ([=<>]) ", NBSP + r"\1" + NBSP, text)


def reason_x(cols: Columns) -> float:
    """Where the reason a study was not pooled starts: after its label and flags."""
    rest = [c for c in cols.left if c.key not in ("label", "flags")]
    return rest[0].x if rest else cols.plot_x


def row_height(lines: dict) -> float:
    n = max((len(v) for v in lines.values()), default=1)
    return max(n, 1) * LINE + PAD * 2


__all__ = ["Column", "Columns", "columns_for", "row_lines", "row_height", "reason_x", "LINE", "PAD", "GAP", "EDGE", "PT", "ROB_STEP"]
