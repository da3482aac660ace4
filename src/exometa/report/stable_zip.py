"""Office files (``.docx``, ``.xlsx``) with the same bytes for the same content.

Both are zip archives: their writers stamp each member with the time of
saving, and ``docProps/core.xml`` with the document's dates (openpyxl sets
``dcterms:modified`` to the time of saving). :func:`stable_zip` rewrites the
archive with every member at 1980-01-01 and the document dates set to the date
given (a fixed date unless the run date is asked for).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*")


def stable_zip(data: bytes, date: dt.datetime = FIXED_DATE) -> bytes:
    """The same archive, deterministic: fixed member times and attributes, document dates set to ``date``.

    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("docProps/core.xml", b"<dcterms:modified x='1'>2031-05-05T10:00:00Z</dcterms:modified>")
    >>> z = zipfile.ZipFile(io.BytesIO(stable_zip(buf.getvalue())))
    >>> z.read("docProps/core.xml"), z.infolist()[0].date_time
    (b"<dcterms:modified x='1'>2000-01-01T00:00:00Z</dcterms:modified>", (1980, 1, 1, 0, 0, 0))
    """
    stamp = date.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _DATES.sub(rb"\g<1>" + stamp, body)
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


__all__ = ["stable_zip", "FIXED_DATE"]
