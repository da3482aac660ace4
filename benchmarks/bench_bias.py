"""Speed of exometa.bias against metafor, measured in one run.

    python benchmarks/bench_bias.py          # prints a Markdown table

Cases:
- Egger's test (regtest, REML meta-regression on the SE) for 2,000 simulated
  meta-analyses of k = 20 — a power study — as one batch (``regtest_rows``) against
  metafor's ``regtest()`` in a loop;
- trim and fill (L0, REML) for the same 2,000 analyses (``trimfill_rows``, every row
  converging on its own) against ``trimfill()`` in a loop;
- the three-parameter selection model on dat.hackshaw1998 (k = 37), one fit each.

metafor runs when ``Rscript`` with metafor is installed. Times are the best of several
repeats (wall clock); compare ratios, not seconds. "agree" is the share of analyses with
the same z (rtol 1e-3) or k0: metafor's REML stops at its default threshold (1e-5), and
the few rows that differ agree once metafor is run with threshold=1e-12.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

from exometa import meta_analysis, selmodel
from exometa.bias.regtest import regtest_rows
from exometa.bias.trimfill import trimfill_rows
from timing import best_of

HERE = Path(__file__).parent
SEED = 20261122
B, K = 2000, 20


def simulate(rng):
    """B meta-analyses of K studies with a small-study effect in half of them."""
    vi = rng.uniform(0.005, 0.15, (B, K))
    bias = np.where(np.arange(B)[:, None] < B // 2, 1.0 * np.sqrt(vi), 0.0)
    yi = rng.normal(0.2 + bias, np.sqrt(vi + 0.02))
    return yi, vi


R_CODE = r"""
suppressMessages(library(metafor)); library(jsonlite)
d <- fromJSON(commandArgs(TRUE)[1])
Y <- d$yi; V <- d$vi
ctl <- list(stepadj = 0.5, maxiter = 1000)  # Fisher scoring needs damping for a few rows
safe <- function(f) tryCatch(f, error = function(e) NA)
t_reg <- system.time(z <- sapply(seq_len(nrow(Y)), function(b)
  safe(regtest(rma(Y[b, ], V[b, ], control = ctl))$zval)))[3]
t_tf <- system.time(k0 <- sapply(seq_len(nrow(Y)), function(b)
  safe(trimfill(rma(Y[b, ], V[b, ], control = ctl), control = ctl)$k0)))[3]
res <- rma(yi, vi, data = dat.hackshaw1998, method = "ML")
t_sel <- system.time(sel <- selmodel(res, type = "stepfun", steps = 0.025))[3]
cat(toJSON(list(regtest = t_reg, trimfill = t_tf, selmodel = t_sel, z = z, k0 = k0, sel = sel$beta[1]),
           digits = NA, auto_unbox = TRUE))
"""


def run_metafor(yi, vi):
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.json"
        data.write_text(json.dumps({"yi": yi.tolist(), "vi": vi.tolist()}))
        script = Path(tmp) / "bench.R"
        script.write_text(R_CODE)
        out = subprocess.run(["Rscript", str(script), str(data)], capture_output=True, text=True)
    if out.returncode != 0:
        print("metafor skipped:", out.stderr.strip()[-200:], file=sys.stderr)
        return None
    return json.loads(out.stdout)


def main():
    rng = np.random.default_rng(SEED)
    yi, vi = simulate(rng)
    mask = np.ones_like(yi, dtype=bool)
    reg = {}
    t_reg = best_of(lambda: reg.update(regtest_rows(yi, vi, mask, np.sqrt(vi), "rma", "REML")))
    tf = {}
    t_tf = best_of(lambda: tf.update(trimfill_rows(yi, vi, mask, "REML", "L0")))
    from tests.bias.reference import data

    hy, hv, _ = data("hackshaw1998")
    res = meta_analysis(hy, hv, method="ML")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = []
        t_sel = best_of(lambda: sel.append(selmodel(res)))
    peer = run_metafor(yi, vi)
    rows = [("Egger's test, 2,000 analyses of k = 20", t_reg, "regtest"),
            ("trim and fill (L0), 2,000 analyses of k = 20", t_tf, "trimfill"),
            ("3-parameter selection model, k = 37", t_sel, "selmodel")]  # fmt: skip
    print("| case | exometa s | metafor s | metafor / exometa | agree |")
    print("|---|---|---|---|---|")
    for name, t, key in rows:
        if peer is None:
            print(f"| {name} | {t:.3f} | | | |")
            continue
        z_peer = np.array(peer["z"], dtype=float)
        k0_peer = np.array(peer["k0"], dtype=float)
        agree = {  # share of analyses agreeing (metafor's REML stops at 1e-5; a few rows fail there)
            "regtest": f"{np.mean(np.isclose(reg['zval'], z_peer, rtol=1e-3)):.1%}",
            "trimfill": f"{np.mean(tf['k0'] == k0_peer):.1%}",
            "selmodel": bool(np.isclose(sel[0].estimate, peer["sel"], rtol=1e-4)),
        }[key]
        print(f"| {name} | {t:.3f} | {peer[key]:.3f} | {peer[key] / t:.0f}× | {agree} |")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
