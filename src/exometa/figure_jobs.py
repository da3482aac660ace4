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


def job_files(job: FigureJob) -> list[str]:
    """The names of the files ``job`` writes, in the order :func:`draw` returns them: ``NAME.FMT`` in
    each of its formats; a forest plot of several pages page by page (``NAME``, ``NAME_p2``, ...)."""
    from .plots.forest_pages import ROWS_PER_PAGE, paginate

    n_pages = len(paginate(job.layout, ROWS_PER_PAGE)) if job.kind == "forest" else 1
    stems = [job.name] + [f"{job.name}_p{n}" for n in range(2, n_pages + 1)]
    return [f"{stem}.{fmt}" for stem in stems for fmt in job.formats]


class Drawing:
    """Figures being drawn (see :func:`start_drawing`): :meth:`wait` returns each job's files."""

    def __init__(self, jobs, folder, pool=None, pending=None, tasks=(), order=()):
        self.jobs, self.folder = jobs, folder
        self._pool, self._pending, self._tasks, self._order = pool, pending, tasks, order
        self._files = None

    def wait(self) -> list[list[Path]]:
        """Each job's files, in the order of the jobs (drawn here, one after the other, if no worker
        processes were started); checked against :func:`job_files`."""
        global _PENDING
        if self._files is not None:
            return self._files
        if self._pool is None:
            files = [draw(job, self.folder) for job in self.jobs]
        else:
            try:
                drawn = self._pending.get()
                self._pool.close()
                self._pool.join()
            finally:
                self.close()
                _PENDING = []
            by_task = dict(zip(self._order, drawn))
            files = [[] for _ in self.jobs]
            for t, (i, _, _) in enumerate(self._tasks):  # tasks are in job order, pages in order
                files[i] += by_task[t]
        for job, paths in zip(self.jobs, files):
            if [p.name for p in paths] != job_files(job):  # pragma: no cover - a drawing function's bug
                raise ExometaError(f"drawing {job.name} wrote {[p.name for p in paths]}, not the files it was to "
                                   f"write ({job_files(job)}): a bug in exometa.")
        self._files = files
        return files

    def close(self) -> None:
        """Stop the worker processes (if any are still running): after :meth:`wait`, or on an error."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def start_drawing(jobs: list[FigureJob], folder, workers: int | None = None) -> Drawing:
    """Start drawing every job into ``folder``; :meth:`Drawing.wait` returns the files.

    With more than one worker (and on Linux, where processes fork) the jobs are
    drawn by worker processes, largest first, the pages of a long forest plot shared
    among them, while the caller goes on (``exometa run`` builds the report's text
    meanwhile); otherwise they are drawn one after the other when waited for.
    Call :meth:`Drawing.close` if the caller fails before waiting.
    """
    global _PENDING
    cores = usable_workers(workers)
    if cores <= 1 or not jobs or not sys.platform.startswith("linux"):
        return Drawing(jobs, folder)
    tasks = _tasks(jobs, cores)
    n = min(cores, len(tasks))
    if n <= 1:
        return Drawing(jobs, folder)
    order = sorted(range(len(tasks)), key=lambda t: -tasks[t][2] * len(jobs[tasks[t][0]].formats))
    _PENDING = [(jobs[i], folder, pages) for i, pages, _ in tasks]
    pool = None
    try:
        with warnings.catch_warnings():  # Python >= 3.12 warns about fork in a threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pool = multiprocessing.get_context("fork").Pool(n, initializer=_start_worker, initargs=(os.getpid(),))
        pending = pool.map_async(_draw_pending, order, chunksize=1)  # largest first
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        _PENDING = []
        raise
    return Drawing(jobs, folder, pool, pending, tasks, order)


def draw_all(jobs: list[FigureJob], folder, workers: int | None = None) -> list[list[Path]]:
    """Draw every job into ``folder`` (see :func:`start_drawing`) and return each job's files, in the
    order of ``jobs``."""
    drawing = start_drawing(jobs, folder, workers)
    try:
        return drawing.wait()
    finally:
        drawing.close()
