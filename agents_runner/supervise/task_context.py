"""What the parts of one task's supervision share (the supervisor, its pull, its watch
of the cluster's placement): the engine, the spec and the record, the retrier that
rides out an engine away, and the supervisor's two events."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..engine.boundary import EngineBoundary
from ..spec import TaskSpec
from .record import TaskRecord, requested
from .retry import Retrier


@dataclass(frozen=True)
class TaskContext:
    """One task's supervision: `wake` makes it look at the store at once; `detached`
    lets go of the task unfinished."""

    engine: EngineBoundary
    spec: TaskSpec
    record: TaskRecord
    retrier: Retrier
    poll_interval: float
    wake: threading.Event
    detached: threading.Event

    def let_go_or_requested(self) -> bool:
        """Whether the supervisor let go of the task, or a cancel or kill came."""
        return self.detached.is_set() or requested(self.record.load())
