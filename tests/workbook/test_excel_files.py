"""The streamed reader reads workbooks as Excel and LibreOffice write them, not only as openpyxl does:
shared strings (with rich text and phonetic hints), namespace prefixes, cells and rows without
references, the 1904 date system and custom date formats."""

import re

from exometa.workbook.reader import read_workbook
from tests.workbook.conftest import OUTCOME, col, rewrite

SHEETS = ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml")
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def to_shared_strings(src, dst):
    """Move every inline string of the two data sheets into xl/sharedStrings.xml, as Excel stores text."""
    strings: list[bytes] = []

    def share(data: bytes) -> bytes:
        def one(m):
            strings.append(m.group(2))
            return m.group(1) + b't="s"><v>%d</v></c>' % (len(strings) - 1)
        return re.sub(rb'(<c r="[A-Z]+\d+"(?: s="\d+")? )t="inlineStr"><is><t>(.*?)</t></is></c>', one, data)

    replace = {name: share for name in SHEETS}
    rewrite(src, dst, replace)
    # the first string becomes rich text with a phonetic hint, as Excel writes for some languages
    items = [b"<si><r><t>" + strings[0][:2] + b"</t></r><r><rPr><b/></rPr><t>" + strings[0][2:] + b"</t></r>"
             b"<rPh sb=\"0\" eb=\"1\"><t>HINT</t></rPh></si>"] + [b"<si><t xml:space=\"preserve\">" + s + b"</t></si>" for s in strings[1:]]
    sst = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="' + MAIN + b'" count="%d">' % len(items) + b"".join(items) + b"</sst>"
    rels = lambda d: d.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'  # noqa: E731
                                                   b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    final = dst.with_name("shared_" + dst.name)
    return rewrite(dst, final, {"xl/_rels/workbook.xml.rels": rels}, add={"xl/sharedStrings.xml": sst})


def test_shared_strings(make, tmp_path):
    plain = read_workbook(make())
    shared_path = to_shared_strings(make(), tmp_path / "excel.xlsx")
    shared = read_workbook(shared_path)
    assert shared.ok and not shared.problems, shared.report()
    assert shared.rows == plain.rows  # the same values, whichever way the text is stored


def test_prefixed_namespace_and_cells_without_references(make, tmp_path):
    def prefixed(data: bytes) -> bytes:
        data = data.replace(b'<worksheet xmlns="' + MAIN + b'"', b'<x:worksheet xmlns:x="' + MAIN + b'"')
        data = re.sub(rb"<(/?)(?!x:)([A-Za-z][A-Za-z0-9]*)", rb"<\1x:\2", data)
        data = re.sub(rb'<x:row r="\d+"', b"<x:row", data)  # rows without their number: read in order
        return re.sub(rb' r="[A-Z]+1"', b"", data)  # the header's cells (contiguous) without their reference

    path = rewrite(make(), tmp_path / "prefixed.xlsx", {SHEETS[1]: prefixed})
    wb = read_workbook(path)
    assert wb.ok, wb.report()
    assert wb.outcomes.sd.tolist() == [5.0, 4.0] and wb.outcomes.study_id.tolist() == ["EV03", "CM01"]


def test_1904_dates_and_custom_date_formats(make, tmp_path):
    """A number shown as a date (custom format 'dd/mm/yyyy', 1904 system) is read as a date, and refused in a numeric column."""
    def styles(data: bytes) -> bytes:
        data = re.sub(rb"<numFmts[^>]*>.*?</numFmts>", b"", data, flags=re.S)
        data = data.replace(b"<fonts", b'<numFmts count="1"><numFmt numFmtId="170" formatCode="dd/mm/yyyy;@"/></numFmts><fonts', 1)
        return re.sub(rb'(<cellXfs count=")(\d+)(">)(.*?)(</cellXfs>)',
                      lambda m: m.group(1) + str(int(m.group(2)) + 1).encode() + m.group(3) + m.group(4)
                      + b'<xf numFmtId="170" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>' + m.group(5), data, flags=re.S)

    def styled_mean(data: bytes) -> bytes:
        count = int(re.search(rb'<cellXfs count="(\d+)"', open_styles).group(1))
        cell = col("outcomes", "mean").encode() + b"2"
        return re.sub(rb'<c r="' + cell + rb'"[^>]*>(<v>[^<]*</v>)</c>', b'<c r="' + cell + b'" s="%d">\\1</c>' % count, data)

    import zipfile

    base = make(outcomes=(dict(OUTCOME, mean=20.0),))
    with zipfile.ZipFile(base) as zf:
        open_styles = zf.read("xl/styles.xml")
    path = rewrite(base, tmp_path / "dates.xlsx", {"xl/styles.xml": styles, SHEETS[1]: styled_mean,
                                                  "xl/workbook.xml": lambda d: d.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)})
    wb = read_workbook(path)
    p = next(p for p in wb.errors if p.cell == f"{col('outcomes', 'mean')}2")
    assert "holds a date or time (1904-01-21 00:00:00)" in p.message
