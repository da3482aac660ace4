"""The report as one HTML page.

Self-contained: figures are embedded as data URIs, so the page can be sent on
its own -- unless together they exceed :data:`EMBED_LIMIT` bytes, when they are
linked as files beside the page instead (the page says so at the top), so that
a large review does not make a page of many megabytes. Every piece of text is
escaped (:func:`exometa.report.text.html_text`); file names are
percent-encoded in links. No scripts, no external resources, no timestamps.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

from .model import Bullets, Figure, Heading, Links, Paragraph, Table
from .text import html_text

EMBED_LIMIT = 8_000_000
MIME = {".png": "image/png", ".svg": "image/svg+xml"}
CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:2px solid #34495e;padding-bottom:.2em;margin-top:2.2em}h3{margin-top:1.6em}
table{border-collapse:collapse;font-size:.86em;margin:.4em 0 1em}td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
th{background:#eef2f6;text-align:left}img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}
.verdict{background:#fdf3e6;border-left:5px solid #d68910;padding:.6em 1em}.mono{font-family:monospace;color:#b03a2e}
.note{color:#555;font-size:.9em}.caption{margin:.8em 0 .2em;font-weight:bold}
"""


def href(name: str) -> str:
    """A relative link to a file of the report's folder: percent-encoded, then escaped for an attribute."""
    return html_text(quote(name))


def locate(folder, files=None):
    """A function from a file name to its path: ``files[name]`` if given there, else ``folder / name``."""
    files = files or {}
    return lambda name: Path(files[name]) if name in files else Path(folder) / name


def should_embed(doc, find, limit: int = EMBED_LIMIT) -> bool:
    """True when the figures together are small enough to embed in the page."""
    paths = [find(b.file) for b in doc.blocks if isinstance(b, Figure)]
    return sum(p.stat().st_size for p in paths if p.is_file()) <= limit


def _table(t: Table) -> str:
    out = f"<p class='caption'>{html_text(t.caption)}</p>" if t.caption else ""
    if not t.rows:
        return out + (f"<p class='note'>{html_text(t.empty)}</p>" if t.empty else "")
    head = any(t.columns)
    mono = {i for i, c in enumerate(t.columns) if c in t.mono}
    rows = []
    for r in t.rows:
        cells = []
        for i, v in enumerate(r):
            tag = "th" if not head and i == 0 else "td"
            cls = " class='mono'" if i in mono else ""
            cells.append(f"<{tag}{cls}>{html_text(v)}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    thead = "<thead><tr>" + "".join(f"<th>{html_text(c)}</th>" for c in t.columns) + "</tr></thead>" if head else ""
    return out + f"<table>{thead}<tbody>{''.join(rows)}</tbody></table>"


def print_width(path: Path) -> int | None:
    """The CSS width (px at 96 per inch) at which a PNG shows at its print size (its pixels at its own dpi)."""
    if path.suffix.lower() != ".png":
        return None
    from docx.image.image import Image

    img = Image.from_file(str(path))
    return round(img.px_width * 96 / (img.horz_dpi or 96))


def _figure(f: Figure, find, embed: bool) -> str:
    path = find(f.file)
    also = ", ".join(f"<a href='{href(o)}'>{html_text(o)}</a>" for o in f.others)
    caption = html_text(f.caption) + (f" (also {also})" if also else "")
    if not path.is_file():
        return f"<p class='note'>{caption}: the image {html_text(f.file)} was not found beside this report.</p>"
    if embed:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        src = f"data:{MIME.get(path.suffix, 'application/octet-stream')};base64,{data}"
    else:
        src = href(f.file)
    width = print_width(path)
    size = f" style='width:{width}px'" if width else ""
    return (f"<figure><img alt='{html_text(f.caption)}'{size} src='{src}'>"
            f"<figcaption class='note'>{caption}</figcaption></figure>")


def _block(b, find, embed) -> str:
    if isinstance(b, Heading):
        anchor = f" id='{html_text(b.anchor)}'" if b.anchor else ""
        return f"<h{b.level}{anchor}>{html_text(b.text)}</h{b.level}>"
    if isinstance(b, Paragraph):
        lead = f"<b>{html_text(b.lead)}</b> " if b.lead else ""
        if b.style == "verdict":
            return f"<div class='verdict'>{lead}{html_text(b.text)}</div>"
        cls = f" class='{b.style}'" if b.style else ""
        return f"<p{cls}>{lead}{html_text(b.text)}</p>"
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Figure):
        return _figure(b, find, embed)
    if isinstance(b, Links):
        return f"<p>{html_text(b.lead)} " + ", ".join(f"<a href='{href(f)}'>{html_text(t)}</a>" for t, f in b.items) + "</p>"
    if isinstance(b, Bullets):
        return "<ul>" + "".join(f"<li>{html_text(x)}</li>" for x in b.items) + "</ul>"
    raise TypeError(type(b).__name__)  # pragma: no cover - every block type is handled


def render_html(doc, folder, embed: bool | None = None, files: dict | None = None) -> str:
    """The page for ``doc``, whose figures are files in ``folder`` (or at ``files[name]``, for files not
    yet moved there); ``embed``: None decides by size (:data:`EMBED_LIMIT`)."""
    find = locate(folder, files)
    embed = should_embed(doc, find) if embed is None else embed
    facts = " · ".join(f"{html_text(k)} {html_text(v)}" for k, v in doc.meta)
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html_text(doc.title)}</title>"
           f"<style>{CSS}</style></head><body>"]
    for i, b in enumerate(doc.blocks):
        out.append(_block(b, find, embed))
        if i == 0 and isinstance(b, Heading):
            out.append(f"<p class='note'>{facts}</p>" if facts else "")
            if not embed:
                out.append("<p class='note'>The figures are linked, not embedded, to keep this page small: keep the "
                           "image files beside it.</p>")
    out.append("</body></html>\n")
    return "\n".join(x for x in out if x)


__all__ = ["render_html", "should_embed", "locate", "EMBED_LIMIT", "href"]
