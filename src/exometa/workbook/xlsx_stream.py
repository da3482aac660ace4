"""The XML of a sheet, streamed: expat handlers that turn ``<row>``/``<c>`` elements into rows of cells.

The parser refuses what defusedxml refuses — a document type, entity
declarations, external references — through the same expat handlers, and
counts what is really in the sheet (rows with content, cell elements) against
:data:`~exometa.workbook.safety.MAX_ROWS` and :data:`~exometa.workbook.safety.MAX_CELLS`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from xml.parsers import expat

from . import safety
from .safety import refuse

_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")
INT = re.compile(r"[+-]?\d{1,15}")
MAX_COLUMN = 16_384  # XFD
MAX_ROW = 1_048_576
#: number formats (built-in ids) that show a number as a date or a time
DATE_FORMAT_IDS = frozenset(range(14, 23)) | {45, 46, 47}



@dataclass(frozen=True)
class Cell:
    """One cell as stored: ``value`` is None, str, int, float, bool or datetime.

    ``error`` holds an Excel error value (``#N/A``...), ``formula`` the formula
    text (``=A1*2``) when the cell is computed, ``damaged`` a description when
    the stored value cannot be what its type says.
    """

    ref: str
    value: object = None
    formula: str | None = None
    error: str | None = None
    damaged: str | None = None

    @property
    def blank(self) -> bool:
        return self.value is None and self.formula is None and self.error is None and self.damaged is None


@functools.lru_cache(maxsize=1024)
def column_letter(index: int) -> str:
    """1 -> 'A', 29 -> 'AC'.

    >>> column_letter(1), column_letter(29), column_letter(16384)
    ('A', 'AC', 'XFD')
    """
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@functools.lru_cache(maxsize=1024)
def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@functools.lru_cache(maxsize=256)
def local_name(tag: str) -> str:
    """A tag without its namespace ('{ns}row' or 'ns}row' -> 'row')."""
    return tag.rsplit("}", 1)[-1]


def guarded_parser(path, name: str):
    """An expat parser that refuses a document type, entity declarations and external references
    (the guards defusedxml installs), reporting the tag names without namespaces."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def forbidden(*_args):
        raise refuse(path, f"part {name} declares XML entities (a document type), which workbooks never need.",
                     "This can be an entity-expansion attack; the file was not opened.")

    parser.StartDoctypeDeclHandler = forbidden
    parser.EntityDeclHandler = forbidden
    parser.UnparsedEntityDeclHandler = forbidden
    parser.ExternalEntityRefHandler = forbidden
    return parser


class SharedStrings:
    """expat handler collecting ``<si>`` texts (plain or rich-text runs, without phonetic hints)."""

    def __init__(self, path):
        self.path, self.strings, self.parts, self.buf, self.in_phonetic = path, [], [], None, False

    def start(self, tag, attrs):
        local = local_name(tag)
        if local == "si":
            self.parts = []
        elif local == "rPh":
            self.in_phonetic = True
        elif local == "t" and not self.in_phonetic:
            self.buf = []

    def end(self, tag):
        local = local_name(tag)
        if local == "t" and self.buf is not None:
            self.parts.append("".join(self.buf))
            self.buf = None
        elif local == "rPh":
            self.in_phonetic = False
        elif local == "si":
            self.strings.append("".join(self.parts))
            if len(self.strings) > safety.MAX_CELLS:
                raise refuse(self.path, f"the workbook holds more than {safety.MAX_CELLS:,} distinct texts.",
                             "That is far beyond a review workbook; it was not read.")

    def chars(self, data):
        if self.buf is not None:
            self.buf.append(data)


class SheetRows:
    """expat handler turning ``<row>``/``<c>`` elements into rows of Cells, counting what is there."""

    def __init__(self, book: XlsxArchive, sheet: str):
        self.book, self.sheet = book, sheet
        self.ready: list = []
        self.merged: list[str] = []
        self.n_rows = self.n_cells = self.last_row = 0
        self.row = None
        self.buf = None

    def start(self, tag, attrs):
        local = local_name(tag)
        if local == "c":
            self.col = self._column(attrs.get("r"))
            self.kind, self.style = attrs.get("t", "n"), attrs.get("s")
            self.v = self.formula = self.inline = None
            self.n_cells += 1
            if self.n_cells > safety.MAX_CELLS:
                raise refuse(self.book.path, f"sheet '{self.sheet}' holds more than {safety.MAX_CELLS:,} cells.",
                             "That is far beyond a review workbook; delete the unused rows and columns and save again.")
        elif local in ("v", "f"):
            self.buf = []
        elif local == "is":
            self.inline = []
        elif local == "t" and self.inline is not None and not getattr(self, "in_phonetic", False):
            self.buf = []
        elif local == "rPh":
            self.in_phonetic = True
        elif local == "row":
            r = attrs.get("r")
            number = int(r) if r and r.isdigit() else self.last_row + 1
            if not 1 <= number <= MAX_ROW:
                raise refuse(self.book.path, f"the workbook is damaged: sheet '{self.sheet}' has a row numbered {r}.", safety.DAMAGED_FIX)
            self.last_row, self.row, self.hidden, self.col = number, {}, attrs.get("hidden") in ("1", "true"), 0
        elif local == "mergeCell":
            self.merged.append(attrs.get("ref", ""))

    def _column(self, ref) -> int:
        m = _REF.fullmatch(ref) if ref else None
        col = column_index(m.group(1)) if m else self.col + 1
        if not 1 <= col <= MAX_COLUMN or (m and int(m.group(2)) != self.last_row):
            raise refuse(self.book.path, f"the workbook is damaged: a cell of row {self.last_row} is numbered {ref}.", safety.DAMAGED_FIX)
        return col

    def end(self, tag):
        local = local_name(tag)
        if local == "c":
            ref = f"{column_letter(self.col)}{self.last_row}"
            inline = "".join(self.inline) if self.inline is not None else None
            cell = self.book.make_cell(ref, self.kind, self.v, self.formula, inline, self.style)
            if not cell.blank and self.row is not None:
                self.row[self.col] = cell
        elif local == "v":
            self.v, self.buf = "".join(self.buf), None
        elif local == "f":
            text = "".join(self.buf)
            self.formula, self.buf = ("=" + text if text else "=(a formula shared with another cell)"), None
        elif local == "t" and self.buf is not None and self.inline is not None:
            self.inline.append("".join(self.buf))
            self.buf = None
        elif local == "rPh":
            self.in_phonetic = False
        elif local == "row":
            if self.row:
                self.n_rows += 1
                if self.n_rows > safety.MAX_ROWS:
                    raise refuse(self.book.path, f"sheet '{self.sheet}' holds more than {safety.MAX_ROWS:,} rows with content.",
                                 "That is far beyond a review workbook; split it or delete the rows that are not study data.")
                self.ready.append((self.last_row, self.hidden, self.row))
            self.row = None

    def chars(self, data):
        if self.buf is not None:
            self.buf.append(data)
