"""One analysis's part of the report, as content blocks (:mod:`exometa.report.model`).

In order: the question and its population, intervention, comparator and
outcome; the verdict; the pooled result with the forest and funnel plots; the
GRADE rating domain by domain; the Summary of Findings row (also written as
``NAME_sof.xlsx``); which studies drive the result (diagnostics); small-study
effects and the registered trials without results; the studies, those without
numbers and those left out; sensitivity and subgroup analyses; risk of bias;
the trustworthiness checks with their arithmetic; and each study's flags.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..evidence.flags import FLAGS, SYMBOLS
from ..evidence.sof import SOF_COLUMNS
from .figures import scale_words, section_of
from .model import Bullets, Figure, Heading, Links, Paragraph, Table
from .text import flag_rows, num, result_sentence, sensitivity_rows, study_rows, subgroup_rows

TITLES = {f.name: f.title for f in FLAGS}
IMAGE_ORDER = (".png", ".svg")
METHOD_NAMES = {"regtest": "Egger's test (PET)", "peese": "PEESE", "ranktest": "Begg's rank test", "trimfill": "Trim and fill",
                "selmodel": "Selection model", "tes": "Excess significance", "hc": "Henmi-Copas", "fsn": "Fail-safe N"}


def rows_table(rows: list[dict], caption: str = "", empty: str = "None.") -> Table:
    """A :class:`Table` from rows of dicts (the first row's keys are the columns)."""
    if not rows:
        return Table((), (), caption, empty=empty)
    cols = tuple(rows[0])
    return Table(cols, tuple(tuple("" if r[c] is None else str(r[c]) for c in cols) for r in rows), caption,
                 mono=tuple(c for c in cols if c == "Flags"))


def figure_blocks(figs, formats) -> list:
    """Figure blocks from (caption, path) pairs: the PNG shown (else the SVG), the other formats linked."""
    out = []
    suffixes = ["." + f for f in formats]
    for caption, path in figs:
        stem = Path(path).with_suffix("").name
        shown = next((stem + s for s in IMAGE_ORDER if s in suffixes), None)
        others = tuple(stem + s for s in suffixes if stem + s != shown)
        if shown is None:
            out.append(Links(caption + ":", tuple((o.rsplit(".", 1)[-1].upper(), o) for o in others)))
        else:
            out.append(Figure(shown, caption, others))
    return out


def _pico(res, review) -> Table:
    spec = res.spec
    within = res.grade is not None and res.grade.comparison == "change over time"
    comparator = spec.comparator or ("none: change from baseline in treated people" if within else "")
    unit = f" ({res.unit})" if res.unit and spec.info.raw_units else ""
    rows = [("Population", spec.population or (f"{review.get('population')} (the review's)" if review.get("population") else "")),
            ("Intervention", spec.intervention or (f"{review.get('intervention')} (the review's)" if review.get("intervention") else "")),
            ("Comparator", comparator or (f"{review.get('comparator')} (the review's)" if review.get("comparator") else "")),
            ("Outcome", " or ".join(spec.outcome) + unit + f"; measure: {spec.info.title}")]
    return Table(("", ""), tuple((a, b or "not stated") for a, b in rows))


def _grade(res) -> list:
    g = res.grade
    if g is None:
        return []
    blocks = [Heading(3, "Certainty of the evidence (GRADE)")]
    if g.k == 0:
        return blocks + [Paragraph(f"Not rated: {g.start_reason}")]
    frame = g.to_frame()
    rows = tuple((str(r.step).capitalize(), str(r.rating), "" if r.change == 0 else f"{r.change:+d}", str(r.reason))
                 for r in frame.itertuples())
    blocks.append(Table(("Step", "Rating", "Change", "Reason"), rows))
    return blocks


def sof_row(res) -> dict | None:
    """The analysis's Summary of Findings row (GRADEpro's columns), or None without a GRADE rating."""
    g = res.grade
    if g is None:
        return None
    control = res.spec.grade.control_risk if res.spec.measure in ("RR", "OR", "PETO", "RD") else None
    return g.sof_row(control_risk=control)


def sof_columns(level: float) -> list[str]:
    """GRADEpro's columns, the relative effect's CI at the analysis's level (exometa.evidence.sof names it 95%)."""
    return [c.replace("(95% CI)", f"({level:g}% CI)") for c in SOF_COLUMNS]


def _sof(res) -> list:
    row = sof_row(res)
    if row is None:
        return []
    return [Heading(3, "Summary of findings"),
            Table(tuple(sof_columns(res.spec.level)), (tuple(str(row[c]) for c in SOF_COLUMNS),)),
            Links("Also as a spreadsheet:", ((f"{res.spec.name}_sof.xlsx", f"{res.spec.name}_sof.xlsx"),))]


def _diagnostics(res, figs, formats) -> list:
    if not res.diagnostics:
        return []
    blocks = [Heading(3, "Which studies drive the result")]
    blocks.append(Bullets(tuple(d.reading if d.reading.startswith(d.title) else f"{d.title}: {d.reading}"
                                for d in res.diagnostics.values())))
    blocks += figure_blocks(figs, formats)
    # every study in a table: the figures show at most 40 (exometa.report.figures.MAX_ROWS)
    for key, first, caption in (("leave1out", "Study left out", "Leave-one-out estimates"),
                                ("cumul", "Study added", "Cumulative estimates")):
        d = res.diagnostics.get(key)
        if d is not None and d.ran and d.result.model.int_only:
            blocks.append(_series_table(res, d.result, first, caption))
    infl = res.diagnostics.get("influence")
    if infl is not None and infl.ran and infl.result.model.int_only:
        blocks.append(_influence_table(infl.result))
    return blocks


def _series_table(res, r, first: str, caption: str) -> Table:
    """A leave-one-out or cumulative series, a row per refit, on the display scale."""
    rows = tuple((s, num(res.back(e)) + f" ({num(res.back(lo))} to {num(res.back(hi))})", num(i2, 0) + "%", num(t, 4))
                 for s, e, lo, hi, i2, t in zip(r.slab, r.estimate, r.ci_lb, r.ci_ub, r.i2, r.tau2))
    return Table((first, f"Estimate ({res.spec.level:g}% CI)", "I²", "τ²"), rows, caption=caption)


def _influence_table(r) -> Table:
    """metafor's influence() measures, a row per study (one coefficient: DFBETAS is one column)."""
    rows = tuple((s, num(a, 2), num(b, 3), num(c, 3), num(d, 3), num(t, 4), num(q, 2), num(h, 3), num(w, 1),
                  num(f[0], 3), "yes" if i else "")
                 for s, a, b, c, d, t, q, h, w, f, i in zip(r.slab, r.rstudent, r.dffits, r.cook_d, r.cov_r, r.tau2_del,
                                                            r.qe_del, r.hat, r.weight, r.dfbetas, r.inf))
    return Table(("Study", "rstudent", "DFFITS", "Cook's distance", "Covariance ratio", "τ² without", "Q without",
                  "Hat", "Weight (%)", "DFBETAS", "Influential"), rows, caption="Influence diagnostics by study")


def _bias(res, figs, formats) -> list:
    if res.bias is None and not res.registered:
        return []
    blocks = [Heading(3, "Small-study effects and missing evidence")]
    if isinstance(res.bias, str):
        blocks.append(Paragraph(res.bias))
    elif res.bias is not None:
        if not res.bias.rule.run:
            blocks.append(Paragraph(res.bias.rule.text()))
        if any(f.ran for f in res.bias.findings) and res.spec.info.scale != "raw":
            blocks.append(Paragraph(f"The estimates in these readings are on the analysis scale ({scale_words(res).lower()}): "
                                    f"the pooled {num(res.main.result.estimate)} is {num(res.back(res.main.result.estimate))} "
                                    "on the display scale.", style="note"))
        blocks.append(Table(("Method", "Run", "What it says"), tuple(
            (METHOD_NAMES.get(f.method, f.method), "yes" if f.ran else "no", f.words) for f in res.bias.findings)))
    blocks += figure_blocks(figs, formats)
    blocks += registered_blocks(res.registered, "Registered trials without results that bear on this question")
    return blocks


def registered_blocks(trials, caption) -> list:
    if not trials:
        return []
    rows = tuple((t.registry_id or t.study_id, t.label, t.condition or "not recorded",
                  "unknown" if t.planned_n is None else f"{t.planned_n:g}", t.status or "not recorded",
                  t.completion_date or "not recorded", "yes" if t.missing else "no (not due, or withdrawn)")
                 for t in trials)
    return [Table(("Registry id", "Trial", "Condition", "Planned n", "Status", "Completion", "Results missing"), rows,
                  caption=caption)]


def _rob(res, figs, formats) -> list:
    rob = res.rob
    ids = list(dict.fromkeys([e.study_id for e in res.effects] + [sid for sid, _ in res.no_numbers]))
    if rob is None or not ids:
        return []
    label = {sid: res.studies.get(sid, {}).get("label") or sid for sid in ids}
    outcome = res.spec.outcome[0] if len(res.spec.outcome) == 1 else None
    overall, support = [], []
    for sid in ids:
        s = rob.get(sid, outcome)
        if s is None:
            overall.append((label[sid], "", "", "not assessed", "no row on the risk_of_bias sheet"))
            continue
        overall.append((label[sid], s.tool, s.outcome or "all", s.overall, s.overall_reason))
        support += [(label[sid], f"{d.domain} {d.name}", d.judgement, d.support or "") for d in s.domains]
    blocks = [Heading(3, "Risk of bias")] + figure_blocks(figs, formats)
    blocks.append(Table(("Study", "Tool", "Outcome", "Overall", "Why"), tuple(overall)))
    if support:
        blocks.append(Table(("Study", "Domain", "Judgement", "Support"), tuple(support), caption="Each judgement with its support"))
    return blocks


def _trust(res) -> list:
    label = {e.study_id: e.label for e in res.effects} | {sid: lbl for sid, lbl in res.no_numbers}
    rows = tuple((label.get(f.study_id, f.study_id), f.check, f.outcome or "whole study", f.where, f.verdict, f.detail)
                 for f in res.trust)
    return [Heading(3, "Trustworthiness checks"),
            Paragraph("Each number checked against the numbers reported beside it (GRIM, GRIMMER, DEBIT, recomputed "
                      "p-values, SDs against ranges and quartiles, CIs, arm totals, registry enrolment), with the "
                      "arithmetic.", style="note"),
            Table(("Study", "Check", "Outcome", "Where", "Result", "Arithmetic"), rows,
                  empty="No check could be run on these studies' numbers.")]


def analysis_blocks(res, figs, review) -> list:
    """Every block of one analysis's section; ``figs`` lists (caption, path) of its figures."""
    spec = res.spec
    formats = spec.formats
    by_section: dict = {}
    for caption, path in figs:
        by_section.setdefault(section_of(Path(path).with_suffix("").name), []).append((caption, path))
    blocks = [Heading(2, spec.title, spec.name)]
    if spec.question:
        blocks.append(Paragraph(spec.question, lead="Question."))
    blocks.append(_pico(res, review))
    blocks.append(Paragraph(res.verdict, lead="Verdict.", style="verdict"))
    blocks += [Heading(3, "Result"), Paragraph(result_sentence(res))] + figure_blocks(by_section.get("result", []), formats)
    blocks += _grade(res) + _sof(res)
    blocks += _diagnostics(res, by_section.get("diagnostics", []), formats)
    blocks += _bias(res, by_section.get("bias", []), formats)
    blocks += [rows_table(study_rows(res), "Studies with results for this question"),
               rows_table([{"Study": label} for _, label in res.no_numbers], "In the analysis but reporting no numbers for this outcome"),
               rows_table([{"Study": a, "Why it is not in this analysis": b} for a, b in res.left_out], "Not in this analysis")]
    if spec.info.family != "percent":
        blocks.append(rows_table(sensitivity_rows(res), "Sensitivity analyses"))
    for by, (rows, text) in subgroup_rows(res).items():
        blocks += [rows_table(rows, f"Subgroups by {by.replace('_', ' ')}", empty=""), Paragraph(text)]
    blocks += _rob(res, by_section.get("rob", []), formats) + _trust(res)
    blocks.append(rows_table(flag_rows(res, TITLES, SYMBOLS), "Flags of these studies"))
    return blocks


def summary_row(res) -> dict:
    """The analysis's row of the report's summary table."""
    r = res.main.result
    lvl = f"{res.spec.level:g}% CI"
    unit = f" {res.unit}" if res.unit and res.spec.info.raw_units else ""
    est = "—" if r is None else f"{num(res.back(r.estimate))}{unit} ({num(res.back(r.ci_lb))} to {num(res.back(r.ci_ub))}), {lvl}"
    i2 = (num(r.i2, 0) + "%") if r is not None and res.main.k > 1 and math.isfinite(getattr(r, "i2", math.nan)) else ""
    return {"Analysis": res.spec.title, "Measure": res.spec.info.title, "k": str(res.main.k), "Estimate (CI)": est,
            "I²": i2, "Certainty (GRADE)": res.certainty, "Claim": getattr(res.claim, "status", "")}


__all__ = ["analysis_blocks", "summary_row", "rows_table", "figure_blocks", "registered_blocks", "sof_row", "sof_columns"]
