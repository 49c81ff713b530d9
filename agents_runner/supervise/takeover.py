"""Taking over a task whose owner is gone (a part of TaskSupervisor)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..engine import LABEL_STORE, LABEL_TASK_ID, ContainerInfo
from ..engine.boundary import EngineBoundary
from ..states import TaskState
from ..store import TaskStore
from ..task import parse_time
from .endings import CONTAINER_LOST, interrupted_reason
from .record import TaskRecord


class TakeOver:
    """What a supervisor does with `resume`: it drives the task from what the store and
    the engine say (a part of TaskSupervisor, which gives the attributes below)."""

    task_id: str
    store: TaskStore
    engine: EngineBoundary
    record: TaskRecord
    container_id: str | None
    container_name: str
    offline: bool
    _engine: Callable[[str, Callable[[], Any]], Any]
    _remove: Callable[[], None]
    _watch: Callable[..., None]
    _deadline: Callable[..., float | None]

    def _resume(self) -> None:
        """Take over a task whose owner is gone: watch a container that runs, finish one
        that exited from its real exit code and output, and settle what cannot go on."""
        task = self.record.load()
        if task.is_terminal:
            return
        container = self._engine(
            "finding the container", lambda: self.engine.inspect(self.container_name)
        )
        if container is not None and not _ours(container, self.task_id, self.store.store_id):
            container = None
        self.container_id = container.id if container else task.container_id
        before = (TaskState.QUEUED, TaskState.PULLING)
        if task.state in before and container and container.has_started:
            # A cluster started it after its owner died: it runs, as below.
            self.record.advance(TaskState.PULLING)
            self.record.advance(TaskState.STARTING)
            task = self.record.load()
        if task.state is TaskState.STARTING and container and container.has_started:
            # Started just before its owner died: it runs, with the secrets it was given.
            self.record.record_start(container.id, container.started_at)
            task = self.record.load()
        if task.state in (TaskState.QUEUED, TaskState.PULLING, TaskState.STARTING):
            if self.engine.places_tasks:  # a service could still start: it goes first
                self._remove()
                self.record.settle(error=interrupted_reason(task.state))
                return
            self.record.settle(error=interrupted_reason(task.state))
            self._remove()
            return
        if container is None:
            # Its exit code is recorded before the container is removed: without one, the
            # container was removed behind the runner's back.
            if task.exit_code is None:
                self.record.settle(error=CONTAINER_LOST)
            else:
                output = self.record.end_of_output(self.offline)
                self.record.settle(exit_code=task.exit_code, error=task.error, **output)
            return
        now = datetime.now(UTC)
        running_at = parse_time(task.reached(TaskState.RUNNING) or task.updated_at)
        elapsed = (now - running_at).total_seconds()
        stop_sent_at = None
        if task.stop_signalled_at:  # the grace goes on; the signal is not sent twice
            since = max(0.0, (now - parse_time(task.stop_signalled_at)).total_seconds())
            stop_sent_at = time.monotonic() - since
        self._watch(container.id, self._deadline(elapsed=elapsed), stop_sent_at=stop_sent_at)


def _ours(container: ContainerInfo, task_id: str, store_id: str) -> bool:
    labels = container.labels
    return labels.get(LABEL_TASK_ID) == task_id and labels.get(LABEL_STORE) == store_id
