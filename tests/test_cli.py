"""The command line: exometa pool / exometa effects on CSV and XLSX files."""

import json
from pathlib import Path

import pandas as pd
import pytest

from exometa.cli import main

BCG = Path(__file__).parents[1] / "src/exometa/data/dat_bcg.csv"
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pool", "--data", "nope.csv", "--yi", "a", "--vi", "b"], "nope.csv: no such file"),
        (["pool", "--data", str(BCG), "--yi", "effect", "--vi", "tneg"], "--yi 'effect' is not a column"),
        (["pool", "--data", str(BCG)], "Give either --yi and --vi, or --measure"),
    ],
)
def test_errors_are_one_line_with_exit_status_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_text_is_not_a_number(tmp_path, capsys):
    path = tmp_path / "d.csv"
    pd.DataFrame({"yi": [0.1, "12.5 (SD 3)"], "vi": [0.01, 0.02]}).to_csv(path, index=False)
    assert main(["pool", "--data", str(path), "--yi", "yi", "--vi", "vi"]) == 2
    assert "file rows [3]" in capsys.readouterr().err


def test_effects_output_defuses_formulas(tmp_path, capsys):
    path = tmp_path / "d.csv"
    pd.DataFrame({"study": ["=cmd()", "ok"], "ai": [1, 2], "n1i": [10, 10], "ci": [3, 4], "n2i": [10, 10]}).to_csv(path, index=False)
    assert main(["effects", "--data", str(path), "--measure", "OR", "--ai", "ai", "--n1i", "n1i", "--ci", "ci", "--n2i", "n2i"]) == 0
    assert "'=cmd()" in capsys.readouterr().out
