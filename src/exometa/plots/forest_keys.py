"""The legend and keys under a forest plot: only what the plot shows.

One legend line (wrapped as needed) with the marker colours, hollow markers,
pooled diamond and prediction interval, and risk-of-bias judgements that
occur; then the flags that occur, each explained; then the risk-of-bias
domains when their columns are drawn. Keys list the whole layout's content,
so every page of a paged plot carries the same keys.
"""

from __future__ import annotations

import pandas as pd

from ..evidence.flags import FLAGS
from ..evidence.rob import TOOLS
from .forest_geometry import EDGE, PT
from .rob import draw_rob_columns
from .style import FAMILY, FLAG_COLOURS, FONT, MUTED, POOLED, marker_names
from .text import text_width, wrap

STEP = FONT["small"] * 1.45 * PT  # one line of the keys, inches
MARK = 0.13  # room for a marker before its text, inches
NBSP = "\u00a0"


def legend_items(layout) -> list:
    """[(what to draw, text)] for the markers and judgements the layout shows."""
    studies = layout[layout["kind"].isin(["study", "shown", "excluded"])]
    names = marker_names(layout.attrs.get("flags_assessed", True))
    items = [(("square", FLAG_COLOURS[k]), t) for k, t in names.items() if k in set(studies["marker"])]
    if studies["flags"].astype(str).str.contains("*", regex=False).any():
        items.append((("hollow", "black"), "rests on derived numbers"))
    if (layout["kind"] == "shown").any():
        items.append((("circle", "black"), "shown, not pooled"))
    if (layout["kind"] == "diamond").any():
        items.append((("diamond", POOLED), "pooled estimate"))
    if (layout["kind"] == "pi").any():
        items.append((("pi", POOLED), "prediction interval"))
    rob = layout.attrs.get("rob")
    if rob is not None and len(rob):
        seen = set(j for j in rob["judgement"] if isinstance(j, str))
        order = [j for t in sorted(set(rob["tool"])) for j in TOOLS[t].judgements] + ["no information"]
        items += [(("rob", j), _judgement_words(j)) for j in dict.fromkeys(order) if j in seen]
    return items


def _judgement_words(j: str) -> str:
    """'Low risk', 'Some concerns', 'No information': robvis's words."""
    return j[:1].upper() + j[1:] + ("" if j in ("no information", "some concerns") else " risk")


def key_lines(layout, width: float) -> list:
    """The flag key and the risk-of-bias domain key, wrapped to ``width`` inches."""
    studies = layout[layout["kind"].isin(["study", "shown", "excluded"])]
    symbols = set("".join(studies["flags"].astype(str)))
    parts = [f"{f.symbol} {f.title}".replace(" ", NBSP) for f in FLAGS if f.symbol in symbols]
    lines = wrap("Flags: " + "; ".join(parts), (width - 2 * EDGE) / PT, FONT["small"], max_lines=6) if parts else []
    tool = layout.attrs.get("rob_tool")
    rob = layout.attrs.get("rob")
    if tool and rob is not None and len(rob):
        doms = [f"{code} {name}".replace(" ", NBSP) for code, name in TOOLS[tool].domains.items()]
        lines += wrap(f"Risk of bias ({tool}): " + "; ".join(doms) + "; O overall", (width - 2 * EDGE) / PT,
                      FONT["small"], max_lines=6)
    dropped = [layout.attrs.get("headers", {}).get(k, k).replace("\n", " ") for k in layout.attrs.get("dropped", ())]
    if dropped:  # columns the width could not hold are named, never silently lost
        lines += wrap("Not shown for want of width: " + ", ".join(dict.fromkeys(dropped))
                      + " (in the study table and the report)", (width - 2 * EDGE) / PT, FONT["small"], max_lines=3)
    return [line.replace(NBSP, " ") for line in lines]


def _legend_rows(items, width):
    rows, row, x = [], [], 0.0
    for item in items:
        w = _mark_room(item[0]) + text_width(item[1], FONT["small"]) * PT + 0.16
        if row and x + w > width - 2 * EDGE:
            rows.append(row)
            row, x = [], 0.0
        row.append((x, item))
        x += w
    return rows + ([row] if row else [])


def keys_height(layout, width: float) -> float:
    return (len(_legend_rows(legend_items(layout), width)) + len(key_lines(layout, width))) * STEP + 0.04


def _mark_room(what) -> float:
    return MARK + (0.04 if what[0] == "rob" else 0.0)


def _mark(canvas, x, y, what):
    shape, colour = what
    if shape == "rob":
        frame = pd.DataFrame({"study_id": ["key"], "column": ["Overall"], "col": [0], "judgement": [colour]})
        draw_rob_columns(canvas, frame, {"key": y}, x + 0.065, 0.0, size=9.0)
    elif shape == "diamond":
        canvas.fill([x, x + 0.05, x + 0.1, x + 0.05], [y, y - 0.04, y, y + 0.04], color=colour)
    elif shape == "pi":
        canvas.plot([x, x + 0.1], [y, y], color=colour, lw=2.0, solid_capstyle="butt")
    else:
        marker = "o" if shape == "circle" else "s"
        face = colour if shape == "square" else "white"
        canvas.plot([x + 0.05], [y], marker=marker, ms=5, mec=colour, mfc=face, mew=1.0, ls="")


def draw_keys(canvas, layout, width: float, top: float) -> None:
    """Draw the legend and keys of ``layout`` from ``top`` (inches from the top) down."""
    y = top + STEP / 2
    for row in _legend_rows(legend_items(layout), width):
        for x, (what, text) in row:
            _mark(canvas, EDGE + x, y, what)
            canvas.text(EDGE + x + _mark_room(what), y, text, fontsize=FONT["small"], va="center", family=FAMILY, parse_math=False)
        y += STEP
    for line in key_lines(layout, width):
        canvas.text(EDGE, y, line, fontsize=FONT["small"], va="center", color=MUTED, family=FAMILY, parse_math=False)
        y += STEP


__all__ = ["legend_items", "key_lines", "keys_height", "draw_keys"]
