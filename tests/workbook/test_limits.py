"""Limits that cannot be lied to (issue 14, items 3 and 4): what is really in a sheet is counted,
damaged archives are refused with a message, long reads say how far they got, and text over
Excel's cell limit is an error. Each case is answered within seconds.
"""

import re
import struct
import time
import tracemalloc
import zipfile

import pytest

from exometa.cli import main
from exometa.workbook import safety
from exometa.workbook.reader import read_workbook
from exometa.workbook.safety import UnsafeWorkbookError
from tests.workbook.conftest import col, rewrite

STUDIES_PART = "xl/worksheets/sheet1.xml"


def _append_rows(xml: bytes, rows: bytes, dimension: bytes | None) -> bytes:
    """Add rows at the end of a sheet's data and set (or drop) its <dimension>."""
    xml = re.sub(rb"<dimension[^>]*/>", b"", xml)
    if dimension:
        xml = xml.replace(b"<sheetViews>", b'<dimension ref="' + dimension + b'"/><sheetViews>', 1)
    return xml.replace(b"</sheetData>", rows + b"</sheetData>", 1)


def test_blank_cell_at_the_far_corner_is_read_in_a_moment(make, tmp_path):
    far = rewrite(make(), tmp_path / "far.xlsx", {STUDIES_PART: lambda d: _append_rows(
        d, b'<row r="1048576"><c r="AC1048576"/></row>', b"A1:AC1048576")})
    assert far.stat().st_size < 40_000
    tracemalloc.start()
    t0 = time.perf_counter()
    wb = read_workbook(far)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 3 and peak < 50 * 2**20, (elapsed, peak)
    assert wb.ok and wb.studies.study_id.tolist() == ["EV03", "CM01"], wb.report()


def test_a_value_at_the_far_corner_is_an_ordinary_row(make, tmp_path):
    far = rewrite(make(), tmp_path / "far.xlsx", {STUDIES_PART: lambda d: _append_rows(
        d, b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>X9</t></is></c></row>', None)})
    t0 = time.perf_counter()
    wb = read_workbook(far)
    assert time.perf_counter() - t0 < 3
    assert any(p.cell == f"{col('studies', 'label')}1048576" and "label is blank" in p.message for p in wb.errors), wb.report()


def _many_rows(n: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>S%d</t></is></c></row>' % (i, i, i) for i in range(4, n + 4))


def test_200000_rows_without_dimension_do_not_pass_silently(make, tmp_path, capsys):
    big = rewrite(make(), tmp_path / "big.xlsx", {STUDIES_PART: lambda d: _append_rows(d, _many_rows(200_000), None)})
    t0 = time.perf_counter()
    assert main(["check", str(big)]) == 2
    assert time.perf_counter() - t0 < 20  # about 1 s on a quiet machine: stopped at the 100,001st row
    err = capsys.readouterr().err
    assert "sheet 'studies' holds more than 100,000 rows with content" in err and "Traceback" not in err


def test_cell_elements_are_counted_even_when_empty(make, tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_CELLS", 5_000)
    empty = b"".join(b'<c r="%s3"/>' % letter.encode() for letter in ("A", "B", "C", "D", "E"))
    rows = b"".join(b'<row r="%d">%s</row>' % (i, empty.replace(b"3", str(i).encode())) for i in range(4, 1_504))
    padded = rewrite(make(), tmp_path / "padded.xlsx", {STUDIES_PART: lambda d: _append_rows(d, rows, None)})
    with pytest.raises(UnsafeWorkbookError, match="holds more than 5,000 cells"):
        read_workbook(padded)


def test_progress_line_only_on_long_reads(make, tmp_path, monkeypatch, capsys):
    long = rewrite(make(), tmp_path / "long.xlsx", {STUDIES_PART: lambda d: _append_rows(d, _many_rows(5_000), None)})
    read_workbook(long)
    assert capsys.readouterr().err == ""  # a quick read says nothing
    monkeypatch.setattr(safety, "PROGRESS_AFTER", 0.0)
    read_workbook(long)
    err = capsys.readouterr().err
    assert re.search(r"exometa: reading long\.xlsx, sheet 'studies': [\d,]+ rows so far \(\d+ s\)", err), err
    assert "5,003 rows read" in err  # the header, two studies and 5,000 more


def _patch_method(path, member: str, method: int):
    """Set a member's compression method in its local and central headers (an unreadable member)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            name_len = struct.unpack_from("<H", data, i + (26 if sig == b"PK\x03\x04" else 28))[0]
            head = 30 if sig == b"PK\x03\x04" else 46
            if data[i + head: i + head + name_len] == name:
                struct.pack_into("<H", data, i + offset, method)
            start = i + 4
    path.write_bytes(bytes(data))
    return path


def _flip(path, member: str):
    """Flip one byte inside a member's stored data (its CRC no longer matches)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    at = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def damaged(make, tmp_path):
    good = make()
    full = good.read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(full[: len(full) // 2])
    return {
        "CRC error": (_flip(rewrite(good, tmp_path / "crc.xlsx", stored=(STUDIES_PART,)), STUDIES_PART),
                      "checksum (CRC) does not match"),
        "flipped byte in compressed data": (_flip(rewrite(good, tmp_path / "flip.xlsx"), "xl/styles.xml"), "part xl/styles.xml cannot be read"),
        "truncated file": (truncated, "not a complete zip archive"),
        "unreadable member": (_patch_method(rewrite(good, tmp_path / "method.xlsx", stored=("xl/styles.xml",)), "xl/styles.xml", 99),
                              "compression method exometa cannot read"),
        "half-written file": (_write(tmp_path / "empty.xlsx", b""), "the file is empty"),
    }


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", ["CRC error", "flipped byte in compressed data", "truncated file", "unreadable member", "half-written file"])
def test_damaged_archives_are_refused_with_a_message(damaged, kind, capsys):
    path, needle = damaged[kind]
    t0 = time.perf_counter()
    with pytest.raises(UnsafeWorkbookError) as info:
        read_workbook(path)
    assert time.perf_counter() - t0 < 3
    assert needle in str(info.value), str(info.value)
    assert "damaged" in str(info.value) or "empty" in str(info.value)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_cell_text_over_excels_limit_is_an_error(make, tmp_path):
    # openpyxl (and Excel) cut such text when writing, so the file is made by hand, as another program could
    long = rewrite(make(), tmp_path / "long.xlsx", {STUDIES_PART: lambda d: d.replace(
        b"<t>10.1002/sctm.19-0410</t>", b"<t>" + b"x" * 40_000 + b"</t>")})
    wb = read_workbook(long)
    p = next(p for p in wb.errors if p.cell == f"{col('studies', 'doi')}3")
    assert "doi holds 40,000 characters, over Excel's limit of 32,767 per cell (Excel would cut it)" in p.message
    assert wb.studies.doi[1] is None  # not read as if it were whole


def test_long_text_is_clipped_in_messages(make):
    def edit(wb):
        wb["outcomes"][f"{col('outcomes', 'sd')}2"] = "9 " + "y" * 5_000

    p = next(p for p in read_workbook(make(edit)).errors if p.cell == f"{col('outcomes', 'sd')}2")
    assert "(5,002 characters)" in p.message and len(str(p)) < 600
