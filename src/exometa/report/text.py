"""Text of the report: workbook text made inert, and the sentences and tables that describe results.

Workbook text is data, never markup. :func:`html_text` escapes it for HTML;
:func:`md_text` for Markdown: HTML is escaped, line breaks become spaces (so a
label cannot start a heading, list or quote), and the characters of Markdown's
inline syntax (brackets, emphasis, code, pipes) are backslash-escaped, so
``[x](javascript:...)`` and ``![](http://...)`` stay visible text -- no live link,
no remote image.

>>> md_text("[x](javascript:alert(1)) ![](http://e.org/a.png)\\n# h")
'\\\\[x\\\\](javascript:alert(1)) !\\\\[\\\\](http://e.org/a.png) # h'
"""

from __future__ import annotations

import html
import math
import re

from ..formatting import fmt_or_blank as _num
from ..formatting import p_text

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")  # with '<' escaped as HTML, no link, image or HTML can form


def blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def html_text(x) -> str:
    return "" if blank(x) else html.escape(str(x), quote=True)


def md_text(x) -> str:
    """Text for Markdown (paragraphs and table cells): inert, on one line."""
    if blank(x):
        return ""
    text = " ".join(str(x).replace("\r", "\n").split("\n"))
    text = html.escape(text, quote=False)  # '<' and '&' first: no raw HTML, no entity tricks
    return MD_SPECIAL.sub(r"\\\1", text)


def num(x, d: int = 2) -> str:
    """A number for text: fixed decimals, more for small values (ratios, proportions)."""
    if x is None or not math.isfinite(x):
        return "NA"
    return _num(x, d if abs(x) >= 0.1 or x == 0 else max(d, 3))


def estimate_ci(res, r, ns=None) -> str:
    """'0.49 (0.34 to 0.70)' on the display scale. ``ns``: the sample sizes behind ``r`` when it is not the
    main fit (a Freeman-Tukey proportion is back-transformed with their harmonic mean, as metafor's
    ``transf.ipft.hm``)."""
    if r is None:
        return "—"
    b = lambda x: res.back(x, ns=ns)  # noqa: E731
    return f"{num(b(r.estimate))} ({num(b(r.ci_lb))} to {num(b(r.ci_ub))})"


def result_sentence(res) -> str:
    """The pooled result in words, every interval at the analysis's level."""
    fit = res.main
    if fit.result is None:
        return fit.message
    r, info, level = fit.result, res.spec.info, res.spec.level
    unit = f" {res.unit}" if res.unit and info.raw_units else ""
    what = info.title + (" (change over time within treated people, not an effect of treatment)" if info.family == "change" else "")
    parts = [f"Pooled {what}: {num(res.back(r.estimate))}{unit} ({level:g}% CI {num(res.back(r.ci_lb))} to "
             f"{num(res.back(r.ci_ub))}; {p_text(r.pval)}; k = {fit.k}; {_model(r)})."]
    if info.scale != "raw":
        parts.append(f"On the analysis scale ({info.scale}): {num(r.estimate, 4)} (SE {num(r.se, 4)}).")
    if fit.k > 1:
        common = r.method in ("EE", "FE", "MH", "PETO")
        het = [f"I² = {num(r.i2, 0)}%", f"Q = {num(r.q)} on {r.q_df} df ({p_text(r.q_pval)})"]
        if not common:
            het.insert(0, f"between-study variance τ² = {num(r.tau2, 4)} ({level:g}% CI {num(r.tau2_ci_lb, 4)} to "
                          f"{num(r.tau2_ci_ub, 4)})")
            het[1] = f"I² = {num(r.i2, 0)}% ({level:g}% CI {num(r.i2_ci_lb, 0)} to {num(r.i2_ci_ub, 0)}%)"
        parts.append("Heterogeneity: " + "; ".join(het) + ".")
        if not common and math.isfinite(r.pi_lb):
            parts.append(f"{level:g}% prediction interval for a new study: {num(res.back(r.pi_lb))} to {num(res.back(r.pi_ub))}{unit}.")
    if fit.message:
        parts.append(fit.message)
    return " ".join(parts)


def _model(r) -> str:
    names = {"MH": "Mantel-Haenszel, common effect", "PETO": "Peto, common effect", "EE": "common effect", "FE": "common effect"}
    test = {"z": "z test", "t": "t test", "knha": "Hartung-Knapp test"}.get(r.test, r.test)
    return f"{names.get(r.method, r.method + ' random effects')}, {test}"


def study_rows(res) -> list[dict]:
    level = res.spec.level
    out = []
    for row in res.table().to_dict("records"):
        out.append({
            "Study": row["label"] + ("" if row["arm"] in ("single group", "treatment vs control", "") else f" ({row['arm']})"),
            "Flags": row["flags"], "n": "" if blank(row["n"]) else f"{row['n']:g}", "Timepoint": row["timepoint"],
            "Reported": row["reported"],
            f"Effect ({level:g}% CI)": _effect(row, res),
            "Weight": (num(row["weight"], 1) + "%") if not blank(row["weight"]) else "",
            "How the numbers were obtained": "; ".join(x for x in (row["derivations"], row["notes"]) if x)
            or ("as reported" if row["pooled"] else ""),
            "Not pooled because": row["not_pooled_because"],
        })  # fmt: skip
    return out


def _effect(row, res) -> str:
    if blank(row["effect"]) or not math.isfinite(row["effect"]):
        return ""
    if res.spec.info.family == "percent":
        return f"{row['effect']:+.1f}%"
    if blank(row["effect_ci_lb"]) or not math.isfinite(row["effect_ci_lb"]):
        return num(row["effect"])
    return f"{num(row['effect'])} ({num(row['effect_ci_lb'])} to {num(row['effect_ci_ub'])})"


def sensitivity_rows(res) -> list[dict]:
    level = res.spec.level
    rows = []
    for fit in [res.main] + res.sensitivity + res.correlation:
        r = fit.result
        common = r is not None and r.method in ("EE", "FE", "MH", "PETO")
        rows.append({"Set": fit.name, "k": str(fit.k), f"Estimate ({level:g}% CI)": estimate_ci(res, r, fit.ns),
                     "τ²": num(r.tau2, 4) if r is not None and not common else "",
                     "I²": (num(r.i2, 0) + "%") if r is not None and fit.k > 1 else "", "Note": fit.message})
    return rows


def subgroup_rows(res) -> dict:
    level = res.spec.level
    out = {}
    for by, sg in res.subgroups.items():
        if isinstance(sg, str):
            out[by] = ([], sg)
            continue
        value = res.group_values.get(by, {})
        ns = {g: [e.n for e in res.effects if e.poolable and value.get(e.study_id) == g] for g in sg.groups}
        rows = [{"Subgroup": g, "k": str(r.k), f"Estimate ({level:g}% CI)": estimate_ci(res, r, ns[g]),
                 "I²": num(r.i2, 0) + "%"} for g, r in sg.groups.items()]
        single = [g for g, r in sg.groups.items() if r.k < 2]
        if single:  # a subgroup of one study has no within-subgroup variability to compare against
            names = ", ".join(repr(g) for g in single)
            note = (f"The test for subgroup differences is not reported: subgroup{'s' if len(single) > 1 else ''} {names} "
                    f"{'hold' if len(single) > 1 else 'holds'} a single study, and a comparison resting on one study per "
                    "subgroup says nothing reliable (Cochrane Handbook 10.11.3).")
        else:
            note = f"Test for subgroup differences: Q = {num(sg.q_between)} on {sg.q_between_df} df, {p_text(sg.q_between_pval)}."
        out[by] = (rows, note)
    return out


def flag_rows(res, titles, symbols) -> list[dict]:
    rows, seen = [], set()
    for sid, label in [(e.study_id, e.label) for e in res.effects] + list(res.no_numbers):
        if sid in seen:
            continue
        seen.add(sid)
        for name, reason in res.flags.get(sid, {}).items():
            rows.append({"Study": label, "Flag": f"{symbols[name]} {titles[name]}", "Reason": reason})
    return rows


def summary_rows(results) -> list[dict]:
    rows = []
    for res in results:
        r = res.main.result
        rows.append({"Analysis": res.spec.title, "Measure": res.spec.info.title, "k pooled": str(res.main.k),
                     "Estimate (CI)": (estimate_ci(res, r) + f", {res.spec.level:g}% CI") if r is not None else "—",
                     "I²": (num(r.i2, 0) + "%") if r is not None and res.main.k > 1 else "", "Certainty": res.certainty})
    return rows


__all__ = ["md_text", "html_text", "result_sentence", "study_rows", "sensitivity_rows", "subgroup_rows", "flag_rows", "summary_rows"]
