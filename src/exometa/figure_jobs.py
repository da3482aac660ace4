"""The figures of a run as a list of jobs: which to draw, keyed for incremental runs, drawn
on every core.

Each analysis asks for a forest plot (and one per subgroup variable) and a
funnel plot (``figures = [...]`` in its file) in its formats
(``formats = [...]``; default SVG, PNG and PDF), and, through its
``diagnostics``, ``bias`` and ``figures = [..., "rob"]``, the figures of
:func:`exometa.report.figures.extra_figures` (kind "extra"). A :class:`FigureJob` holds the
layout table the figure is drawn from and its key (see
:mod:`exometa.incremental`). :func:`draw_all` draws the jobs in worker
processes (forked, so nothing is re-imported or copied) and returns the files
in the jobs' order, whatever order the workers finish in.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from .errors import ExometaError
from .incremental import figure_key, fingerprint
from .plots.save import DPI, FONT_FEATURES, FORMATS, RC, check_formats, figure_formats


@dataclass
class FigureJob:
    """One figure of one analysis: its file name (without suffix), what it is drawn from, its key."""

    name: str
    analysis: str
    kind: str  # "forest", "funnel" or "extra"
    caption: str
    formats: tuple
    by: str | None = None
    title: str | None = None
    layout: object = None
    result: object = None
    key: str | None = None
    extra: object = None  # the ExtraFigure of kind "extra" (exometa.report.figures)


def analysis_formats(spec) -> tuple:
    """The formats an analysis asks for (``formats`` in its file), default SVG, PNG and PDF."""
    return check_formats(getattr(spec, "formats", None) or FORMATS)


def figure_jobs(res) -> list[FigureJob]:
    """The figures one analysis result asks for, with their layouts and keys."""
    from .plots.forest import forest_layout
    from .plots.funnel import funnel_layout

    spec = res.spec
    formats = analysis_formats(spec)
    jobs = []
    if "forest" in spec.figures:
        jobs.append(FigureJob(f"{spec.name}_forest", spec.name, "forest", "Forest plot", formats,
                              layout=forest_layout(res)))
        for by, sg in res.subgroups.items():
            if not isinstance(sg, str):
                words = by.replace("_", " ")
                jobs.append(FigureJob(f"{spec.name}_forest_by_{by}", spec.name, "forest", f"Forest plot by {words}",
                                      formats, by=by, title=f"{spec.title} — subgroups by {words}",
                                      layout=forest_layout(res, by=by)))
    if "funnel" in spec.figures:
        jobs.append(FigureJob(f"{spec.name}_funnel", spec.name, "funnel", "Contour-enhanced funnel plot", formats,
                              layout=funnel_layout(res)))
    from .report.figures import extra_figures

    for x in extra_figures(res):
        jobs.append(FigureJob(x.name, spec.name, "extra", x.caption, formats, layout=x.name, extra=x))
    result_digest = fingerprint(res)
    for job in jobs:
        job.result = res
        job.key = None if result_digest is None else figure_key(
            job.kind, job.layout, result_digest, job.title, job.formats, DPI, (RC, FONT_FEATURES))
    return jobs


def draw(job: FigureJob, folder, pages=None) -> list[Path]:
    """Draw one job into ``folder`` (of a forest plot, only ``pages`` if given); returns the files written."""
    from .plots.forest import draw_forest
    from .plots.funnel import draw_funnel

    base = Path(folder) / job.name
    with figure_formats(job.formats):
        if job.kind == "forest":
            paths = draw_forest(job.layout, job.result, base, title=job.title, formats=job.formats, pages=pages)
        elif job.kind == "extra":
            from .report.figures import draw_extra

            paths = draw_extra(job.extra, folder, job.formats)
        else:
            paths = draw_funnel(job.layout, job.result, base, formats=job.formats)
    paths = [Path(p) for p in paths]
    outside = [p for p in paths if p.parent != Path(folder)]
    if outside:  # pragma: no cover - a drawing function that ignores its path
        raise ExometaError(f"drawing {job.name} wrote {outside[0]} outside the output folder (a bug in exometa).")
    return paths


def usable_workers(requested: int | None = None) -> int:
    """The processes asked for (``requested``), else one per usable core."""
    if requested is not None:
        if int(requested) < 1:
            raise ExometaError(f"`jobs` must be 1 or more; got {requested!r}.")
        return int(requested)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def workers_for(jobs: int, requested: int | None = None) -> int:
    """How many processes to draw ``jobs`` figures with: ``requested``, else one per usable core."""
    return max(1, min(usable_workers(requested), jobs))


# Jobs handed to forked workers by index: the children inherit this list, nothing is pickled.
_PENDING: list = []
_PARENT = 0


def _start_worker(parent: int) -> None:
    global _PARENT
    _PARENT = parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _draw_pending(index: int) -> list[Path]:
    if os.getppid() != _PARENT:  # the run was killed: draw nothing more
        os._exit(1)
    job, folder, pages = _PENDING[index]
    return draw(job, folder, pages)


#: rows a figure other than a forest plot counts as, when the work is shared out (a page of a
#: forest plot, whatever its rows, costs about 2.5 times a diagnostics or risk-of-bias figure)
OTHER_ROWS = 16


def _tasks(jobs: list[FigureJob], workers: int) -> list[tuple]:
    """(job index, pages, rows) for each piece of work: a forest plot of many pages is shared
    out in about ``2 * workers`` groups of pages (each drawn by one worker), anything else whole."""
    from .plots.forest_pages import ROWS_PER_PAGE, paginate

    tasks = []
    for i, job in enumerate(jobs):
        n_pages = len(paginate(job.layout, ROWS_PER_PAGE)) if job.kind == "forest" else 1
        if n_pages == 1:
            rows = ROWS_PER_PAGE if job.kind == "forest" else OTHER_ROWS
            tasks.append((i, None, rows))
            continue
        size = -(-n_pages // (2 * workers))
        for first in range(1, n_pages + 1, size):
            pages = list(range(first, min(n_pages, first + size - 1) + 1))
            tasks.append((i, pages, ROWS_PER_PAGE * len(pages)))
    return tasks


def draw_all(jobs: list[FigureJob], folder, workers: int | None = None) -> list[list[Path]]:
    """Draw every job into ``folder``; returns each job's files, in the order of ``jobs``.

    With more than one worker (and on Linux, where processes fork) the jobs are
    drawn in parallel, largest first, the pages of a long forest plot shared among
    the workers; otherwise one after the other.
    """
    global _PENDING
    cores = usable_workers(workers)
    if cores <= 1 or not jobs or not sys.platform.startswith("linux"):
        return [draw(job, folder) for job in jobs]
    tasks = _tasks(jobs, cores)
    n = min(cores, len(tasks))
    if n <= 1:
        return [draw(job, folder) for job in jobs]
    order = sorted(range(len(tasks)), key=lambda t: -tasks[t][2] * len(jobs[tasks[t][0]].formats))
    _PENDING = [(jobs[i], folder, pages) for i, pages, _ in tasks]
    pool = None
    try:
        with warnings.catch_warnings():  # Python >= 3.12 warns about fork in a threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pool = multiprocessing.get_context("fork").Pool(n, initializer=_start_worker, initargs=(os.getpid(),))
        drawn = pool.map(_draw_pending, order, chunksize=1)
        pool.close()
        pool.join()
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        raise
    finally:
        _PENDING = []
    by_task = dict(zip(order, drawn))
    out: list = [[] for _ in jobs]
    for t, (i, _, _) in enumerate(tasks):  # tasks are in job order, pages in order
        out[i] += by_task[t]
    return out
