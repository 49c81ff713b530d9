"""Task states and the transitions allowed between them (docs/CONTRACT.md section 1)."""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    """A task's state (docs/CONTRACT.md section 1); its value is the state's name."""

    QUEUED = "queued"
    PULLING = "pulling"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    KILLED = "killed"
    TIMED_OUT = "timed_out"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset(
    {
        TaskState.COMPLETED,
        TaskState.FAILED,
        TaskState.CANCELLED,
        TaskState.KILLED,
        TaskState.TIMED_OUT,
    }
)

_S = TaskState
TRANSITIONS: dict[TaskState, frozenset[TaskState]] = {
    _S.QUEUED: frozenset({_S.PULLING, _S.STARTING, _S.CANCELLED, _S.KILLED, _S.FAILED}),
    _S.PULLING: frozenset({_S.STARTING, _S.CANCELLED, _S.KILLED, _S.FAILED}),
    _S.STARTING: frozenset({_S.RUNNING, _S.CANCELLED, _S.KILLED, _S.FAILED}),
    _S.RUNNING: frozenset({_S.COMPLETED, _S.FAILED, _S.STOPPING, _S.KILLED}),
    _S.STOPPING: frozenset({_S.CANCELLED, _S.TIMED_OUT, _S.KILLED}),
    **{terminal: frozenset() for terminal in TERMINAL_STATES},
}


class InvalidTransition(Exception):
    """A state change the contract does not allow was attempted."""

    def __init__(self, task_id: str, source: TaskState, target: TaskState) -> None:
        super().__init__(f"task {task_id}: {source.value} -> {target.value} is not allowed")
        self.task_id = task_id
        self.source = source
        self.target = target


def can_transition(source: TaskState, target: TaskState) -> bool:
    return target in TRANSITIONS[source]


def check_transition(task_id: str, source: TaskState, target: TaskState) -> None:
    if not can_transition(source, target):
        raise InvalidTransition(task_id, source, target)
