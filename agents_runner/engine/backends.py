"""Which backend the runner drives: one engine (Docker or Podman, the default) or a
Docker Swarm cluster, chosen with `--backend` or AGENTS_RUNNER_BACKEND."""

from __future__ import annotations

from ..config import backend_from_environment
from .boundary import EngineBoundary


def chosen_backend() -> str:
    """The backend AGENTS_RUNNER_BACKEND names ("docker" when unset); ValueError for
    another name."""
    return backend_from_environment()


def connect() -> EngineBoundary:
    """The chosen backend, at the address DOCKER_HOST gives (for Swarm, a manager)."""
    if chosen_backend() == "swarm":
        from .swarm import SwarmEngine

        return SwarmEngine.from_env()
    from .docker_engine import Engine

    return Engine.from_env()


def stored_backend(engine: EngineBoundary) -> str | None:
    """What a task keeps of its backend: nothing on one engine (as before backends)."""
    return None if engine.backend == "docker" else engine.backend
