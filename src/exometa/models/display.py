"""How results look in a notebook: one row per quantity, with what it means.

Every result type builds its ``_repr_html_`` from :func:`html_table`: a small
table whose rows are quantities (the pooled estimate, tau^2, I^2, each test...)
with the value, its interval and a plain-words meaning, rather than one wide
row of 24 columns. Numbers are rounded here, for display only.

>>> print(html_table("Demo", [("Estimate", "0.5000", "0.1 to 0.9", "pooled effect")])[:60])
<table class="exometa-result"><caption>Demo</caption><thead>
"""

from __future__ import annotations

from html import escape

from ..formatting import fmtx, p_text

HEADER = ("Quantity", "Value", "Interval", "Meaning")


def html_table(title: str, rows, header=HEADER, note: str = "") -> str:
    """An HTML table with a caption; ``rows`` are tuples of already formatted text."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="text-align:{"left" if i in (0, len(r) - 1) else "right"}">{escape(str(c))}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    foot = f'<tfoot><tr><td colspan="{len(header)}">{escape(note)}</td></tr></tfoot>' if note else ""
    return f'<table class="exometa-result"><caption>{escape(title)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>'


def interval(lb, ub, digits: int = 4) -> str:
    """'lb to ub', or '' when both are missing."""
    a, b = fmtx(lb, digits), fmtx(ub, digits)
    return "" if a == b == "NA" else f"{a} to {b}"


def stat_row(label: str, name: str, stat, df_text: str, p, meaning: str, digits: int = 4):
    """A row for a test statistic: 'Q(df = 12) = 152.2330', with its p-value in the interval column."""
    return (label, f"{name}{df_text} = {fmtx(stat, digits)}", p_text(p, digits), meaning)
