"""read_workbook(): every bad input of issue 3 gets a message naming the cell and the fix."""

import hashlib
import os

import pytest

from exometa.workbook.reader import read_workbook
from tests.workbook.conftest import OUTCOME, STUDY, col


def one(wb, *needles, level=None):
    hits = [p for p in wb.problems if all(n in str(p) for n in needles) and (level is None or p.level == level)]
    assert hits, f"no problem with {needles}; got:\n{wb.report()}"
    return hits[0]


def test_valid_workbook_reads_clean(make):
    wb = read_workbook(make())
    assert wb.ok and not wb.problems, wb.report()
    assert wb.studies.study_id.tolist() == ["EV03", "CM01"]
    assert wb.outcomes["sd"].tolist() == [5.0, 4.0]


def test_reading_never_modifies_the_file(make):
    path = make()
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns)
    read_workbook(path)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["studies.xlsx"]


@pytest.mark.parametrize(
    ("value", "needles", "level"),
    [
        ("12.5 (SD 3)", ("sd is '12.5 (SD 3)', which is not a number", "Put the SD alone in this cell, e.g. 3."), "error"),
        ("1,5", ("decimal comma is ambiguous", "Use a decimal point, e.g. 1.5"), "error"),
        ("45%", ("a percentage with its sign", "Enter the number alone (45)"), "error"),
        ("#DIV/0!", ("the Excel error #DIV/0!",), "error"),
        ("#N/A", ("the Excel error #N/A",), "error"),
        ("4.5", ("number stored as text", "read as 4.5", "Retype it as a plain number"), "warning"),
        ("\u22124.5", ("typographic minus sign", "read as -4.5"), "warning"),
        (True, ("TRUE (a yes/no value), not a number",), "error"),
        ("< 3", ("a bound rather than a value", "p_relation"), "error"),
    ],
)
def test_bad_numeric_cells(make, value, needles, level):
    cell = f"{col('outcomes', 'sd')}2"

    def edit(wb):
        wb["outcomes"][cell] = value

    wb = read_workbook(make(edit))
    p = one(wb, f"cell {cell}", "(study 'Ersan 2024')", *needles, level=level)
    assert p.sheet == "outcomes"


def test_date_in_numeric_column(make):
    import datetime as dt

    def edit(wb):
        wb["outcomes"][f"{col('outcomes', 'mean')}2"] = dt.datetime(2024, 1, 5)

    one(read_workbook(make(edit)), "holds a date", "format the cell as Number or Text", level="error")


def test_formula_without_cached_value_and_with_one(make):
    def edit(wb):
        wb["outcomes"][f"{col('outcomes', 'mean')}2"] = "=10*2"  # openpyxl saves no result

    wb = read_workbook(make(edit))
    one(wb, f"cell {col('outcomes', 'mean')}2", "formula =10*2 with no saved result", "Open and save the file", level="error")


def test_integers_and_counts(make):
    def edit(wb):
        ws = wb["outcomes"]
        ws[f"{col('outcomes', 'n')}2"] = 12.5
        ws[f"{col('outcomes', 'n')}3"] = 0
        ws[f"{col('outcomes', 'events')}3"] = 5

    wb = read_workbook(make(edit))
    one(wb, "n is 12.5", "whole number", level="error")
    one(wb, "n is 0", "at least one participant", level="error")


def test_events_exceed_n(make):
    def edit(wb):
        wb["outcomes"][f"{col('outcomes', 'events')}3"] = 25

    one(read_workbook(make(edit)), "events (25) exceed n (19)", "(study 'Tak 2020')", level="error")


def test_ci_checks(make):
    def edit(wb):
        ws = wb["outcomes"]
        ws[f"{col('outcomes', 'ci_lb')}3"] = 15.0  # 15 > 14
    one(read_workbook(make(edit)), "the CI runs backwards: ci_lb 15.0 > ci_ub 14.0", "Swap", level="error")

    def edit2(wb):
        ws = wb["outcomes"]
        ws[f"{col('outcomes', 'mean')}3"] = 20.0  # outside 10 to 14
    one(read_workbook(make(edit2)), "does not contain its estimate 20.0", level="error")


def test_negative_sd(make):
    def edit(wb):
        wb["outcomes"][f"{col('outcomes', 'sd')}2"] = -5
    one(read_workbook(make(edit)), "sd is -5.0; a spread cannot be negative", level="error")


def test_missing_sd_is_a_warning_that_says_why(make):
    def edit(wb):
        wb["outcomes"][f"{col('outcomes', 'sd')}2"] = None
    one(read_workbook(make(edit)), "cannot be pooled as reported", "flagged as imputed", level="warning")


def test_blank_and_hidden_rows(make):
    def edit(wb):
        ws = wb["outcomes"]
        ws.insert_rows(3)  # a blank row between the two outcomes
        ws.row_dimensions[4].hidden = True

    wb = read_workbook(make(edit))
    assert len(wb.outcomes) == 2
    one(wb, "row 4 is hidden", level="warning")


def test_merged_cells(make):
    def edit(wb):
        wb["studies"].merge_cells("C2:D2")
    one(read_workbook(make(edit)), "cell C2:D2", "merged", "Unmerge", level="error")


def test_renamed_duplicated_and_missing_headers(make):
    def edit(wb):
        ws = wb["outcomes"]
        ws[f"{col('outcomes', 'mean')}1"] = "Mean value"
        ws[f"{col('outcomes', 'median')}1"] = "sd"
        ws[f"{col('outcomes', 'arm')}1"] = "group"
        ws2 = wb["studies"]
        ws2[f"{col('studies', 'label')}1"] = "Label"

    wb = read_workbook(make(edit))
    one(wb, "unknown column header 'Mean value'", "Did you mean 'mean'?", level="warning")
    one(wb, "the header 'sd' appears twice", level="error")
    one(wb, "the required column 'arm' is missing", "Add a column headed 'arm'", level="error")
    one(wb, "header 'Label' was read as 'label'", level="warning")


def test_duplicate_ids_and_na_ids_stay_text(make):
    studies = (STUDY, dict(STUDY, label="Ersan again"), dict(STUDY, study_id="NA", label="Not available?"),
               dict(STUDY, study_id="None", label="Nobody"))
    wb = read_workbook(make(studies=studies, outcomes=(OUTCOME,)))
    one(wb, "study_id 'EV03' is used twice (also in A2)", level="error")
    one(wb, "study_id 'NA' looks like a missing-value code; it is kept as the text 'NA'", level="warning")
    assert wb.studies.study_id.tolist() == ["EV03", "EV03", "NA", "None"]


def test_unknown_category_and_case(make):
    def edit(wb):
        ws = wb["studies"]
        ws[f"{col('studies', 'design')}2"] = "RCT"
        ws[f"{col('studies', 'coi')}3"] = "None Declared"

    wb = read_workbook(make(edit))
    one(wb, "design 'RCT' is not a known value", "Allowed:", level="error")
    one(wb, "coi 'None Declared' was read as 'none declared'", level="warning")


def test_outcome_pointing_at_unknown_study(make):
    wb = read_workbook(make(outcomes=(dict(OUTCOME, study_id="EV3"),)))
    one(wb, "study_id 'EV3' is not on the studies sheet", "Did you mean 'EV03'?", level="error")


def test_missing_and_hidden_sheets(make):
    def drop(wb):
        del wb["outcomes"]
    one(read_workbook(make(drop)), "the sheet 'outcomes' is missing", level="error")

    def rename(wb):
        wb["outcomes"].title = "Outcome"
    one(read_workbook(make(rename)), "Rename sheet 'Outcome' to 'outcomes'", level="error")

    def hide(wb):
        wb["outcomes"].sheet_state = "hidden"
    one(read_workbook(make(hide)), "the sheet 'outcomes' is hidden", level="warning")


def test_many_problems_are_reported_in_one_run(make):
    def edit(wb):
        o, s = wb["outcomes"], wb["studies"]
        o[f"{col('outcomes', 'sd')}2"] = "12.5 (SD 3)"
        o[f"{col('outcomes', 'n')}3"] = 0
        o[f"{col('outcomes', 'ci_lb')}3"] = 99
        o[f"{col('outcomes', 'mean')}2"] = "#N/A"
        s[f"{col('studies', 'design')}3"] = "pilot"
        s[f"{col('studies', 'n_enrolled')}2"] = "thirty"

    wb = read_workbook(make(edit))
    assert len(wb.errors) >= 6, wb.report()
    cells = {p.cell for p in wb.errors}
    assert {f"{col('outcomes', 'sd')}2", f"{col('outcomes', 'n')}3", f"{col('outcomes', 'mean')}2",
            f"{col('studies', 'design')}3", f"{col('studies', 'n_enrolled')}2"} <= cells


def test_shipped_workbook_passes_check():
    from pathlib import Path

    wb = read_workbook(Path(__file__).parents[2] / "studies.xlsx")
    assert wb.ok, wb.report()
    # its warnings are the true ones: numbers without any spread, Amini's registry/paper mismatch, and
    # timepoints counted from the end of a treatment whose duration the source does not give in weeks
    true_ones = ("cannot be pooled", "registry gives enrolment 24", "counted from the end of treatment")
    kinds = {any(t in str(p) for t in true_ones) for p in wb.warnings}
    assert kinds == {True}
