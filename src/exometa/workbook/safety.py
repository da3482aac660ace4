"""Checks made before a workbook is parsed: what kind of file it is, and whether it is safe.

An .xlsx file is a zip archive of XML parts. Before any part is parsed we refuse,
with a message and within milliseconds:

- files that are not .xlsx inside: legacy .xls, encrypted (password-protected)
  workbooks, .xlsb, and CSV or other text renamed to .xlsx;
- zip bombs: too many members, too much uncompressed data, or a member that
  inflates implausibly (sizes are read from the zip directory, then enforced
  while reading, since a directory can lie);
- damaged archives: a truncated file, a member whose checksum (CRC) fails, a
  flipped byte in compressed data, a member that cannot be read (every member
  is read once, in full, so that the checksum is verified);
- XML with a document type declaration (the vehicle of entity-expansion
  attacks such as "billion laughs"; no genuine workbook part has one); the
  parts that are parsed are parsed with defusedxml, which refuses them too.

What a sheet holds is limited while it is read (:mod:`exometa.workbook.xlsx`):
rows and cells actually present, and bytes streamed — never the sheet's own
``<dimension>`` claim, which a file can make up.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from ..errors import ExometaError

MAX_MEMBERS = 10_000
MAX_TOTAL_UNCOMPRESSED = 200 * 2**20  # 200 MiB of XML is far beyond any review workbook
MAX_RATIO = 200  # a part inflating more than 200x (and over 1 MiB) is treated as a bomb
MAX_ROWS = 100_000  # rows with content in one sheet (a review of 2,000 studies has a few thousand)
MAX_CELLS = 2_000_000  # cell elements in one sheet, empty or not
#: seconds after which a long read reports its progress on standard error
PROGRESS_AFTER = 2.0

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
#: what reading a damaged member can raise (zipfile, zlib, a short file, an unsupported method...)
DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError)
DAMAGED_FIX = ("The file may be truncated or corrupted (an interrupted download, copy or save). Open it in Excel or "
               "LibreOffice, which may repair it, and save it again as .xlsx, or use a backup copy.")


class UnsafeWorkbookError(ExometaError):
    """The file is not a workbook exometa will open (type, size, damage or content)."""


def refuse(path, message, fix) -> UnsafeWorkbookError:
    return UnsafeWorkbookError(f"{path}: {message} {fix}")


def damaged(path, member: str, exc: BaseException) -> UnsafeWorkbookError:
    """The error for a member that cannot be read, with the reason in plain words."""
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in reason:
        reason = "its checksum (CRC) does not match its content"
    elif isinstance(exc, zlib.error):
        reason = "its compressed data is corrupt"
    elif isinstance(exc, EOFError):
        reason = "it ends early"
    elif isinstance(exc, NotImplementedError):
        reason = f"it uses a compression method exometa cannot read ({reason})"
    elif isinstance(exc, RuntimeError) and "encrypted" in reason.lower():
        reason = "it is encrypted"
    return refuse(path, f"the workbook is damaged: part {member} cannot be read ({reason}).", DAMAGED_FIX)


def sniff(path: Path) -> None:
    """Raise unless ``path`` looks like an OOXML (.xlsx) zip archive."""
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as fh:
            head = fh.read(2048)
            blob = fh.read(2**20) if head.startswith(OLE_MAGIC) else b""
    except OSError as exc:
        raise ExometaError(f"{path}: the file cannot be read ({exc.strerror or exc}). Check that it exists and that you may read it.") from None
    if head.startswith(OLE_MAGIC):
        blob = head + blob
        if "EncryptionInfo".encode("utf-16-le") in blob or b"EncryptedPackage" in blob or "EncryptedPackage".encode("utf-16-le") in blob:
            raise refuse(path, "the workbook is encrypted (password-protected).",
                         "Open it in Excel or LibreOffice, remove the password (File > Info > Protect Workbook), and save it as .xlsx.")
        raise refuse(path, "this is a legacy Excel 97-2003 (.xls) file.",
                     "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx).")
    if not head:
        raise refuse(path, "the file is empty.", "It may have been cut short while being written; use a saved copy of the workbook.")
    if not head.startswith(ZIP_MAGIC):
        text = head.decode("utf-8", errors="ignore")
        if text and ("," in text or ";" in text or "\t" in text) and "\x00" not in text:
            raise refuse(path, "this is a text (CSV) file with an .xlsx name, not a workbook.",
                         "Open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx), or keep it as .csv for `exometa pool`.")
        raise refuse(path, "this is not an Excel workbook (.xlsx).", "Save the workbook from Excel or LibreOffice as .xlsx.")
    if suffix in (".xls", ".xlsb"):
        raise refuse(path, f"files ending in {suffix} are not read.", "Save the workbook as .xlsx.")


def open_archive(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise refuse(path, "the workbook is damaged: it is not a complete zip archive (it may be truncated).", DAMAGED_FIX) from None
    except DAMAGE as exc:
        raise refuse(path, f"the workbook cannot be opened ({exc}).", DAMAGED_FIX) from None


def check_archive(path: Path) -> None:
    """Zip-bomb, damage and entity-declaration checks, before any parsing."""
    with open_archive(path) as zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.bin" in names:
            raise refuse(path, "this is a binary workbook (.xlsb) with an .xlsx name.", "Save it as an Excel Workbook (.xlsx).")
        if "xl/workbook.xml" not in names:
            raise refuse(path, "the archive holds no Excel workbook (xl/workbook.xml is missing).", "Save the file from Excel or LibreOffice as .xlsx.")
        if len(infos) > MAX_MEMBERS:
            raise refuse(path, f"the archive has {len(infos)} parts (limit {MAX_MEMBERS}).", "This is not a normal workbook; it was not opened.")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise refuse(path, f"the workbook would inflate to {total / 2**20:.0f} MiB (limit {MAX_TOTAL_UNCOMPRESSED // 2**20} MiB).",
                         "This looks like a zip bomb; it was not opened.")
        for info in infos:
            if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise refuse(path, f"part {info.filename} inflates {info.file_size // max(info.compress_size, 1)}-fold.",
                             "This looks like a zip bomb; it was not opened.")
        read_total = 0
        for info in infos:
            if info.is_dir():
                continue
            data = read_member(path, zf, info.filename, MAX_TOTAL_UNCOMPRESSED - read_total + 1)
            read_total += len(data)
            if read_total > MAX_TOTAL_UNCOMPRESSED:
                raise refuse(path, "the workbook inflates beyond its declared size.", "This looks like a zip bomb; it was not opened.")
            if info.filename.endswith((".xml", ".rels", ".vml")):
                check_xml_head(path, info.filename, data)


def read_member(path: Path, zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """Up to ``limit`` bytes of one member, read to its end (so its CRC is checked)."""
    try:
        with zf.open(name) as fh:
            return fh.read(limit)
    except DAMAGE as exc:
        raise damaged(path, name, exc) from None


def check_xml_head(path: Path, name: str, data: bytes) -> None:
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:65536]:
        raise refuse(path, f"part {name} declares XML entities (a document type), which workbooks never need.",
                     "This can be an entity-expansion attack; the file was not opened.")


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
