"""Files that are not workbooks, or are hostile, are refused fast with a message (issue 3.4)."""

import time

import pytest

from exometa.cli import main
from exometa.workbook.reader import read_workbook
from exometa.workbook.safety import UnsafeWorkbookError
from tests.workbook.conftest import rewrite


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>&lol9;</sheets></workbook>'
)


@pytest.fixture
def hostile(make, tmp_path):
    good = make()
    return {
        "entity expansion": (rewrite(good, tmp_path / "laughs.xlsx", {"xl/workbook.xml": lambda d: BILLION_LAUGHS}),
                             "declares XML entities"),
        "zip bomb": (rewrite(good, tmp_path / "bomb.xlsx", add={"xl/media/pad.xml": b"0" * (40 * 2**20)}), "zip bomb"),
        "entity in a sheet": (rewrite(good, tmp_path / "sheet.xlsx", {"xl/worksheets/sheet2.xml": lambda d: b'<?xml version="1.0"?>'
                              b'<!DOCTYPE x [<!ENTITY e "boom">]>' + d.split(b"?>", 1)[-1]}), "declares XML entities"),
        "legacy xls": (_write(tmp_path / "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "Excel 97-2003 (.xls)"),
        "encrypted": (_write(tmp_path / "locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "EncryptionInfo".encode("utf-16-le")),
                      "encrypted (password-protected)"),
        "csv renamed": (_write(tmp_path / "table.xlsx", b"study_id,mean\nEV01,12.5\n"), "text (CSV) file with an .xlsx name"),
        "xlsb": (rewrite(good, tmp_path / "binary.xlsx", add={"xl/workbook.bin": b"\0"}), "binary workbook (.xlsb)"),
    }


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", ["entity expansion", "entity in a sheet", "zip bomb", "legacy xls", "encrypted", "csv renamed", "xlsb"])
def test_refused_fast_with_a_message(hostile, kind, capsys):
    path, needle = hostile[kind]
    t0 = time.perf_counter()
    with pytest.raises(UnsafeWorkbookError, match=needle.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read_workbook(path)
    assert time.perf_counter() - t0 < 5
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_missing_file_and_folder(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.xlsx")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["check", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
