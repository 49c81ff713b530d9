"""Recovery: taking over tasks whose owner is gone, and sweeping containers of the
store that no task needs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from ..engine import LABEL_STORE, LABEL_TASK_ID
from ..engine.boundary import EngineBoundary
from ..logsetup import get_logger
from ..processes import DetachedSupervisor, ProcessIdentity
from ..states import TaskState
from ..store import TaskNotFound, TaskStore, UnreadableTask
from ..supervise import TaskSupervisor
from ..task import Task, parse_time
from .ownership import claim, claim_driving, owner_gone, unmark_driven

log = get_logger(__name__)


@dataclass
class Report:
    """What recover() or prune() did, one line per thing, for people and scripts."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        log.info("%s", line)
        self.lines.append(line)


class Recovery:
    """Takes over abandoned tasks for one runner: a container that still runs is driven
    by a supervisor in a thread of this process (`start_thread`) or in a detached
    process (`adopt_in="process"`); one that exited or never ran is finished here."""

    def __init__(
        self,
        store: TaskStore,
        engine: Callable[[], EngineBoundary],
        identity: ProcessIdentity,
        *,
        adopt_in: Literal["thread", "process"],
        new_supervisor: Callable[[Task], TaskSupervisor],
        start_thread: Callable[[TaskSupervisor], None],
        backend: Callable[[], str] = lambda: "docker",
    ) -> None:
        self.store = store
        self._engine = engine
        self.identity = identity
        self.adopt_in = adopt_in
        self._new_supervisor = new_supervisor
        self._start_thread = start_thread
        self._backend = backend

    def orphans(self, ours: set[str]) -> list[Task]:
        """Unfinished tasks that no live process drives (and not among `ours`)."""
        return [
            task
            for task in self.store.list()
            if not task.is_terminal and task.id not in ours and owner_gone(task, self.identity)
        ]

    def adopt(self, task: Task, *, force: bool = False, report: Report | None = None) -> None:
        report = report or Report()
        # A task of another backend is left for a runner of that backend: this one would
        # find no container of it and call it lost.
        if (task.backend or "docker") != (backend := self._backend()):
            report.add(
                f"{task.id}: runs on the {task.backend or 'docker'} backend, not {backend}; "
                f"left for 'agents-runner --backend {task.backend or 'docker'} recover'"
            )
            return
        if not claim_driving(task.id):
            return  # another thread of this process is taking it over already
        driven_by_thread = False
        try:
            container = None
            started = (TaskState.STARTING, TaskState.RUNNING, TaskState.STOPPING)
            # A task a cluster was given (placement, or pulling on its node) may run too.
            if task.state in started or task.placement or task.state is TaskState.PULLING:
                container = self._engine().inspect(task.container_id or task.container_name)
            still_running = bool(container and container.running)
            if still_running and self.adopt_in == "process":
                child = DetachedSupervisor(self.store.root, docker_host=self._engine().address)
                if claim(self.store, task, child.identity, force=force):
                    child.hand_over(task.id)
                    pid = child.identity.pid
                    report.add(
                        f"{task.id}: its container still runs; detached supervisor {pid} drives it"
                    )
                else:
                    child.abandon()
                return
            if not claim(self.store, task, self.identity, force=force):
                return
            supervisor = self._new_supervisor(task)
            if still_running:
                self._start_thread(supervisor)
                driven_by_thread = True
                report.add(f"{task.id}: its container still runs; this process drives it")
                return
            supervisor.run()  # the container exited or never ran: finishing it is quick
            ended = self.store.load(task.id)
            reason = f" ({ended.error})" if ended.error else ""
            report.add(f"{task.id}: ended {ended.state.value}{reason}")
        finally:
            if not driven_by_thread:
                unmark_driven(task.id)

    def sweep_orphan_containers(self, grace: float, report: Report) -> None:
        now = time.time()
        for container in self._engine().containers({LABEL_STORE: self.store.store_id}):
            task_id = container.labels.get(LABEL_TASK_ID, "")
            why = self._why_orphan(task_id)
            if why is None or now - container.created < grace:
                continue
            self._engine().remove(container.id)
            report.add(f"orphan container {container.name} removed ({why})")

    def delete_ended(self, older_than: float, report: Report) -> None:
        """Delete the payload and log of each task that ended `older_than` seconds ago."""
        now = datetime.now(UTC)
        for task in self.store.list():
            age = (now - parse_time(task.updated_at)).total_seconds()
            if task.is_terminal and age >= older_than:
                self.store.delete(task.id)
                report.add(f"{task.id}: removed ({task.state.value} {age:.0f}s ago)")

    def _why_orphan(self, task_id: str) -> str | None:
        """Why a container of this store is nobody's, or None when a task needs it: a task
        that has not ended, or one that ended and asked to keep its container."""
        if not self.store.exists(task_id):
            return f"no task {task_id or '?'} in this store"
        try:
            task = self.store.load(task_id)
        except (TaskNotFound, UnreadableTask):
            return None  # unreadable: leave it to a person (or to a newer version)
        if not task.is_terminal or (task.spec.keep_container and not task.kill_requested_at):
            return None
        return f"task {task_id} ended {task.state.value} and its end is recorded"
