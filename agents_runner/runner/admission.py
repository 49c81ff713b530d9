"""The runner's side of the state dir's queue: one thread per runner that lets this
runner's waiting tasks in when the queue says it is their turn, and takes over what
dead processes left in the line or in a slot."""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..logsetup import get_logger
from ..processes import ProcessIdentity
from ..store import TaskNotFound, TaskStore, UnreadableTask
from ..task import Task
from ..taskqueue import TaskQueue
from .ownership import owner_gone

log = get_logger(__name__)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..queue_changes import FolderChanges

FIRST_POLL = 2.0  # seconds between passes with nothing heard, at first (inotify wakes)
LAST_POLL = 30.0  # ... and at most (an idle waiter stays idle)
POLL_WITHOUT_INOTIFY = 1.0


class Admitter:
    """Lets tasks of one runner into their slots: `start` starts one whose turn it is,
    `ended` lets go of one that ended while it waited (a request from anywhere), and
    `adopt` takes over a task whose owner died (in the line or holding a slot)."""

    def __init__(
        self,
        store: TaskStore,
        identity: ProcessIdentity,
        *,
        start: Callable[[str], None],
        adopt: Callable[[Task], None],
        ended: Callable[[str], None],
    ) -> None:
        self.store = store
        self.queue = TaskQueue(store.root)
        self.queue.ensure()
        self.identity = identity
        self._start = start
        self._adopt = adopt
        self._ended_while_waiting = ended
        self._lock = threading.Lock()
        self._waiting: set[str] = set()
        self._watcher: FolderChanges | None = None  # made once a task has to wait
        self._thread: threading.Thread | None = None
        self._adopting: set[str] = set()

    def add(self, task_id: str) -> None:
        """Let the task in now if it is its turn; else wait for its turn in a thread."""
        try:
            if task_id in self.queue.admit({task_id}, whole_line=False).admitted:
                self._start(task_id)
                return
        except OSError:
            log.exception("the queue could not be read; waiting instead")
        with self._lock:
            self._waiting.add(task_id)
            if self._watcher is None:
                from ..queue_changes import FolderChanges  # ctypes: only for waiters

                self._watcher = FolderChanges(self.queue.watched_folders)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="queue-admitter", daemon=True
                )
                self._thread.start()
        self._kick()

    def _kick(self) -> None:
        if self._watcher is not None:
            self._watcher.kick()

    @property
    def _changes(self) -> FolderChanges:
        assert self._watcher is not None  # the admitter thread starts after it is made
        return self._watcher

    def discard(self, task_id: str) -> bool:
        """Stop waiting for the task (it was settled, or the runner lets it go)."""
        with self._lock:
            found = task_id in self._waiting
            self._waiting.discard(task_id)
        self._kick()
        return found

    def waiting(self) -> set[str]:
        with self._lock:
            return set(self._waiting)

    def join(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.close()

    def _run(self) -> None:
        poll = FIRST_POLL if self._changes.watching else POLL_WITHOUT_INOTIFY
        whole_line = True  # the first pass, and each after a quiet spell, reads it all
        while True:
            with self._lock:
                mine = set(self._waiting)
                if not mine:
                    self._thread = None
                    return
            try:
                moved = self._one_pass(mine, whole_line=whole_line)
            except Exception:
                log.exception("the queue could not be read; trying again")
                moved = False
            if moved:
                poll = FIRST_POLL if self._changes.watching else POLL_WITHOUT_INOTIFY
                whole_line = False
                continue
            # Woken by a change, only the head of the line can have moved; after a
            # quiet spell, the whole line is read for waiters that died.
            whole_line = not self._changes.wait(poll, self._holder_pids())
            if not whole_line:
                poll = FIRST_POLL if self._changes.watching else POLL_WITHOUT_INOTIFY
            elif self._changes.watching:
                poll = min(poll * 2, LAST_POLL)

    def _one_pass(self, mine: set[str], *, whole_line: bool) -> bool:
        """Admit what may start; True when anything moved."""
        found = self.queue.admit(mine, whole_line=whole_line)
        for task_id in found.admitted:
            with self._lock:
                self._waiting.discard(task_id)
            self._start(task_id)
        gone = [task_id for task_id in mine - set(found.admitted) if self._ended(task_id)]
        for task_id in gone:  # cancelled or killed while it waited, from anywhere
            self.discard(task_id)
            self._ended_while_waiting(task_id)
        for task_id in [*found.dead_waiters, *found.holders]:
            self._adopt_if_abandoned(task_id)
        return bool(found.admitted or gone)

    def _ended(self, task_id: str) -> bool:
        return not (self.queue.active_dir / task_id).exists()

    def _adopt_if_abandoned(self, task_id: str) -> None:
        """Take over, in a thread of its own, a task whose owner is gone; give back the
        slot of one that has ended."""
        if task_id in self._adopting:
            return
        try:
            task = self.store.load(task_id)
        except (TaskNotFound, UnreadableTask):
            return
        if task.is_terminal:  # a crash came between its end and its marker's removal
            self.store.drop_stale_marker(task_id)  # which frees its slot
            return
        if not owner_gone(task, self.identity):
            return
        self._adopting.add(task_id)

        def adopt() -> None:
            try:
                self._adopt(task)
            except Exception:
                log.exception("task %s: its owner is gone and it cannot be taken over", task_id)
            finally:
                self._adopting.discard(task_id)
                self._kick()

        threading.Thread(target=adopt, name=f"adopt-{task_id}", daemon=True).start()

    def _holder_pids(self) -> tuple[int, ...]:
        """The owners of the tasks holding slots: one exiting wakes the admitter."""
        pids = []
        for task_id in self.queue.holder_ids():
            try:
                owner = ProcessIdentity.from_payload(self.store.load(task_id).owner)
            except (TaskNotFound, UnreadableTask, OSError):
                continue
            if owner is not None and owner.pid != self.identity.pid:
                pids.append(owner.pid)
        return tuple(pids)
