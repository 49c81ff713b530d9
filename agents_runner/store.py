"""TaskStore: one JSON payload per task, written atomically, locked for read-modify-write.

Layout under the state dir (docs/CONTRACT.md section 4):
    tasks/<id>.json     the payload (temporary file, fsync, rename, fsync of the folder)
    logs/<id>.log       the container's output
    quarantine/         payloads that could not be read, each with a .reason file
    locks/<id>.lock     flock targets; a lock serialises writers across processes
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .states import TaskState
from .task import TASK_ID_PATTERN, NewerPayload, PayloadError, Task, utc_now

log = logging.getLogger(__name__)

_DIR_MODE = 0o700
_FILE_MODE = 0o600


class TaskNotFound(LookupError):
    """No task with that id is stored."""

    def __init__(self, task_id: str, reason: str = "no such task") -> None:
        super().__init__(f"unknown task {task_id!r}: {reason}")
        self.task_id = task_id


class TaskExists(Exception):
    pass


class UnreadableTask(LookupError):
    """A task whose payload this version cannot read, left in place (a newer version
    wrote it)."""

    def __init__(self, task_id: str, reason: str) -> None:
        super().__init__(f"task {task_id!r} cannot be read by this version: {reason}")
        self.task_id = task_id


class TaskStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().absolute()
        self.tasks_dir = self.root / "tasks"
        self.logs_dir = self.root / "logs"
        self.quarantine_dir = self.root / "quarantine"
        self.locks_dir = self.root / "locks"
        for folder in (
            self.root,
            self.tasks_dir,
            self.logs_dir,
            self.quarantine_dir,
            self.locks_dir,
        ):
            folder.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        self.store_id = self._load_or_create_store_id()

    # -- paths ---------------------------------------------------------------

    def payload_path(self, task_id: str) -> Path:
        return self.tasks_dir / f"{_checked_id(task_id)}.json"

    def log_path(self, task_id: str) -> Path:
        return self.logs_dir / f"{_checked_id(task_id)}.log"

    def log_times_path(self, task_id: str) -> Path:
        """When each part of the log was written (logcopy.LogTimes), for `logs --since`."""
        return self.logs_dir / f"{_checked_id(task_id)}.times"

    # -- reading ---------------------------------------------------------------

    def exists(self, task_id: str) -> bool:
        return TASK_ID_PATTERN.match(task_id) is not None and self.payload_path(task_id).exists()

    def load(self, task_id: str) -> Task:
        """The stored task. An unreadable payload is quarantined and reported as not found."""
        if not TASK_ID_PATTERN.match(task_id):
            raise TaskNotFound(task_id, "not a task id (12 hex digits)")
        path = self.payload_path(task_id)
        try:
            return self._read(path)
        except FileNotFoundError:
            raise TaskNotFound(task_id) from None
        except NewerPayload as exc:
            raise UnreadableTask(task_id, str(exc)) from None
        except PayloadError as exc:
            self._quarantine(path, str(exc), announce=False)  # the error says so
            raise TaskNotFound(
                task_id, f"its payload was unreadable and quarantined: {exc}"
            ) from None

    def list(self) -> list[Task]:
        """Every readable task, oldest first; unreadable payloads are quarantined and skipped."""
        tasks = []
        for path in sorted(self.tasks_dir.glob("*.json")):
            if path.name.startswith("."):
                continue
            try:
                tasks.append(self._read(path))
            except FileNotFoundError:
                continue
            except NewerPayload as exc:
                log.warning("skipping task payload %s: %s", path.name, exc)
            except PayloadError as exc:
                self._quarantine(path, str(exc))
        tasks.sort(key=lambda t: (t.created_at, t.id))
        return tasks

    # -- writing ---------------------------------------------------------------

    def create(self, task: Task) -> Task:
        with self._locked(task.id):
            if self.payload_path(task.id).exists():
                raise TaskExists(task.id)
            self._write(task)
        return task

    def update(self, task_id: str, change: Callable[[Task], Any]) -> Task:
        """Read, change and write one task under its lock, so no writer's update is lost.
        When `change` returns False nothing is written."""
        with self._locked(task_id):
            task = self.load(task_id)
            if change(task) is False:
                return task
            task.updated_at = utc_now()
            self._write(task)
            return task

    def transition(self, task_id: str, target: TaskState, **fields: Any) -> Task:
        """Move a task to `target` (raising InvalidTransition if the contract forbids it),
        setting `fields` and appending to its history, in one atomic write."""

        def change(task: Task) -> None:
            for name, value in fields.items():
                setattr(task, name, value)
            task.move_to(target)

        return self.update(task_id, change)

    def delete(self, task_id: str) -> None:
        """Remove a task's payload, log and lock file."""
        with self._locked(task_id):
            for path in (
                self.payload_path(task_id),
                self.log_path(task_id),
                self.log_times_path(task_id),
            ):
                path.unlink(missing_ok=True)
            _fsync_dir(self.tasks_dir)
            # Unlinked while held: a process waiting on it sees, once it gets it, that the
            # path no longer leads to its file, and locks the path anew (see _locked).
            self._lock_path(task_id).unlink(missing_ok=True)

    # -- internals ---------------------------------------------------------------

    def locked(self, task_id: str) -> contextlib.AbstractContextManager[None]:
        """Hold the task's lock, which every writer of its payload waits for (reentrant
        in this thread). Tests use it as a gate to hold a task between two writes."""
        return self._locked(task_id)

    def _lock_path(self, task_id: str) -> Path:
        return self.locks_dir / f"{_checked_id(task_id)}.lock"

    @contextlib.contextmanager
    def _locked(self, task_id: str) -> Iterator[None]:
        """The task's lock, across processes (flock) and reentrant within a thread, so a
        locked update may quarantine the payload it could not read."""
        held = _held_locks()
        key = (str(self.root), task_id)
        if key in held:
            yield
            return
        fd = self._acquire(self._lock_path(task_id))
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            os.close(fd)

    @staticmethod
    def _acquire(lock_path: Path) -> int:
        while True:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, _FILE_MODE)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.stat(lock_path).st_ino == os.fstat(fd).st_ino:
                    return fd
            except FileNotFoundError:
                pass  # deleted while we waited for it: lock the new file instead
            os.close(fd)

    def _read(self, path: Path) -> Task:
        raw = path.read_bytes()
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PayloadError(f"not valid JSON ({exc})") from None
        task = Task.from_payload(data)
        if path.stem != task.id:
            raise PayloadError(f"file name {path.name} does not match task id {task.id}")
        return task

    def _write(self, task: Task) -> None:
        data = json.dumps(task.to_payload(), indent=2, sort_keys=True).encode() + b"\n"
        write_atomically(self.payload_path(task.id), data)

    def _quarantine(self, path: Path, reason: str, *, announce: bool = True) -> None:
        task_id = path.stem
        with self._locked_if_id(task_id):
            if not path.exists():
                return
            try:  # another writer may have fixed it since our read
                self._read(path)
                return
            except PayloadError:
                pass
            target = self.quarantine_dir / f"{path.name}.{utc_now().replace(':', '')}"
            os.replace(path, target)
            write_atomically(target.with_name(target.name + ".reason"), (reason + "\n").encode())
            _fsync_dir(self.tasks_dir)
        if announce:
            log.warning(
                "quarantined unreadable task payload %s: %s (moved to %s)",
                path.name,
                reason,
                target,
            )

    def _locked_if_id(self, name: str) -> contextlib.AbstractContextManager[None]:
        return self._locked(name) if TASK_ID_PATTERN.match(name) else contextlib.nullcontext()

    def _load_or_create_store_id(self) -> str:
        path = self.root / "store-id"
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            pass
        tmp = path.with_name(f".store-id.{secrets.token_hex(4)}.tmp")
        write_atomically(tmp, secrets.token_hex(8).encode() + b"\n")
        with contextlib.suppress(FileExistsError):  # the first process to link it wins
            os.link(tmp, path)
        tmp.unlink()
        return path.read_text().strip()


_thread_state = threading.local()


def _held_locks() -> set[tuple[str, str]]:
    if not hasattr(_thread_state, "held"):
        _thread_state.held = set()
    return _thread_state.held


def write_atomically(path: Path, data: bytes) -> None:
    """Temporary file in the same folder, fsync, rename over `path`, fsync the folder:
    a reader sees the old bytes or the new ones, never a torn file."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _checked_id(task_id: str) -> str:
    if not TASK_ID_PATTERN.match(task_id):
        raise TaskNotFound(task_id, "not a task id (12 hex digits)")
    return task_id
