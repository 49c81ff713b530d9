"""TaskRunner: the public Python API (docs/CONTRACT.md section 2)."""

from __future__ import annotations

import dataclasses
import math
import os
import time
from types import TracebackType
from typing import Literal

from ..config import DEFAULT_ORPHAN_GRACE, resolve_state_dir
from ..engine.backends import chosen_backend, connect, stored_backend
from ..engine.boundary import EngineBoundary
from ..engine.errors import EngineError
from ..logsetup import get_logger
from ..outcome import record_kill_request, record_stop_request, settle
from ..processes import DetachedSupervisor, ProcessIdentity
from ..spec import TaskSpec
from ..spec_checks import check_seconds
from ..states import TaskState
from ..store import TaskStore
from ..supervise import TaskSupervisor
from ..task import Task, utc_now
from .checks import check_before_storing
from .local import LocalTasks
from .options import checked_options
from .ownership import claim, mark_driven, owner_gone
from .recovery import Recovery, Report

log = get_logger(__name__)

DEFAULT_POLL_INTERVAL = 0.2


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
        engine: EngineBoundary | None = None,
        max_running: int | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        recover: bool = True,
        adopt_in: Literal["thread", "process"] = "thread",
    ) -> None:
        max_running, poll_interval = checked_options(engine, max_running, poll_interval, adopt_in)
        self.store = TaskStore(resolve_state_dir(state_dir))
        self._engine = engine
        self.max_running = max_running
        self.poll_interval = poll_interval
        self.adopt_in = adopt_in
        self.identity = ProcessIdentity.current()
        self._local = LocalTasks(
            self.store,
            self.identity,
            max_running=max_running,
            poll_interval=poll_interval,
            new_supervisor=lambda task_id, spec: self._supervisor(task_id, spec, resume=False),
            adopt=lambda task: self._recovery.adopt(task),
        )
        self._recovery = Recovery(
            self.store,
            lambda: self.engine,
            self.identity,
            adopt_in=adopt_in,
            new_supervisor=lambda task: self._supervisor(task.id, task.spec, resume=True),
            backend=lambda: self._engine.backend if self._engine else chosen_backend(),
            start_thread=self._local.start_thread,
        )
        if recover and self._orphans():
            try:
                self.recover()
            except EngineError as exc:
                log.warning("could not recover orphaned tasks: %s", exc)

    @property
    def engine(self) -> EngineBoundary:  # the one given, else AGENTS_RUNNER_BACKEND's
        if self._engine is None:
            self._engine = connect()
        return self._engine

    # -- the public verbs ---------------------------------------------------------------

    def submit(self, spec: TaskSpec) -> Task:
        """Persist a new task as queued and schedule it; returns at once."""
        if not isinstance(spec, TaskSpec):
            raise TypeError(f"submit() takes a TaskSpec, not {type(spec).__name__}")
        check_before_storing(spec, self.engine, self._local.admitter.queue)
        task = Task.new(spec, stored_backend(self.engine))
        task.owner = self.identity.to_payload()
        self._local.add(task.id, spec, store=lambda: self.store.create(task))
        return task

    def submit_detached(self, spec: TaskSpec) -> Task:
        """Persist a new task and hand it to a detached supervisor process, which drives
        it to its end whatever happens to this process (`agents-runner run --detach`).
        The secrets travel to it through a pipe. Returns at once."""
        if not isinstance(spec, TaskSpec):
            raise TypeError(f"submit_detached() takes a TaskSpec, not {type(spec).__name__}")
        check_before_storing(spec, self.engine, self._local.admitter.queue)
        child = DetachedSupervisor(self.store.root, spec.secrets, self.engine.address)
        task = Task.new(spec, stored_backend(self.engine))
        task.owner = child.identity.to_payload()
        try:
            self.store.create(task)
        except BaseException:
            child.abandon()
            raise
        self._local.admitter.queue.enter(
            task.id, priority=spec.priority, pool=spec.pool, owner_pid=child.identity.pid
        )
        child.hand_over(task.id, dict(spec.secrets))
        return task

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
            self._local.add_stored(task.id, spec)
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

    def read_log(self, task_id: str) -> str:
        """The task's output so far, as text (undecodable bytes replaced); empty for a
        task that never ran (its reason is `error`)."""
        path = self.store.log_path(self.store.load(task_id).id)
        try:
            return path.read_bytes().decode(errors="replace")
        except FileNotFoundError:
            return ""

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
            with self._local.changed:
                self._local.changed.wait(min(remaining, self.poll_interval))

    def request_stop(self, task_id: str, grace: float | None = None) -> Task:
        """Cancel gracefully: the agent gets its stop signal, then SIGKILL after `grace`
        seconds (default: the spec's stop_grace). Returns at once."""
        if grace is not None:
            grace = check_seconds("grace", grace, positive=False)

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
        self._clean_queue(report)
        return report

    def _clean_queue(self, report: Report) -> None:
        if removed := self._local.admitter.queue.clean():
            report.add(f"queue: {removed} ticket(s) or slot(s) of ended tasks removed")

    def prune(self, older_than: float, orphan_grace: float = DEFAULT_ORPHAN_GRACE) -> Report:
        """Remove this store's orphan containers (as recover() does) and the payloads and
        logs of tasks that ended more than `older_than` seconds ago."""
        report = Report()
        self._recovery.sweep_orphan_containers(orphan_grace, report)
        self._recovery.delete_ended(older_than, report)
        self._clean_queue(report)
        return report

    def close(self, wait: bool = True) -> None:
        """Without `wait`, this runner's unfinished tasks are released: they have no owner
        until another runner (of this process or another) takes them over."""
        self._local.close(wait)

    def __enter__(self) -> TaskRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _supervisor(self, task_id: str, spec: TaskSpec, *, resume: bool) -> TaskSupervisor:
        return TaskSupervisor(
            task_id, spec, self.store, self.engine,
            poll_interval=self.poll_interval, on_change=self._local.notify, resume=resume,
        )  # fmt: skip

    def _honour_request(self, task: Task) -> None:
        """Act on a request just recorded. A queued task was settled by the request
        itself; one of our supervisors is woken; a task another live process drives is
        left to that owner, which polls the store; a task whose owner is gone is taken
        over."""
        queued, supervisor = self._local.take_back(task.id)
        if task.is_terminal or queued:
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
        return self._recovery.orphans(self._local.ours())


def _settle_if_queued(task: Task) -> bool:
    """A task still queued ends at once when a request is recorded: nothing runs yet.
    Not one a cluster has been given (`placement`): its supervisor removes what the
    cluster has of it first."""
    return task.state is TaskState.QUEUED and not task.placement and settle(task)
