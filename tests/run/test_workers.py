"""The drawing workers (exometa.figure_jobs.Workers): a worker killed at any moment, idle or
drawing, neither hangs the run nor goes unreported; a drawing error reaches the caller as itself."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from exometa.errors import ExometaError

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


def _python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter: a hang fails the test (timeout) instead of stopping the suite."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout)


def test_stopping_after_an_idle_worker_was_killed_does_not_hang():
    """multiprocessing.Pool's idle workers hold its queue's lock: one killed by a SIGTERM to the process
    group (timeout, systemd, docker stop) made Pool.terminate() wait for ever."""
    done = _python("""
        import os, signal, time
        from exometa.figure_jobs import start_workers
        w = start_workers(2)
        for pid in w.pids():
            os.kill(pid, signal.SIGTERM)
        t = time.perf_counter()
        w.stop()
        print(f"stopped in {time.perf_counter() - t:.2f} s")
    """, timeout=60)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.split()[2]) < 5


def test_stopping_workers_at_once_after_starting_them_does_not_hang():
    """Bad input stops the workers a moment after they were forked. The first worker used to start
    with the command line's SIGTERM handler, whose exception Python swallowed while the process set
    itself up: the SIGTERM was lost and stop() waited for ever."""
    done = _python("""
        import signal, time
        from exometa.cli import _on_sigterm
        from exometa.figure_jobs import start_workers
        signal.signal(signal.SIGTERM, _on_sigterm)
        slowest = 0.0
        for pause in [0.0] * 15 + [0.002, 0.005, 0.01, 0.02, 0.05]:
            w = start_workers(2)
            time.sleep(pause)
            t = time.perf_counter()
            w.stop()
            slowest = max(slowest, time.perf_counter() - t)
        print(f"slowest {slowest:.2f}")
    """, timeout=90)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.split()[1]) < 5 and "Traceback" not in done.stderr, done.stderr


def test_a_worker_that_dies_is_reported_and_the_others_are_stopped(tmp_path):
    from exometa.figure_jobs import FigureJob, start_workers

    w = start_workers(2)
    try:
        pids = w.pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        job = FigureJob("x_forest", "x", "forest", "Forest plot", ("svg",))
        results = w.start([(job, tmp_path, None, 0)], [None])
        with pytest.raises(ExometaError, match="ended before it had drawn them"):
            results.get()
    finally:
        t = time.perf_counter()
        w.stop()
        assert time.perf_counter() - t < 5
    assert all(not _running(pid) for pid in pids)


def test_stopping_ends_every_worker_at_once_even_while_drawing(tmp_path, monkeypatch):
    """The workers are forked by the first one, not by this process: stop() still ends them all, a
    worker busy drawing included, before it returns (the run then removes its staging folder)."""
    import exometa.figure_jobs as fj

    monkeypatch.setattr(fj, "draw", lambda *args: time.sleep(60))  # a figure that takes a minute
    w = fj.start_workers(2)
    pids = w.pids()
    first = w._first.pid
    assert first not in pids and len(set(pids)) == 2
    job = fj.FigureJob("x_funnel", "x", "funnel", "Funnel plot", ("svg",))
    w.start([(job, tmp_path, None, 0), (job, tmp_path, None, 0)], [None])
    time.sleep(0.3)
    t = time.perf_counter()
    w.stop()
    assert time.perf_counter() - t < 5
    assert not any(_running(pid) for pid in pids + [first])


def test_workers_end_when_the_process_they_draw_for_is_killed():
    """A run killed with SIGKILL cannot stop its workers: they see their pipes close and end."""
    done = _python("""
        import os, subprocess, sys, time
        code = "from exometa.figure_jobs import start_workers; w = start_workers(2); print(*w.pids(), w._first.pid, flush=True); import time; time.sleep(60)"
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        pids = [int(p) for p in child.stdout.readline().split()]
        child.kill()
        child.wait()
        def running(pid):
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    return fh.read().split(") ")[1][0] != "Z"
            except FileNotFoundError:
                return False
        t = time.perf_counter()
        while any(running(p) for p in pids) and time.perf_counter() - t < 10:
            time.sleep(0.05)
        print("left:", [p for p in pids if running(p)])
    """, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("left: []"), done.stdout


def _running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie child counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_an_error_drawing_a_figure_reaches_the_caller_as_itself(tmp_path):
    from exometa.figure_jobs import FigureJob, start_workers

    w = start_workers(2)
    try:
        job = FigureJob("x_funnel", "x", "funnel", "Funnel plot", ("svg",), layout="not a layout")
        results = w.start([(job, tmp_path, None, 0)], [None])
        with pytest.raises(AttributeError, match="no attribute 'spec'"):  # the job has no result to draw from
            results.get()
    finally:
        w.stop()
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_where_a_worker_failed_is_kept_as_the_errors_cause(tmp_path):
    from exometa.figure_jobs import FigureJob, WorkerTraceback, start_workers

    w = start_workers(2)
    try:
        job = FigureJob("x_funnel", "x", "funnel", "Funnel plot", ("svg",), layout="not a layout")
        with pytest.raises(AttributeError) as err:
            w.start([(job, tmp_path, None, 0)], [None]).get()
    finally:
        w.stop()
    assert isinstance(err.value.__cause__, WorkerTraceback) and "draw_funnel" in str(err.value.__cause__)


def test_a_disk_error_in_a_worker_is_reported_as_itself(tmp_path, monkeypatch):
    """Not as a worker that died: the run then says the disk is full, as with --jobs 1."""
    import errno

    import exometa.figure_jobs as fj

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.svg"))

    monkeypatch.setattr(fj, "draw", full)  # the workers, forked after this, inherit it
    w = fj.start_workers(2)
    try:
        job = fj.FigureJob("x_funnel", "x", "funnel", "Funnel plot", ("svg",))
        with pytest.raises(OSError) as err:
            w.start([(job, tmp_path, None, 0)], [None]).get()
    finally:
        w.stop()
    assert err.value.errno == errno.ENOSPC


class _Unpicklable:
    """A result holding what pickle cannot take (as an analysis script's own class or a lambda)."""

    def __init__(self):
        self.f = lambda: None


def test_a_figure_whose_result_cannot_be_sent_is_drawn_here(tmp_path):
    from matplotlib.figure import Figure

    import exometa.figure_jobs as fj
    from exometa.report.figures import ExtraFigure

    def tiny():
        fig = Figure(figsize=(1, 1))
        fig.text(0.5, 0.5, "x")
        return fig

    extra = ExtraFigure("x_gosh", "x", "GOSH plot", "diagnostics", tiny)
    job = fj.FigureJob("x_gosh", "x", "extra", "GOSH plot", ("svg",), layout="x_gosh", result=_Unpicklable(), extra=extra)
    w = fj.start_workers(2)
    try:
        drawing = fj.start_drawing([job], tmp_path, pool=w)
        assert [[p.name for p in paths] for paths in drawing.wait()] == [["x_gosh.svg"]]
    finally:
        w.stop()
