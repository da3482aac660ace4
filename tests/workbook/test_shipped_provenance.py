"""The shipped studies.xlsx: every number traces to ../shared/evidence, and the audit's corrections hold.

Numbers: each number entered for a study must appear in what the evidence files say about that
study -- its rows of numbers_seen.csv and studies_found.csv, and the passages (a table row, a
bullet with its sub-bullets, a paragraph) of audit.md, update-2.md and numbers_notes.md that name
it by id, DOI, PMID, registry id or author -- or, for a seed claim, in the seed article it comes
from. Timepoints given in months or days are entered in weeks only when that is a whole number
of weeks (3 months = 13 weeks, 56 days = 8 weeks), and are accepted when the source's months or
days are in the same passages. Skipped where no shared/ folder is found beside the repository (or beside its parent folder).

The sheets are read with openpyxl, not with exometa's reader, so that the data are checked
independently of it (the reader's own tests check the reader).
"""

import csv
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from exometa.workbook.schema import NUMERIC_KINDS, SHEETS

ROOT = Path(__file__).parents[2]
#: shared/ beside the repository (CI's layout), or beside the folder of worktrees that holds it
SHARED = next((p / "shared" for p in ROOT.parents[:2] if (p / "shared" / "evidence").is_dir()), ROOT.parent / "shared")
EVIDENCE = SHARED / "evidence"
SEEDS = SHARED / "seeds"
pytestmark = pytest.mark.skipif(not EVIDENCE.is_dir(), reason="../shared/evidence not present")

TIME_COLUMNS = ("timepoint_weeks", "weeks_after_treatment", "followup_weeks", "treatment_weeks")
CLAIM_ANALYSES = ("controlled_hair_count", "controlled_hair_density", "change_over_time_density", "percent_changes",
                  "thickness", "adverse_events", "alopecia_areata")


def numbers_in(text: str) -> set[float]:
    return {float(x) for x in re.findall(r"\d+(?:\.\d+)?", text.replace(",", " "))}


def sheet_rows(ws) -> list[dict]:
    values = list(ws.values)
    header = values[0]
    return [dict(zip(header, row)) | {"_row": i} for i, row in enumerate(values[1:], start=2) if any(v is not None for v in row)]


@pytest.fixture(scope="module")
def book():
    wb = load_workbook(ROOT / "studies.xlsx")
    data = {name: sheet_rows(wb[name]) for name in wb.sheetnames if name != "dictionary"}
    lists = {}
    for col in wb["lists"].iter_cols(values_only=True):
        lists[tuple(col[0].split(".", 1))] = tuple(v for v in col[1:] if v is not None)
    data["_lists"] = lists
    return data


def markdown_passages(text: str) -> list[str]:
    """Table rows, top-level bullets with their indented continuation, and paragraphs."""
    passages, current = [], []
    for line in text.splitlines():
        starts_new = not line.strip() or line.startswith(("- ", "| ", "#")) or re.match(r"\d+\. ", line)
        if starts_new and current:
            passages.append("\n".join(current))
            current = []
        if line.strip():
            current.append(line)
    if current:
        passages.append("\n".join(current))
    return passages


@pytest.fixture(scope="module")
def evidence():
    csv_rows: dict[str, list[str]] = {}
    for name in ("numbers_seen.csv", "studies_found.csv"):
        with (EVIDENCE / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                sid = row.get("study_id") or row.get("id")
                csv_rows.setdefault(sid, []).append(" ".join(v for v in row.values() if v))
    passages = []
    for name in ("audit.md", "update-2.md", "numbers_notes.md"):
        passages += markdown_passages((EVIDENCE / name).read_text(encoding="utf-8"))
    passages += [text for rows in csv_rows.values() for text in rows]
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    return csv_rows, passages, seeds


def keys(study: dict) -> list[re.Pattern]:
    """Patterns that name a study in the evidence: its id, DOI, PMID, registry id, author or label."""
    words = [study.get(k) for k in ("study_id", "doi", "pmid", "registry_id")]
    stem = re.sub(r"\(.*?\)|\b(19|20)\d\d\b", "", study["label"]).strip(" '")
    words += [stem, stem.split()[0] if len(stem.split()[0]) >= 3 else None]
    patterns = [re.compile(r"(?<![\w.])" + re.escape(str(w)) + r"(?![\w])") for w in words if w]
    if study.get("seed"):
        patterns.append(re.compile(r"\b" + re.escape(study["seed"]) + r"\b"))
    return patterns


def study_text(study: dict, evidence) -> str:
    csv_rows, passages, seeds = evidence
    parts = list(csv_rows.get(study["study_id"], []))
    parts += [p for p in passages if any(k.search(p) for k in keys(study))]
    if study.get("seed"):
        parts.append(seeds[study["seed"]])
    return "\n".join(parts)


def traced(value: float, column: str, row: dict, text: str, seen: set[float]) -> bool:
    if abs(value) in seen:
        return True
    if column in TIME_COLUMNS:
        if column == "timepoint_weeks" and value == 0:
            return True  # baseline
        months, days = float(value) * 12 / 52, float(value) * 7
        if months.is_integer() and re.search(rf"\b{int(months)}[ -]?(months?|mo)\b", text):
            return True
        if days.is_integer() and re.search(rf"\b{int(days)}[ -]?days?\b|\bday {int(days)}\b", text):
            return True
    if column == "n" and value == 1 and re.fullmatch(r"patient \d+", row.get("arm_label") or ""):
        return True  # one patient's own value
    return False


def test_every_number_has_a_source(book, evidence):
    studies = {s["study_id"]: s for s in book["studies"]}
    texts = {sid: study_text(s, evidence) for sid, s in studies.items()}
    missing = []
    for sheet in ("studies", "outcomes"):
        numeric = [c.name for c in SHEETS[sheet] if c.kind in NUMERIC_KINDS]
        for row in book[sheet]:
            sid = row["study_id"]
            text = texts[sid]
            seen = numbers_in(text)
            for c in numeric:
                v = row.get(c)
                if v is not None and not traced(v, c, row, text, seen):
                    missing.append(f"{sheet} row {row['_row']} ({sid}) {c}={v}")
    assert not missing, "numbers with no source in ../shared/evidence: " + ", ".join(missing)


def test_the_check_catches_a_number_without_source(book, evidence):
    park = next(s for s in book["studies"] if s["study_id"] == "EV01")
    text = study_text(park, evidence)
    assert traced(146.6, "mean", {}, text, numbers_in(text))
    assert not traced(146.7, "mean", {}, text, numbers_in(text))
    assert not traced(13, "followup_weeks", {}, text, numbers_in(text))  # Park has no '3 months'


def test_every_number_says_where_it_was_read(book):
    for row in book["outcomes"]:
        assert row["source_type"] and row["source_url"] and row["location"] and row["quote"], row["_row"]
    for s in book["studies"]:
        if s["n_enrolled"] is not None:
            assert s["n_source"], s["study_id"]


def test_values_are_of_the_format(book):
    """Categories from the schema or the review's lists sheet, numbers as numbers, ids that resolve."""
    ids = [s["study_id"] for s in book["studies"]]
    assert len(ids) == len(set(ids))
    wrong = []
    for sheet in ("studies", "outcomes", "risk_of_bias"):
        for row in book[sheet]:
            for c in SHEETS[sheet]:
                v = row.get(c.name)
                if v is None:
                    if c.required:
                        wrong.append(f"{sheet} row {row['_row']}: {c.name} blank")
                    continue
                if c.kind in NUMERIC_KINDS:
                    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and (c.kind == "number" or v == int(v))
                elif c.kind == "category":
                    allowed = book["_lists"][(sheet, c.name)] if c.review_list else c.choices
                    ok = v in allowed
                else:
                    ok = isinstance(v, str)
                if not ok:
                    wrong.append(f"{sheet} row {row['_row']}: {c.name}={v!r}")
            if sheet != "studies" and row["study_id"] not in ids:
                wrong.append(f"{sheet} row {row['_row']}: unknown study {row['study_id']}")
    assert not wrong, wrong
    assert {"title", "question"} <= {r["key"] for r in book["review"]}


def test_every_study_has_a_condition(book):
    assert all(s["condition"] for s in book["studies"])
    conditions = {s["study_id"]: s["condition"] for s in book["studies"]}
    assert conditions["EV12"] == conditions["EV13"] == "alopecia areata"  # kept apart from androgenetic alopecia
    assert conditions["EV09"] == "hair loss, unspecified"  # Ablon: self-perceived thinning, per the registry


def by_study(rows, sid):
    return [r for r in rows if r["study_id"] == sid]


def test_audit_corrections(book):
    """update-2.md section A, as data."""
    studies = {s["study_id"]: s for s in book["studies"]}
    out = book["outcomes"]
    # Tak's press-release percentages cite the page where they were read
    press = [r for r in by_study(out, "CM01") if r["source_type"] == "secondary: press report" and r["pct_change"] is not None]
    assert len(press) == 6 and {r["source_url"] for r in press} == {"https://www.medicaltimes.com/Main/News/NewsView.html?ID=1133802"}
    # Ablon: the article was never seen; n and p were not on the page cited
    ablon = studies["EV09"]
    assert ablon["publication_status"] != "peer-reviewed article" and ablon["n_enrolled"] is None
    assert ablon["registry_enrolment"] == 30 and not by_study(out, "EV09")
    # Wan and Dehghani: timepoints counted from the end of treatment, analysed n not reported
    wan = next(r for r in by_study(out, "EV04") if r["quantity"] == "change from baseline")
    assert (wan["weeks_after_treatment"], wan["timepoint_weeks"], wan["n"], wan["mean"], wan["sd"]) == (52, None, None, 35, 6.5)
    dehghani = [r for r in by_study(out, "EV05") if r["timepoint_weeks"] != 0]
    assert {r["weeks_after_treatment"] for r in dehghani} == {3, 6} and all(r["timepoint_weeks"] is None for r in dehghani)
    assert all(r["n"] is None for r in by_study(out, "EV05"))
    assert studies["EV05"]["treatment_weeks"] is None and studies["EV04"]["treatment_weeks"] is None  # never inferred
    assert {r["weeks_after_treatment"] for r in by_study(out, "EV03")} == {4, 12}  # Ersan: 'weeks after treatment' too
    # units as reported
    assert {r["unit"] for r in by_study(out, "EV05") if r["outcome"] == "hair thickness"} == {"mm"}
    assert {r["unit"] for r in by_study(out, "EV01") if r["outcome"] == "hair thickness"} == {"µm"}
    # totals are not differences between arms
    assert not [r for r in out if r["arm"] == "treatment vs control" and r["outcome"] == "enrolment"]
    assert {r["n"] for r in out if r["arm"] == "all participants" and r["outcome"] == "enrolment"} >= {20, 24, 34, 37}
    # Chien 2024: the comparator is not established by the abstract
    assert {(r["arm"], r["quantity"], r["effect_measure"]) for r in by_study(out, "MA01")} == {("treatment vs control", "effect estimate", "MD")}  # arm_label says the comparator is not stated
    # Park 2022: the first author's clinic's press release
    assert studies["EV01"]["coi"] in ("author sells the treatment", "seller's own material") and studies["EV01"]["doi"] is None
    assert {r["source_type"] for r in by_study(out, "EV01")} == {"secondary: press report"}
    # analysed vs enrolled; follow-ups; registrations; registry contradictions
    assert studies["CM01"]["n_enrolled"] == 38 and "34" in studies["CM01"]["population"]
    assert studies["CM02"]["n_enrolled"] == 37 and studies["CM02"]["registration"] == "retrospective"
    assert studies["CM03"]["registration"] == studies["EV07"]["registration"] == "retrospective"
    assert studies["EV08"]["followup_weeks"] == 39  # 9 months
    assert "24" in studies["EV07"]["inconsistencies"] and "NCT05658094" in studies["EV05"]["inconsistencies"]
    assert studies["EV05"]["registry_id"] is None  # the link to NCT05658094 is an inference
    assert studies["CM04"]["coi"] == "author sells the treatment" and studies["CM04"]["verification"] == "verified"


def test_numbers_that_were_missing(book):
    out = book["outcomes"]
    ae = [r for r in by_study(out, "CM01") if r["outcome"] == "adverse events"]
    assert [(r["events"], r["n"], r["data_type"]) for r in ae] == [(7, None, "binary")]
    amini = by_study(out, "EV07")
    delta = next(r for r in amini if r["quantity"] == "effect estimate")
    assert (delta["effect_measure"], delta["mean"], delta["ci_lb"], delta["ci_ub"]) == ("Cliff's delta", 0.73, 0.41, 0.89)
    test = next(r for r in amini if r["stat_type"] == "W")
    assert (test["stat_value"], test["p_value"], test["p_relation"]) == (86.5, 0.006, "exact")
    assert sorted(r["mean"] for r in by_study(out, "EV04") if r["unit"] == "% of participants") == [80, 87]
    assert [r["p_test"] for r in by_study(out, "EV03") if r["outcome"] == "satisfaction"] == ["week 12 vs week 4"]
    assert {r["outcome"] for r in by_study(out, "EV06") if r["p_value"] == 0.05} == {"hair density", "hair thickness"}


def test_reviews_registered_trials_and_new_studies(book):
    studies = {s["study_id"]: s for s in book["studies"]}
    labels = " ".join(s["label"] for s in studies.values() if s["record_type"] == "review")
    for author in ("Gupta", "Queen & Avram", "Al Ameer", "Kost", "Chien"):
        assert author in labels
    registered = {s["registry_id"]: s for s in studies.values() if s["record_type"] == "registered trial"}
    assert {"NCT06697080", "NCT06932393", "IRCT 73171", "IRCT20200127046282N24", "NCT06239207", "NCT07248410",
            "NCT07373054", "NCT06999408", "IRCT 76960"} <= set(registered)
    assert registered["NCT06697080"]["registry_enrolment"] == 50 and registered["NCT06932393"]["registry_enrolment"] == 18
    citations = " ".join(s["citation"] for s in studies.values())
    for needle in ("Oh HA", "Korean J Dermatol 2019", "Narita", "Marlina", "Nilforoushzadeh", "Bento", "female androgenetic"):
        assert needle in citations
    salt = [r["mean"] for r in book["outcomes"] if r["outcome"] == "SALT score"]
    assert sorted(salt) == [58.6, 59.6, 70.2, 79.6]


def test_every_seed_claim_has_its_own_row(book):
    claims = [s for s in book["studies"] if s["record_type"] == "seed claim"]
    assert {s["seed"] for s in claims} == {"000", "001", "002", "003", "004"}
    for s in claims:
        assert s["claim"] and s["verification"], s["study_id"]
        assert bool(s["claim_analysis"]) != bool(s["claim_assessment"]), s["study_id"]
        assert s["claim_analysis"] in CLAIM_ANALYSES + (None,), s["study_id"]
        assert s["claim_assessment"] is None or s["claim_assessment_reason"], s["study_id"]
    # nothing but a seed claim carries a claim or a verdict on one
    assert not [s for s in book["studies"] if s["record_type"] != "seed claim" and (s["seed"] or s["claim_assessment"])]
    text = " | ".join(s["claim"] for s in claims)
    for needle in ("39 AGA patients", "30 participants", "Lee et al. 2017", "Dr Shu Jin Lee", "Sage Medical Clinic",
                   "Kelly Morrell", "Dana Plum", "texture", "itching", "no live cells", "three to six months",
                   "Calecim", "Dr. Asi Peretz", "up to date", "own blood", "Dr. Jane Smith", "Journal of Investigative"):
        assert needle in text, needle
    # seed 003's six author-year citations, each on its own row
    for tag in ("Yoo et al. 2014", "Yoo et al. 2015", "Kim et al. 2015", "Kim et al. 2016", "Choi et al. 2016", "Park et al. 2017"):
        rows = [s for s in claims if s["seed"] == "003" and s["claim"].startswith(tag)]
        assert len(rows) == 1 and rows[0]["claim_assessment"] == "citation not found", tag


def test_risk_of_bias(book):
    """RoB 2 for trials reported as randomised, ROBINS-I for the other studies read; every domain judged."""
    studies = {s["study_id"]: s for s in book["studies"]}
    domains = {"RoB 2": {"D1", "D2", "D3", "D4", "D5"}, "ROBINS-I": {f"D{i}" for i in range(1, 8)}}
    valid = {"RoB 2": {"low", "some concerns", "high", "no information"},
             "ROBINS-I": {"low", "moderate", "serious", "critical", "no information"}}
    judged: dict[str, tuple[str, set]] = {}
    for r in book["risk_of_bias"]:
        tool, seen = judged.setdefault(r["study_id"], (r["tool"], set()))
        assert r["tool"] == tool and r["domain"] not in seen and r["judgement"] in valid[tool] and r["support"], r["_row"]
        seen.add(r["domain"])
    for sid, (tool, seen) in judged.items():
        assert seen == domains[tool], sid
        assert studies[sid]["record_type"] == "study"
        assert (tool == "RoB 2") == (studies[sid]["randomised"] == "yes"), sid
    read = {sid for sid, s in studies.items()
            if s["record_type"] == "study" and not (s["verification_evidence"] or "").startswith("Not read")}
    assert read == set(judged)
    assert {judged[s][0] for s in ("CM01", "CM02", "EV07")} == {"RoB 2"}
