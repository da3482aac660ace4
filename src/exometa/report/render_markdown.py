"""The report as Markdown (CommonMark with GitHub's pipe tables), beside its figures.

Images and files are linked relative to the Markdown file itself (it is
written into the folder that holds them), percent-encoded, so they work in any
viewer that renders the file where it lies. Every piece of text is made inert
(:func:`exometa.report.text.md_text`): no workbook text can open a link, an
image, a heading or raw HTML.
"""

from __future__ import annotations

from urllib.parse import quote

from .model import Bullets, Figure, Heading, Links, Paragraph, Table
from .text import md_text


def target(name: str) -> str:
    """A link target for a file of the report's folder (percent-encoded: spaces and brackets are safe).

    >>> target("02 (all)_forest.png")
    '02%20%28all%29_forest.png'
    """
    return quote(name, safe="")


def _cell(text) -> str:
    return md_text(text) or " "


def _table(t: Table) -> str:
    out = f"**{md_text(t.caption)}**\n\n" if t.caption else ""
    if not t.rows:
        return out + (f"_{md_text(t.empty)}_\n" if t.empty else "")
    lines = ["| " + " | ".join(_cell(c) for c in t.columns) + " |", "|" + "---|" * len(t.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in t.rows]
    return out + "\n".join(lines) + "\n"


def _block(b) -> str:
    if isinstance(b, Heading):
        return f"{'#' * b.level} {md_text(b.text)}\n"
    if isinstance(b, Paragraph):
        lead = f"**{md_text(b.lead)}** " if b.lead else ""
        text = lead + md_text(b.text)
        if b.style == "verdict":
            return f"> {text}\n"
        return (f"_{text}_" if b.style == "note" and not b.lead else text) + "\n"
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Figure):
        also = ", ".join(f"[{md_text(o)}]({target(o)})" for o in b.others)
        return f"![{md_text(b.caption)}]({target(b.file)})\n\n_{md_text(b.caption)}_" + (f" (also {also})" if also else "") + "\n"
    if isinstance(b, Links):
        return md_text(b.lead) + " " + ", ".join(f"[{md_text(t)}]({target(f)})" for t, f in b.items) + "\n"
    if isinstance(b, Bullets):
        return "\n".join(f"- {md_text(x)}" for x in b.items) + "\n"
    raise TypeError(type(b).__name__)  # pragma: no cover - every block type is handled


def render_markdown(doc) -> str:
    """The Markdown text of ``doc`` (written beside its figures)."""
    out = []
    facts = " · ".join(f"{md_text(k)} {md_text(v)}" for k, v in doc.meta)
    for i, b in enumerate(doc.blocks):
        out.append(_block(b))
        if i == 0 and isinstance(b, Heading) and facts:
            out.append(facts + "\n")
    return "\n".join(out)


__all__ = ["render_markdown", "target"]
