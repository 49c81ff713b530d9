"""TaskSupervisor: drives one task from queued to its end. It alone finalizes the task.

Other code (this process's runner, or another process) only records intent in the
store and wakes it; it reads the intent under the payload's lock when it settles,
so whatever was recorded before the end wins.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from .. import failpoints
from ..attachcopy import task_log_copy
from ..engine import ContainerExit
from ..engine.boundary import EngineBoundary, OutputStream
from ..engine.errors import EngineError
from ..engine.records import STARTED
from ..logcopy import LogCopy
from ..logsetup import get_logger
from ..outcome import OOM_REASON
from ..spec import TaskSpec
from ..states import TaskState
from ..store import TaskStore
from .agent_container import attach_output, container_name, create_arguments, has_no_network
from .endings import (
    REMOVED_WHILE_RUNNING,
    failure_reason,
    killed_for_memory,
    outage_reason,
    release,
    removed_while_running,
)
from .placement import HANDED_OVER, PlacementWatch
from .pull import ensure_image
from .record import EndedElsewhere, TaskRecord, requested
from .retry import Retrier
from .takeover import TakeOver
from .task_context import TaskContext
from .watch import AgentWatch

log = get_logger(__name__)
T = TypeVar("T")


class TaskSupervisor(TakeOver):
    """Drives one task: pulls its image, creates and starts its container, watches the
    agent (acting on requests and the deadline), then records its end once the log is
    complete and the container is gone. With `resume`, it takes over a task whose owner
    died, from what the store and the engine say. Setting `detached` lets go of the task
    unfinished; setting `wake` makes it look at the store at once."""

    def __init__(
        self,
        task_id: str,
        spec: TaskSpec,
        store: TaskStore,
        engine: EngineBoundary,
        *,
        poll_interval: float,
        on_change: Callable[[], None],
        resume: bool = False,
    ) -> None:
        self.task_id = task_id
        self.spec = spec  # the in-memory spec: the only place its secrets live
        self.store = store
        self.engine = engine
        self.poll_interval = poll_interval
        self.wake = threading.Event()
        self.detached = threading.Event()
        self.container_id: str | None = None
        self.resume = resume
        self.retrier = Retrier(task_id, interrupt=self.detached)
        self.record = TaskRecord(task_id, store, spec, on_change)
        self.context = TaskContext(
            engine, spec, self.record, self.retrier, poll_interval, self.wake, self.detached
        )

    @property
    def container_name(self) -> str:
        return container_name(self.task_id)

    @property
    def outages(self) -> list[tuple[float, float]]:
        return self.retrier.outages

    def run(self) -> None:
        try:
            self._resume() if self.resume else self._drive()
        except EndedElsewhere:
            self._remove()  # a request settled it (while queued) before it could go on
        except Exception as exc:
            self._fail(failure_reason(self.task_id, exc))
        finally:
            if self.detached.is_set():
                release(self.store, self.task_id)

    # -- phases ---------------------------------------------------------------

    def _drive(self) -> None:
        failpoints.reach("start-up")
        task = self.record.load()
        if task.is_terminal:  # a request settled it while it was queued
            return
        if requested(task):
            self.record.settle()
            return
        placed = self.engine.places_tasks  # a cluster: queued until it places the task
        if not placed and not self._ensure_image():  # on a cluster, the node pulls
            return
        if placed:
            self.record.note_placement(HANDED_OVER)
        else:
            self.record.transition(TaskState.STARTING)
        offline = self.offline  # asked before the create, which its answer shapes
        try:
            create = functools.partial(self._create_once, offline)
            self.container_id = self._engine("creating the container", create)
        except EngineError as exc:
            self._remove()  # a create whose answer was lost may have made it all the same
            self.record.settle(error=str(exc))
            return
        failpoints.reach("after-create")
        if requested(self.record.update(container_id=self.container_id)):
            self._remove()  # the end is recorded once no container is left
            self.record.settle()
            return
        container_id = self.container_id
        attach = attach_output(self.engine, container_id, self.task_id)
        try:
            self._engine("starting the container", lambda: self.engine.start(container_id))
        except EngineError as exc:
            if attach is not None:
                attach.close()
            self._remove()
            self.record.settle(error=str(exc))
            return
        failpoints.reach("after-start")
        if placed and not self._placed(container_id):
            return
        self.record.transition(TaskState.RUNNING)
        self._watch(self.container_id, self._deadline(elapsed=0.0), attach)

    def _placed(self, container_id: str) -> bool:
        """Whether the cluster started the task's container; if not, the task ended (or
        was let go) first."""
        where = PlacementWatch(self.context, container_id).until_started()
        if where is not None and where.stage == STARTED:
            return True
        if not self.detached.is_set():
            self._remove()
            self.record.settle(error=where.reason if where else None)
        return False

    def _deadline(self, *, elapsed: float) -> float | None:
        """The monotonic time at which the task's timeout (counted from running) passes."""
        if not self.spec.timeout:
            return None
        return time.monotonic() + self.spec.timeout - elapsed

    def _ensure_image(self) -> bool:
        """The image is there (pulled if the policy says so); False when the task ended
        instead (the pull failed or a request came)."""
        return ensure_image(self.context)

    def _create_once(self, offline: bool) -> str:
        """Create the container, or find the one a create whose answer was lost made."""
        existing = self.engine.inspect(self.container_name)
        if existing:
            return existing.id
        arguments = create_arguments(self.spec, self.task_id, self.store, offline=offline)
        return self.engine.create(**arguments)

    @functools.cached_property
    def offline(self) -> bool:
        """Whether the task's container has no network: asked of the engine once."""
        ask = functools.partial(has_no_network, self.spec, self.engine)
        return self._engine("asking for the container's network", ask)

    def _watch(
        self,
        container_id: str,
        deadline: float | None,
        attach: OutputStream | None = None,
        stop_sent_at: float | None = None,
    ) -> None:
        """Copy the output and watch the agent until its container exits, then finish."""
        copy = task_log_copy(self.engine, self.store, self.task_id, container_id, attach)
        copy.start()
        watch = AgentWatch(
            container_id,
            self.engine,
            self.record,
            engine_call=self._engine,
            must=self._must,
            wake=self.wake,
            detached=self.detached,
            poll_interval=self.poll_interval,
        )
        try:
            outcome = watch.until_exit(deadline, stop_sent_at)
            if outcome is None:
                return  # detached
            failpoints.reach("before-end")
            self._finish(container_id, outcome, copy)
        finally:
            copy.close()

    def _finish(self, container_id: str, outcome: ContainerExit, copy: LogCopy) -> None:
        """The container exited: record the exit code (with any reason already known),
        complete the log, and only then remove the container (until then it holds the
        only other copy of both), then record the end. A crash between two steps is
        finished by recover from what is stored: the exit code, or the container."""
        found = self._engine("inspecting", lambda: self.engine.inspect(container_id))
        task = self.record.load()
        removed = functools.partial(removed_while_running, self.engine, outcome, found, task)
        if self._engine("watching for a removal", removed):
            # Removed while it ran: what "wait" said of it is no exit code (Docker says
            # 137, Podman 137 or 0).
            outcome = ContainerExit(None, REMOVED_WHILE_RUNNING)
        oom = self._engine(
            "asking the engine whether it reported an out-of-memory kill",
            lambda: killed_for_memory(self.engine, found, outcome.exit_code, task),
        )
        known = outcome.error or (OOM_REASON if oom else None)
        self._must(
            "cannot record the end",
            lambda: self.record.update(exit_code=outcome.exit_code, error=known),
        )
        self._must("cannot record the end: the log is incomplete", copy.finish)
        copy.close()
        # Only now are all the engine's outages known, the shutdown that stopped it too.
        error = known or outage_reason(found, outcome, self.outages)
        failpoints.reach("before-removal")
        # A kill asked for while the log was finishing removes a kept container too.
        kept = self.spec.keep_container and not self.record.load().kill_requested_at
        if not kept:
            self._remove()
        failpoints.reach("after-removal")
        output = self.record.end_of_output(self.offline)

        def end(unless_killed: bool) -> bool:
            return self.record.settle(
                exit_code=outcome.exit_code, error=error, unless_killed=unless_killed, **output
            )

        if not self._must("cannot record the end", lambda: end(kept)):
            # A kill came after the container was kept: it goes before the end is written.
            self._remove()
            self._must("cannot record the end", lambda: end(False))

    def _engine(self, what: str, call: Callable[[], T]) -> T:
        """An engine call, retried while the engine is unreachable."""
        return self.retrier.retry(what, call)

    def _must(self, problem: str, action: Callable[[], T]) -> T:
        """A write that must happen (the container is kept meanwhile), retried while the
        disk is full or the engine is unreachable."""
        return self.retrier.retry(problem, action, disk_full_too=True)

    def _remove(self) -> None:
        """Remove the task's container, found by id or else by its name."""
        target = self.container_id or self.container_name
        self._engine("removing the container", lambda: self.engine.remove(target))

    def _fail(self, reason: str) -> None:
        """Record a failure, then remove the container; if the failure cannot be recorded,
        the container is kept for recover to finish from."""
        try:
            self.record.settle(error=reason)
        except Exception:
            log.exception(
                "task %s: could not record the failure; keeping its container", self.task_id
            )
            return
        try:
            self._remove()
        except Exception:
            log.exception("task %s: removing the container failed", self.task_id)
