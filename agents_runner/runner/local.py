"""A runner's own tasks: those waiting in it (over its max_running) or in the state
dir's queue, and the supervisor threads that drive those it started."""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable

from ..logsetup import get_logger
from ..processes import ProcessIdentity
from ..spec import TaskSpec
from ..store import TaskStore
from ..supervise import TaskSupervisor, release
from .admission import Admitter
from .ownership import mark_driven, unmark_driven

DETACH_TIMEOUT = 5.0  # how long close(wait=False) lets its supervisors take to let go
IDLE_RECHECK = 30.0  # close() waiting on queued tasks: notified of each change anyway

log = get_logger(__name__)


class LocalTasks:
    """What one runner drives. `new_supervisor(task_id, spec)` makes the supervisor of a
    task whose turn came; `adopt` takes over a task a dead process left (see Admitter)."""

    def __init__(
        self,
        store: TaskStore,
        identity: ProcessIdentity,
        *,
        max_running: int | None,
        poll_interval: float,
        new_supervisor: Callable[[str, TaskSpec], TaskSupervisor],
        adopt: Callable,  # type: ignore[type-arg]
    ) -> None:
        self.store = store
        self.identity = identity
        self.max_running = max_running
        self.poll_interval = poll_interval
        self._new_supervisor = new_supervisor
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self._changes = 0  # counts notifications, so close() misses none between its looks
        self._specs: dict[str, TaskSpec] = {}  # waiting here or in the state dir's queue
        self._held_back: deque[str] = deque()  # over this runner's own max_running
        self._through: set[str] = set()  # let through that limit, not yet ended
        self._entry = threading.Lock()  # taken before `lock`, never while holding it
        self.supervisors: dict[str, TaskSupervisor] = {}
        self._threads: list[threading.Thread] = []
        self.closed = False
        self.admitter = Admitter(
            store, identity, start=self._admitted, adopt=adopt, ended=self._ended_while_waiting
        )

    def ours(self) -> set[str]:
        with self.lock:
            return set(self.supervisors) | set(self._specs)

    def add(self, task_id: str, spec: TaskSpec, *, store: Callable[[], object]) -> None:
        """Take a new task: `store` writes it (under this runner's lock, so that no
        waiter takes it for abandoned first), then it joins the queue."""
        with self.lock:
            if self.closed:
                raise RuntimeError("this TaskRunner is closed")
            mark_driven(task_id)
            try:
                store()
            except BaseException:
                unmark_driven(task_id)
                raise
            self._specs[task_id] = spec
        self._enqueue(task_id)

    def add_stored(self, task_id: str, spec: TaskSpec) -> None:
        """Take a task already stored (handed over to this process)."""
        mark_driven(task_id)
        with self.lock:
            self._specs[task_id] = spec
        self._enqueue(task_id)

    def take_back(self, task_id: str) -> tuple[bool, TaskSupervisor | None]:
        """A request settled the task: if it waited here, it no longer does (True);
        else its supervisor, if this runner drives it."""
        with self.lock:
            waited = self._specs.pop(task_id, None) is not None
            if waited:
                if task_id in self._held_back:
                    self._held_back.remove(task_id)
                self._through.discard(task_id)
                unmark_driven(task_id)
            supervisor = self.supervisors.get(task_id)
        if waited:
            self.admitter.discard(task_id)
            self.admitter.queue.leave(task_id)
            self._let_through_after_change()
        self.notify()
        return waited, supervisor

    def start_thread(self, supervisor: TaskSupervisor) -> None:
        with self.lock:
            self._start(supervisor)

    def notify(self) -> None:
        with self.changed:
            self._changed()

    def _changed(self) -> None:
        """Wake whoever waits on a change; the caller holds the lock."""
        self._changes += 1
        self.changed.notify_all()

    def close(self, wait: bool) -> None:
        """Without `wait`, every task is let go unfinished, for another runner to take."""
        with self.lock:
            self.closed = True
            if not wait:
                queued = list(self._specs)
                self._specs.clear()
                self._held_back.clear()
                self._through.clear()
                unmark_driven(*queued)
                for supervisor in self.supervisors.values():
                    supervisor.detached.set()
                    supervisor.wake.set()
                threads = list(self._threads)
        if not wait:
            for task_id in queued:
                self.admitter.discard(task_id)
                self.admitter.queue.leave(task_id)
                release(self.store, task_id)
            # Each supervisor releases its task itself as it lets go, which is prompt.
            for thread in threads:
                thread.join(DETACH_TIMEOUT)
        while wait:
            with self.lock:
                seen = self._changes
            self._let_through_after_change()  # one that could not join the queue tries again
            with self.changed:
                pending = [t for t in self._threads if t.is_alive()]
                if not pending:
                    if not self._specs:
                        break
                    # Every change to what waits here notifies, under this same lock; one
                    # that came during the try above is not waited for again.
                    if self._changes == seen:
                        self.changed.wait(IDLE_RECHECK)
                    continue
            for thread in pending:
                thread.join()
        self.admitter.join(DETACH_TIMEOUT)
        self.admitter.close()

    def _enqueue(self, task_id: str) -> None:
        """Behind the tasks this runner's own limit holds back, then into the state dir's
        queue as that limit lets them through."""
        with self.lock:
            self._held_back.append(task_id)
        self._let_through()

    def _let_through(self) -> None:
        """Send held-back tasks, oldest first, into the state dir's queue while this
        runner's own limit allows. A task counts against it from the moment it is let
        through until it ends, so threads that submit at once cannot all pass; one thread
        lets tasks through at a time (`_entry`), so none overtakes one held back before
        it."""
        with self._entry:
            while True:
                with self.lock:
                    if not self._held_back or (
                        self.max_running is not None and len(self._through) >= self.max_running
                    ):
                        return
                    task_id = self._held_back.popleft()
                    spec = self._specs.get(task_id)
                    if spec is None:  # settled before it was held back
                        continue
                    self._through.add(task_id)
                try:
                    self.admitter.queue.enter(
                        task_id, priority=spec.priority, pool=spec.pool, owner_pid=self.identity.pid
                    )
                    self.admitter.add(task_id)
                except BaseException:
                    self._not_let_through(task_id)
                    raise

    def _not_let_through(self, task_id: str) -> None:
        """Letting the task through failed (a full disk, say): it waits at the front
        again, counted no more, for the next change to try again."""
        with contextlib.suppress(OSError):
            self.admitter.queue.leave(task_id)
        self.admitter.discard(task_id)
        with self.lock:
            self._through.discard(task_id)
            if task_id in self._specs:
                self._held_back.appendleft(task_id)

    def _let_through_after_change(self) -> None:
        """`_let_through` for a thread that submits nothing: what fails is logged, and the
        held-back tasks wait for the next change."""
        try:
            self._let_through()
        except Exception:
            log.exception("a held-back task could not join the queue; it waits for the next change")

    def _admitted(self, task_id: str) -> None:
        """The queue gave the task its slot: its supervisor starts."""
        with self.lock:
            spec = self._specs.pop(task_id, None)
            self._changed()
            if spec is not None:
                self._start(self._new_supervisor(task_id, spec))
                return
        self.admitter.queue.leave(task_id)  # given up meanwhile: the slot goes back

    def _ended_while_waiting(self, task_id: str) -> None:
        """A request (from this process or another) settled the task while it waited."""
        with self.lock:
            if self._specs.pop(task_id, None) is not None:
                unmark_driven(task_id)
            self._through.discard(task_id)
            self._changed()
        self._let_through_after_change()

    def _start(self, supervisor: TaskSupervisor) -> None:
        """Run a supervisor in a thread of its own; the caller holds the lock."""
        mark_driven(supervisor.task_id)
        self.supervisors[supervisor.task_id] = supervisor
        thread = threading.Thread(
            target=self._supervise,
            args=(supervisor,),
            name=f"task-{supervisor.task_id}",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()

    def _supervise(self, supervisor: TaskSupervisor) -> None:
        try:
            supervisor.run()
        finally:
            with self.lock:
                del self.supervisors[supervisor.task_id]
                self._through.discard(supervisor.task_id)
                unmark_driven(supervisor.task_id)
                current = threading.current_thread()
                self._threads = [t for t in self._threads if t.is_alive() and t is not current]
                self._changed()
            # A task let go unfinished (close(wait=False)) keeps its slot: its container
            # runs on, and whoever takes it over ends it (C-4a.4). An ended one gives it back.
            queue = self.admitter.queue
            if not (queue.active_dir / supervisor.task_id).exists():
                queue.leave(supervisor.task_id)
            self._let_through_after_change()
