"""Text written to CSV and XLSX stays inert: no formula on any line, no control character, no
cell longer than a spreadsheet holds (issue 14, item 3)."""

import csv
import io
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from exometa.errors import ExometaError
from exometa.export import EXCEL_CELL_LIMIT, csv_bytes, defuse, plain_text, write_csv, write_xlsx

HOSTILE = {
    "cr_then_formula": "Lee 2024\r=2+3",
    "crlf_then_formula": "Lee 2024\r\n@SUM(A1)",
    "lf_then_dde": "ok\n+cmd|' /C calc'!A0",
    "unicode_line_separator": "ok\u2028=1+1",
    "leading_space": "  =HYPERLINK(\"http://x\")",
    "tab": "\t=1",
    "bell_and_nul": "a\x07b\x00c",
    "plain": "Park 2022 (39 patients)",
}


def _formula_lines(text: str) -> list:
    return [line for line in text.split("\n") if line.lstrip(" \u00a0").startswith(("=", "+", "-", "@", "\t"))]


def test_defuse_guards_every_line_and_removes_control_characters():
    for text in HOSTILE.values():
        safe = defuse(text)
        assert "\r" not in safe and not _formula_lines(safe)
        assert all(c in "\n\t" or ord(c) >= 32 for c in safe)
    assert defuse(HOSTILE["cr_then_formula"]) == "Lee 2024\n'=2+3"
    assert plain_text(HOSTILE["bell_and_nul"]) == "a\ufffdb\ufffdc"
    assert defuse(3.5) == 3.5 and defuse(None) is None


def test_csv_rows_are_never_split_and_no_cell_is_a_formula(tmp_path):
    frame = pd.DataFrame({"label": list(HOSTILE.values()), "yi": range(len(HOSTILE))})
    path = tmp_path / "t.csv"
    write_csv(frame, path)
    raw = path.read_bytes()
    assert b"\r" not in raw  # a bare carriage return is a row break in LibreOffice
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert len(rows) == 1 + len(HOSTILE)  # header + one row per label: nothing split
    for row in rows[1:]:
        assert not _formula_lines(row[0])
    assert [int(r[1]) for r in rows[1:]] == list(range(len(HOSTILE)))  # numbers untouched


def test_xlsx_cells_are_typed_text_with_a_quote_prefix(tmp_path):
    frame = pd.DataFrame({"label": list(HOSTILE.values()), "yi": [1.5, float("nan"), float("inf"), 0, 1, 2, 3, 4]})
    path = tmp_path / "t.xlsx"
    write_xlsx(frame, path)
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    ws = load_workbook(path)["data"]
    labels = [ws.cell(i, 1) for i in range(2, 2 + len(HOSTILE))]
    assert labels[0].value == "Lee 2024\n=2+3" and labels[0].data_type == "s" and labels[0].quotePrefix
    assert labels[-1].value == HOSTILE["plain"] and not labels[-1].quotePrefix
    assert [ws.cell(i, 2).value for i in range(2, 5)] == [1.5, None, "inf"]


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_text_longer_than_a_cell_holds_is_an_error(tmp_path, writer):
    frame = pd.DataFrame({"label": ["short", "x" * (EXCEL_CELL_LIMIT + 1)]})
    path = tmp_path / ("t.csv" if writer is write_csv else "t.xlsx")
    with pytest.raises(ExometaError, match=r"column 'label', row 2 \(32,768 characters\)"):
        writer(frame, path)
    assert not path.exists()
    write_csv(pd.DataFrame({"label": ["x" * EXCEL_CELL_LIMIT]}), tmp_path / "ok.csv")  # exactly the limit is fine


def test_csv_bytes_are_deterministic():
    frame = pd.DataFrame({"a": ["x", "=y"], "b": [1.0, 2.0]})
    assert csv_bytes(frame) == csv_bytes(frame.copy()) == b"a,b\nx,1.0\n'=y,2.0\n"
