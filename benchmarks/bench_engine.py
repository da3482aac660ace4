"""The engine's speed, in one run: against metafor, PyMARE, statsmodels and the memory bandwidth.

    .venv/bin/python benchmarks/bench_engine.py            # prints the Markdown tables
    .venv/bin/python benchmarks/bench_engine.py --write    # also rewrites them in benchmarks/README.md
    .venv/bin/python benchmarks/bench_engine.py --quick    # k up to 10^6, no metafor GOSH (a minute)

What is measured (issue 13, items 5-7):

1. One fit at k = 10, 1,000, 10^6 and 10^7 -- REML with the Q-profile CI of tau^2 (the
   default for one analysis), REML without it, PM, DL -- against metafor (``rma()`` +
   ``confint()``, k <= 1,000: it builds k x k matrices), PyMARE (REML, no CI, k <= 10^4)
   and statsmodels (``combine_effects``, Paule-Mandel, with and without ``conf_int()``).
   Each peer's tau^2 is checked against exometa's and a wrong one is noted.
2. The memory-bandwidth bound: the bandwidth is measured here (NumPy summing a 400 MB
   array); a fit's passes over the data are counted (every call of the streamed kernel
   reads yi and vi, 16 bytes a study; the batch's ranges -- the smallest and largest yi
   and vi, four reductions -- read each twice, 32 bytes; the study weights read vi and
   write and rewrite the weights, 32 bytes). The bound is
   bytes / bandwidth; the table gives exometa's time as a multiple of it, the growth from
   10^6 to 10^7 studies, and the peak memory allocated during the fit (tracemalloc sees
   NumPy's arrays) as a multiple of the input (yi and vi).
3. All 4,095 subsets of k = 12 with REML, as one batch, against metafor's ``gosh()``.

Times are the best of several repeats (wall clock). The targets are ratios measured in the
same run, so they hold on a slow machine as on a fast one; on a shared machine rerun on a
quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

from exometa import meta_analysis
from exometa.models import evaluation, weighted_sums
from timing import best_of

HERE = Path(__file__).parent
SEED = 20261121
#: bytes a study outside the kernel: the batch's ranges (min and max of yi and vi: 32)
#: and the weights (32)
FIXED_BYTES = 64


def make_data(k: int, rng) -> tuple[np.ndarray, np.ndarray]:
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.1))
    return yi, vi


def bandwidth() -> float:
    """Bytes per second NumPy streams from memory (a sum over 400 MB, best of 5)."""
    a = np.ones(50_000_000)
    return a.nbytes / best_of(a.sum, 5)


class PassCounter:
    """Counts the bytes the streamed kernel reads during a fit (16 per study and row)."""

    def __enter__(self):
        self.bytes = 0
        self._orig = weighted_sums.sums

        def counting(y, v, t, centre, scale, order, rows=None):
            n = t.shape[0] if rows is None else np.size(rows)
            self.bytes += 16 * n * y.shape[1]
            return self._orig(y, v, t, centre, scale, order, rows)

        weighted_sums.sums = evaluation.weighted_sums.sums = counting
        self._single = evaluation.Problem._single

        def single(prob, t2, u, order, flat):
            self.bytes += 16 * prob.b.y.shape[1] * t2.shape[1]
            return self._single(prob, t2, u, order, flat)

        evaluation.Problem._single = single
        return self

    def __exit__(self, *exc):
        weighted_sums.sums = evaluation.weighted_sums.sums = self._orig
        evaluation.Problem._single = self._single


def have_metafor() -> bool:
    if not shutil.which("Rscript"):
        return False
    return subprocess.run(["Rscript", "-e", "library(metafor)"], capture_output=True).returncode == 0


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


def agree(a, b) -> bool:
    return abs(a - b) <= 1e-5 * max(1.0, abs(b))


# ---------------------------------------------------------------------------- peers
def bench_peers(k: int, yi, vi, metafor: bool, tmp: Path, reps: int) -> list[dict]:
    rows = []
    case = f"k = {k:,}"
    ours = meta_analysis(yi, vi, method="REML")
    t_ex = best_of(lambda: meta_analysis(yi, vi, method="REML"), reps)
    rows.append({"case": case, "tool": "exometa REML + tau² CI", "seconds": t_ex, "note": ""})
    if metafor and k <= 1000:
        path = tmp / f"single_{k}.csv"
        np.savetxt(path, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="")
        r = run_r(R_SINGLE, path, 3)
        rows.append({"case": case, "tool": "metafor rma() + confint()", "seconds": r["time"], "ratio": r["time"] / t_ex,
                     "note": "tau² agrees" if agree(r["tau2"], ours.tau2) else f"tau² {r['tau2']:.6g} (exometa {ours.tau2:.6g})"})  # fmt: skip
    elif metafor:
        rows.append({"case": case, "tool": "metafor", "seconds": None, "note": "not run: builds k × k matrices (55 s at k = 3,000)"})
    try:
        from pymare import estimators

        if k <= 10_000:
            t_noci = best_of(lambda: meta_analysis(yi, vi, method="REML", tau2_ci=False), reps)

            def pymare():
                est = estimators.VarianceBasedLikelihoodEstimator(method="REML")
                est.fit(y=yi[:, None], v=vi[:, None], X=np.ones((k, 1)))
                return est

            t = best_of(pymare, reps)
            tau = float(np.ravel(pymare().params_["tau2"])[0])
            rows.append({"case": case, "tool": "PyMARE REML (no CI)", "seconds": t, "ratio": t / t_noci,
                         "note": ("tau² agrees" if agree(tau, ours.tau2) else f"tau² {tau:.6g} (exometa {ours.tau2:.6g})")
                         + f"; ratio to exometa without CI ({t_noci:.4f} s)"})  # fmt: skip
        else:
            rows.append({"case": case, "tool": "PyMARE", "seconds": None, "note": "not run: k × k matrices"})
    except ImportError:
        pass
    try:
        from statsmodels.stats.meta_analysis import combine_effects

        pm = meta_analysis(yi, vi, method="PM", tau2_ci=False)
        t_pm = best_of(lambda: meta_analysis(yi, vi, method="PM", tau2_ci=False), reps)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sm = combine_effects(yi, vi, method_re="iterated")
            t_fit = best_of(lambda: combine_effects(yi, vi, method_re="iterated"), reps)
            t_ci = best_of(lambda: combine_effects(yi, vi, method_re="iterated").conf_int(), reps)
        note = "tau² agrees" if agree(sm.tau2, pm.tau2) else f"**wrong**: tau² {sm.tau2:.6g}, exometa and metafor's equation {pm.tau2:.6g}"
        rows.append({"case": case, "tool": "exometa PM (no tau² CI)", "seconds": t_pm, "note": ""})
        rows.append({"case": case, "tool": "statsmodels PM, fit only", "seconds": t_fit, "ratio": t_fit / t_pm, "note": note})
        rows.append({"case": case, "tool": "statsmodels PM + conf_int()", "seconds": t_ci, "ratio": t_ci / t_pm, "note": ""})
    except ImportError:
        pass
    return rows


# ---------------------------------------------------------------------------- bandwidth
def bench_bound(k: int, yi, vi, bw: float, reps: int) -> dict:
    out = {"k": k, "input_mb": (yi.nbytes + vi.nbytes) / 1e6}
    for label, kwargs in (("reml", {"method": "REML", "tau2_ci": False}), ("reml_ci", {"method": "REML"}),
                          ("pm", {"method": "PM", "tau2_ci": False}), ("dl", {"method": "DL", "tau2_ci": False})):  # fmt: skip
        with PassCounter() as pc:
            meta_analysis(yi, vi, **kwargs)
        streamed = pc.bytes + FIXED_BYTES * k
        t = best_of(lambda: meta_analysis(yi, vi, **kwargs), reps)
        out[label] = {"seconds": t, "passes": streamed / (16 * k), "bound": streamed / bw}
    tracemalloc.start()
    meta_analysis(yi, vi, method="REML")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["peak_ratio"] = peak / (yi.nbytes + vi.nbytes)
    return out


# ---------------------------------------------------------------------------- GOSH
def bench_gosh(rng, metafor: bool, tmp: Path) -> list[dict]:
    k = 12
    yi, vi = make_data(k, rng)
    B = 2**k - 1
    incl = ((np.arange(1, B + 1)[:, None] >> np.arange(k)) & 1).astype(bool)
    Y, V = np.where(incl, yi, np.nan), np.where(incl, vi, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_ex = best_of(lambda: meta_analysis(Y, V, method="REML", tau2_ci=False), 5)
        res = meta_analysis(Y, V, method="REML", tau2_ci=False)
    rows = [{"case": "GOSH, 4,095 subsets of k = 12", "tool": "exometa, one batch (REML)", "seconds": t_ex, "note": ""}]
    if metafor:
        path = tmp / "gosh.csv"
        np.savetxt(path, np.column_stack([yi, vi]), delimiter=",", header="yi,vi", comments="")
        r = run_r(R_GOSH, path)
        r_incl = np.array(r["incl"], bool)
        idx = (r_incl.astype(np.int64) << np.arange(k)).sum(axis=1) - 1
        r_est = np.array([np.nan if x is None else x for x in r["estimate"]])
        r_tau = np.array([np.nan if x is None else x for x in r["tau2"]])
        d_est = np.nanmax(np.abs(res.estimate[idx] - r_est))
        d_tau = np.nanmax(np.abs(res.tau2[idx] - r_tau))
        rows.append({"case": "GOSH, 4,095 subsets of k = 12", "tool": "metafor gosh()", "seconds": r["time"], "ratio": r["time"] / t_ex,
                     "note": f"max |difference|: estimate {d_est:.1e}, tau² {d_tau:.1e} (metafor stops at 1e-5)"})  # fmt: skip
    return rows


# ---------------------------------------------------------------------------- tables
def peer_table(rows: list[dict]) -> str:
    lines = ["| case | tool | seconds | peer / exometa | note |", "|---|---|---|---|---|"]
    for r in rows:
        secs = "—" if r["seconds"] is None else f"{r['seconds']:.4f}"
        ratio = r.get("ratio")
        ratio = "" if ratio is None else (f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2f}×")
        lines.append(f"| {r['case']} | {r['tool']} | {secs} | {ratio} | {r['note']} |")
    return "\n".join(lines)


def bound_table(results: list[dict], bw: float) -> str:
    lines = [
        f"Measured bandwidth: {bw / 1e9:.1f} GB/s (NumPy sum over 400 MB). Passes: bytes streamed / (16 bytes × k).",
        "",
        "| k | fit | passes | bound (s) | exometa (s) | exometa / bound |",
        "|---|---|---|---|---|---|",
    ]
    names = {"reml": "REML", "reml_ci": "REML + tau² CI", "pm": "PM", "dl": "DL"}
    for r in results:
        for key, name in names.items():
            m = r[key]
            lines.append(f"| {r['k']:,} | {name} | {m['passes']:.1f} | {m['bound']:.4f} | {m['seconds']:.4f} | {m['seconds'] / m['bound']:.1f}× |")
    lines += ["", "| k | input (MB) | peak allocated during a REML fit with CI / input |", "|---|---|---|"]
    for r in results:
        lines.append(f"| {r['k']:,} | {r['input_mb']:.0f} | {r['peak_ratio']:.2f}× |")
    big = {r["k"]: r for r in results}
    if 10**6 in big and 10**7 in big:
        lines += ["", "| fit | time at 10^7 / time at 10^6 (10 if linear) |", "|---|---|"]
        for key, name in names.items():
            lines.append(f"| {name} | {big[10**7][key]['seconds'] / big[10**6][key]['seconds']:.1f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the tables in benchmarks/README.md")
    parser.add_argument("--quick", action="store_true", help="k up to 10^6, no metafor GOSH")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(SEED)
    metafor = have_metafor()
    sizes = (10, 1000, 10**6) if args.quick else (10, 1000, 10**6, 10**7)
    bw = bandwidth()
    peers, bounds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in sizes:
            yi, vi = make_data(k, rng)
            reps = 200 if k <= 1000 else 3
            peers += bench_peers(k, yi, vi, metafor, Path(tmp), reps)
            if k >= 10**6:
                bounds.append(bench_bound(k, yi, vi, bw, reps))
        peers += bench_gosh(rng, metafor and not args.quick, Path(tmp))
    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}"
        + (", metafor via Rscript" if metafor else ", metafor not installed")
        + "."
    )
    text = "\n\n".join([header, "### Against the peers", peer_table(peers), "### Against the memory bandwidth", bound_table(bounds, bw)])
    print(text)
    if args.write:
        readme = HERE / "README.md"
        body = readme.read_text()
        start, end = body.index("<!-- results -->"), body.index("<!-- /results -->")
        readme.write_text(body[: start + len("<!-- results -->")] + "\n" + text + "\n" + body[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
