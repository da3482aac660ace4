"""Extraction and pooling of one analysis at 20, 200 and 2,000 studies (issue 13, item 4).

Run from the repository root:   .venv/bin/python benchmarks/bench_analysis.py
Synthetic reviews (``exometa.analysis.synthetic``); the analysis is everything ``exometa run``
does for one analysis file except the figures and the report: select, extract effects (one
vectorised pass), pool, sensitivity (three correlations for MC), verdict. The best of
``REPEAT`` runs is shown, per study and in all.
"""

from __future__ import annotations


from exometa.analysis.extract import extract
from exometa.analysis.run import run_analysis
from exometa.analysis.select import select_studies
from exometa.analysis.spec import AnalysisSpec
from exometa.analysis.synthetic import synthetic_review
from timing import best_of

SIZES = (20, 200, 2000)
REPEAT = 3
SPECS = {
    "MD, final values": dict(measure="MD", scores=("final",)),
    "MC, r = 0.5 and 0.2, 0.8": dict(measure="MC", correlation_range=(0.2, 0.8)),
}


def main() -> None:
    print(f"| analysis | studies | extraction (s) | whole analysis (s) | per study (ms) |")
    print("|---|---:|---:|---:|---:|")
    for k in SIZES:
        wb = synthetic_review(k)
        for name, kw in SPECS.items():
            spec = AnalysisSpec(name="bench", title=name, outcome=("other",), **kw)
            chosen, _, _ = select_studies(spec, wb.studies)
            t_extract = best_of(lambda: extract(spec, wb.outcomes, wb.studies, chosen, spec.correlation, "points"), REPEAT)
            t_all = best_of(lambda: run_analysis(spec, wb), REPEAT)
            print(f"| {name} | {k} | {t_extract:.3f} | {t_all:.3f} | {1000 * t_all / k:.2f} |")


if __name__ == "__main__":
    main()
