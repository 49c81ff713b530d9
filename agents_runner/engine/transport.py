"""The HTTP plumbing under the engine calls: the one module that uses docker-py's
private methods and reaches under a streaming response to its socket (both tested
with the docker-py range pinned in pyproject.toml)."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from collections.abc import Iterator
from typing import Any

import docker
import requests

from ..logstream import ChunkedDecoder
from .errors import EngineUnavailable, PullAborted


def post_streaming(
    api: docker.APIClient, path: str, *args: str, params: dict[str, Any]
) -> requests.Response:
    """POST with the raw streaming response returned (raised for status), so that
    another thread can shut it."""
    return _checked(api, api._post(api._url(path, *args), params=params, stream=True, timeout=None))


def get_streaming(
    api: docker.APIClient,
    path: str,
    *args: str,
    params: dict[str, Any],
    timeout: tuple[float, float] | None = None,
) -> requests.Response:
    """GET with the raw streaming response returned (raised for status)."""
    return _checked(
        api, api._get(api._url(path, *args), params=params, stream=True, timeout=timeout)
    )


def _checked(api: docker.APIClient, response: requests.Response) -> requests.Response:
    """The response, or docker-py's error for its status (the response closed)."""
    try:
        api._raise_for_status(response)
    except Exception:
        response.close()
        raise
    return response


def json_chunks(api: docker.APIClient, response: requests.Response) -> Iterator[dict[str, Any]]:
    """A streamed answer of JSON objects, decoded one by one."""
    return api._stream_helper(response, decode=True)


class PullHandle:
    """Lets another thread abort a pull that is blocked waiting for the engine."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._response: requests.Response | None = None
        self.aborted = False

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            if self._response is not None:
                shut(self._response)

    def attach(self, response: requests.Response) -> None:
        with self._lock:
            self._response = response
            if self.aborted:
                shut(response)

    def detach(self) -> None:
        with self._lock:
            self._response = None

    def raise_if_aborted(self, image: str) -> None:
        if self.aborted:
            raise PullAborted(f"pull of {image} aborted")


def shut(response: requests.Response) -> None:
    """Shut the socket under a streaming response: a close() alone does not wake a
    thread blocked reading it."""
    with contextlib.suppress(AttributeError, OSError):
        raw = response.raw._fp.fp.raw  # socket.SocketIO over the engine's socket
        sock = getattr(raw, "_sock", raw)
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(Exception):
        response.close()


class LogStream:
    """The body of a logs response, read in large blocks straight off the socket (the
    HTTP chunking undone here), so that a chatty agent's output keeps up."""

    def __init__(self, response: requests.Response) -> None:
        self._response = response
        self._raw = _socket_reader(response)

    def blocks(self, size: int = 1 << 18) -> Iterator[bytes]:
        """The body's bytes as they arrive; ends when the engine ends the response.
        EngineUnavailable when the connection breaks first."""
        try:
            if self._raw is None:  # not a plain HTTP/1.1 socket: let requests do it
                yield from self._response.iter_content(chunk_size=size)
                return
            reader, chunked, length = self._raw
            decoder = ChunkedDecoder() if chunked else None
            while decoder is None or not decoder.finished:
                want = size if length is None else min(size, length)
                if want == 0:
                    return
                data = reader.read1(want)
                if not data:
                    if decoder is not None:
                        raise EngineUnavailable("the engine closed the log stream midway")
                    return
                if length is not None:
                    length -= len(data)
                yield decoder.feed(data) if decoder is not None else data
        except (OSError, ValueError, requests.exceptions.RequestException) as exc:
            raise EngineUnavailable(f"the log stream broke: {exc}") from exc

    def wait_for_ever(self) -> None:
        """No read timeout from here on (a followed agent may be quiet for hours)."""
        with contextlib.suppress(AttributeError, OSError):
            self._response.raw._fp.fp.raw._sock.settimeout(None)

    def abort(self) -> None:
        """Shut the connection: a thread blocked reading it wakes up."""
        shut(self._response)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._response.close()


def _socket_reader(response: requests.Response) -> tuple[Any, bool, int | None] | None:
    """The buffered socket under a streaming response, whether the body is chunked, and
    its length if known; None where the response is not a plain http.client one."""
    inner = getattr(response.raw, "_fp", None)
    reader = getattr(inner, "fp", None)
    if not isinstance(inner, http.client.HTTPResponse) or not hasattr(reader, "read1"):
        return None
    return reader, bool(inner.chunked), inner.length
