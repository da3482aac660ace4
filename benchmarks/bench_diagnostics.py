"""Speed of exometa's diagnostics against metafor's, measured in one run.

    .venv/bin/python benchmarks/bench_diagnostics.py           # prints the table, writes benchmarks/diagnostics.md
    .venv/bin/python benchmarks/bench_diagnostics.py --quick   # smaller samples of metafor's refits
    .venv/bin/python benchmarks/bench_diagnostics.py --no-write

Cases (issue 9) and how metafor's share is kept affordable:

- leave1out() and influence() at k = 1,000 (REML). metafor refits the model k times, each
  a k x k REML fit of about a second or more, so the full run takes tens of minutes. Here
  ``n`` of those refits (``rma(yi, vi, subset = -i)``, exactly what its loop does) are timed
  and multiplied by k / n: each refit has the same size, so the scaling is linear and
  honest. For influence() this is a lower bound on metafor's time (it also builds k x k
  matrices per study), so its ratio is reported as "at least".
- gosh() of all 32,767 subsets of k = 15 (REML): metafor's gosh() is timed on a random
  sample of subsets (``gosh(subsets = n)``, whose sizes follow the same binomial
  distribution as the full set) and scaled to 32,767; every sampled subset's estimate and
  tau^2 are checked against exometa's fit of the same subset.
- gosh() of 10^6 random subsets of k = 30 (REML): exometa's time; metafor's is its time per
  subset (from a sample) times 10^6.
- permutest() with 1,000 iterations (REML), without and with a moderator, k = 30: metafor
  timed in full.

Times are wall clock, best of several repeats for exometa, one run for metafor (R's
start-up excluded). The lead re-measures on a quiet machine; the targets are ratios.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np

import exometa
from exometa import gosh, influence, leave1out, meta_analysis, permutest
from timing import best_of

HERE = Path(__file__).parent
SEED = 20261122


def make_data(k: int, rng, tau2: float = 0.1):
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(0.3, np.sqrt(vi + tau2))
    return yi, vi


def have_metafor() -> bool:
    if not shutil.which("Rscript"):
        return False
    return subprocess.run(["Rscript", "-e", "library(metafor)"], capture_output=True).returncode == 0


R_REFITS = r"""
suppressMessages(library(metafor))
args <- commandArgs(TRUE); d <- read.csv(args[1]); n <- as.integer(args[2])
est <- numeric(n)
t <- system.time(for (i in seq_len(n)) est[i] <- rma(yi, vi, data = d, method = "REML", subset = -i)$beta[1])[["elapsed"]]
cat(jsonlite::toJSON(list(time = t, estimate = est), digits = NA, auto_unbox = TRUE))
"""

R_GOSH = r"""
suppressMessages(library(metafor))
args <- commandArgs(TRUE); d <- read.csv(args[1]); n <- as.integer(args[2])
fit <- rma(yi, vi, data = d, method = "REML")
t <- system.time(g <- gosh(fit, subsets = n, progbar = FALSE, seed = 1))[["elapsed"]]
cat(jsonlite::toJSON(list(time = t, incl = unname(g$incl * 1L), estimate = g$res$estimate, tau2 = g$res$tau2),
                     digits = NA, auto_unbox = TRUE, na = "null"))
"""

R_PERMUTEST = r"""
suppressMessages(library(metafor))
args <- commandArgs(TRUE); d <- read.csv(args[1]); mods <- args[2] == "mods"
fit <- if (mods) rma(yi, vi, mods = ~ x, data = d, method = "REML") else rma(yi, vi, data = d, method = "REML")
t <- system.time(p <- permutest(fit, iter = 1000, progbar = FALSE, seed = 1))[["elapsed"]]
cat(jsonlite::toJSON(list(time = t, pval = p$pval, qmp = p$QMp), digits = NA, auto_unbox = TRUE))
"""


def run_r(script: str, *args) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(script)
    out = subprocess.run(["Rscript", fh.name, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def write_csv(path: Path, **columns) -> Path:
    names = list(columns)
    np.savetxt(path, np.column_stack([columns[n] for n in names]), delimiter=",", header=",".join(names), comments="")
    return path


def row(case, tool, seconds, note="", ratio=None, at_least=False):
    return {"case": case, "tool": tool, "seconds": seconds, "note": note, "ratio": ratio, "at_least": at_least}


def bench_deletion(rng, metafor: bool, tmp: Path, n_refits: int) -> list[dict]:
    k = 1000
    yi, vi = make_data(k, rng)
    res = meta_analysis(yi, vi, method="REML")
    t_l1o = best_of(lambda: leave1out(res), 3)
    t_inf = best_of(lambda: influence(res), 3)
    rows = [row("leave1out, k = 1,000 (REML)", "exometa (one batch of 1,000 fits)", t_l1o),
            row("influence, k = 1,000 (REML)", "exometa (one batch of 1,001 fits)", t_inf)]  # fmt: skip
    if metafor:
        r = run_r(R_REFITS, write_csv(tmp / "k1000.csv", yi=yi, vi=vi), n_refits)
        per_fit = r["time"] / n_refits
        full = per_fit * k
        ours = leave1out(res).estimate[:n_refits]
        diff = np.max(np.abs(np.asarray(r["estimate"]) - ours))
        note = (f"{n_refits} of its {k:,} refits timed ({r['time']:.1f} s), x {k // n_refits}; "
                f"max |diff| of those estimates {diff:.1e} (metafor's default tolerance)")  # fmt: skip
        rows.append(row("leave1out, k = 1,000 (REML)", "metafor leave1out() (scaled)", full, note, full / t_l1o))
        rows.append(row("influence, k = 1,000 (REML)", "metafor influence() (lower bound)", full,
                        "the same k refits; influence() does more per refit", full / t_inf, at_least=True))  # fmt: skip
    return rows


def bench_gosh(rng, metafor: bool, tmp: Path, n_subsets: int) -> list[dict]:
    k = 15
    yi, vi = make_data(k, rng)
    res = meta_analysis(yi, vi, method="REML")
    t_ex = best_of(lambda: gosh(res), 3)
    g = gosh(res)
    case = "gosh, all 32,767 subsets of k = 15 (REML)"
    rows = [row(case, "exometa (one batch)", t_ex)]
    if metafor:
        r = run_r(R_GOSH, write_csv(tmp / "k15.csv", yi=yi, vi=vi), n_subsets)
        incl = np.array(r["incl"], bool)
        index = {p.tobytes(): i for i, p in enumerate(g.incl)}
        idx = np.array([index[p.tobytes()] for p in incl])
        est = np.array([np.nan if v is None else v for v in r["estimate"]])
        d_est = np.nanmax(np.abs(g.estimate[idx] - est))
        full = r["time"] / len(incl) * len(g.k)
        note = (f"gosh(subsets = {len(incl):,}) timed ({r['time']:.1f} s) and scaled to 32,767; "
                f"max |diff| of estimates {d_est:.1e}")  # fmt: skip
        rows.append(row(case, "metafor gosh() (scaled)", full, note, full / t_ex))
    # a million random subsets of k = 30
    k30 = 30
    yi, vi = make_data(k30, rng)
    res30 = meta_analysis(yi, vi, method="REML")
    t0 = time.perf_counter()
    g30 = gosh(res30, subsets=10**6, seed=1)
    t_big = time.perf_counter() - t0
    case = "gosh, 10^6 random subsets of k = 30 (REML)"
    rows.append(row(case, "exometa", t_big, f"{np.isfinite(g30.estimate).sum():,} fits"))
    if metafor:
        n = max(200, n_subsets // 4)
        r = run_r(R_GOSH, write_csv(tmp / "k30.csv", yi=yi, vi=vi), n)
        full = r["time"] / n * 1e6
        rows.append(row(case, "metafor gosh() (scaled)", full, f"{n:,} subsets timed ({r['time']:.1f} s) x {10**6 // n:,}",
                        full / t_big))  # fmt: skip
    return rows


def bench_permutest(rng, metafor: bool, tmp: Path) -> list[dict]:
    k = 30
    yi, vi = make_data(k, rng)
    x = rng.normal(size=k)
    yi = yi + 0.2 * x
    rows = []
    for mods in (False, True):
        res = meta_analysis(yi, vi, method="REML", mods=x if mods else None)
        case = f"permutest, 1,000 iterations, k = 30 (REML{', one moderator' if mods else ''})"
        t_ex = best_of(lambda: permutest(res, iter=1000, seed=1), 3)
        ours = permutest(res, iter=1000, seed=1)
        rows.append(row(case, "exometa (one batch)", t_ex))
        if metafor:
            r = run_r(R_PERMUTEST, write_csv(tmp / "perm.csv", yi=yi, vi=vi, x=x), "mods" if mods else "none")
            theirs = np.atleast_1d(r["pval"])
            note = f"p-values: metafor {np.round(theirs, 3).tolist()}, exometa {np.round(ours.pval, 3).tolist()} (random permutations)"
            rows.append(row(case, "metafor permutest()", r["time"], note, r["time"] / t_ex))
    return rows


#: issue 9's targets: (case prefix, what must hold, test on the rows of that case)
TARGETS = (
    ("leave1out, k = 1,000", "≥ 100× faster than metafor", lambda rs: _ratio(rs) >= 100),
    ("influence, k = 1,000", "≥ 100× faster than metafor", lambda rs: _ratio(rs) >= 100),
    ("gosh, all 32,767", "≥ 100× faster than metafor's gosh()", lambda rs: _ratio(rs) >= 100),
    ("gosh, 10^6", "in seconds (under 10 s)", lambda rs: rs[0]["seconds"] < 10),
    ("permutest, 1,000 iterations, k = 30 (REML)", "≥ 100× faster than permutest()", lambda rs: _ratio(rs) >= 100),
    ("permutest, 1,000 iterations, k = 30 (REML, one", "≥ 100× faster than permutest()", lambda rs: _ratio(rs) >= 100),
)


def _ratio(rows) -> float:
    return max((r["ratio"] or 0) for r in rows)


def verdicts(rows: list[dict]) -> str:
    lines = ["| target | holds in this run |", "|---|---|"]
    for prefix, what, test in TARGETS:
        rs = [r for r in rows if r["case"].startswith(prefix)]
        if not rs:
            continue
        needs_r = "faster than" in what
        holds = "not measured (no metafor)" if needs_r and not any(r["ratio"] for r in rs) else ("yes" if test(rs) else "**no**")
        lines.append(f"| {rs[0]['case']}: {what} | {holds} |")
    return "\n".join(lines)


def table(rows: list[dict]) -> str:
    lines = ["| case | tool | seconds | metafor / exometa | note |", "|---|---|---|---|---|"]
    for r in rows:
        secs = "—" if r["seconds"] is None else f"{r['seconds']:.3f}" if r["seconds"] < 100 else f"{r['seconds']:,.0f}"
        ratio = ""
        if r["ratio"]:
            ratio = (("≥ " if r["at_least"] else "") + (f"{r['ratio']:,.0f}×" if r["ratio"] >= 10 else f"{r['ratio']:.1f}×"))
        lines.append(f"| {r['case']} | {r['tool']} | {secs} | {ratio} | {r['note']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time fewer of metafor's refits and subsets")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite benchmarks/diagnostics.md")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(SEED)
    metafor = have_metafor()
    n_refits, n_subsets = (5, 1000) if args.quick else (20, 4000)
    rows = []
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        rows += bench_deletion(rng, metafor, Path(tmp), n_refits)
        rows += bench_gosh(rng, metafor, Path(tmp), n_subsets)
        rows += bench_permutest(rng, metafor, Path(tmp))
    text = table(rows) + "\n\n## Targets\n\n" + verdicts(rows)
    print(text)
    if not args.no_write:
        write_report(text, metafor)


def write_report(text: str, metafor: bool) -> None:
    from exometa.diagnostics.batch import _engine_options

    r_version = ""
    if metafor:
        r_version = subprocess.run(["Rscript", "-e", "cat(as.character(packageVersion('metafor')))"],
                                   capture_output=True, text=True).stdout.strip()  # fmt: skip
    tau2_ci = "off (fit_batch(tau2_ci=False))" if _engine_options() else "on (this engine always computes it)"
    header = (
        "# Diagnostics benchmarks (issue 9)\n\n"
        "Written by `benchmarks/bench_diagnostics.py` (see its docstring for how each case is timed and\n"
        "why metafor's time is scaled where it is). Targets: leave-one-out and influence at k = 1,000\n"
        "≥ 100× faster than metafor; GOSH of all 32,767 subsets of k = 15 with REML ≥ 100× faster than\n"
        "`gosh()`; 10^6 random subsets of k = 30 in seconds; a 1,000-iteration permutation test ≥ 100×\n"
        "faster than `permutest()`.\n\n"
        f"Measured {date.today().isoformat()} on {platform.machine()} ({platform.processor() or 'cpu'}), "
        f"Python {platform.python_version()}, NumPy {np.__version__}, exometa {exometa.__version__}"
        + (f", metafor {r_version} via Rscript" if metafor else ", without R (metafor not installed)")
        + f". Q-profile CI of tau^2 in the diagnostics' refits: {tau2_ci}. "
        "Indicative when the machine is shared.\n\n"
    )
    (HERE / "diagnostics.md").write_text(header + text + "\n")
    print(f"wrote {HERE / 'diagnostics.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
