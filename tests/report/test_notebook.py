"""Every result type renders in a notebook: a notebook is executed (nbclient, an IPython kernel) and
each result's rich output must be HTML, one row per quantity where it is a single result."""

import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

SETUP = """
import pandas as pd
from IPython.display import display
import exometa
from exometa import meta_analysis, mantel_haenszel, subgroup_analysis
from exometa.diagnostics.example_data import bcg
from exometa.analysis.run import run_analysis
from exometa.analysis.spec import load_spec
from exometa.workbook.reader import read_workbook
from exometa.evidence.grade import grade
d = bcg()
res = meta_analysis(d.yi, d.vi, slab=d.slab)
"""
#: (name, expression): each is displayed in its own cell
RESULTS = [
    ("MetaResult", "res"),
    ("MetaRegressionResult", "meta_analysis(d.yi, d.vi, mods=d[['ablat']])"),
    ("MantelHaenszelResult", "mantel_haenszel(d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg, measure='RR')"),
    ("SubgroupResult", "subgroup_analysis(d.yi, d.vi, d.alloc)"),
    ("AnalysisResult", "run_analysis(load_spec(r'{root}/examples/bcg/analyses/02_risk_ratio_random_effects.toml'), "
                       "read_workbook(r'{root}/examples/bcg/studies.xlsx'))"),
    ("Leave1outResult", "exometa.leave1out(res)"),
    ("InfluenceResult", "exometa.influence(res)"),
    ("CumulResult", "exometa.cumul(res, order=d.year)"),
    ("GoshResult", "exometa.gosh(res, subsets=200, seed=1)"),
    ("BaujatResult", "exometa.baujat(res)"),
    ("PermutestResult", "exometa.permutest(res, iter=100, seed=1)"),
    ("PredictResult", "exometa.predict(res)"),
    ("ResidualsResult", "exometa.rstudent(res)"),
    ("RegtestResult", "exometa.regtest(res)"),
    ("RanktestResult", "exometa.ranktest(res)"),
    ("TrimfillResult", "exometa.trimfill(res)"),
    ("FsnResult", "exometa.fsn(d.yi, d.vi)"),
    ("SelmodelResult", "exometa.selmodel(res)"),
    ("TesResult", "exometa.tes(res)"),
    ("HcResult", "exometa.hc(res)"),
    ("GradeResult", "grade([{{'study_id': 'A', 'randomised': 'yes', 'weight': 1, 'rob': 'low', 'n': 400, 'yi': -0.2, "
                    "'ci_lb': -0.4, 'ci_ub': -0.05}}], {{'estimate': -0.2, 'ci_lb': -0.4, 'ci_ub': -0.05}}, "
                    "outcome='tuberculosis', measure='RR')"),
]


def test_every_result_type_renders_as_html_in_an_executed_notebook():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(SETUP))
    for name, expr in RESULTS:
        nb.cells.append(nbformat.v4.new_code_cell(f"obj = {expr.format(root=root)}\nprint(type(obj).__name__)\ndisplay(obj)"))
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    missing = []
    for (name, _), cell in zip(RESULTS, nb.cells[1:]):
        printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.get("name") == "stdout")
        assert printed.strip() == name, (name, printed, [o for o in cell.outputs if o.output_type == "error"])
        html = [o["data"]["text/html"] for o in cell.outputs if o.output_type == "display_data" and "text/html" in o["data"]]
        if not (html and "<table" in html[0]):
            missing.append(name)
    assert not missing, f"no HTML table for {missing}"
    first = [o["data"]["text/html"] for o in nb.cells[1].outputs if o.output_type == "display_data"][0]
    # one row per quantity: the pooled estimate of dat.bcg (metafor: -0.7145) has its own row
    assert re.search(r"<tr><t[dh][^>]*>\s*Pooled estimate\s*</t[dh]>\s*<td[^>]*>\s*-0\.7145", first)
