"""A fault proxy in front of the Docker engine's socket, on a Unix socket of its own.

A runner given an Engine at `proxy.url` talks to the real engine through it; a
scenario can cut every connection at once and refuse new ones for a while, as a
restarting engine or a broken socket would.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import tempfile
import threading
import time
from pathlib import Path

from .waiting import wait_until

_CHUNK = 1 << 16
_KEPT_OUTPUT = 1 << 20  # how much of what followed log streams passed on is kept
# The POST requests a scenario can have the proxy hold back, by the path they ask for.
HELD_REQUESTS = {
    "create": re.compile(rb"/containers/create[? ]"),
    "wait": re.compile(rb"/containers/[^/ ]+/wait[? ]"),
}


def engine_socket_path() -> str:
    """The engine's Unix socket, as DOCKER_HOST names it (default /var/run/docker.sock)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        raise AssertionError(f"the engine proxy needs a Unix socket, DOCKER_HOST is {host}")
    return host[len("unix://") :]


class EngineProxy:
    def __init__(self, prefix: str, upstream: str | None = None) -> None:
        """`prefix` names its socket's folder: the run's, so that the reaper finds the
        folder of a run that was killed before it closed its proxies."""
        self.upstream = upstream or engine_socket_path()
        self._dir = Path(tempfile.mkdtemp(prefix=prefix + "proxy-"))
        self.path = self._dir / "engine.sock"
        self.url = f"unix://{self.path}"
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(self.path))
        self._server.listen(64)
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._refuse_until = 0.0
        self._closed = False
        self.connections_cut = 0
        self.connections_refused = 0  # attempts while it refused: how hard it was tried
        # The upstream end of each followed log stream, in the order they were asked for,
        # and what it passed on (up to _KEPT_OUTPUT bytes).
        self._log_streams: dict[socket.socket, bytearray] = {}
        self.plain_log_reads: list[str] = []  # the query of each log read without following
        self._attach_streams: set[socket.socket] = set()  # upstream ends of attach streams
        self._start_answers: set[socket.socket] = set()  # upstream ends of container starts
        self._starts_free = threading.Event()
        self._starts_free.set()
        # Requests the proxy may hold back whole (the engine hears nothing of them), by
        # kind, and how many it has held.
        self._requests_free = {kind: threading.Event() for kind in HELD_REQUESTS}
        for free in self._requests_free.values():
            free.set()
        self.requests_held = dict.fromkeys(HELD_REQUESTS, 0)
        self._hold_logs = threading.Event()
        self._hold_attach = threading.Event()
        self._shut_down = threading.Event()
        threading.Thread(target=self._accept, name="engine-proxy", daemon=True).start()

    def cut(self, seconds: float) -> None:
        """Break every open connection now, and close new ones at once for `seconds`."""
        with self._lock:
            self._refuse_until = time.monotonic() + seconds
            victims = list(self._open)
            self.connections_cut += len(victims)
        for sock in victims:
            _shut(sock)

    def let_through(self) -> None:
        """Stop refusing new connections now."""
        with self._lock:
            self._refuse_until = 0.0

    def hold_log_streams(self) -> None:
        """From now on, forward nothing the engine sends on followed log streams, open or
        new, not even their end: the runner sees a stream that neither speaks nor ends.
        Every other request goes through as before."""
        self._hold_logs.set()

    def followed_log_requests(self) -> int:
        """How many followed log streams have been asked for through the proxy so far."""
        return len(self._log_streams)

    def followed_log_outputs(self) -> list[bytes]:
        """What the engine sent on each followed log stream and the proxy passed on (its
        first _KEPT_OUTPUT bytes), in the order the streams were asked for."""
        with self._lock:
            return [bytes(output) for output in self._log_streams.values()]

    def hold_attach_streams(self) -> None:
        """From now on, forward nothing the engine sends on attach streams (a container's
        output as it comes), open or new, not even their end."""
        self._hold_attach.set()

    def hold_start_answers(self) -> None:
        """From now on, forward nothing the engine answers to a container start (the
        engine starts the container; its caller waits) until `release_start_answers`."""
        self._starts_free.clear()

    def release_start_answers(self) -> None:
        self._starts_free.set()

    def hold_requests(self, kind: str) -> None:
        """From now on, send the engine nothing of a request of this kind (HELD_REQUESTS:
        its caller waits, and the engine knows nothing of it) until `release_requests`."""
        self._requests_free[kind].clear()

    def release_requests(self, kind: str) -> None:
        self._requests_free[kind].set()

    def wait_until_held(self, kind: str, timeout: float = 60) -> None:
        """Wait until the proxy holds back one request of this kind."""
        wait_until(
            lambda: self.requests_held[kind],
            lambda held: held == 1,
            timeout=timeout,
            describe=f"the proxy to hold back a request to {kind}",
        )

    def refusing(self) -> bool:
        return time.monotonic() < self._refuse_until

    def close(self) -> None:
        self._closed = True
        self._shut_down.set()
        self._starts_free.set()
        for free in self._requests_free.values():
            free.set()
        self.cut(0)
        _shut(self._server)
        with contextlib.suppress(OSError):
            self.path.unlink()
            self._dir.rmdir()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            # Decided under cut()'s lock: a connection let in is one a cut that comes
            # while it is being set up finds open and breaks (a busy machine can hold
            # this thread between the two for long enough).
            with self._lock:
                refused = self.refusing()
                if refused:
                    self.connections_refused += 1
                else:
                    self._open.add(client)
            if refused:
                _shut(client)
                continue
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self.upstream)
            except OSError:
                with self._lock:
                    self._open.discard(client)
                _shut(client)
                _shut(upstream)
                continue
            with self._lock:
                self._open.add(upstream)
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, target), name="engine-proxy-pump", daemon=True
                ).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                if b"/logs?" in data and b"follow=1" in data:
                    with self._lock:  # a request: its answer comes from target
                        self._log_streams.setdefault(target, bytearray())
                elif b"/logs?" in data:
                    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
                    self.plain_log_reads.append(line.split("?", 1)[1].rsplit(" ", 1)[0])
                if b"/attach?" in data:
                    self._attach_streams.add(target)
                if data.startswith(b"POST ") and b"/start " in data.split(b"\r\n", 1)[0]:
                    self._start_answers.add(target)
                if data.startswith(b"POST "):
                    self._hold_request(data.split(b"\r\n", 1)[0])
                self._wait_if_held(source)
                target.sendall(data)
                if source in self._log_streams:
                    with self._lock:
                        output = self._log_streams[source]
                        output += data[: max(0, _KEPT_OUTPUT - len(output))]
            self._wait_if_held(source)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(target)
            _shut(source)
            _shut(target)

    def _hold_request(self, request_line: bytes) -> None:
        for kind, path in HELD_REQUESTS.items():
            free = self._requests_free[kind]
            if path.search(request_line) and not free.is_set():
                with self._lock:
                    self.requests_held[kind] += 1
                free.wait()

    def _wait_if_held(self, source: socket.socket) -> None:
        held = (source in self._log_streams and self._hold_logs.is_set()) or (
            source in self._attach_streams and self._hold_attach.is_set()
        )
        if held:
            self._shut_down.wait()  # held bytes never arrive; close() lets the pump end
        if source in self._start_answers:
            self._starts_free.wait()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
