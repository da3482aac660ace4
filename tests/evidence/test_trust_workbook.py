"""check_workbook: which checks run on which rows (by data_type), where findings point,
and the real cases of the shipped evidence (update-2.md)."""

from pathlib import Path

import pandas as pd
import pytest

from exometa.evidence.trust import FINDING_COLUMNS, Finding, check_workbook, findings_frame
from exometa.workbook.reader import read_workbook

ROOT = Path(__file__).parents[2]


def frame(rows, first_row=2):
    df = pd.DataFrame(rows)
    df.insert(0, "excel_row", range(first_row, first_row + len(df)))
    return df


def by_check(findings, check):
    return [f for f in findings if f.check == check]


@pytest.fixture
def wan():
    """Wan 2025 as update-2.md describes it: n 16, 80% noticed improvement, 87% satisfied, change 35 (SD 6.5)."""
    studies = frame([{"study_id": "EV04", "n_enrolled": 16, "randomised": "no"}])
    outcomes = frame([
        {"study_id": "EV04", "outcome": "other", "arm": "single group", "quantity": "value", "data_type": "binary",
         "n": 16, "mean": 80.0, "unit": "%", "quote": "noticed improvement"},
        {"study_id": "EV04", "outcome": "other", "arm": "single group", "quantity": "value", "data_type": "binary",
         "n": 16, "mean": 87.0, "unit": "%", "quote": "satisfied"},
        {"study_id": "EV04", "outcome": "hair density", "arm": "single group", "quantity": "change from baseline",
         "n": 16, "mean": 35.0, "sd": 6.5, "unit": "hairs/cm2", "timepoint": "12 months after treatment"},
    ], first_row=14)
    return check_workbook(studies, outcomes)


def test_wan_2025_percentages(wan):
    grim = by_check(wan, "GRIM")
    assert [(f.where, f.verdict) for f in grim] == [("outcomes row 14", "fails"), ("outcomes row 15", "passes")]
    assert grim[0].detail.startswith("80% of 16 is 12.8 participants; 12/16 = 75% and 13/16 = 81.25%")
    assert grim[0].study_id == "EV04" and grim[0].outcome == "other"


def test_wan_2025_sd_of_change(wan):
    (f,) = by_check(wan, "SD looks like SE")
    assert f.verdict == "fails" and f.where == "outcomes row 16" and "5.38" in f.detail


def test_data_type_decides_granularity_checks():
    studies = frame([{"study_id": "S1"}])
    base = {"study_id": "S1", "outcome": "hair count", "arm": "single group", "quantity": "value", "n": 20,
            "mean": 3.48, "sd": 1.2}
    outcomes = frame([dict(base, data_type="integer"), dict(base), dict(base, data_type="continuous")])
    found = check_workbook(studies, outcomes)
    grim = by_check(found, "GRIM")
    assert [f.where for f in grim] == ["outcomes row 2"] and grim[0].verdict == "fails"
    # GRIMMER cannot test an SD whose mean fails GRIM
    assert [f.verdict for f in by_check(found, "GRIMMER")] == ["cannot check"]


def test_binary_sd_gets_debit_and_proportions_work():
    studies = frame([{"study_id": "S1"}])
    outcomes = frame([
        {"study_id": "S1", "outcome": "other", "arm": "treatment", "quantity": "value", "data_type": "binary",
         "n": 20, "mean": 0.35, "sd": 0.18},
    ])
    found = check_workbook(studies, outcomes)
    assert [f.verdict for f in by_check(found, "GRIM")] == ["passes"]      # 7/20
    assert [f.verdict for f in by_check(found, "DEBIT")] == ["fails"]


def test_p_values_from_statistic_ci_and_arms():
    studies = frame([{"study_id": "T1", "randomised": "yes", "n_enrolled": 40}])
    common = {"study_id": "T1", "outcome": "hair count", "timepoint_weeks": 24, "unit": "hairs"}
    outcomes = frame([
        dict(common, arm="treatment", quantity="change from baseline", n=20, mean=12.0, sd=4.0),
        dict(common, arm="control", quantity="change from baseline", n=20, mean=8.0, sd=4.0),
        dict(common, arm="treatment vs control", quantity="difference between arms", n=40, p_value=0.3, p_relation="exact"),
        dict(common, arm="treatment vs control", quantity="difference between arms", n=40, mean=4.0, ci_lb=1.5,
             ci_ub=6.5, p_value=0.002, effect_measure="MD"),
        dict(common, arm="treatment vs control", quantity="effect estimate", p_value=0.03, stat_type="t",
             stat_value=2.2, stat_df=28, outcome="other"),
        dict(common, arm="treatment vs control", quantity="effect estimate", p_value=0.002, stat_type="W",
             stat_value=86.5, outcome="other"),
    ])
    found = by_check(check_workbook(studies, outcomes), "p-value")
    where = {f.where: f for f in found}
    two = where["outcomes rows 2, 3, 4"]
    assert two.verdict == "fails" and two.detail.startswith("Decision error:")      # t(38) = 3.16, p = 0.003
    assert where["outcomes row 5"].verdict == "passes"                              # CI: z = 3.14, p = 0.0017
    assert where["outcomes row 6"].verdict == "passes"                              # t(28) = 2.2 -> 0.03 to 0.04
    assert where["outcomes row 7"].verdict == "cannot check" and "W statistic" in where["outcomes row 7"].detail


def test_p_value_with_nothing_beside_it_cannot_be_checked():
    outcomes = frame([{"study_id": "S1", "outcome": "hair density", "arm": "single group", "quantity": "value",
                       "p_value": 0.05, "p_relation": "<"}])
    (f,) = check_workbook(frame([{"study_id": "S1"}]), outcomes)
    assert (f.check, f.verdict) == ("p-value", "cannot check")


def test_study_level_checks():
    studies = frame([
        {"study_id": "EV07", "n_enrolled": 20, "registry_enrolment": 24, "randomised": "yes",
         "registered_outcomes": "Change in hair count; Hair shedding"},
    ])
    outcomes = frame([
        {"study_id": "EV07", "outcome": "hair count", "arm": "treatment", "quantity": "value", "n": 10, "timepoint_weeks": 0,
         "mean": 120.0, "sd": 15.0},
        {"study_id": "EV07", "outcome": "hair count", "arm": "control", "quantity": "value", "n": 12, "timepoint_weeks": 0,
         "mean": 120.0, "sd": 15.0},
        {"study_id": "EV07", "outcome": "hair count", "arm": "all participants", "quantity": "value", "n": 20, "timepoint_weeks": 0},
    ])
    found = check_workbook(studies, outcomes)
    checks = {f.check: f for f in found}
    assert checks["registry n"].verdict == "fails" and checks["registry n"].where == "studies row 2"
    assert checks["registered outcomes"].verdict == "fails" and "'Hair shedding'" in checks["registered outcomes"].detail
    assert checks["arm totals"].verdict == "fails"                        # 10 + 12 = 22, total row 20
    assert checks["n within enrolment"].verdict == "fails"                # 22 > 20 enrolled
    assert checks["baseline similarity"].verdict == "passes"              # one variable never fails
    assert checks["baseline similarity"].outcome == "baseline"


def test_baseline_similarity_only_for_randomised_trials():
    rows = [{"study_id": "N1", "outcome": o, "arm": a, "quantity": "value", "timepoint": "baseline", "n": 20,
             "mean": 50.1 + i, "sd": 10.1} for i, o in enumerate("abcde") for a in ("treatment", "control")]
    found = check_workbook(frame([{"study_id": "N1", "randomised": "no"}]), frame(rows))
    assert not by_check(found, "baseline similarity")
    found = check_workbook(frame([{"study_id": "N1", "randomised": "yes"}]), frame(rows))
    assert [f.verdict for f in by_check(found, "baseline similarity")] == ["fails"]


def test_change_from_baseline_standardised_by_baseline_sd():
    rows = [
        {"study_id": "S1", "outcome": "hair density", "arm": "single group", "quantity": "value", "timepoint_weeks": 0,
         "n": 30, "mean": 120.0, "sd": 2.0},
        {"study_id": "S1", "outcome": "hair density", "arm": "single group", "quantity": "value", "timepoint_weeks": 12,
         "n": 30, "mean": 135.0, "sd": 2.5},
    ]
    (f,) = by_check(check_workbook(frame([{"study_id": "S1"}]), frame(rows)), "SD looks like SE")
    assert f.verdict == "fails" and f.where == "outcomes rows 2, 3" and "week 12" in f.detail


def test_missing_columns_and_empty_frames():
    assert check_workbook(pd.DataFrame(), pd.DataFrame()) == []
    found = check_workbook(pd.DataFrame({"study_id": ["A"]}), pd.DataFrame({"study_id": ["A"], "mean": [1.0]}))
    assert found == []


def test_findings_frame_columns():
    f = Finding("S1", "GRIM", "hair count", "outcomes row 2", "fails", "...")
    table = findings_frame([f])
    assert list(table.columns) == FINDING_COLUMNS and table.iloc[0]["verdict"] == "fails"
    assert list(findings_frame([]).columns) == FINDING_COLUMNS



def test_shipped_workbook_is_checked_without_error():
    wb = read_workbook(ROOT / "studies.xlsx")
    found = check_workbook(wb.studies, wb.outcomes)
    assert found and all(f.verdict in ("fails", "passes", "cannot check") for f in found)
    assert all(f.where.startswith(("outcomes row", "studies row")) for f in found)


def test_a_timepoint_counted_from_baseline_is_not_baseline():
    rows = [{"study_id": "S1", "outcome": "hair density", "arm": "single group", "quantity": "value", "timepoint": t,
             "n": 30, "mean": m, "sd": 2.0} for t, m in (("baseline", 120.0), ("12 weeks from baseline", 135.0))]
    (f,) = by_check(check_workbook(frame([{"study_id": "S1"}]), frame(rows)), "SD looks like SE")
    assert "12 weeks from baseline" in f.detail


def test_rows_without_n_are_checked_with_the_enrolled_n_and_say_so():
    """The shipped workbook's Wan 2025 rows carry no n (the number analysed is not reported; 16 enrolled):
    80% is impossible for 16 (12/16 = 75%, 13/16 = 81.25%) but possible for 15, so it is 'cannot check'
    with the arithmetic, not a failure; 87% fits 16; SD 6.5 against a change of 35 fails whatever n is."""
    wb = read_workbook(ROOT / "studies.xlsx")
    found = [f for f in check_workbook(wb.studies, wb.outcomes) if f.study_id == "EV04"]
    grim = {f.verdict: f.detail for f in by_check(found, "GRIM")}
    assert set(grim) == {"cannot check", "passes"}
    assert "80% of 16 is 12.8 participants; 12/16 = 75% and 13/16 = 81.25%" in grim["cannot check"]
    assert "Either fewer were analysed, or the number is wrong" in grim["cannot check"]
    assert "87% of 16 is 13.92" in grim["passes"] and "assumes all 16 enrolled were analysed" in grim["passes"]
    assert [f.verdict for f in by_check(found, "SD looks like SE")] == ["fails"]
