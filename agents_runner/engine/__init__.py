"""The engine package: the only code that imports the Docker SDK.

    boundary.py      the protocol a backend implements (EngineBoundary)
    docker_engine.py Engine, its implementation for Docker and Podman, built of
    images.py        image calls,
    containers.py    container calls and
    events.py        the event stream
    transport.py     HTTP plumbing: every private docker-py call lives here
    calls.py         docker-py's errors turned into ours
    dialect.py       every difference between the engines, and the messages we read
    records.py       typed answers (ContainerInfo, ContainerSummary, ContainerExit)
    errors.py        EngineError and its kin

Importing this package imports only errors.py: the rest is loaded on first use, so
that the read-only verbs can name the errors without importing the Docker SDK.
"""

from __future__ import annotations

from .errors import (
    ContainerGone,
    EngineError,
    EngineUnavailable,
    ImageNotFound,
    PullAborted,
    PullFailed,
)

# Kept out of the read verbs' imports, which start in tens of milliseconds: typing, and
# dataclasses (records.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .docker_engine import Engine
    from .records import ContainerExit, ContainerInfo, ContainerLimits, ContainerSummary
    from .transport import LogStream, PullHandle

LABEL_TASK_ID = "agents-runner.task-id"
LABEL_STORE = "agents-runner.store"

_LAZY = {
    "Engine": ".docker_engine",
    "LogStream": ".transport",
    "PullHandle": ".transport",
    "ContainerExit": ".records",
    "ContainerInfo": ".records",
    "ContainerLimits": ".records",
    "ContainerSummary": ".records",
}

__all__ = [
    "LABEL_STORE",
    "LABEL_TASK_ID",
    "ContainerExit",
    "ContainerGone",
    "ContainerInfo",
    "ContainerLimits",
    "ContainerSummary",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "ImageNotFound",
    "LogStream",
    "PullAborted",
    "PullFailed",
    "PullHandle",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
