"""Evidence flags are computed from the workbook, with reasons, and mean what they say (issue 11, item 2)."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from exometa.evidence import FLAGS, flag_records, flag_symbols, flag_table, study_flags
from exometa.evidence import flags as flags_module
from exometa.workbook.reader import read_workbook

ROOT = Path(__file__).parents[1]

RCT = {"study_id": "T1", "design": "RCT, parallel", "control_type": "placebo", "publication_status": "peer-reviewed article",
       "verification": "verified", "doi": "10.1/x", "coi": "none declared"}


@dataclass(frozen=True)
class Finding:
    """What the trustworthiness checks hand over (the contract: study_id, check, verdict, detail)."""

    study_id: str
    check: str
    verdict: str
    detail: str


@pytest.fixture(scope="module")
def shipped():
    wb = read_workbook(ROOT / "studies.xlsx")
    table = flag_table(wb.studies, wb.outcomes)
    return {sid: dict(zip(g.flag, g.reason)) for sid, g in table.groupby("study_id")}


def test_studies_that_exist_are_not_unverifiable(shipped):
    # the Calecim case report (Plast Reconstr Surg Glob Open 2022), Fukuoka 2015 (Eplasty) and Park 2022
    # (J Cosmet Dermatol) can be located; they were read through other sources, which is what H says
    for sid in ("EV11", "CM04", "EV01"):
        assert "unverifiable" not in shipped[sid], shipped[sid]
    assert shipped["EV01"]["second_hand"] == "every number on its 4 outcome rows was read second-hand (secondary: press report)"
    assert shipped["EV11"]["second_hand"].startswith("seen only through a secondary source (verification; it has no outcome rows)")


def test_seed_claims_are_flagged(shipped):
    # the '2021 pilot' of 30 participants and the 'Lee et al. 2017' RCT trace to no publication
    assert {"unverifiable", "not_peer_reviewed", "uncontrolled"} <= set(shipped["SEED001-PILOT"])
    assert {"unverifiable", "not_peer_reviewed"} <= set(shipped["SEED003-LEE2017"])
    assert "uncontrolled" not in shipped["SEED003-LEE2017"]  # claimed as an RCT; its problem is that it cannot be found


def test_controlled_trials(shipped):
    assert "uncontrolled" not in shipped["EV07"] and "uncontrolled" not in shipped["CM01"]
    assert {"conflict_of_interest", "inconsistent", "small_sample"} <= set(shipped["EV07"])  # sponsor; registry 24 vs 20; 10 per arm
    assert shipped["EV07"]["small_sample"].startswith("n_enrolled 20 over 2 arms = 10 per arm")
    assert shipped["CM01"]["small_sample"] == "smallest arm n = 19 (treatment arm, enrolment)"  # 38 in total, 19 per arm
    assert "conflict_of_interest" in shipped["CM01"]  # press release names the extract's maker; abstract says none


def test_one_row_call_still_works_and_gives_reasons():
    f = study_flags(dict(RCT, coi="industry sponsor", funding="Acme", n_enrolled=20, registry_enrolment=24))
    assert f == {"conflict_of_interest": "industry sponsor (Acme)",
                 "small_sample": "n_enrolled 20 over 2 arms = 10 per arm (two arms assumed; no per-arm n on the outcome rows)",
                 "inconsistent": "registry enrolment 24 vs reported n 20"}


@pytest.mark.parametrize("status", ["press report", "marketing claim"])
def test_unverifiable_only_when_no_publication_can_be_located(status):
    assert "unverifiable" not in study_flags(dict(RCT, verification="verified via secondary source", doi=None))
    assert "unverifiable" not in study_flags(dict(RCT, verification="not checked", doi=None))
    assert study_flags(dict(RCT, verification="likely fabricated", verification_evidence="no such trial"))["unverifiable"] == \
        "judged likely fabricated: no such trial"
    assert study_flags(dict(RCT, publication_status=status))["unverifiable"] == \
        f"no publication can be located: it exists only as a {status}"


def test_second_hand_from_the_outcome_rows():
    rows = [{"study_id": "T1", "arm": "treatment", "n": 40, "source_type": "secondary: review"},
            {"study_id": "T1", "arm": "control", "n": 40, "source_type": "secondary: registry aggregator"}]
    assert study_flags(RCT, rows)["second_hand"] == \
        "every number on its 2 outcome rows was read second-hand (secondary: registry aggregator, secondary: review)"
    rows.append({"study_id": "T1", "arm": "control", "n": 40, "source_type": "primary: full text"})
    assert "second_hand" not in study_flags(RCT, rows)  # one number from the study's own report is enough
    other = [{"study_id": "T2", "arm": "treatment", "n": 40, "source_type": "secondary: review"}]
    assert "second_hand" not in study_flags(RCT, other)  # another study's rows are not this study's


def test_conflicts_include_sellers():
    assert study_flags(dict(RCT, coi="author sells the treatment"))["conflict_of_interest"] == "author sells the treatment"
    assert study_flags(dict(RCT, coi="seller's own material", funding="clinic website"))["conflict_of_interest"] == \
        "seller's own material (clinic website)"
    assert "conflict_of_interest" not in study_flags(dict(RCT, coi="not reported"))


def test_small_sample_is_per_arm():
    rows = [{"study_id": "T1", "arm": "treatment", "n": 45, "outcome": "mortality"},
            {"study_id": "T1", "arm": "control", "n": 25, "outcome": "mortality"}]
    assert study_flags(dict(RCT, n_enrolled=70), rows)["small_sample"] == "smallest arm n = 25 (control arm, mortality)"
    assert "small_sample" not in study_flags(dict(RCT, n_enrolled=70), [dict(r, n=35) for r in rows])
    # no per-arm n: total over the arms, said in the reason
    assert "small_sample" not in study_flags(dict(RCT, n_enrolled=70))  # 35 per arm
    three = [{"study_id": "T1", "arm": "treatment", "arm_label": f"{d} mg", "outcome": "pain"} for d in (5, 10)]
    three.append({"study_id": "T1", "arm": "control", "arm_label": "placebo", "outcome": "pain"})
    assert study_flags(dict(RCT, n_enrolled=75), three)["small_sample"] == \
        "n_enrolled 75 over 3 arms = 25 per arm (3 arms on the outcome rows; no per-arm n on the outcome rows)"
    assert study_flags(dict(RCT, n_enrolled=70, n_analysed=50))["small_sample"].startswith("n_analysed 50 over 2 arms = 25 per arm")
    # a split-scalp trial's participants are in both arms; a single-arm study has one
    assert "small_sample" not in study_flags(dict(RCT, design="RCT, split-scalp", control_type="saline half-scalp", n_enrolled=37))
    assert study_flags(dict(RCT, design="case series", control_type="none", n_enrolled=22))["small_sample"] == "n_enrolled 22 in a single group"
    # a review's n counts many studies
    assert "small_sample" not in study_flags(dict(RCT, record_type="review", design="meta-analysis", n_enrolled=12))


def test_inconsistent_only_for_contradictions():
    assert "inconsistent" not in study_flags(dict(RCT, registration="retrospective", registry_id="NCT0"))
    assert study_flags(dict(RCT, inconsistencies="abstract 30, table 28"))["inconsistent"] == "abstract 30, table 28"
    findings = [Finding("T1", "GRIM", "fails", "mean 3.47 of 16 integers is impossible"),
                Finding("T1", "DEBIT", "passes", "fits"), Finding("T1", "p-value", "cannot check", "no SD"),
                Finding("T2", "GRIM", "fails", "another study")]
    assert study_flags(RCT, findings=findings)["inconsistent"] == "GRIM: mean 3.47 of 16 integers is impossible"
    assert "inconsistent" not in study_flags(RCT, findings=findings[1:3])


def test_table_records_and_symbols():
    studies = [RCT, dict(RCT, study_id="T2", design="case report", control_type="none", n_enrolled=1, label="Case 2020")]
    outcomes = [{"study_id": "T2", "arm": "single group", "n": 1, "outcome": "pain", "source_type": "secondary: review"}]
    records = flag_records(studies, outcomes)
    assert [(r["study_id"], r["symbol"]) for r in records] == [("T2", "U"), ("T2", "H"), ("T2", "S")]
    table = flag_table(studies, outcomes)
    assert list(table.columns) == ["study_id", "label", "flag", "symbol", "reason"] and len(table) == 3
    assert flag_symbols({"small_sample": "", "second_hand": "", "unverifiable": ""}) == "VHS"


def test_every_flag_rule_is_documented():
    doc = flags_module.__doc__
    for f in FLAGS:
        assert f"{f.name}" in doc and f" {f.symbol} " in doc, f.name
