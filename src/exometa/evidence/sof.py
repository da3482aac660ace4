"""Summary of Findings rows in GRADEpro's layout, from :class:`~exometa.evidence.grade.GradeResult`.

One row per outcome: the anticipated absolute effects (risk or mean with the
comparator, and with the intervention), the relative effect, the number of
participants (studies), the certainty with GRADE's symbols and footnote
letters, and comments holding the footnotes (the reason for every rating
change). :func:`sof_table` stacks rows into a tidy DataFrame, ready for
``DataFrame.to_excel`` (the report writes the file).

Absolute effects of ratio measures need the comparator's risk
(``control_risk``): with risk ``r`` and ratio ``x``, the risk with the
intervention is ``r x`` (RR), ``r x / (1 - r + r x)`` (OR) or
``1 - (1 - r)^x`` (HR), per 1,000 people (GRADE handbook 5.2; Cochrane
Handbook 15.4.4).
"""

from __future__ import annotations

import math

import pandas as pd

from ..errors import ExometaError
from .grade import NO_EVIDENCE, GradeResult

SOF_COLUMNS = ["Outcome", "Risk with comparator", "Risk with intervention", "Relative effect (95% CI)",
               "No. of participants (studies)", "Certainty of the evidence (GRADE)", "Comments"]
DASH = "\u2014"


def _n(x) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _risk(measure, r, log_ratio) -> float:
    x = math.exp(log_ratio)
    if measure == "RR":
        return min(r * x, 1.0)
    if measure == "OR":
        return r * x / (1 - r + r * x)
    if measure == "HR":
        return 1 - (1 - r) ** x
    raise ExometaError(f"absolute risks can be given for RR, OR and HR, not {measure}.")


def _per_1000(p) -> str:
    return f"{1000 * p:,.0f} per 1,000"


def _direction(x, unit) -> str:
    u = f" {unit}" if unit else ""
    if x == 0:
        return f"0{u}"
    return f"{_n(abs(x))}{u} {'higher' if x > 0 else 'lower'}"


#: what a one-group result is called in the table (GRADE's measure names; proportions are "PR")
WITHIN_WORDS = {"MC": "mean change", "SMCC": "standardised mean change", "SMCR": "standardised mean change",
                "PR": "proportion", "PCT": "percent change"}
WITHIN_COMPARATOR = {"PR": "no comparator (a proportion in one group)"}


def _effects(g: GradeResult, control_risk, comparator_text) -> tuple[str, str, str]:
    """(risk with comparator, risk with intervention, relative effect) for one result."""
    lvl = f"{g.level:g}% CI"
    if g.comparison == "change over time":
        u = f" {g.unit}" if g.unit else ""
        what = WITHIN_WORDS.get(g.measure, "estimate")
        return (WITHIN_COMPARATOR.get(g.measure, "no comparator (change over time in treated people)"),
                f"{what} {_n(g.estimate)}{u} ({lvl} {_n(g.ci_lb)} to {_n(g.ci_ub)})", DASH)
    if g.log_scale:
        rel = f"{g.measure} {_n(math.exp(g.estimate))} ({_n(math.exp(g.ci_lb))} to {_n(math.exp(g.ci_ub))})"
        if control_risk is None or g.measure not in ("RR", "OR", "HR"):
            return comparator_text or DASH, DASH, rel
        with_i = [_risk(g.measure, control_risk, v) for v in (g.estimate, g.ci_lb, g.ci_ub)]
        return (_per_1000(control_risk), f"{_per_1000(with_i[0])} ({1000 * with_i[1]:,.0f} to {1000 * with_i[2]:,.0f})", rel)
    if g.measure == "RD":
        more = lambda v: f"{abs(1000 * v):,.0f} {'more' if v >= 0 else 'fewer'}"  # noqa: E731
        return (comparator_text or (_per_1000(control_risk) if control_risk is not None else DASH),
                f"{more(g.estimate)} per 1,000 ({more(g.ci_lb)} to {more(g.ci_ub)})", DASH)
    return (comparator_text or DASH,
            f"{g.measure} {_direction(g.estimate, g.unit)} ({_direction(g.ci_lb, '')} to {_direction(g.ci_ub, '')})", DASH)


def sof_row(g: GradeResult, control_risk: float | None = None, comparator_text: str | None = None,
            comments: str = "") -> dict:
    """One Summary of Findings row (keys: :data:`SOF_COLUMNS`).

    Parameters
    ----------
    control_risk : float, optional
        The comparator's risk (0 to 1) for absolute effects of RR, OR, HR and RD.
    comparator_text : str, optional
        What the comparator group showed, for continuous outcomes (e.g. "mean change +7.1%").
    comments : str
        Added before the footnotes.

    Examples
    --------
    >>> from exometa.evidence.grade import grade
    >>> g = grade([{"study_id": "T1", "randomised": "yes", "design": "RCT, parallel", "weight": 1, "rob": "low", "n": 400,
    ...             "yi": -0.22, "ci_lb": -0.4, "ci_ub": -0.04}],
    ...           {"estimate": -0.22, "ci_lb": -0.4, "ci_ub": -0.04}, outcome="hair loss progression", measure="RR")
    >>> row = sof_row(g, control_risk=0.2)
    >>> row["Relative effect (95% CI)"], row["Risk with intervention"]
    ('RR 0.803 (0.67 to 0.961)', '161 per 1,000 (134 to 192)')
    """
    if control_risk is not None and not 0 <= control_risk <= 1:
        raise ExometaError(f"`control_risk` must be a risk between 0 and 1 (e.g. 0.2); got {control_risk!r}.")
    if g.certainty == NO_EVIDENCE:
        return dict(zip(SOF_COLUMNS, [g.outcome, DASH, DASH, DASH, "0 studies", "not rated",
                                      "; ".join(x for x in (comments, g.start_reason) if x)]))
    notes = g.footnotes()
    letters = ",".join(n.split(".")[0] for n in notes)
    certainty = f"{g.symbols} {g.certainty.capitalize()}" + (f" {letters}" if letters else "")
    participants = f"{g.participants:,.0f}" if g.participants is not None else "unknown"
    comp, inter, rel = _effects(g, control_risk, comparator_text)
    return dict(zip(SOF_COLUMNS, [g.outcome, comp, inter, rel, f"{participants} ({g.k} {g.design})", certainty,
                                  " ".join(x for x in [comments] + notes if x)]))


def sof_table(rows) -> pd.DataFrame:
    """A Summary of Findings table (GRADEpro's columns) from SoF rows or GradeResults, xlsx-ready.

    >>> sof_table([]).columns.tolist()[:3]
    ['Outcome', 'Risk with comparator', 'Risk with intervention']
    """
    out = [r.sof_row() if isinstance(r, GradeResult) else dict(r) for r in rows]
    return pd.DataFrame(out, columns=SOF_COLUMNS)


__all__ = ["sof_row", "sof_table", "SOF_COLUMNS"]
