"""Evidence flags are computed from the workbook, with reasons."""

from pathlib import Path

import pytest

from exometa.evidence import flag_table, study_flags
from exometa.workbook.reader import read_workbook

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def flags():
    table = flag_table(read_workbook(ROOT / "studies.xlsx").studies)
    return {sid: set(g.flag) for sid, g in table.groupby("study_id")}


def test_seed_claims_are_flagged(flags):
    # the '2021 pilot' of 30 participants and the 'Lee et al. 2017' RCT trace to no publication
    assert {"unverifiable", "not_peer_reviewed", "uncontrolled"} <= flags["SEED001-PILOT"]
    assert {"unverifiable", "not_peer_reviewed"} <= flags["SEED003-LEE2017"]
    assert "uncontrolled" not in flags["SEED003-LEE2017"]  # claimed as an RCT; its problem is that it cannot be found
    # the 39-patient study: a real retrospective series, seen only second-hand, run by the product's maker
    assert {"uncontrolled", "unverifiable", "conflict_of_interest"} <= flags["EV01"]


def test_controlled_trials(flags):
    assert "uncontrolled" not in flags.get("EV07", set()) and "uncontrolled" not in flags.get("CM01", set())
    assert {"conflict_of_interest", "inconsistent", "small_sample"} <= flags["EV07"]  # sponsor; registry 24 vs 20; n = 20
    assert "conflict_of_interest" in flags["CM01"]  # press release names the extract's maker; abstract says none


def test_reasons_are_given():
    f = study_flags({"design": "RCT, parallel", "control_type": "placebo", "publication_status": "peer-reviewed article",
                     "verification": "verified", "doi": "10.1/x", "coi": "industry sponsor", "funding": "Acme",
                     "n_enrolled": 20, "registry_enrolment": 24})
    assert f == {"conflict_of_interest": "industry sponsor (Acme)", "small_sample": "n = 20",
                 "inconsistent": "registry enrolment 24 vs reported n 20"}
