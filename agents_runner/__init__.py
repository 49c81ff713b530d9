"""agents-runner: run AI coding agent CLIs in Docker containers, one task per container."""

from .engine import EngineError, EngineUnavailable
from .runner import DEFAULT_MAX_RUNNING, TaskRunner
from .spec import TaskSpec
from .states import InvalidTransition, TaskState
from .store import TaskNotFound
from .task import Task

__all__ = [
    "DEFAULT_MAX_RUNNING",
    "EngineError",
    "EngineUnavailable",
    "InvalidTransition",
    "Task",
    "TaskNotFound",
    "TaskRunner",
    "TaskSpec",
    "TaskState",
]
