"""save_figure: names kept whole, only the formats asked for, deterministic bytes, text kept as
text in SVG, each font embedded once in PDF, files written whole."""

import re

import pytest

from exometa.errors import ExometaError
from exometa.outputs import OutputError
from exometa.plots import save
from exometa.plots.save import figure_formats, save_figure
from exometa.plots.style import new_figure


def _figure():
    fig = new_figure("single", 2.0)
    ax = fig.add_axes((0.2, 0.3, 0.7, 0.6))
    ax.plot([0, 1], [0, 1])
    fig.text(0.05, 0.1, "Heterogeneity: τ² = 0.12, I² = 45% — first fit", parse_math=False)
    fig.text(0.05, 0.02, "Bold fine print", fontweight="bold", parse_math=False)
    return fig


def test_dotted_names_and_formats(tmp_path):
    paths = save_figure(_figure(), tmp_path / "v1.2_all_forest")
    assert [p.name for p in paths] == ["v1.2_all_forest.svg", "v1.2_all_forest.png", "v1.2_all_forest.pdf"]
    with figure_formats(["pdf"]):
        assert [p.name for p in save_figure(_figure(), tmp_path / "x")] == ["x.pdf"]
    with pytest.raises(ExometaError, match="`formats` must name one or more of"):
        save_figure(_figure(), tmp_path / "y", formats=["jpg"])


def test_bytes_are_deterministic(tmp_path):
    a = save_figure(_figure(), tmp_path / "a")
    b = save_figure(_figure(), tmp_path / "b")
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.suffix


def test_svg_keeps_text_and_pdf_embeds_each_font_once(tmp_path):
    svg, _, pdf = save_figure(_figure(), tmp_path / "f")
    text = svg.read_text()
    assert "τ² = 0.12" in text and text.count("<text") >= 2
    fonts = re.findall(rb"/FontName /[A-Z]{6}\+([A-Za-z-]+)", pdf.read_bytes())
    assert sorted(fonts) == sorted(set(fonts)) and set(fonts) >= {b"DejaVuSans", b"DejaVuSans-Bold"}
    assert b"/Subtype /Type3" not in pdf.read_bytes()  # TrueType (Type 42), which journals accept


def test_a_failed_write_leaves_the_previous_file(tmp_path, monkeypatch):
    import errno

    from exometa import outputs

    (svg,) = save_figure(_figure(), tmp_path / "f", formats=["svg"])
    before = svg.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", full)
    fig = _figure()
    fig.text(0.5, 0.5, "new text", parse_math=False)
    with pytest.raises(OutputError, match="f.svg: the disk is full"):
        save_figure(fig, tmp_path / "f", formats=["svg"])
    assert svg.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["f.svg"]
