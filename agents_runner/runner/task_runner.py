"""TaskRunner: the public Python API (docs/CONTRACT.md section 2)."""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
from collections import deque
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal

from ..agents import PROFILES
from ..config import DEFAULT_ORPHAN_GRACE, resolve_state_dir
from ..engine import Engine
from ..engine.errors import EngineError
from ..logsetup import get_logger
from ..outcome import record_kill_request, record_stop_request, settle
from ..processes import DetachedSupervisor, ProcessIdentity
from ..spec import TaskSpec
from ..states import TaskState
from ..store import TaskStore
from ..supervise import TaskSupervisor, release
from ..task import Task, parse_time, utc_now
from ..taskqueue import check_limit
from .admission import Admitter
from .ownership import claim, mark_driven, owner_gone, unmark_driven
from .recovery import Recovery, Report

log = get_logger(__name__)

DEFAULT_POLL_INTERVAL = 0.2
DETACH_TIMEOUT = 5.0  # how long close(wait=False) lets its supervisors take to let go


class TaskRunner:
    """Runs tasks, each in its own container. Every task waits its turn in the state
    dir's queue (taskqueue.py), which every process using the state dir shares: at most
    its limit run at once (`agents-runner config max-running N`, 4 by default), the
    highest priority first, then in submission order, pools permitting. `max_running`,
    if given, also caps how many of this runner's own tasks hold or wait for a slot.

    A new runner first recovers the state dir (`recover()`): tasks whose owning process
    died are taken over. `close()` (or leaving the `with` block) waits for every task
    this runner drives to end, like `concurrent.futures.Executor.shutdown`;
    `close(wait=False)` returns at once and leaves them to a later `recover()`.

    `adopt_in="process"` makes recover() hand containers that still run to detached
    supervisor processes instead of threads of this process (what the CLI uses, since
    it exits right away).
    """

    def __init__(
        self,
        state_dir: str | os.PathLike[str] | None = None,
        *,
        engine: Engine | None = None,
        max_running: int | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        recover: bool = True,
        adopt_in: Literal["thread", "process"] = "thread",
    ) -> None:
        if max_running is not None:
            check_limit("max_running", max_running)
        self.store = TaskStore(resolve_state_dir(state_dir))
        self._engine = engine
        self.max_running = max_running
        self.poll_interval = poll_interval
        self.adopt_in = adopt_in
        self.identity = ProcessIdentity.current()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._specs: dict[str, TaskSpec] = {}  # waiting here or in the state dir's queue
        self._held_back: deque[str] = deque()  # over this runner's own max_running
        self._supervisors: dict[str, TaskSupervisor] = {}
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._recovery = Recovery(
            self.store,
            lambda: self.engine,
            self.identity,
            adopt_in=adopt_in,
            new_supervisor=lambda task: self._supervisor(task.id, task.spec, resume=True),
            start_thread=self._start_locked,
        )
        self._admitter = Admitter(
            self.store,
            self.identity,
            start=self._admitted,
            adopt=lambda task: self._recovery.adopt(task),
            ended=self._ended_while_waiting,
        )
        if recover and self._orphans():
            try:
                self.recover()
            except EngineError as exc:
                log.warning("could not recover orphaned tasks: %s", exc)

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
        self._check_against_engine(spec)  # before anything is stored
        task = Task.new(spec)
        task.owner = self.identity.to_payload()
        with self._lock:
            if self._closed:
                raise RuntimeError("this TaskRunner is closed")
            mark_driven(task.id)  # before it is stored: no waiter may take it for abandoned
            try:
                self.store.create(task)
            except BaseException:
                unmark_driven(task.id)
                raise
            self._specs[task.id] = spec
        self._enqueue(task.id)
        return task

    def submit_detached(self, spec: TaskSpec) -> Task:
        """Persist a new task and hand it to a detached supervisor process, which drives
        it to its end whatever happens to this process (`agents-runner run --detach`).
        The secrets travel to it through a pipe. Returns at once."""
        if not isinstance(spec, TaskSpec):
            raise TypeError(f"submit_detached() takes a TaskSpec, not {type(spec).__name__}")
        self._check_against_engine(spec)  # before anything is stored
        child = DetachedSupervisor(self.store.root, spec.secrets)
        task = Task.new(spec)
        task.owner = child.identity.to_payload()
        try:
            self.store.create(task)
        except BaseException:
            child.abandon()
            raise
        self._admitter.queue.enter(
            task.id,
            priority=getattr(spec, "priority", 0),
            pool=getattr(spec, "pool", None),
            owner_pid=child.identity.pid,
        )
        child.hand_over(task.id, dict(spec.secrets))
        return task

    def _check_against_engine(self, spec: TaskSpec) -> None:
        """What only the engine can tell: it answers, it has the CPUs asked for, and the
        network. Refused here, nothing is stored and no container is created."""
        if spec.pool is not None and spec.pool not in self._admitter.queue.settings().pools:
            raise ValueError(
                f"pool: this state dir has no pool named {spec.pool!r}; make it with "
                f"'agents-runner config pool {spec.pool} N'"
            )
        engine = self.engine
        engine.ping()
        if spec.cpus is not None and spec.cpus > (available := engine.cpu_count()):
            raise ValueError(f"cpus: {spec.cpus:g} is more than the {available} the engine has")
        if spec.network is not None and not engine.network_exists(spec.network):
            raise ValueError(f"network: the engine has no network named {spec.network!r}")
        profile = PROFILES.get(spec.agent or "")
        if (
            profile is not None
            and spec.image == profile.default_image
            and not engine.image_present(spec.image)
        ):
            # A name of ours, in no registry: a pull would only say "access denied".
            raise ValueError(
                f"image: {spec.image} is not on this engine; build it with "
                f"'agents-runner images build {profile.name}'"
            )

    def drive(self, task_id: str, secrets: dict[str, str] | None = None) -> None:
        """Drive a stored task in this runner: a queued one is run (with `secrets`, which
        are never stored), one that was running is taken over. Returns at once."""
        task = self.store.load(task_id)
        if task.is_terminal:
            return
        if task.state is TaskState.QUEUED:
            spec = dataclasses.replace(task.spec, secrets=secrets or {})
            mark_driven(task.id)
            claim(self.store, task, self.identity, force=True)
            with self._lock:
                self._specs[task.id] = spec
            self._enqueue(task.id)
        else:
            self._recovery.adopt(task, force=True)

    def get(self, task_id: str) -> Task:
        return self.store.load(task_id)

    def refresh(self, task_id: str) -> Task:
        """The stored task; an unfinished one whose owner is gone (killed, or a runner
        closed without waiting) is first taken over by this runner, so whoever waits on
        a task never waits on nobody."""
        task = self.store.load(task_id)
        if task.is_terminal or not owner_gone(task, self.identity):
            return task
        try:
            self._recovery.adopt(task)
        except EngineError as exc:
            log.warning("task %s: its owner is gone and it cannot be taken over: %s", task_id, exc)
        return self.store.load(task_id)

    def list(self) -> list[Task]:
        return self.store.list()

    def wait(self, task_id: str, timeout: float | None = None) -> Task:
        """Block until the task is terminal; TimeoutError if `timeout` seconds pass first.
        Works for tasks driven by any process: it reads the store."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            task = self.refresh(task_id)
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
            recorded = record_stop_request(task, at=utc_now(), grace=chosen, reason="cancel")
            return _settle_if_queued(task) or recorded

        task = self.store.update(task_id, record)
        self._honour_request(task)
        return task

    def request_kill(self, task_id: str) -> Task:
        """Kill at once: SIGKILL, then the container is removed. Returns at once."""

        def record(task: Task) -> bool:
            recorded = record_kill_request(task, at=utc_now())
            return _settle_if_queued(task) or recorded

        task = self.store.update(task_id, record)
        self._honour_request(task)
        return task

    def recover(self, orphan_grace: float = DEFAULT_ORPHAN_GRACE) -> Report:
        """Reconcile the store with the engine after a crash. For each unfinished task
        whose owning process is gone: a container that still runs is taken over and
        driven to its end; one that exited is finished from its real exit code and
        output; one that vanished ends failed, "container lost"; a task that never got a
        running container (queued, pulling, starting) ends failed, "interrupted". Then
        containers of this store that no task knows, older than `orphan_grace` seconds,
        are removed."""
        report = Report()
        for task in self._orphans():
            self._recovery.adopt(task, report=report)
        self._recovery.sweep_orphan_containers(orphan_grace, report)
        return report

    def prune(self, older_than: float, orphan_grace: float = DEFAULT_ORPHAN_GRACE) -> Report:
        """Remove this store's orphan containers (as recover() does) and the payloads and
        logs of tasks that ended more than `older_than` seconds ago."""
        report = Report()
        self._recovery.sweep_orphan_containers(orphan_grace, report)
        now = datetime.now(UTC)
        for task in self.store.list():
            age = (now - parse_time(task.updated_at)).total_seconds()
            if task.is_terminal and age >= older_than:
                self.store.delete(task.id)
                report.add(f"{task.id}: removed ({task.state.value} {age:.0f}s ago)")
        return report

    def close(self, wait: bool = True) -> None:
        """Without `wait`, this runner's unfinished tasks are released: they have no owner
        until another runner (of this process or another) takes them over."""
        with self._lock:
            self._closed = True
            if not wait:
                queued = list(self._specs)
                self._specs.clear()
                self._held_back.clear()
                unmark_driven(*queued)
                for supervisor in self._supervisors.values():
                    supervisor.detached.set()
                    supervisor.wake.set()
                threads = list(self._threads)
        if not wait:
            for task_id in queued:
                self._admitter.discard(task_id)
                self._admitter.queue.leave(task_id)
                release(self.store, task_id)
            # Each supervisor releases its task itself as it lets go, which is prompt.
            for thread in threads:
                thread.join(DETACH_TIMEOUT)
        while wait:
            with self._lock:
                pending = [t for t in self._threads if t.is_alive()]
                waiting = bool(self._specs)
            if not pending and not waiting:
                break
            for thread in pending:
                thread.join()
            if waiting:
                with self._changed:
                    self._changed.wait(self.poll_interval)
        self._admitter.join(DETACH_TIMEOUT)
        self._admitter.close()

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

    def _supervisor(self, task_id: str, spec: TaskSpec, *, resume: bool) -> TaskSupervisor:
        return TaskSupervisor(
            task_id, spec, self.store, self.engine,
            poll_interval=self.poll_interval, on_change=self._notify, resume=resume,
        )  # fmt: skip

    def _enqueue(self, task_id: str) -> None:
        """Into the state dir's queue, unless this runner's own limit holds it back."""
        with self._lock:
            mine = sum(1 for s in self._supervisors.values() if not s.resume)
            mine += len(self._admitter.waiting())
            if self.max_running is not None and mine >= self.max_running:
                self._held_back.append(task_id)
                return
            spec = self._specs[task_id]
        self._admitter.queue.enter(
            task_id,
            priority=getattr(spec, "priority", 0),
            pool=getattr(spec, "pool", None),
            owner_pid=self.identity.pid,
        )
        self._admitter.add(task_id)

    def _admitted(self, task_id: str) -> None:
        """The queue gave the task its slot: its supervisor starts."""
        with self._lock:
            spec = self._specs.pop(task_id, None)
            if spec is not None:
                self._start(self._supervisor(task_id, spec, resume=False))
                return
        self._admitter.queue.leave(task_id)  # given up meanwhile: the slot goes back

    def _ended_while_waiting(self, task_id: str) -> None:
        """A request (from this process or another) settled the task while it waited."""
        with self._lock:
            if self._specs.pop(task_id, None) is not None:
                unmark_driven(task_id)
            self._changed.notify_all()

    def _next_held_back(self) -> None:
        with self._lock:
            task_id = self._held_back.popleft() if self._held_back else None
        if task_id is not None:
            self._enqueue(task_id)

    def _start_locked(self, supervisor: TaskSupervisor) -> None:
        with self._lock:
            self._start(supervisor)

    def _start(self, supervisor: TaskSupervisor) -> None:
        """Run a supervisor in a thread of its own; the caller holds the lock."""
        mark_driven(supervisor.task_id)
        self._supervisors[supervisor.task_id] = supervisor
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
            with self._lock:
                del self._supervisors[supervisor.task_id]
                unmark_driven(supervisor.task_id)
                current = threading.current_thread()
                self._threads = [t for t in self._threads if t.is_alive() and t is not current]
                self._changed.notify_all()
            self._admitter.queue.leave(supervisor.task_id)
            self._next_held_back()

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _honour_request(self, task: Task) -> None:
        """Act on a request just recorded. A queued task was settled by the request
        itself; one of our supervisors is woken; a task another live process drives is
        left to that owner, which polls the store; a task whose owner is gone is taken
        over."""
        with self._lock:
            queued = self._specs.pop(task.id, None)
            if queued is not None:
                if task.id in self._held_back:
                    self._held_back.remove(task.id)
                unmark_driven(task.id)
            supervisor = self._supervisors.get(task.id)
        if queued is not None:
            self._admitter.discard(task.id)
            self._admitter.queue.leave(task.id)
        self._notify()
        if task.is_terminal or queued is not None:
            return
        if supervisor is not None:
            supervisor.wake.set()
            return
        if not owner_gone(task, self.identity):
            # The owner polls the store and sends every signal itself, so that the engine
            # gets them once each and in the order they were decided.
            return
        self._recovery.adopt(task)

    def _orphans(self) -> list[Task]:
        with self._lock:
            ours = set(self._supervisors) | set(self._specs)
        return self._recovery.orphans(ours)


def _settle_if_queued(task: Task) -> bool:
    """A task still queued ends at once when a request is recorded: nothing runs yet."""
    return task.state is TaskState.QUEUED and settle(task)
