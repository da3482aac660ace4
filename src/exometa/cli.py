"""The command line: ``exometa run | check | pool | effects | new-workbook | import-revman``.

    exometa run [ANALYSIS ...] [--workbook studies.xlsx] [--analyses analyses] [--figures figures]
                [--jobs N] [--wait 600] [--full]
    exometa check [studies.xlsx] [--flags] [--json]
    exometa pool --data FILE (--yi COL --vi COL | --measure M --ai COL ...) [--method REML|MH|PETO ...]
                 [--test z] [--level 95] [--mods COL ...] [--transf exp] [--forest FILE.png] [--json]
    exometa effects --data FILE --measure M --m1i COL ... [--out FILE.csv|.xlsx]
    exometa new-workbook PATH
    exometa import-revman FILE.rm5 OUT.xlsx
    exometa --version | --help;  exometa COMMAND --help

Every failure is one line that says what to fix (``--debug`` adds the
traceback, for bug reports), with an exit status a script can act on::

    0    done
    1    check: the workbook has errors (listed)
    2    bad input or usage: arguments, a file that cannot be read, a workbook
         with errors given to run (problems listed as ERROR/WARNING), an
         analysis file that cannot be used
    3    the outputs could not be written: folder missing, read-only or a
         file, disk full, another run holding the output folder past --wait;
         out of memory
    4    an internal error (a bug in exometa): please report it with --debug
    130  interrupted (Ctrl-C)
    143  stopped (SIGTERM)

Start-up is kept short: this module imports only the standard library, and
each command imports what it needs when it runs (``exometa --help``,
``--version`` and ``check`` never load plotting, SciPy or the engine).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import warnings

EXIT_OK, EXIT_CHECK_ERRORS, EXIT_BAD_INPUT, EXIT_OUTPUT, EXIT_BUG = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

# Lists of choices, kept here so that help needs no heavy import; tests/test_cli.py checks
# them against exometa.effects.MEASURES and exometa.models.pooling.METHODS / TESTS.
MEASURES = ("COR", "GEN", "MC", "MD", "OR", "PAS", "PETO", "PFT", "PLO", "PR", "RD", "ROM", "RR", "SMCC", "SMCR",
            "SMD", "SMDH", "ZCOR")
EFFECT_ARGS = ("ai", "bi", "ci", "ci_lb", "ci_ub", "di", "m1i", "m2i", "mi", "n1i", "n2i", "ni", "ri", "sd1i", "sd2i",
               "sei", "vi", "xi", "yi")
IV_METHODS = ("EE", "FE", "DL", "DL2", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")
COUNT_METHODS = ("MH", "PETO")
TESTS = ("z", "t", "knha")
TRANSFORMS = ("exp", "expit", "tanh")


EPILOG = "exit status:\n" + __doc__.split("a script can act on::\n\n", 1)[1].split("\n\n")[0] + (
    "\n\n'exometa COMMAND --help' describes each command and its options.")


class Terminated(BaseException):
    """SIGTERM arrived: end like Ctrl-C, cleaning up on the way out."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default (or says it is required)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.help is argparse.SUPPRESS or "default" in text or isinstance(action, argparse._HelpAction):
            return text
        if action.required:
            return text + " (required)"
        if isinstance(action, (argparse._StoreTrueAction, argparse._VersionAction)):
            return text + (" (default: off)" if isinstance(action, argparse._StoreTrueAction) else "")
        if action.default in (None, [], ()):
            return text + " (default: none)"
        return text + " (default: %(default)s)"


# ---------------------------------------------------------------------------------------------
# the parser


def _add_run(p):
    p.add_argument("analysis", nargs="*", metavar="ANALYSIS",
                   help="run only these analyses: file names in the analyses folder, with or without .toml "
                        "(default: all)")
    p.add_argument("--workbook", default="studies.xlsx", metavar="PATH", help="the workbook")
    p.add_argument("--analyses", default="analyses", metavar="FOLDER", help="the folder of analysis files (*.toml)")
    p.add_argument("--figures", default="figures", metavar="FOLDER",
                   help="the output folder for figures, tables and the report (created if missing)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="processes to draw figures with (default: one per usable core; 1: none)")
    p.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                   help="how long to wait while another exometa run writes to the same folder; 0 refuses at once")
    p.add_argument("--full", action="store_true", help="redraw every figure, even those unchanged since the last run")


def _add_check(p):
    p.add_argument("path", nargs="?", default="studies.xlsx", metavar="WORKBOOK", help="the workbook to check")
    p.add_argument("--flags", action="store_true", help="also list the evidence flags of every study")
    p.add_argument("--json", action="store_true", help="print problems and flags as JSON")


def _add_table_input(p):
    p.add_argument("--data", required=True, metavar="FILE", help="the data: a .csv (UTF-8) or .xlsx file")
    p.add_argument("--sheet", metavar="NAME", help="sheet of an .xlsx file (default: the first)")
    p.add_argument("--encoding", metavar="NAME", help="text encoding of a CSV, e.g. latin-1 (default: UTF-8, "
                                                      "with or without a byte-order mark)")


def _add_effect_columns(p, skip=()):
    for a in EFFECT_ARGS:
        if a not in skip:
            p.add_argument(f"--{a}", metavar="COL", help=f"the column holding {a} (with --measure)")


def _add_pool(p):
    _add_table_input(p)
    p.add_argument("--yi", metavar="COL", help="the column with the effect sizes (with --vi)")
    p.add_argument("--vi", metavar="COL", help="the column with their sampling variances (with --yi)")
    p.add_argument("--measure", choices=MEASURES, metavar="MEASURE",
                   help=f"compute yi and vi first from the columns named below: one of {', '.join(MEASURES)}; "
                        "with --method MH: OR, RR or RD (default: none; MH uses OR)")
    _add_effect_columns(p, skip=("yi", "vi"))
    p.add_argument("--slab", metavar="COL", help="the column with study labels (default: 'row N')")
    p.add_argument("--method", default="REML", choices=IV_METHODS + COUNT_METHODS, metavar="METHOD",
                   help=f"tau² estimator ({', '.join(IV_METHODS)}), or MH (Mantel-Haenszel) or PETO on the 2x2 "
                        "columns --ai --bi --ci --di (or --n1i --n2i)")
    p.add_argument("--test", default="z", choices=TESTS, help="z, t or knha (Hartung-Knapp-Sidik-Jonkman)")
    p.add_argument("--level", type=float, default=95.0, help="confidence level in percent")
    p.add_argument("--mods", nargs="+", metavar="COL",
                   help="moderator columns for a meta-regression (text columns become dummies)")
    p.add_argument("--transf", choices=TRANSFORMS,
                   help="also show the estimate and its intervals back-transformed: exp (log ratios), "
                        "expit (logits), tanh (Fisher's z)")
    p.add_argument("--forest", action="append", metavar="FILE",
                   help="draw a forest plot to FILE (.svg, .png or .pdf; repeat for more formats)")
    p.add_argument("--title", default="Forest plot", help="title of the forest plot")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _add_effects(p):
    _add_table_input(p)
    p.add_argument("--measure", required=True, choices=MEASURES, metavar="MEASURE",
                   help=f"the effect size: one of {', '.join(MEASURES)}")
    _add_effect_columns(p)
    p.add_argument("--out", metavar="FILE", help="write a .csv or .xlsx file (default: CSV on standard output)")


def _add_new(p):
    p.add_argument("path", metavar="PATH", help="the .xlsx file to create (it must not exist)")


def _add_revman(p):
    p.add_argument("source", metavar="FILE.rm5", help="the RevMan 5 file to read")
    p.add_argument("out", metavar="OUT.xlsx", help="the workbook to write")


#: name -> (one-line help, function adding its arguments, handler in exometa.cli_commands)
COMMANDS = {
    "run": ("run the analyses and replace the figures, tables and report (only what changed is redrawn)", _add_run, "run"),
    "check": ("check a workbook: every problem by sheet, cell and study, with the fix", _add_check, "check"),
    "pool": ("pool effect sizes from a CSV/XLSX file (inverse variance, Mantel-Haenszel, Peto)", _add_pool, "pool"),
    "effects": ("compute effect sizes (yi, vi) from a CSV/XLSX file", _add_effects, "effects"),
    "new-workbook": ("write an empty workbook for a new review", _add_new, "new_workbook"),
    "import-revman": ("import a RevMan 5 file (.rm5) into a new workbook", _add_revman, "import_revman"),
}


def _version() -> str:
    from . import __version__

    return f"exometa {__version__}"


def build_parser(command: str | None = "*") -> argparse.ArgumentParser:
    """The parser; the arguments of ``command`` only ("*": every command), so help starts fast."""
    parser = argparse.ArgumentParser(prog="exometa", formatter_class=HelpFormatter,
                                     description="Meta-analysis of clinical-trial outcomes.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=_version(), help="print the version and exit")
    parser.add_argument("--debug", action="store_true", help="on failure, also print the traceback (for bug reports)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (text, add, handler) in COMMANDS.items():
        p = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".",
                           formatter_class=HelpFormatter)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="on failure, also print the traceback (for bug reports)")
        if command in ("*", name):
            add(p)
        p.set_defaults(handler=handler)
    return parser


def _command_in(argv: list) -> str | None:
    for a in argv:
        if not a.startswith("-"):
            return a if a in COMMANDS else None
    return None


# ---------------------------------------------------------------------------------------------
# running a command: one line per failure, the documented exit status


def _failure(exc: BaseException, debug: bool) -> int:
    from .errors import ExometaError

    if debug and not isinstance(exc, (KeyboardInterrupt, Terminated)):
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, (KeyboardInterrupt, Terminated)):
        how = "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else "stopped (SIGTERM)"
        note = getattr(exc, "exometa_outputs", "")
        print(f"exometa: {how}{'; ' + note if note else ''}.", file=sys.stderr)
        return EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else EXIT_TERMINATED
    if isinstance(exc, ExometaError):
        from .outputs import OutputError

        print(f"exometa: error: {exc}", file=sys.stderr)
        return EXIT_OUTPUT if isinstance(exc, OutputError) else EXIT_BAD_INPUT
    if isinstance(exc, MemoryError):
        print("exometa: error: out of memory. Close other programs, or analyse fewer studies at once.", file=sys.stderr)
        return EXIT_OUTPUT
    if isinstance(exc, OSError):
        from .outputs import describe_os_error

        print(f"exometa: error: {describe_os_error(exc, exc.filename or 'a file', 'use')}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"exometa: internal error ({type(exc).__name__}: {str(exc)[:300]}). This is a bug in exometa; "
          "run the command again with --debug and report what it prints.", file=sys.stderr)
    return EXIT_BUG


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line each, without the source line they came from."""
    print(f"exometa: warning: {message}", file=sys.stderr)


def _on_sigterm(signum, frame):
    raise Terminated()


def main(argv=None) -> int:
    """Run one command; returns the exit status (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_in(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse printed it)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    debug = getattr(args, "debug", False)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        from . import cli_commands

        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return getattr(cli_commands, args.handler)(args)
    except BrokenPipeError:  # output piped into `head` and closed early: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except BaseException as exc:  # noqa: BLE001 - every failure becomes one line and an exit status
        if isinstance(exc, SystemExit):
            raise
        return _failure(exc, debug)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
