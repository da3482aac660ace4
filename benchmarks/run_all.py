"""Every benchmark in one run, so that all ratios come from the same machine state.

Run from the repository root (about 20-30 minutes; R with metafor makes the comparisons):

    .venv/bin/python benchmarks/run_all.py

It runs, in this order, and writes:

- ``bench_engine.py --write``   -> the results section of ``benchmarks/README.md``
- ``bench_diagnostics.py``      -> ``benchmarks/diagnostics.md``
- ``bench_bias.py``             -> ``benchmarks/bias.md``
- ``bench_analysis.py``         -> ``benchmarks/analysis.md``
- ``bench_run.py``              -> ``benchmarks/run.md``

and records the run (date, machine, load before and after, each script's wall time) in
``benchmarks/runs.md``. Scripts that fail are reported and the others still run.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
STEPS = (
    ("bench_engine.py", ["--write"], None),
    ("bench_diagnostics.py", [], None),
    ("bench_bias.py", [], "bias.md"),
    ("bench_analysis.py", [], "analysis.md"),
    ("bench_run.py", [], None),
)
TITLES = {"bias.md": "# Small-study methods against metafor (bench_bias.py)\n\n",
          "analysis.md": "# One analysis at 20, 200 and 2,000 studies (bench_analysis.py)\n\n"}


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"


def main() -> int:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Benchmark runs\n\nLast run {stamp} on {platform.machine()} with {os.cpu_count()} cores, Python "
             f"{platform.python_version()}; load average before: {_load()}.\n\n| script | seconds | result |\n|---|---:|---|"]
    failed = 0
    for script, args, out in STEPS:
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True, text=True)
        secs = time.perf_counter() - t0
        ok = done.returncode == 0
        failed += not ok
        if ok and out:
            (HERE / out).write_text(TITLES[out] + f"Measured {stamp} (benchmarks/run_all.py).\n\n" + done.stdout)
        where = out or {"bench_engine.py": "README.md", "bench_diagnostics.py": "diagnostics.md", "bench_run.py": "run.md"}[script]
        lines.append(f"| {script} | {secs:.0f} | {'wrote ' + where if ok else 'FAILED: ' + done.stderr.strip()[-300:]} |")
        print(lines[-1], flush=True)
    lines.append(f"\nLoad average after: {_load()}.\n")
    (HERE / "runs.md").write_text("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
