"""Workbook text is data in every format of the report: HTML, Markdown, Word and the SoF spreadsheet."""

import io

from exometa.analysis.run import run_analysis
from exometa.report.build import report_files

from ..analysis.conftest import OUTCOME, analysis, row, study, workbook

HOSTILE = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script> [y](javascript:alert(2)) | *'


def test_hostile_labels_stay_text_everywhere(tmp_path):
    studies = [study("T1", HOSTILE, randomised="yes"), study("T2", "Trial 2", randomised="yes")]
    outcomes = [row("T1", "treatment", mean=10.0, sd=2.0, n=30), row("T1", "control", mean=8.0, sd=2.0, n=30),
                row("T2", "treatment", mean=11.0, sd=2.5, n=40), row("T2", "control", mean=8.5, sd=2.4, n=40)]
    wb = workbook(tmp_path, studies, outcomes)
    res = run_analysis(analysis(tmp_path, f'title = "t"\noutcome = ["{OUTCOME}"]\nmeasure = "MD"\nscores = "final"\n'), wb)
    files = report_files([res], {}, wb, tmp_path)
    page = files["report.html"].decode()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    md = files["report.md"].decode()
    assert "<script>" not in md and "\\[y\\](javascript:alert(2)) \\| \\*" in md
    from markdown_it import MarkdownIt

    tokens = [c for t in MarkdownIt("commonmark").enable("table").parse(md) for c in (t.children or ())]
    assert [c.attrGet("href") for c in tokens if c.type == "link_open"] == ["a_sof.xlsx"]  # exometa's own link only
    assert not [c for c in tokens if c.type in ("image", "html_inline")]
    import docx

    text = "\n".join(c.text for t in docx.Document(io.BytesIO(files["report.docx"])).tables for r in t.rows for c in r.cells)
    assert HOSTILE in text  # shown as typed, never run
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(files["a_sof.xlsx"])).active
    comments = ws.cell(2, ws.max_column).value  # the footnotes name the studies
    assert HOSTILE in comments and ws.cell(2, ws.max_column).data_type == "s"


def test_sof_cells_that_would_start_a_formula_are_typed_text():
    import pandas as pd
    from openpyxl import load_workbook

    from exometa.report.sof_file import xlsx_bytes

    data = xlsx_bytes(pd.DataFrame({"Outcome": [HOSTILE, "-1 point\n=cmd", "plain"], "n": [1, 2, 3]}))
    ws = load_workbook(io.BytesIO(data)).active
    cells = [ws.cell(i, 1) for i in (2, 3, 4)]
    assert [c.value for c in cells] == [HOSTILE, "-1 point\n=cmd", "plain"]
    assert [c.data_type for c in cells] == ["s", "s", "s"] and [c.quotePrefix for c in cells] == [True, True, False]
    assert ws.cell(2, 2).value == 1
