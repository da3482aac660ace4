"""Speed of exometa's engine against metafor, PyMARE and statsmodels, measured in one run.

    python benchmarks/bench_engine.py            # prints a Markdown table
    python benchmarks/bench_engine.py --write    # also rewrites the table in benchmarks/README.md

Cases (issue 2):
- one REML fit (with the Q-profile CI of tau^2, as exometa always computes it) at
  k = 10, 1,000 and 1,000,000;
- all 4,095 subsets of a k = 12 data set with REML, as one batch, against metafor's gosh(),
  checking that every subset's estimate and tau^2 agree.

metafor runs when ``Rscript`` with metafor is installed; PyMARE and statsmodels when
importable (``pip install -e '.[bench]'``). A peer that cannot fit a size in reasonable time
or memory is skipped with the reason. Times are the best of several repeats (wall clock);
the targets are ratios, so they hold on a slow machine as on a fast one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from exometa import meta_analysis

HERE = Path(__file__).parent
SEED = 20261121


def best_of(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def make_data(k: int, rng) -> tuple[np.ndarray, np.ndarray]:
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.1))
    return yi, vi


def have_metafor() -> bool:
    if not shutil.which("Rscript"):
        return False
    ok = subprocess.run(["Rscript", "-e", "library(metafor)"], capture_output=True)
    return ok.returncode == 0


R_SINGLE = r"""
suppressMessages(library(metafor))
args <- commandArgs(TRUE)
d <- read.csv(args[1]); reps <- as.integer(args[2])
best <- Inf
for (r in seq_len(reps)) {
  t <- system.time({ fit <- rma(yi, vi, data = d, method = "REML"); ci <- confint(fit) })[["elapsed"]]
  best <- min(best, t)
}
cat(jsonlite::toJSON(list(time = best, estimate = fit$b[1], tau2 = fit$tau2), digits = NA, auto_unbox = TRUE))
"""

R_GOSH = r"""
suppressMessages(library(metafor))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
fit <- rma(yi, vi, data = d, method = "REML")
t <- system.time(g <- gosh(fit, subsets = 1e6, progbar = FALSE))[["elapsed"]]
cat(jsonlite::toJSON(list(time = t, incl = unname(g$incl * 1L),
    estimate = g$res$estimate, tau2 = g$res$tau2), digits = NA, auto_unbox = TRUE, na = "null"))
"""


def run_r(script: str, *args) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(script)
    out = subprocess.run(["Rscript", fh.name, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def pymare_reml(yi, vi):
    from pymare import estimators

    est = estimators.VarianceBasedLikelihoodEstimator(method="REML")
    est.fit(y=yi[:, None], v=vi[:, None], X=np.ones((yi.size, 1)))
    return est


def statsmodels_pm(yi, vi):
    from statsmodels.stats.meta_analysis import combine_effects

    return combine_effects(yi, vi, method_re="iterated")


def bench_single(k: int, rng, metafor: bool, tmp: Path) -> list[dict]:
    yi, vi = make_data(k, rng)
    reps = 5 if k <= 1000 else 3
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_ex = best_of(lambda: meta_analysis(yi, vi, method="REML"), reps)
    ours = meta_analysis(yi, vi, method="REML")
    rows.append({"case": f"REML fit, k = {k:,}", "tool": "exometa", "seconds": t_ex, "note": ""})
    if metafor:
        if k <= 3000:
            path = tmp / f"single_{k}.csv"
            np.savetxt(path, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="")
            r = run_r(R_SINGLE, path, 3 if k <= 1000 else 1)
            agree = abs(r["tau2"] - ours.tau2) <= 1e-5 * max(1, abs(ours.tau2))
            rows.append({"case": f"REML fit, k = {k:,}", "tool": "metafor rma()+confint()", "seconds": r["time"],
                         "note": f"tau2 agrees: {agree}", "ratio": r["time"] / t_ex})
        else:
            rows.append({"case": f"REML fit, k = {k:,}", "tool": "metafor", "seconds": None,
                         "note": "skipped: builds k x k matrices (55 s at k = 3,000, cost ~ k^3)"})
    try:
        import pymare  # noqa: F401

        if k <= 10000:
            t = best_of(lambda: pymare_reml(yi, vi), reps)
            rows.append({"case": f"REML fit, k = {k:,}", "tool": "PyMARE (REML, no CI)", "seconds": t, "ratio": t / t_ex, "note": ""})
        else:
            rows.append({"case": f"REML fit, k = {k:,}", "tool": "PyMARE", "seconds": None, "note": "skipped: k x k matrices"})
    except ImportError:
        pass
    try:
        import statsmodels  # noqa: F401

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_pm = best_of(lambda: meta_analysis(yi, vi, method="PM"), reps)
            t = best_of(lambda: statsmodels_pm(yi, vi), reps)
        rows.append({"case": f"PM fit, k = {k:,}", "tool": "statsmodels combine_effects (PM, no tau2 CI)", "seconds": t,
                     "ratio": t / t_pm, "note": f"exometa PM: {t_pm:.4f} s"})
    except ImportError:
        pass
    return rows


def bench_gosh(rng, metafor: bool, tmp: Path) -> list[dict]:
    k = 12
    yi, vi = make_data(k, rng)
    B = 2**k - 1
    incl = ((np.arange(1, B + 1)[:, None] >> np.arange(k)) & 1).astype(bool)
    Y, V = np.where(incl, yi, np.nan), np.where(incl, vi, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_ex = best_of(lambda: meta_analysis(Y, V, method="REML"), 5)
        res = meta_analysis(Y, V, method="REML")
    rows = [{"case": "GOSH, 4,095 subsets of k = 12 (REML)", "tool": "exometa (one batch)", "seconds": t_ex, "note": ""}]
    if metafor:
        path = tmp / "gosh.csv"
        np.savetxt(path, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="")
        r = run_r(R_GOSH, path)
        r_incl = np.array(r["incl"], bool)
        # match metafor's subsets to ours through their bit patterns
        idx = (r_incl.astype(np.int64) << np.arange(k)).sum(axis=1) - 1
        r_est = np.array([np.nan if x is None else x for x in r["estimate"]])
        r_tau = np.array([np.nan if x is None else x for x in r["tau2"]])
        d_est = np.nanmax(np.abs(res.estimate[idx] - r_est))
        d_tau = np.nanmax(np.abs(res.tau2[idx] - r_tau))
        rows.append({"case": "GOSH, 4,095 subsets of k = 12 (REML)", "tool": "metafor gosh()", "seconds": r["time"],
                     "ratio": r["time"] / t_ex,
                     "note": f"max |diff| estimate {d_est:.1e}, tau2 {d_tau:.1e} (metafor's default tolerance 1e-5)"})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| case | tool | seconds | peer / exometa | note |", "|---|---|---|---|---|"]
    for r in rows:
        secs = "—" if r["seconds"] is None else f"{r['seconds']:.4f}"
        ratio = f"{r['ratio']:.0f}×" if r.get("ratio") and r["ratio"] >= 10 else (f"{r['ratio']:.1f}×" if r.get("ratio") else "")
        lines.append(f"| {r['case']} | {r['tool']} | {secs} | {ratio} | {r['note']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the table in benchmarks/README.md")
    parser.add_argument("--quick", action="store_true", help="skip k = 1,000,000 and GOSH against metafor")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(SEED)
    metafor = have_metafor()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in (10, 1000) if args.quick else (10, 1000, 1_000_000):
            rows += bench_single(k, rng, metafor, Path(tmp))
        rows += bench_gosh(rng, metafor and not args.quick, Path(tmp))
    text = table(rows)
    import platform

    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} with {__import__('os').cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}"
        + (", metafor via Rscript" if metafor else ", metafor not installed")
        + "."
    )
    print(header + "\n\n" + text)
    if args.write:
        readme = HERE / "README.md"
        body = readme.read_text()
        start, end = body.index("<!-- results -->"), body.index("<!-- /results -->")
        readme.write_text(body[: start + len("<!-- results -->")] + "\n" + header + "\n\n" + text + "\n" + body[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
