"""Checks of the outcomes sheet: each row's numbers, the columns that describe them, and
rows that cannot be told apart.
"""

from __future__ import annotations

import difflib

from .fields import categories, finite, flush, label, required, where
from .problems import ERROR, WARNING
from .schema import OUTCOMES

RATIO_MEASURES = ("RR", "OR", "HR", "ROM")
#: statistics and the degrees of freedom they need
NEEDS_DF = {"t": ("stat_df",), "chi2": ("stat_df",), "F": ("stat_df", "stat_df2")}
#: what tells apart two rows of one study, outcome, timepoint and arm from the same source
ROW_IDENTITY = ("study_id", "outcome", "timepoint_weeks", "weeks_after_treatment", "timepoint", "arm", "arm_label",
                "quantity", "unit", "source_type", "source_url", "location")


def check_outcomes(rows, labels, studies, lists, out) -> None:
    seen: dict[tuple, str] = {}
    for rec in rows:
        study = label(rec, labels)
        flush(rec, OUTCOMES, out, study)
        categories(rec, OUTCOMES, out, study, lists)
        required(rec, OUTCOMES, out, study)
        sid = rec.get("study_id")
        if sid is not None and sid not in labels:
            near = difflib.get_close_matches(sid, list(labels), n=1)
            out.add(ERROR, OUTCOMES, rec["_cells"].get("study_id"), sid, f"study_id {sid!r} is not on the studies sheet.",
                    (f"Did you mean {near[0]!r}? " if near else "") + "Add the study to the studies sheet or correct the id.")
        _numbers(rec, out, study)
        _timing(rec, studies.get(sid), out, study)
        _quantity(rec, out, study)
        _statistic(rec, out, study)
        _data_type(rec, out, study)
        key = tuple(rec.get(k) for k in ROW_IDENTITY)
        if key in seen and sid is not None:
            out.add(ERROR, OUTCOMES, where(rec, "arm_label"), study,
                    f"this row and row {seen[key]} give the same study, outcome, timepoint, arm ({rec.get('arm')}) and quantity "
                    "from the same source, so they cannot be told apart.",
                    "If they are different arms of a multi-arm trial, name each in arm_label (e.g. '5 mg daily', "
                    "'10 mg daily'); if one is a copy, delete it.")
        else:
            seen.setdefault(key, str(rec["_row"]))


def _errfn(rec, out, study):
    def err(name, message, fix):
        out.add(ERROR, OUTCOMES, where(rec, name), study, message, fix)
        rec[name] = None
        rec.setdefault("_rejected", set()).add(name)  # reported once, not again as blank

    def warn(name, message, fix):
        out.add(WARNING, OUTCOMES, where(rec, name), study, message, fix)

    return err, warn


def _numbers(rec, out, study) -> None:
    g = rec.get
    err, warn = _errfn(rec, out, study)
    for name in ("sd", "se", "iqr"):
        if finite(g(name)) and g(name) < 0:
            err(name, f"{name} is {g(name)}; a spread cannot be negative.", f"Enter the {name} as reported (without a minus sign), or leave it blank.")
    if finite(g("n")):
        if g("n") <= 0:
            err("n", f"n is {g('n')}; numbers rest on at least one participant.", "Enter the number of participants analysed, or leave it blank.")
        elif finite(g("events")) and g("events") > g("n"):
            err("events", f"events ({g('events')}) exceed n ({g('n')}).", "Check both numbers against the source.")
    if finite(g("events")) and g("events") < 0:
        err("events", f"events is {g('events')}.", "Counts cannot be negative.")
    lo, hi = g("ci_lb"), g("ci_ub")
    if finite(lo) and finite(hi):
        if lo > hi:
            err("ci_lb", f"the CI runs backwards: ci_lb {lo} > ci_ub {hi}.", "Swap the two limits, or check them against the source.")
        else:
            est = g("mean") if finite(g("mean")) else g("median")
            if finite(est) and not lo <= est <= hi:
                err("ci_lb", f"the CI {lo} to {hi} does not contain its estimate {est}.",
                    "Check which numbers belong together; one of them is probably from another row or arm.")
    elif finite(lo) != finite(hi):
        name = "ci_ub" if finite(lo) else "ci_lb"
        warn(name, "only one limit of the CI is filled in; the CI is not used.", "Enter both limits, or neither.")
    order = [(k, g(k)) for k in ("min", "q1", "median", "q3", "max") if finite(g(k))]
    for (a, x), (b, y) in zip(order, order[1:]):
        if x > y:
            err(b, f"{a} ({x}) is larger than {b} ({y}).", "min <= q1 <= median <= q3 <= max must hold; check the values.")
            break
    if finite(g("p_value")) and not 0 <= g("p_value") <= 1:
        err("p_value", f"p_value is {g('p_value')}, outside 0 to 1.", "Enter the p-value as a proportion (0.03, not 3 or '3%').")
    if finite(g("ci_level")) and not 50 <= g("ci_level") < 100:
        err("ci_level", f"ci_level is {g('ci_level')}.", "Give the level in percent, e.g. 95.")
    has_centre = finite(g("mean")) or finite(g("median"))
    has_spread = any(finite(g(k)) for k in ("sd", "se", "ci_lb", "iqr", "q1", "min", "p_value", "stat_value"))
    unit = rec.get("unit") if isinstance(rec.get("unit"), str) else ""
    share = "%" in unit and "participant" in unit.lower()  # a share of participants has no SD to report
    if has_centre and not has_spread and not share and rec.get("outcome") not in ("enrolment",):
        out.add(WARNING, OUTCOMES, rec["_cells"].get("mean") or rec["_cells"].get("median"), study,
                "no SD, SE, CI or quartiles: this row cannot be pooled as reported.",
                "If the source gives a spread anywhere (table, figure, p-value), enter it; an analysis may instead borrow or derive one, and the study is then flagged as imputed.")


def _timing(rec, study_rec, out, study) -> None:
    g = rec.get
    err, warn = _errfn(rec, out, study)
    for name in ("timepoint_weeks", "weeks_after_treatment"):
        if finite(g(name)) and g(name) < 0:
            err(name, f"{name} is {g(name)}; weeks cannot be negative.", "Enter the weeks as reported (0 = baseline, or the end of treatment).")
    if finite(g("timepoint_weeks")) and finite(g("weeks_after_treatment")):
        err("weeks_after_treatment", f"both timepoint_weeks ({g('timepoint_weeks')}) and weeks_after_treatment "
            f"({g('weeks_after_treatment')}) are filled in; one row has one timing.",
            "Keep the one the source uses: weeks from baseline in timepoint_weeks, or weeks after the end of treatment in "
            "weeks_after_treatment (the study's treatment_weeks places it on the same axis); clear the other.")
    elif finite(g("weeks_after_treatment")) and study_rec is not None and not finite(study_rec.get("treatment_weeks")):
        warn("weeks_after_treatment", "the timing is counted from the end of treatment, but the study's treatment_weeks is blank, "
             "so it cannot be placed in weeks from baseline.", "Enter treatment_weeks on the studies sheet if the source gives it.")


def _quantity(rec, out, study) -> None:
    g = rec.get
    err, warn = _errfn(rec, out, study)
    quantity, measure = g("quantity"), g("effect_measure")
    if quantity == "effect estimate":
        if measure is None:
            out.add(ERROR, OUTCOMES, where(rec, "effect_measure"), study, "quantity is 'effect estimate' but effect_measure is blank.",
                    "Say which measure the source reports (MD, SMD, RR, OR, RD, HR, ...); without it the number cannot be read.")
        elif measure in RATIO_MEASURES:
            for name in ("mean", "ci_lb", "ci_ub"):
                if finite(g(name)) and g(name) <= 0:
                    err(name, f"{name} is {g(name)}, but a {measure} is a ratio and cannot be 0 or negative.",
                        f"Enter the {measure} on its own scale as reported (e.g. 0.8), not its logarithm.")
    elif measure is not None:
        warn("effect_measure", f"effect_measure is '{measure}' but quantity is '{quantity}'; it is only read for an 'effect estimate'.",
             "Set quantity to 'effect estimate' if the row reports one, or clear effect_measure.")
    if quantity in ("difference between arms", "effect estimate") and g("arm") not in (None, "treatment vs control"):
        warn("arm", f"quantity '{quantity}' compares arms, but arm is '{g('arm')}'.", "Set arm to 'treatment vs control'.")


def _statistic(rec, out, study) -> None:
    g = rec.get
    err, warn = _errfn(rec, out, study)
    stat, value = g("stat_type"), g("stat_value")
    if finite(value) and stat is None:
        out.add(ERROR, OUTCOMES, where(rec, "stat_type"), study, f"stat_value is {value} but stat_type is blank.",
                "Say which statistic it is (t, z, F, chi2, r, W, U or other); its p-value cannot be checked otherwise.")
    if stat is not None and not finite(value):
        warn("stat_value", f"stat_type is '{stat}' but stat_value is blank.", "Enter the statistic's value, or clear stat_type.")
    for name in ("stat_df", "stat_df2"):
        if finite(g(name)) and g(name) <= 0:
            err(name, f"{name} is {g(name)}; degrees of freedom are positive.", "Enter them as reported.")
    if finite(value):
        for name in NEEDS_DF.get(stat, ()):
            if not finite(g(name)):
                what = "the denominator degrees of freedom" if name == "stat_df2" else "its degrees of freedom"
                out.add(ERROR, OUTCOMES, where(rec, name), study, f"a {stat} statistic needs {what} ({name}).",
                        "Enter them as reported (e.g. t(28) = 2.1: stat_df 28; F(2, 40): stat_df 2, stat_df2 40).")
        if stat in ("F", "chi2") and value < 0:
            err("stat_value", f"stat_value is {value}, but {stat} cannot be negative.", "Check the value against the source.")
        if stat == "r" and not -1 <= value <= 1:
            err("stat_value", f"stat_value is {value}, but a correlation lies between -1 and 1.", "Check the value against the source.")
    if finite(g("stat_df2")) and stat not in (None, "F"):
        warn("stat_df2", f"stat_df2 is only read for an F statistic, and stat_type is '{stat}'.", "Clear it, or correct stat_type.")


def _data_type(rec, out, study) -> None:
    g = rec.get
    err, warn = _errfn(rec, out, study)
    kind = g("data_type")
    if (kind == "binary" and g("quantity") == "value" and not finite(g("events")) and not finite(g("mean"))
            and "events" not in rec.get("_rejected", ())):
        out.add(ERROR, OUTCOMES, where(rec, "events"), study, "data_type is 'binary' but events is blank.",
                "Enter the number of participants with the event (and n); a binary outcome is analysed from events and n.")
    if finite(g("events")) and kind in ("continuous", "integer"):
        warn("events", f"events is filled in, but data_type is '{kind}'.", "Set data_type to 'binary', or clear events.")
    if finite(g("scale_items")):
        if g("scale_items") <= 0:
            err("scale_items", f"scale_items is {g('scale_items')}.", "Enter the number of items (1 or more), or leave it blank for 1.")
        elif kind != "integer":
            warn("scale_items", "scale_items is only read for integer data (the granularity of an integer mean).",
                 "Set data_type to 'integer', or clear scale_items.")
