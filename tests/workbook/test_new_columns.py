"""The columns added for every outcome type, registrations and claims: each bad entry gets an error (or a
warning) that names the cell and the fix."""

import pytest

from exometa.workbook.reader import read_workbook
from tests.workbook.conftest import OUTCOME, OUTCOME2, STUDY, STUDY2, col

RCT_ROWS = (dict(OUTCOME2, arm="treatment"), dict(OUTCOME2, arm="control", n=19, mean=8.0, ci_lb=6.0, ci_ub=10.0))


def problem(wb, sheet, column, row, needle, level="error"):
    cell = f"{col(sheet, column)}{row}"
    hits = [p for p in wb.problems if p.cell == cell and needle in p.message and p.level == level]
    assert hits, f"nothing at {cell} with {needle!r}:\n{wb.report()}"
    return hits[0]


def outcome(**changes):
    return dict(OUTCOME, **changes)


@pytest.mark.parametrize(("row", "column", "needle", "fix"), [
    (dict(quantity="effect estimate", arm="treatment vs control", mean=0.8, sd=None, ci_lb=0.6, ci_ub=1.1),
     "effect_measure", "quantity is 'effect estimate' but effect_measure is blank", "Say which measure"),
    (dict(quantity="effect estimate", arm="treatment vs control", effect_measure="RR", mean=-0.22, sd=None, se=0.1),
     "mean", "a RR is a ratio and cannot be 0 or negative", "not its logarithm"),
    (dict(stat_value=2.1), "stat_type", "stat_value is 2.1 but stat_type is blank", "Say which statistic"),
    (dict(stat_type="t", stat_value=2.1), "stat_df", "a t statistic needs its degrees of freedom", "stat_df 28"),
    (dict(stat_type="F", stat_value=4.2, stat_df=2), "stat_df2", "a F statistic needs the denominator degrees of freedom", "stat_df2 40"),
    (dict(stat_type="chi2", stat_value=-1.0, stat_df=1), "stat_value", "chi2 cannot be negative", "Check"),
    (dict(stat_type="r", stat_value=1.4), "stat_value", "a correlation lies between -1 and 1", "Check"),
    (dict(stat_type="t", stat_value=2.0, stat_df=0), "stat_df", "degrees of freedom are positive", "as reported"),
    (dict(data_type="binary", mean=None, sd=None, quantity="value"), "events", "data_type is 'binary' but events is blank",
     "number of participants with the event"),
    (dict(weeks_after_treatment=4), "weeks_after_treatment", "both timepoint_weeks (12.0) and weeks_after_treatment (4.0)",
     "Keep the one the source uses"),
    (dict(timepoint_weeks=None, weeks_after_treatment=-2), "weeks_after_treatment", "weeks cannot be negative", "0 = baseline"),
    (dict(timepoint_weeks=-4), "timepoint_weeks", "weeks cannot be negative", "0 = baseline"),
    (dict(data_type="integer", scale_items=0), "scale_items", "scale_items is 0", "1 or more"),
])
def test_outcome_column_errors(make, row, column, needle, fix):
    wb = read_workbook(make(outcomes=(outcome(**row),)))
    assert fix in problem(wb, "outcomes", column, 2, needle).fix


@pytest.mark.parametrize(("row", "column", "needle"), [
    (dict(effect_measure="MD"), "effect_measure", "effect_measure is 'MD' but quantity is 'change from baseline'"),
    (dict(quantity="difference between arms"), "arm", "quantity 'difference between arms' compares arms, but arm is 'single group'"),
    (dict(stat_type="t"), "stat_value", "stat_type is 't' but stat_value is blank"),
    (dict(stat_type="z", stat_value=2.0, stat_df2=3), "stat_df2", "stat_df2 is only read for an F statistic"),
    (dict(events=3, data_type="continuous"), "events", "events is filled in, but data_type is 'continuous'"),
    (dict(scale_items=3), "scale_items", "scale_items is only read for integer data"),
    (dict(timepoint_weeks=None, weeks_after_treatment=4), "weeks_after_treatment", "the study's treatment_weeks is blank"),
])
def test_outcome_column_warnings(make, row, column, needle):
    wb = read_workbook(make(outcomes=(outcome(**row),)))
    problem(wb, "outcomes", column, 2, needle, level="warning")


def test_valid_new_columns_read_clean(make):
    rows = (outcome(quantity="effect estimate", arm="treatment vs control", effect_measure="RR", mean=0.8, sd=None,
                    ci_lb=0.6, ci_ub=1.1, data_type="binary", unit=None),
            outcome(stat_type="F", stat_value=4.2, stat_df=2, stat_df2=40, data_type="integer", scale_items=3),
            outcome(timepoint_weeks=None, weeks_after_treatment=4, timepoint="4 weeks after the last session"),
            outcome(quantity="value", data_type="binary", events=12, n=30, mean=None, sd=None, timepoint_weeks=24))
    studies = (dict(STUDY, treatment_weeks=12, n_analysed=28),)
    wb = read_workbook(make(studies=studies, outcomes=rows))
    assert wb.ok and not wb.problems, wb.report()
    assert wb.outcomes.weeks_after_treatment.tolist()[2] == 4.0 and wb.outcomes.effect_measure[0] == "RR"


def test_arms_of_a_multi_arm_trial_need_their_labels(make):
    arms = (dict(OUTCOME2, mean=12.0), dict(OUTCOME2, mean=15.0, ci_lb=13.0, ci_ub=17.0))
    wb = read_workbook(make(outcomes=arms))
    p = problem(wb, "outcomes", "arm_label", 3, "this row and row 2 give the same study, outcome, timepoint, arm (treatment)")
    assert "name each in arm_label (e.g. '5 mg daily', '10 mg daily')" in p.fix
    labelled = (dict(arms[0], arm_label="5 mg"), dict(arms[1], arm_label="10 mg"))
    assert read_workbook(make(outcomes=labelled)).ok
    # the same arm read from two sources is not a duplicate
    sourced = (arms[0], dict(arms[1], source_type="secondary: press report", source_url="https://example.org/press"))
    assert read_workbook(make(outcomes=sourced)).ok


@pytest.mark.parametrize(("study", "column", "needle", "level"), [
    (dict(record_type="registered trial", doi=None), "registry_id", "a registered trial needs its registry identifier", "error"),
    (dict(claim_assessment="supported", claim_assessment_reason="x"), "claim_assessment",
     "claim_assessment is for seed claims; this row is a study", "error"),
    (dict(record_type="seed claim", claim_assessment="citation not found"), "claim_assessment_reason", "without a reason", "warning"),
    (dict(claim_assessment_reason="read the paper"), "claim_assessment", "claim_assessment_reason is filled in but", "warning"),
    (dict(claim_analysis="02_density"), "claim_analysis", "this row is not a seed claim", "warning"),
    (dict(registration="not registered", registry_id="NCT06539273"), "registration", "registration is 'not registered', but registry_id", "error"),
    (dict(registration="retrospective"), "registration", "registration is 'retrospective' but no registry_id is given", "warning"),
    (dict(registry_status="completed"), "registry_status", "registry_status is given without a registry_id", "warning"),
    (dict(completion_date="June 2025"), "completion_date", "is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD", "error"),
    (dict(n_analysed=31), "n_analysed", "n_analysed (31) exceeds n_enrolled (30)", "error"),
    (dict(n_analysed=0), "n_analysed", "n_analysed is 0", "error"),
    (dict(treatment_weeks=-1), "treatment_weeks", "a duration cannot be negative", "error"),
    (dict(year=20244), "year", "year is 20244", "warning"),
])
def test_study_column_problems(make, study, column, needle, level):
    wb = read_workbook(make(studies=(dict(STUDY, **study), STUDY2)))
    problem(wb, "studies", column, 2, needle, level=level)


def test_completion_date_stored_as_a_date_by_excel(make):
    import datetime as dt

    def edit(w):
        w["studies"][f"{col('studies', 'completion_date')}2"] = dt.datetime(2025, 6, 1)

    wb = read_workbook(make(edit, studies=(dict(STUDY, registry_id="NCT06539273"), STUDY2)))
    p = problem(wb, "studies", "completion_date", 2, "stored by Excel as a date; it was read as 2025-06-01", level="warning")
    assert "format the cell as Text" in p.fix and wb.studies.completion_date[0] == "2025-06-01"


def test_the_new_coi_and_record_values_are_known(make):
    studies = (dict(STUDY, coi="author sells the treatment"), dict(STUDY2, coi="seller's own material", record_type="registered trial",
                                                                     registry_id="NCT02594046", registry_status="completed",
                                                                     completion_date="2019-12", registration="prospective"))
    assert read_workbook(make(studies=studies)).ok


def test_missing_spread_is_warned_only_where_a_spread_could_be_entered(make):
    """A mean without SD, SE, CI or quartiles is warned about; a share of participants (no SD exists) and
    a row whose p-value or test statistic can give the spread are not."""
    rows = (outcome(sd=None), outcome(sd=None, arm="control", p_value=0.01),
            outcome(sd=None, arm="single group", outcome="satisfaction", unit="% of participants", mean=87))
    wb = read_workbook(make(outcomes=rows))
    hits = [p for p in wb.problems if "no SD, SE, CI or quartiles" in p.message]
    assert [p.cell for p in hits] == [f"{col('outcomes', 'mean')}2"]


def test_a_rejected_count_is_reported_once(make):
    """events > n is one error; the rejected value is not reported again as a blank binary count."""
    wb = read_workbook(make(outcomes=(outcome(data_type="binary", mean=None, sd=None, events=999, n=139),)))
    cell = f"{col('outcomes', 'events')}2"
    assert [p.message for p in wb.problems if p.cell == cell] == ["events (999) exceed n (139)."]
