"""The forest plot as a table: one row per line of the plot, built from an analysis result.

:func:`forest_layout` turns an :class:`~exometa.analysis.run.AnalysisResult` into
the rows the plot draws, and nothing is drawn that is not in this table:

==========  ==================================================================
kind        row
==========  ==================================================================
study       a pooled study: label, flags, per-arm numbers, weight, estimate
shown       a result shown but not pooled (e.g. a percent change)
excluded    a study that could not be pooled, with the reason in ``note``
group       a heading (a subgroup, "Not pooled", ...)
diamond     a pooled estimate (subtotal or overall) with its CI
pi          a prediction interval
text, note  heterogeneity, tests, model, messages
==========  ==================================================================

Per-arm columns follow RevMan: ``events1, total1, events2, total2`` for
dichotomous outcomes (``events1, total1`` alone for a single group's proportion); ``mean1, sd1, total1, mean2, sd2, total2`` for
continuous outcomes when the analysis keeps the arms' means and SDs
(``StudyEffect.m1, sd1, m2, sd2``), else the arms as reported (``arm1``,
``arm2``); what the source reports (``reported``) for a change within a group
or a reported effect estimate. ``yi``, ``ci_lb``, ``ci_ub`` are on the analysis
scale (log for ratios); ``x``, ``x_lb``, ``x_ub`` on the display scale;
``w`` is the study's weight in percent of the *overall* analysis (also in
subgroup plots, as RevMan shows them), ``weight`` the same as text.

``layout.attrs`` holds what the drawing needs besides the rows: ``headers``
(column key -> header), ``left`` and ``right`` (the text columns either side of
the plot), ``arm_groups`` (a heading over each arm's columns), ``axis``,
``ratio`` (log axis), ``null`` (the line of no effect on the display scale, or
None), ``favours`` (labels under the axis, left and right, or None),
``measure_title`` and ``model_label`` (RevMan's "IV, Random, 95% CI"),
``level``, ``title``, and ``rob`` / ``rob_tool`` (the risk-of-bias columns from
:func:`exometa.plots.rob.forest_rob_columns`, or None).

Ordering (``sort=``, or the analysis file's ``sort``): "effect" (smallest
first), "weight" (largest first), "year" (oldest first) or "label"
(alphabetical); studies without the quantity go last; ties keep the workbook's
order. Subgroups are sorted within themselves.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import ExometaError
from ..evidence.flags import flag_symbols
from ..formatting import fmt_or_blank as _fmt
from ..formatting import p_text
from ..models.results import METHOD_NAMES
from .forest_rob import rob_columns

LAYOUT_COLUMNS = ["kind", "label", "flags", "n", "arm1", "arm2", "reported", "weight", "estimate_text", "yi", "ci_lb",
                  "ci_ub", "x", "x_lb", "x_ub", "marker", "note"]
#: per-arm numbers (RevMan's columns), as text
ARM_KEYS = ("events1", "total1", "events2", "total2", "mean1", "sd1", "mean2", "sd2")
EXTRA_COLUMNS = ["w", "study_id", "year", *ARM_KEYS]
NUMERIC = ("yi", "ci_lb", "ci_ub", "x", "x_lb", "x_ub", "w", "year")
ARM_HEADERS = {"binary": ("Treatment\nevents/total", "Control\nevents/total"),
               "two_group": ("Treatment\nmean (SD), n", "Control\nmean (SD), n")}
REPORTED_HEADERS = {"change": "Reported\n(within group)", "generic": "Reported\nestimate (CI)",
                    "percent": "Reported", "proportion": "Reported\n(events/n)"}
TEST_WORDS = {"z": "z-test", "t": "t-test", "knha": "Hartung-Knapp test"}
SORTS = ("effect", "weight", "year", "label")
#: words under the axis when the analysis names none: a change within a group is never 'favoured'
NEUTRAL = {"between": ("Lower with treatment", "Higher with treatment"), "within": ("Decrease", "Increase")}


def _marker(flags: str) -> str:
    if "V" in flags:
        return "unverifiable"
    if "U" in flags:
        return "uncontrolled"
    return "none"


def _est_text(x, lo, hi, d=2) -> str:
    if not math.isfinite(x):
        return ""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return _fmt(x, d)
    return f"{_fmt(x, d)} [{_fmt(lo, d)}, {_fmt(hi, d)}]"


def _num(x) -> str:
    """A study's number as entered (up to 10 significant digits), '' when missing."""
    return f"{x:.10g}" if isinstance(x, (int, float, np.integer, np.floating)) and math.isfinite(x) else ""


def _arm_cells(e) -> dict:
    """RevMan's per-arm numbers of one study: events and totals, or means, SDs and totals."""
    if e.counts is not None:
        a, n1, c, n2 = e.counts
        return {"events1": _num(a), "total1": _num(n1), "events2": _num(c), "total2": _num(n2)}
    m1, m2 = getattr(e, "m1", math.nan), getattr(e, "m2", math.nan)
    if math.isfinite(m1) and math.isfinite(m2):
        return {"mean1": _num(m1), "sd1": _num(getattr(e, "sd1", math.nan)), "total1": _num(e.n1),
                "mean2": _num(m2), "sd2": _num(getattr(e, "sd2", math.nan)), "total2": _num(e.n2)}
    return {}


def _year(res, e) -> float:
    y = res.studies.get(e.study_id, {}).get("year") if isinstance(res.studies, dict) else None
    try:
        return float(y)
    except (TypeError, ValueError):
        return math.nan


def _study_row(res, e, weights, d, back):
    flags = flag_symbols(res.flags_of(e))
    lo, hi = res.study_ci(e)
    nb = e.n if res.spec.info.scale == "ft" else None
    w = weights.get(e.row_label, math.nan)
    x, xl, xu = back(e.yi, nb), back(lo, nb), back(hi, nb)
    return {
        "kind": "study" if e.poolable else "shown", "label": e.row_label, "flags": flags, "n": _num(e.n),
        "arm1": e.arm1, "arm2": e.arm2, "reported": e.reported, "weight": _fmt(w, 1) + "%" if math.isfinite(w) else "",
        "estimate_text": _est_text(x, xl, xu, d) if math.isfinite(e.yi) else ("not estimable" if e.poolable else ""),
        "yi": e.yi, "ci_lb": lo, "ci_ub": hi, "x": x, "x_lb": xl, "x_ub": xu, "marker": _marker(flags), "note": e.reason,
        "w": w, "study_id": e.study_id, "year": _year(res, e), **_arm_cells(e),
    }  # fmt: skip


def model_label(method: str, level: float) -> str:
    """RevMan's model label: pooling method, model and CI level.

    >>> model_label("REML", 95), model_label("MH", 90), model_label("PETO", 95), model_label("EE", 99)
    ('IV, Random, 95% CI', 'M-H, Fixed, 90% CI', 'Peto, Fixed, 95% CI', 'IV, Fixed, 99% CI')
    """
    kind = {"MH": "M-H, Fixed", "PETO": "Peto, Fixed", "EE": "IV, Fixed", "FE": "IV, Fixed"}.get(method, "IV, Random")
    return f"{kind}, {level:g}% CI"


def _model_text(r, level) -> str:
    name = METHOD_NAMES.get(r.method, r.method)
    return f"Model: {name}; {TEST_WORDS.get(r.test, r.test)}; {level:g}% CIs"


def _summary_rows(res, fit_result, k, message, name, d, back, weight="100%"):
    r = fit_result
    level = res.spec.level
    if r is None:
        return [{"kind": "note", "label": "No pooled estimate" if name == "All studies" else f"{name}: no pooled estimate",
                 "note": message}]
    rows = [{"kind": "diamond", "label": f"{name} (k = {k})", "yi": r.estimate, "ci_lb": r.ci_lb, "ci_ub": r.ci_ub,
             "x": back(r.estimate), "x_lb": back(r.ci_lb), "x_ub": back(r.ci_ub),
             "estimate_text": _est_text(back(r.estimate), back(r.ci_lb), back(r.ci_ub), d), "weight": weight}]
    if k > 1 and math.isfinite(r.pi_lb):
        rows.append({"kind": "pi", "label": f"{level:g}% prediction interval", "yi": r.estimate, "ci_lb": r.pi_lb,
                     "ci_ub": r.pi_ub, "x": back(r.estimate), "x_lb": back(r.pi_lb), "x_ub": back(r.pi_ub),
                     "estimate_text": f"[{_fmt(back(r.pi_lb), d)}, {_fmt(back(r.pi_ub), d)}]"})
    if k > 1:
        tau = f"τ² = {r.tau2:.2f}, " if r.method not in ("EE", "FE", "MH", "PETO") else ""
        rows.append({"kind": "text", "label": (
            f"Heterogeneity: {tau}I² = {r.i2:.0f}%, Q = {r.q:.2f} (df = {r.q_df}), {p_text(r.q_pval)}")})
    stat = "t" if r.test in ("t", "knha") and k > 1 else "z"
    df = f"({int(r.ddf)})" if stat == "t" else ""
    rows.append({"kind": "text", "label": f"Test for overall effect: {stat}{df} = {r.zval:.2f}, {p_text(r.pval)}"})
    if message:
        rows.append({"kind": "text", "label": message})
    return rows


def headers(res) -> dict:
    """Column headers of the forest plot, at the analysis's level."""
    info = res.spec.info
    arm1, arm2 = ARM_HEADERS.get(info.family, ("", ""))
    short = {"binary": info.code if info.code != "PETO" else "OR", "two_group": info.code, "change": info.code,
             "proportion": "Proportion", "generic": res.spec.effect_measure or "Estimate"}.get(info.family, "Estimate")
    arms = {"events1": "Events", "total1": "Total", "events2": "Events", "total2": "Total", "mean1": "Mean", "sd1": "SD",
            "mean2": "Mean", "sd2": "SD"}
    base = {"label": "Study", "flags": "Flags", "n": "n", "arm1": arm1, "arm2": arm2, "reported": "Reported", **arms}
    if info.family == "percent":
        return {**base, "arm1": "", "arm2": "", "weight": "", "estimate_text": "Percent change"}
    return {**base, "reported": REPORTED_HEADERS.get(info.family, "Reported"), "weight": "Weight",
            "estimate_text": f"{short} [{res.spec.level:g}% CI]"}


def favours_labels(res, favours=None):
    """The labels under the axis, (left, right), or None when the axis has no line of no effect.

    ``favours``: None for the analysis's own (``spec.favours``) or the neutral
    words of its measure, False for none, or a pair of strings. A change within
    a group is never said to 'favour' anything: such labels are replaced by
    "Decrease" / "Increase".
    """
    info = res.spec.info
    if favours is False or info.null is None:
        return None
    given = favours if favours is not None else getattr(res.spec, "favours", None)
    within = not info.between_arms
    if given:
        if len(given) != 2 or not all(isinstance(s, str) for s in given):
            raise ExometaError(f"`favours` must be two labels (left, right), e.g. ('Favours treatment', "
                               f"'Favours control'); got {given!r}.")
        if not (within and any("favour" in s.lower() for s in given)):
            return tuple(given)
    return NEUTRAL["within" if within else "between"]


def _sort_key(how, res, weights):
    def key(e):
        if how == "effect":
            v = e.yi
        elif how == "weight":
            v = -weights.get(e.row_label, math.nan)
        elif how == "year":
            v = _year(res, e)
        else:
            return (0, e.row_label.casefold())
        return (0, v) if math.isfinite(v) else (1, 0.0)

    return key


def _order(effects, how, res, weights):
    if how is None:
        return list(effects)
    if how not in SORTS:
        raise ExometaError(f"`sort` must be one of {', '.join(map(repr, SORTS))} or None; got {how!r}.")
    return sorted(effects, key=_sort_key(how, res, weights))


def _back(res, transf):
    if transf is None:
        return res.back

    def back(x, n=None):
        return float(transf(x)) if math.isfinite(x) else math.nan

    return back


def _subgroup_rows(res, by, shown, weights, d, back, how):
    sg = res.subgroups[by]
    value = res.group_values[by]
    rows = []
    for g, r in sg.groups.items():
        rows.append({"kind": "group", "label": f"{by.replace('_', ' ')}: {g}"})
        members = _order([e for e in shown if e.poolable and value.get(e.study_id) == g], how, res, weights)
        rows += [_study_row(res, e, weights, d, back) for e in members]  # overall weights, as RevMan shows them
        total = sum(weights.get(e.row_label, 0.0) for e in members)
        rows += _summary_rows(res, r, r.k, "", f"Subtotal {g}", d, back, _fmt(total, 1) + "%" if weights else "")
    rows.append({"kind": "text", "label": (
        f"Test for subgroup differences: Q = {sg.q_between:.2f} (df = {sg.q_between_df}), {p_text(sg.q_between_pval)}")})
    return rows


def _other_rows(res, shown, blank, d, back, how):
    rows = []
    percent = res.spec.info.family == "percent"
    shown_only = _order([e for e in shown if not e.poolable], how, res, {})
    if shown_only:
        rows.append({"kind": "group", "label": "Values without a spread (shown, not pooled)" if percent else "Reported, not pooled"})
        rows += [_study_row(res, e, {}, d, back) for e in shown_only]
    if not res.effects and res.no_numbers:
        rows.append({"kind": "group", "label": "Studies in this analysis"})
        for sid, label in res.no_numbers:
            flags = flag_symbols(res.flags.get(sid, {}))
            rows.append({"kind": "excluded", "label": label, "flags": flags, "marker": _marker(flags), "study_id": sid,
                         "note": "no numbers reported for this outcome"})
    if blank:
        rows.append({"kind": "group", "label": "Not pooled"})
        for e in blank:
            row = _study_row(res, e, {}, d, back)
            row["kind"] = "excluded"
            rows.append(row)
    return rows


def forest_layout(res, by: str | None = None, decimals: int = 2, *, sort: str | None = None, transf=None,
                  favours=None, rob: bool = True) -> pd.DataFrame:
    """The forest plot of an analysis result as a table, one row per line (see the module docstring).

    Parameters
    ----------
    res : AnalysisResult
        From :func:`exometa.analysis.run.run_analysis` (or from any result: :func:`exometa.plots.from_results.as_analysis`).
    by : str, optional
        A subgroup variable of the analysis: studies in subgroup blocks, each
        with its subtotal; weights stay those of the overall analysis.
    decimals : int
        Decimals of estimates and CIs.
    sort : {"effect", "weight", "year", "label"}, optional
        Order of the studies (default: the analysis file's ``sort``, else the workbook's order).
    transf : callable, optional
        Back-transformation for the display scale (default: the measure's own,
        e.g. ``exp`` for ratios); ``numpy.exp`` draws a log axis.
    favours : pair of str or False, optional
        Labels under the axis (default: see :func:`favours_labels`).
    rob : bool
        Add the risk-of-bias columns when ``res.rob`` assesses the pooled studies.

    Examples
    --------
    >>> from exometa.plots.from_results import as_analysis
    >>> import exometa, pandas as pd, importlib.resources as ir
    >>> d = pd.read_csv(ir.files("exometa") / "data/dat_bcg.csv")
    >>> res = exometa.mantel_haenszel(d.tpos, ci=d.cpos, n1i=d.tpos + d.tneg, n2i=d.cpos + d.cneg, measure="RR")
    >>> lay = forest_layout(as_analysis(res, slab=d.author, ai=d.tpos, n1i=d.tpos + d.tneg, ci=d.cpos,
    ...                                 n2i=d.cpos + d.cneg))
    >>> lay.loc[0, ["label", "events1", "total1", "events2", "total2"]].tolist()
    ['Aronson', '4', '123', '11', '139']
    >>> lay.attrs["model_label"], lay.attrs["favours"]
    ('M-H, Fixed, 95% CI', ('Lower with treatment', 'Higher with treatment'))
    """
    spec = res.spec
    how = sort if sort is not None else getattr(spec, "sort", None)
    back = _back(res, transf)
    weights = res.main.weight_of
    shown = [e for e in res.effects if math.isfinite(e.yi) or e.poolable]
    blank = [e for e in res.effects if not (math.isfinite(e.yi) or e.poolable)]
    if by and by in res.subgroups and not isinstance(res.subgroups[by], str):
        rows = _subgroup_rows(res, by, shown, weights, decimals, back, how)
    else:
        rows = [_study_row(res, e, weights, decimals, back) for e in _order([e for e in shown if e.poolable], how, res, weights)]
    if spec.info.family != "percent":
        rows += _summary_rows(res, res.main.result, res.main.k, res.main.message,
                              "Pooled estimate" if res.main.k else "All studies", decimals, back)
        if res.main.result is not None:
            rows.append({"kind": "text", "label": _model_text(res.main.result, spec.level)})
    rows += _other_rows(res, shown, blank, decimals, back, how)
    frame = _frame(rows)
    frame.attrs.update(_attrs(res, frame, transf, favours))
    # flags are assessed only for studies read from a workbook; effect sizes alone say nothing about them
    frame.attrs["flags_assessed"] = bool(getattr(res, "studies", None))
    frame.attrs.update(rob_columns(res, frame) if rob else {"rob": None, "rob_tool": None})
    return frame


def _frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for c in LAYOUT_COLUMNS + EXTRA_COLUMNS:
        if c not in frame:
            frame[c] = np.nan if c in NUMERIC else ""
    for c in NUMERIC:
        frame[c] = frame[c].astype(float)
    for c in set(LAYOUT_COLUMNS + EXTRA_COLUMNS) - set(NUMERIC):
        frame[c] = frame[c].fillna("").astype(object)
    return frame[LAYOUT_COLUMNS + EXTRA_COLUMNS]


def _has(frame, key) -> bool:
    return bool((frame[key].astype(str) != "").any())


def _columns(res, frame):
    """The text columns left and right of the plot, and the headings over each arm's columns.

    Without a study to plot (k = 0, nothing shown) the plot is a list: label and flags only.
    """
    family = res.spec.info.family
    left, groups = ["label"] + (["flags"] if _has(frame, "flags") else []), []
    frame = frame[frame["kind"].isin(["study", "shown"])]
    if frame.empty:
        return left, [], []
    if _has(frame, "events2"):
        keys = (("events1", "total1"), ("events2", "total2"))
    elif _has(frame, "mean1") or _has(frame, "mean2"):
        keys = (("mean1", "sd1", "total1"), ("mean2", "sd2", "total2"))
    else:
        keys = ()
    if keys:
        groups = [("Treatment", keys[0]), ("Control", keys[1])]
        left += [*keys[0], *keys[1]]
    elif _has(frame, "events1"):  # one group's events and total (proportions)
        left += ["events1", "total1"]
    elif family in ARM_HEADERS and (_has(frame, "arm1") or _has(frame, "arm2")):
        left += ["arm1", "arm2"]
    else:
        left += [k for k in ("n", "reported") if _has(frame, k)]
    right = ["estimate_text"] if family == "percent" else ["weight", "estimate_text"]
    return left, right, groups


def _attrs(res, frame, transf, favours) -> dict:
    spec, info = res.spec, res.spec.info
    left, right, groups = _columns(res, frame)
    ratio = info.ratio if transf is None else transf in (np.exp, math.exp)
    if info.null is None or (transf is None and info.scale == "ft"):
        null = None
    else:
        null = float(transf(info.null)) if transf is not None else info.display_null
    method = res.main.result.method if res.main.result is not None else spec.method
    title = info.title[:1].upper() + info.title[1:]
    plotted = bool(frame["kind"].isin(["study", "shown"]).any())
    axis = info.axis if transf is None else title + (" (log scale)" if ratio else "")
    return {"headers": headers(res), "left": left, "right": right, "arm_groups": groups,
            "axis": axis + (f" ({res.unit})" if res.unit and info.raw_units else ""), "ratio": bool(ratio), "null": null,
            "favours": favours_labels(res, favours) if null is not None else None,
            "measure_title": title if info.family != "percent" and plotted else "",
            "model_label": model_label(method, spec.level) if info.family != "percent" else "", "level": spec.level,
            "title": spec.title}


__all__ = ["forest_layout", "headers", "favours_labels", "model_label", "LAYOUT_COLUMNS", "ARM_KEYS", "SORTS"]
