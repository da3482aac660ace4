"""Which studies an analysis takes (``[include]``), and the names it uses checked against the review.

Outcome names and conditions belong to the review, not to exometa: they are
checked against the workbook's own lists (``workbook.lists``, from its ``lists``
sheet) when the analysis runs. A workbook read without lists is checked against
exometa's default lists and the values its rows use.
"""

from __future__ import annotations

import math

import pandas as pd

from ..evidence.flags import FLAGS, study_flags
from ..workbook.schema import OUTCOMES, STUDIES, column
from .spec import AnalysisFileError
from .spec_schema import did_you_mean

FLAG_TITLES = {f.name: f.title for f in FLAGS}


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, str) and not x.strip())


def review_values(workbook, sheet: str, name: str) -> tuple[tuple, str]:
    """The values the review allows for a column, and where they come from (for messages)."""
    lists = getattr(workbook, "lists", None) or {}
    if (sheet, name) in lists:
        return tuple(lists[(sheet, name)]), f"the lists sheet of {workbook.path.name}"
    frame = workbook.outcomes if sheet == OUTCOMES else workbook.studies
    used = [v for v in frame[name] if isinstance(v, str)] if name in frame else []
    return tuple(dict.fromkeys(list(column(sheet, name).choices) + used)), "exometa's default list and the workbook's rows"


def check_names(spec, workbook) -> None:
    """Refuse outcome names (and conditions, study ids) the review does not have, naming file, key and fix."""
    where = str(spec.path or spec.name)
    problems = []
    for key, sheet, col, values in (("outcome", OUTCOMES, "outcome", spec.outcome),
                                    ("include.condition", STUDIES, "condition", spec.include.condition)):
        allowed, source = review_values(workbook, sheet, col)
        for v in values:
            if v not in allowed:
                problems.append(f"`{key}` has {v!r}, which is not in this review's list ({source}).{did_you_mean(v, allowed)} "
                                f"Allowed: {', '.join(map(repr, allowed))}. Correct the name, or add it to the review's list.")
    ids = set(workbook.studies["study_id"])
    for key, values in [("include.study_ids", spec.include.study_ids), ("include.exclude_studies", spec.include.exclude_studies)] + [
            (f"sensitivity[{i + 1}].exclude_studies", s.exclude_studies) for i, s in enumerate(spec.sensitivity)]:
        for sid in values:
            if sid not in ids:
                problems.append(f"`{key}` has {sid!r}, which is not a study_id on the studies sheet.{did_you_mean(sid, ids)}")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise AnalysisFileError(f"{where}: {len(problems)} problem{'s' if len(problems) > 1 else ''} with {workbook.path.name}:\n{lines}")


def select_studies(spec, studies: pd.DataFrame, flags=None):
    """Studies in the analysis (with their flags), and the others with the reason each is out.

    ``flags``: each study's flags computed beforehand (``{study_id: {flag: reason}}``,
    see :mod:`exometa.analysis.context`); without them flags are computed from
    the studies sheet alone. The flags returned are copies the analysis may add to.
    """
    inc = spec.include
    chosen, left_out, flags_of = [], [], {}
    for rec in studies.to_dict("records"):
        sid = rec["study_id"]
        mine = dict(flags[sid]) if flags is not None and sid in flags else study_flags(rec)
        label = rec.get("label") or rec.get("study_id")
        why = None
        if inc.study_ids and rec["study_id"] not in inc.study_ids:
            why = "not in this analysis's list of studies"
        elif rec["study_id"] in inc.exclude_studies:
            why = inc.exclude_reason or "left out by name (include.exclude_studies)"
        elif rec.get("record_type") not in inc.record_type:
            why = f"a {rec.get('record_type')}, not included here"
        elif rec.get("design") in inc.exclude_designs:
            why = f"design '{rec.get('design')}' is excluded here"
        elif inc.intervention_type and rec.get("intervention_type") not in inc.intervention_type:
            why = f"intervention '{rec.get('intervention_type')}' is not studied here"
        elif inc.condition and rec.get("condition") not in inc.condition:
            why = "condition " + ("not reported" if _blank(rec.get("condition")) else f"'{rec.get('condition')}'") + " is not studied here"
        else:
            hit = [f for f in inc.exclude_flags if f in mine]
            if hit:
                why = "flagged " + ", ".join(FLAG_TITLES[f] for f in hit)
        if why:
            left_out.append((label, why))
        else:
            chosen.append(rec)
            flags_of[sid] = mine
    return chosen, left_out, flags_of


def group_value(rec, by: str) -> str:
    """A study's subgroup: its value in column ``by``, or 'not reported' when blank (numbers without '.0')."""
    v = rec.get(by)
    if _blank(v):
        return "not reported"
    if isinstance(v, float) and v.is_integer():
        return f"{int(v)}"
    return str(v)


__all__ = ["select_studies", "check_names", "review_values", "group_value", "FLAG_TITLES"]
