"""Risk-of-bias columns beside a forest plot, for the studies it pools (RevMan's and meta's layout).

When every assessed pooled study was judged with one tool, the columns are that
tool's domains and the overall judgement (RoB 2: D1-D5; ROBINS-I: D1-D7);
when the pooled studies mix RoB 2 and ROBINS-I, one column gives each study's
overall judgement and the tool is named beside it. A pooled study without an
assessment gets blank cells, never a guess. The columns come from
:func:`exometa.plots.rob.forest_rob_columns`; each of their rows is keyed by the
layout row it belongs to (``row``), so a study shown twice (two arms) has its
circles on both lines.
"""

from __future__ import annotations

import pandas as pd

from .rob import forest_rob_columns


def _outcome(spec):
    outcome = tuple(getattr(spec, "outcome", ()) or ())
    return outcome[0] if len(outcome) == 1 else None


def rob_columns(res, layout: pd.DataFrame) -> dict:
    """``{"rob": frame or None, "rob_tool": tool name, or "" when tools are mixed}`` for the layout's studies.

    The frame has :func:`~exometa.plots.rob.forest_rob_columns`'s columns plus
    ``row`` (the layout row) and ``tool``.
    """
    assessment = getattr(res, "rob", None)
    studies = layout[layout["kind"] == "study"]
    if assessment is None or studies.empty:
        return {"rob": None, "rob_tool": None}
    outcome = _outcome(res.spec)
    ids = list(dict.fromkeys(str(s) for s in studies["study_id"]))
    found = {sid: assessment.get(sid, outcome) for sid in ids}
    tools = sorted({s.tool for s in found.values() if s is not None})
    if not tools:
        return {"rob": None, "rob_tool": None}
    if len(tools) == 1:
        cols = forest_rob_columns(assessment, ids, tool=tools[0], outcome=outcome).assign(tool=tools[0])
    else:
        parts = [forest_rob_columns(assessment, ids, tool=t, outcome=outcome).assign(tool=t) for t in tools]
        cols = pd.concat(parts, ignore_index=True)
        cols = cols[(cols["column"] == "Overall") & cols["judgement"].notna()].assign(col=0)
    per_row = []
    for row, sid in zip(studies.index, studies["study_id"].astype(str)):
        per_row.append(cols[cols["study_id"] == sid].assign(row=int(row)))
    frame = pd.concat(per_row, ignore_index=True) if per_row else cols.assign(row=pd.Series(dtype=int))
    for key in ("judgement", "colour"):  # a blank cell stays None (pandas would make it NaN)
        frame[key] = pd.Series([v if isinstance(v, str) else None for v in frame[key]], dtype=object)
    return {"rob": frame, "rob_tool": tools[0] if len(tools) == 1 else ""}


__all__ = ["rob_columns"]
