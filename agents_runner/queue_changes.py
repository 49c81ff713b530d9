"""Waking a waiter when the queue may have moved: inotify on the folders whose changes
can free a slot or reorder the line, with a slow poll as the fallback (and as the only
way on a system without inotify)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
from pathlib import Path

_IN_NONBLOCK = 0o4000
_IN_CLOEXEC = 0o2000000
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_DELETE = 0x40, 0x80, 0x200
# Only what can let a waiter in: a file renamed into a folder (new settings), or one
# leaving it (a ticket admitted or given up, a slot freed, a task's end). Files written
# in place or created (the lock, the submission counter, a new ticket) wake nobody:
# otherwise every admission pass would wake every waiter.
_MASK = _IN_MOVED_FROM | _IN_MOVED_TO | _IN_DELETE


def _libc() -> ctypes.CDLL | None:
    # The interpreter's own symbols hold libc's; find_library would run ldconfig.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.inotify_init1, libc.inotify_add_watch  # noqa: B018  # both present
    except (OSError, AttributeError):
        return None
    return libc


class FolderChanges:
    """Waits until any of `folders` changes, kick() is called, one of the processes
    given to wait() exits, or the timeout passes. Closed with close()."""

    def __init__(self, folders: list[Path]) -> None:
        self._fd: int | None = None
        self._kick_read, self._kick_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        libc = _libc()
        if libc is None:
            return
        fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            return  # out of inotify instances: the slow poll serves
        for folder in folders:
            if libc.inotify_add_watch(fd, os.fsencode(folder), _MASK) < 0:
                os.close(fd)
                return
        self._fd = fd

    @property
    def watching(self) -> bool:
        return self._fd is not None

    def kick(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._kick_write, b"!")

    def wait(self, timeout: float, pids: tuple[int, ...] = ()) -> bool:
        """True when something changed (every pending change is consumed), False when
        `timeout` seconds passed first."""
        watched = [self._kick_read] + ([self._fd] if self._fd is not None else [])
        pidfds = [fd for fd in (_pidfd(pid) for pid in pids) if fd is not None]
        try:
            ready, _, _ = select.select(watched + pidfds, [], [], max(0.0, timeout))
        finally:
            for fd in pidfds:
                os.close(fd)
        for fd in ready:
            if fd in (self._fd, self._kick_read):
                with contextlib.suppress(BlockingIOError):
                    while os.read(fd, 65536):
                        pass
        return bool(ready)

    def close(self) -> None:
        for fd in (self._fd, self._kick_read, self._kick_write):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._fd = None


def _pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when `pid` exits (None when it is gone or the
    system has no pidfd)."""
    try:
        return os.pidfd_open(pid)
    except (OSError, AttributeError):
        return None
