"""`exometa run` killed, interrupted, run twice at once, on a full disk, on a read-only folder:
the output folder holds the old set or the new one, whole, and nothing temporary is left.

Runs here draw SVG only, and reuse each workbook's analysis results (the output machinery does
not depend on either), so that many runs fit in a few seconds and the kills land while outputs
are being written; real formats and fresh analyses are covered by tests/run/test_incremental.py.
"""

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exometa import outputs
from exometa.cli import main
from exometa.outputs import OutputFolder
from exometa.run_command import run_outputs

from .conftest import cache_analyses, in_child, leftovers, make_project, snapshot, svg_only, wait_child


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """A project and the complete output set of each of its two workbooks (run cold)."""
    project = make_project(tmp_path_factory.mktemp("safety") / "p")
    mp = pytest.MonkeyPatch()
    svg_only(mp)
    cache_analyses(mp)
    ref = {}
    for wb in ("studies.xlsx", "studies_b.xlsx"):
        run_outputs(project / wb, project / "analyses", project / f"ref_{wb}", jobs=1)
        ref[wb] = snapshot(project / f"ref_{wb}")
    assert ref["studies.xlsx"] != ref["studies_b.xlsx"]
    yield project, ref
    mp.undo()


def _run_in_child(project, workbook, out):
    run_outputs(project / workbook, project / "analyses", out, jobs=1)


def _recover(folder):
    with OutputFolder(folder):  # what the next run does first
        pass


def test_runs_killed_at_random_moments_leave_the_old_or_the_new_set_whole(sets, tmp_path):
    project, ref = sets
    out = tmp_path / "figures"
    t0 = time.monotonic()
    assert wait_child(in_child(_run_in_child, project, "studies.xlsx", out)) == 0
    duration = time.monotonic() - t0
    current = "studies.xlsx"
    rng = random.Random(20261122)
    seen = {"old": 0, "new": 0}
    for _ in range(20):
        target = "studies_b.xlsx" if current == "studies.xlsx" else "studies.xlsx"
        pid = in_child(_run_in_child, project, target, out)
        time.sleep(rng.uniform(0.0, 1.1 * duration))
        os.kill(pid, signal.SIGKILL)
        wait_child(pid)
        _recover(out)
        now = snapshot(out)
        assert now in (ref["studies.xlsx"], ref["studies_b.xlsx"]), "a mixed or partial set"
        assert leftovers(out) == []
        if now == ref[target]:
            seen["new"] += 1
            current = target
        else:
            seen["old"] += 1
    print(f"killed runs: {seen}")


def test_two_runs_at_once_on_different_workbooks_leave_one_whole_set(sets, tmp_path):
    project, ref = sets
    out = tmp_path / "figures"
    for _ in range(3):
        a = in_child(_run_in_child, project, "studies.xlsx", out)
        b = in_child(_run_in_child, project, "studies_b.xlsx", out)
        assert (wait_child(a), wait_child(b)) == (0, 0)
        assert snapshot(out) in (ref["studies.xlsx"], ref["studies_b.xlsx"])
        assert leftovers(out) == []


def test_disk_full_while_drawing_leaves_the_old_set_and_says_so(sets, tmp_path, monkeypatch, capsys):
    project, ref = sets
    out = tmp_path / "figures"
    run_outputs(project / "studies.xlsx", project / "analyses", out, jobs=1)
    calls = {"n": 0}
    real = os.fsync

    def fills_up(fd):
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(outputs.os, "fsync", fills_up)
    code = main(["run", "--workbook", str(project / "studies_b.xlsx"), "--analyses", str(project / "analyses"),
                 "--figures", str(out), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 3
    assert err.strip().splitlines()[-1].startswith("exometa: error: cannot write ")
    assert "the disk is full" in err and "Traceback" not in err
    assert snapshot(out) == ref["studies.xlsx"] and leftovers(out) == []


# --- real signals, a real full disk, a real read-only folder: the command in a subprocess --------

RUNNER = """
import sys, time
import exometa.figure_jobs as fj
fj.analysis_formats = lambda spec: ("svg",)
if "--slow" in sys.argv:
    sys.argv.remove("--slow")
    real = fj.draw
    def draw(job, folder, pages=None):
        print("drawing", file=sys.stderr, flush=True)
        time.sleep(30)
        return real(job, folder, pages)
    fj.draw = draw
from exometa.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _command(project, workbook, out, *extra):
    return [sys.executable, "-c", RUNNER, "run", "--workbook", str(project / workbook),
            "--analyses", str(project / "analyses"), "--figures", str(out), *extra]


@pytest.mark.parametrize(("sig", "status", "words", "jobs"), [(signal.SIGINT, 130, "interrupted (Ctrl-C)", "2"),
                                                              (signal.SIGTERM, 143, "stopped (SIGTERM)", "1")])
def test_ctrl_c_and_sigterm_end_with_one_line_and_the_old_set(sets, tmp_path, sig, status, words, jobs):
    project, ref = sets
    out = tmp_path / "figures"
    shutil.copytree(project / "ref_studies.xlsx", out)
    proc = subprocess.Popen(_command(project, "studies_b.xlsx", out, "--slow", "--jobs", jobs),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:  # wait until a figure is being drawn
        lines.append(line)
        if line.startswith("drawing"):
            break
    proc.send_signal(sig)
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == status
    last = rest.strip().splitlines()[-1]
    assert last == f"exometa: {words}; {out.resolve()} was left as it was."
    assert "Traceback" not in rest
    assert snapshot(out) == ref["studies.xlsx"] and leftovers(out) == []


def _unshare_available() -> bool:
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


SCRIPT = """
set -e
mount -t tmpfs -o size={size}k exometa-test {mnt}
cp -r {ref} {mnt}/figures
mount -o remount,{mode} {mnt}
set +e
{second} 2> {err}
echo $? > {code}
mount -o remount,rw {mnt}
python3 -c 'import hashlib, json, os, sys; d = sys.argv[1]; print(json.dumps({{n: hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest() for n in sorted(os.listdir(d))}}))' {mnt}/figures > {snap}
cd {mnt} && find . -not -path './figures/*' | sort > {state}
"""


@pytest.mark.skipif(not _unshare_available(), reason="needs root and a private mount namespace (unshare -m)")
@pytest.mark.parametrize("case", ["disk_full", "read_only"])
def test_a_real_full_disk_or_read_only_file_system(sets, tmp_path, case):
    """A tmpfs that holds one set but not a second (ENOSPC), or one remounted read-only (EROFS)."""
    project, ref = sets
    size_kib = sum(p.stat().st_size for p in (project / "ref_studies.xlsx").iterdir()) // 1024
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    quote = subprocess.list2cmdline
    script = SCRIPT.format(
        size=int(size_kib * 1.5) + 64, mnt=mnt, mode="rw" if case == "disk_full" else "ro",
        ref=project / "ref_studies.xlsx",
        second=quote(_command(project, "studies_b.xlsx", mnt / "figures", "--jobs", "1", "--full")),
        err=tmp_path / "err.txt", code=tmp_path / "code.txt",
        snap=tmp_path / "snap.json", state=tmp_path / "state.txt",
    )
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    err = (tmp_path / "err.txt").read_text()
    assert int((tmp_path / "code.txt").read_text()) == 3, err
    assert "Traceback" not in err
    assert ("the disk is full" if case == "disk_full" else "read-only") in err.strip().splitlines()[-1]
    assert json.loads((tmp_path / "snap.json").read_text()) == ref["studies.xlsx"]
    left = (tmp_path / "state.txt").read_text().split()  # nothing staged or temporary is left
    assert left == ([".", "./.exometa", "./.exometa/figures", "./.exometa/figures/lock", "./figures"]
                    if case == "disk_full" else [".", "./figures"])
