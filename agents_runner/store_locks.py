"""The store's locks: one flock per task, across processes, reentrant within a thread."""

from __future__ import annotations

import _thread
import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from .store_files import FILE_MODE
from .task import TASK_ID_PATTERN

_held: set[tuple[int, str, str]] = set()


class TaskLocks:
    """The locks part of TaskStore: every writer of a task's payload holds its lock."""

    root: Path
    locks_dir: Path

    def _lock_path(self, task_id: str) -> Path:
        raise NotImplementedError

    def payload_path(self, task_id: str) -> Path:
        raise NotImplementedError

    def locked(self, task_id: str) -> contextlib.AbstractContextManager[None]:
        """Hold the task's lock, which every writer of its payload waits for (reentrant
        in this thread). Tests use it as a gate to hold a task between two writes."""
        return self._locked(task_id)

    @contextlib.contextmanager
    def _locked(self, task_id: str, *, wait: bool = True) -> Iterator[None]:
        """The task's lock, across processes (flock) and reentrant within a thread, so a
        locked update may quarantine the payload it could not read. Without `wait`, a lock
        someone holds raises BlockingIOError."""
        key = (_thread.get_ident(), str(self.root), task_id)
        if key in _held:
            yield
            return
        lock_path = self._lock_path(task_id)
        fd = self._acquire(lock_path, wait=wait)
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
            # No payload (an unknown id, a quarantine, a delete): no lock file either.
            # Unlinked while held, as delete() does: a waiter locks the path anew.
            with contextlib.suppress(OSError):
                ours = os.stat(lock_path).st_ino == os.fstat(fd).st_ino  # not a newer one
                if ours and not self.payload_path(task_id).exists():
                    lock_path.unlink()
            os.close(fd)

    @staticmethod
    def _acquire(lock_path: Path, *, wait: bool = True) -> int:
        while True:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BaseException:
                os.close(fd)
                raise
            try:
                if os.stat(lock_path).st_ino == os.fstat(fd).st_ino:
                    return fd
            except FileNotFoundError:
                pass  # deleted while we waited for it: lock the new file instead
            os.close(fd)

    def _locked_if_id(self, name: str) -> contextlib.AbstractContextManager[None]:
        return self._locked(name) if TASK_ID_PATTERN.match(name) else contextlib.nullcontext()
