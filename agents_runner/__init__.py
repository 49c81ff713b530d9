"""agents-runner: run AI coding agent CLIs in Docker containers, one task per container."""

from __future__ import annotations

from .engine.errors import EngineError, EngineUnavailable
from .states import InvalidTransition, TaskState
from .store import AmbiguousTaskId, TaskNotFound, UnreadableTask
from .task import Task

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from typing import Any

    from .engine import Engine
    from .engine.swarm import SwarmEngine
    from .runner import DEFAULT_MAX_RUNNING, TaskRunner
    from .spec import TaskSpec

__all__ = [
    "DEFAULT_MAX_RUNNING",
    "AmbiguousTaskId",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "InvalidTransition",
    "SwarmEngine",
    "Task",
    "TaskNotFound",
    "TaskRunner",
    "TaskSpec",
    "TaskState",
    "UnreadableTask",
]


def __getattr__(name: str) -> Any:
    """TaskRunner (and what comes with it, the Docker SDK) and TaskSpec (with the
    dataclasses module) are imported on first use, so that reading the state dir never
    pays for them."""
    if name in ("TaskRunner", "DEFAULT_MAX_RUNNING"):
        from . import runner

        return getattr(runner, name)
    if name == "Engine":  # TaskRunner(engine=Engine.at(url)): another engine than DOCKER_HOST's
        from .engine import Engine

        return Engine
    if name == "SwarmEngine":  # TaskRunner(engine=SwarmEngine.at(url)): a Swarm's manager
        from .engine.swarm import SwarmEngine

        return SwarmEngine
    if name == "TaskSpec":
        from .spec import TaskSpec

        return TaskSpec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
