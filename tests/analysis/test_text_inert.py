"""Workbook text is inert wherever it lands: Markdown links and images stay text, figure text is
never parsed as mathematics, and long text is clipped in figures but kept whole in tables."""

import re

from exometa.plots.forest import forest_layout, forest_plot
from exometa.report.build import build_report
from exometa.report.text import md_text

from .conftest import row, run, study, workbook

HOSTILE = "[click](javascript:alert(1)) ![](http://evil.example/pixel.png)\n# not a heading\r\n> not a quote | cell"


def test_markdown_report_has_no_live_links_images_or_line_breaks(tmp_path):
    studies = [study("S1", label=HOSTILE), study("S2", inconsistencies="![](http://evil.example/x.png) <img src=x>")]
    rows = []
    for sid in ("S1", "S2"):
        rows += [row(sid, "treatment", events=3, n=30), row(sid, "control", events=6, n=30)]
    res = run(tmp_path, studies, rows, 'title = "t [x](http://a)"\noutcome = "other"\nmeasure = "RR"\n')
    wb = workbook(tmp_path, studies, rows, "again.xlsx")
    html_path, md_path = build_report([res], {}, wb, tmp_path)
    md = md_path.read_text()
    assert "javascript" in md and "evil.example" in md  # the text is there, as text
    # no link or image syntax left unescaped, but exometa's own link to the SoF spreadsheet beside the report
    assert re.findall(r"(?<!\\)\]\(([^)]*)\)", md) == ["a_sof.xlsx"]
    assert "![" not in md  # no image syntax at all (this report has no figures of its own)
    assert "<img" not in md and "&lt;img src=x&gt;" in md
    assert not any(line.startswith(("# not", "> not")) for line in md.splitlines())
    html = html_path.read_text()
    assert "<img src=x>" not in html and re.findall(r"href='([^']*)'", html) == ["a_sof.xlsx"] and html.count("href") == 1


def test_md_text_escapes_every_inline_construct():
    out = md_text("[a](b) ![c](d) <b>x</b> `code` *em* _u_ a|b\nline")
    for live in ("[a](b)", "![c](d)", "<b>", "`code`", "*em*", "_u_", "a|b", "\n"):
        assert live not in out


def test_figure_text_is_never_mathematics_and_long_text_is_clipped(tmp_path):
    labels = [r"$\alpha$ study", r"$\nosuchmacro$", "x" * 1_000_000]
    paths = forest_plot([0.1, 0.3, 0.2], [0.01, 0.02, 0.03], labels, tmp_path / "f", title=r"$\beta$ title",
                        formats=["svg"])  # mathtext would raise on \nosuchmacro
    svg = paths[0].read_text()  # SVG text is kept as text: the labels appear literally, dollars and all
    assert r"$\alpha$ study" in svg and r"$\nosuchmacro$" in svg and r"$\beta$ title" in svg
    assert paths[0].stat().st_size < 400_000  # a 1 MB label does not make a huge file


def test_tables_keep_the_full_text(tmp_path):
    long = "Trial with a very long name " * 20
    studies = [study("S1", label=long), study("S2")]
    rows = []
    for sid in ("S1", "S2"):
        rows += [row(sid, "treatment", events=3, n=30), row(sid, "control", events=6, n=30)]
    res = run(tmp_path, studies, rows, 'title = "t"\noutcome = "other"\nmeasure = "RR"\n')
    assert res.table().label.iloc[0] == long.strip() or res.table().label.iloc[0] == long
    lay = forest_layout(res)
    assert lay.label.iloc[0] in (long, long.strip())  # the layout keeps it; only the drawing clips
