"""new-workbook and the writer: a neutral template, drop-downs, comments, determinism, backups, exact text."""

import hashlib
import re
import zipfile

import pytest
from openpyxl import load_workbook

from exometa.cli import main
from exometa.errors import ExometaError
from exometa.workbook.reader import read_workbook
from exometa.workbook.schema import REVIEW_KEYS, SHEETS, STUDY_COLUMNS
from exometa.workbook.writer import backup_path, build, new_workbook, save_atomic
from tests.workbook.conftest import LISTS, OUTCOME, STUDY

EXOSOME_WORDS = re.compile(rb"exosom|secretome|alopecia|hair|stem.cell|microneedl|scalp", re.I)


def test_new_workbook_has_format(tmp_path, capsys):
    path = tmp_path / "review.xlsx"
    assert main(["new-workbook", str(path)]) == 0
    wb = load_workbook(path)
    assert wb.sheetnames == ["studies", "outcomes", "risk_of_bias", "review", "dictionary", "lists"]
    studies = wb["studies"]
    assert [c.value for c in studies[1]] == [c.name for c in STUDY_COLUMNS]
    assert studies.freeze_panes == "C2" and wb["outcomes"].freeze_panes == "B2"
    assert "Required." in studies["A1"].comment.text
    validated = {str(dv.sqref) for dv in studies.data_validations.dataValidation}
    assert "F2:F1000" in validated  # design has a drop-down
    assert all(dv.formula1.startswith("=lists!") for dv in studies.data_validations.dataValidation)
    assert [r for r in wb["review"].iter_rows(values_only=True)] == [("key", "value")] + [(k, None) for k in REVIEW_KEYS]
    dictionary = [r for r in wb["dictionary"].iter_rows(min_row=2, values_only=True)]
    assert len(dictionary) == sum(len(cols) for cols in SHEETS.values()) + len(REVIEW_KEYS)
    assert read_workbook(path).ok
    assert main(["new-workbook", str(path)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err


def test_template_is_neutral(tmp_path):
    """No word of the first review (exosomes for hair loss) in a new review's workbook."""
    path = new_workbook(tmp_path / "review.xlsx")
    with zipfile.ZipFile(path) as zf:
        hits = {name: EXOSOME_WORDS.findall(zf.read(name)) for name in zf.namelist()}
    assert not any(hits.values()), hits
    wb = read_workbook(path)
    assert wb.lists[("outcomes", "outcome")] == ("primary outcome", "secondary outcome", "adverse events", "withdrawals", "other")
    assert "drug" in wb.lists[("studies", "intervention_type")]


def test_review_lists_drop_downs_leave_room_and_only_warn(tmp_path):
    path = tmp_path / "r.xlsx"
    save_atomic(build(lists=LISTS), path)
    ws = load_workbook(path)["outcomes"]
    dv = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == "B2:B1000")  # outcome
    assert dv.formula1.endswith("$200") and dv.errorStyle == "warning"
    fixed = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith("G2"))  # arm
    assert fixed.errorStyle in (None, "stop")
    with pytest.raises(ExometaError, match="exometa's own list and cannot be changed"):
        build(lists={("studies", "design"): ("cohort",)})


def test_writes_are_deterministic_atomic_and_backed_up(tmp_path):
    path = tmp_path / "s.xlsx"
    assert save_atomic(build([STUDY], [OUTCOME], lists=LISTS), path) is None  # nothing replaced, no backup
    first = hashlib.sha256(path.read_bytes()).hexdigest()
    backup = save_atomic(build([STUDY], [OUTCOME], lists=LISTS), path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first
    assert backup == backup_path(path) and backup.name == "s.exometa-bak.xlsx" and backup.read_bytes() == path.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".exometa-")]
    with pytest.raises(ExometaError, match="already exists"):
        save_atomic(build(), path, overwrite=False)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first


def test_backups_are_ignored_by_git():
    from pathlib import Path

    ignore = (Path(__file__).parents[2] / ".gitignore").read_text().splitlines()
    assert "*.exometa-bak.xlsx" in ignore
    assert not (Path(__file__).parents[2] / "studies.bak.xlsx").exists()


def test_text_is_kept_exactly(tmp_path):
    """Text that looks like a formula is stored as text (never evaluated) and read back unchanged."""
    path = tmp_path / "s.xlsx"
    tricky = ['=HYPERLINK("http://x")', "+28.1% vs +7.1%", "-3 (SD 1)", "@risk"]
    save_atomic(build([dict(STUDY, label=tricky[0], notes=tricky[1], citation=tricky[2], funding=tricky[3])], [], lists=LISTS), path)
    with zipfile.ZipFile(path) as zf:
        assert b"<f>" not in zf.read("xl/worksheets/sheet1.xml")
    assert load_workbook(path)["studies"]["B2"].data_type == "s"
    row = read_workbook(path).rows["studies"][0]
    assert [row["label"], row["notes"], row["citation"], row["funding"]] == tricky


def test_write_failures_are_errors_not_tracebacks(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExometaError, match="could not be written"):
        new_workbook(blocker / "sub" / "review.xlsx")  # the folder would have to be inside a file
    with pytest.raises(ExometaError, match="must be an .xlsx file"):
        new_workbook(tmp_path / "x.csv")
    assert main(["new-workbook", str(blocker / "review.xlsx")]) == 3  # an output that cannot be written: exit status 3
    assert "Traceback" not in capsys.readouterr().err
