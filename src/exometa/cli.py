"""Command line: ``exometa pool`` and ``exometa effects`` for scripts and other languages.

    exometa pool --data FILE --yi COL --vi COL [--method REML] [--test z] [--level 95] [--json]
    exometa pool --data FILE --measure RR --ai COL --bi COL --ci COL --di COL [...]
    exometa effects --data FILE --measure SMD --m1i COL ... [--out FILE]
    exometa run [ANALYSIS ...] [--workbook studies.xlsx] [--analyses analyses] [--figures figures]
    exometa check [studies.xlsx] [--flags] [--json]
    exometa new-workbook PATH

FILE is CSV or XLSX (first sheet unless ``--sheet``). Errors are printed as one
line that says what to fix, with exit status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .effects import MEASURES, effect_sizes
from .errors import ExometaError
from .export import defuse_frame
from .models import METHODS, TESTS, meta_analysis

EFFECT_ARGS = sorted({a for req, opt, _ in MEASURES.values() for a in req + opt})


def read_table(path: str, sheet: str | None = None) -> pd.DataFrame:
    """A CSV or XLSX file as a DataFrame, with errors a user can act on."""
    p = Path(path)
    if not p.is_file():
        raise ExometaError(f"{path}: no such file. Give the path of a .csv or .xlsx file.")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(p)
    if suffix in (".xlsx", ".xlsm"):
        try:
            return pd.read_excel(p, sheet_name=sheet or 0, engine="openpyxl")
        except ValueError as exc:
            raise ExometaError(f"{path}: {exc}. Name an existing sheet with --sheet.") from None
    raise ExometaError(f"{path}: unsupported file type {suffix!r}; save it as .csv or .xlsx.")


def _column(df: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in df.columns:
        raise ExometaError(
            f"--{what} {name!r} is not a column of the data; columns are: {', '.join(map(str, df.columns))}."
        )
    values = pd.to_numeric(df[name], errors="coerce")
    bad = values.isna() & df[name].notna()
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())][:10]  # +2: header line, 1-based
        raise ExometaError(f"Column {name!r} has text that is not a number in file rows {rows}; fix those cells.")
    return values


def _effect_columns(args) -> dict:
    return {a: getattr(args, a) for a in EFFECT_ARGS if getattr(args, a, None) is not None}


def _pool(args) -> int:
    df = read_table(args.data, args.sheet)
    if args.measure:
        es = effect_sizes(args.measure, df, **_effect_columns(args))
        yi, vi = es["yi"], es["vi"]
    elif args.yi and args.vi:
        yi = _column(df, args.yi, "yi")
        vi = _column(df, args.vi, "vi")
    else:
        raise ExometaError("Give either --yi and --vi, or --measure with the columns it needs (e.g. --measure RR --ai ...).")
    keep = yi.notna() & vi.notna()
    if args.slab and args.slab not in df.columns:
        raise ExometaError(f"--slab {args.slab!r} is not a column of the data.")
    labels = df[args.slab].astype(str) if args.slab else pd.Series([f"row {i + 2}" for i in range(len(df))])
    dropped = labels[~keep].tolist()
    res = meta_analysis(
        yi[keep].to_numpy(), vi[keep].to_numpy(), method=args.method, test=args.test, level=args.level,
        slab=labels[keep].tolist(),
    )
    if args.json:
        out = res.to_dict()
        out["omitted"] = dropped
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(res.summary())
        if dropped:
            print(f"\nOmitted (missing yi or vi): {', '.join(dropped)}")
    return 0


def _effects(args) -> int:
    df = read_table(args.data, args.sheet)
    es = defuse_frame(effect_sizes(args.measure, df, **_effect_columns(args)))
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".xlsx":
            es.to_excel(out, index=False)
        else:
            es.to_csv(out, index=False)
    else:
        es.to_csv(sys.stdout, index=False)
    return 0


def _check(args) -> int:
    from .evidence import flag_table
    from .workbook.reader import read_workbook

    wb = read_workbook(args.path)
    if args.json:
        json.dump({"problems": [p.to_dict() for p in wb.problems],
                   "flags": flag_table(wb.studies).to_dict("records")}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for p in wb.problems:
            print(f"{p.level.upper()}: {p}")
        if args.flags:
            flags = flag_table(wb.studies)
            print("\nEvidence flags (computed):")
            for label, group in flags.groupby("label", sort=False):
                print(f"  {label}: " + "; ".join(f"{r.flag} ({r.reason})" for r in group.itertuples()))
        print(f"\n{wb.path.name}: {len(wb.studies)} studies, {len(wb.outcomes)} outcome rows; "
              f"{len(wb.errors)} error(s), {len(wb.warnings)} warning(s).")
    return 1 if wb.errors else 0


def _run(args) -> int:
    from .runner import main_run

    return main_run(args)


def _new_workbook(args) -> int:
    from .workbook.writer import new_workbook

    path = new_workbook(args.path)
    print(f"wrote {path}: sheets studies, outcomes, dictionary, lists. Fill it in, then run `exometa check {path}`.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="exometa", description="Meta-analysis of clinical-trial outcomes.")
    sub = parser.add_subparsers(dest="command", required=True)
    pool = sub.add_parser("pool", help="pool effect sizes (yi, vi) from a CSV/XLSX file")
    pool.add_argument("--data", required=True, help="CSV or XLSX file")
    pool.add_argument("--sheet", help="sheet of an XLSX file (default: the first)")
    pool.add_argument("--yi", help="column with the effect sizes")
    pool.add_argument("--vi", help="column with the sampling variances")
    pool.add_argument("--measure", choices=sorted(MEASURES), help="compute yi, vi first (then name the input columns)")
    for a in EFFECT_ARGS:
        if a not in ("yi", "vi"):
            pool.add_argument(f"--{a}", help=f"column holding {a} (with --measure)")
    pool.add_argument("--slab", help="column with study labels")
    pool.add_argument("--method", default="REML", choices=METHODS)
    pool.add_argument("--test", default="z", choices=TESTS)
    pool.add_argument("--level", type=float, default=95)
    pool.add_argument("--json", action="store_true", help="print the result as JSON")
    pool.set_defaults(func=_pool)
    eff = sub.add_parser("effects", help="compute effect sizes (yi, vi) from a CSV/XLSX file")
    eff.add_argument("--data", required=True)
    eff.add_argument("--sheet")
    eff.add_argument("--measure", required=True, choices=sorted(MEASURES))
    for a in EFFECT_ARGS:
        eff.add_argument(f"--{a}", help=f"column holding {a}")
    eff.add_argument("--out", help="write CSV/XLSX here (default: CSV on standard output)")
    eff.set_defaults(func=_effects)
    chk = sub.add_parser("check", help="check a workbook and report every problem (sheet, cell, study, fix)")
    chk.add_argument("path", nargs="?", default="studies.xlsx")
    chk.add_argument("--flags", action="store_true", help="also list the evidence flags of every study")
    chk.add_argument("--json", action="store_true", help="problems and flags as JSON")
    chk.set_defaults(func=_check)
    run = sub.add_parser("run", help="run the analyses in analyses/ and regenerate figures/ and the report")
    run.add_argument("analysis", nargs="*", help="only these analyses (file names in analyses/, without .toml)")
    run.add_argument("--workbook", default="studies.xlsx")
    run.add_argument("--analyses", default="analyses")
    run.add_argument("--figures", default="figures")
    run.set_defaults(func=_run)
    new = sub.add_parser("new-workbook", help="write an empty workbook for a new review")
    new.add_argument("path")
    new.set_defaults(func=_new_workbook)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ExometaError as exc:
        print(f"exometa: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
