"""Any review (issue 7, item 6): the lists sheet decides the review's own categories; the review sheet
says what the review asks. exometa's own vocabularies stay fixed, with a message when a lists sheet
tries to change them."""

import pytest

from exometa.workbook.reader import read_workbook
from exometa.workbook.schema import categorical
from tests.workbook.conftest import OUTCOME, STUDY, col

MORTALITY = [dict(OUTCOME, outcome="mortality", unit=None, arm=arm, quantity="value", n=30, events=e, mean=None, sd=None,
                  data_type="binary") for arm, e in (("single group", 3),)]


def add_to_list(wb, header, *values):
    ws = wb["lists"]
    j = next(c.column for c in ws[1] if c.value == header)
    last = max(c.row for c in ws.iter_rows(min_col=j, max_col=j) for c in c if c.value is not None)
    for i, v in enumerate(values, start=1):
        ws.cell(last + i, j, v)


def errors_at(wb, needle):
    return [p for p in wb.errors if needle in p.message]


def test_a_new_outcome_is_allowed_once_it_is_in_the_lists_sheet(make):
    outcomes = [dict(m, arm=arm) for m in MORTALITY for arm in ("treatment", "control")] + [OUTCOME]
    wb = read_workbook(make(outcomes=outcomes))
    bad = errors_at(wb, "outcome 'mortality' is not in this review's list")
    assert [p.cell for p in bad] == [f"{col('outcomes', 'outcome')}2", f"{col('outcomes', 'outcome')}3"]
    assert "add it below the header 'outcomes.outcome' on the 'lists' sheet" in bad[0].fix
    assert "Allowed (sheet 'lists', column 'outcomes.outcome'): hair density; hair count; hair thickness" in bad[0].fix

    wb = read_workbook(make(lambda w: add_to_list(w, "outcomes.outcome", "mortality"), outcomes=outcomes))
    assert wb.ok, wb.report()
    assert wb.lists[("outcomes", "outcome")][-1] == "mortality"
    assert wb.outcomes.outcome.tolist() == ["mortality", "mortality", "hair density"]


def test_lists_cover_every_categorical_column(make):
    wb = read_workbook(make())
    assert set(wb.lists) == {(sheet, c.name) for sheet, c in categorical()}
    assert wb.lists[("studies", "design")][0] == "RCT, parallel"
    assert wb.lists[("studies", "intervention_type")] == ("exosome/EV", "cell extract", "unclear")


def test_fixed_vocabularies_cannot_be_changed_by_the_lists_sheet(make):
    def edit(w):
        add_to_list(w, "studies.design", "cohort")
        w["studies"][f"{col('studies', 'design')}2"] = "cohort"

    wb = read_workbook(make(edit))
    warning = next(p for p in wb.warnings if p.sheet == "lists")
    assert "adds 'cohort' to 'studies.design', which is exometa's own list" in warning.message
    assert "the lists sheet's version is ignored" in warning.message
    assert errors_at(wb, "design 'cohort' is not a known value")
    assert "cohort" not in wb.lists[("studies", "design")]


def test_older_lists_that_lack_new_values_are_fine(make):
    """A lists sheet written before a value was added (e.g. 'registered trial') is not a problem."""
    def edit(w):
        ws = w["lists"]
        j = next(c.column for c in ws[1] if c.value == "studies.record_type")
        for r in range(2, 10):
            if ws.cell(r, j).value == "registered trial":
                ws.cell(r, j).value = None

    assert read_workbook(make(edit)).ok


def test_odd_lists_headers_and_values(make):
    def edit(w):
        ws = w["lists"]
        ws.cell(1, ws.max_column + 1, "outcomes.outcomes")  # misspelt
        ws.cell(2, ws.max_column, "x")
        add_to_list(w, "outcomes.outcome", "Hair Density")  # a case variant of a listed value

    wb = read_workbook(make(edit))
    odd = next(p for p in wb.warnings if "names no categorical column" in p.message)
    assert "Did you mean 'outcomes.outcome'?" in odd.fix
    assert any("'Hair Density' is listed twice in 'outcomes.outcome'" in p.message for p in wb.warnings)


def test_empty_review_list(make):
    def edit(w):
        ws = w["lists"]
        j = next(c.column for c in ws[1] if c.value == "outcomes.outcome")
        for r in range(2, 6):
            ws.cell(r, j).value = None

    wb = read_workbook(make(edit))
    assert any("the review's list 'outcomes.outcome' is empty" in p.message for p in wb.warnings)
    assert errors_at(wb, "outcome 'hair density' is not in this review's list")
    assert wb.lists[("outcomes", "outcome")] == ()


def test_value_in_another_case_is_read_with_a_warning(make):
    wb = read_workbook(make(outcomes=(dict(OUTCOME, outcome="Hair Density"),)))
    assert wb.ok and wb.outcomes.outcome[0] == "hair density"
    assert any("outcome 'Hair Density' was read as 'hair density'" in p.message for p in wb.warnings)


def test_without_a_lists_sheet_the_first_reviews_values_are_assumed(make):
    def drop(w):
        del w["lists"]

    wb = read_workbook(make(drop))
    assert wb.ok, wb.report()
    assert "hair density" in wb.lists[("outcomes", "outcome")]


def test_review_sheet(make):
    review = {"title": "Antibiotics for acute otitis media", "question": "Do antibiotics shorten pain in children?",
              "population": "children aged 6 months to 15 years"}
    wb = read_workbook(make(review=review))
    assert wb.review == review and wb.ok and not [p for p in wb.problems if p.sheet == "review"]


def test_an_empty_value_is_pointed_at_in_the_value_column(make):
    """The warning names the cell to fill in (B2, beside the key), not the key's own cell."""
    def edit(w):
        w["review"]["B2"] = None

    wb = read_workbook(make(edit, review={"title": "T", "question": "Q?", "population": "P"}))
    assert [p.cell for p in wb.warnings if "the review's title is not filled in" in p.message] == ["B2"]


def test_review_sheet_problems(make):
    def edit(w):
        ws = w["review"]
        ws["A2"] = "titel"   # misspelt key
        ws["A4"] = "question"  # 'question' twice (row 3 and row 4)

    wb = read_workbook(make(edit, review={"title": "T", "question": "Q?", "population": "P"}))
    assert any(p.cell == "A2" and "unknown key 'titel'" in p.message and "Did you mean 'title'?" in p.fix for p in wb.warnings)
    assert any(p.cell == "A4" and "the key 'question' appears twice (also in A3)" in p.message for p in wb.errors)
    assert any("the review's title is not filled in" in p.message for p in wb.warnings)

    def headers(w):
        w["review"]["A1"] = "name"

    wb = read_workbook(make(headers))
    assert any("needs the headers 'key' and 'value'" in p.message for p in wb.errors) and wb.review == {}


@pytest.mark.parametrize("sheet", ["review", "risk_of_bias"])
def test_old_workbooks_without_the_new_sheets_still_read(make, sheet):
    def drop(w):
        del w[sheet]

    wb = read_workbook(make(drop))
    assert wb.ok and not [p for p in wb.problems if p.sheet == sheet], wb.report()
    assert (wb.review == {}) if sheet == "review" else wb.risk_of_bias.empty


def test_old_workbooks_without_the_new_columns_still_read(make):
    """Drop every column added since the first workbook format: the rest reads as before."""
    new = {"studies": ["condition", "n_analysed", "treatment_weeks", "registration", "registry_status", "completion_date",
                       "registered_outcomes", "claim_analysis", "claim_assessment", "claim_assessment_reason"],
           "outcomes": ["weeks_after_treatment", "arm_label", "effect_measure", "data_type", "scale_items", "stat_type",
                        "stat_value", "stat_df", "stat_df2"]}

    def drop(w):
        for sheet, names in new.items():
            ws = w[sheet]
            for name in sorted(names, key=lambda n: -[c.value for c in ws[1]].index(n)):
                ws.delete_cols([c.value for c in ws[1]].index(name) + 1)

    wb = read_workbook(make(drop, studies=(STUDY,), outcomes=(OUTCOME,)))
    assert wb.ok and not wb.problems, wb.report()
    assert wb.outcomes.arm_label.tolist() == [None] and wb.cell("outcomes", "arm_label", 2) is None
