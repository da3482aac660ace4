"""Risk-of-bias columns beside the forest plot, pages for large reviews, and wrapped (never cut) text."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

import exometa
from exometa.errors import ExometaError
from exometa.evidence.rob import read_risk_of_bias
from exometa.plots.forest_draw import draw_forest
from exometa.plots.forest_geometry import columns_for, row_lines
from exometa.plots.forest_layout import forest_layout
from exometa.plots.forest_pages import paginate
from exometa.plots.from_results import as_analysis
from exometa.plots.style import WIDTHS
from exometa.plots.text import text_width

from .conftest import ROOT, close

ROB2 = ("D1", "D2", "D3", "D4", "D5")
ROBINS = tuple(f"D{i}" for i in range(1, 8))


def _sheet(judged: dict) -> pd.DataFrame:
    """A risk_of_bias sheet: study_id -> (tool, [judgement per domain])."""
    rows = []
    for sid, (tool, js) in judged.items():
        codes = ROB2 if tool == "RoB 2" else ROBINS
        rows += [{"study_id": sid, "tool": tool, "domain": c, "judgement": j} for c, j in zip(codes, js)]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def shipped():
    from exometa import read_workbook
    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_spec

    wb = read_workbook(ROOT / "studies.xlsx")
    res = run_analysis(load_spec(ROOT / "analyses/change_over_time_density.toml"), wb)
    return dataclasses.replace(res, rob=read_risk_of_bias(wb.risk_of_bias, wb.studies))


def test_one_tool_gives_its_domains_and_the_overall_judgement(shipped):
    lay = forest_layout(shipped)
    rob = lay.attrs["rob"]
    assert lay.attrs["rob_tool"] == "ROBINS-I"
    park = lay.index[lay.label == "Park 2022"][0]
    mine = rob[rob.row == park]
    study = shipped.rob.get(lay.loc[park, "study_id"], "hair density")
    assert mine.column.tolist() == list(ROBINS) + ["Overall"]
    assert mine.judgement.tolist() == [study.judgement(c) for c in ROBINS] + [study.overall]
    assert set(rob.row) == set(lay.index[lay.kind == "study"])  # pooled studies only
    assert forest_layout(shipped, rob=False).attrs["rob"] is None


def test_mixed_tools_give_the_overall_judgement_with_the_tool_named(bcg, bcg_reml):
    labels = bcg.label.tolist()
    sheet = _sheet({labels[0]: ("RoB 2", ["low", "low", "some concerns", "low", "low"]),
                    labels[4]: ("ROBINS-I", ["serious", "low", "low", "moderate", "low", "low", "low"])})
    lay = forest_layout(as_analysis(bcg_reml, measure="RR", rob=read_risk_of_bias(sheet)))
    rob = lay.attrs["rob"]
    assert lay.attrs["rob_tool"] == ""
    assert rob[["row", "column", "judgement", "tool"]].to_dict("records") == [
        {"row": 0, "column": "Overall", "judgement": "some concerns", "tool": "RoB 2"},
        {"row": 4, "column": "Overall", "judgement": "serious", "tool": "ROBINS-I"}]  # the others: blank, never a guess


def test_one_tool_with_unassessed_studies_leaves_them_blank(bcg, bcg_reml):
    sheet = _sheet({bcg.label[1]: ("RoB 2", ["high", "low", "low", "low", "low"])})
    lay = forest_layout(as_analysis(bcg_reml, measure="RR", rob=read_risk_of_bias(sheet)))
    rob = lay.attrs["rob"]
    assert lay.attrs["rob_tool"] == "RoB 2"
    assert rob[rob.judgement.notna()].row.unique().tolist() == [1]
    assert rob[(rob.row == 1) & (rob.column == "Overall")].judgement.item() == "high"


def _big(k=95, **kw):
    rng = np.random.default_rng(7)
    res = exometa.meta_analysis(rng.normal(-0.3, 0.3, k), rng.uniform(0.01, 0.1, k), slab=[f"Study {i + 1:03d}" for i in range(k)])
    return as_analysis(res, measure="OR", title="A large review", **kw)


def test_pages_of_at_most_forty_studies_with_the_pooled_rows_last(tmp_path):
    res = _big()
    lay = forest_layout(res)
    pages = paginate(lay, 40)
    assert [int((p.kind == "study").sum()) for p in pages] == [40, 40, 15]
    assert [(p.attrs["page"], p.attrs["pages"]) for p in pages] == [(1, 3), (2, 3), (3, 3)]
    assert all((p.kind == "study").all() for p in pages[:2]) and (pages[2].kind == "diamond").sum() == 1
    assert pd.concat(pages).index.tolist() == lay.index.tolist()  # every row once, in order
    paths = draw_forest(lay, res, tmp_path / "big_forest", formats=["svg", "png"])
    assert [p.name for p in paths] == ["big_forest.svg", "big_forest.png", "big_forest_p2.svg", "big_forest_p2.png",
                                       "big_forest_p3.svg", "big_forest_p3.png"]
    assert len(paginate(lay, None)) == 1
    with pytest.raises(ExometaError, match="`rows_per_page` must be 1 or more"):
        paginate(lay, 0)


def test_a_page_that_starts_inside_a_subgroup_repeats_its_heading(bcg):
    d = exometa.subgroup_analysis(np.log(np.linspace(0.4, 1.2, 13)), np.full(13, 0.05), bcg.alloc, method="DL")
    lay = forest_layout(as_analysis(d, slab=bcg.label, measure="RR", groups=bcg.alloc), by="subgroup")
    pages = paginate(lay, 5)
    assert pages[1].label.iloc[0] == "subgroup: random (continued)" and pages[1].index[0] < 0
    for p in pages:  # no heading left alone at the foot of a page
        assert p.kind.iloc[-1] != "group"
    assert sum(int(p.kind.isin(["study"]).sum()) for p in pages) == 13


def test_labels_and_reasons_wrap_without_losing_a_word(shipped):
    lay = forest_layout(shipped, rob=False)
    cols = columns_for(lay, WIDTHS["single"])
    for _, row in lay.iterrows():
        lines = row_lines(row, cols, cols.width)
        if row.kind in ("study", "excluded"):
            assert "".join(lines["label"]).replace(" ", "") == row.label.replace(" ", "")  # nothing cut
            label_col = cols.left[0]
            assert all(text_width(x, 7.5) / 72 <= label_col.width + 1e-9 for x in lines["label"])
        if row.kind == "excluded":
            assert "".join(lines["reason"]).replace(" ", "") == ("not pooled: " + row.note).replace(" ", "")
    long = lay[lay.label.str.startswith("Conference abstract 2026")].iloc[0]
    assert len(row_lines(long, cols, cols.width)["label"]) >= 2
    park = lay[lay.label == "Park 2022"].iloc[0]
    assert row_lines(park, cols, cols.width)["estimate_text"] == ["25.60", "[11.53,\u00a039.67]"]  # breaks before the CI only


def test_wrap_breaks_long_words_after_a_hyphen_first():
    from exometa.plots.text import wrap

    assert wrap("MSC-exosome pilot", 50, 7.5) == ["MSC-", "exosome", "pilot"]
    lines = wrap("a" * 30, 40, 7.5, max_lines=9)
    assert "".join(lines) == "a" * 30 and len(lines) > 1 and all(text_width(x, 7.5) <= 40 for x in lines)


def test_narrow_figures_leave_out_columns_in_a_stated_order(bcg, bcg_reml):
    lay = forest_layout(as_analysis(bcg_reml, measure="RR", ai=bcg.tpos, n1i=bcg.n1, ci=bcg.cpos, n2i=bcg.n2,
                                    flags={bcg.label[0]: {"uncontrolled": "x"}}))
    double = columns_for(lay, WIDTHS["double"])
    assert double.dropped == () and [c.key for c in double.left] == lay.attrs["left"]
    single = columns_for(lay, WIDTHS["single"])
    assert single.dropped == ("events1", "total1", "events2", "total2", "weight")
    assert [c.key for c in single.left + single.right] == ["label", "flags", "estimate_text"]
    assert single.width == pytest.approx(WIDTHS["single"])


def test_weights_in_the_layout_are_engine_weights_after_paging(bcg_reml, ref):
    lay = forest_layout(as_analysis(bcg_reml, measure="RR"))
    pages = paginate(lay, 4)
    close(pd.concat(pages).query("kind == 'study'").w, ref["reml"]["weights"])


def test_columns_the_width_cannot_hold_are_named_in_the_keys(shipped):
    """With its risk-of-bias columns, the shipped density forest plot has no room for the 'Reported' column at
    the default width: the keys say so instead of losing it silently."""
    from exometa.plots.forest_draw import forest_figure

    fig = forest_figure(forest_layout(shipped))
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert any(t.startswith("Not shown for want of width: Reported (within group)") for t in texts)
