"""The report of a run: one self-contained HTML page and a Markdown twin.

For every analysis: the question, which studies are in and out and why, the
figures, the pooled result in numbers and in words, heterogeneity, the flags,
and a verdict on how far the evidence supports the claim it tests. Every piece
of workbook text is escaped (``html.escape``; Markdown table cells are escaped
too). Figures are embedded as PNG data URIs, so the page needs no other file.
The page has no scripts and no timestamps: the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

from ..analysis.run import FLAG_TITLES
from ..evidence.flags import FLAGS, SYMBOLS
from ..formatting import fmt_or_blank as _num
from ..formatting import p_text

CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:2px solid #34495e;padding-bottom:.2em;margin-top:2.2em}
table{border-collapse:collapse;font-size:.86em;margin:.6em 0}td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
th{background:#eef2f6;text-align:left}img{max-width:100%;border:1px solid #ddd}
.verdict{background:#fdf3e6;border-left:5px solid #d68910;padding:.6em 1em}.flags{font-family:monospace;color:#b03a2e}
.note{color:#555;font-size:.9em}
"""


def _e(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return html.escape(str(x), quote=True)


def _md(x) -> str:
    """Text for a Markdown table cell: pipes, backticks, angle brackets and line breaks neutralised."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    text = str(x).replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`").replace("\n", " ")
    return html.escape(text, quote=False)


def result_sentence(res) -> str:
    fit = res.main
    if fit.result is None:
        return fit.message
    r = fit.result
    unit = f" {res.spec.unit}" if res.spec.unit else ""
    what = {"MC": "mean change from baseline", "MD": "difference between arms in mean change"}.get(res.spec.measure, "estimate")
    parts = [f"Pooled {what}: {_num(r.estimate)}{unit} ({r.level:g}% CI {_num(r.ci_lb)} to {_num(r.ci_ub)}; "
             f"{p_text(r.pval)}; k = {fit.k}; {r.method}, {r.test} test)."]
    if fit.k > 1:
        parts.append(f"Between-study variance τ² = {_num(r.tau2)} (95% CI {_num(r.tau2_ci_lb)} to {_num(r.tau2_ci_ub)}); "
                     f"I² = {_num(r.i2, 0)}%; Q = {_num(r.q)} on {r.q_df} df ({p_text(r.q_pval)}). "
                     f"Prediction interval for a new study: {_num(r.pi_lb)} to {_num(r.pi_ub)}{unit}.")
    if fit.message:
        parts.append(fit.message)
    return " ".join(parts)


def _study_rows(res):
    table = res.table()
    out = []
    for row in table.to_dict("records"):
        out.append({
            "Study": row["label"] + ("" if row["arm"] in ("single group", "treatment vs control", "") else f" ({row['arm']})"),
            "Flags": row["flags"], "n": "" if not math.isfinite(row["n"]) else f"{int(row['n'])}", "Timepoint": row["timepoint"],
            "Reported": row["reported"], "Effect": _num(row["yi"]) if row["pooled"] or res.spec.measure == "PCT" else "",
            "Weight": (_num(row["weight"], 1) + "%") if math.isfinite(row["weight"]) else "",
            "How the numbers were obtained": row["derivations"] or ("as reported" if row["pooled"] else ""),
            "Not pooled because": row["not_pooled_because"],
        })  # fmt: skip
    return out


def _flag_rows(res):
    rows = []
    seen = set()
    ids = [(e.study_id, e.label) for e in res.effects] + list(res.no_numbers)
    for sid, label in ids:
        if sid in seen:
            continue
        seen.add(sid)
        for name, reason in res.flags.get(sid, {}).items():
            rows.append({"Study": label, "Flag": f"{SYMBOLS[name]} {FLAG_TITLES[name]}", "Reason": reason})
    return rows


def _sens_rows(res):
    rows = []
    for fit in [res.main] + res.sensitivity + res.correlation:
        r = fit.result
        rows.append({"Set": fit.name, "k": str(fit.k),
                     "Estimate (95% CI)": f"{_num(r.estimate)} ({_num(r.ci_lb)} to {_num(r.ci_ub)})" if r is not None else "—",
                     "τ²": _num(r.tau2) if r is not None else "", "I²": (_num(r.i2, 0) + "%") if r is not None and fit.k > 1 else "",
                     "Note": fit.message})
    return rows


def _subgroup_rows(res):
    out = {}
    for by, sg in res.subgroups.items():
        if isinstance(sg, str):
            out[by] = ([], sg)
            continue
        rows = [{"Subgroup": g, "k": str(r.k), "Estimate (95% CI)": f"{_num(r.estimate)} ({_num(r.ci_lb)} to {_num(r.ci_ub)})",
                 "τ²": _num(r.tau2), "I²": _num(r.i2, 0) + "%"} for g, r in sg.groups.items()]
        out[by] = (rows, f"Test for subgroup differences: Q = {_num(sg.q_between)} on {sg.q_between_df} df, {p_text(sg.q_between_pval)}.")
    return out


def _html_table(rows) -> str:
    if not rows:
        return "<p class='note'>None.</p>"
    head = "".join(f"<th>{_e(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td class='flags'>{_e(v)}</td>" if k == "Flags" else f"<td>{_e(v)}</td>" for k, v in r.items()) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _md_table(rows) -> str:
    if not rows:
        return "_None._\n"
    keys = list(rows[0])
    lines = ["| " + " | ".join(_md(k) for k in keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(_md(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<figure><img alt='{_e(alt)}' src='data:image/png;base64,{data}'><figcaption class='note'>{_e(alt)} (also {_e(path.with_suffix('.svg').name)}, {_e(path.with_suffix('.pdf').name)})</figcaption></figure>"


def build_report(results, figures: dict, workbook, out_dir) -> tuple[Path, Path]:
    """Write report.html and report.md into ``out_dir``; ``figures[name]`` lists (caption, png path)."""
    out_dir = Path(out_dir)
    legend = "; ".join(f"{f.symbol} = {f.title}" for f in FLAGS)
    h = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>exometa report</title><style>{CSS}</style></head><body>",
         "<h1>Exosome therapy for hair loss: what the evidence supports</h1>",
         f"<p class='note'>Generated by exometa from {_e(workbook.path.name)} ({len(workbook.studies)} studies and claims, "
         f"{len(workbook.outcomes)} outcome rows). Flags: {_e(legend)}.</p>"]
    m = ["# Exosome therapy for hair loss: what the evidence supports\n",
         f"Generated by exometa from {_md(workbook.path.name)} ({len(workbook.studies)} studies and claims, {len(workbook.outcomes)} outcome rows).\n",
         f"Flags: {_md(legend)}.\n"]
    h.append("<h2>Summary</h2>" + _html_table([{"Analysis": r.spec.title, "Pooled k": str(r.main.k), "Certainty": r.certainty} for r in results]))
    m.append("## Summary\n\n" + _md_table([{"Analysis": r.spec.title, "Pooled k": str(r.main.k), "Certainty": r.certainty} for r in results]))
    for res in results:
        spec = res.spec
        h.append(f"<h2 id='{_e(spec.name)}'>{_e(spec.title)}</h2><p><b>Question.</b> {_e(spec.question)}</p>")
        m.append(f"\n## {_md(spec.title)}\n\n**Question.** {_md(spec.question)}\n")
        h.append(f"<div class='verdict'><b>Verdict.</b> {_e(res.verdict)}</div>")
        m.append(f"> **Verdict.** {_md(res.verdict)}\n")
        h.append(f"<h3>Result</h3><p>{_e(result_sentence(res))}</p>")
        m.append(f"### Result\n\n{_md(result_sentence(res))}\n")
        for caption, png in figures.get(spec.name, []):
            h.append(_img(png, caption))
            m.append(f"![{_md(caption)}](figures/{png.name})\n")
        h.append("<h3>Studies with results for this question</h3>" + _html_table(_study_rows(res)))
        m.append("### Studies with results for this question\n\n" + _md_table(_study_rows(res)))
        nn = [{"Study": label} for _, label in res.no_numbers]
        h.append("<h3>In the analysis but reporting no numbers for this outcome</h3>" + _html_table(nn))
        m.append("### In the analysis but reporting no numbers for this outcome\n\n" + _md_table(nn))
        lo = [{"Study": a, "Why it is not in this analysis": b} for a, b in res.left_out]
        h.append("<h3>Not in this analysis</h3>" + _html_table(lo))
        m.append("### Not in this analysis\n\n" + _md_table(lo))
        if spec.measure != "PCT":
            h.append("<h3>Sensitivity analyses</h3>" + _html_table(_sens_rows(res)))
            m.append("### Sensitivity analyses\n\n" + _md_table(_sens_rows(res)))
        for by, (rows, text) in _subgroup_rows(res).items():
            title = f"Subgroups by {by.replace('_', ' ')}"
            h.append(f"<h3>{_e(title)}</h3>" + (_html_table(rows) if rows else "") + f"<p>{_e(text)}</p>")
            m.append(f"### {_md(title)}\n\n" + (_md_table(rows) if rows else "") + f"\n{_md(text)}\n")
        h.append("<h3>Flags of these studies</h3>" + _html_table(_flag_rows(res)))
        m.append("### Flags of these studies\n\n" + _md_table(_flag_rows(res)))
    h.append("</body></html>\n")
    html_path, md_path = out_dir / "report.html", out_dir / "report.md"
    html_path.write_text("\n".join(h), encoding="utf-8")
    md_path.write_text("\n".join(m), encoding="utf-8")
    return html_path, md_path
