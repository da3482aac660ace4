"""``exometa run``: every analysis in ``analyses/`` on the workbook; figures, tables and the
report replaced as one set, redrawing only what changed.

What a run does, in order:

1. reads the workbook; with errors it stops (:class:`~exometa.workbook.reader.WorkbookError`)
   and writes nothing;
2. reads the analysis files (``*.toml``) and scripts (``*.py``, :mod:`exometa.analysis.script`)
   and runs each analysis (:func:`exometa.analysis.run.run_analysis`, or the script's
   ``analysis(workbook)``);
3. locks the output folder and completes any switch an interrupted run left
   (:class:`exometa.outputs.OutputFolder`);
4. for each figure, compares its key with the manifest (:mod:`exometa.incremental`):
   figures whose inputs, settings and software are unchanged, and whose files are
   still as written, are not drawn again; the others are drawn by worker processes, one
   per core (:mod:`exometa.figure_jobs`);
5. meanwhile writes each analysis's study table (``NAME_studies.csv``) and Summary of
   Findings (``NAME_sof.xlsx``), and the report (:mod:`exometa.report.build`): its text
   first, from the names of the files the figures will have
   (:func:`exometa.figure_jobs.job_files`), then, once they are drawn, the HTML and Word
   files that embed them;
6. switches the new set in: files whose bytes changed are replaced, identical
   ones are left alone (their dates do not change), and outputs the analyses run
   no longer produce (a subgroup dropped, a format no longer asked for) are
   deleted if they are still as exometa wrote them.

A run whose inputs are all unchanged (the workbook's bytes, every analysis file, the options,
exometa and the libraries it draws with: :func:`exometa.incremental.run_key`) and whose outputs
are all still as written does nothing more: the command line says so without running the
analyses (``need_results=False``); the Python API runs them (it returns the results) but
neither draws nor rebuilds the report and tables.

Files of analyses not run this time (``exometa run NAME``, or an analysis file
that was removed) are left as they are. ``exometa run NAME`` updates that
analysis's part of the report and keeps the others' parts as the last run wrote
them (read back from its ``report.json``), so the report never drops an analysis;
an analysis of the folder that the last report does not hold is run as well.
An analysis whose file was removed leaves the report. Outputs are deterministic:
the same inputs give byte-identical files, whether drawn now or kept from an
earlier run.

Each analysis writes ``NAME_forest.{svg,png,pdf}`` (and ``NAME_forest_by_COLUMN``
per subgroup variable, ``NAME_funnel`` when asked, and the diagnostics, small-study
and risk-of-bias figures it asks for), ``NAME_studies.csv`` and ``NAME_sof.xlsx``;
the run writes ``report.html``, ``report.md``, ``report.docx`` and ``report.json``. An analysis file's name is kept whole
(``v1.2_all.toml`` writes ``v1.2_all_forest.svg``); two analyses that would
write the same file are refused before anything is drawn.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ExometaError
from .outputs import OutputFolder, Unit, check_output_path, has_manifest

#: the report's files (as exometa.report.build.REPORT_FILES, which imports pandas: not at start-up)
REPORT_FILES = ("report.html", "report.md", "report.docx", "report.json")
UNSAFE_CHARACTERS = set('/\\\0:*?"<>|')


@dataclass(frozen=True)
class RunOutcome:
    """What a run did: the analysis results, the report, and which files it drew, kept or replaced."""

    results: list
    report: tuple  # paths of report.html and report.md in the output folder
    folder: Path
    drawn: tuple  # figures drawn (file names without suffix)
    skipped: tuple  # figures unchanged since the last run, not drawn
    written: tuple  # files created or replaced
    unchanged: tuple  # files whose new bytes equal the old: left as they were
    removed: tuple  # stale outputs of the analyses run, deleted
    summaries: tuple = ()  # one line per analysis (see result_line)
    up_to_date: bool = False  # nothing changed since the last run: nothing was run, drawn or written


def result_line(res) -> str:
    """The one line ``exometa run`` prints for an analysis result."""
    return f"{res.spec.name}: k = {res.main.k} pooled; certainty {res.certainty}"


def analysis_name(text: str) -> str:
    """The analysis a command-line name refers to: ``analyses/v1.2_all.toml`` -> ``v1.2_all``.

    >>> analysis_name("analyses/v1.2_all.toml"), analysis_name("v1.2_all")
    ('v1.2_all', 'v1.2_all')
    """
    name = Path(text).name
    for suffix in (".toml", ".py"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def select_specs(specs: list, only, folder) -> list:
    """The analyses to run: all, or those named in ``only`` (an error names the unknown ones)."""
    if only:
        names = {analysis_name(str(o)) for o in only}
        unknown = names - {s.name for s in specs}
        if unknown:
            raise ExometaError(f"No analysis named {', '.join(sorted(unknown))} in {folder}/; "
                               f"there are: {', '.join(s.name for s in specs) or 'none'}.")
        specs = [s for s in specs if s.name in names]
    if not specs:
        raise ExometaError(f"{folder}/ holds no analysis files (.toml) or scripts (.py); add one (see the README).")
    return specs


def check_output_names(planned: dict) -> None:
    """Refuse file names that are unsafe, or that two outputs share (``planned``: file -> analysis).

    Names are compared ignoring case, as on Windows and macOS file systems.
    """
    problems, seen = [], {}
    for fname, analysis in planned.items():
        if fname.startswith(".") or UNSAFE_CHARACTERS & set(fname) or any(ord(c) < 32 for c in fname):
            problems.append(f"analysis {analysis!r} would write {fname!r}, which is not a safe file name "
                            "(it starts with a dot or holds / \\ : * ? \" < > | or a control character); "
                            "rename the analysis file or the subgroup column")
        key = fname.casefold()
        if key in seen:
            problems.append(f"{seen[key][1]!r} would write {seen[key][0]!r} and {analysis!r} {fname!r}, "
                            "the same file where case is ignored; rename one of the analysis files")
        seen.setdefault(key, (fname, analysis))
    if problems:
        raise ExometaError("; ".join(problems) + ".")


def _plan(results, jobs) -> dict:
    planned = {}
    dup = []
    for job in jobs:
        for fmt in job.formats:
            fname = f"{job.name}.{fmt}"
            if fname in planned:
                dup.append(fname)
            planned[fname] = job.analysis
    for res in results:
        for fname in (f"{res.spec.name}_studies.csv", f"{res.spec.name}_sof.xlsx"):
            if fname in planned:
                dup.append(fname)
            planned[fname] = res.spec.name
    for fname in REPORT_FILES:
        if fname in planned:
            dup.append(fname)
        planned[fname] = "the report"
    if dup:
        raise ExometaError(f"two outputs of this run would be written to {dup[0]!r}; rename one of the analysis files.")
    check_output_names(planned)
    return planned


def _check_owners(planned: dict, out: OutputFolder) -> None:
    for fname, analysis in planned.items():
        owner = out.owner(fname)
        if owner not in (None, "", analysis) and analysis != "the report":
            raise ExometaError(f"analysis {analysis!r} would overwrite {out.folder / fname}, which analysis {owner!r} "
                               "wrote; rename one of the analysis files.")


def _report_figure(paths: list) -> Path:
    for p in paths:
        if p.suffix == ".png":
            return p
    return paths[0]


def run_outputs(workbook="studies.xlsx", analyses="analyses", figures="figures", only=None, progress=None, *,
                jobs: int | None = None, wait: float = 600.0, full: bool = False, date=None,
                need_results: bool = True) -> RunOutcome:
    """Run the analyses and replace the outputs in ``figures`` (see the module docstring).

    Parameters
    ----------
    workbook, analyses, figures : path
        The workbook, the folder of analysis files, the output folder.
    only : list of str, optional
        Run only these analyses (names of files in ``analyses``, with or without ``.toml``).
    progress : callable, optional
        Called with one line of text per step.
    jobs : int, optional
        Processes to draw figures with (default: one per usable core; 1: no worker processes).
    wait : float
        Seconds to wait for another run writing to ``figures`` before giving up.
    full : bool
        Redraw every figure, even those unchanged since the last run.
    date : date or str, optional
        A run date to print in the report (default: none, unless the environment
        sets ``SOURCE_DATE_EPOCH``): without it the report's bytes do not change by day.
    need_results : bool
        False: when nothing changed since the last run (see the module docstring), return at once
        with no ``results`` (``up_to_date`` True) instead of running the analyses.
    """
    say = progress or (lambda msg: None)
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ExometaError(f"`jobs` must be a whole number, 1 or more; got {jobs!r}.")
    check_output_path(figures)
    key = _run_key(workbook, analyses, only, date)
    if not (full or need_results):
        done = _unchanged_run(figures, key, wait, say)
        if done is not None:
            return done
    from .figure_jobs import figure_jobs, start_workers

    # forked now, before the workbook is read: the drawing processes import matplotlib and get ready
    # while this one reads the inputs and runs the analyses
    pool = start_workers(jobs)
    try:
        from .inputs import load_analysis_files, reading
        from .workbook.reader import WorkbookError, read_workbook

        with reading(workbook, "workbook"):
            wb = read_workbook(workbook)
        if wb.errors:
            raise WorkbookError(wb)
        items = load_analysis_files(analyses)
        specs = select_specs(items, only, analyses)
        specs, kept = _kept_parts(items, specs, figures, say) if only else (specs, [])
        results, all_jobs = [], []
        for i, spec in enumerate(specs, 1):
            say(f"[{i}/{len(specs)}] {spec.name}: {getattr(spec, 'title', None) or spec.path.name}")
            res = run_item(spec, wb)
            results.append(res)
            all_jobs += figure_jobs(res)
        report = {"parts": kept, "order": [i.name for i in items], "date": date, "key": key}
        return _replace(figures, wait, say, wb, specs, results, all_jobs, pool, full, report)
    finally:
        if pool is not None:
            pool.stop()


def _replace(figures, wait, say, wb, specs, results, all_jobs, pool, full, report) -> RunOutcome:
    """Steps 3-6 of the module docstring, figures drawn by ``pool`` (None: in this process)."""
    planned = _plan(results, all_jobs)
    out = OutputFolder(figures, wait=wait, say=say)
    try:
        return _replace_outputs(out, wb, specs, results, all_jobs, planned, say, pool, full, report)
    except BaseException as exc:  # say what an interruption left behind
        with contextlib.suppress(AttributeError, TypeError):
            exc.exometa_outputs = (f"the new outputs were already in place in {out.folder}" if out.committed
                                   else f"{out.folder} was left as it was")
        raise


def _run_key(workbook, analyses, only, date) -> str | None:
    from .incremental import run_key

    options = {"only": sorted({analysis_name(str(o)) for o in only}) if only else None,
               "date": None if date is None else str(date), "epoch": os.environ.get("SOURCE_DATE_EPOCH")}
    return run_key(workbook, analyses, options)


def _unchanged_run(figures, key, wait, say) -> RunOutcome | None:
    """The outcome of a run with nothing to do (its record in the manifest), or None."""
    if key is None or not has_manifest(figures):
        return None
    out = OutputFolder(figures, wait=wait, say=say)
    out.open(staging=False)
    try:
        record = out.up_to_date(key)
        if record is None:
            return None
        say("nothing changed since the last run (workbook, analysis files, options, software) and every output "
            "is as it wrote it: nothing to redo")
        folder = out.folder
        return RunOutcome(results=[], report=(folder / "report.html", folder / "report.md"), folder=folder,
                          drawn=(), skipped=tuple(record.get("figures", ())), written=(),
                          unchanged=tuple(record.get("files", ())), removed=(),
                          summaries=tuple(record.get("summaries", ())), up_to_date=True)
    finally:
        out.__exit__(None, None, None)


@contextlib.contextmanager
def _writing_into(out: OutputFolder):
    """Any failure to write the new set (from code that writes files itself) as one OutputError."""
    from .outputs import OutputError, describe_os_error

    try:
        yield
    except OSError as exc:
        raise OutputError(describe_os_error(exc, exc.filename or out.folder, "write")
                          + f" {out.folder} was left as it was.") from exc


def run_item(item, wb):
    """Run one analysis: an analysis file's spec, or a script (:class:`~exometa.analysis.script.AnalysisScript`)."""
    from .analysis.run import run_analysis
    from .analysis.script import AnalysisScript

    return item.run(wb) if isinstance(item, AnalysisScript) else run_analysis(item, wb)


def _kept_parts(items, chosen, figures, say):
    """For ``exometa run NAME``: the analyses to run (the named ones, and any the last report lacks) and the
    report parts of the others, kept from the last run's report.json, in the folder's order."""
    from .report.build import read_parts

    stored = {p.name: p for p in read_parts(Path(figures) / "report.json") or ()}
    names = {c.name for c in chosen}
    missing = [i for i in items if i.name not in names and i.name not in stored]
    if missing:
        say(f"not in the last report: {', '.join(i.name for i in missing)} (run as well, so that the report keeps "
            "every analysis)")
    run_now = names | {i.name for i in missing}
    return [i for i in items if i.name in run_now], [stored[i.name] for i in items if i.name not in run_now]


def _write_report(out, results, figs, wb, report, units, say, figures_ready=None) -> tuple:
    """Write the report's files and each analysis's Summary of Findings into staging; add their units.
    ``figures_ready`` is called before anything reads the figures' files (see :func:`report_files`)."""
    from .outputs import atomic_write
    from .report.build import report_files

    say("report: " + ", ".join(REPORT_FILES) + " and each analysis's Summary of Findings (NAME_sof.xlsx)")
    # figures are looked for in the output folder (kept ones), unless drawn now (staging, given in figs)
    files = report_files(results, figs, wb, out.folder, parts=report["parts"], order=report["order"], date=report["date"],
                         figures_ready=figures_ready)
    owner = {f"{r.spec.name}_sof.xlsx": r.spec.name for r in results}
    paths = {}
    for fname, data in files.items():
        paths[fname] = out.staging / fname
        atomic_write(paths[fname], data)
        if fname in owner:
            units.append(Unit(fname, owner[fname], {fname: paths[fname]}))
    units.append(Unit("report", "", {f: paths[f] for f in REPORT_FILES}))
    return paths["report.html"], paths["report.md"]


def _kept_tables_and_report(out, results) -> list | None:
    """The units of the study tables, Summaries of Findings and report, kept as they are (every file
    as the last run wrote it), or None if one is not."""
    names = [("report", "")]
    for res in results:
        names += [(f"{res.spec.name}_studies.csv", res.spec.name), (f"{res.spec.name}_sof.xlsx", res.spec.name)]
    units = []
    for name, analysis in names:
        files = out.verified(name)
        if files is None:
            return None
        units.append(Unit(name, analysis, {f: None for f in files}))
    return units


def _replace_outputs(out, wb, specs, results, all_jobs, planned, say, pool, full, report) -> RunOutcome:
    """Steps 3-6 of the module docstring: lock, decide what to draw, draw (while the tables and the
    report's text are written), write the report, switch."""
    from .figure_jobs import job_files, start_drawing

    with out, _writing_into(out):
        _check_owners(planned, out)
        units, figs, to_draw, skipped = [], {r.spec.name: [] for r in results}, [], []
        kept = {}
        for job in all_jobs:
            files = None if full else out.unchanged(job.name, job.key)
            # a paged forest plot has more files than its formats (NAME_p2.svg, ...): the key fixes them
            if files is not None and {f"{job.name}.{fmt}" for fmt in job.formats} <= set(files):
                kept[job.name] = files
                skipped.append(job)
            else:
                to_draw.append(job)
        if to_draw or skipped:
            say(f"figures: {len(to_draw)} to draw, {len(skipped)} unchanged since the last run (not drawn)")
        drawing = start_drawing(to_draw, out.staging, workers=1, pool=pool)  # no pool: drawn here, when waited for
        try:
            for job in all_jobs:  # where each figure will be: the report is written while they are drawn
                paths = ([out.folder / f for f in kept[job.name]] if job.name in kept
                         else [out.staging / f for f in job_files(job)])
                figs[job.analysis].append((job.caption, _report_figure(paths)))
            html, md = _tables_and_report(out, results, figs, wb, report, units, say, drawing.wait,
                                          same_run=not full and not to_draw)
            drawn = dict(zip((j.name for j in to_draw), drawing.wait()))
        except BaseException:
            if pool is not None:  # no figure may be written into staging once it is removed
                pool.stop()
            raise
        finally:
            drawing.close()
        for job in all_jobs:
            if job.name in drawn:
                units.append(Unit(job.name, job.analysis, {p.name: p for p in drawn[job.name]}, job.key))
            else:
                units.append(Unit(job.name, job.analysis, {f: None for f in kept[job.name]}, job.key))
        record = {"key": report["key"], "figures": [j.name for j in all_jobs],
                  "files": sorted(f for u in units for f in u.files), "summaries": [result_line(r) for r in results]}
        summary = out.commit(units, {s.name for s in specs} | {""}, run=record)
        folder = out.folder
    return RunOutcome(
        results=results, report=(folder / Path(html).name, folder / Path(md).name), folder=folder,
        drawn=tuple(j.name for j in to_draw), skipped=tuple(j.name for j in skipped),
        written=tuple(summary.written), unchanged=tuple(summary.unchanged), removed=tuple(summary.removed),
        summaries=tuple(result_line(r) for r in results),
    )


def _tables_and_report(out, results, figs, wb, report, units, say, figures_ready, same_run: bool) -> tuple:
    """Write each analysis's study table and the report into staging (or keep last run's, when this is
    the same run as last time and no figure is redrawn: they would be the same bytes); add their units.
    ``figures_ready`` is called before anything reads the figures' files."""
    from .export import write_csv

    # the same run as last time, nothing redrawn: the tables and the report would be the same bytes
    same = same_run and report["key"] is not None and out.run_record.get("key") == report["key"]
    tables = _kept_tables_and_report(out, results) if same else None
    if tables is not None:
        say("report and tables: unchanged since the last run (not rebuilt)")
        units += tables
        return out.folder / "report.html", out.folder / "report.md"
    for res in results:
        fname = f"{res.spec.name}_studies.csv"
        write_csv(res.table(), out.staging / fname)
        units.append(Unit(fname, res.spec.name, {fname: out.staging / fname}))
    return _write_report(out, results, figs, wb, report, units, say, figures_ready)


def run(workbook="studies.xlsx", analyses="analyses", figures="figures", only=None, progress=None, **options):
    """Run the analyses; returns (results, (report.html, report.md)). See :func:`run_outputs`."""
    outcome = run_outputs(workbook, analyses, figures, only, progress, **options)
    return outcome.results, outcome.report
