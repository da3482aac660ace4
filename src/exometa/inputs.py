"""Reading what a user gives exometa — data tables, the workbook, analysis files — with one
clear error for anything that cannot be read.

:func:`reading` turns whatever a damaged or unsuitable file makes a library
raise (``BadZipFile``, a CRC error, ``UnicodeDecodeError``, a parser's error,
``PermissionError``...) into an :class:`InputError` that names the file, says
what is wrong and what to do. :func:`read_table` reads the CSV or XLSX files of
``exometa pool`` and ``exometa effects`` strictly: a line with more or fewer
fields than the header, a repeated or empty column name, text that is not
UTF-8, or an empty file is an error that names the lines — never a silent shift
of numbers into the wrong column.
"""

from __future__ import annotations

import csv
import errno
import io
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

from .errors import ExometaError
from .outputs import describe_os_error

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")


class InputError(ExometaError):
    """A file given to exometa cannot be read as it is."""


def _not_utf8(path, raw: bytes, exc: UnicodeDecodeError) -> InputError:
    line = raw[: exc.start].count(b"\n") + 1
    return InputError(f"{path} is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}). "
                      "Save it as UTF-8 ('CSV UTF-8' in Excel).")


@contextmanager
def reading(path, what: str = "file"):
    """Within this block, failures to read ``path`` become one :class:`InputError`."""
    try:
        yield
    except ExometaError:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise InputError(f"{path}: no such file. Check the name of the {what}.") from exc
        if exc.errno is None:
            raise InputError(f"the {what} {path} could not be read ({exc}). Re-save it, or restore a good copy.") from exc
        raise InputError(describe_os_error(exc, path, "read the " + what)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"the {what} {path} is not UTF-8 text ({exc.reason} at byte {exc.start}). "
                         "Save it as UTF-8 (without a byte-order mark).") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InputError(f"the {what} {path} is damaged ({exc or type(exc).__name__}). "
                         "Re-save it from Excel or LibreOffice, or restore a good copy.") from exc
    except MemoryError:
        raise
    except Exception as exc:  # parsers raise many kinds on damaged input
        raise InputError(f"the {what} {path} could not be read ({type(exc).__name__}: {exc}). "
                         "If it opens in Excel or LibreOffice, re-save it there; if it still fails, "
                         "run with --debug and report it.") from exc


def _split(text: str, path) -> list:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            if row:
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise InputError(f"{path}, line {reader.line_num}: {exc}. Check the quotes on that line.") from None
    return rows


def _check_header(header: list, path) -> None:
    seen, problems = {}, []
    for j, name in enumerate(header, 1):
        name = name.strip()
        if not name:
            problems.append(f"column {j} has no name")
        elif name in seen:
            problems.append(f"column {name!r} appears twice (columns {seen[name]} and {j})")
        seen.setdefault(name, j)
    if problems:
        raise InputError(f"{path}: the header line has problems: {'; '.join(problems)}. "
                         "Give every column one unique name.")


def _check_ragged(rows: list, path) -> None:
    width = len(rows[0][1])
    bad = [(line, len(row)) for line, row in rows[1:] if len(row) != width]
    if bad:
        listed = ", ".join(f"line {line} has {n}" for line, n in bad[:10]) + (" ..." if len(bad) > 10 else "")
        raise InputError(f"{path}: the header has {width} fields but {listed}. A stray comma, a missing quote or a "
                         "missing separator shifts numbers into the wrong column; give every line one value per "
                         "column (an empty value for a missing one).")


def read_csv_strict(path, encoding: str | None = None):
    """A CSV file as a DataFrame; refuses empty, ragged or non-UTF-8 files (see the module docstring)."""
    import pandas as pd

    with reading(path, "data file"):
        raw = Path(path).read_bytes()
    if not raw.strip():
        raise InputError(f"{path} is empty. It needs a header line with column names and one line per study.")
    try:
        text = raw.decode(encoding or "utf-8-sig")
    except LookupError:
        raise InputError(f"--encoding {encoding!r} is not an encoding Python knows; try utf-8, latin-1 or cp1252.") from None
    except UnicodeDecodeError as exc:
        raise InputError(str(_not_utf8(path, raw, exc))[:-1] + ", or give --encoding latin-1 (or cp1252) "
                         "if that is how it was saved.") from None
    rows = _split(text, path)
    _check_header(rows[0][1], path)
    _check_ragged(rows, path)
    if len(rows) == 1:
        raise InputError(f"{path} has column names but no rows of data.")
    with reading(path, "data file"):
        return pd.read_csv(io.StringIO(text), skip_blank_lines=True)


def read_xlsx_table(path, sheet: str | None = None):
    """One sheet of an XLSX file as a DataFrame, after the workbook safety checks."""
    import pandas as pd

    from .workbook.safety import preflight

    with reading(path, "data file"):
        preflight(path)
        from openpyxl import load_workbook

        names = load_workbook(path, read_only=True).sheetnames
        if sheet is not None and sheet not in names:
            raise InputError(f"{path} has no sheet named {sheet!r}; its sheets are: {', '.join(map(repr, names))}. "
                             "Name one with --sheet.")
        frame = pd.read_excel(path, sheet_name=sheet or 0, engine="openpyxl")
    _check_header([str(c) for c in frame.columns if not str(c).startswith("Unnamed: ")] , path)
    if frame.empty:
        raise InputError(f"{path}, sheet {sheet or names[0]!r}, has no rows of data.")
    return frame


def read_table(path, sheet: str | None = None, encoding: str | None = None):
    """A CSV or XLSX file as a DataFrame, with errors a user can act on."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{path} is a folder; give the path of a .csv or .xlsx file.")
    if not p.exists():
        raise InputError(f"{path}: no such file. Give the path of a .csv or .xlsx file.")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return read_csv_strict(p, encoding)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_table(p, sheet)
    raise InputError(f"{path}: unsupported file type {suffix or '(no suffix)'!r}; save it as .csv or .xlsx.")


def explain_analysis_files(folder, syntax: bool = True) -> list[str]:
    """What is wrong with each file in an analysis folder that cannot be read at all: a folder
    named ``*.toml``, an unreadable file, a byte-order mark, text that is not UTF-8 and, with
    ``syntax``, TOML that does not parse."""
    import tomllib

    problems = []
    for p in sorted(Path(folder).glob("*.toml")):
        if p.is_dir():
            problems.append(f"{p} is a folder, not an analysis file; rename it or move it out of {folder}")
            continue
        try:
            raw = p.read_bytes()
        except OSError as exc:
            problems.append(describe_os_error(exc, p, "read"))
            continue
        if raw.startswith(b"\xef\xbb\xbf"):
            problems.append(f"{p} starts with a byte-order mark (saved as 'UTF-8 with BOM'); save it as plain UTF-8")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(str(_not_utf8(p, raw, exc)).rstrip("."))
            continue
        try:
            if syntax:
                tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{p} is not valid TOML ({exc}); check the quotes and brackets on that line")
    return problems


def load_analysis_files(folder) -> list:
    """:func:`exometa.analysis.script.load_analyses` (analysis files and scripts), with unreadable files explained."""
    from .analysis.script import load_analyses

    try:
        return load_analyses(folder)
    except Exception as exc:
        problems = explain_analysis_files(folder, syntax=not isinstance(exc, ExometaError)) \
            if Path(folder).is_dir() else []
        if problems:
            raise InputError("; ".join(problems) + ".") from exc
        if isinstance(exc, ExometaError):
            raise
        with reading(folder, "analysis folder"):
            raise
