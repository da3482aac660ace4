"""Checks of the risk_of_bias sheet: one row per study x outcome x domain.

RoB 2 (randomised trials) has domains D1-D5 and judgements low / some concerns /
high; ROBINS-I (non-randomised studies) has D1-D7 and low / moderate / serious /
critical; either may say "no information". The overall judgement is computed
by the evidence module, never typed, so the sheet holds domains only.
"""

from __future__ import annotations

import difflib

from .fields import categories, flush, label, required, where
from .problems import ERROR, WARNING
from .schema import RANDOMISED_DESIGNS, RISK_OF_BIAS, ROB_TOOLS


def check_risk_of_bias(rows, labels, studies, outcome_rows, lists, out) -> None:
    outcomes_of: dict[str, set] = {}
    for o in outcome_rows:
        outcomes_of.setdefault(o.get("study_id"), set()).add(o.get("outcome"))
    seen: dict[tuple, str] = {}
    tools: dict[tuple, tuple[str, str]] = {}
    domains: dict[tuple, dict] = {}
    for rec in rows:
        study = label(rec, labels)
        flush(rec, RISK_OF_BIAS, out, study)
        categories(rec, RISK_OF_BIAS, out, study, lists)
        required(rec, RISK_OF_BIAS, out, study)
        sid, tool, domain = rec.get("study_id"), rec.get("tool"), rec.get("domain")
        if sid is not None and sid not in labels:
            near = difflib.get_close_matches(sid, list(labels), n=1)
            out.add(ERROR, RISK_OF_BIAS, where(rec, "study_id"), sid, f"study_id {sid!r} is not on the studies sheet.",
                    (f"Did you mean {near[0]!r}? " if near else "") + "Judge only studies of the studies sheet, or correct the id.")
            continue
        if tool is None:
            continue
        spec = ROB_TOOLS[tool]
        _domain_and_judgement(rec, spec, out, study)
        outcome = rec.get("outcome")
        if outcome is not None and sid in labels and outcome not in outcomes_of.get(sid, set()):
            out.add(WARNING, RISK_OF_BIAS, where(rec, "outcome"), study, f"outcome {outcome!r} is not among this study's outcome rows.",
                    "Use the outcome's name as on the outcomes sheet, or leave it blank for every outcome of the study.")
        unit = (sid, outcome)
        if unit not in tools:
            _design_fits(rec, spec, studies.get(sid), out, study)
        if unit in tools and tools[unit][0] != tool:
            out.add(ERROR, RISK_OF_BIAS, where(rec, "tool"), study,
                    f"this study{' and outcome' if outcome else ''} is judged with both {tools[unit][0]} (row {tools[unit][1]}) and {tool}.",
                    "Use one tool per study and outcome: RoB 2 for randomised trials, ROBINS-I for non-randomised studies.")
            continue
        tools.setdefault(unit, (tool, str(rec["_row"])))
        if rec.get("domain") is None:
            continue
        key = (sid, outcome, domain)
        if key in seen:
            out.add(ERROR, RISK_OF_BIAS, where(rec, "domain"), study,
                    f"domain {domain} is judged twice for this study{' and outcome' if outcome else ''} (also in row {seen[key]}).",
                    "Keep one judgement per domain; put what supports it in 'support'.")
            continue
        seen[key] = str(rec["_row"])
        domains.setdefault(unit, {})[domain] = rec
    for (sid, outcome), judged in domains.items():
        tool = tools[(sid, outcome)][0]
        missing = [d for d in ROB_TOOLS[tool].domains if d not in judged]
        if missing:
            first = next(iter(judged.values()))
            out.add(WARNING, RISK_OF_BIAS, where(first, "domain"), label(first, labels),
                    f"{tool} judges {len(ROB_TOOLS[tool].domains)} domains; {', '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} missing{' for ' + repr(outcome) if outcome else ''}, so no overall judgement can be made.",
                    "Add a row for each missing domain ('no information' where the source says nothing).")


def _domain_and_judgement(rec, spec, out, study) -> None:
    domain, judgement = rec.get("domain"), rec.get("judgement")
    if domain is not None and domain not in spec.domains:
        out.add(ERROR, RISK_OF_BIAS, where(rec, "domain"), study, f"{spec.name} has no domain {domain}.",
                f"{spec.name} domains: " + "; ".join(f"{d} {name}" for d, name in spec.domains.items()) + ".")
        rec["domain"] = None
    if judgement is not None and judgement not in spec.judgements:
        out.add(ERROR, RISK_OF_BIAS, where(rec, "judgement"), study, f"{judgement!r} is not a {spec.name} judgement.",
                f"{spec.name} judgements: " + "; ".join(spec.judgements) + ".")
        rec["judgement"] = None


def _design_fits(rec, spec, study_rec, out, study) -> None:
    if study_rec is None or study_rec.get("design") is None:
        return
    randomised = study_rec.get("design") in RANDOMISED_DESIGNS or study_rec.get("randomised") == "yes"
    if spec.name == "RoB 2" and not randomised:
        out.add(WARNING, RISK_OF_BIAS, where(rec, "tool"), study,
                f"RoB 2 is for randomised trials, and this study's design is '{study_rec.get('design')}'.",
                "Use ROBINS-I for a non-randomised study (or correct the design on the studies sheet).")
    elif spec.name == "ROBINS-I" and randomised:
        out.add(WARNING, RISK_OF_BIAS, where(rec, "tool"), study,
                f"ROBINS-I is for non-randomised studies, and this study's design is '{study_rec.get('design')}'.",
                "Use RoB 2 for a randomised trial.")
