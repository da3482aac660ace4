"""Start-up (issue 13, item 3): checking a workbook imports neither pandas, numpy, scipy, openpyxl nor
matplotlib, and the shipped workbook is read and checked in a small fraction of a second."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
HEAVY = ("pandas", "numpy", "scipy", "openpyxl", "matplotlib")

SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
from exometa.workbook.reader import read_workbook
from exometa.evidence.flags import flag_records
t1 = time.perf_counter()
wb = read_workbook(sys.argv[1])
flags = flag_records(wb.rows["studies"], wb.rows["outcomes"])
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "read": t2 - t1, "studies": len(wb.rows["studies"]), "flags": len(flags),
                  "modules": sorted(m.split(".")[0] for m in sys.modules)}))
"""


def test_check_path_is_light_and_fast():
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT / "studies.xlsx")], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert not set(HEAVY) & set(result["modules"]), set(HEAVY) & set(result["modules"])
    assert result["studies"] > 0 and result["flags"] > 0
    # about 0.03 s to import and 0.01 s to read on a quiet machine; the bound leaves room for a busy one
    assert result["import"] + result["read"] < 1.0, result


def test_tables_are_still_pandas_for_the_analyses():
    from exometa.workbook.reader import read_workbook

    wb = read_workbook(ROOT / "studies.xlsx")
    assert type(wb.studies).__name__ == "DataFrame" and wb.studies is wb.studies  # built once
    assert str(wb.outcomes["n"].dtype) == "float64" and wb.outcomes["study_id"].dtype == object
