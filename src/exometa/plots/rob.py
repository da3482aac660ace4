"""Risk-of-bias figures as robvis draws them: traffic lights, weighted summary bars, and the
RoB columns beside a forest plot (one coloured symbol per domain and overall, as RevMan and
R's meta draw them). Layout tables first (tested), drawing second.

Colours and symbols are robvis's (McGuinness & Higgins 2021, *Res Synth Methods* 12:55-61):
green "+" low, yellow "-" some concerns / moderate, red "x" high / serious, dark red "!"
critical, blue "?" no information. Colour is never the only cue: every circle carries its symbol.

>>> from exometa.evidence.rob import read_risk_of_bias
>>> import pandas as pd
>>> sheet = pd.DataFrame({"study_id": ["T1"] * 5, "tool": ["RoB 2"] * 5, "domain": ["D1", "D2", "D3", "D4", "D5"],
...                       "judgement": ["low", "low", "high", "low", "some concerns"]})
>>> lay = traffic_light_layout(read_risk_of_bias(sheet))
>>> lay[["column", "judgement", "symbol"]].tail(2).to_dict("records")
[{'column': 'D5', 'judgement': 'some concerns', 'symbol': '-'}, {'column': 'Overall', 'judgement': 'high', 'symbol': 'x'}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..errors import ExometaError
from ..evidence.rob import TOOLS, RobAssessment
from .save import save_figure
from .style import FONT, new_figure, width_inches

#: robvis colours by judgement
ROB_COLOURS = {
    "low": "#02C100", "some concerns": "#E2DF07", "moderate": "#E2DF07", "high": "#BF0000", "serious": "#BF0000",
    "critical": "#820000", "no information": "#4EA1F7",
}
#: robvis symbols by judgement (the letter x for high / serious)
ROB_SYMBOLS = {
    "low": "+", "some concerns": "-", "moderate": "-", "high": "x", "serious": "x", "critical": "!", "no information": "?",
}
#: text colour on each background (black on yellow, white elsewhere)
_INK = {"#E2DF07": "black"}
LAYOUT_COLUMNS = ["row", "study_id", "label", "outcome", "column", "col", "judgement", "symbol", "colour"]


def _tool_of(assessment: RobAssessment, tool: str | None) -> str:
    tools = sorted({s.tool for s in assessment.studies})
    if tool is None:
        if len(tools) != 1:
            raise ExometaError(f"`tool` must be given when the assessment holds {' and '.join(tools) or 'no tool'}: "
                               "draw 'RoB 2' and 'ROBINS-I' as separate figures.")
        return tools[0]
    if tool not in TOOLS:
        raise ExometaError(f"`tool` must be one of {', '.join(map(repr, TOOLS))}; got {tool!r}.")
    return tool


def _selected(assessment, tool, study_ids):
    studies = [s for s in assessment.studies if s.tool == tool]
    if study_ids is not None:
        order = {str(sid): i for i, sid in enumerate(study_ids)}
        studies = sorted((s for s in studies if s.study_id in order), key=lambda s: order[s.study_id])
    return studies


def traffic_light_layout(assessment: RobAssessment, tool: str | None = None, labels: Mapping[str, str] | None = None,
                         study_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per study (and outcome) x column (each domain, then Overall): judgement, symbol, colour.

    ``labels`` maps study_id to the label shown (default: the id; the outcome
    is added when a study is judged per outcome); ``study_ids`` selects and
    orders the studies.
    """
    tool = _tool_of(assessment, tool)
    codes = TOOLS[tool].codes + ("Overall",)
    rows = []
    for r, s in enumerate(_selected(assessment, tool, study_ids)):
        label = (labels or {}).get(s.study_id, s.study_id) + (f" ({s.outcome})" if s.outcome else "")
        for c, code in enumerate(codes):
            j = s.overall if code == "Overall" else (s.judgement(code) or "no information")
            rows.append({"row": r, "study_id": s.study_id, "label": label, "outcome": s.outcome, "column": code, "col": c,
                         "judgement": j, "symbol": ROB_SYMBOLS[j], "colour": ROB_COLOURS[j]})
    return pd.DataFrame(rows, columns=LAYOUT_COLUMNS)


#: symbols as drawn (a true minus and a multiplication sign read better than '-' and 'x')
_GLYPHS = {"-": "\u2212", "x": "\u00d7"}


def _circles(ax, points, size_pt):
    """A judgement's circle with its symbol at each of ``points`` ((x, y, judgement)); the circles
    are one collection (one scatter call instead of one per circle: far quicker to build)."""
    if not points:
        return
    xs, ys, judgements = zip(*points)
    colours = [ROB_COLOURS[j] for j in judgements]
    ax.scatter(xs, ys, s=size_pt**2, c=colours, edgecolors="0.25", linewidths=0.5, zorder=2)
    for x, y, j, colour in zip(xs, ys, judgements, colours):
        symbol = ROB_SYMBOLS[j]
        ax.text(x, y, _GLYPHS.get(symbol, symbol), ha="center", va="center_baseline",
                fontsize=max(FONT["small"], size_pt * 0.62), fontweight="bold", color=_INK.get(colour, "white"),
                zorder=3, parse_math=False)


def _wrap(text: str, chars: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, max(chars, 8)) or [""]


def traffic_light_plot(assessment: RobAssessment, tool: str | None = None, labels: Mapping[str, str] | None = None,
                       study_ids: Sequence[str] | None = None, width="single"):
    """robvis's traffic-light plot: a circle per study and domain, then the overall judgement.

    Long study labels wrap onto more lines. Returns a matplotlib ``Figure``
    (save it with :func:`save_rob_figure`).
    """
    lay = traffic_light_layout(assessment, tool, labels, study_ids)
    tool = _tool_of(assessment, tool)
    t = TOOLS[tool]
    ncol = len(t.codes) + 1
    w = width_inches(width)
    step, gap, line = 0.25, 0.12, 0.13
    grid_w = ncol * step + gap
    label_w = w - grid_w - 0.3
    chars = int(label_w / 0.057)
    studies = lay.drop_duplicates("row")[["row", "label"]].to_dict("records")
    wrapped = {r["row"]: _wrap(r["label"], chars) for r in studies}
    heights = {r: max(step, len(ls) * line + 0.08) for r, ls in wrapped.items()}
    head = 0.5
    key = t.judgements + ("no information",)
    legend_h = (len(t.codes) + 1) * 0.15 + 0.12 + ((len(key) + 1) // 2 + 1) * 0.18
    h = head + sum(heights.values()) + 0.2 + legend_h
    fig = new_figure(width, h)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.axis("off")
    x0 = label_w + 0.1 + step / 2
    xs = [x0 + c * step + (gap if c == ncol - 1 else 0) for c in range(ncol)]
    ax.text((xs[0] + xs[-1]) / 2, 0.14, f"Risk of bias ({tool})", ha="center", va="center", fontsize=FONT["label"],
            fontweight="bold")
    for c, code in enumerate(t.codes + ("Overall",)):
        ax.text(xs[c], head - 0.13, code, ha="center", va="center", fontsize=FONT["small"],
                fontweight="bold" if code == "Overall" else "normal")
    top, y_of = head, {}
    for r in sorted(heights):
        y_of[r] = top + heights[r] / 2
        ax.text(label_w + 0.02, y_of[r], "\n".join(wrapped[r]), ha="right", va="center", fontsize=FONT["text"],
                linespacing=1.1, parse_math=False)
        top += heights[r]
    sep = (xs[-2] + xs[-1]) / 2
    ax.plot([sep, sep], [head - 0.02, top], color="0.6", lw=0.6)
    _circles(ax, [(xs[rec["col"]], y_of[rec["row"]], rec["judgement"]) for rec in lay.to_dict("records")], 12.5)
    y = top + 0.25
    ax.text(0.08, y, "Domains", fontsize=FONT["small"], fontweight="bold", va="center")
    for i, (code, name) in enumerate(t.domains.items()):
        ax.text(0.08, y + (i + 1) * 0.15, f"{code}: {name}", fontsize=FONT["small"], va="center")
    y += (len(t.codes) + 1) * 0.15 + 0.12
    ax.text(0.08, y, "Judgement", fontsize=FONT["small"], fontweight="bold", va="center")
    half = (len(key) + 1) // 2
    places = [(0.08 + (i // half) * (w / 2), y + (i % half + 1) * 0.18) for i in range(len(key))]
    _circles(ax, [(kx + 0.07, ky, j) for (kx, ky), j in zip(places, key)], 11.5)
    for (kx, ky), j in zip(places, key):
        ax.text(kx + 0.2, ky, j.capitalize(), fontsize=FONT["small"], va="center")
    return fig


def summary_layout(assessment: RobAssessment, tool: str | None = None, weights: Mapping[str, float] | None = None,
                   study_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Per domain (and Overall), the share of studies (or of the weight) at each judgement, in percent.

    Columns ``column, domain_name, judgement, share, colour`` with the judgements
    in the tool's order; ``weights`` (study_id -> weight, e.g. the meta-analysis
    weights) weight each study as robvis's ``weighted=TRUE`` does.
    """
    tool = _tool_of(assessment, tool)
    t = TOOLS[tool]
    lay = traffic_light_layout(assessment, tool, study_ids=study_ids)
    if weights is not None:
        missing = sorted(set(lay["study_id"]) - set(map(str, weights)))
        if missing:
            raise ExometaError(f"`weights` has no weight for {', '.join(missing)}; give every study drawn a weight.")
        lay["w"] = [float(weights[s]) for s in lay["study_id"]]
    else:
        lay["w"] = 1.0
    names = dict(t.domains, Overall="Overall risk of bias")
    rows = []
    for code in t.codes + ("Overall",):
        part = lay[lay["column"] == code]
        total = part["w"].sum()
        for j in t.judgements + ("no information",):
            share = 100 * part.loc[part["judgement"] == j, "w"].sum() / total if total > 0 else float("nan")
            rows.append({"column": code, "domain_name": names[code], "judgement": j, "share": share, "colour": ROB_COLOURS[j]})
    out = pd.DataFrame(rows, columns=["column", "domain_name", "judgement", "share", "colour"])
    out.attrs["k"] = int(lay["row"].nunique())
    return out


def summary_plot(assessment: RobAssessment, tool: str | None = None, weights: Mapping[str, float] | None = None,
                 study_ids: Sequence[str] | None = None, width="double"):
    """robvis's summary plot: for each domain a bar split by the share of studies (or weight) at each judgement."""
    from matplotlib.patches import Patch

    tool = _tool_of(assessment, tool)
    lay = summary_layout(assessment, tool, weights, study_ids)
    codes = list(dict.fromkeys(lay["column"]))
    judgements = list(dict.fromkeys(lay["judgement"]))
    h = 0.55 + 0.27 * len(codes) + 0.45
    fig = new_figure(width, h)
    w = width_inches(width)
    left = min(0.5, 3.0 / w)
    ax = fig.add_axes((left, 0.45 / h + 0.05, 1 - left - 0.05, 1 - (0.45 / h + 0.05) - 0.35 / h))
    for i, code in enumerate(codes):
        start = 0.0
        for j in judgements:
            share = float(lay.loc[(lay["column"] == code) & (lay["judgement"] == j), "share"].iloc[0])
            if share > 0:
                ax.barh(i, share, left=start, height=0.7, color=ROB_COLOURS[j], edgecolor="0.25", linewidth=0.4)
            start += share
    ax.set_yticks(range(len(codes)), [f"{c}: {n}" if c != "Overall" else n for c, n in
                                       dict(zip(lay["column"], lay["domain_name"])).items()], fontsize=FONT["small"])
    for tick in ax.get_yticklabels():
        if tick.get_text().startswith("Overall"):
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=FONT["small"])
    ax.spines[["top", "right"]].set_visible(False)
    weighted = " (weighted by the meta-analysis weights)" if weights is not None else ""
    k = lay.attrs.get("k", 0)
    # the title starts at the figure's left edge (over the domain names), so that a long one is never cut
    fig.text(0.01, 1 - 0.08 / h, f"Risk of bias ({tool}), {k} stud{'y' if k == 1 else 'ies'}{weighted}", ha="left", va="top",
             fontsize=FONT["label"], fontweight="bold", parse_math=False)
    handles = [Patch(facecolor=ROB_COLOURS[j], edgecolor="0.25", linewidth=0.4, label=j.capitalize()) for j in judgements]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=FONT["small"], frameon=False,
               bbox_to_anchor=(0.5, 0.0), handlelength=1.2, columnspacing=1.2)
    return fig


def forest_rob_columns(assessment: RobAssessment, study_ids: Sequence[str], tool: str | None = None,
                       outcome: str | None = None) -> pd.DataFrame:
    """The RoB columns to draw beside a forest plot: for each study in ``study_ids`` (in that order),
    one symbol per domain and the overall judgement, as RevMan and R's ``meta`` place them.

    Returns columns ``study_id, column, col, judgement, symbol, colour``; a study
    without an assessment gets blank cells (``judgement`` None), never a guess.
    """
    tool = _tool_of(assessment, tool)
    codes = TOOLS[tool].codes + ("Overall",)
    rows = []
    for sid in map(str, study_ids):
        s = assessment.get(sid, outcome)
        s = s if s is not None and s.tool == tool else None
        for c, code in enumerate(codes):
            j = None if s is None else (s.overall if code == "Overall" else (s.judgement(code) or "no information"))
            rows.append({"study_id": sid, "column": code, "col": c, "judgement": j,
                         "symbol": ROB_SYMBOLS.get(j, ""), "colour": ROB_COLOURS.get(j)})
    return pd.DataFrame(rows, columns=["study_id", "column", "col", "judgement", "symbol", "colour"])


def draw_rob_columns(ax, columns: pd.DataFrame, y: Mapping[str, float], x0: float, step: float, size: float = 11.0,
                     header_y: float | None = None):
    """Draw :func:`forest_rob_columns` into ``ax`` (data coordinates): study ``sid`` at height ``y[sid]``,
    column ``col`` at ``x0 + col * step``; headers (D1, ..., Overall) at ``header_y`` if given."""
    _circles(ax, [(x0 + rec["col"] * step, y[rec["study_id"]], rec["judgement"]) for rec in columns.to_dict("records")
                  if rec["judgement"] is not None and rec["study_id"] in y], size)
    if header_y is not None:
        for code, col in dict(zip(columns["column"], columns["col"])).items():
            ax.text(x0 + col * step, header_y, "O" if code == "Overall" else code, ha="center", va="center",
                    fontsize=FONT["small"])


def save_rob_figure(fig, path_base, formats=("svg", "png", "pdf")):
    """Save a risk-of-bias figure deterministically (see :func:`exometa.plots.save.save_figure`)."""
    return save_figure(fig, path_base, formats)


__all__ = ["ROB_COLOURS", "ROB_SYMBOLS", "traffic_light_layout", "traffic_light_plot", "summary_layout", "summary_plot",
           "forest_rob_columns", "draw_rob_columns", "save_rob_figure"]
