"""Write studies.xlsx from the rows in this folder (a one-off; see the package docstring).

    .venv/bin/python -m tools.studies_xlsx [--check] [--out PATH]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from exometa.export import FORMULA_STARTS
from exometa.workbook import writer
from exometa.workbook.schema import NUMERIC_KINDS, OUTCOMES, RISK_OF_BIAS, SHEETS, STUDIES

from .claims import SEED_CLAIMS
from .outcomes import OUTCOMES as OUTCOME_ROWS
from .records import REGISTERED_TRIALS, REVIEWS
from .review import REVIEW, REVIEW_LISTS
from .risk_of_bias import risk_of_bias_rows
from .studies import CONDITIONED_MEDIUM_STUDIES, EXOSOME_STUDIES

ROOT = Path(__file__).resolve().parents[2]
CLAIM_ANALYSES = ("controlled_hair_count", "controlled_hair_density", "change_over_time_density", "percent_changes",
                  "thickness", "adverse_events", "alopecia_areata")


def all_rows():
    studies = EXOSOME_STUDIES + CONDITIONED_MEDIUM_STUDIES + REVIEWS + REGISTERED_TRIALS + SEED_CLAIMS
    return {STUDIES: studies, OUTCOMES: OUTCOME_ROWS, RISK_OF_BIAS: risk_of_bias_rows()}


def problems(rows) -> list[str]:
    """What is wrong with the rows, by the format's rules and this review's lists (empty when all is well)."""
    out = []
    ids = [r["study_id"] for r in rows[STUDIES]]
    out += [f"studies: study_id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for sheet, sheet_rows in rows.items():
        for k, r in enumerate(sheet_rows, start=2):
            where = f"{sheet} row {k} ({r.get('study_id')})"
            for c in SHEETS[sheet]:
                v = r.get(c.name)
                if v is None:
                    if c.required:
                        out.append(f"{where}: {c.name} is required")
                    continue
                if c.kind in NUMERIC_KINDS and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    out.append(f"{where}: {c.name} {v!r} is not a number")
                elif c.kind == "integer" and v != int(v):
                    out.append(f"{where}: {c.name} {v!r} is not a whole number")
                elif c.kind == "category":
                    allowed = REVIEW_LISTS.get((sheet, c.name), c.choices)
                    if v not in allowed:
                        out.append(f"{where}: {c.name} {v!r} is not an allowed value")
                elif isinstance(v, str) and v.startswith(FORMULA_STARTS):
                    out.append(f"{where}: {c.name} starts with {v[0]!r} and would be changed by the writer")
            if sheet != STUDIES and r.get("study_id") not in ids:
                out.append(f"{where}: study_id is not on the studies sheet")
    for r in rows[STUDIES]:
        sid = r["study_id"]
        if r["record_type"] == "registered trial" and not r.get("registry_id"):
            out.append(f"studies {sid}: a registered trial needs its registry_id")
        if r["record_type"] == "seed claim":
            analysis, assessment = r.get("claim_analysis"), r.get("claim_assessment")
            if bool(analysis) == bool(assessment):
                out.append(f"studies {sid}: give either claim_analysis or claim_assessment")
            if analysis and analysis not in CLAIM_ANALYSES:
                out.append(f"studies {sid}: claim_analysis {analysis!r} is not one of {CLAIM_ANALYSES}")
            if assessment and not r.get("claim_assessment_reason"):
                out.append(f"studies {sid}: claim_assessment needs its reason")
            if not (r.get("seed") and r.get("claim")):
                out.append(f"studies {sid}: a seed claim needs seed and claim")
        elif any(r.get(k) for k in ("claim_analysis", "claim_assessment", "seed")):
            out.append(f"studies {sid}: only seed claims carry seed, claim_analysis or claim_assessment")
    return out


def build_workbook(rows):
    return writer.build(rows[STUDIES], rows[OUTCOMES], risk_of_bias=rows[RISK_OF_BIAS], lists=REVIEW_LISTS,
                        review=dict(REVIEW))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.studies_xlsx", description=__doc__)
    parser.add_argument("--check", action="store_true", help="check the rows, write nothing")
    parser.add_argument("--out", type=Path, default=ROOT / "studies.xlsx")
    args = parser.parse_args(argv)
    rows = all_rows()
    found = problems(rows)
    for p in found:
        print(p, file=sys.stderr)
    if found:
        print(f"{len(found)} problem(s); nothing written.", file=sys.stderr)
        return 1
    counts = ", ".join(f"{len(v)} {k} rows" for k, v in rows.items())
    if args.check:
        print(f"rows are fine: {counts}.")
        return 0
    with tempfile.TemporaryDirectory() as tmp:  # save_atomic would leave a backup beside the target
        path = Path(tmp) / "studies.xlsx"
        writer.save_atomic(build_workbook(rows), path)
        shutil.copyfile(path, args.out)
    print(f"wrote {args.out}: {counts}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
