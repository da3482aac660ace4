"""The report as content: headings, paragraphs, tables, figures and links, rendered three ways.

:mod:`exometa.report.content` builds one :class:`Document` from the results;
:mod:`exometa.report.html`, :mod:`exometa.report.markdown` and
:mod:`exometa.report.docx` render it. Nothing is written twice, so the three
formats cannot drift apart. Every text field holds plain text taken from the
workbook or written by exometa: each renderer escapes it for its format.

A document can be stored and read back (:meth:`Document.to_dict`,
:meth:`Document.from_dict`), which is how ``exometa run NAME`` keeps the other
analyses' sections of the report from the last run.

>>> doc = Document("Review", (Heading(1, "Review"), Paragraph("k = 3", lead="Result.")))
>>> Document.from_dict(doc.to_dict()) == doc
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True)
class Heading:
    level: int  # 1 (title) to 4
    text: str
    anchor: str = ""  # an id for links within the document ("" = none)


@dataclass(frozen=True)
class Paragraph:
    text: str
    lead: str = ""  # shown in bold before the text, e.g. "Question."
    style: str = ""  # "" | "verdict" (a box) | "note" (smaller, grey)


@dataclass(frozen=True)
class Table:
    columns: tuple
    rows: tuple  # tuples of str, one per column
    caption: str = ""
    mono: tuple = ()  # columns shown in a fixed-width font (flags)
    empty: str = "None."  # said instead of a table without rows


@dataclass(frozen=True)
class Figure:
    file: str  # the image (PNG, else SVG) by its name in the report's folder
    caption: str
    others: tuple = ()  # the same figure in other formats (file names)


@dataclass(frozen=True)
class Links:
    """Files of the report's folder, linked: ``items`` are (text, file name)."""

    lead: str
    items: tuple


@dataclass(frozen=True)
class Bullets:
    items: tuple


BLOCKS = {cls.__name__: cls for cls in (Heading, Paragraph, Table, Figure, Links, Bullets)}


def _tuples(x):
    return tuple(_tuples(v) for v in x) if isinstance(x, (list, tuple)) else x


@dataclass(frozen=True)
class Document:
    """A report: its title and blocks in order, and facts about the run shown at the top."""

    title: str
    blocks: tuple
    meta: tuple = field(default=())  # (name, value) pairs: version, workbook, checksum, date

    def to_dict(self) -> dict:
        return {"title": self.title, "meta": [list(m) for m in self.meta],
                "blocks": [{"type": type(b).__name__, **asdict(b)} for b in self.blocks]}

    @classmethod
    def from_dict(cls, data: dict) -> Document:
        blocks = []
        for raw in data["blocks"]:
            kind = BLOCKS[raw["type"]]
            names = {f.name for f in fields(kind)}
            blocks.append(kind(**{k: _tuples(v) for k, v in raw.items() if k in names}))
        return cls(data["title"], tuple(blocks), tuple(tuple(m) for m in data.get("meta", ())))

    def figures(self) -> list[str]:
        """Every file the document shows or links, in order (without repeats)."""
        names = []
        for b in self.blocks:
            if isinstance(b, Figure):
                names += [b.file, *b.others]
            elif isinstance(b, Links):
                names += [f for _, f in b.items]
        return list(dict.fromkeys(names))


__all__ = ["Document", "Heading", "Paragraph", "Table", "Figure", "Links", "Bullets"]
