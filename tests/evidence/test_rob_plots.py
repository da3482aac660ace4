"""robvis-style figures: layout tables first, then the drawn figures (sizes, fonts, determinism)."""

import pandas as pd
import pytest
from matplotlib.text import Text

from exometa.errors import ExometaError
from exometa.evidence.rob import read_risk_of_bias
from exometa.plots.rob import (
    ROB_COLOURS, draw_rob_columns, forest_rob_columns, save_rob_figure, summary_layout, summary_plot, traffic_light_layout,
    traffic_light_plot,
)
from exometa.plots.style import WIDTHS, new_figure


def assessment():
    rows = []
    for sid, tool, js in [
        ("T1", "RoB 2", ["some concerns", "low", "high", "low", "some concerns"]),
        ("T2", "RoB 2", ["no information", "some concerns", "low", "low", "low"]),
        ("T3", "RoB 2", ["low"] * 5),
        ("N1", "ROBINS-I", ["serious", "moderate", "low", "no information", "moderate", "serious", "moderate"]),
    ]:
        rows += [{"study_id": sid, "tool": tool, "domain": f"D{i + 1}", "judgement": j} for i, j in enumerate(js)]
    return read_risk_of_bias(pd.DataFrame(rows))


def test_traffic_light_layout():
    lay = traffic_light_layout(assessment(), "RoB 2", labels={"T1": "Trial $one$"}, study_ids=["T3", "T1"])
    assert list(dict.fromkeys(lay["study_id"])) == ["T3", "T1"]
    assert len(lay) == 2 * 6 and list(lay["column"][:6]) == ["D1", "D2", "D3", "D4", "D5", "Overall"]
    t1 = lay[lay["study_id"] == "T1"].set_index("column")
    assert t1.loc["Overall", "judgement"] == "high" and t1.loc["Overall", "symbol"] == "x"
    assert t1.loc["D1", "colour"] == ROB_COLOURS["some concerns"] and t1.loc["D1", "label"] == "Trial $one$"
    t2 = traffic_light_layout(assessment(), "RoB 2").set_index(["study_id", "column"])
    assert t2.loc[("T2", "D1"), "symbol"] == "?" and t2.loc[("T2", "Overall"), "judgement"] == "some concerns"


def test_tool_must_be_chosen_when_both_are_present():
    with pytest.raises(ExometaError, match="`tool` must be given"):
        traffic_light_layout(assessment())
    assert set(traffic_light_layout(assessment(), "ROBINS-I")["study_id"]) == {"N1"}


def test_summary_layout_shares():
    lay = summary_layout(assessment(), "RoB 2")
    assert (lay.groupby("column")["share"].sum().round(10) == 100).all()
    overall = lay[lay["column"] == "Overall"].set_index("judgement")["share"]
    assert overall["high"] == pytest.approx(100 / 3) and overall["low"] == pytest.approx(100 / 3)
    weighted = summary_layout(assessment(), "RoB 2", weights={"T1": 50, "T2": 30, "T3": 20})
    d1 = weighted[weighted["column"] == "D1"].set_index("judgement")["share"]
    assert (d1["some concerns"], d1["no information"], d1["low"]) == pytest.approx((50, 30, 20))
    with pytest.raises(ExometaError, match="no weight for T3"):
        summary_layout(assessment(), "RoB 2", weights={"T1": 1, "T2": 1})


def test_forest_columns_leave_unassessed_studies_blank():
    cols = forest_rob_columns(assessment(), ["T2", "X9", "T1"], tool="RoB 2")
    assert list(dict.fromkeys(cols["study_id"])) == ["T2", "X9", "T1"]
    x9 = cols[cols["study_id"] == "X9"]
    assert x9["judgement"].isna().all() and (x9["symbol"] == "").all()
    assert cols[(cols["study_id"] == "T1") & (cols["column"] == "Overall")]["symbol"].item() == "x"


def all_texts(fig):
    return [t for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("make", [
    lambda a: traffic_light_plot(a, "RoB 2", labels={"T1": "Trial $one$ with a long label that has to wrap over lines"}),
    lambda a: traffic_light_plot(a, "ROBINS-I"),
    lambda a: summary_plot(a, "RoB 2", weights={"T1": 50, "T2": 30, "T3": 20}),
])
def test_figures_are_journal_sized_with_readable_text(make, tmp_path):
    fig = make(assessment())
    w = fig.get_size_inches()[0]
    assert min(abs(w - v) for v in WIDTHS.values()) < 1e-9
    assert min(t.get_fontsize() for t in all_texts(fig)) >= 7
    data_texts = [t for t in all_texts(fig) if "$" in t.get_text()]
    assert all(not t.get_parse_math() for t in data_texts)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    box = fig.bbox
    for t in all_texts(fig):  # nothing is cut at the figure's edges (the summary's long title was)
        if t.get_text().strip() and t.get_visible():
            e = t.get_window_extent(renderer)
            assert e.x0 >= box.x0 - 0.5 and e.x1 <= box.x1 + 0.5, t.get_text()
    a = save_rob_figure(fig, tmp_path / "a", formats=("png", "svg"))
    b = save_rob_figure(make(assessment()), tmp_path / "b", formats=("png", "svg"))
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_draw_rob_columns_beside_a_forest():
    fig = new_figure("double", 2.0)
    ax = fig.add_axes((0, 0, 1, 1))
    cols = forest_rob_columns(assessment(), ["T1", "T2", "T3"], tool="RoB 2")
    draw_rob_columns(ax, cols, {"T1": 1.0, "T2": 2.0, "T3": 3.0}, x0=10, step=0.5, header_y=0.2)
    symbols = [t.get_text() for t in all_texts(fig)]
    assert symbols.count("\u00d7") == 2 and "O" in symbols and "D5" in symbols
