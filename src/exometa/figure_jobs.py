"""The figures of a run as a list of jobs: which to draw, keyed for incremental runs, drawn
on every core.

Each analysis asks for a forest plot (and one per subgroup variable) and a
funnel plot (``figures = [...]`` in its file) in its formats
(``formats = [...]``; default SVG, PNG and PDF), and, through its
``diagnostics``, ``bias`` and ``figures = [..., "rob"]``, the figures of
:func:`exometa.report.figures.extra_figures` (kind "extra"). A :class:`FigureJob` holds the
layout table the figure is drawn from and its key (see
:mod:`exometa.incremental`). :func:`start_drawing` hands the jobs to worker
processes (:func:`start_workers`: forked once the plotting and result modules are imported,
which they then share; ``exometa run`` starts them before the analyses run) and
:meth:`Drawing.wait` returns the files in the jobs' order, whatever order the workers
finish in; :func:`draw_all` does both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib
import multiprocessing
import os
import pickle
import signal
import sys
import threading
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
    from .plots.forest_layout import forest_layout
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


#: the pid of the process the workers draw for (set in each worker)
_PARENT = 0

#: the modules of the classes an analysis result is made of: imported before the workers are forked,
#: so that a result sent to them (pickled) is read back without importing anything
RESULT_MODULES = (".analysis.run", ".diagnostics", ".bias")
#: what drawing imports (on first use): imported before the workers are forked
DRAWING_MODULES = (".plots.forest_draw", ".plots.funnel", ".plots.diagnostics", ".plots.rob", ".plots.bias",
                   ".report.figures")


def warm_up() -> None:
    """Do once what the first figure a process draws would do: import what saving in each format
    imports on first use (the PDF font subsetter, the PNG writer) and load the fonts. The workers'
    first process does it (and imports the drawing and result modules) while the caller reads its
    inputs and runs the analyses; the workers forked from it start warm."""
    from matplotlib.figure import Figure

    from .plots.save import figure_bytes
    from .plots.style import FAMILY

    fig = Figure(figsize=(1, 0.5))
    for i, (weight, style) in enumerate((("normal", "normal"), ("bold", "normal"), ("normal", "italic"))):
        fig.text(0.1, 0.2 + 0.25 * i, "Ab 1.0 τ² –", family=FAMILY, fontweight=weight, fontstyle=style,
                 parse_math=False)
    for fmt in FORMATS:
        figure_bytes(fig, fmt)


def _get_ready() -> None:
    """Import what drawing and reading results need, then :func:`warm_up`."""
    for name in DRAWING_MODULES + RESULT_MODULES:
        importlib.import_module(name, __package__)
    warm_up()


def _parent_alive() -> bool:
    try:
        os.kill(_PARENT, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a pid reused by another user's process
        return False
    return True


def _draw_task(job: FigureJob, folder, pages) -> list[Path]:
    """Draw one task in a worker. ``job`` came pickled without its :class:`ExtraFigure` (which holds
    functions made for the result): that is found again, by name, from the job's result."""
    if not _parent_alive():  # the run was killed: draw nothing more
        os._exit(1)
    if job.kind == "extra" and job.extra is None:
        from .report.figures import extra_figures

        job.extra = next(x for x in extra_figures(job.result) if x.name == job.name)
    return draw(job, folder, pages)


#: signals held while the first worker process is forked, until it has its own handlers
_HELD = {signal.SIGINT, signal.SIGTERM}


class Workers:
    """Worker processes that draw figures (see :func:`start_workers`); :meth:`stop` ends them.

    One process is forked at once (the *first*): it imports matplotlib and the drawing and result
    modules and warms up (:func:`_get_ready`) while the caller goes on, then forks the other workers,
    which start warm and share what it loaded, and watches over them. Each worker has a pipe to the
    caller and nothing else shared: a worker killed at any moment (a SIGTERM to the whole process
    group, the out-of-memory killer) cannot leave a lock held that the caller or the other workers
    would wait on (``multiprocessing.Pool``'s idle workers hold its queue's lock: one killed there
    hangs ``Pool.terminate()``), and the caller sees the end of its pipe. A worker says it is ready
    (with its pid) before it is given anything; a thread of the caller then hands out the tasks, in
    order, to whichever worker is free (:meth:`start`).
    """

    def __init__(self, size: int):
        context = multiprocessing.get_context("fork")
        self.size = size
        pipes = [context.Pipe() for _ in range(size)]
        self._conns = [here for here, _ in pipes]
        self._pids: dict = {}  # conn -> pid of its worker, once it said it is ready
        self._thread = None
        # each worker closes the caller's ends it inherits: it then sees the end of its pipe (and stops)
        # when the caller is gone, however it ended
        self._first = context.Process(target=_first_worker, args=([t for _, t in pipes], os.getpid(), self._conns),
                                      daemon=True)
        try:
            # Ctrl-C and SIGTERM wait until the first process has its own handlers: it would otherwise
            # start with this process's (the command line's SIGTERM handler raises an exception, which
            # Python can swallow while the new process sets itself up)
            held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
            try:
                with warnings.catch_warnings():  # Python >= 3.12 warns about fork in a threaded process
                    warnings.simplefilter("ignore", DeprecationWarning)
                    self._first.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        except BaseException:
            for here, there in pipes:
                here.close()
                there.close()
            raise
        for _, there in pipes:
            there.close()

    def pids(self, timeout: float = 60.0) -> list[int]:
        """The workers' pids, once each is ready (waiting at most ``timeout`` seconds for them); for
        tests and monitoring, before :meth:`start`."""
        from multiprocessing.connection import wait

        if self._thread is not None:
            raise RuntimeError("pids() is read before start() (a bug in exometa).")
        waiting = [c for c in self._conns if c not in self._pids]
        while waiting:
            ready = wait(waiting, timeout)
            if not ready:
                raise ExometaError(f"the processes drawing the figures were not ready after {timeout:g} s.")
            for conn in ready:
                self._read_ready(conn)
                waiting.remove(conn)
        return [self._pids[c] for c in self._conns]

    def _read_ready(self, conn) -> None:
        message = conn.recv()
        if message[0] != "ready":  # pragma: no cover - the protocol's first message
            raise RuntimeError(f"a drawing process began with {message[0]!r}, not 'ready' (a bug in exometa).")
        self._pids[conn] = message[1]

    def start(self, tasks: list, results: list) -> "_Results":
        """Start drawing ``tasks`` (each ``(job, folder, pages, r)``, the job without its result,
        which is ``results[r]``), handed out in this order. Each worker is sent each result once.
        The returned object's ``get()`` waits for every task's files, in the order of ``tasks``
        (None for a task whose result could not be sent, being unpicklable: the caller draws those)."""
        if self._thread is not None:
            raise RuntimeError("these workers have already been given their figures (a bug in exometa).")
        out = _Results(len(tasks))
        self._thread = threading.Thread(target=self._hand_out, args=(tasks, results, out), daemon=True)
        self._thread.start()
        return out

    def _hand_out(self, tasks, results, out) -> None:
        from multiprocessing.connection import wait

        todo = iter(enumerate(tasks))
        left = [len(tasks)]
        busy, sent, unsendable = {}, {conn: set() for conn in self._conns}, set()

        def give(conn) -> None:
            for i, (job, folder, pages, r) in todo:
                left[0] -= 1
                if r in unsendable:
                    continue
                try:
                    if r not in sent[conn]:
                        conn.send(("result", r, results[r]))
                        sent[conn].add(r)
                    conn.send(("draw", r, job, folder, pages))
                except (pickle.PicklingError, AttributeError, TypeError):  # e.g. a script's own class
                    unsendable.add(r)
                    continue
                busy[conn] = i
                return

        try:
            for conn in self._conns:
                if conn in self._pids:
                    give(conn)
            starting = [c for c in self._conns if c not in self._pids]
            while busy or (starting and left[0]):
                for conn in wait(list(busy) + starting):
                    if conn in starting:
                        self._read_ready(conn)
                        starting.remove(conn)
                        give(conn)
                        continue
                    i = busy.pop(conn)
                    reply = conn.recv()
                    if reply[0] != "ok":
                        out.error = _with_traceback(reply[1], reply[2])
                        return
                    out.values[i] = reply[1]
                    give(conn)
        except (EOFError, OSError):  # a pipe closed: its worker died
            out.error = ExometaError("a process drawing the figures ended before it had drawn them (stopped "
                                     "from outside, or out of memory); nothing was changed in the output folder.")
        except BaseException as exc:  # pragma: no cover - a bug here: raised in the caller
            out.error = exc
        finally:
            out.done.set()

    def stop(self) -> None:
        """End the processes, whatever they are doing (after the drawing was waited for, or on an
        error); once this returns, none of them runs any more. Again, it does nothing."""
        if self._first is None:
            return
        if self._first.is_alive():
            os.kill(self._first.pid, signal.SIGTERM)  # it kills the others, waits for them, then ends
        self._first.join()
        for conn in self._conns:
            conn.close()
        if self._thread is not None:
            self._thread.join()
        self._first = None


def _first_worker(ends: list, parent: int, inherited) -> None:
    """The first worker's life: get ready, fork the others (warm, sharing what was loaded), then watch
    them: a SIGTERM kills them all and ends it once they are gone; it ends when they have all ended."""
    global _PARENT
    _PARENT = parent
    children = []

    def end(*_):
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        os._exit(0)

    signal.signal(signal.SIGTERM, end)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)  # held since the fork (see Workers)
    for c in inherited:
        c.close()
    try:
        _get_ready()
    except Exception:  # noqa: BLE001 - only a head start: the first figure meets (and reports) the same error
        pass
    # what was loaded stays for the process's life: the collector need not look at it again (a
    # tenth of the drawing time) and the workers' copies of it stay shared with this process
    gc.freeze()
    for i, conn in enumerate(ends):
        # no SIGTERM between a fork and noting the child, so that no worker is left behind
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
            for other in ends:
                if other is not conn:
                    other.close()
            try:
                _serve(conn)
            finally:
                os._exit(0)
        children.append(pid)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    for conn in ends:
        conn.close()
    while children:  # each worker ends when the caller closes its pipe (or is killed): so does this one
        try:
            pid, _ = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid in children:
            children.remove(pid)
    os._exit(0)


class _Results:
    """What :meth:`Workers.start` returns: ``get()`` waits for the values (or raises the first error)."""

    def __init__(self, n: int):
        self.values = [None] * n
        self.error = None
        self.done = threading.Event()

    def get(self) -> list:
        while not self.done.wait(0.2):  # waits in short steps, so that Ctrl-C is acted on at once
            pass
        if self.error is not None:
            raise self.error
        return self.values


class WorkerTraceback(Exception):
    """Where in a drawing process an error arose: the ``__cause__`` of the error raised in the parent."""

    def __str__(self) -> str:
        return "\n\nin the process drawing the figure:\n" + self.args[0]


def _with_traceback(exc: BaseException, text: str) -> BaseException:
    exc.__cause__ = WorkerTraceback(text)
    return exc


def _serve(conn) -> None:
    """A worker's life: say it is ready, then keep each result sent and draw each task, replying
    ``("ok", files)`` or ``("error", exception, traceback)``, until the pipe closes."""
    import traceback

    try:
        conn.send(("ready", os.getpid()))
    except OSError:  # the caller is gone
        os._exit(0)
    results = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if message[0] == "result":
            results[message[1]] = message[2]
            continue
        _, r, job, folder, pages = message
        try:
            reply = ("ok", _draw_task(dataclasses.replace(job, result=results[r]), folder, pages))
        except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
            reply = ("error", exc, traceback.format_exc())
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - an error that cannot be pickled: its text instead
            conn.send(("error", ExometaError(f"drawing a figure failed: {type(reply[1]).__name__}: {reply[1]}"),
                       traceback.format_exc()))


def start_workers(requested: int | None = None) -> Workers | None:
    """Worker processes to draw figures with (one per usable core, or ``requested``), or None when
    figures are drawn in this process (one worker asked for or usable, or not on Linux).

    ``exometa run`` starts them as soon as it knows it has work to do, before it reads the workbook:
    their first process imports matplotlib and the drawing and result modules and warms up while
    the caller reads its inputs and runs the analyses (which never import matplotlib), then forks
    the others. The caller stops them (:meth:`Workers.stop`) when it is done or fails.
    """
    n = usable_workers(requested)
    if n <= 1 or not sys.platform.startswith("linux"):
        return None
    return Workers(n)


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

    def __init__(self, jobs, folder, pending=None, tasks=(), order=(), owned=None):
        self.jobs, self.folder = jobs, folder
        self._pending, self._tasks, self._order, self._owned = pending, tasks, order, owned
        self._files = None

    def wait(self) -> list[list[Path]]:
        """Each job's files, in the order of the jobs (drawn here, one after the other, if no worker
        processes draw them); checked against :func:`job_files`."""
        if self._files is not None:
            return self._files
        if self._pending is None:
            files = [draw(job, self.folder) for job in self.jobs]
        else:
            try:
                by_task = dict(zip(self._order, self._pending.get()))
            finally:
                self.close()
            files = [[] for _ in self.jobs]
            for t, (i, pages, _) in enumerate(self._tasks):  # tasks are in job order, pages in order
                # a task the workers could not be sent (its result unpicklable) is drawn here
                files[i] += by_task[t] if by_task[t] is not None else draw(self.jobs[i], self.folder, pages)
        for job, paths in zip(self.jobs, files):
            if [p.name for p in paths] != job_files(job):  # pragma: no cover - a drawing function's bug
                raise RuntimeError(f"drawing {job.name} wrote {[p.name for p in paths]}, not the files it was to "
                                   f"write ({job_files(job)}): a bug in exometa.")
        self._files = files
        return files

    def close(self) -> None:
        """Stop the worker processes this drawing started itself (workers given to it are the caller's)."""
        if self._owned is not None:
            self._owned.stop()
            self._owned = None


def start_drawing(jobs: list[FigureJob], folder, workers: int | None = None, pool: Workers | None = None) -> Drawing:
    """Start drawing every job into ``folder``; :meth:`Drawing.wait` returns the files.

    The jobs go to ``pool`` (from :func:`start_workers`) if given, else to worker processes
    started now (one per usable core, or ``workers``; none when that is 1 or not on Linux):
    largest first, the pages of a long forest plot shared among the workers, while the caller
    goes on (``exometa run`` writes the report's text meanwhile). Without workers the jobs are
    drawn one after the other when waited for. Call :meth:`Drawing.close` if the caller fails
    before waiting.
    """
    if not jobs:
        return Drawing(jobs, folder)
    cores = pool.size if pool is not None else usable_workers(workers)
    tasks = _tasks(jobs, cores)
    owned = None
    if pool is None:
        if cores <= 1 or len(tasks) <= 1 or not sys.platform.startswith("linux"):
            return Drawing(jobs, folder)
        pool = owned = start_workers(min(cores, len(tasks)))
    order = sorted(range(len(tasks)), key=lambda t: -tasks[t][2] * len(jobs[tasks[t][0]].formats))
    try:
        # jobs go pickled without their result (sent once to each worker) or ExtraFigure (see _draw_task)
        results = list({id(job.result): job.result for job in jobs}.values())
        which = {id(res): r for r, res in enumerate(results)}
        sent = [dataclasses.replace(job, extra=None, result=None) for job in jobs]
        pending = pool.start([(sent[tasks[t][0]], folder, tasks[t][1], which[id(jobs[tasks[t][0]].result)])
                              for t in order], results)
    except BaseException:
        if owned is not None:
            owned.stop()
        raise
    return Drawing(jobs, folder, pending, tasks, order, owned)


def draw_all(jobs: list[FigureJob], folder, workers: int | None = None) -> list[list[Path]]:
    """Draw every job into ``folder`` (see :func:`start_drawing`) and return each job's files, in the
    order of ``jobs``."""
    drawing = start_drawing(jobs, folder, workers)
    try:
        return drawing.wait()
    finally:
        drawing.close()
