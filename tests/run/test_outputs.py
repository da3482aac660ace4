"""exometa.outputs: whole files, whole sets switched in through a journal, one run at a time."""

import errno
import json
import os
import signal
import time

import pytest

from exometa import outputs
from exometa.outputs import OutputError, OutputFolder, Unit, atomic_write, state_dir_for

from .conftest import in_child, wait_child


def _stage(out: OutputFolder, files: dict) -> dict:
    staged = {}
    for name, text in files.items():
        atomic_write(out.staging / name, text.encode())
        staged[name] = out.staging / name
    return staged


def _commit(folder, files: dict, analysis="a", key="k", **kw):
    with OutputFolder(folder, **kw) as out:
        return out.commit([Unit(analysis, analysis, _stage(out, files), key)], {analysis})


def _contents(folder):
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_atomic_write_replaces_whole_and_cleans_up_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "a.svg"
    atomic_write(target, b"old")
    real = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", full)
    with pytest.raises(OutputError, match="the disk is full"):
        atomic_write(target, b"new" * 1000)
    monkeypatch.setattr(outputs.os, "fsync", real)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.svg"]  # no temporary file left


def test_commit_replaces_the_set_and_removes_what_is_no_longer_produced(tmp_path):
    folder = tmp_path / "figures"
    s1 = _commit(folder, {"a_forest.svg": "1", "a_funnel.svg": "1"})
    assert sorted(s1.written) == ["a_forest.svg", "a_funnel.svg"]
    (folder / "notes.txt").write_text("the user's own file")
    s2 = _commit(folder, {"a_forest.svg": "2"})
    assert s2.written == ["a_forest.svg"] and s2.removed == ["a_funnel.svg"]
    assert _contents(folder) == {"a_forest.svg": "2", "notes.txt": "the user's own file"}
    s3 = _commit(folder, {"a_forest.svg": "2"})  # same bytes: the file is not touched
    assert s3.written == [] and s3.unchanged == ["a_forest.svg"]
    manifest = json.loads((state_dir_for(folder.resolve()) / "manifest.json").read_text())
    assert list(manifest["units"]["a"]["files"]) == ["a_forest.svg"]


def test_a_stale_file_edited_by_hand_is_kept(tmp_path):
    folder = tmp_path / "figures"
    _commit(folder, {"a_forest.svg": "1", "a_funnel.svg": "1"})
    (folder / "a_funnel.svg").write_text("edited by hand")
    summary = _commit(folder, {"a_forest.svg": "2"})
    assert summary.kept == ["a_funnel.svg"] and (folder / "a_funnel.svg").read_text() == "edited by hand"


def test_other_analyses_are_left_alone(tmp_path):
    folder = tmp_path / "figures"
    _commit(folder, {"a_forest.svg": "1"}, analysis="a")
    _commit(folder, {"b_forest.svg": "1"}, analysis="b")
    assert _contents(folder) == {"a_forest.svg": "1", "b_forest.svg": "1"}
    with OutputFolder(folder) as out:
        assert out.owner("a_forest.svg") == "a" and out.owner("b_forest.svg") == "b"


def test_leaving_without_commit_keeps_the_old_set_and_no_staging(tmp_path):
    folder = tmp_path / "figures"
    _commit(folder, {"a_forest.svg": "1"})
    with pytest.raises(RuntimeError), OutputFolder(folder) as out:
        _stage(out, {"a_forest.svg": "2"})
        raise RuntimeError("the run failed")
    assert _contents(folder) == {"a_forest.svg": "1"}
    assert sorted(p.name for p in state_dir_for(folder.resolve()).iterdir()) == ["lock", "manifest.json"]


def test_a_switch_killed_half_way_is_completed_by_the_next_run(tmp_path):
    """SIGKILL after each rename of a switch: the folder is mixed until the next run opens it,
    which completes the switch from the journal (roll forward)."""
    folder = tmp_path / "figures"
    old = {f"a_{i}.svg": "old" for i in range(4)}
    new = {f"a_{i}.svg": "new" for i in range(4)}
    for step in range(4):
        _commit(folder, old)

        def killed_at(step=step):
            outputs._after_step = lambda s: os.kill(os.getpid(), signal.SIGKILL) if s == step else None
            _commit(folder, new)

        assert wait_child(in_child(killed_at)) == -signal.SIGKILL
        state = state_dir_for(folder.resolve())
        assert (state / "journal.json").exists()
        mixed = _contents(folder)
        assert sorted(mixed.values()).count("new") == step + 1  # half switched, as killed
        with OutputFolder(folder):  # the next run: recovery first
            pass
        assert _contents(folder) == new
        assert sorted(p.name for p in state.iterdir()) == ["lock", "manifest.json"]


def test_ctrl_c_during_the_switch_is_acted_on_after_it(tmp_path):
    folder = tmp_path / "figures"
    _commit(folder, {"a_1.svg": "old", "a_2.svg": "old"})
    outcome = tmp_path / "outcome"

    def interrupted():
        outputs._after_step = lambda s: os.kill(os.getpid(), signal.SIGINT) if s == 0 else None
        out = OutputFolder(folder)
        try:
            with out:
                out.commit([Unit("a", "a", _stage(out, {"a_1.svg": "new", "a_2.svg": "new"}), "k")], {"a"})
        except KeyboardInterrupt:
            outcome.write_text(f"interrupted, committed={out.committed}")

    assert wait_child(in_child(interrupted)) == 0
    assert outcome.read_text() == "interrupted, committed=True"
    assert _contents(folder) == {"a_1.svg": "new", "a_2.svg": "new"}


def test_a_second_run_on_the_folder_waits_or_refuses_saying_why(tmp_path):
    folder = tmp_path / "figures"
    ready = tmp_path / "ready"

    def hold(seconds):
        with OutputFolder(folder):
            ready.write_text("locked")
            time.sleep(seconds)

    pid = in_child(hold, 1.0)
    while not ready.exists():
        time.sleep(0.01)
    with pytest.raises(OutputError, match=rf"another exometa run \(process {pid}\) is writing to .*figures"):
        OutputFolder(folder, wait=0).__enter__()
    said = []
    t0 = time.monotonic()
    with OutputFolder(folder, wait=30, say=said.append):
        waited = time.monotonic() - t0
    assert wait_child(pid) == 0
    assert waited > 0.3 and said and said[0].startswith("waiting for another exometa run")


def test_two_threads_of_one_process_do_not_interleave(tmp_path):
    import threading

    folder = tmp_path / "figures"
    with OutputFolder(folder):
        errors = []
        t = threading.Thread(target=lambda: errors.append(_try_enter(folder)))
        t.start()
        t.join()
    assert "in this process" in errors[0]


def _try_enter(folder):
    try:
        OutputFolder(folder, wait=0).__enter__()
    except OutputError as exc:
        return str(exc)
    return "entered"


@pytest.mark.parametrize("case", ["file", "parent_is_file"])
def test_an_output_path_that_is_not_a_folder_is_one_clear_error(tmp_path, case):
    f = tmp_path / "figures"
    f.write_text("not a folder")
    target = f if case == "file" else f / "sub"
    with pytest.raises(OutputError) as err:
        OutputFolder(target).__enter__()
    assert "is a file" in str(err.value)
    assert f.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions (see the mount-namespace test)")
def test_a_read_only_output_folder_is_one_clear_error(tmp_path):  # pragma: no cover - not run as root
    folder = tmp_path / "figures"
    _commit(folder, {"a.svg": "1"})
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            _commit(folder, {"a.svg": "2"})
    finally:
        folder.chmod(0o755)
    assert (folder / "a.svg").read_text() == "1"


def test_the_manifest_and_lock_live_beside_the_folder(tmp_path):
    folder = tmp_path / "figures"
    _commit(folder, {"a.svg": "1"})
    assert [p.name for p in folder.iterdir()] == ["a.svg"]
    assert (tmp_path / ".exometa" / "figures" / "manifest.json").exists()
