"""The lock that keeps two exometa runs from writing one output folder at the same time.

``fcntl.lockf`` on a file beside the folder: the operating system releases it
when the process ends, however it ends (even SIGKILL), and forked children do
not inherit it. POSIX locks do not exclude threads of one process, so a set of
lock files held here adds that. A second run waits (saying so once, with the
holder's process id) up to its ``wait`` seconds, then refuses.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from pathlib import Path

from .outputs import OutputError, describe_os_error

_HELD: set = set()  # lock files held by this process (POSIX locks do not exclude threads of one process)
_HELD_GUARD = threading.Lock()


class FolderLock:
    """An exclusive lock on an output folder, held by this process only (not by its children)."""

    def __init__(self, path: Path, folder: Path):
        self.path, self.folder, self.fd = path, folder, None
        self._mine = False

    def _claim(self) -> bool:
        with _HELD_GUARD:
            if self.path in _HELD:
                return False
            _HELD.add(self.path)
            self._mine = True
            return True

    def acquire(self, wait: float, say) -> None:
        """Take the lock, waiting up to ``wait`` seconds (saying so once) for whoever holds it."""
        deadline, told = time.monotonic() + max(wait, 0.0), False

        def pause(holder: str) -> None:
            nonlocal told
            if time.monotonic() >= deadline:
                self.release()
                raise OutputError(
                    f"another exometa run{holder} is writing to {self.folder}; wait for it to finish "
                    "(or stop it), then run again" + (f" (waited {wait:.0f} s)" if wait else "") + "."
                )
            if not told:
                say(f"waiting for another exometa run{holder} to finish writing to {self.folder} ...")
                told = True
            time.sleep(0.05)

        # Another thread of this process first: the lock file is opened only once this process's
        # claim is ours, since closing any descriptor of it would drop a POSIX lock held here.
        while not self._claim():
            pause(" (in this process)")
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            self.release()
            raise OutputError(describe_os_error(exc, self.path, "create the lock file")) from exc
        while not self._try():
            pause(self._holder())
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        os.write(self.fd, f"{os.getpid()}\n".encode())

    def _unclaim(self) -> None:
        if self._mine:
            with _HELD_GUARD:
                _HELD.discard(self.path)
            self._mine = False

    def _try(self) -> bool:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            import msvcrt

            try:
                msvcrt.locking(self.fd, msvcrt.LK_NBLCK, 1)
                return True
            except OSError:
                return False
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return False
            raise OutputError(describe_os_error(exc, self.path, "lock")) from exc

    def _holder(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            os.lseek(self.fd, 0, os.SEEK_SET)
            pid = int(os.read(self.fd, 32).decode().strip())
            return f" (process {pid})"
        return ""

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)  # closing the file releases the lock
            self.fd = None
        self._unclaim()
