"""A task on a backend that places it (a Swarm): `queued` while the cluster finds a node
with room (the cluster's words recorded), `pulling` while that node prepares it (the
pull's progress read from the node's own engine), `starting`, then started."""

from __future__ import annotations

import threading

from ..engine.errors import EngineError, PullAborted
from ..engine.records import NEVER_RAN, PULLING, STARTED, STARTING, WAITING, Placement
from ..logsetup import get_logger
from ..states import TaskState
from .pull import ImagePull
from .record import EndedElsewhere, requested
from .retry import Retrier
from .task_context import TaskContext

log = get_logger(__name__)

HANDED_OVER = "given to the cluster, which has not placed it yet"
LOOK_INTERVAL = 0.1  # how often the cluster is asked while it places the task


class PlacementWatch:
    """Follows one started task until the cluster has started its container."""

    def __init__(self, task: TaskContext, container_id: str) -> None:
        self.task = task
        self.container_id = container_id
        self._pull_shown = False

    def until_started(self) -> Placement | None:
        """The placement once the container started (the task is `starting` then) or the
        task ended without one (NEVER_RAN); None when a request came or the supervisor
        let go first. EndedElsewhere when a request settled the task."""
        while True:
            stored = self.task.record.load()
            if stored.is_terminal:
                raise EndedElsewhere(stored.state)
            if requested(stored) or self.task.detached.is_set():
                return None
            where = self.task.retrier.retry(
                "asking the cluster where the task is",
                lambda: self.task.engine.placement(self.container_id),
            )
            if where.stage == WAITING:
                self.task.record.note_placement(where.reason or HANDED_OVER)
            elif where.stage == PULLING:
                self.task.record.advance(TaskState.PULLING)
                self._show_pull(where)
            elif where.stage in (STARTING, STARTED):
                # Every Swarm task is prepared (its image pulled) on its node before it
                # starts, however briefly: its story says so, though seen only after.
                self.task.record.advance(TaskState.PULLING)
                self.task.record.advance(TaskState.STARTING)
                if where.stage == STARTED:
                    return where
            elif where.stage == NEVER_RAN:
                return where
            if self.task.wake.wait(LOOK_INTERVAL):
                self.task.wake.clear()

    def _moved_on(self) -> bool:
        """Whether the cluster has gone past the pull (or no longer answers): the watch
        goes on, whatever the pull followed on the node says."""
        try:
            return self.task.engine.placement(self.container_id).stage != PULLING
        except EngineError:
            return True

    def _show_pull(self, where: Placement) -> None:
        """The node's pull, followed on the node's own engine for its progress (a pull of
        the same image there joins the one under way); once, and only where the engine
        answers. The cluster, not this pull, says whether the image came."""
        if self._pull_shown or where.node is None or self.task.spec.pull == "never":
            return
        self._pull_shown = True
        no_retries = threading.Event()
        no_retries.set()  # a node's engine that does not answer is not waited for
        pull = ImagePull(
            where.node,
            self.task.spec.image,
            Retrier(self.task.retrier.task_id, interrupt=no_retries),
            poll_interval=self.task.poll_interval,
            wake=self.task.wake,
            should_abort=lambda: self.task.let_go_or_requested() or self._moved_on(),
            on_summary=lambda summary: self.task.record.update(pull_progress=summary),
        )
        try:
            pull.run()
        except PullAborted:
            return
        except EngineError as exc:
            task_id = self.task.record.task_id
            log.info("task %s: the node's pull cannot be followed: %s", task_id, exc)
