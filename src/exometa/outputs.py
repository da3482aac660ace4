"""Writing outputs safely: whole files, whole sets, one run at a time.

A reader of ``figures/`` (a person, a browser, a manuscript that links a
figure) must never see half a file, nor new figures beside an old report. Three
mechanisms give that:

**Whole files** — :func:`atomic_write` writes to a temporary name beside the
target (``.NAME.PID.RANDOM.tmp``), flushes it to disk and renames it over the
target; a rename is atomic, so the target is either the old file or the new one.

**Whole sets** — :class:`OutputFolder` builds a run's new files in a staging
folder, then switches them in. The switch is journalled: once every new file is
staged, a journal listing the renames (and the stale files to delete) is
written atomically; only then are the files renamed into place, and the
journal is deleted last. A run stopped at any point therefore leaves:

- before the journal exists: the previous set, untouched (the staging folder is
  removed by the next run);
- after it: a switch that the next ``exometa run`` on the folder completes
  before doing anything else (renames cannot fail for lack of space, and
  Ctrl-C or SIGTERM are held back for the few milliseconds the renames take,
  so only SIGKILL or a power cut can stop a switch half-way).

**One run at a time** — a lock on the folder (:mod:`exometa.folder_lock`,
released by the operating system when the process ends, however it ends). A
second run on the same folder waits for the first (saying so), up to ``wait``
seconds.

Where things live: the folder holds only the outputs. The lock, the journal,
the staging folder and the manifest (content hashes of the outputs, used by
incremental runs) live in ``.exometa/FOLDER_NAME/`` beside it, so ``figures/``
can be compared file by file with a committed copy. If the parent folder is not
writable, they live in ``FOLDER/.exometa-state/`` instead.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError  # raised here; defined with the other errors

MANIFEST_VERSION = 1
#: names of the temporary files this module creates (removed if a killed process left them)
_TEMPORARY = re.compile(r"^\.(.+\.\d+\.[0-9a-f]{8}\.tmp|exometa-probe-\d+-[0-9a-f]{8})$")
#: flush every file to disk before it is renamed into place (a power cut then loses nothing)
DURABLE = True


def describe_os_error(exc: OSError, path, doing: str = "write") -> str:
    """One sentence that says what went wrong with ``path`` and what to do.

    >>> describe_os_error(OSError(errno.ENOSPC, "No space left on device"), "figures/a.png")
    'cannot write figures/a.png: the disk is full. Free some space and run again.'
    """
    code = exc.errno
    where = f"cannot {doing} {path}"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"{where}: the disk is full. Free some space and run again."
    if code in (errno.EACCES, errno.EPERM):
        return f"{where}: permission denied. Make it writable, or choose another place."
    if code == errno.EROFS:
        return f"{where}: the file system is read-only. Choose a writable place."
    if code == errno.ENOENT:
        return f"{where}: the folder {Path(path).parent} does not exist. Create it, or choose another place."
    if code == errno.ENOTDIR:
        return f"{where}: part of the path is a file, not a folder. Check the path."
    if code == errno.EISDIR:
        return f"{where}: it is a folder. Give a file name."
    if code == errno.ENAMETOOLONG:
        return f"{where}: the name is too long for the file system. Use a shorter name."
    return f"{where}: {exc.strerror or exc}."


def _fsync_dir(folder: Path) -> None:
    if not DURABLE:
        return
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename; returns ``path``.

    On any failure (disk full, permission, Ctrl-C) the temporary file is removed
    and ``path`` is left as it was; the error is an :class:`OutputError`.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(p, b"whole").read_bytes()
    b'whole'
    """
    path = Path(path)
    tmp = path.parent / f".{path.name[:200]}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            if DURABLE:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(describe_os_error(exc, path)) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    """:func:`atomic_write` for UTF-8 text."""
    return atomic_write(path, text.encode("utf-8"))


def file_sha256(path) -> str | None:
    """The SHA-256 of a file's bytes, or None if it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# signals: the switch is not interrupted by Ctrl-C or SIGTERM


@contextlib.contextmanager
def signals_held():
    """Hold back SIGINT and SIGTERM for the duration (delivered when the block ends)."""
    can = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    held = {signal.SIGINT, signal.SIGTERM}
    if can:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        if can:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


# ---------------------------------------------------------------------------------------------
# the output set


@dataclass
class Unit:
    """One output of a run (a figure in its formats, a table, the report) and its files.

    ``files`` maps a file name in the folder to the path of its new content
    (in staging), or to None when the file is unchanged and stays as it is.
    ``key`` fingerprints the inputs a figure was drawn from (None: always redrawn).
    """

    name: str
    analysis: str
    files: dict
    key: str | None = None


@dataclass
class CommitSummary:
    written: list = field(default_factory=list)  # file names replaced or created
    unchanged: list = field(default_factory=list)  # new bytes identical to the old: left as they were
    removed: list = field(default_factory=list)  # stale outputs of the analyses run, deleted
    kept: list = field(default_factory=list)  # stale outputs edited by hand: left, not deleted


def check_output_path(folder) -> None:
    """Refuse at once an output folder that is a file, or lies under one (nothing is created)."""
    f = Path(folder)
    if f.exists() and not f.is_dir():
        raise OutputError(f"{f} is a file, not a folder. Give a folder for the outputs (e.g. --figures figures).")
    for parent in f.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot create the folder {f}: {parent} is a file. Check the path.")
            return


def has_manifest(folder) -> bool:
    """Whether an earlier run left a manifest for ``folder`` (nothing is created or locked)."""
    f = Path(folder).resolve()
    return (state_dir_for(f) / "manifest.json").is_file() or (f / ".exometa-state" / "manifest.json").is_file()


def state_dir_for(folder: Path) -> Path:
    """Where the lock, journal, staging and manifest of ``folder`` live (see the module docstring)."""
    return folder.parent / ".exometa" / folder.name


class OutputFolder:
    """The output folder of one run: locked, recovered, staged, switched (see the module docstring).

    Use as a context manager; write new files under :attr:`staging`, then call
    :meth:`commit` with the units of the new set. Leaving the block without a
    commit (an error, Ctrl-C) removes the staging folder: the old set stays.
    """

    def __init__(self, folder, wait: float = 600.0, say=None):
        self.folder = Path(folder)
        self.wait = wait
        self.say = say or (lambda msg: None)
        self.staging: Path | None = None
        self.manifest: dict = {}
        self.run_record: dict = {}
        self.committed = False
        self._lock = None

    # -- setting up ---------------------------------------------------------------------------
    def __enter__(self):
        return self.open()

    def open(self, staging: bool = True):
        """Lock, recover and read the manifest (what ``with`` does); ``staging=False`` only to read."""
        try:
            self._prepare_folder()
            self.state = self._state_dir()
            from .folder_lock import FolderLock

            self._lock = FolderLock(self.state / "lock", self.folder)
            self._lock.acquire(self.wait, self.say)
            self._recover()
            self._remove_stale_staging()
            self.manifest, self.run_record = self._read_manifest()
            self.staging = self._new_staging() if staging else None
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        self._release()
        return False

    def _release(self):
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _prepare_folder(self) -> None:
        f = self.folder
        check_output_path(f)
        try:
            f.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(describe_os_error(exc, f, "create the folder")) from exc
        self.folder = f.resolve()
        probe = self.folder / f".exometa-probe-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            with open(probe, "xb"):
                pass
        except OSError as exc:
            raise OutputError(describe_os_error(exc, self.folder, "write into")) from exc
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()

    def _state_dir(self) -> Path:
        outside = state_dir_for(self.folder)
        try:
            outside.mkdir(parents=True, exist_ok=True)
            return outside
        except OSError:
            inside = self.folder / ".exometa-state"
            try:
                inside.mkdir(exist_ok=True)
            except OSError as exc:
                raise OutputError(describe_os_error(exc, inside, "create")) from exc
            return inside

    def _new_staging(self) -> Path:
        root = self.state
        if root.stat().st_dev != self.folder.stat().st_dev:  # renames must not cross file systems
            root = self.folder
        staging = root / f".staging-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            staging.mkdir()
        except OSError as exc:
            raise OutputError(describe_os_error(exc, staging, "create")) from exc
        return staging

    def _remove_stale_staging(self) -> None:
        for root in (self.state, self.folder):
            for stale in root.glob(".staging-*"):
                shutil.rmtree(stale, ignore_errors=True)
        for root in dict.fromkeys((self.folder, self.state)):  # left by a process killed inside atomic_write
            for tmp in root.iterdir():  # (the journal and the manifest are written in the state folder)
                if _TEMPORARY.match(tmp.name):
                    with contextlib.suppress(OSError):
                        tmp.unlink()

    # -- the manifest -------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.state / "manifest.json"

    def _read_manifest(self) -> tuple[dict, dict]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}, {}
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            return {}, {}
        units = data.get("units", {}) if isinstance(data.get("units"), dict) else {}
        run = data.get("run") if isinstance(data.get("run"), dict) else {}
        return units, run

    def verified(self, name: str) -> dict | None:
        """The files of unit ``name`` (name -> SHA-256) if every one is still exactly as written."""
        files = (self.manifest.get(name) or {}).get("files") or {}
        if not files or any(file_sha256(self.folder / f) != sha for f, sha in files.items()):
            return None
        return dict(files)

    def up_to_date(self, key: str | None) -> dict | None:
        """The last run's record if its key is ``key`` and every output in the manifest is still as written.

        The record (see :meth:`commit`) is what that run said; None if anything differs.
        """
        if key is None or self.run_record.get("key") != key or not self.manifest:
            return None
        if any(self.verified(name) is None for name in self.manifest):
            return None
        return self.run_record

    def unchanged(self, name: str, key: str | None) -> dict | None:
        """The files of unit ``name`` if its key matches and every file is still as written."""
        old = self.manifest.get(name)
        if key is None or not old or old.get("key") != key:
            return None
        files = old.get("files", {})
        if not files:
            return None
        for fname, sha in files.items():
            if file_sha256(self.folder / fname) != sha:
                return None
        return dict(files)

    def owner(self, file_name: str) -> str | None:
        """The analysis whose output ``file_name`` is, according to the manifest."""
        for unit in self.manifest.values():
            if file_name in unit.get("files", {}):
                return unit.get("analysis")
        return None

    # -- the switch ---------------------------------------------------------------------------
    def commit(self, units: list[Unit], replaced_analyses, run: dict | None = None) -> CommitSummary:
        """Switch the new set in: ``units`` replace every old unit of ``replaced_analyses``.

        ``run`` (a dict with a ``key``, see :func:`exometa.incremental.run_key`) is kept in the
        manifest as the record of this run, for :meth:`up_to_date`; without it no record is kept.
        """
        replaced = set(replaced_analyses)
        summary = CommitSummary()
        installs, new_units = [], {}
        new_files = set()
        for unit in units:
            hashes = {}
            for fname, staged in unit.files.items():
                new_files.add(fname)
                if staged is None:  # unchanged, verified when it was skipped
                    hashes[fname] = self.manifest[unit.name]["files"][fname]
                    summary.unchanged.append(fname)
                    continue
                sha = file_sha256(staged)
                hashes[fname] = sha
                if file_sha256(self.folder / fname) == sha:
                    summary.unchanged.append(fname)
                else:
                    installs.append([str(Path(staged).relative_to(self.staging)), fname])
                    summary.written.append(fname)
            new_units[unit.name] = {"analysis": unit.analysis, "key": unit.key, "files": hashes}
        removals = []
        for name, old in self.manifest.items():
            if old.get("analysis") in replaced or name in new_units:
                for fname, sha in old.get("files", {}).items():
                    if fname in new_files:
                        continue
                    live = file_sha256(self.folder / fname)
                    if live == sha:
                        removals.append(fname)
                        summary.removed.append(fname)
                    elif live is not None:
                        summary.kept.append(fname)
            elif name not in new_units:
                new_units[name] = old
        manifest = {"version": MANIFEST_VERSION, "units": dict(sorted(new_units.items()))}
        if run and run.get("key"):
            manifest["run"] = run
        staged_manifest = self.staging / "manifest.json"
        atomic_write(staged_manifest, json.dumps(manifest, indent=1, sort_keys=True).encode())
        journal = {"staging": str(self.staging), "installs": installs, "removals": removals,
                   "manifest": str(staged_manifest.relative_to(self.staging))}
        atomic_write(self.state / "journal.json", json.dumps(journal).encode())
        _fsync_dir(self.state)
        with signals_held():  # Ctrl-C during the renames is acted on once they are done
            self._apply(journal)
            self.committed = True
            self.manifest = new_units
            self.run_record = manifest.get("run", {})
        return summary

    def _recover(self) -> None:
        path = self.state / "journal.json"
        if not path.exists():
            return
        try:
            journal = json.loads(path.read_text(encoding="utf-8"))
            journal["installs"], journal["removals"], journal["staging"]  # noqa: B018 - shape check
        except (OSError, ValueError, KeyError, TypeError):
            self.say(f"note: the journal of an interrupted switch in {self.state} is unreadable; "
                     "this run rewrites every output.")
            with contextlib.suppress(OSError):
                path.unlink()
            with contextlib.suppress(OSError):
                self.manifest_path.unlink()
            return
        self.say(f"completing the switch of outputs that an interrupted run left in {self.folder}")
        with signals_held():
            self._apply(journal)

    def _apply(self, journal: dict) -> None:
        staging = Path(journal["staging"])
        try:
            for step, (rel, fname) in enumerate(journal["installs"]):
                src = staging / rel
                if src.exists():
                    os.replace(src, self.folder / fname)
                _after_step(step)
            for fname in journal["removals"]:
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / fname).unlink()
            manifest = staging / journal.get("manifest", "manifest.json")
            if manifest.exists():
                os.replace(manifest, self.manifest_path)
            _fsync_dir(self.folder)
            (self.state / "journal.json").unlink()
        except OSError as exc:
            raise OutputError(
                describe_os_error(exc, self.folder, "finish replacing the outputs in")
                + " The next exometa run completes the switch."
            ) from exc
        shutil.rmtree(staging, ignore_errors=True)


def _after_step(step: int) -> None:
    """Called after each rename of a switch; tests replace it to stop a run half-way."""
