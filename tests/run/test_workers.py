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
        time.sleep(0.5)
        for process, _ in w._workers:
            os.kill(process.pid, signal.SIGTERM)
        t = time.perf_counter()
        w.stop()
        print(f"stopped in {time.perf_counter() - t:.2f} s")
    """, timeout=60)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.split()[2]) < 5


def test_a_worker_that_dies_is_reported_and_the_others_are_stopped(tmp_path):
    from exometa.figure_jobs import FigureJob, start_workers

    w = start_workers(2)
    try:
        pids = [p.pid for p, _ in w._workers]
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
