"""GRADE certainty of the evidence for one analysis, domain by domain, with the reason for each rating.

:func:`grade` is a pure function of what the analysis pooled and what the
review declared. It follows the GRADE handbook (Schünemann et al. 2013) and the
GRADE guidelines series in the *Journal of Clinical Epidemiology* (Balshem 2011,
GRADE 3: starting levels; Guyatt 2011, GRADE 4-9: risk of bias, imprecision,
inconsistency, indirectness, publication bias, rating up), with the rules made
explicit so that a rating can be traced:

- **Start**: high when every pooled study is randomised, low otherwise (a
  randomisation that is unclear counts as non-randomised); very low for
  uncontrolled evidence -- change over time in treated people, case series and
  reports -- which has no comparator (Guyatt et al. 2008, BMJ 336:924: "any
  other evidence", e.g. case series, is very low).
- **Risk of bias**: each study's overall judgement scores 0 (RoB 2 low;
  ROBINS-I low or moderate, since non-randomised evidence already starts low),
  0.5 (RoB 2 some concerns), 1 (RoB 2 high; ROBINS-I serious; no information;
  not assessed) or 2 (ROBINS-I critical). The weighted mean score (weights of
  the meta-analysis) rates down once from 0.5 and twice from 1.5.
- **Inconsistency** (k >= 2): rated down once when I^2 >= 50% and the
  heterogeneity matters for the decision (study estimates on both sides of the
  threshold, or a prediction interval that crosses it while the CI does not), or
  when study CIs do not overlap and the estimates lie on both sides; twice when
  I^2 >= 75%, estimates lie on both sides and CIs do not overlap.
- **Indirectness**: as declared for population, intervention, comparator and
  outcome ("no", "serious", "very serious", each with a reason); the worst.
- **Imprecision**: the CI against the decision threshold(s) (default: no
  effect) and the optimal information size (OIS): down twice when the CI
  crosses two thresholds, or crosses one with fewer participants than the OIS;
  once when it crosses one, or the OIS is not met.
- **Publication bias**: down once when a small-study test (k >= 10, Cochrane
  Handbook 13.3.5.4) gives p < 0.10, or when registered trials never reported
  results (with their planned n: when they would add at least a fifth to the
  participants pooled; with their n unknown: whenever there is one).
- **Rating up** (non-randomised evidence with nothing rated down): a large
  effect (a ratio beyond 2 or 0.5 from k >= 2 with its CI excluding no effect;
  beyond 5 or 0.2: twice), and a dose-response gradient or plausible
  confounding that would reduce the effect, when declared with a reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..arguments import check_choice
from ..errors import ExometaError
from .grade_domains import (
    LEVELS, NO_EVIDENCE, RATIO_MEASURES, SYMBOLS, GradeDomain, decision_thresholds, is_randomised, optimal_information_size,
    pooled_value, rate_imprecision, rate_inconsistency, rate_indirectness, rate_publication_bias, rate_risk_of_bias, rate_up,
    starting_level, study_records,
)

@dataclass(frozen=True)
class GradeResult:
    """The certainty of one analysis's evidence, its starting level, and every domain's rating with its reason.

    ``estimate``, ``ci_lb`` and ``ci_ub`` are on the analysis scale (log for
    ratio measures, as the pooling engine gives them).
    """

    outcome: str
    k: int
    participants: float | None
    design: str
    start: str
    start_reason: str
    domains: tuple
    certainty: str
    measure: str
    comparison: str
    estimate: float
    ci_lb: float
    ci_ub: float
    level: float = 95.0
    unit: str = ""

    @property
    def log_scale(self) -> bool:
        return self.measure in RATIO_MEASURES

    @property
    def symbols(self) -> str:
        return SYMBOLS[self.certainty]

    def footnotes(self) -> list[str]:
        """One footnote per domain that changed the rating: 'a. Risk of bias (rated down 1): ...'."""
        notes = []
        for d in (d for d in self.domains if d.change):
            letter = "abcdefghij"[len(notes)]
            how = f"rated {'down' if d.change < 0 else 'up'} {abs(d.change)}"
            notes.append(f"{letter}. {d.domain.capitalize()} ({how}): {d.reason}")
        return notes

    def to_frame(self) -> pd.DataFrame:
        """One row for the start, one per domain, one for the result: ``step, change, rating, reason``."""
        rows = [{"step": "start", "change": 0, "rating": self.start, "reason": self.start_reason}]
        rows += [{"step": d.domain, "change": d.change, "rating": d.rating, "reason": d.reason} for d in self.domains]
        total = sum(d.change for d in self.domains)
        moved = (f"{abs(total)} level{'s' if abs(total) != 1 else ''} {'down' if total < 0 else 'up'}" if total
                 else "no change")
        rows.append({"step": "certainty", "change": total, "rating": self.certainty,
                     "reason": f"starts {self.start}, {moved}: {self.certainty} (a rating stops at very low and at high)."})
        return pd.DataFrame(rows, columns=["step", "change", "rating", "reason"])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def summary(self) -> str:
        """Every step of the rating in words."""
        lines = [f"GRADE certainty for '{self.outcome}': {self.certainty.upper()} {self.symbols}"]
        if self.k == 0:
            return "\n".join(lines + [f"  {self.start_reason}"])
        lines.append(f"  Start: {self.start} - {self.start_reason}")
        for d in self.domains:
            sign = "no change" if d.change == 0 else f"{'down' if d.change < 0 else 'up'} {abs(d.change)}"
            lines.append(f"  {d.domain.capitalize()}: {d.rating} ({sign}) - {d.reason}")
        return "\n".join(lines)

    def sof_row(self, **options) -> dict:
        """This analysis as a row of a GRADEpro Summary of Findings table (see :func:`exometa.evidence.sof.sof_row`)."""
        from .sof import sof_row

        return sof_row(self, **options)


def _controlled(s, comparison) -> bool:
    from ..workbook.schema import UNCONTROLLED_DESIGNS

    return comparison == "between arms" and s["design"] not in UNCONTROLLED_DESIGNS


def _design_words(studies, comparison) -> str:
    k = len(studies)
    if comparison != "between arms" or not any(_controlled(s, comparison) for s in studies):
        return "uncontrolled stud" + ("y" if k == 1 else "ies")
    if all(is_randomised(s) for s in studies):
        return "RCT" + ("" if k == 1 else "s")
    return "non-randomised stud" + ("y" if k == 1 else "ies")


def grade(studies, pooled, *, outcome: str, measure: str = "MD", comparison: str = "between arms",
          indirectness: Mapping | None = None, threshold=None, ois=None, small_study_pval=None,
          small_study_test: str = "Egger's test", unreported_trials: int = 0, unreported_n=None,
          dose_response: str | None = None, confounding: str | None = None, level: float = 95, unit: str = "") -> GradeResult:
    """GRADE certainty of one analysis, with each domain's rating and reason.

    Parameters
    ----------
    studies : DataFrame or sequence of mappings
        The pooled studies: ``study_id``, ``label``, ``randomised`` (yes/no) or
        ``design``, ``weight`` (the meta-analysis weight), ``rob`` (overall RoB
        judgement), ``n`` (participants), ``yi``, ``ci_lb``, ``ci_ub`` (each
        study's estimate and CI, on the analysis scale).
    pooled : MetaResult or mapping
        ``estimate, ci_lb, ci_ub, i2, pi_lb, pi_ub`` of the pooled result.
    measure : str
        The effect measure ("MD", "SMD", "RD", "MC", or a ratio: "RR", "OR",
        "HR", "ROM"). Ratio estimates are on the log scale; ``threshold`` is
        given as a ratio (e.g. 0.8).
    comparison : {"between arms", "change over time"}
        A change over time in treated people is evidence without a comparator.
    indirectness : mapping, optional
        ``{"population": ("serious", "healthy volunteers"), ...}``; levels "no",
        "serious", "very serious", each with a reason.
    threshold : float or (float, float), optional
        The decision threshold(s) for imprecision and inconsistency (default: no effect).
    ois : float, optional
        The optimal information size in participants (see :func:`optimal_information_size`).
    small_study_pval, small_study_test, unreported_trials, unreported_n
        Publication-bias inputs: a small-study test's p-value (used when k >= 10),
        and the registered trials that never reported results (and their planned n).
    dose_response, confounding : str, optional
        A declared reason to rate non-randomised evidence up.

    Examples
    --------
    Two non-randomised open-label trials with a pooled CI of -19.8 to 53.8 (issue 11):

    >>> studies = [{"study_id": "A", "randomised": "no", "design": "non-randomised controlled", "weight": 55, "rob": "serious",
    ...             "n": 30, "yi": 30.0, "ci_lb": 5.0, "ci_ub": 55.0},
    ...            {"study_id": "B", "randomised": "no", "design": "non-randomised controlled", "weight": 45, "rob": "serious",
    ...             "n": 24, "yi": 4.0, "ci_lb": -30.0, "ci_ub": 38.0}]
    >>> g = grade(studies, {"estimate": 17.0, "ci_lb": -19.8, "ci_ub": 53.8, "i2": 40.0}, outcome="hair density",
    ...           ois=126)
    >>> g.start, g.certainty
    ('low', 'very low')
    """
    check_choice("comparison", comparison, ("between arms", "change over time"))
    studies = study_records(studies)
    log_scale = measure in RATIO_MEASURES
    est, lb, ub = (pooled_value(pooled, f) for f in ("estimate", "ci_lb", "ci_ub"))
    if not studies:
        return GradeResult(outcome, 0, None, "", "", "no study reports numbers that can be pooled for this outcome: "
                           "its certainty cannot be rated.", (), NO_EVIDENCE, measure, comparison, math.nan, math.nan,
                           math.nan, level, unit)
    if est is None or lb is None or ub is None:
        raise ExometaError("`pooled` needs a finite estimate, ci_lb and ci_ub to rate imprecision.")
    ns = [s["n"] for s in studies]
    total_n = None if any(n is None for n in ns) else float(sum(ns))
    if comparison == "change over time" or not any(_controlled(s, comparison) for s in studies):
        start, why = "very low", ("uncontrolled evidence (change over time in treated people, case series or reports) "
                                  "starts very low (GRADE, Guyatt et al. 2008): it has no comparator.")
    else:
        start, why = starting_level(studies)
    thresholds, names = decision_thresholds(threshold, log_scale)
    domains = [
        rate_risk_of_bias(studies),
        rate_inconsistency(studies, pooled_value(pooled, "i2"), pooled_value(pooled, "pi_lb"), pooled_value(pooled, "pi_ub"), lb, ub,
                           thresholds[0], names[0]),
        rate_indirectness(indirectness),
        rate_imprecision(lb, ub, thresholds, total_n, ois, log_scale, names, level),
        rate_publication_bias(len(studies), small_study_pval, small_study_test, unreported_trials, unreported_n, total_n),
    ]
    if start == "low" and not any(d.change for d in domains):
        domains += rate_up(measure, est, lb, ub, len(studies), dose_response, confounding)
    level_index = LEVELS.index(start) + sum(d.change for d in domains)
    certainty = LEVELS[min(max(level_index, 0), len(LEVELS) - 1)]
    return GradeResult(outcome, len(studies), total_n, _design_words(studies, comparison), start, why, tuple(domains),
                       certainty, measure, comparison, est, lb, ub, level, unit)


__all__ = ["grade", "GradeResult", "GradeDomain", "optimal_information_size", "LEVELS", "NO_EVIDENCE", "SYMBOLS"]
