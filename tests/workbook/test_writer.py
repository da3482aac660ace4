"""new-workbook and the writer: format, drop-downs, comments, determinism, backups, escaping."""

import hashlib

from openpyxl import load_workbook

from exometa.cli import main
from exometa.workbook.reader import read_workbook
from exometa.workbook.schema import SHEETS, STUDY_COLUMNS
from exometa.workbook.writer import build, new_workbook, save_atomic
from tests.workbook.conftest import OUTCOME, STUDY


def test_new_workbook_has_format(tmp_path, capsys):
    path = tmp_path / "review.xlsx"
    assert main(["new-workbook", str(path)]) == 0
    wb = load_workbook(path)
    assert wb.sheetnames == ["studies", "outcomes", "dictionary", "lists"]
    studies = wb["studies"]
    assert [c.value for c in studies[1]] == [c.name for c in STUDY_COLUMNS]
    assert studies.freeze_panes == "C2" and wb["outcomes"].freeze_panes == "B2"
    assert "Required." in studies["A1"].comment.text
    validated = {str(dv.sqref) for dv in studies.data_validations.dataValidation}
    assert "F2:F1000" in validated  # design has a drop-down
    assert all(dv.formula1.startswith("=lists!") for dv in studies.data_validations.dataValidation)
    dictionary = [r for r in wb["dictionary"].iter_rows(min_row=2, values_only=True)]
    assert len(dictionary) == sum(len(cols) for cols in SHEETS.values())
    assert read_workbook(path).ok
    assert main(["new-workbook", str(path)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err


def test_writes_are_deterministic_atomic_and_backed_up(tmp_path):
    path = tmp_path / "s.xlsx"
    save_atomic(build([STUDY], [OUTCOME]), path)
    first = hashlib.sha256(path.read_bytes()).hexdigest()
    backup = save_atomic(build([STUDY], [OUTCOME]), path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first
    assert backup.name == "s.bak.xlsx" and backup.read_bytes() == path.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".exometa-")]


def test_workbook_text_is_defused(tmp_path):
    path = tmp_path / "s.xlsx"
    save_atomic(build([dict(STUDY, label="=HYPERLINK(\"http://x\")")], []), path)
    assert load_workbook(path)["studies"]["B2"].data_type == "s"
    assert read_workbook(path).studies.label[0].startswith("'=")


def test_new_workbook_refuses_other_suffix(tmp_path):
    import pytest

    from exometa.errors import ExometaError

    with pytest.raises(ExometaError, match="must be an .xlsx file"):
        new_workbook(tmp_path / "x.csv")
