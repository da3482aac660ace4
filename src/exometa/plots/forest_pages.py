"""Large reviews on pages of sane size: a forest layout split into pages of at most N study lines.

Each page holds at most ``rows_per_page`` study lines (pooled, shown or not
pooled); headings, subtotals and the pooled rows stay with the studies they
follow, so the pooled estimate is on the page of the last pooled study (the
last page, unless studies that could not be pooled are listed after it). A
heading is never left alone at the foot of a page, and a page that starts
inside a subgroup repeats its heading, marked "(continued)". Every page keeps
the layout's ``attrs`` (same columns, same axis) and adds ``page`` and
``pages``; rows keep their index in the whole layout.

>>> import pandas as pd
>>> lay = pd.DataFrame({"kind": ["group"] + ["study"] * 5 + ["diamond"], "label": ["A"] + list("abcde") + ["Sub"]})
>>> [p["label"].tolist() for p in paginate(lay, 3)]
[['A', 'a', 'b', 'c'], ['A (continued)', 'd', 'e', 'Sub']]
"""

from __future__ import annotations

import pandas as pd

from ..errors import ExometaError

#: study lines per page: with headings, the axis and the keys, a page fits on A4 portrait
ROWS_PER_PAGE = 40
ENTRIES = ("study", "shown", "excluded")


def _continued(layout, heading_index):
    row = layout.loc[[heading_index]].copy()
    row["label"] = row["label"].astype(str) + " (continued)"
    row.index = [-1 - int(heading_index)]  # not a row of the whole layout: no risk-of-bias circles
    return row


def paginate(layout: pd.DataFrame, rows_per_page: int | None = ROWS_PER_PAGE) -> list[pd.DataFrame]:
    """The layout as a list of pages (one page when it fits, or when ``rows_per_page`` is None)."""
    if rows_per_page is None:
        return [_with_page(layout, layout, 1, 1)]
    if int(rows_per_page) < 1:
        raise ExometaError(f"`rows_per_page` must be 1 or more; got {rows_per_page!r}.")
    kinds = layout["kind"].tolist()
    starts, count, heading, current = [0], 0, {}, None
    for i, kind in enumerate(kinds):
        if kind == "group":
            current = i
        elif kind not in ENTRIES:
            current = None  # a block's summary rows end it
        elif count == rows_per_page:
            start = i
            while start - 1 > starts[-1] and kinds[start - 1] == "group":  # no heading alone at the foot
                start -= 1
            starts.append(start)
            heading[start] = current if kinds[start] != "group" else None
            count = 1
        else:
            count += 1
    bounds = list(zip(starts, starts[1:] + [len(kinds)]))
    pages = []
    for n, (a, b) in enumerate(bounds, 1):
        part = layout.iloc[a:b]
        h = heading.get(a)
        if h is not None:
            part = pd.concat([_continued(layout, layout.index[h]), part])
        pages.append(_with_page(part, layout, n, len(bounds)))
    return pages


def _with_page(part, layout, n, total):
    part = part.copy()
    part.attrs = dict(layout.attrs, page=n, pages=total)
    return part


__all__ = ["paginate", "ROWS_PER_PAGE"]
