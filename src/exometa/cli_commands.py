"""What each ``exometa`` subcommand does (the parser and exit statuses are in :mod:`exometa.cli`).

Each handler takes the parsed arguments, imports what it needs when it runs,
and returns an exit status; failures are raised and become one line in
:func:`exometa.cli.main`.
"""

from __future__ import annotations

import sys

from .cli import EFFECT_ARGS, EXIT_BAD_INPUT, EXIT_CHECK_ERRORS, EXIT_OK


def check(args) -> int:
    """``exometa check``: every problem of a workbook, labelled ERROR or WARNING; status 1 if any error."""
    import json

    from .inputs import reading
    from .workbook.reader import read_workbook

    with reading(args.path, "workbook"):
        wb = read_workbook(args.path)
    flags = _computed_flags(wb) if (args.json or args.flags) else []
    if args.json:
        json.dump({"problems": [p.to_dict() for p in wb.problems], "flags": flags},
                  sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for p in wb.problems:
            print(f"{p.level.upper()}: {p}")
        if args.flags:
            print("\nEvidence flags (computed from the studies sheet, the outcome rows and the arithmetic checks):")
            by_label: dict = {}
            for rec in flags:
                by_label.setdefault(rec["label"], []).append(rec)
            for label, group in by_label.items():
                print(f"  {label}: " + "; ".join(f"{r['symbol']} {r['flag']} ({r['reason']})" for r in group))
        print(f"\n{wb.path.name}: {len(wb.rows['studies'])} studies, {len(wb.rows['outcomes'])} outcome rows; "
              f"{len(wb.errors)} error(s), {len(wb.warnings)} warning(s).")
    return EXIT_CHECK_ERRORS if wb.errors else EXIT_OK


def _computed_flags(wb) -> list:
    """Every study's flags, as an analysis computes them: with its outcome rows and the failing
    trustworthiness checks (GRIM, recomputed p-values...) of its numbers."""
    from .evidence.flags import flag_records
    from .evidence.trust import check_workbook

    findings = check_workbook(wb.studies, wb.outcomes) if len(wb.rows["studies"]) else []
    return flag_records(wb.rows["studies"], wb.rows["outcomes"], findings)


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(args) -> int:
    """``exometa run``: see :mod:`exometa.run_command`; a workbook with errors is listed and refused (status 2)."""
    from .run_command import run_outputs
    from .workbook.reader import WorkbookError

    try:
        outcome = run_outputs(args.workbook, args.analyses, args.figures, args.analysis or None, _say,
                              jobs=args.jobs, wait=args.wait, full=args.full, need_results=False)
    except WorkbookError as exc:
        wb = exc.workbook
        for p in wb.problems:
            print(f"{p.level.upper()}: {p}", file=sys.stderr)
        print(f"exometa: error: {wb.path.name} has {len(wb.errors)} error(s) (listed above); nothing was run. "
              "Fix them (exometa check shows them), then run again.", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in outcome.summaries:
        print(line)
    if outcome.skipped:
        print(f"figures unchanged since the last run, not drawn: {', '.join(outcome.skipped)}")
    if outcome.drawn:
        print(f"figures drawn: {', '.join(outcome.drawn)}")
    print(f"{outcome.folder}: {len(outcome.written)} file(s) written, {len(outcome.unchanged)} unchanged"
          + (f", {len(outcome.removed)} stale removed ({', '.join(outcome.removed)})" if outcome.removed else "")
          + f"; report: {outcome.report[0].name}, {outcome.report[1].name}")
    return EXIT_OK


def pool(args) -> int:
    """``exometa pool``: see :mod:`exometa.pool_command`."""
    from .pool_command import pool_command

    return pool_command(args)


def effects(args) -> int:
    """``exometa effects``: effect sizes as CSV on standard output, or written whole to ``--out``."""
    from pathlib import Path

    from .effects import effect_sizes
    from .export import csv_bytes, write_csv, write_xlsx
    from .inputs import read_table
    from .outputs import OutputError

    df = read_table(args.data, args.sheet, args.encoding)
    es = effect_sizes(args.measure, df, **effect_columns(args))
    if not args.out:
        sys.stdout.write(csv_bytes(es).decode("utf-8"))
        return EXIT_OK
    out = Path(args.out)
    if out.is_dir():
        raise OutputError(f"--out {out} is a folder; give a file name ending in .csv or .xlsx.")
    if not out.parent.is_dir():
        raise OutputError(f"--out {out}: the folder {out.parent} does not exist. Create it, or choose another place.")
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        write_xlsx(es, out)
    elif suffix == ".csv":
        write_csv(es, out)
    else:
        raise OutputError(f"--out {out}: give a file name ending in .csv or .xlsx.")
    print(f"wrote {out}: {len(es)} rows", file=sys.stderr)
    return EXIT_OK


def effect_columns(args) -> dict:
    """The effect-size input columns named on the command line (--ai tpos ... -> {'ai': 'tpos'})."""
    return {a: getattr(args, a) for a in EFFECT_ARGS if getattr(args, a, None) is not None}


def _writing(path):
    """Errors of a writer that does not use exometa.outputs, as one OutputError."""
    from contextlib import contextmanager

    from .outputs import OutputError, describe_os_error

    @contextmanager
    def guard():
        try:
            yield
        except OSError as exc:
            raise OutputError(describe_os_error(exc, getattr(exc, "filename", None) or path)) from exc

    return guard()


def new_workbook(args) -> int:
    """``exometa new-workbook``: an empty workbook (see :func:`exometa.workbook.writer.new_workbook`)."""
    from pathlib import Path

    from .workbook.writer import new_workbook as write_new

    with _writing(args.path):
        path = write_new(Path(args.path))
    print(f"wrote {path}: sheets studies, outcomes, risk_of_bias, review, dictionary, lists. Fill it in, then run `exometa check {path}`.")
    return EXIT_OK


def import_revman(args) -> int:
    """``exometa import-revman``: a RevMan 5 file into a new workbook (:mod:`exometa.workbook.revman`)."""
    from pathlib import Path

    from .inputs import InputError, reading

    try:
        from .workbook.revman import import_revman
    except ImportError:
        raise RuntimeError("exometa.workbook.revman is missing from this installation") from None
    src, out = Path(args.source), Path(args.out)
    if not src.is_file():
        raise InputError(f"{src}: no such file. Give the path of a RevMan 5 file (.rm5).")
    try:
        with reading(src, "RevMan file"):
            result = import_revman(src, out)
    except InputError as exc:  # an OSError on the workbook being written is an output error
        cause = exc.__cause__
        if isinstance(cause, OSError) and cause.filename and Path(cause.filename) != src:
            with _writing(out):
                raise cause from None
        raise
    print(f"wrote {result if result is not None else out}. Check it with `exometa check {out}`.")
    return EXIT_OK
