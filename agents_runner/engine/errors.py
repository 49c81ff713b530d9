"""The engine's errors, a small tree under EngineError, in a module of their own: code
that only reads the state dir (the CLI's read verbs) can name them without importing
the Docker SDK."""

from __future__ import annotations


class EngineError(Exception):
    """The engine refused or failed an operation; the message is the engine's."""


class EngineUnavailable(EngineError):
    """No engine answers."""


class NotASwarmManager(EngineError):
    """The Swarm backend was asked for, and the engine DOCKER_HOST names manages no Swarm."""


class ImageNotFound(EngineError):
    """The image is neither present nor in its registry."""


class PullFailed(EngineError):
    """The registry or the engine reported an error during a pull."""


class ContainerGone(EngineError):
    """The container no longer exists."""


class PullAborted(EngineError):
    """The caller asked for the pull to stop."""
