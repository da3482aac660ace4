"""Checks made before a workbook is parsed: what kind of file it is, and whether it is safe.

An .xlsx file is a zip archive of XML parts. Before openpyxl sees it we refuse,
with a message and within milliseconds:

- files that are not .xlsx inside: legacy .xls, encrypted (password-protected)
  workbooks, .xlsb, and CSV or other text renamed to .xlsx;
- zip bombs: too many members, too much uncompressed data, or a member that
  inflates implausibly (sizes are read from the zip directory, then enforced
  while reading, since a directory can lie);
- XML with a document type declaration (the vehicle of entity-expansion
  attacks such as "billion laughs"; no genuine workbook part has one), checked
  with defusedxml, which also guards the parse itself;
- absurd sheet dimensions declared in a sheet's ``<dimension>`` element.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..errors import ExometaError

MAX_MEMBERS = 10_000
MAX_TOTAL_UNCOMPRESSED = 200 * 2**20  # 200 MiB of XML is far beyond any review workbook
MAX_RATIO = 200  # a part inflating more than 200x (and over 1 MiB) is treated as a bomb
MAX_CELLS = 5_000_000  # declared rows x columns of one sheet
MAX_ROWS = 200_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class UnsafeWorkbookError(ExometaError):
    """The file is not a workbook exometa will open (type, size or content)."""


def _refuse(path, message, fix) -> UnsafeWorkbookError:
    return UnsafeWorkbookError(f"{path}: {message} {fix}")


def sniff(path: Path) -> None:
    """Raise unless ``path`` looks like an OOXML (.xlsx) zip archive."""
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(2048)
    if head.startswith(OLE_MAGIC):
        with path.open("rb") as fh:
            blob = fh.read(2**20)
        if "EncryptionInfo".encode("utf-16-le") in blob or b"EncryptedPackage" in blob or "EncryptedPackage".encode("utf-16-le") in blob:
            raise _refuse(path, "the workbook is encrypted (password-protected).",
                          "Open it in Excel or LibreOffice, remove the password (File > Info > Protect Workbook), and save it as .xlsx.")
        raise _refuse(path, "this is a legacy Excel 97-2003 (.xls) file.",
                      "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx).")
    if not head.startswith(ZIP_MAGIC):
        text = head.decode("utf-8", errors="ignore")
        if text and ("," in text or ";" in text or "\t" in text) and "\x00" not in text:
            raise _refuse(path, "this is a text (CSV) file with an .xlsx name, not a workbook.",
                          "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx), or keep it as .csv for `exometa pool`.")
        raise _refuse(path, "this is not an Excel workbook (.xlsx).", "Save the workbook from Excel or LibreOffice as .xlsx.")
    if suffix in (".xls", ".xlsb"):
        raise _refuse(path, f"files ending in {suffix} are not read.", "Save the workbook as .xlsx.")


def check_archive(path: Path) -> None:
    """Zip-bomb, entity-expansion and dimension checks, before any parsing."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _refuse(path, "the file is damaged (not a readable zip archive).", "Re-save it from Excel or LibreOffice.") from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.bin" in names:
            raise _refuse(path, "this is a binary workbook (.xlsb) with an .xlsx name.", "Save it as an Excel Workbook (.xlsx).")
        if "xl/workbook.xml" not in names:
            raise _refuse(path, "the archive holds no Excel workbook (xl/workbook.xml is missing).", "Save the file from Excel or LibreOffice as .xlsx.")
        if len(infos) > MAX_MEMBERS:
            raise _refuse(path, f"the archive has {len(infos)} parts (limit {MAX_MEMBERS}).", "This is not a normal workbook; it was not opened.")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise _refuse(path, f"the workbook would inflate to {total / 2**20:.0f} MiB (limit {MAX_TOTAL_UNCOMPRESSED // 2**20} MiB).",
                          "This looks like a zip bomb; it was not opened.")
        for info in infos:
            if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _refuse(path, f"part {info.filename} inflates {info.file_size // max(info.compress_size, 1)}-fold.",
                              "This looks like a zip bomb; it was not opened.")
        read_total = 0
        for info in infos:
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            with zf.open(info) as fh:
                data = fh.read(MAX_TOTAL_UNCOMPRESSED - read_total + 1)
            read_total += len(data)
            if read_total > MAX_TOTAL_UNCOMPRESSED:
                raise _refuse(path, "the workbook inflates beyond its declared size.", "This looks like a zip bomb; it was not opened.")
            _check_xml(path, info.filename, data)


_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"')


def _check_xml(path: Path, name: str, data: bytes) -> None:
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:65536]:
        raise _refuse(path, f"part {name} declares XML entities (a document type), which workbooks never need.",
                      "This can be an entity-expansion attack; the file was not opened.")
    if name.startswith("xl/worksheets/"):
        m = _DIMENSION.search(data[:4096])
        if m:
            col = 0
            for ch in m.group(1).decode():
                col = col * 26 + ord(ch) - 64
            rows = int(m.group(2))
            if rows > MAX_ROWS or rows * col > MAX_CELLS:
                raise _refuse(path, f"sheet part {name} declares {rows:,} rows x {col:,} columns.",
                              "That is far beyond a review workbook; delete the empty rows and columns and save again.")
    if name in ("xl/workbook.xml", "[Content_Types].xml"):
        try:
            SafeET.fromstring(data)
        except DefusedXmlException:
            raise _refuse(path, f"part {name} uses forbidden XML constructs.", "The file was not opened.") from None
        except SafeET.ParseError:
            raise _refuse(path, f"part {name} is not well-formed XML.", "Re-save the file from Excel or LibreOffice.") from None


def preflight(path) -> Path:
    """All checks that must pass before parsing; returns the path."""
    path = Path(path)
    if not path.exists():
        raise ExometaError(f"{path}: no such file. Give the path of the workbook, e.g. studies.xlsx.")
    if path.is_dir():
        raise ExometaError(f"{path} is a folder; give the path of the workbook file.")
    sniff(path)
    check_archive(path)
    return path
