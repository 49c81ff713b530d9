"""The store's index of unfinished tasks: an empty marker in active/ per task."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from .store_files import DIR_MODE, fsync_dir, random_hex, remove_flat_folder, touch
from .task import TASK_ID_PATTERN, PayloadError

TYPE_CHECKING = False
if TYPE_CHECKING:
    pass


class UnfinishedIndex:
    """The index part of TaskStore. It holds this invariant through any crash: a task's
    marker is made (and its folder fsynced) before its first payload is written, and
    removed only after a terminal payload is on disk (or with the task)."""

    root: Path
    tasks_dir: Path
    active_dir: Path

    def _mark(self, task_id: str) -> None:
        marker = self.active_dir / task_id
        if marker.exists():
            return
        try:
            touch(marker)
        except FileNotFoundError:  # active/ is missing: build it, then mark
            self._ensure_index()
            touch(marker)
        fsync_dir(self.active_dir)

    def _unmark(self, task_id: str) -> None:
        # No fsync: if a crash loses the unlink, the marker is one readers skip.
        (self.active_dir / task_id).unlink(missing_ok=True)

    def drop_stale_marker(self, task_id: str) -> None:
        """Remove the marker of a task that ended or vanished (a crash came between its
        last write and the unmarking). Under the task's lock, so that a task being created
        (marked, its payload not written yet) keeps its marker; a reader never waits for
        it, though: the next one clears what this one left. Best effort: a reader may not
        be allowed to write."""
        with contextlib.suppress(OSError), self._locked(task_id, wait=False):
            path = self.payload_path(task_id)
            if not path.exists():
                self._unmark(task_id)  # (its lock file goes as the lock is let go)
                return
            try:
                ended = self._read(path).is_terminal
            except PayloadError:  # a newer version's payload: it keeps its marker
                return
            if ended:
                self._unmark(task_id)

    def _ensure_index(self) -> None:
        """Give a state dir without active/ (written before the index existed) its index,
        from a scan of every payload. One process builds it, under a lock on tasks/; it is
        built aside and renamed into place, so a crash mid-build leaves no partial index."""
        if self.active_dir.is_dir():
            return
        fd = os.open(self.tasks_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if not self.active_dir.is_dir():
                self._build_index()
        finally:
            os.close(fd)

    def _build_index(self) -> None:
        for name in os.listdir(self.root):
            if name.startswith(".active.") and name.endswith(".tmp"):  # a crashed build
                remove_flat_folder(self.root / name)
        building = self.root / f".active.{random_hex(4)}.tmp"
        building.mkdir(mode=DIR_MODE)
        for path in self.tasks_dir.glob("*.json"):
            if TASK_ID_PATTERN.match(path.stem) and self._may_be_unfinished(path):
                touch(building / path.stem)
        fsync_dir(building)
        os.rename(building, self.active_dir)
        fsync_dir(self.root)

    def _may_be_unfinished(self, path: Path) -> bool:
        try:
            return not self._read(path).is_terminal
        except FileNotFoundError:
            return False
        except (PayloadError, OSError):  # damaged, newer or not ours to read: as list() does
            return True
