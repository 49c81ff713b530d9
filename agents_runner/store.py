"""TaskStore: one JSON payload per task, written atomically, locked for read-modify-write.

Layout under the state dir (docs/CONTRACT.md section 4):
    tasks/<id>.json     the payload (temporary file, fsync, rename, fsync of the folder)
    active/<id>         an empty marker per unfinished task: the index `list` reads
    logs/<id>.log       the container's output
    quarantine/         payloads that could not be read, each with a .reason file
    locks/<id>.lock     flock targets; a lock serialises writers across processes

The index holds this invariant through any crash: a task's marker is made (and its
folder fsynced) before its first payload is written, and removed only after a terminal
payload is on disk (or with the task). So every unfinished task has a marker; a marker
left behind (its task ended or vanished) is skipped by readers and cleared by them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from . import failpoints
from .logsetup import get_logger
from .states import TaskState
from .store_files import DIR_MODE, fsync_dir, random_hex, write_atomically
from .store_index import UnfinishedIndex
from .store_locks import TaskLocks
from .task import TASK_ID_PATTERN, NewerPayload, PayloadError, Task, utc_now

# Kept out of the imports of the read verbs, which start in tens of milliseconds:
# typing, and logging (see logsetup).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_CANDIDATES_SHOWN = 5
_ID_PREFIX = re.compile(r"[0-9a-f]{1,12}")


class TaskNotFound(LookupError):
    """No task with that id is stored."""

    def __init__(self, task_id: str, reason: str = "no such task") -> None:
        super().__init__(f"unknown task {task_id!r}: {reason}")
        self.task_id = task_id


class TaskExists(Exception):
    """A task with that id is stored already."""

    pass


class AmbiguousTaskId(LookupError):
    """An id prefix that the ids of several tasks start with."""

    def __init__(self, prefix: str, candidates: list[str]) -> None:
        shown = ", ".join(candidates[:_CANDIDATES_SHOWN])
        if len(candidates) > _CANDIDATES_SHOWN:
            shown += f" and {len(candidates) - _CANDIDATES_SHOWN} more"
        super().__init__(
            f"task id prefix {prefix!r} is ambiguous: {len(candidates)} tasks match "
            f"({shown}); give more digits"
        )
        self.prefix = prefix
        self.candidates = candidates


class UnreadableTask(LookupError):
    """A task whose payload this process cannot read, left in place: a newer version
    wrote it, or it is not this user's to read (or not a file)."""

    def __init__(self, task_id: str, reason: str) -> None:
        super().__init__(f"task {task_id!r} cannot be read: {reason}")
        self.task_id = task_id


class TaskStore(TaskLocks, UnfinishedIndex):
    """The tasks of one state dir (the layout above): a payload per task, its log and
    prompt, the index of unfinished tasks and a lock per task. Opening it makes the
    folders it lacks. Reading needs no lock and never imports the Docker SDK; a payload
    is written (create, update, transition) under the task's lock and replaced
    atomically, so several processes may share one state dir."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().absolute()
        self.tasks_dir = self.root / "tasks"
        self.logs_dir = self.root / "logs"
        self.quarantine_dir = self.root / "quarantine"
        self.locks_dir = self.root / "locks"
        self.active_dir = self.root / "active"
        for folder in (self.root, self.tasks_dir, self.logs_dir, self.quarantine_dir):
            folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        self.locks_dir.mkdir(mode=DIR_MODE, exist_ok=True)
        self.store_id = _load_or_create_store_id(self.root)
        # A state dir from before the index gets one now. Readers do without it if it
        # cannot be built (a full disk, no write access); writers retry and fail then.
        with contextlib.suppress(OSError):
            self._ensure_index()

    # -- paths ---------------------------------------------------------------

    def payload_path(self, task_id: str) -> Path:
        return self.tasks_dir / f"{_checked_id(task_id)}.json"

    def log_path(self, task_id: str) -> Path:
        return self.logs_dir / f"{_checked_id(task_id)}.log"

    def prompt_path(self, task_id: str) -> Path:
        """A prompt too long for one argument, mounted into the task's container."""
        return self.root / "prompts" / _checked_id(task_id)

    def write_prompt(self, task_id: str, prompt: str) -> Path:
        path = self.prompt_path(task_id)
        path.parent.mkdir(mode=DIR_MODE, exist_ok=True)
        write_atomically(path, prompt.encode())
        # The agent, whoever it runs as, reads it through the mount; prompts/ keeps it from
        # the host's other users, as the payload, which holds it too, is kept.
        path.chmod(0o644)
        return path

    def log_times_path(self, task_id: str) -> Path:
        """When each part of the log was written (logtimes.LogTimes), for `logs --since`."""
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
        except (OSError, NewerPayload) as exc:
            raise UnreadableTask(task_id, _left_in_place(path, exc)) from None
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
            task = self._read_listed(path)
            if task is not None:
                tasks.append(task)
        return _oldest_first(tasks)

    def list_unfinished(self) -> list[Task]:
        """The unfinished tasks of list(), read through the index: its cost does not grow
        with the number of finished tasks. Markers left behind are cleared on the way."""
        try:
            names = os.listdir(self.active_dir)
        except FileNotFoundError:  # a state dir that could not be indexed
            return [task for task in self.list() if not task.is_terminal]
        tasks = []
        for name in names:
            if not TASK_ID_PATTERN.match(name):
                continue
            task = self._read_listed(self.payload_path(name))
            if task is not None and not task.is_terminal:
                tasks.append(task)
            else:
                self.drop_stale_marker(name)
        return _oldest_first(tasks)

    def resolve_id(self, text: str) -> str:
        """The id of the one stored task whose id is `text` or starts with it, as docker
        takes container ids; only file names are read. TaskNotFound when none matches,
        AmbiguousTaskId when several do."""
        if TASK_ID_PATTERN.match(text):
            if self.payload_path(text).exists():
                return text
            raise TaskNotFound(text)
        if not _ID_PREFIX.fullmatch(text):
            raise TaskNotFound(text, "not a task id (12 hex digits) or the start of one")
        matches = sorted(task_id for task_id in self._stored_ids() if task_id.startswith(text))
        if not matches:
            raise TaskNotFound(text)
        if len(matches) > 1:
            raise AmbiguousTaskId(text, matches)
        return matches[0]

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
        """Remove a task's payload, log, marker and lock file."""
        with self._locked(task_id):  # which removes the lock file, once the payload is gone
            # The payload last: a crash or a failed unlink before it leaves a task that
            # `rm` can remove again, never a log no id leads to.
            for path in (
                self.log_path(task_id),
                self.log_times_path(task_id),
                self.prompt_path(task_id),
                self.payload_path(task_id),
            ):
                path.unlink(missing_ok=True)
            fsync_dir(self.tasks_dir)
            self._unmark(task_id)  # after the payload: a crash leaves no unmarked task

    # -- internals ---------------------------------------------------------------

    def _lock_path(self, task_id: str) -> Path:
        return self.locks_dir / f"{_checked_id(task_id)}.lock"

    def _stored_ids(self) -> Iterator[str]:
        for name in os.listdir(self.tasks_dir):
            stem, dot, extension = name.partition(".")
            if dot and extension == "json" and TASK_ID_PATTERN.match(stem):
                yield stem

    def _read_listed(self, path: Path) -> Task | None:
        """The task at `path` for a listing: None if it vanished, is newer (a warning) or
        unreadable (quarantined)."""
        try:
            return self._read(path)
        except FileNotFoundError:
            return None
        except (OSError, NewerPayload) as exc:
            _warn("skipping task payload %s: %s", path.name, _left_in_place(path, exc))
        except PayloadError as exc:
            self._quarantine(path, str(exc))
        return None

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
        """Write the payload, keeping the index true through a crash at any point: marked
        before an unfinished payload lands, unmarked only after a terminal one did."""
        if not task.is_terminal:
            self._mark(task.id)
        data = json.dumps(task.to_payload(), indent=2, sort_keys=True).encode() + b"\n"
        write_atomically(self.payload_path(task.id), data)
        if task.is_terminal:
            failpoints.reach("after-end")
            self._unmark(task.id)
            self.prompt_path(task.id).unlink(missing_ok=True)

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
            except OSError:  # gone meanwhile (another process quarantined it), or unreadable
                return
            target = self.quarantine_dir / f"{path.name}.{utc_now().replace(':', '')}"
            try:
                os.replace(path, target)
            except FileNotFoundError:  # a name that is no task id has no lock to share
                return
            write_atomically(target.with_name(target.name + ".reason"), (reason + "\n").encode())
            fsync_dir(self.tasks_dir)
            if TASK_ID_PATTERN.match(task_id):
                self._unmark(task_id)
        if announce:
            _warn(
                "quarantined unreadable task payload %s: %s (moved to %s)",
                path.name,
                reason,
                target,
            )


def _load_or_create_store_id(root: Path) -> str:
    path = root / "store-id"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".store-id.{random_hex(4)}.tmp")
    try:
        write_atomically(tmp, random_hex(8).encode() + b"\n")
    except OSError as exc:
        exc.filename = str(path)  # the file a person can look for
        raise
    with contextlib.suppress(FileExistsError):  # the first process to link it wins
        os.link(tmp, path)
    tmp.unlink()
    return path.read_text().strip()


# The task locks each thread holds, by thread: what makes _locked reentrant.


def _warn(message: str, *args: object) -> None:
    get_logger(__name__).warning(message, *args)


def _oldest_first(tasks: list[Task]) -> list[Task]:
    return sorted(tasks, key=lambda t: (t.created_at, t.id))


def _checked_id(task_id: str) -> str:
    if not TASK_ID_PATTERN.match(task_id):
        raise TaskNotFound(task_id, "not a task id (12 hex digits)")
    return task_id


def _left_in_place(path: Path, exc: Exception) -> str:
    """Why a payload is left as it is, not quarantined: a newer version wrote it, or
    this process cannot read it (another user's, a folder in its place)."""
    if isinstance(exc, OSError):
        return f"its payload {path} cannot be read ({exc.strerror or type(exc).__name__})"
    return str(exc)
