"""Analysis scripts (exometa.analysis.script): the worked example against metafor, and scripts that
break the contract refused with the file named."""

from pathlib import Path

import pytest

from exometa.analysis.script import AnalysisScript, AnalysisScriptError, load_analyses
from exometa.analysis.spec import AnalysisFileError
from exometa.workbook.reader import read_workbook

from .conftest import check_fit, close

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "script" / "analyses" / "early_bcg_trials.py"


@pytest.fixture(scope="module")
def bcg():
    return read_workbook(ROOT / "examples" / "bcg" / "studies.xlsx")


def test_the_worked_example_script_reproduces_metafor(bcg, ref):
    res = AnalysisScript("early_bcg_trials", EXAMPLE).run(bcg)
    want = ref["bcg"]["early_reml_RR"]
    assert res.spec.name == "early_bcg_trials" and res.main.k == want["k"] == 7
    check_fit(res, want, ("estimate", "se", "ci_lb", "ci_ub", "zval", "pval", "tau2"))
    close(res.diagnostics["leave1out"].result.estimate, want["leave1out"], "leave1out")
    assert len(res.left_out) == 6 and all("not before 1970" in why for _, why in res.left_out)
    assert res.claim.status == "supported" and res.grade is not None and res.verdict.startswith("Supported")


def test_scripts_and_files_load_together_and_names_clash(tmp_path):
    (tmp_path / "a.toml").write_text('title = "t"\noutcome = ["other"]\nmeasure = "MD"\n')
    (tmp_path / "b.py").write_text("def analysis(workbook):\n    return None\n")
    (tmp_path / "_helpers.py").write_text("X = 1\n")
    items = load_analyses(tmp_path)
    assert [getattr(i, "name") for i in items] == ["a", "b"] and isinstance(items[1], AnalysisScript)
    (tmp_path / "b.toml").write_text('title = "t"\noutcome = ["other"]\nmeasure = "MD"\n')
    with pytest.raises(AnalysisFileError, match="b.toml and b.py would both be analysis 'b'; rename one"):
        load_analyses(tmp_path)


@pytest.mark.parametrize("body, message", [
    ("x = 1\n", "must define analysis\\(workbook\\)"),
    ("def analysis(workbook):\n    return 42\n", "returned int; it must return an AnalysisResult"),
    ("def analysis(workbook):\n    return 1 / 0\n", "the script failed \\(ZeroDivisionError"),
    ("def analysis(workbook)\n    pass\n", "line 1: not valid Python"),
    ("from exometa import ExometaError\ndef analysis(workbook):\n    raise ExometaError('no trials before 1900')\n",
     "no trials before 1900"),
])
def test_scripts_that_break_the_contract_are_refused_naming_the_file(tmp_path, bcg, body, message):
    path = tmp_path / "bad.py"
    path.write_text(body)
    with pytest.raises(AnalysisScriptError, match=message) as err:
        AnalysisScript("bad", path).run(bcg)
    assert str(path) in str(err.value)


def test_script_specs_are_checked_as_strictly_as_files():
    from exometa.analysis.script import spec

    with pytest.raises(AnalysisFileError, match="(?s)analysis script 'x': 1 problem.*`mesure` is not a known key. Did you mean `measure`"):
        spec(name="x", title="t", outcome=["other"], measure="MD", mesure="MD")
