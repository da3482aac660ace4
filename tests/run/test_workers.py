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
        results = w.start([(job, tmp_path, None)])
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
        results = w.start([(job, tmp_path, None)])
        with pytest.raises(AttributeError, match="no attribute 'spec'"):  # the job has no result to draw from
            results.get()
    finally:
        w.stop()
    assert not list(tmp_path.iterdir())  # nothing half-written
