"""The report as a Word document (``.docx``, via python-docx), which journals and guideline panels take.

The same content as the HTML and Markdown (:mod:`exometa.report.model`):
headings, paragraphs, tables (Word's "Table Grid", 8 pt), figures as their PNG
at print size (at most the text width), and the names of the other files.
Text goes in as text -- Word runs nothing in it -- with the characters XML
cannot hold replaced by U+FFFD. The file is deterministic: fixed document
dates (the run date only when one is given) and fixed times inside the zip
(:func:`stable_zip`).
"""

from __future__ import annotations

import datetime as dt
import io
import re

from .model import Bullets, Figure, Heading, Links, Paragraph, Table
from .stable_zip import FIXED_DATE, stable_zip

TEXT_WIDTH_IN = 6.5  # US Letter / A4 with 1-inch margins
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text) -> str:
    """Text Word can hold: characters XML 1.0 forbids become U+FFFD.

    >>> xml_safe("a\\x07b")
    'a�b'
    """
    return _NOT_XML.sub("\ufffd", "" if text is None else str(text))


def _run(paragraph, text, bold=False, size=None, colour=None):
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(xml_safe(text))
    run.bold = bold or None
    if size:
        run.font.size = Pt(size)
    if colour:
        run.font.color.rgb = RGBColor(*colour)
    return run


def _text_kind(text: str) -> str | None:
    """How python-docx writes ``text`` into a run: '' no ``w:t``, 't' one ``w:t``, 'p' one with
    ``xml:space="preserve"``; None when tabs or line breaks make more elements."""
    if not text:
        return ""
    if "\t" in text or "\n" in text or "\r" in text:
        return None
    return "p" if len(text.strip()) < len(text) else "t"


def _table(doc, t: Table):
    from copy import deepcopy

    from docx.oxml.ns import qn
    from docx.shared import Pt

    if t.caption:
        _run(doc.add_paragraph(), t.caption, bold=True)
    if not t.rows:
        if t.empty:
            _run(doc.add_paragraph(), t.empty, size=9, colour=(0x55, 0x55, 0x55))
        return
    head = any(t.columns)
    table = doc.add_table(rows=0, cols=len(t.columns))
    table.style = "Table Grid"
    mono = [c in t.mono for c in t.columns]
    # Rows of one shape (which cells are bold, monospaced, empty, padded) have the same XML but for
    # their text: python-docx builds the first of each shape, the others are copies with their text
    # (python-docx spends ~2 ms a row; a copy ~0.05 ms). The bytes are the same either way.
    shapes: dict = {}
    t_tag = qn("w:t")
    for r, values in enumerate(([t.columns] if head else []) + list(t.rows)):
        texts = [xml_safe(v) for v in values]
        bold = [(head and r == 0) or (not head and i == 0) for i in range(len(texts))]
        kinds = [_text_kind(x) for x in texts]
        shape = (tuple(bold), tuple(kinds)) if None not in kinds else None
        if shape in shapes:
            tr = deepcopy(shapes[shape])
            for node, text in zip(tr.iter(t_tag), (x for x, k in zip(texts, kinds) if k)):
                node.text = text
            table._tbl.append(tr)
            continue
        cells = table.add_row().cells
        for i, v in enumerate(texts):
            run = _run(cells[i].paragraphs[0], v, bold=bold[i], size=8)
            if mono[i]:
                run.font.name = "Courier New"
        if shape is not None:
            shapes[shape] = deepcopy(table.rows[-1]._tr)
    doc.add_paragraph().paragraph_format.space_after = Pt(2)


def _picture_place(doc, f: Figure, places: list) -> None:
    """Room for a figure: an empty paragraph for the picture and its caption (filled in by
    :func:`_place_picture` once the image exists)."""
    note = (f" Also: {', '.join(f.others)}." if f.others else "")
    picture = doc.add_paragraph()
    caption = doc.add_paragraph(style="Caption")
    _run(caption, f.caption + "." + note)
    places.append((picture, caption, f))


def _place_picture(picture, caption, f: Figure, find) -> None:
    """The figure's PNG at print size (at most the text width) into its paragraph; an image that is
    not there or not a PNG is named instead (and its caption goes)."""
    from docx.image.image import Image
    from docx.shared import Inches

    path = find(f.file)
    if not path.is_file() or path.suffix.lower() != ".png":
        why = "not found beside this report" if not path.is_file() else "an SVG, which Word does not show here"
        note = (f" Also: {', '.join(f.others)}." if f.others else "")
        _run(picture, f"{f.caption}: the image {f.file} is {why}.{note}", size=9)
        caption._element.getparent().remove(caption._element)
        return
    img = Image.from_file(str(path))
    width = min(img.px_width / (img.horz_dpi or 150), TEXT_WIDTH_IN)
    picture.add_run().add_picture(str(path), width=Inches(width))


def _block(doc, b, places):
    if isinstance(b, Heading):
        doc.add_heading(xml_safe(b.text), level=0 if b.level == 1 else min(b.level - 1, 4))
    elif isinstance(b, Paragraph):
        p = doc.add_paragraph(style="Intense Quote" if b.style == "verdict" else None)
        small = 9 if b.style == "note" else None
        if b.lead:
            _run(p, b.lead + " ", bold=True, size=small)
        _run(p, b.text, size=small)
    elif isinstance(b, Table):
        _table(doc, b)
    elif isinstance(b, Figure):
        _picture_place(doc, b, places)
    elif isinstance(b, Links):
        _run(doc.add_paragraph(), f"{b.lead} " + ", ".join(f"{t} ({f})" if t != f else f for t, f in b.items)
             + " (files beside this document).")
    elif isinstance(b, Bullets):
        for item in b.items:
            _run(doc.add_paragraph(style="List Bullet"), item)
    else:  # pragma: no cover - every block type is handled
        raise TypeError(type(b).__name__)


def _date(doc) -> dt.datetime:
    for k, v in doc.meta:
        if k == "run date":
            try:
                return dt.datetime.fromisoformat(str(v)).replace(tzinfo=dt.timezone.utc)
            except ValueError:
                break
    return FIXED_DATE


def draft_docx(doc):
    """The Word document of ``doc`` with room for its figures: everything that does not read an image
    (:func:`finish_docx` adds them), so that it can be built while the figures are drawn."""
    import docx
    from docx.shared import Inches

    word = docx.Document()
    for section in word.sections:
        section.left_margin = section.right_margin = Inches(1)
    props = word.core_properties
    props.title = xml_safe(doc.title)
    props.author = props.last_modified_by = "exometa"
    props.created = props.modified = _date(doc)
    props.revision = 1
    props.comments = xml_safe("; ".join(f"{k} {v}" for k, v in doc.meta))
    places: list = []
    for i, b in enumerate(doc.blocks):
        _block(word, b, places)
        if i == 0 and isinstance(b, Heading) and doc.meta:
            _run(word.add_paragraph(), " · ".join(f"{k} {v}" for k, v in doc.meta), size=9, colour=(0x55, 0x55, 0x55))
    return word, places, _date(doc)


def finish_docx(draft, folder, files: dict | None = None) -> bytes:
    """The ``.docx`` bytes of a :func:`draft_docx`, its figures read from ``folder`` (or ``files[name]``).
    The draft is completed in place: finish each draft once."""
    from .render_html import locate

    word, places, date = draft
    find = locate(folder, files)
    for picture, caption, f in places:
        _place_picture(picture, caption, f, find)
    buf = io.BytesIO()
    word.save(buf)
    return stable_zip(buf.getvalue(), date)


def render_docx(doc, folder, files: dict | None = None) -> bytes:
    """The ``.docx`` bytes of ``doc``, whose figures are files in ``folder`` (or at ``files[name]``)."""
    return finish_docx(draft_docx(doc), folder, files)


__all__ = ["render_docx", "draft_docx", "finish_docx", "xml_safe"]
