"""Analysis files (``analyses/*.toml``): what one analysis asks, and how.

One TOML file per analysis; its file name (without ``.toml``) names the
analysis and its figures. Files are checked strictly: an unknown key anywhere
is an error with a "did you mean", every key has a type and allowed values, and
every problem of a file is reported at once, naming the file, the key and the
fix. Files must be UTF-8 without a byte-order mark.

Example::

    title = "Mortality, every randomised trial"          # required, text
    question = "Does the treatment reduce mortality?"
    population = "Adults admitted with sepsis"           # the report's PICO (text; optional)
    intervention = "Drug X"
    comparator = "Placebo"
    claim = "the treatment saves lives"                  # what the verdict tests, as it can
                                                         # follow "the claim that ..."
    claim_direction = "decrease"  # "increase" or "decrease": which way the claim says the
                                  # outcome moves with treatment (default: read from the
                                  # claim's words, see exometa.analysis.verdict)
    claim_causal = true           # the claim is about what the treatment does (default):
                                  # a change over time cannot support it
    outcome = ["mortality"]      # required: outcome name(s) from the review's list
    measure = "RR"               # required: see the table below
    method = "MH"                # default MH for RR/OR/RD, PETO for PETO, else REML
    test = "z"                   # z, t or knha (default knha; z for MH and Peto)
    level = 95                   # CI level in percent, 0 < level < 100 (not 0.95)
    unit = ""                    # the unit pooled on (raw measures: MD, MC)
    figures = ["forest", "funnel", "rob"]  # "rob": risk-of-bias traffic light and summary
    formats = ["svg", "png", "pdf"]                      # the default: all three
    favours = ["Favours treatment", "Favours control"]   # forest plot: left, right of no effect
    sort = "effect"              # forest plot order: "effect", "weight", "year" or "label"
                                 # (default: the workbook's order)
    diagnostics = ["leave1out", "influence", "cumul", "gosh", "baujat", "permutest"]
    bias = ["regtest", "ranktest", "trimfill", "selmodel"]

    [include]                    # which studies are in
    record_type = ["study"]      # default ["study"]
    exclude_flags = []           # e.g. ["uncontrolled", "unverifiable"]
    exclude_designs = ["meta-analysis"]                  # the default
    intervention_type = []       # empty: all
    condition = []               # empty: all (values from the review's list)
    study_ids = []               # empty: all
    exclude_studies = []         # study ids left out, e.g. a second report of a trial
    exclude_reason = ""          # why, in words (shown for each of them in the report)

    [timepoint]                  # which follow-up row each arm contributes
    rule = "last"                # "last" (default), "window" or "closest"
    weeks = [12, 26]             # rule "window": from week 12 to week 26
    target = 24                  # rule "closest": nearest to week 24

    [dispersion]                 # continuous outcomes without a reported SD
    missing_sd = ["from_p", "borrow"]    # assumptions allowed (tried in this order)
    correlation = 0.5                    # pre/post correlation, where one is needed
    correlation_range = [0.2, 0.8]       # re-run at these values (sensitivity)
    convert_medians = false              # medians with quartiles/range (or only the IQR's
                                         # width) -> mean, SD
    cliffs_delta_as_smd = false          # SMD only: a reported Cliff's delta read as an SMD,
                                         # assuming two normal arms with equal SDs (flagged)
    borrow = "mean"                      # the SD "borrow" gives: "mean" (of the SDs studies
                                         # report themselves) or "largest" (the largest SD
                                         # any study in the analysis gives or implies: the
                                         # conservative choice)

    [sample_size]                # arms whose source does not say how many were analysed
    from_enrolment = false       # take the arm's enrolment row, else the study's n_analysed,
                                 # else n_enrolled (studies sheet) -- flagged as derived
    split_equally = false        # a two-arm study with only its total: that total split
                                 # equally between its arms (flagged)

    [[sensitivity]]              # the same analysis on a subset, or under other assumptions
    name = "without unverifiable studies"
    exclude_flags = ["unverifiable"]
    exclude_imputed = false      # leave out studies resting on derived numbers
    exclude_designs = []
    exclude_studies = []         # study ids
    # Any of these re-run the analysis with other assumptions (default: the main analysis's):
    # missing_sd, borrow, convert_medians, cliffs_delta_as_smd, correlation, from_enrolment,
    # split_equally, method, test

    [[subgroups]]                # separate pooling by a studies-sheet column
    by = "design"

    [grade]                      # GRADE: what only the review team can judge
    threshold = 0.8              # decision threshold (display scale; see exometa.analysis.spec_grade)
    [grade.indirectness]
    population = { level = "serious", reason = "older adults only" }
    [grade.ois]
    p_control = 0.2
    rrr = 0.25

``diagnostics`` (on the main fit; :mod:`exometa.diagnostics`): each is run
only from the number of studies where it means something
(:data:`exometa.diagnostics.words.MINIMUM_K`), and said in words below it;
each reading goes into the report, and what leave-one-out and influence change
into the verdict. GOSH uses at most 10^6 subsets and permutest 1,000
permutations (exact when feasible), both with seed 1, so runs repeat exactly.
``cumul`` adds studies by year (then the workbook's order).

``bias`` (on the main fit; ``exometa.bias``): "regtest" (Egger's test and the
PET estimate), "peese", "ranktest", "trimfill", "selmodel", "tes", "hc" and
"fsn". Asymmetry methods (regtest, peese, ranktest, trimfill, selmodel) are not
run below 10 studies, and the report says why (Cochrane Handbook 13.3.5.4).
Neither key applies to measure PCT (never pooled) or to Mantel-Haenszel and
Peto fits (the methods refit by inverse variance).

``[grade]`` (see :mod:`exometa.analysis.spec_grade` for every key): the decision
threshold, indirectness of population, intervention, comparator and outcome,
the optimal information size, the comparator's risk, and the registered trials
without results that bear on the analysis; the other GRADE domains are rated
from the data (:mod:`exometa.analysis.grading`).

Measures (metafor's names) and the rows they use:

======================  ====================================================================
measure                 data (outcomes sheet)
======================  ====================================================================
RR, OR, RD, PETO        events and n in the treatment and control arms (quantity 'value');
                        method MH (Mantel-Haenszel, RevMan's default), PETO (OR only) or an
                        inverse-variance tau² estimator (DL, REML, ...). metafor's zero-cell
                        rules. Ratios are shown back-transformed.
MD, SMD, ROM            mean, SD (or SE, CI, t, p; medians if ``convert_medians``) and n per
                        arm. ``scores = "final"`` (follow-up values) or ``"change"`` (change
                        from baseline), or both in order of preference (MD only: the
                        Cochrane Handbook lets MD mix them, not SMD; ROM uses final values).
MC, SMCC, SMCR          one group before/after: a change from baseline (or baseline and
                        follow-up means), ``correlation`` where it is needed. Always change
                        over time in treated people, never an effect of treatment.
PR, PLO, PFT            events and n in one group (e.g. participants with adverse events).
GEN                     an effect the source reports (quantity 'effect estimate', with
                        ``effect_measure = "HR"`` etc.) with its CI, SE or p on its own scale.
PCT                     percent changes as reported: shown, never pooled.
======================  ====================================================================

Other keys: ``arms`` (within-group measures only: which arms, default
``["single group", "treatment"]``), ``scores`` (MD, SMD, ROM), ``multi_arm``
(between-arm measures: ``"combine"`` the arms of one role, or ``"split"`` the
shared arm, Cochrane Handbook 6.5.2.10 and 23.3.4; without it a multi-arm trial
is left out with the reason), ``effect_measure`` (GEN only).

Rules every analysis follows are documented where they are applied: choosing
rows and timepoints (:mod:`exometa.analysis.rows`), units
(:mod:`exometa.analysis.units`), means and SDs (:mod:`exometa.analysis.spread`),
effects reported by the source (:mod:`exometa.analysis.reported`). Outcome names
(and ``condition``) are checked against the review's own lists when the analysis
runs on a workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import ExometaError
from ..evidence.flags import FLAGS
from ..models.pooling import METHODS, TESTS
from ..workbook.schema import SHEETS, STUDIES, column
from . import measures as M
from . import spec_grade, spec_rules
from .spec_grade import GradeSpec
from .spec_schema import Key, check
from .toml_file import read_toml

MEASURES = M.MEASURES
SD_POLICIES = ("from_p", "borrow")
BORROW_RULES = ("mean", "largest")
FIGURES = ("forest", "funnel", "rob")
DIAGNOSTICS = ("leave1out", "influence", "cumul", "gosh", "baujat", "permutest")
#: methods of exometa.bias.assess
BIAS_METHODS = ("regtest", "peese", "ranktest", "trimfill", "selmodel", "tes", "hc", "fsn")
SORTS = ("effect", "weight", "year", "label")
DIRECTIONS = ("increase", "decrease")
FORMATS = ("svg", "png", "pdf")
FLAG_NAMES = tuple(f.name for f in FLAGS)
RULES = ("last", "window", "closest")
SCORES = ("final", "change")
WITHIN_ARMS = ("single group", "treatment", "control", "all participants")
POOLING_METHODS = METHODS + ("MH", "PETO")


class AnalysisFileError(ExometaError):
    """An analysis file that cannot be used; names the file, the key and the fix."""


@dataclass(frozen=True)
class Include:
    record_type: tuple = ("study",)
    exclude_flags: tuple = ()
    exclude_designs: tuple = ("meta-analysis",)
    intervention_type: tuple = ()
    study_ids: tuple = ()
    condition: tuple = ()
    exclude_studies: tuple = ()
    exclude_reason: str = ""


#: keys of a sensitivity analysis that change the analysis's assumptions (None: as the main analysis)
OVERRIDES = ("missing_sd", "borrow", "convert_medians", "cliffs_delta_as_smd", "correlation", "from_enrolment", "split_equally",
             "method", "test")


@dataclass(frozen=True)
class Sensitivity:
    name: str
    exclude_flags: tuple = ()
    exclude_imputed: bool = False
    exclude_designs: tuple = ()
    exclude_studies: tuple = ()
    missing_sd: tuple | None = None
    borrow: str | None = None
    convert_medians: bool | None = None
    cliffs_delta_as_smd: bool | None = None
    correlation: float | None = None
    from_enrolment: bool | None = None
    split_equally: bool | None = None
    method: str | None = None
    test: str | None = None

    @property
    def overrides(self) -> dict:
        """The main analysis's keys this sensitivity analysis changes ({AnalysisSpec field: value})."""
        names = {"from_enrolment": "n_from_enrolment"}
        return {names.get(k, k): getattr(self, k) for k in OVERRIDES if getattr(self, k) is not None}

    def applied_to(self, spec: "AnalysisSpec") -> "AnalysisSpec":
        """``spec`` with this sensitivity analysis's assumptions (itself when it changes none)."""
        return replace(spec, **self.overrides) if self.overrides else spec


@dataclass(frozen=True)
class Timepoint:
    rule: str = "last"
    weeks: tuple = ()
    target: float | None = None


@dataclass(frozen=True)
class AnalysisSpec:
    name: str
    title: str
    outcome: tuple
    measure: str
    question: str = ""
    claim: str = ""
    unit: str = ""
    arms: tuple = ("single group", "treatment")
    method: str = ""  # '' = the measure's default (MH for RR/OR/RD, PETO for PETO, else REML)
    test: str = ""  # '' = z for MH/Peto, else knha
    level: float = 95.0
    include: Include = field(default_factory=Include)
    missing_sd: tuple = ()
    correlation: float = 0.5
    correlation_range: tuple = ()
    sensitivity: tuple = ()
    subgroups: tuple = ()
    figures: tuple = ("forest",)
    path: Path | None = None
    formats: tuple = FORMATS
    effect_measure: str = ""
    scores: tuple = ()  # '' = MD: ("change", "final"); SMD, ROM: ("final",)
    multi_arm: str = ""
    timepoint: Timepoint = field(default_factory=Timepoint)
    convert_medians: bool = False
    cliffs_delta_as_smd: bool = False  # SMD: a reported Cliff's delta read as an SMD (normal arms assumed)
    borrow: str = "mean"  # the SD "borrow" gives: "mean" or "largest"
    n_from_enrolment: bool = False  # [sample_size] from_enrolment
    split_equally: bool = False  # [sample_size] split_equally
    population: str = ""
    intervention: str = ""
    comparator: str = ""
    claim_direction: str = ""  # '' = read from the claim's words (exometa.analysis.verdict.direction_of)
    claim_causal: bool = True
    favours: tuple = ()  # (left, right) labels of the forest plot; () = the plot's default
    sort: str | None = None  # None = the workbook's order
    diagnostics: tuple = ()
    bias: tuple = ()
    grade: GradeSpec = field(default_factory=GradeSpec)

    def __post_init__(self):
        default_method = {"RR": "MH", "OR": "MH", "RD": "MH", "PETO": "PETO"}.get(self.measure, "REML")
        method = self.method or default_method
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "test", self.test or ("z" if method in ("MH", "PETO") else "knha"))
        if not self.scores:
            object.__setattr__(self, "scores", ("change", "final") if self.measure == "MD" else ("final",))

    @property
    def info(self) -> M.MeasureInfo:
        return M.info(self.measure, self.effect_measure)


def _schema():
    study_columns = tuple(c.name for c in SHEETS[STUDIES])
    outcome_arms = column("outcomes", "arm").choices
    include = {
        "record_type": Key("texts", "record types to include", ("study",), column(STUDIES, "record_type").choices, nonempty=True),
        "exclude_flags": Key("texts", "flags that exclude a study", (), FLAG_NAMES),
        "exclude_designs": Key("texts", "designs to leave out", ("meta-analysis",), column(STUDIES, "design").choices),
        "intervention_type": Key("texts", "interventions to include (empty: all)", (), column(STUDIES, "intervention_type").choices),
        "condition": Key("texts", "conditions to include (empty: all; values from the review's list)", ()),
        "study_ids": Key("texts", "study ids to include (empty: all)", ()),
        "exclude_studies": Key("texts", "study ids to leave out (e.g. a second report of one trial)", ()),
        "exclude_reason": Key("text", "why exclude_studies are left out, in words", ""),
    }
    sensitivity = {
        "name": Key("text", "what this sensitivity analysis leaves out, in words", required=True),
        "exclude_flags": Key("texts", "flags that exclude a study", (), FLAG_NAMES),
        "exclude_imputed": Key("bool", "leave out studies that rest on derived numbers", False),
        "exclude_designs": Key("texts", "designs to leave out", (), column(STUDIES, "design").choices),
        "exclude_studies": Key("texts", "study ids to leave out", ()),
        "missing_sd": Key("texts", "assumptions allowed for a missing SD (instead of the main analysis's)", None, SD_POLICIES),
        "borrow": Key("text", "the SD borrowing gives (instead of the main analysis's)", None, BORROW_RULES),
        "convert_medians": Key("bool", "convert medians (instead of the main analysis's choice)", None),
        "cliffs_delta_as_smd": Key("bool", "read a reported Cliff's delta as an SMD (instead of the main analysis's choice)", None),
        "correlation": Key("number", "the pre/post correlation (instead of the main analysis's)", None, lo=-1, hi=1),
        "from_enrolment": Key("bool", "n from enrolment (instead of the main analysis's choice)", None),
        "split_equally": Key("bool", "split a study's total equally between its arms (instead of the main analysis's choice)", None),
        "method": Key("text", "the pooling method (instead of the main analysis's)", None, POOLING_METHODS),
        "test": Key("text", "the test (instead of the main analysis's)", None, TESTS),
    }
    return {
        "title": Key("text", 'the analysis in a few words, e.g. title = "Mortality, all trials"', required=True),
        "question": Key("text", "the question it answers", ""),
        "claim": Key("text", "the claim its verdict tests", ""),
        "claim_direction": Key("text", "which way the claim says the outcome moves", "", DIRECTIONS),
        "claim_causal": Key("bool", "the claim is about what the treatment does", True),
        "population": Key("text", "the population the question is about", ""),
        "intervention": Key("text", "the intervention", ""),
        "comparator": Key("text", "the comparator", ""),
        "favours": Key("texts", 'the forest plot\'s labels left and right of no effect, e.g. ["Favours treatment", "Favours control"]',
                       None, length=2),
        "sort": Key("text", "the order of studies in the forest plot", "", SORTS),
        "diagnostics": Key("texts", "diagnostics to run on the main fit", (), DIAGNOSTICS),
        "bias": Key("texts", "small-study and publication-bias methods to run on the main fit", (), BIAS_METHODS),
        "grade": Key("table", "what GRADE needs that the data cannot say", {}, schema=spec_grade.SCHEMA),
        "outcome": Key("texts", 'the outcome(s), as named in the workbook, e.g. outcome = ["mortality"]', required=True, nonempty=True),
        "measure": Key("text", 'the effect measure, e.g. measure = "RR"', required=True, choices=MEASURES),
        "effect_measure": Key("text", "the reported effect pooled by measure GEN", "", column("outcomes", "effect_measure").choices),
        "unit": Key("text", "the unit pooled on", ""),
        "arms": Key("texts", "arms for a within-group measure", None, tuple(a for a in outcome_arms if a in WITHIN_ARMS), nonempty=True),
        "scores": Key("texts", "final values or change scores", None, SCORES, nonempty=True),
        "multi_arm": Key("text", "combine or split the arms of a multi-arm trial", "", ("combine", "split")),
        "method": Key("text", "the pooling method", "", POOLING_METHODS),
        "test": Key("text", "the test of the pooled estimate", "", TESTS),
        "level": Key("number", "the CI level in percent", 95.0),
        "figures": Key("texts", "figures to draw", ("forest",), FIGURES),
        "formats": Key("texts", "file formats of the figures", FORMATS, FORMATS, nonempty=True),
        "include": Key("table", "which studies are in", {}, schema=include),
        "timepoint": Key("table", "which timepoint each arm contributes", {}, schema={
            "rule": Key("text", "how the timepoint is chosen", "last", RULES),
            "weeks": Key("numbers", "the window, [from, to] weeks from baseline", (), lo=0, hi=1e4, length=2),
            "target": Key("number", "the target week", None, lo=0, hi=1e4)}),
        "dispersion": Key("table", "assumptions for missing SDs", {}, schema={
            "missing_sd": Key("texts", "assumptions allowed for a missing SD", (), SD_POLICIES),
            "correlation": Key("number", "the pre/post correlation", 0.5, lo=-1, hi=1),
            "correlation_range": Key("numbers", "correlations for a sensitivity analysis", (), lo=-1, hi=1),
            "convert_medians": Key("bool", "convert medians with quartiles or range to means and SDs", False),
            "cliffs_delta_as_smd": Key("bool", "SMD only: read a reported Cliff's delta as an SMD, assuming normal arms", False),
            "borrow": Key("text", "the SD borrowing gives: the mean of the reported SDs, or the largest SD", "mean", BORROW_RULES)}),
        "sample_size": Key("table", "where n comes from when the source does not say how many were analysed", {}, schema={
            "from_enrolment": Key("bool", "take n from the arm's enrolment row or the studies sheet (flagged)", False),
            "split_equally": Key("bool", "split a two-arm study's total equally between its arms (flagged)", False)}),
        "sensitivity": Key("tables", "sensitivity analyses", (), schema=sensitivity),
        "subgroups": Key("tables", "subgroup analyses", (), schema={
            "by": Key("text", 'a studies-sheet column, e.g. by = "design"', required=True, choices=study_columns)}),
    }


def load_spec(path) -> AnalysisSpec:
    """Read and check one analysis file; every problem is reported at once."""
    path = Path(path)
    return spec_from_dict(read_toml(path, str(path), AnalysisFileError), path)


def spec_from_dict(raw: dict, path, where: str | None = None) -> AnalysisSpec:
    """An :class:`AnalysisSpec` from the keys of an analysis file given as a dict (as TOML parses them),
    checked as strictly as a file; ``path`` names the analysis (its stem) and ``where`` the messages.

    >>> spec_from_dict({"title": "t", "outcome": ["other"], "measure": "MD"}, "x.toml").name
    'x'
    """
    path = Path(path)
    where = where or str(path)
    raw = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    problems: list = []
    grade = raw.get("grade")
    if isinstance(grade, dict) and "threshold" in grade:
        value, problem = spec_grade.threshold_value(grade["threshold"])
        if problem:
            problems.append(problem)
            grade.pop("threshold")
        else:
            grade["threshold"] = value
    v = check(raw, _schema(), "", problems)
    spec_rules.rules(raw, v, problems)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise AnalysisFileError(f"{where}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in this analysis file:\n{lines}")
    return _spec(path, v)


def _spec(path: Path, v: dict) -> AnalysisSpec:
    inc, tp, disp, size = v["include"] or {}, v["timepoint"] or {}, v["dispersion"] or {}, v["sample_size"] or {}
    include = Include(**{k: inc.get(k, default) for k, default in vars(Include()).items()})
    sens = tuple(Sensitivity(**{k: (tuple(x) if isinstance(x, list) else x) for k, x in s.items()})
                 for s in v["sensitivity"] or ())
    return AnalysisSpec(
        name=path.stem, title=v["title"], question=v["question"], claim=v["claim"], outcome=v["outcome"],
        measure=v["measure"], unit=v["unit"], arms=v["arms"] or ("single group", "treatment"), method=v["method"] or "",
        test=v["test"] or "", level=v["level"], include=include, missing_sd=disp.get("missing_sd") or (),
        correlation=disp.get("correlation", 0.5), correlation_range=disp.get("correlation_range") or (),
        convert_medians=bool(disp.get("convert_medians")), sensitivity=sens,
        cliffs_delta_as_smd=bool(disp.get("cliffs_delta_as_smd")), borrow=disp.get("borrow") or "mean",
        n_from_enrolment=bool(size.get("from_enrolment")), split_equally=bool(size.get("split_equally")),
        subgroups=tuple(g["by"] for g in v["subgroups"] or ()), figures=v["figures"], formats=tuple(dict.fromkeys(v["formats"])),
        path=path, effect_measure=v["effect_measure"] or "", scores=tuple(dict.fromkeys(v["scores"] or ())),
        multi_arm=v["multi_arm"] or "", population=v["population"] or "", intervention=v["intervention"] or "",
        comparator=v["comparator"] or "", claim_direction=v["claim_direction"] or "",
        claim_causal=v["claim_causal"] is not False, favours=tuple(v["favours"] or ()), sort=v["sort"] or None,
        diagnostics=tuple(dict.fromkeys(v["diagnostics"] or ())), bias=tuple(dict.fromkeys(v["bias"] or ())),
        grade=spec_grade.build(v["grade"]),
        timepoint=Timepoint(rule=tp.get("rule") or "last", weeks=tp.get("weeks") or (), target=tp.get("target")),
    )


def load_specs(folder) -> list[AnalysisSpec]:
    """Every ``*.toml`` in a folder, in name order; the problems of all files are reported together."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AnalysisFileError(f"{folder}: no such folder of analyses. Create it with one .toml file per analysis.")
    specs, errors = [], []
    for p in sorted(folder.glob("*.toml")):
        try:
            specs.append(load_spec(p))
        except AnalysisFileError as exc:
            errors.append(str(exc))
    if errors:
        raise AnalysisFileError("\n".join(errors))
    return specs


__all__ = ["AnalysisSpec", "AnalysisFileError", "Include", "Sensitivity", "Timepoint", "load_spec", "load_specs", "spec_from_dict", "MEASURES"]
