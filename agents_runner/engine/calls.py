"""Turning docker-py's errors into ours, around every engine call."""

from __future__ import annotations

import contextlib
import http.client
from collections.abc import Iterator

import requests
import urllib3
from docker import errors

from .dialect import means_gone, means_not_running, means_permission_denied, said_once
from .errors import EngineError, EngineUnavailable

PERMISSION_HINT = (
    "permission denied on the Docker socket: add your user to the docker group "
    "(then log in again) or run as a user who may use Docker"
)
# What a connection to the engine raises when it is refused, reset or cut (also while a
# streamed answer is being read).
CONNECTION_ERRORS = (
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


@contextlib.contextmanager
def engine_call(what: str, error: type[EngineError] = EngineError) -> Iterator[None]:
    """The engine's refusal becomes `error` with the engine's explanation; no answer at
    all becomes EngineUnavailable. Special cases (not found, already gone) are handled
    inside the block, before they reach here."""
    try:
        yield
    except errors.APIError as exc:
        raise error(f"{what}: {explain(exc)}") from exc
    except (*CONNECTION_ERRORS, errors.DockerException) as exc:
        if isinstance(exc, PermissionError) or means_permission_denied(str(exc)):
            raise EngineUnavailable(PERMISSION_HINT) from exc
        raise EngineUnavailable(f"the Docker engine is unreachable ({what}: {exc})") from exc


@contextlib.contextmanager
def unless_gone(what: str) -> Iterator[None]:
    """An engine call on a container that may already be gone or stopped: that is
    success."""
    with engine_call(what):
        try:
            yield
        except errors.APIError as exc:
            if not (is_gone(exc) or is_not_running(exc)):
                raise


def explain(exc: errors.APIError) -> str:
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return said_once(str(explanation or exc).strip())


def is_gone(exc: errors.APIError) -> bool:
    return isinstance(exc, errors.NotFound) or means_gone(explain(exc))


def is_not_running(exc: errors.APIError) -> bool:
    return means_not_running(explain(exc))


def stream_error(chunk: dict) -> str | None:
    """The error a streamed answer (pull, push, build) carries inside a 200 response."""
    message = chunk.get("error") or (chunk.get("errorDetail") or {}).get("message")
    return said_once(message).strip() if message else None
