"""``exometa run``: every analysis in ``analyses/`` on the current workbook, figures and report
regenerated into ``figures/``.

The workbook must pass ``exometa check`` without errors (warnings are fine:
they say what cannot be pooled). Outputs are deterministic: unchanged inputs
give byte-identical files. Files from analyses that no longer exist are left
alone; each analysis writes ``NAME_forest.{svg,png,pdf}`` (and
``NAME_forest_by_COLUMN`` per subgroup variable, ``NAME_funnel`` when asked),
``NAME_studies.csv``, and the run writes ``report.html`` and ``report.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .analysis.run import run_analysis
from .analysis.spec import load_specs
from .errors import ExometaError
from .export import defuse_frame
from .plots.forest import draw_forest, forest_layout
from .plots.funnel import draw_funnel, funnel_layout
from .report.build import build_report
from .workbook.reader import WorkbookError, read_workbook


def run(workbook="studies.xlsx", analyses="analyses", figures="figures", only=None, progress=None):
    """Run the analyses; returns (results, report paths)."""
    say = progress or (lambda msg: None)
    wb = read_workbook(workbook)
    if wb.errors:
        raise WorkbookError(wb)
    specs = load_specs(analyses)
    if only:
        names = {Path(o).stem for o in only}
        unknown = names - {s.name for s in specs}
        if unknown:
            raise ExometaError(f"No analysis named {', '.join(sorted(unknown))} in {analyses}/; "
                               f"there are: {', '.join(s.name for s in specs)}.")
        specs = [s for s in specs if s.name in names]
    if not specs:
        raise ExometaError(f"{analyses}/ holds no .toml analysis files; add one (see the README).")
    out = Path(figures)
    out.mkdir(parents=True, exist_ok=True)
    results, figs = [], {}
    for i, spec in enumerate(specs, 1):
        say(f"[{i}/{len(specs)}] {spec.name}: {spec.title}")
        res = run_analysis(spec, wb)
        results.append(res)
        figs[spec.name] = []
        if "forest" in spec.figures:
            paths = draw_forest(forest_layout(res), res, out / f"{spec.name}_forest")
            figs[spec.name].append(("Forest plot", paths[1]))
            for by, sg in res.subgroups.items():
                if not isinstance(sg, str):
                    paths = draw_forest(forest_layout(res, by=by), res, out / f"{spec.name}_forest_by_{by}",
                                        title=f"{spec.title} — subgroups by {by.replace('_', ' ')}")
                    figs[spec.name].append((f"Forest plot by {by.replace('_', ' ')}", paths[1]))
        if "funnel" in spec.figures:
            paths = draw_funnel(funnel_layout(res), res, out / f"{spec.name}_funnel")
            figs[spec.name].append(("Contour-enhanced funnel plot", paths[1]))
        defuse_frame(res.table()).to_csv(out / f"{spec.name}_studies.csv", index=False, lineterminator="\n")
    say("report: report.html, report.md")
    report = build_report(results, figs, wb, out)
    return results, report


def main_run(args) -> int:
    def progress(msg):
        print(msg, file=sys.stderr, flush=True)

    try:
        results, (html_path, md_path) = run(args.workbook, args.analyses, args.figures, args.analysis or None, progress)
    except WorkbookError as exc:
        print(exc.workbook.report(), file=sys.stderr)
        print("exometa: error: fix the errors above (exometa check shows them), then run again.", file=sys.stderr)
        return 1
    for res in results:
        print(f"{res.spec.name}: k = {res.main.k} pooled; certainty {res.certainty}")
    print(f"wrote {html_path} and {md_path}")
    return 0
