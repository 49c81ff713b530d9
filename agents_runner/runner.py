"""TaskRunner: the public Python API (CONTRACT.md section 3)."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from types import TracebackType

from .config import resolve_state_dir
from .engine import Engine
from .outcome import record_kill_request, record_stop_request, settle
from .spec import TaskSpec
from .store import TaskStore
from .supervisor import TaskSupervisor
from .task import Task, utc_now

log = logging.getLogger(__name__)

DEFAULT_MAX_RUNNING = 4
DEFAULT_POLL_INTERVAL = 0.2


class TaskRunner:
    """Runs tasks, each in its own container, at most `max_running` at once, in FIFO order.

    `close()` (or leaving the `with` block) waits for every task submitted here to end,
    like `concurrent.futures.Executor.shutdown`; `close(wait=False)` returns at once and
    leaves unfinished tasks to `recover()`.
    """

    def __init__(
        self,
        state_dir: str | os.PathLike[str] | None = None,
        *,
        engine: Engine | None = None,
        max_running: int = DEFAULT_MAX_RUNNING,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        if isinstance(max_running, bool) or not isinstance(max_running, int) or max_running < 1:
            raise ValueError(
                f"max_running: must be a whole number of at least 1, got {max_running!r}"
            )
        self.store = TaskStore(resolve_state_dir(state_dir))
        self._engine = engine
        self.max_running = max_running
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: deque[tuple[str, TaskSpec]] = deque()
        self._supervisors: dict[str, TaskSupervisor] = {}
        self._threads: list[threading.Thread] = []
        self._closed = False

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine.from_env()
        return self._engine

    # -- the public verbs ---------------------------------------------------------------

    def submit(self, spec: TaskSpec) -> Task:
        """Persist a new task as queued and schedule it; returns at once."""
        if not isinstance(spec, TaskSpec):
            raise TypeError(f"submit() takes a TaskSpec, not {type(spec).__name__}")
        engine = self.engine  # fail before persisting anything when no engine answers
        del engine
        with self._lock:
            if self._closed:
                raise RuntimeError("this TaskRunner is closed")
            task = self.store.create(Task.new(spec))
            self._queue.append((task.id, spec))
        self._dispatch()
        return task

    def get(self, task_id: str) -> Task:
        return self.store.load(task_id)

    def list(self) -> list[Task]:
        return self.store.list()

    def wait(self, task_id: str, timeout: float | None = None) -> Task:
        """Block until the task is terminal; TimeoutError if `timeout` seconds pass first.
        Works for tasks driven by any process: it reads the store."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            task = self.store.load(task_id)
            if task.is_terminal:
                return task
            remaining = math.inf if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"task {task_id} is still {task.state.value} after {timeout}s")
            with self._changed:
                self._changed.wait(min(remaining, self.poll_interval))

    def request_stop(self, task_id: str, grace: float | None = None) -> Task:
        """Cancel gracefully: the agent gets its stop signal, then SIGKILL after `grace`
        seconds (default: the spec's stop_grace). Returns at once."""
        if grace is not None and (
            isinstance(grace, bool) or not isinstance(grace, int | float) or not grace >= 0
        ):
            raise ValueError(f"grace: must be a number of seconds, 0 or more, got {grace!r}")

        def record(task: Task) -> bool:
            chosen = task.spec.stop_grace if grace is None else float(grace)
            return record_stop_request(task, at=utc_now(), grace=chosen, reason="cancel")

        task = self.store.update(task_id, record)
        self._honour_request(task)
        return task

    def request_kill(self, task_id: str) -> Task:
        """Kill at once: SIGKILL, then the container is removed. Returns at once."""
        task = self.store.update(task_id, lambda t: record_kill_request(t, at=utc_now()))
        self._honour_request(task)
        return task

    def close(self, wait: bool = True) -> None:
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            if not wait:
                for supervisor in self._supervisors.values():
                    supervisor.detached.set()
                    supervisor.wake.set()
        if wait:
            for thread in threads:
                thread.join()
            while True:  # tasks still queued when close() began are run too
                with self._lock:
                    pending = [t for t in self._threads if t.is_alive()]
                if not pending:
                    break
                for thread in pending:
                    thread.join()

    def __enter__(self) -> TaskRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- scheduling ---------------------------------------------------------------

    def _dispatch(self) -> None:
        with self._lock:
            while self._queue and len(self._supervisors) < self.max_running:
                task_id, spec = self._queue.popleft()
                supervisor = TaskSupervisor(
                    task_id,
                    spec,
                    self.store,
                    self.engine,
                    poll_interval=self.poll_interval,
                    on_change=self._notify,
                )
                self._supervisors[task_id] = supervisor
                thread = threading.Thread(
                    target=self._supervise, args=(supervisor,), name=f"task-{task_id}", daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def _supervise(self, supervisor: TaskSupervisor) -> None:
        try:
            supervisor.run()
        finally:
            with self._lock:
                del self._supervisors[supervisor.task_id]
                self._threads = [
                    t for t in self._threads if t.is_alive() and t is not threading.current_thread()
                ]
                self._changed.notify_all()
            if not self._closed or self._queue:
                self._dispatch()

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _honour_request(self, task: Task) -> None:
        """Act on a request just recorded: a task still in our queue ends here, one of our
        supervisors is woken, and a task driven by another process is signalled in Docker
        (its owner, or recover(), records the end)."""
        if task.is_terminal:
            return
        with self._lock:
            queued = next((item for item in self._queue if item[0] == task.id), None)
            if queued is not None:
                self._queue.remove(queued)
            supervisor = self._supervisors.get(task.id)
        if queued is not None:
            self.store.update(task.id, lambda t: settle(t))
            self._notify()
        elif supervisor is not None:
            supervisor.wake.set()
        elif task.container_id:
            self._signal_foreign(task)

    def _signal_foreign(self, task: Task) -> None:
        container_id = task.container_id
        assert container_id is not None
        if task.kill_requested_at:
            action = lambda: self.engine.kill(container_id)  # noqa: E731
        else:
            grace = task.stop_grace if task.stop_grace is not None else task.spec.stop_grace
            action = lambda: self.engine.stop(container_id, grace)  # noqa: E731
        threading.Thread(target=action, name=f"signal-{task.id}", daemon=True).start()
