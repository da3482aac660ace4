"""The command line: pool / effects on CSV and XLSX files, --version and help, start-up that
imports nothing heavy, and a sweep of every subcommand with bad inputs that finds no traceback."""

import argparse
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from exometa import __version__
from exometa.cli import COMMANDS, EFFECT_ARGS, IV_METHODS, MEASURES, TESTS, HelpFormatter, build_parser, main

ROOT = Path(__file__).parents[1]
BCG = ROOT / "src/exometa/data/dat_bcg.csv"
RR_ARGS = ["--measure", "RR", "--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di", "cneg"]


def test_pool_from_counts_json(capsys):
    assert main(["pool", "--data", str(BCG), *RR_ARGS, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert round(out["estimate"], 4) == -0.7145 and round(out["tau2"], 4) == 0.3132  # metafor, dat.bcg REML
    assert out["omitted"] == []


def test_pool_from_yi_vi_xlsx_with_knha(tmp_path, capsys):
    es = tmp_path / "es.xlsx"
    assert main(["effects", "--data", str(BCG), *RR_ARGS, "--out", str(es)]) == 0
    assert main(["pool", "--data", str(es), "--yi", "yi", "--vi", "vi", "--method", "DL", "--test", "knha"]) == 0
    text = capsys.readouterr().out
    assert "DerSimonian-Laird" in text and "-0.7141" in text  # metafor: rma(method="DL") -0.7141


def test_pool_reports_omitted_rows(tmp_path, capsys):
    df = pd.DataFrame({"study": ["A", "B", "C", "D"], "yi": [0.1, 0.3, None, 0.2], "vi": [0.01, 0.02, 0.03, 0.02]})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    assert main(["pool", "--data", str(path), "--yi", "yi", "--vi", "vi", "--slab", "study"]) == 0
    assert "Omitted (missing yi or vi): C" in capsys.readouterr().out


def test_text_is_not_a_number(tmp_path, capsys):
    path = tmp_path / "d.csv"
    pd.DataFrame({"yi": [0.1, "12.5 (SD 3)"], "vi": [0.01, 0.02]}).to_csv(path, index=False)
    assert main(["pool", "--data", str(path), "--yi", "yi", "--vi", "vi"]) == 2
    assert "file rows [3]" in capsys.readouterr().err


def test_effects_output_defuses_formulas(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_bytes(b'study,ai,n1i,ci,n2i\n=cmd(),1,10,3,10\n"ok\r=2+3",2,10,4,10\n')
    assert main(["effects", "--data", str(path), "--measure", "OR", "--ai", "ai", "--n1i", "n1i", "--ci", "ci",
                 "--n2i", "n2i"]) == 0
    out = capsys.readouterr().out
    assert "'=cmd()" in out and "ok\n'=2+3" in out and "\r" not in out


# --- version, help, start-up --------------------------------------------------------------------


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"exometa {__version__}"


def test_every_option_of_every_command_shows_its_default_or_that_it_is_required():
    parser = build_parser("*")
    formatter = HelpFormatter("exometa")
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(COMMANDS)
    for name, p in sub.choices.items():
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            text = formatter._get_help_string(action)
            assert action.help and ("default" in text or "required" in text), (name, action.dest)
        assert p.format_help()  # formats without error


def test_choice_lists_match_the_library():
    from exometa.effects import MEASURES as LIB_MEASURES
    from exometa.models.pooling import METHODS, TESTS as LIB_TESTS

    assert set(MEASURES) == set(LIB_MEASURES) and IV_METHODS == METHODS and TESTS == LIB_TESTS
    assert set(EFFECT_ARGS) == {a for req, opt, _ in LIB_MEASURES.values() for a in req + opt}


STARTUP = """
import sys, contextlib, io
from exometa.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
heavy = [m for m in ("matplotlib", "scipy.stats", "exometa.models", "exometa.plots.forest") if m in sys.modules]
print(code, heavy if sys.argv[1] == "check" else heavy + [m for m in ("pandas", "numpy") if m in sys.modules])
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["run", "--help"], ["pool", "--help"],
                                  ["check", str(ROOT / "studies.xlsx")]])
def test_start_up_imports_nothing_heavy(args):
    """issue 13: `exometa --help` and `check` spent most of their time importing."""
    done = subprocess.run([sys.executable, "-c", STARTUP, *args], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "0 []", done.stderr


# --- no traceback reaches a user ------------------------------------------------------------------


def _damaged(tmp_path) -> Path:
    """The shipped workbook with one byte flipped inside a compressed sheet (a CRC error)."""
    path = tmp_path / "damaged.xlsx"
    shutil.copy(ROOT / "studies.xlsx", path)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _bad_inputs(tmp_path) -> dict:
    t = tmp_path
    (t / "half.xlsx").write_bytes((ROOT / "studies.xlsx").read_bytes()[:20000])
    (t / "text.xlsx").write_text("study,yi\nA,1\n")
    (t / "folder.xlsx").mkdir()
    (t / "ragged.csv").write_text("study,yi,vi\nA,0.1,0.01\nB,0.2,0.02,extra\nC,0.3\n")
    (t / "latin1.csv").write_bytes("study,yi,vi\nGómez,0.1,0.01\n".encode("latin-1"))
    (t / "empty.csv").write_text("")
    (t / "header.csv").write_text("study,yi,vi\n")
    (t / "dup.csv").write_text("yi,yi,vi\n1,2,3\n")
    for name, content in (("bom", b"\xef\xbb\xbf" + (ROOT / "analyses/change_over_time_density.toml").read_bytes()),
                          ("latin1", 'title = "Gómez"\n'.encode("latin-1")),
                          ("badtoml", b'title = "unclosed\n')):
        (t / f"an_{name}").mkdir()
        (t / f"an_{name}" / "x.toml").write_bytes(content)
    (t / "an_dir").mkdir()
    (t / "an_dir" / "x.toml").mkdir()
    (t / "a_file").write_text("not a folder")
    return {
        "damaged": _damaged(t), "half": t / "half.xlsx", "text": t / "text.xlsx", "folder": t / "folder.xlsx",
    }


def _cases(tmp_path):
    w = _bad_inputs(tmp_path)
    t = tmp_path
    run = ["run", "--analyses", str(ROOT / "analyses"), "--figures", str(t / "out")]
    cases = []
    for name, path in w.items():
        cases += [(f"check {name}", ["check", str(path)], 2), (f"run {name}", run + ["--workbook", str(path)], 2)]
    for name in ("ragged", "latin1", "empty", "header", "dup"):
        cases.append((f"pool {name}", ["pool", "--data", str(t / f"{name}.csv"), "--yi", "yi", "--vi", "vi"], 2))
        cases.append((f"effects {name}", ["effects", "--data", str(t / f"{name}.csv"), "--measure", "GEN",
                                          "--yi", "yi", "--vi", "vi"], 2))
    cases += [
        ("pool xlsx damaged", ["pool", "--data", str(w["damaged"]), "--yi", "yi", "--vi", "vi"], 2),
        ("pool folder", ["pool", "--data", str(t), "--yi", "yi", "--vi", "vi"], 2),
        ("pool bad sheet", ["pool", "--data", str(ROOT / "studies.xlsx"), "--sheet", "nope", "--yi", "a", "--vi", "b"], 2),
        ("effects out missing folder", ["effects", "--data", str(BCG), *RR_ARGS, "--out", str(t / "no/such/es.csv")], 3),
        ("effects out is a folder", ["effects", "--data", str(BCG), *RR_ARGS, "--out", str(t)], 3),
        ("effects out suffix", ["effects", "--data", str(BCG), *RR_ARGS, "--out", str(t / "es.txt")], 3),
        ("run figures is a file", ["run", "--figures", str(t / "a_file")], 3),
        ("run figures under a file", ["run", "--figures", str(t / "a_file" / "sub")], 3),
        ("run no analyses folder", ["run", "--analyses", str(t / "none"), "--figures", str(t / "out")], 2),
        ("run unknown analysis", run + ["no_such_analysis"], 2),
        ("new-workbook exists", ["new-workbook", str(ROOT / "studies.xlsx")], 2),
        ("new-workbook read-only place", ["new-workbook", "/proc/exometa-review.xlsx"], 3),
        ("import-revman missing", ["import-revman", str(t / "none.rm5"), str(t / "out.xlsx")], (2, 4)),
        ("unknown command", ["frobnicate"], 2),
        ("unknown option", ["check", "--frob"], 2),
        ("pool without input", ["pool", "--data", str(BCG)], 2),
        ("bad level", ["pool", "--data", str(BCG), *RR_ARGS, "--level", "0"], 2),
        ("bad jobs", run + ["--jobs", "0"], 2),
    ]
    for name in ("bom", "latin1", "badtoml", "dir"):
        cases.append((f"run analyses {name}", ["run", "--analyses", str(t / f"an_{name}"), "--figures", str(t / "out")], 2))
    return cases


def test_every_subcommand_with_bad_input_fails_in_one_line_without_traceback(tmp_path, capsys):
    """issue 14: about 30 tracebacks reached users. Each case: the documented status, one line."""
    seen = set()
    for label, args, status in _cases(tmp_path):
        code = main(args)
        out, err = capsys.readouterr()
        seen.add(args[0])
        assert code in (status if isinstance(status, tuple) else (status,)), (label, code, err)
        assert "Traceback" not in err + out, label
        lines = err.strip().splitlines()
        assert lines and (lines[-1].startswith("exometa: ") or lines[0].startswith("usage:")), (label, err)
        if not lines[0].startswith("usage:"):
            assert len(lines) == 1, (label, err)
    assert seen >= set(COMMANDS)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(("label", "fragment"), [
    ("check damaged", "is damaged"), ("pool ragged", "but line 3 has 4, line 4 has 2"),
    ("pool latin1", "give --encoding latin-1"), ("pool empty", "is empty"), ("pool dup", "appears twice"),
    ("run analyses bom", "byte-order mark"), ("run analyses dir", "is a folder, not an analysis file"),
    ("run analyses latin1", "is not UTF-8"), ("effects out missing folder", "does not exist"),
    ("run figures is a file", "is a file, not a folder"),
])
def test_messages_say_what_to_fix(tmp_path, capsys, label, fragment):
    args = next(a for lab, a, _ in _cases(tmp_path) if lab == label)
    main(args)
    assert fragment in capsys.readouterr().err


def test_a_latin1_csv_reads_with_encoding(tmp_path, capsys):
    _bad_inputs(tmp_path)
    assert main(["pool", "--data", str(tmp_path / "latin1.csv"), "--yi", "yi", "--vi", "vi", "--slab", "study",
                 "--encoding", "latin-1", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["slab"] == ["Gómez"]
    assert err == "exometa: warning: k = 1: tau^2 is set to 0 and the pooled estimate is that study's own.\n"


def test_a_refused_run_lists_the_problems_with_labels_and_exits_2(tmp_path, capsys):
    path = tmp_path / "studies.xlsx"
    shutil.copy(ROOT / "studies.xlsx", path)
    book = load_workbook(path)
    book["outcomes"]["I9"] = "35 (SD 6.5)"  # Wan 2025's mean change, with text in it
    book.save(path)
    code = main(["run", "--workbook", str(path), "--analyses", str(ROOT / "analyses"), "--figures", str(tmp_path / "f")])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert any(line.startswith("ERROR: ") and "I9" in line for line in lines)
    assert all(line.startswith(("ERROR: ", "WARNING: ", "exometa: error: ")) for line in lines)
    assert lines[-1].startswith("exometa: error: studies.xlsx has 1 error(s) (listed above); nothing was run.")
    assert not (tmp_path / "f").exists()


def test_debug_shows_the_traceback(tmp_path, capsys):
    assert main(["--debug", "check", str(tmp_path / "none.xlsx")]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_import_revman_calls_the_importer_with_the_two_paths(tmp_path, capsys, monkeypatch):
    """The importer itself is exometa.workbook.revman's (tested there); here: the wiring."""
    import types

    calls = []
    fake = types.ModuleType("exometa.workbook.revman")
    fake.import_revman = lambda src, out: calls.append((src, out)) or out
    monkeypatch.setitem(sys.modules, "exometa.workbook.revman", fake)
    src = tmp_path / "review.rm5"
    src.write_text("<COCHRANE_REVIEW/>")
    assert main(["import-revman", str(src), str(tmp_path / "out.xlsx")]) == 0
    assert calls == [(src, tmp_path / "out.xlsx")]
    assert "exometa check" in capsys.readouterr().out

    def refuses(src, out):
        raise PermissionError(13, "Permission denied", str(out))

    fake.import_revman = refuses
    assert main(["import-revman", str(src), "/proc/out.xlsx"]) == 3
    assert capsys.readouterr().err.startswith("exometa: error: cannot write /proc/out.xlsx: permission denied")
