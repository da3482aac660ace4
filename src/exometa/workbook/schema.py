"""The workbook format: sheets, columns, types, allowed values and what each means.

This table is the single definition of ``studies.xlsx``: the reader checks
against it, ``exometa new-workbook`` writes its dictionary sheet, drop-downs
and header comments from it, and the README documents it.

Two kinds of categorical column:

- exometa's own vocabularies (designs, arm roles, quantity, source type,
  publication status, verification, conflicts...): fixed, because the flags,
  checks and analyses depend on their values;
- the review's own lists (``Column.review_list``: the outcomes measured, the
  conditions and the types of intervention studied): their allowed values are
  read from the workbook's ``lists`` sheet, so a review on any question can
  name its own. ``Column.template`` holds the neutral values a new workbook
  offers; ``Column.choices`` the values assumed when a workbook has no list for
  the column (workbooks of the first review, written before lists were read).
"""

from __future__ import annotations

from dataclasses import dataclass

STUDIES = "studies"
OUTCOMES = "outcomes"
RISK_OF_BIAS = "risk_of_bias"
DICTIONARY = "dictionary"
LISTS = "lists"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "text", "integer", "number", "category"
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    example: str = ""
    #: the allowed values belong to the review (the workbook's ``lists`` sheet), not to exometa;
    #: ``choices`` then holds the values assumed when the lists sheet has no column for it
    review_list: bool = False
    #: for a review list: the neutral example values ``exometa new-workbook`` writes
    template: tuple[str, ...] = ()


INTERVENTION_TEMPLATE = ("drug", "biological", "device", "procedure", "behavioural", "dietary supplement", "combination", "other", "unclear")

DESIGNS = (
    "RCT, parallel",
    "RCT, within-person",
    "RCT, split-scalp",
    "non-randomised controlled",
    "prospective single-arm",
    "retrospective case series",
    "case series",
    "case report",
    "meta-analysis",
    "unclear",
)
#: randomised within-person designs (split-body, split-mouth, split-scalp...): every participant is in both arms
WITHIN_PERSON_DESIGNS = ("RCT, within-person", "RCT, split-scalp")
#: what a new workbook's drop-down offers: the generic names ("RCT, split-scalp" stays readable, for the exosome review)
DESIGN_TEMPLATE = tuple(d for d in DESIGNS if d != "RCT, split-scalp")
CONTROL_TYPES = ("none", "placebo", "vehicle", "saline half-scalp", "untreated control", "active comparator", "unclear")
#: designs without a concurrent control arm
UNCONTROLLED_DESIGNS = ("prospective single-arm", "retrospective case series", "case series", "case report")

STUDY_COLUMNS = (
    Column("study_id", "text", "Short unique identifier of the study or claim; outcomes refer to it.", True, example="S01"),
    Column("label", "text", "Label shown in tables and forest plots (first author and year).", True, example="Smith 2024"),
    Column("citation", "text", "Full citation as far as it is known."),
    Column("year", "integer", "Year of publication (or of the claim).", example="2024"),
    Column("record_type", "category", "A study found in the literature, a review of studies, or a claim made in a seed article.", True,
           ("study", "review", "seed claim", "registered trial")),
    Column("design", "category", "Study design as reported (or as claimed, for a seed claim).", True, DESIGNS,
           template=DESIGN_TEMPLATE),
    Column("control_type", "category", "The concurrent comparison, if any ('none': no control arm; 'untreated control': a control arm that received nothing).", True,
           CONTROL_TYPES, template=tuple(c for c in CONTROL_TYPES if c != "saline half-scalp")),
    Column("randomised", "category", "Was allocation randomised?", False, ("yes", "no", "unclear")),
    Column("blinding", "category", "Blinding as reported.", False, ("double-blind", "single-blind", "open-label", "unclear")),
    Column("intervention_type", "category", "What kind of intervention was applied (the review's own list, e.g. the products compared).", True,
           ("exosome/EV", "exosome/EV + plant extract", "conditioned medium/secretome", "cell extract", "stem-cell serum (unclear)", "unclear"),
           review_list=True, template=INTERVENTION_TEMPLATE),
    Column("cell_source", "text", "For a product made from cells: the cells it comes from (blank otherwise)."),
    Column("route", "text", "How it was given (oral, topical, intravenous, intradermal injection...)."),
    Column("condition", "category", "The condition studied; analyses can keep conditions apart.", False,
           ("androgenetic alopecia", "alopecia areata", "hair loss, unspecified", "healthy volunteers", "other"),
           review_list=True, template=("condition of interest", "healthy volunteers", "other")),
    Column("population", "text", "Who was treated (condition, sex, age, severity)."),
    Column("n_enrolled", "integer", "Participants enrolled or treated, as the source reports.", example="30"),
    Column("n_source", "text", "Where n_enrolled was read (abstract, registry, press report...)."),
    Column("n_analysed", "integer", "Participants analysed, when the source says (n_enrolled counts those enrolled)."),
    Column("registry_enrolment", "integer", "Enrolment given in the trial registry, if it is registered."),
    Column("followup_weeks", "number", "Longest follow-up, in weeks, as reported."),
    Column("treatment_weeks", "number", "How long treatment lasted, in weeks, as reported (places timepoints counted from the end of treatment)."),
    Column("doi", "text", "DOI of the publication, if one was found.", example="10.1000/182"),
    Column("pmid", "text", "PubMed identifier, if one was found."),
    Column("registry_id", "text", "Trial registry identifier (e.g. NCT number)."),
    Column("registration", "category", "When the trial was registered: before enrolment (prospective) or after it started (retrospective).", False,
           ("prospective", "retrospective", "not registered", "unclear")),
    Column("registry_status", "category", "Status in the registry (for a registered trial).", False,
           ("not yet recruiting", "recruiting", "active, not recruiting", "completed", "terminated", "withdrawn", "unknown")),
    Column("completion_date", "text", "Completion date given by the registry (YYYY or YYYY-MM).", example="2025-06"),
    Column("registered_outcomes", "text", "Outcomes the registry entry lists, separated by ';'.", example="mortality at 28 days; adverse events"),
    Column("publication_status", "category", "What kind of source the study exists in.", True,
           ("peer-reviewed article", "preprint", "conference abstract", "registry entry", "unpublished data", "press report",
            "marketing claim", "unclear")),
    Column("funding", "text", "Funding and sponsors as found."),
    Column("coi", "category", "Conflicts of interest.", True,
           ("none declared", "industry sponsor", "manufacturer-affiliated author", "author sells the treatment",
            "seller's own material", "undeclared conflict found elsewhere", "not reported")),
    Column("verification", "category", "Could the study be found and checked? ('not checked': nobody has looked yet, e.g. just imported.)", True,
           ("verified", "verified via secondary source", "unverifiable", "likely fabricated", "not checked")),
    Column("verification_evidence", "text", "What was found (or not found), and where."),
    Column("inconsistencies", "text", "Disagreements found between sources (registry vs paper, abstract vs press release...)."),
    Column("seed", "text", "The seed article(s) that make this claim (e.g. 001)."),
    Column("claim", "text", "What the seed article claims, in a short paraphrase."),
    Column("claim_analysis", "text", "The analysis (file name in analyses/, without .toml) whose verdict answers this claim."),
    Column("claim_assessment", "category", "The reviewer's assessment of a claim that no analysis tests (e.g. a citation checked for existence).", False,
           ("supported", "contradicted", "cannot be assessed", "citation not found", "not a factual claim")),
    Column("claim_assessment_reason", "text", "Why: what was found, and where."),
    Column("source_url", "text", "Where the study record was read."),
    Column("notes", "text", "Anything else a reviewer should know."),
)  # fmt: skip

OUTCOME_COLUMNS = (
    Column("study_id", "text", "The study this number belongs to (a study_id on the studies sheet).", True, example="S01"),
    Column("outcome", "category", "What was measured.", True,
           ("hair density", "hair count", "hair thickness", "hair shedding", "enrolment", "other"), review_list=True,
           template=("primary outcome", "secondary outcome", "adverse events", "withdrawals", "other")),
    Column("unit", "text", "Unit of the numbers on this row.", example="mmHg"),
    Column("timepoint_weeks", "number", "Weeks from baseline (0 = baseline), when the source gives them.", example="12"),
    Column("weeks_after_treatment", "number", "Weeks after the end of treatment, when the source counts from there (leave timepoint_weeks blank then)."),
    Column("timepoint", "text", "The timepoint in the source's own words (e.g. '12 months', '3 weeks after the last injection')."),
    Column("arm", "category", "Which group the numbers describe.", True,
           ("treatment", "control", "single group", "treatment vs control", "all participants")),
    Column("arm_label", "text", "The arm's name in the source (e.g. '10 mg daily', 'placebo'); tells apart arms of a multi-arm trial that share a role."),
    Column("quantity", "category", "Value at the timepoint, change from baseline, or difference between arms.", True,
           ("value", "change from baseline", "difference between arms", "effect estimate")),
    Column("effect_measure", "category", "For quantity 'effect estimate': the measure the source reports (ratios on their own scale, e.g. RR 0.8).", False,
           ("MD", "SMD", "RR", "OR", "RD", "HR", "ROM", "Cliff's delta", "other")),
    Column("data_type", "category", "What one participant's value is: decides which arithmetic checks apply (GRIM and GRIMMER for integer data, DEBIT for binary).", False,
           ("continuous", "integer", "binary")),
    Column("scale_items", "integer", "Number of integer items summed or averaged into a score (the granularity of an integer mean); blank = 1."),
    Column("n", "integer", "Participants these numbers are based on."),
    Column("mean", "number", "Mean (for quantity 'effect estimate': the estimate itself, ratios on their own scale)."),
    Column("sd", "number", "Standard deviation."),
    Column("se", "number", "Standard error of the mean."),
    Column("ci_lb", "number", "Lower limit of the confidence interval."),
    Column("ci_ub", "number", "Upper limit of the confidence interval."),
    Column("ci_level", "number", "Confidence level of the interval, in percent (blank = 95)."),
    Column("median", "number", "Median."),
    Column("q1", "number", "First quartile."),
    Column("q3", "number", "Third quartile."),
    Column("iqr", "number", "Interquartile range as a width, when the quartiles themselves are not given."),
    Column("min", "number", "Minimum."),
    Column("max", "number", "Maximum."),
    Column("pct_change", "number", "Percent change from baseline, as reported (28.1 for +28.1%)."),
    Column("p_value", "number", "p-value as reported (for 'p<0.05' enter 0.05 and '<' in p_relation)."),
    Column("p_relation", "category", "How p_value is stated: exact, or a bound (p < 0.05).", False, ("exact", "<", ">")),
    Column("p_test", "text", "What the p-value tests (vs baseline, between arms...)."),
    Column("stat_type", "category", "The test statistic reported beside the p-value.", False, ("t", "z", "F", "chi2", "r", "W", "U", "other")),
    Column("stat_value", "number", "The test statistic's value as reported."),
    Column("stat_df", "number", "Its degrees of freedom (for F: the numerator's; see stat_df2)."),
    Column("stat_df2", "number", "The denominator degrees of freedom of an F statistic."),
    Column("events", "integer", "Participants with the event (for binary outcomes)."),
    Column("source_type", "category", "Where the numbers on this row were read.", True,
           ("primary: abstract", "primary: full text", "registry", "secondary: review", "secondary: press report",
            "secondary: registry aggregator", "marketing claim")),
    Column("source_url", "text", "Address of the source.", True),
    Column("location", "text", "Where in the source (abstract, Table 2, registry results...)."),
    Column("quote", "text", "Short paraphrase of what the source says for these numbers."),
)  # fmt: skip

RISK_OF_BIAS_COLUMNS = (
    Column("study_id", "text", "The study judged (a study_id on the studies sheet).", True, example="S01"),
    Column("tool", "category", "RoB 2 for randomised trials, ROBINS-I for non-randomised studies.", True, ("RoB 2", "ROBINS-I")),
    Column("outcome", "text", "The outcome judged (blank: every outcome of the study)."),
    Column("domain", "category", "The tool's domain: D1-D5 for RoB 2, D1-D7 for ROBINS-I (the overall judgement is computed).", True,
           ("D1", "D2", "D3", "D4", "D5", "D6", "D7")),
    Column("judgement", "category", "RoB 2: low / some concerns / high; ROBINS-I: low / moderate / serious / critical; either: no information.", True,
           ("low", "some concerns", "high", "moderate", "serious", "critical", "no information")),
    Column("support", "text", "What the source says that supports the judgement (a short paraphrase), or that it says nothing."),
    Column("source_url", "text", "Where it was read."),
    Column("location", "text", "Where in the source (methods, registry entry...)."),
)  # fmt: skip

SHEETS = {STUDIES: STUDY_COLUMNS, OUTCOMES: OUTCOME_COLUMNS, RISK_OF_BIAS: RISK_OF_BIAS_COLUMNS}
#: sheets a workbook may lack (read as empty)
OPTIONAL_SHEETS = (RISK_OF_BIAS,)

REVIEW = "review"
#: keys of the ``review`` sheet (columns ``key`` and ``value``): what the review asks, for the report
REVIEW_KEYS = {
    "title": "Title of the review, used as the report's title.",
    "question": "The question the review answers, in one sentence (shown under the title).",
    "population": "Who the review is about (PICO: population).",
    "intervention": "The intervention studied (PICO: intervention).",
    "comparator": "What it is compared with (PICO: comparator).",
    "outcomes": "The outcomes that matter, in order of importance.",
    "authors": "Who did the review.",
}
#: the keys a review sheet should fill in (a warning says what the report does without them)
REVIEW_KEYS_EXPECTED = ("title", "question")


@dataclass(frozen=True)
class RobTool:
    """A risk-of-bias tool: its domains (code -> name) and the judgements it allows."""

    name: str
    domains: dict
    judgements: tuple[str, ...]
    #: the designs it is made for
    for_designs: str


ROB_TOOLS = {
    "RoB 2": RobTool("RoB 2", {
        "D1": "bias arising from the randomisation process",
        "D2": "bias due to deviations from intended interventions",
        "D3": "bias due to missing outcome data",
        "D4": "bias in measurement of the outcome",
        "D5": "bias in selection of the reported result",
    }, ("low", "some concerns", "high", "no information"), "randomised trials"),
    "ROBINS-I": RobTool("ROBINS-I", {
        "D1": "bias due to confounding",
        "D2": "bias in selection of participants into the study",
        "D3": "bias in classification of interventions",
        "D4": "bias due to deviations from intended interventions",
        "D5": "bias due to missing data",
        "D6": "bias in measurement of outcomes",
        "D7": "bias in selection of the reported result",
    }, ("low", "moderate", "serious", "critical", "no information"), "non-randomised studies of interventions"),
}
RANDOMISED_DESIGNS = ("RCT, parallel",) + WITHIN_PERSON_DESIGNS

#: Excel's limit on the characters of one cell
EXCEL_CELL_CHARS = 32_767

NUMERIC_KINDS = ("integer", "number")


def column(sheet: str, name: str) -> Column:
    """The definition of one column.

    >>> column("outcomes", "outcome").review_list, column("studies", "design").review_list
    (True, False)
    """
    return next(c for c in SHEETS[sheet] if c.name == name)


def categorical() -> list[tuple[str, Column]]:
    """(sheet, column) of every categorical column, in the order of the ``lists`` sheet."""
    return [(sheet, c) for sheet, columns in SHEETS.items() for c in columns if c.kind == "category"]


def default_lists(template: bool = False) -> dict[tuple[str, str], tuple[str, ...]]:
    """Allowed values of every categorical column: exometa's own, and for the review's lists
    the values assumed without a lists sheet (or, with ``template=True``, a new workbook's).

    >>> default_lists(template=True)[("outcomes", "outcome")][:2]
    ('primary outcome', 'secondary outcome')
    """
    return {(sheet, c.name): (c.template if template and c.template else c.choices) for sheet, c in categorical()}
