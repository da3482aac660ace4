"""Risk of bias: RoB 2 and ROBINS-I domain judgements, and the tools' overall judgements.

The ``risk_of_bias`` sheet holds one row per study x domain (``study_id, tool,
outcome, domain, judgement, support, source_url, location``).
:func:`read_risk_of_bias` turns it into one :class:`StudyRob` per study and
outcome, each with its overall judgement and the reason for it, and lists
every problem at once (a domain missing, a judgement the tool does not use, a
domain judged twice, a tool that does not fit the design, an unknown study).

Overall judgements follow the tools' published algorithms:

- **RoB 2** (Sterne et al. 2019, *BMJ* 366:l4898; guidance of 22 Aug 2019,
  Table "Approach to reaching an overall judgement"): *low* if every domain is
  low; *high* if any domain is high; *some concerns* otherwise. The guidance
  also allows *high* when several domains have some concerns "in a way that
  substantially lowers confidence in the result": that is the reviewer's call,
  offered as ``some_concerns_as_high=k`` (k or more domains with some concerns
  make the overall high). RoB 2 judges domains low / some concerns / high; a
  domain entered as "no information" is treated as ``no_information``
  (default "some concerns", as RoB 2's algorithms map missing information on
  most signalling questions), and the reason says so.
- **ROBINS-I** (Sterne et al. 2016, *BMJ* 355:i4919, Table 2): *critical* if
  any domain is critical; else *serious* if any is serious; else *moderate* if
  any is moderate; *low* only if all are low. *No information* when there is
  no clear indication of serious or critical risk and information is lacking
  in one or more key domains: by default every domain is key
  (``key_domains`` narrows that); "no information" in a domain that is not key
  is set aside, with the reason saying so.

>>> rob2_overall({"D1": "low", "D2": "low", "D3": "some concerns", "D4": "low", "D5": "low"})[0]
'some concerns'
>>> robins_i_overall(["moderate", "low", "low", "serious", "low", "moderate", "low"])[0]
'serious'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..arguments import check_choice
from ..errors import ExometaError


@dataclass(frozen=True)
class Tool:
    name: str
    domains: dict
    judgements: tuple  # from least to most severe (without "no information")

    @property
    def codes(self) -> tuple:
        return tuple(self.domains)


ROB2 = Tool("RoB 2", {
    "D1": "Bias arising from the randomisation process",
    "D2": "Bias due to deviations from intended interventions",
    "D3": "Bias due to missing outcome data",
    "D4": "Bias in measurement of the outcome",
    "D5": "Bias in selection of the reported result",
}, ("low", "some concerns", "high"))

ROBINS_I = Tool("ROBINS-I", {
    "D1": "Bias due to confounding",
    "D2": "Bias in selection of participants into the study",
    "D3": "Bias in classification of interventions",
    "D4": "Bias due to deviations from intended interventions",
    "D5": "Bias due to missing data",
    "D6": "Bias in measurement of outcomes",
    "D7": "Bias in selection of the reported result",
}, ("low", "moderate", "serious", "critical"))

TOOLS = {ROB2.name: ROB2, ROBINS_I.name: ROBINS_I}
NO_INFORMATION = "no information"


def _as_mapping(judgements, tool: Tool) -> dict:
    if isinstance(judgements, Mapping):
        return dict(judgements)
    judgements = list(judgements)
    if len(judgements) != len(tool.codes):
        raise ExometaError(f"{tool.name} has {len(tool.codes)} domains ({', '.join(tool.codes)}); got {len(judgements)} judgements.")
    return dict(zip(tool.codes, judgements))


def _check_judgements(j: dict, tool: Tool):
    allowed = tool.judgements + (NO_INFORMATION,)
    for d, v in j.items():
        check_choice("domain", d, tool.codes)
        if v not in allowed:
            raise ExometaError(f"{tool.name} domain {d}: judgement must be one of {', '.join(map(repr, allowed))}; got {v!r}.")


def _names(domains) -> str:
    return ", ".join(domains)


def rob2_overall(judgements, some_concerns_as_high: int | None = None,
                 no_information: str = "some concerns") -> tuple[str, str]:
    """RoB 2 overall judgement and its reason, from the five domains (mapping D1..D5 -> judgement, or a list).

    Examples
    --------
    >>> rob2_overall(["low"] * 5)
    ('low', 'low risk of bias in every domain.')
    >>> rob2_overall(["low", "high", "some concerns", "low", "low"])[0]
    'high'
    >>> rob2_overall(["some concerns"] * 3 + ["low"] * 2, some_concerns_as_high=3)[0]
    'high'
    """
    check_choice("no_information", no_information, ("some concerns", "high"))
    j = _as_mapping(judgements, ROB2)
    _check_judgements(j, ROB2)
    missing = [d for d in ROB2.codes if d not in j]
    noinfo = [d for d in ROB2.codes if j.get(d) == NO_INFORMATION] + missing
    eff = {d: (no_information if d in noinfo else j[d]) for d in ROB2.codes}
    note = ""
    if noinfo:
        note = (f" ({_names(noinfo)}: {'not judged' if missing and not set(noinfo) - set(missing) else 'no information'}, "
                f"counted as '{no_information}')")
    high = [d for d, v in eff.items() if v == "high"]
    concerns = [d for d, v in eff.items() if v == "some concerns"]
    if high:
        return "high", f"high risk of bias in {_names(high)}{note}."
    if concerns and some_concerns_as_high and len(concerns) >= some_concerns_as_high:
        return "high", (f"some concerns in {len(concerns)} domains ({_names(concerns)}), which the review counts as high "
                        f"(some_concerns_as_high = {some_concerns_as_high}){note}.")
    if concerns:
        return "some concerns", f"some concerns in {_names(concerns)}, and no domain at high risk{note}."
    return "low", "low risk of bias in every domain."


def robins_i_overall(judgements, key_domains: Sequence[str] | None = None) -> tuple[str, str]:
    """ROBINS-I overall judgement and its reason, from the seven domains (mapping D1..D7 -> judgement, or a list).

    Examples
    --------
    >>> robins_i_overall(["low"] * 7)[0], robins_i_overall(["moderate"] + ["low"] * 6)[0]
    ('low', 'moderate')
    >>> robins_i_overall(["serious", "critical"] + ["low"] * 5)[0]
    'critical'
    >>> robins_i_overall(["moderate", "no information"] + ["low"] * 5)
    ('no information', 'no clear indication of serious or critical risk, but no information in D2.')
    >>> robins_i_overall(["moderate", "no information"] + ["low"] * 5, key_domains=["D1", "D3"])[0]
    'moderate'
    """
    j = _as_mapping(judgements, ROBINS_I)
    _check_judgements(j, ROBINS_I)
    keys = ROBINS_I.codes if key_domains is None else tuple(check_choice("key_domains", d, ROBINS_I.codes) for d in key_domains)
    missing = [d for d in ROBINS_I.codes if d not in j]
    j = {d: j.get(d, NO_INFORMATION) for d in ROBINS_I.codes}
    for level in ("critical", "serious"):
        worst = [d for d, v in j.items() if v == level]
        if worst:
            return level, f"{level} risk of bias in {_names(worst)}."
    noinfo = [d for d, v in j.items() if v == NO_INFORMATION]
    key_noinfo = [d for d in noinfo if d in keys]
    if key_noinfo:
        unjudged = " (not judged)" if set(key_noinfo) <= set(missing) else ""
        return NO_INFORMATION, f"no clear indication of serious or critical risk, but no information in {_names(key_noinfo)}{unjudged}."
    aside = f"; no information in {_names(noinfo)}, not a key domain" if noinfo else ""
    moderate = [d for d, v in j.items() if v == "moderate"]
    if moderate:
        return "moderate", f"moderate risk of bias in {_names(moderate)}, low in the others{aside}."
    return "low", f"low risk of bias in every domain{aside}."


def overall_judgement(tool: str, judgements, **options) -> tuple[str, str]:
    """The overall judgement of ``tool`` ("RoB 2" or "ROBINS-I"); ``options`` go to its algorithm."""
    check_choice("tool", tool, TOOLS)
    return rob2_overall(judgements, **options) if tool == ROB2.name else robins_i_overall(judgements, **options)


@dataclass(frozen=True)
class DomainJudgement:
    domain: str
    name: str
    judgement: str
    support: str = ""
    source_url: str = ""
    location: str = ""


@dataclass(frozen=True)
class StudyRob:
    """One study's (one outcome's) risk of bias: each domain with its support, and the overall judgement."""

    study_id: str
    tool: str
    outcome: str
    domains: tuple
    overall: str
    overall_reason: str

    def judgement(self, domain: str) -> str | None:
        return next((d.judgement for d in self.domains if d.domain == domain), None)


@dataclass(frozen=True)
class RobProblem:
    where: str
    study_id: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.where} (study '{self.study_id}'): {self.message}" + (f" {self.fix}" if self.fix else "")


@dataclass(frozen=True)
class RobAssessment:
    """Every study's risk-of-bias judgements, and the problems found reading them."""

    studies: tuple = ()
    problems: tuple = field(default=())

    def get(self, study_id: str, outcome: str | None = None) -> StudyRob | None:
        """The assessment for a study: for ``outcome`` if judged separately, else the study-wide one (a row
        with a blank outcome); None when neither exists -- another outcome's judgement is never borrowed.
        Without ``outcome``, the study-wide one, else the study's first."""
        mine = [s for s in self.studies if s.study_id == str(study_id)]
        exact = [s for s in mine if s.outcome == (outcome or "")]
        return (exact or [s for s in mine if s.outcome == ""] or (mine if not outcome else []) or [None])[0]

    def overall(self, study_id: str, outcome: str | None = None) -> str | None:
        s = self.get(study_id, outcome)
        return s.overall if s else None

    def to_frame(self) -> pd.DataFrame:
        """One row per study and outcome: ``study_id, tool, outcome, D1..D7, overall, overall_reason``."""
        rows = [{"study_id": s.study_id, "tool": s.tool, "outcome": s.outcome,
                 **{f"D{i}": s.judgement(f"D{i}") for i in range(1, 8)}, "overall": s.overall,
                 "overall_reason": s.overall_reason} for s in self.studies]
        return pd.DataFrame(rows, columns=["study_id", "tool", "outcome"] + [f"D{i}" for i in range(1, 8)] +
                            ["overall", "overall_reason"])

    def domains_frame(self) -> pd.DataFrame:
        """One row per study, outcome and domain, with the support for each judgement."""
        rows = [{"study_id": s.study_id, "tool": s.tool, "outcome": s.outcome, "domain": d.domain, "domain_name": d.name,
                 "judgement": d.judgement, "support": d.support, "source_url": d.source_url, "location": d.location}
                for s in self.studies for d in s.domains]
        return pd.DataFrame(rows, columns=["study_id", "tool", "outcome", "domain", "domain_name", "judgement", "support",
                                           "source_url", "location"])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def summary(self) -> str:
        lines = [f"Risk of bias: {len(self.studies)} assessment(s)."]
        for s in self.studies:
            what = f" ({s.outcome})" if s.outcome else ""
            doms = ", ".join(f"{d.domain} {d.judgement}" for d in s.domains)
            lines.append(f"  {s.study_id}{what}, {s.tool}: overall {s.overall} - {s.overall_reason} Domains: {doms}.")
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s):")
            lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


def _cell(row, name) -> str:
    v = row.get(name)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v).strip()


def _row_where(row, i) -> str:
    r = row.get("excel_row")
    return f"risk_of_bias row {int(r) if r is not None and not (isinstance(r, float) and math.isnan(r)) else i + 2}"


def _design_problem(study, tool, sid, where) -> RobProblem | None:
    randomised = _cell(study, "randomised")
    design = _cell(study, "design")
    if tool == ROB2.name and (randomised == "no" or (design and not design.startswith("RCT") and randomised != "yes")):
        return RobProblem(where, sid, f"RoB 2 is for randomised trials, but the study is {design or 'not randomised'}.",
                          "Use ROBINS-I for a non-randomised study.")
    if tool == ROBINS_I.name and (randomised == "yes" or design.startswith("RCT")):
        return RobProblem(where, sid, "ROBINS-I is for non-randomised studies, but the study is randomised.",
                          "Use RoB 2 for a randomised trial.")
    return None


def read_risk_of_bias(rob: pd.DataFrame, studies: pd.DataFrame | None = None, *, some_concerns_as_high: int | None = None,
                      no_information: str = "some concerns", key_domains: Sequence[str] | None = None) -> RobAssessment:
    """Read the ``risk_of_bias`` sheet into per-study judgements with their support, and every problem.

    Parameters
    ----------
    rob : pandas.DataFrame
        The sheet as the workbook reader gives it (``excel_row`` optional).
    studies : pandas.DataFrame, optional
        The studies sheet: study ids are checked against it, and the tool
        against the design (RoB 2 for randomised trials, ROBINS-I otherwise).
    some_concerns_as_high, no_information : see :func:`rob2_overall`.
    key_domains : see :func:`robins_i_overall`.

    Returns
    -------
    RobAssessment
        ``.studies`` (one :class:`StudyRob` per study and outcome; rows with a
        blank outcome judge every outcome of the study) and ``.problems``. A
        domain that is missing or badly judged counts as "no information".

    Examples
    --------
    >>> sheet = pd.DataFrame({"study_id": ["T1"] * 5, "tool": ["RoB 2"] * 5, "domain": ["D1", "D2", "D3", "D4", "D5"],
    ...                       "judgement": ["low", "low", "high", "low", "moderate"]})
    >>> a = read_risk_of_bias(sheet)
    >>> a.overall("T1")
    'high'
    >>> print(a.problems[0])
    risk_of_bias row 6 (study 'T1'): D5: 'moderate' is not a RoB 2 judgement. Use one of 'low', 'some concerns', 'high', 'no information'.
    """
    problems: list[RobProblem] = []
    if rob is None or len(rob) == 0:
        return RobAssessment()
    needed = [c for c in ("study_id", "tool", "domain", "judgement") if c not in rob.columns]
    if needed:
        return RobAssessment((), (RobProblem("risk_of_bias row 1", "", f"the column(s) {', '.join(needed)} are missing.",
                                             "Add them (see the dictionary sheet of `exometa new-workbook`)."),))
    known = {}
    if studies is not None and "study_id" in studies.columns:
        known = {str(s["study_id"]): s for s in studies.to_dict("records")}
    groups: dict = {}
    for i, row in enumerate(rob.to_dict("records")):
        where, sid = _row_where(row, i), _cell(row, "study_id")
        tool, domain, judgement = _cell(row, "tool"), _cell(row, "domain").upper(), _cell(row, "judgement").lower()
        if not sid:
            problems.append(RobProblem(where, "", "study_id is blank.", "Enter the study_id the judgement belongs to."))
            continue
        if tool not in TOOLS:
            problems.append(RobProblem(where, sid, f"tool {tool!r} is not 'RoB 2' or 'ROBINS-I'.", "Enter 'RoB 2' or 'ROBINS-I'."))
            continue
        if known and sid not in known:
            problems.append(RobProblem(where, sid, "this study_id is not on the studies sheet.", "Correct the id or add the study."))
        t = TOOLS[tool]
        if domain not in t.codes:
            problems.append(RobProblem(where, sid, f"{tool} has domains {', '.join(t.codes)}; got {domain or 'a blank domain'!r}.",
                                       "Correct the domain."))
            continue
        g = groups.setdefault((sid, _cell(row, "outcome")), {"tools": {}, "rows": []})
        g["tools"].setdefault(tool, {})
        g["rows"].append(where)
        allowed = t.judgements + (NO_INFORMATION,)
        if judgement not in allowed:
            problems.append(RobProblem(where, sid, f"{domain}: {judgement or 'blank'!r} is not a {tool} judgement.",
                                       f"Use one of {', '.join(map(repr, allowed))}."))
            continue
        previous = g["tools"][tool].get(domain)
        if previous and previous.judgement != judgement:
            problems.append(RobProblem(where, sid, f"{domain} is judged twice ({previous.judgement!r} and {judgement!r}).",
                                       "Keep one row per study, outcome and domain."))
            continue
        g["tools"][tool][domain] = DomainJudgement(domain, t.domains[domain], judgement, _cell(row, "support"),
                                                   _cell(row, "source_url"), _cell(row, "location"))
    assessed = []
    for (sid, outcome), g in groups.items():
        where = g["rows"][0]
        if len(g["tools"]) > 1:
            problems.append(RobProblem(where, sid, f"judged with both tools ({', '.join(g['tools'])}) for the same outcome.",
                                       "Use RoB 2 for a randomised trial and ROBINS-I otherwise, not both."))
        for tool, domains in g["tools"].items():
            t = TOOLS[tool]
            missing = [d for d in t.codes if d not in domains]
            if missing:
                problems.append(RobProblem(where, sid, f"{tool} domain(s) {', '.join(missing)} are missing"
                                           + (f" for {outcome!r}" if outcome else "") + "; counted as 'no information'.",
                                           "Add a row for each domain ('no information' when the source says nothing)."))
            if sid in known:
                p = _design_problem(known[sid], tool, sid, where)
                if p:
                    problems.append(p)
            judged = {d: domains[d].judgement for d in domains}
            if tool == ROB2.name:
                overall, reason = rob2_overall(judged, some_concerns_as_high, no_information)
            else:
                overall, reason = robins_i_overall(judged, key_domains)
            ordered = tuple(domains[d] for d in t.codes if d in domains)
            assessed.append(StudyRob(sid, tool, outcome, ordered, overall, reason))
    return RobAssessment(tuple(assessed), tuple(problems))


__all__ = ["ROB2", "ROBINS_I", "TOOLS", "rob2_overall", "robins_i_overall", "overall_judgement", "read_risk_of_bias",
           "RobAssessment", "StudyRob", "DomainJudgement", "RobProblem"]
