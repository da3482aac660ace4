"""Reading the cells of an .xlsx archive: streamed, limited by what is really there.

A sheet part is streamed through expat in 64 KiB chunks, one ``<row>`` at a
time, and each row is handed on once read, so memory does not grow with the
sheet and a sheet's own ``<dimension>`` claim is never trusted. The parser
refuses what defusedxml refuses — a document type, entity declarations,
external references — by the same expat handlers; the small parts (workbook,
relationships, styles) are parsed with defusedxml itself. While reading we
count what is actually present — rows with content, cell elements, bytes
inflated — and stop with a message at :data:`~exometa.workbook.safety.MAX_ROWS`
or :data:`~exometa.workbook.safety.MAX_CELLS`. A blank cell at the far corner
(AC1048576) is one element like any other. A read that takes longer than
:data:`~exometa.workbook.safety.PROGRESS_AFTER` seconds says how far it got on
standard error.

Each cell is returned as a :class:`Cell`: its reference, its value as Excel
stored it (text, number, TRUE/FALSE, an error such as ``#DIV/0!``, or a date
for numbers formatted as dates), and its formula if it has one. Nothing here
judges the values; :mod:`exometa.workbook.reader` does.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from . import safety
from .safety import DAMAGE, damaged, refuse
from .xlsx_stream import (DATE_FORMAT_IDS, INT, Cell, SharedStrings, SheetRows, column_index, column_letter, guarded_parser,
                          local_name)

class _Counted:
    """A file object that counts the bytes read through it and stops at a limit."""

    def __init__(self, fh, limit: int, what: str, path):
        self.fh, self.limit, self.what, self.path, self.n = fh, limit, what, path, 0

    def read(self, size=-1):
        data = self.fh.read(size)
        self.n += len(data)
        if self.n > self.limit:
            raise refuse(self.path, f"{self.what} inflates beyond {self.limit // 2**20} MiB.", "This is not a normal workbook; it was not read.")
        return data


def _excel_date(serial: float, date1904: bool):
    if date1904:
        return dt.datetime(1904, 1, 1) + dt.timedelta(days=serial)
    base = dt.datetime(1899, 12, 30) if serial >= 61 else dt.datetime(1899, 12, 31)  # Excel's 1900 leap-year bug
    return base + dt.timedelta(days=serial)


def _is_date_format(code: str) -> bool:
    """Whether a custom number format shows dates or times (d, m, y, h, s outside quotes and brackets)."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    elapsed = re.search(r"\[(h+|m+|s+)\]", code, re.I)
    code = re.sub(r"\[[^\]]*\]", "", code)
    return bool(elapsed) or bool(re.search(r"[dmyhs]", code, re.I)) and code.lower() != "general"


class XlsxArchive:
    """An open .xlsx file: its sheets (name -> part, visibility), shared strings and date styles.

    Use as a context manager; :meth:`rows` streams one sheet.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.zf = safety.open_archive(self.path)
        self.started = time.perf_counter()
        self._progress_at = 0.0
        self.merged: dict[str, list[str]] = {}
        try:
            self._read_workbook_part()
            self.shared = self._read_shared_strings()
            self.date_styles = self._read_date_styles()
        except BaseException:
            self.zf.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.zf.close()

    # -- small parts, parsed whole (each is a few KB) ------------------------------------------
    def _xml(self, name: str):
        data = safety.read_member(self.path, self.zf, name, safety.MAX_TOTAL_UNCOMPRESSED)
        try:
            return fromstring(data, forbid_dtd=True)
        except DefusedXmlException:
            raise refuse(self.path, f"part {name} uses forbidden XML constructs (entities or a document type).",
                         "This can be an entity-expansion attack; the file was not opened.") from None
        except ParseError as exc:
            raise refuse(self.path, f"the workbook is damaged: part {name} is not well-formed XML ({exc}).", safety.DAMAGED_FIX) from None

    def _exists(self, name: str) -> bool:
        try:
            self.zf.getinfo(name)
            return True
        except KeyError:
            return False

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type suffix, member name) for one part."""
        p = PurePosixPath(part)
        rels = str(p.parent / "_rels" / (p.name + ".rels"))
        if not self._exists(rels):
            return {}
        out = {}
        for rel in self._xml(rels):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            name = target.lstrip("/") if target.startswith("/") else str(p.parent / target)
            parts: list[str] = []
            for seg in name.split("/"):
                if seg == "..":
                    parts = parts[:-1]
                elif seg not in ("", "."):
                    parts.append(seg)
            out[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], "/".join(parts))
        return out

    def _read_workbook_part(self) -> None:
        root = self._xml("xl/workbook.xml")
        self.rels = self._relationships("xl/workbook.xml")
        self.sheets: dict[str, tuple[str | None, str]] = {}
        self.date1904 = False
        for el in root.iter():
            tag = local_name(el.tag)
            if tag == "workbookPr":
                self.date1904 = el.get("date1904") in ("1", "true")
            elif tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if local_name(k) == "id"), None)
                target = self.rels.get(rid, (None, None))[1]
                self.sheets[el.get("name", "")] = (target, el.get("state", "visible"))

    def _by_type(self, kind: str, default: str) -> str | None:
        for rel_type, name in self.rels.values():
            if rel_type == kind:
                return name
        return default if self._exists(default) else None

    def _read_date_styles(self) -> frozenset:
        name = self._by_type("styles", "xl/styles.xml")
        if not name or not self._exists(name):
            return frozenset()
        root = self._xml(name)
        custom = {}
        dates = set()
        for el in root.iter():
            if local_name(el.tag) == "numFmt":
                custom[el.get("numFmtId")] = el.get("formatCode", "")
        xfs = next((el for el in root if local_name(el.tag) == "cellXfs"), None)
        for i, xf in enumerate(xfs if xfs is not None else []):
            fid = xf.get("numFmtId", "0")
            if (fid.isdigit() and int(fid) in DATE_FORMAT_IDS) or (fid in custom and _is_date_format(custom[fid])):
                dates.add(str(i))
        return frozenset(dates)

    # -- sheets and shared strings, streamed ------------------------------------------------------
    def _stream(self, name: str, what: str, handler) -> Iterator[None]:
        """Feed one part to a guarded expat parser in chunks; yields after each chunk."""
        parser = guarded_parser(self.path, name)
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.chars
        try:
            with self.zf.open(name) as raw:
                source = _Counted(raw, safety.MAX_TOTAL_UNCOMPRESSED, f"{what} (part {name})", self.path)
                while chunk := source.read(2**16):
                    parser.Parse(chunk, False)
                    yield
                parser.Parse(b"", True)
                yield
        except expat.ExpatError as exc:
            raise refuse(self.path, f"the workbook is damaged: part {name} is not well-formed XML ({expat.errors.messages[exc.code]}, "
                         f"line {exc.lineno}).", safety.DAMAGED_FIX) from None
        except safety.UnsafeWorkbookError:
            raise
        except DAMAGE as exc:
            raise damaged(self.path, name, exc) from None

    def _read_shared_strings(self) -> list[str]:
        name = self._by_type("sharedStrings", "xl/sharedStrings.xml")
        if not name or not self._exists(name):
            return []
        handler = SharedStrings(self.path)
        for _ in self._stream(name, "the shared strings", handler):
            pass
        return handler.strings

    def state(self, sheet: str) -> str:
        return self.sheets[sheet][1]

    def rows(self, sheet: str):
        """Yield ``(row_number, hidden, {column_index: Cell})`` for every row holding a cell.

        After the last row, ``self.merged[sheet]`` lists the sheet's merged ranges.
        """
        name = self.sheets[sheet][0]
        if not name or not self._exists(name):
            raise refuse(self.path, f"the workbook is damaged: the part of sheet '{sheet}' is missing.", safety.DAMAGED_FIX)
        handler = SheetRows(self, sheet)
        reported = False
        for _ in self._stream(name, f"sheet '{sheet}'", handler):
            if handler.ready:
                yield from handler.ready
                handler.ready = []
                reported = self._progress(sheet, handler.n_rows) or reported
        self.merged[sheet] = handler.merged
        if reported:
            self._progress(sheet, handler.n_rows, done=True)

    def _progress(self, sheet: str, n_rows: int, done: bool = False) -> bool:
        """Say how far a long read got (at most once per PROGRESS_AFTER seconds); True if it said so."""
        now = time.perf_counter()
        if not done and (now - self.started < safety.PROGRESS_AFTER or (self._progress_at and now - self._progress_at < safety.PROGRESS_AFTER)):
            return False
        self._progress_at = now
        state = "read" if done else "so far"
        print(f"exometa: reading {self.path.name}, sheet '{sheet}': {n_rows:,} rows {state} ({now - self.started:.0f} s)",
              file=sys.stderr, flush=True)
        return True

    def make_cell(self, ref: str, kind: str, v, formula, inline, style) -> Cell:
        """A Cell from what a ``<c>`` element held."""
        if kind == "inlineStr":
            return Cell(ref, inline if inline else None, formula)
        if v is None or v == "":
            return Cell(ref, None, formula)
        if kind == "s":
            try:
                return Cell(ref, self.shared[int(v)], formula)
            except (ValueError, IndexError):
                return Cell(ref, None, formula, damaged=f"it points at text number {v}, which the file does not hold")
        if kind == "str":
            return Cell(ref, v, formula)
        if kind == "b":
            return Cell(ref, v.strip() in ("1", "true"), formula)
        if kind == "e":
            return Cell(ref, None, formula, error=v)
        if kind == "d":
            try:
                return Cell(ref, dt.datetime.fromisoformat(v.strip().rstrip("Z")), formula)
            except ValueError:
                return Cell(ref, None, formula, damaged=f"its stored date {v!r} is not a date")
        return self._number(ref, v, formula, style)

    def _number(self, ref, v: str, formula, style) -> Cell:
        text = v.strip()
        try:
            number = int(text) if INT.fullmatch(text) else float(text)
        except ValueError:
            return Cell(ref, None, formula, damaged=f"its stored number {v!r} is not a number")
        if isinstance(number, float) and (number != number or number in (float("inf"), float("-inf"))):
            return Cell(ref, None, formula, damaged=f"its stored number {v!r} is not a finite number")
        if style in self.date_styles and 0 <= number < 2_958_466:
            return Cell(ref, _excel_date(float(number), self.date1904), formula)
        return Cell(ref, number, formula)


def sheet_names(path) -> list[str]:
    """The sheet names of an .xlsx file (after :func:`~exometa.workbook.safety.preflight`)."""
    with XlsxArchive(Path(path)) as book:
        return list(book.sheets)


__all__ = ["Cell", "XlsxArchive", "column_index", "column_letter", "sheet_names"]
