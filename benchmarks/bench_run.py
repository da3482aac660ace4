"""Benchmarks of the reviewer's loop: start-up, `exometa check`, and `exometa run` cold, with nothing
changed and after one edit, against the equivalent metafor script, at 20 / 200 / 2,000 studies;
and what each figure format costs, before and after the settings of issue 13.

    .venv/bin/python benchmarks/bench_run.py            # writes benchmarks/run.md
    .venv/bin/python benchmarks/bench_run.py --quick    # without 2,000 studies
    .venv/bin/python benchmarks/bench_run.py --repeat 3 # best of 3 up to 200 studies (default 1)

Every timing is the wall-clock time of a fresh process, as a user sees it (the metafor script's
includes starting R and loading metafor, readxl and svglite; exometa's includes starting Python).
"Own work" subtracts the start of a bare interpreter (`python -c pass`). Workbooks are the shipped
`studies.xlsx` with N synthetic studies added (each a copy of Wan 2025's row — a single-arm change
from baseline with its SD — with its mean, SD and n drawn from a seeded generator), analysed by the
shipped analysis `change_over_time_density` alone (its metafor equivalent: `bench_run.R`). One edit
changes one synthetic study's SD.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
EXOMETA = [PY, "-m", "exometa.cli"]
ANALYSIS = "change_over_time_density"
#: seconds the metafor script may take (its leave1out() and influence() refit k times with k x k
#: matrices: about an hour at 2,000 studies)
R_LIMIT = 180


def synthetic_workbook(n: int, path: Path, seed: int = 13) -> Path:
    """The shipped workbook plus ``n`` synthetic single-arm studies of hair-density change."""
    from openpyxl import load_workbook

    wb = load_workbook(ROOT / "studies.xlsx")
    studies, outcomes = wb["studies"], wb["outcomes"]
    s_head = [c.value for c in studies[1]]
    o_head = [c.value for c in outcomes[1]]
    s_row = next(r for r in studies.iter_rows(min_row=2, values_only=True) if r[0] == "EV04")
    o_row = next(r for r in outcomes.iter_rows(min_row=2, values_only=True)
                 if r[0] == "EV04" and r[o_head.index("quantity")] == "change from baseline")
    rng = np.random.default_rng(seed)
    for i in range(n):
        sid = f"SY{i + 1:04d}"
        size = int(rng.integers(10, 120))
        s = dict(zip(s_head, s_row))
        s.update(study_id=sid, label=f"Synthetic {i + 1:04d}", n_enrolled=size, doi=None, inconsistencies=None,
                 citation=f"Synthetic study {i + 1} (benchmark data, not a real study).", source_url=None)
        studies.append([s[h] for h in s_head])
        o = dict(zip(o_head, o_row))
        o.update(study_id=sid, n=size, mean=round(float(rng.normal(30, 10)), 1),
                 sd=round(float(rng.uniform(4, 15)), 1))
        outcomes.append([o[h] for h in o_head])
    wb.save(path)
    return path


def edit_one_sd(src: Path, dst: Path) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(src)
    ws = wb["outcomes"]
    head = [c.value for c in ws[1]]
    sd = head.index("sd") + 1
    for row in range(ws.max_row, 1, -1):  # the last synthetic study (or Wan 2025)
        if isinstance(ws.cell(row, sd).value, (int, float)):
            ws.cell(row, sd).value = ws.cell(row, sd).value + 1.0
            break
    wb.save(dst)
    return dst


def timed(cmd, cwd=None, repeat=1, limit=None) -> tuple[float, str]:
    """Best wall-clock seconds of ``repeat`` runs of ``cmd``, and the last line it printed (or why it failed);
    a run still going after ``limit`` seconds is stopped (time ``inf``)."""
    best, note = float("inf"), ""
    for _ in range(repeat):
        t = time.perf_counter()
        try:
            done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            return float("inf"), f"stopped after {limit:.0f} s, unfinished"
        best = min(best, time.perf_counter() - t)
        if done.returncode:
            lines = [ln.strip() for ln in (done.stderr or done.stdout).strip().splitlines()
                     if ln.strip() and ln.strip() != "Execution halted"] or [f"exit {done.returncode}"]
            why = next((ln for ln in lines if "rror" in ln), lines[-1])
            return float("nan"), f"failed (exit {done.returncode}): {why[:160]}"
        note = (done.stdout.strip().splitlines() or [""])[-1]
    return best, note


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).iterdir() if p.is_file())


def _short(note: str) -> str:
    """exometa's last line without the temporary folder's name."""
    return note.split(": ", 1)[1] if note.startswith("/") else note


def loop_rows(sizes, repeat, work: Path, r_ok: bool) -> list:
    rows = []
    for n in sizes:
        project = work / f"n{n}"
        (project / "analyses").mkdir(parents=True)
        shutil.copy(ROOT / "analyses" / f"{ANALYSIS}.toml", project / "analyses")
        wb = synthetic_workbook(n, project / "studies.xlsx") if n else shutil.copy(ROOT / "studies.xlsx", project)
        edited = edit_one_sd(Path(wb), project / "edited.xlsx")
        k = f"{n} synthetic + the shipped workbook"
        reps = repeat if n <= 200 else 1
        run = [*EXOMETA, "run", "--analyses", "analyses"]
        cold = min(timed([*run, "--workbook", "studies.xlsx", "--figures", f"cold{i}"], project)[0]
                   for i in range(reps))
        note = timed([*run, "--workbook", "studies.xlsx", "--figures", "cold"], project)[1]
        cold1 = min(timed([*run, "--workbook", "studies.xlsx", "--figures", f"one{i}", "--jobs", "1"], project)[0]
                    for i in range(reps))
        same, note2 = timed([*run, "--workbook", "studies.xlsx", "--figures", "cold"], project, reps)
        edit, note3 = float("inf"), ""
        for i in range(reps):  # each time from the unedited set
            if i:
                timed([*run, "--workbook", "studies.xlsx", "--figures", "cold"], project)
            t, note3 = timed([*run, "--workbook", "edited.xlsx", "--figures", "cold"], project)
            edit = min(edit, t)
        size = folder_size(project / "cold") if (project / "cold").exists() else 0
        rows.append((k, "exometa run, cold (all cores)", cold, _short(note), size))
        rows.append((k, "exometa run, cold (--jobs 1)", cold1, "", None))
        rows.append((k, "exometa run, nothing changed", same, _short(note2), None))
        rows.append((k, "exometa run, one SD edited", edit, _short(note3), None))
        if r_ok:
            (project / "r").mkdir()
            r, rnote = timed(["Rscript", str(HERE / "bench_run.R"), "studies.xlsx", "r"], project, reps, limit=R_LIMIT)
            rows.append((k, "metafor script (forest, funnel, leave-one-out, influence; 3 formats)", r, rnote, folder_size(project / "r")))
        print(*rows[-5:], sep="\n", flush=True)
    return rows


def startup_rows(repeat: int, work: Path) -> list:
    bare, _ = timed([PY, "-c", "pass"], repeat=repeat)
    rows = [("python -c pass (interpreter start)", bare, "")]
    for label, cmd in (("import exometa", [PY, "-c", "import exometa"]),
                       ("exometa --version", [*EXOMETA, "--version"]),
                       ("exometa --help", [*EXOMETA, "--help"]),
                       ("exometa check studies.xlsx", [*EXOMETA, "check", str(ROOT / "studies.xlsx")]),
                       ("exometa check --flags studies.xlsx", [*EXOMETA, "check", "--flags", str(ROOT / "studies.xlsx")])):
        t, _ = timed(cmd, work, repeat)
        rows.append((label, t, f"own work {max(t - bare, 0.0):.2f} s"))
    return rows


def format_rows(repeat: int) -> list:
    """Seconds and bytes per format for the shipped analysis's figures, old settings against new."""
    import matplotlib

    from exometa.analysis.run import run_analysis
    from exometa.analysis.spec import load_spec
    from exometa.figure_jobs import draw, figure_jobs
    from exometa.plots import save
    from exometa.workbook.reader import read_workbook

    res = run_analysis(load_spec(ROOT / "analyses" / f"{ANALYSIS}.toml"), read_workbook(ROOT / "studies.xlsx"))
    jobs = figure_jobs(res)
    figs = []
    real = save.figure_bytes
    # keep each figure once, write nothing
    save.figure_bytes = lambda fig, fmt, dpi=save.DPI: (fig in figs or figs.append(fig)) and b"" or b""
    try:
        with tempfile.TemporaryDirectory() as tmp, save.figure_formats(["svg"]):
            for job in jobs:
                draw(job, tmp)
    finally:
        save.figure_bytes = real
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    def with_settings(rc, features):
        def save_bytes(fig, fmt):
            FigureCanvasAgg(fig)
            for t in fig.findobj(Text):
                t.set_fontfeatures(features)
            buf = io.BytesIO()
            with matplotlib.rc_context(rc):
                fig.savefig(buf, format=fmt, dpi=save.DPI, metadata=save._METADATA[fmt])
            return buf.getvalue()
        return save_bytes

    before = {"svg.hashsalt": "exometa", "svg.fonttype": "path", "pdf.fonttype": 42, "font.family": "DejaVu Sans"}
    settings = {
        "before (SVG glyphs as paths; PDF Type 42, fonts split by ligatures and non-Latin-1 characters)":
            (with_settings(before, None), ("svg", "png", "pdf")),
        "PDF Type 3 (tried)": (with_settings({**save.RC, "pdf.fonttype": 3, "ps.fonttype": 3}, save.FONT_FEATURES),
                               ("pdf",)),
        "after (SVG text; PDF Type 42, each font once, no layout tables)":
            (lambda fig, fmt: save.figure_bytes(fig, fmt), ("svg", "png", "pdf")),
    }
    rows = []
    for label, (save_bytes, formats) in settings.items():
        for fmt in formats:
            seconds, size = 0.0, 0
            for fig in figs:
                best = float("inf")
                for _ in range(repeat):
                    t0 = time.process_time()
                    data = save_bytes(fig, fmt)
                    best = min(best, time.process_time() - t0)
                seconds += best
                size += len(data)
            rows.append((label, fmt, seconds, size))
    return rows, [job.name for job in jobs]


def write_markdown(path: Path, start, loop, formats, figure_names, repeat) -> None:
    import matplotlib

    from exometa import __version__

    out = [
        "# `exometa run` benchmarks",
        "",
        "Written by `benchmarks/bench_run.py` (see its docstring for what is timed and how). Indicative:",
        "measured on a shared machine; re-run on a quiet one for numbers to quote.",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, exometa {__version__}, matplotlib {matplotlib.__version__}; "
        f"best of {repeat} where repeated; load average when it ended "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1 / 5 / 15 min; other work on the machine slows every row).",
        "",
        "## Start-up",
        "",
        "| command | seconds | note |",
        "|---|---|---|",
    ]
    out += [f"| `{label}` | {t:.2f} | {note} |" for label, t, note in start]
    out += ["", f"## The reviewer's loop: one analysis (`{ANALYSIS}`)", "",
            "exometa draws the forest plot (paged at 40 studies), the leave-one-out and influence figures "
            "(and, from 10 studies, the funnel plot for small-study effects) in SVG, PNG and PDF, and writes "
            "the study table, the Summary of Findings and the report (HTML, Markdown, Word, JSON); the "
            "metafor script (`bench_run.R`) fits the same model to the same numbers, runs leave-one-out and "
            "influence, writes the study table and draws a forest, a funnel, a leave-one-out and an influence "
            "plot in the same formats (no risk-of-bias figures, Summary of Findings or report). \"Nothing changed\" is a second run on the same inputs; "
            "\"one SD edited\" a run after one study's SD changed.", "",
            "| studies | what | seconds | output | note |", "|---|---|---|---|---|"]
    for k, what, t, note, size in loop:
        secs = "—" if t != t else f"> {R_LIMIT}" if t == float("inf") else f"{t:.2f}"
        out.append(f"| {k} | {what} | {secs} | {'' if not size else f'{size / 1e6:.1f} MB'} | {note} |")
    out += ["", "## What each figure format costs (the shipped analysis's figures: "
            + ", ".join(figure_names) + ")", "",
            "CPU seconds to save every figure once, and total bytes.", "",
            "| settings | format | seconds | bytes |", "|---|---|---|---|"]
    out += [f"| {label} | {fmt} | {s:.3f} | {size:,} |" for label, fmt, s, size in formats]
    out += ["", "Type 3 PDF fonts are faster to write but larger here, and some journals' preflight "
            "checks reject them, so exometa keeps Type 42 and embeds each font once.", ""]
    path.write_text("\n".join(out), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip 2,000 studies")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs where repeated")
    parser.add_argument("--out", default=str(HERE / "run.md"), help="the Markdown file to write")
    args = parser.parse_args(argv)
    r_ok = shutil.which("Rscript") is not None and subprocess.run(
        ["Rscript", "-e", "library(metafor); library(readxl); library(svglite)"], capture_output=True).returncode == 0
    sizes = (0, 20, 200) if args.quick else (0, 20, 200, 2000)
    with tempfile.TemporaryDirectory(prefix="exometa-bench-") as tmp:
        work = Path(tmp)
        start = startup_rows(args.repeat, work)
        print(*start, sep="\n", flush=True)
        formats, names = format_rows(max(args.repeat, 2))
        loop = loop_rows(sizes, args.repeat, work, r_ok)
    write_markdown(Path(args.out), start, loop, formats, names, args.repeat)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
