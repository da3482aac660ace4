"""RevMan 5 import (issue 8, item 6): studies, outcomes and per-arm data into a workbook that passes
``read_workbook``; hostile or broken files refused with a message; nothing overwritten."""

import csv
import hashlib
import json
import time
import warnings
from pathlib import Path

import pytest

from exometa.errors import ExometaError
from exometa.evidence import flag_table
from exometa.models import mantel_haenszel
from exometa.workbook.reader import read_workbook
from exometa.workbook.revman import RevManError, RevManImportWarning, import_revman, read_rm5

DATA = Path(__file__).parent / "data"
RM5 = DATA / "bcg_stroke.rm5"
ROOT = Path(__file__).parents[2]
#: metafor's dat.normand1999 (Normand, Stat Med 1999): n1i m1i sd1i n2i m2i sd2i, specialist vs routine care
NORMAND = {"Edinburgh": (155, 55, 47, 156, 75, 64), "Orpington-Mild": (31, 27, 7, 32, 29, 4),
           "Orpington-Moderate": (75, 64, 17, 71, 119, 29), "Orpington-Severe": (18, 66, 20, 18, 137, 48),
           "Montreal-Home": (8, 14, 8, 13, 18, 11), "Montreal-Transfer": (57, 19, 7, 52, 18, 4),
           "Newcastle": (34, 52, 45, 33, 41, 34), "Umea": (110, 21, 16, 183, 31, 27), "Uppsala": (60, 30, 27, 52, 23, 20)}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("revman") / "imported.xlsx"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import_revman(RM5, out)
    return read_workbook(out), caught


def arms(wb, outcome):
    rows = [r for r in wb.rows["outcomes"] if r["outcome"] == outcome]
    return {(r["study_id"], r["arm"]): r for r in rows}


def test_imported_workbook_reads_without_problems(imported):
    wb, _ = imported
    assert wb.ok and not wb.problems, wb.report()
    assert len(wb.studies) == 22 and len(wb.outcomes) == 2 * 13 + 2 * 9
    assert wb.review == {"title": "BCG vaccine against tuberculosis, and organised inpatient care after stroke (two classic data sets)",
                         "question": "To assess whether BCG vaccination prevents tuberculosis, and whether specialist stroke care "
                                     "shortens the hospital stay.",
                         "authors": "Ada Reviewer; Ben Checker"}
    assert wb.lists[("outcomes", "outcome")] == ("Tuberculosis cases", "Local adverse reactions", "Length of hospital stay")


def test_studies(imported):
    wb, _ = imported
    first = wb.rows["studies"][4]
    assert (first["study_id"], first["label"], first["year"]) == ("Frimodt-Møller-1973", "Frimodt-Møller 1973", 1973)
    assert wb.studies.label.tolist()[:2] == ["Aronson 1948", "Ferguson & Simes 1949"]
    # what RevMan's analysis data do not say is not invented
    assert set(wb.studies.design) == {"unclear"} and set(wb.studies.verification) == {"not checked"}
    assert set(wb.studies.coi) == {"not reported"} and set(wb.studies.publication_status) == {"peer-reviewed article"}
    assert "fill them in" in wb.studies.notes[0]


def test_dichotomous_numbers_are_copied_exactly(imported):
    wb, _ = imported
    rows = arms(wb, "Tuberculosis cases")
    with (ROOT / "src" / "exometa" / "data" / "dat_bcg.csv").open() as fh:
        bcg = list(csv.DictReader(fh))
    labels = dict(zip(wb.studies.label, wb.studies.study_id))
    for trial in bcg:
        author = {"Frimodt-Moller et al": "Frimodt-Møller"}.get(trial["author"], trial["author"].replace(" et al", ""))
        sid = labels[f"{author} {trial['year']}"]
        t, c = rows[(sid, "treatment")], rows[(sid, "control")]
        assert (t["events"], t["n"]) == (int(trial["tpos"]), int(trial["tpos"]) + int(trial["tneg"]))
        assert (c["events"], c["n"]) == (int(trial["cpos"]), int(trial["cpos"]) + int(trial["cneg"]))
        assert t["data_type"] == "binary" and t["arm_label"].startswith("BCG (comparison 1, subgroup ")


def test_imported_events_give_metafors_mantel_haenszel_rr(imported):
    """The imported per-arm counts pool to metafor's rma.mh(measure="RR") on dat.bcg (tests/reference)."""
    wb, _ = imported
    rows = arms(wb, "Tuberculosis cases")
    ids = sorted({sid for sid, _ in rows})
    t = [rows[(s, "treatment")] for s in ids]
    c = [rows[(s, "control")] for s in ids]
    res = mantel_haenszel([r["events"] for r in t], ci=[r["events"] for r in c], n1i=[r["n"] for r in t], n2i=[r["n"] for r in c],
                          measure="RR")
    ref = next(e["result"] for e in json.loads((ROOT / "tests" / "reference" / "metafor_reference.json").read_text())["mh"]
               if e["data"] == "dat.bcg" and e["measure"] == "RR")
    assert res.estimate == pytest.approx(ref["estimate"], rel=1e-5)
    assert res.se == pytest.approx(ref["se"], rel=1e-5)


def test_continuous_numbers_are_copied_exactly(imported):
    wb, _ = imported
    rows = arms(wb, "Length of hospital stay")
    for name, (n1, m1, s1, n2, m2, s2) in NORMAND.items():
        t, c = rows[(name, "treatment")], rows[(name, "control")]
        assert (t["n"], t["mean"], t["sd"], c["n"], c["mean"], c["sd"]) == (n1, m1, s1, n2, m2, s2)
        assert t["unit"] == "days" and t["arm_label"] == "Specialist care (comparison 2)" and c["arm_label"] == "Routine care (comparison 2)"


def test_what_was_not_imported_is_said(imported):
    _, caught = imported
    messages = [str(w.message) for w in caught if issubclass(w.category, RevManImportWarning)]
    assert len(messages) == 1
    assert "outcome 2.2 'Death or dependency (adjusted)' (generic inverse variance data)" in messages[0]
    assert "outcome 1.2 'Local adverse reactions', study 'STD-Aronson-1948': no data entered for both groups" in messages[0]


def test_numbers_from_a_review_file_are_second_hand_unless_said_otherwise(imported, tmp_path):
    wb, _ = imported
    flags = flag_table(wb.studies, wb.outcomes)
    assert set(flags[flags.flag == "second_hand"].study_id) == set(wb.outcomes.study_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RevManImportWarning)
        own = read_workbook(import_revman(RM5, tmp_path / "own.xlsx", source_type="primary: full text"))
    assert "second_hand" not in set(flag_table(own.studies, own.outcomes).flag)
    with pytest.raises(ExometaError, match="`source_type` must be one of"):
        import_revman(RM5, tmp_path / "x.xlsx", source_type="my own notes")


def test_never_overwrites(tmp_path):
    target = tmp_path / "review.xlsx"
    target.write_bytes(b"precious")
    with pytest.raises(ExometaError, match="already exists; choose another name"):
        import_revman(RM5, target)
    assert target.read_bytes() == b"precious"
    with pytest.raises(ExometaError, match="must be an .xlsx file"):
        import_revman(RM5, tmp_path / "review.csv")


def test_references_and_identifiers(tmp_path):
    rm5 = tmp_path / "refs.rm5"
    rm5.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><COCHRANE_REVIEW><STUDIES_AND_REFERENCES><STUDIES><INCLUDED_STUDIES>'
        '<STUDY DATA_SOURCE="PUB" ID="STD-Smith-2001a" NAME="Smith 2001a" YEAR="2001a"><REFERENCE PRIMARY="YES" TYPE="JOURNAL_ARTICLE">'
        '<AU>Smith J, Jones K</AU><TI>A fictional trial.</TI><SO>J Test Med</SO><YR>2001</YR><VL>12</VL><NO>3</NO><PG>45-9</PG>'
        '<IDENTIFIERS><IDENTIFIER TYPE="DOI" VALUE="10.1000/182"/><IDENTIFIER TYPE="PUBMED" VALUE="12345678"/></IDENTIFIERS>'
        '</REFERENCE></STUDY><STUDY DATA_SOURCE="UNPUB" ID="STD-Lee-2003" NAME="Lee 2003" YEAR="2003">'
        '<REFERENCE PRIMARY="YES" TYPE="CONFERENCE_PROC"/></STUDY>'
        '<STUDY ID="STD-Ng-2005" NAME="Ng 2005" YEAR="2005"><REFERENCE TYPE="CONFERENCE_PROC"/></STUDY>'
        '</INCLUDED_STUDIES></STUDIES></STUDIES_AND_REFERENCES></COCHRANE_REVIEW>', encoding="utf-8")
    studies = read_rm5(rm5).studies
    assert studies[0]["citation"] == "Smith J, Jones K. A fictional trial. J Test Med 2001;12(3):45-9."
    assert (studies[0]["doi"], studies[0]["pmid"], studies[0]["year"]) == ("10.1000/182", "12345678", 2001)
    assert [s["publication_status"] for s in studies] == ["peer-reviewed article", "unpublished data", "conference abstract"]


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.fixture
def hostile(tmp_path):
    doctype_late = b'<?xml version="1.0"?><!--' + b"x" * 70_000 + b'--><!DOCTYPE r [<!ENTITY e "boom">]><COCHRANE_REVIEW>&e;</COCHRANE_REVIEW>'
    external = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><COCHRANE_REVIEW>&e;</COCHRANE_REVIEW>'
    huge = tmp_path / "huge.rm5"
    with huge.open("wb") as fh:  # a sparse file: 80 MiB on paper, nothing on disk
        fh.write(b"<?xml version='1.0'?><COCHRANE_REVIEW>")
        fh.truncate(80 * 2**20)
    good = RM5.read_bytes()
    return {
        "billion laughs": (DATA / "hostile.rm5", "declares XML entities"),
        "document type after a long comment": (_write(tmp_path / "late.rm5", doctype_late), "declares XML entities"),
        "external entity": (_write(tmp_path / "ext.rm5", external), "declares XML entities"),
        "huge file": (huge, "the file is 80 MiB (limit 64 MiB)"),
        "zip": (_write(tmp_path / "web.rm5", b"PK\x03\x04rest"), "this is a zip archive, not a RevMan 5 file"),
        "not XML": (_write(tmp_path / "notes.rm5", b"study,events\nA,3\n"), "this is not an XML file"),
        "other XML": (_write(tmp_path / "other.rm5", b"<?xml version='1.0'?><html><body/></html>"), "the document is <html>, not a RevMan review"),
        "truncated": (_write(tmp_path / "cut.rm5", good[: len(good) // 2]), "not well-formed XML"),
        "empty": (_write(tmp_path / "empty.rm5", b""), "this is not an XML file"),
        "bad number": (_write(tmp_path / "num.rm5", good.replace(b'EVENTS_1="4"', b'EVENTS_1="four"', 1)),
                       "study 'STD-Aronson-1948': EVENTS_1 is 'four', not a whole number"),
        "nothing to import": (_write(tmp_path / "none.rm5", b"<?xml version='1.0'?><COCHRANE_REVIEW><COVER_SHEET/></COCHRANE_REVIEW>"),
                              "it holds no included studies and no analysis data"),
        "missing": (tmp_path / "nope.rm5", "no such file"),
    }


@pytest.mark.parametrize("kind", ["billion laughs", "document type after a long comment", "external entity", "huge file", "zip",
                                  "not XML", "other XML", "truncated", "empty", "bad number", "nothing to import", "missing"])
def test_hostile_and_broken_files_are_refused(hostile, kind, tmp_path):
    path, needle = hostile[kind]
    out = tmp_path / "out.xlsx"
    t0 = time.perf_counter()
    with pytest.raises(RevManError) as info:
        import_revman(path, out)
    assert time.perf_counter() - t0 < 3
    assert needle in str(info.value), str(info.value)
    assert not out.exists()


def test_import_is_deterministic(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RevManImportWarning)
        a, b = import_revman(RM5, tmp_path / "a.xlsx"), import_revman(RM5, tmp_path / "b.xlsx")
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
