"""Registry helpers for the pull scenarios: an image only the registry has, and a
loopback gate in front of the real registry that can hold or slow layer downloads.

The gate is not a fake: the engine really pulls, from the real registry, through a
proxy on 127.0.0.1 that decides when the layer bytes flow. It lets a scenario cancel a
task while its pull is provably still under way.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .bare_image import rootfs_of
from .suite_docker import SuiteDocker

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


def publish_unique_image(
    engine: SuiteDocker, base: str, reference: str, labels: dict[str, str]
) -> None:
    """Push an image that shares no layer with anything local (the base's files plus a
    marker), then delete it locally: pulling it downloads real layers."""
    buffer = io.BytesIO(rootfs_of(engine, base, labels))
    with tarfile.open(fileobj=buffer, mode="a") as archive:
        marker = f"{reference}\n".encode()
        info = tarfile.TarInfo("agents-runner-test-image")
        info.size = len(marker)
        archive.addfile(info, io.BytesIO(marker))
    engine.import_image(buffer.getvalue(), reference, changes=['CMD ["sh"]'])
    engine.push(reference)
    engine.remove_image(reference)


def registry_answers(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        connection = http.client.HTTPConnection(host, int(port), timeout=2)
        connection.request("GET", "/v2/")
        return connection.getresponse().status in (200, 401)
    except (OSError, ValueError):
        return False


def registry_has_tag(reference: str) -> bool:
    """Whether the registry `reference` names lists its tag, asked of the registry's own
    API (a repository it has never had answers 404)."""
    address, _, path = reference.partition("/")
    repository, _, tag = path.rpartition(":")
    host, _, port = address.rpartition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", f"/v2/{repository}/tags/list")
    response = connection.getresponse()
    body = response.read()
    if response.status == 404:
        return False
    if response.status != 200:
        raise AssertionError(f"the registry answered {response.status}: {body[:200]!r}")
    return tag in (json.loads(body).get("tags") or [])


class GatedRegistry:
    """A proxy on 127.0.0.1 in front of `upstream` whose layer (blob) downloads can be
    held until released, slowed to `rate` bytes a second, or corrupted."""

    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.rpartition(":")
        self.upstream_host = "127.0.0.1" if host == "localhost" else host
        self.upstream_port = int(port)
        self._open = threading.Event()
        self._open.set()
        self._closed = threading.Event()
        self._held = 0
        self._held_changed = threading.Condition()
        self.rate: float | None = None
        self.corrupt_layers = False
        self._midway = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"localhost:{self._server.server_address[1]}"

    def hold_layers(self) -> None:
        self._open.clear()

    def hold_layers_midway(self) -> None:
        """Each layer (a blob of 64 KiB or more) is sent up to half its bytes, then held
        until `release_layers`; smaller blobs (the image's config) flow."""
        self._midway = True
        self._open.clear()

    def release_layers(self) -> None:
        self._open.set()

    def wait_until_a_layer_is_held(self, timeout: float) -> None:
        with self._held_changed:
            if not self._held_changed.wait_for(lambda: self._held > 0, timeout):
                raise AssertionError(f"no layer download reached the registry gate in {timeout}s")

    def close(self) -> None:
        self._closed.set()
        self._open.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._forward("GET")

            def do_HEAD(self) -> None:
                self._forward("HEAD")

            def _forward(self, method: str) -> None:
                is_layer = method == "GET" and "/blobs/sha256:" in self.path
                if is_layer and not gate._midway:
                    gate._wait_for_gate()
                    if gate._closed.is_set():
                        return
                upstream = http.client.HTTPConnection(
                    gate.upstream_host, gate.upstream_port, timeout=60
                )
                upstream.putrequest(method, self.path, skip_accept_encoding=True)
                for key, value in self.headers.items():  # repeated Accept headers matter
                    if key.lower() not in _HOP_BY_HOP | {"host"}:
                        upstream.putheader(key, value)
                upstream.endheaders()
                response = upstream.getresponse()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.end_headers()
                length = int(response.getheader("Content-Length") or 0)
                hold_at = length // 2 if is_layer and gate._midway and length >= 65536 else None
                with contextlib.suppress(OSError):
                    gate._copy(response, self.wfile, throttle=is_layer, hold_at=hold_at)
                upstream.close()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def _wait_for_gate(self) -> None:
        with self._held_changed:
            self._held += 1
            self._held_changed.notify_all()
        try:
            self._open.wait()
        finally:
            with self._held_changed:
                self._held -= 1

    def _copy(
        self,
        source: http.client.HTTPResponse,
        target: io.BufferedIOBase,
        *,
        throttle: bool,
        hold_at: int | None = None,
    ) -> None:
        chunk_size = 16 * 1024
        sent = 0
        while not self._closed.is_set():
            if hold_at is not None and sent >= hold_at:
                self._wait_for_gate()  # half of the layer is sent: the rest waits
                hold_at = None
            chunk = source.read(chunk_size)
            if not chunk:
                return
            if throttle and self.corrupt_layers:
                chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
            target.write(chunk)
            target.flush()
            sent += len(chunk)
            if throttle and self.rate:
                time.sleep(chunk_size / self.rate)  # bandwidth limit, not synchronisation
