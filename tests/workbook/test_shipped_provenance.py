"""Every number in the shipped studies.xlsx can be traced to ../shared/evidence (issue 3).

For each study, every number entered must appear in what the evidence files say
about that study (its rows of numbers_seen.csv and studies_found.csv) or in the
audit. Skipped where the shared evidence folder is not beside the repository.
"""

import csv
import math
import re
from pathlib import Path

import pytest

from exometa.workbook.reader import read_workbook

ROOT = Path(__file__).parents[2]
EVIDENCE = ROOT.parent / "shared" / "evidence"
pytestmark = pytest.mark.skipif(not EVIDENCE.is_dir(), reason="../shared/evidence not present")

NUMERIC = ("n", "mean", "sd", "se", "ci_lb", "ci_ub", "median", "iqr", "min", "max", "pct_change", "p_value", "timepoint_weeks")
STUDY_NUMERIC = ("year", "n_enrolled", "registry_enrolment", "followup_weeks")


def numbers_in(text: str) -> set[float]:
    return {float(x) for x in re.findall(r"\d+(?:\.\d+)?", text.replace(",", " "))}


@pytest.fixture(scope="module")
def evidence():
    per_study: dict[str, str] = {}
    for name in ("numbers_seen.csv", "studies_found.csv"):
        with (EVIDENCE / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                sid = row.get("study_id") or row.get("id")
                per_study[sid] = per_study.get(sid, "") + " " + " ".join(v for v in row.values() if v)
    audit = (EVIDENCE / "audit.md").read_text(encoding="utf-8") + (EVIDENCE / "numbers_notes.md").read_text(encoding="utf-8")
    return per_study, audit


def test_every_number_has_a_source(evidence):
    per_study, audit = evidence
    wb = read_workbook(ROOT / "studies.xlsx")
    missing = []
    for frame, columns in ((wb.outcomes, NUMERIC), (wb.studies, STUDY_NUMERIC)):
        for rec in frame.to_dict("records"):
            sid = rec["study_id"]
            seen = numbers_in(per_study.get(sid, "")) | numbers_in(audit)
            for c in columns:
                v = rec.get(c)
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    continue
                if abs(v) not in seen:
                    missing.append(f"{sid} {c}={v}")
    assert not missing, "numbers with no source in ../shared/evidence: " + ", ".join(missing)


def test_every_seed_claim_has_a_row_with_its_verdict():
    wb = read_workbook(ROOT / "studies.xlsx")
    seeds = set()
    for rec in wb.studies.to_dict("records"):
        if rec["seed"]:
            assert rec["verification"] and rec["claim"], rec["study_id"]
            seeds |= set(re.findall(r"\d{3}", rec["seed"]))
    assert seeds == {"000", "001", "002", "003", "004"}
    claims = " ".join(wb.studies.claim.dropna())
    for needle in ("39 AGA patients", "30 participants", "randomised, double-blind", "Dr Shu Jin Lee", "12 weeks"):
        assert needle in claims
