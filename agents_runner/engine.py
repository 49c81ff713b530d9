"""The Docker engine, as the runner needs it. The only module that imports `docker`.

Errors leave this module as a small tree: EngineError, with EngineUnavailable
(no engine answers), ImageNotFound and PullFailed. "No such container" while
stopping, killing or removing means the container is already gone, not an error.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import docker
import requests
import urllib3
from docker import errors
from docker.types import Ulimit

from .errors import (
    ContainerGone,
    EngineError,
    EngineUnavailable,
    ImageNotFound,
    PullAborted,
    PullFailed,
)
from .logstream import ChunkedDecoder
from .spec import split_image_reference

LOGS_CONNECT_TIMEOUT = 10.0
LOGS_READ_TIMEOUT = 60.0
LABEL_TASK_ID = "agents-runner.task-id"
LABEL_STORE = "agents-runner.store"
LABEL_PROBE = "agents-runner.probe"  # a container made only to ask the engine something
STALE_PROBE_AGE = 60.0  # seconds
BUILT_IN_NETWORKS = ("none", "host")
__all__ = [
    "LABEL_STORE",
    "LABEL_TASK_ID",
    "ContainerGone",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "ImageNotFound",
    "PullAborted",
    "PullFailed",
]


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
                _shut(self._response)

    def _attach(self, response: requests.Response) -> None:
        with self._lock:
            self._response = response
            if self.aborted:
                _shut(response)

    def _detach(self) -> None:
        with self._lock:
            self._response = None

    def _raise_if_aborted(self, image: str) -> None:
        if self.aborted:
            raise PullAborted(f"pull of {image} aborted")


def _shut(response: requests.Response) -> None:
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
        _shut(self._response)

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


@dataclass(frozen=True)
class ContainerExit:
    exit_code: int | None
    error: str | None = None


@contextlib.contextmanager
def _engine_call(what: str, error: type[EngineError] = EngineError) -> Iterator[None]:
    """Turn docker-py's errors into ours: the engine's refusal becomes `error` with the
    engine's explanation, no answer at all becomes EngineUnavailable. Special cases
    (not found, already gone) are handled inside the block, before they reach here."""
    try:
        yield
    except errors.APIError as exc:
        raise error(f"{what}: {_explain(exc)}") from exc
    except (
        requests.exceptions.RequestException,  # a refused, reset or cut connection
        urllib3.exceptions.HTTPError,  # one cut while a streamed answer is being read
        http.client.HTTPException,
        OSError,
        errors.DockerException,
    ) as exc:
        if "Permission denied" in str(exc) or isinstance(exc, PermissionError):
            raise EngineUnavailable(
                "permission denied on the Docker socket: add your user to the docker group "
                "(then log in again) or run as a user who may use Docker"
            ) from exc
        raise EngineUnavailable(f"the Docker engine is unreachable ({what}: {exc})") from exc


def _label_filter(labels: Mapping[str, str | None]) -> list[str]:
    """`key=value` selectors; a value of None selects any value."""
    return [key if value is None else f"{key}={value}" for key, value in labels.items()]


def _explain(exc: errors.APIError) -> str:
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return said_once(str(explanation or exc).strip())


def said_once(text: str) -> str:
    """The engine repeats itself ("manifest unknown: manifest unknown"); say it once."""
    parts: list[str] = []
    for part in text.split(": "):
        if not parts or part.strip().lower() != parts[-1].strip().lower():
            parts.append(part)
    return ": ".join(parts)


def _is_gone(exc: errors.APIError) -> bool:
    text = _explain(exc).lower()
    return (
        isinstance(exc, errors.NotFound)
        or "no such container" in text
        or "marked for removal" in text
    )


@dataclass(frozen=True)
class ContainerLimits:
    """What fences an agent in beyond the defaults every container gets."""

    cap_add: tuple[str, ...] = ()
    pids: int | None = None
    nofile: int | None = None
    tmp_size: int | None = None
    read_only: bool = False
    home: str | None = None

    def tmpfs(self) -> dict[str, str] | None:
        """/tmp on a tmpfs of `tmp_size`; with a read-only root, HOME writable too."""
        mounts = {}
        if self.tmp_size:
            # exec, which Docker otherwise takes away: agents' CLIs unpack native code into
            # caches under HOME (/tmp), and tests build and run programs there.
            mounts["/tmp"] = f"rw,exec,nosuid,nodev,size={self.tmp_size},mode=1777"
        home = self.home or "/tmp"
        if self.read_only and not _under(home, "/tmp") and not _under(home, "/workspace"):
            mounts[home] = "rw,nosuid,nodev,size=64m,mode=1777"
        return mounts or None


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


class Engine:
    def __init__(self, api: docker.APIClient) -> None:
        self.api = api
        self._default_ulimits: list[Ulimit] | None = None

    @classmethod
    def from_env(cls) -> Engine:
        """The engine that DOCKER_HOST and friends name, as the Docker SDK reads them."""
        with _engine_call("connecting"):
            client = docker.from_env()
        return cls(client.api)

    @classmethod
    def at(cls, base_url: str) -> Engine:
        """The engine at `base_url` (for example unix:///run/other.sock)."""
        with _engine_call("connecting"):
            return cls(docker.APIClient(base_url=base_url, version="auto"))

    def close(self) -> None:
        self.api.close()

    @functools.cached_property
    def version(self) -> dict[str, Any]:
        with _engine_call("asking the engine its version"):
            return dict(self.api.version())

    @property
    def kind(self) -> str:
        """ "podman" or "docker": which engine serves the Docker API here."""
        names = [c.get("Name", "") for c in self.version.get("Components") or []]
        names.append((self.version.get("Platform") or {}).get("Name", ""))
        return "podman" if any("podman" in name.lower() for name in names) else "docker"

    @property
    def follows_exactly(self) -> bool:
        """Whether a followed log stream carries every record. Podman's (4.3) was seen to
        skip records in the middle of a chatty agent's output and to end early; its
        plain reads are whole."""
        return self.kind != "podman"

    def info(self) -> dict[str, Any]:
        with _engine_call("asking the engine about itself"):
            return dict(self.api.info())

    def cpu_count(self) -> int:
        return int(self.info().get("NCPU") or 0)

    def network_exists(self, name: str) -> bool:
        if name in BUILT_IN_NETWORKS:  # Docker lists them; Podman knows them only as modes
            return True
        with _engine_call(f"inspecting network {name}"):
            try:
                self.api.inspect_network(name)
            except errors.NotFound:
                return False
        return True

    def ping(self) -> None:
        with _engine_call("ping"):
            self.api.ping()

    # -- images ---------------------------------------------------------------

    def image_present(self, image: str) -> bool:
        with _engine_call(f"inspecting image {image}"):
            try:
                self.api.inspect_image(image)
            except errors.ImageNotFound:
                return False
            except errors.NotFound:
                return False
        return True

    def pull(
        self,
        image: str,
        on_progress: Callable[[Mapping[str, Any]], None] | None = None,
        handle: PullHandle | None = None,
    ) -> None:
        """Pull `image`, checking every chunk of the stream for an error (the engine
        reports most pull failures inside a 200 response). `handle.abort()` from another
        thread ends the pull: the connection is shut, and the engine cancels it."""
        handle = handle or PullHandle()
        repository, tag = split_image_reference(image)
        with _engine_call(f"pulling {image} failed", PullFailed):
            try:
                response = self.api._post(  # the raw response, so that an abort can shut it
                    self.api._url("/images/create"),
                    params={"fromImage": repository, "tag": tag},
                    stream=True,
                    timeout=None,
                )
                self.api._raise_for_status(response)
            except errors.NotFound as exc:
                raise ImageNotFound(f"image {image} not found: {_explain(exc)}") from exc
        handle._attach(response)
        try:
            for chunk in self.api._stream_helper(response, decode=True):
                handle._raise_if_aborted(image)
                message = chunk.get("error") or (chunk.get("errorDetail") or {}).get("message")
                if message:
                    message = said_once(message)
                    if _looks_not_found(message):
                        raise ImageNotFound(f"image {image} not found: {message}")
                    if _looks_corrupted(message):
                        raise PullFailed(
                            f"pulling {image} failed: {CORRUPTED_DATA} (the engine: {message})"
                        )
                    raise PullFailed(f"pulling {image} failed: {message}")
                if on_progress is not None:
                    on_progress(chunk)
            handle._raise_if_aborted(image)
        except (
            requests.exceptions.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
            ValueError,
            AttributeError,  # http.client, reading a response an abort has just closed
        ) as exc:
            handle._raise_if_aborted(image)
            # The engine reports a failed pull inside the stream; a stream that breaks is
            # the connection to the engine going, which a caller may ride out.
            raise EngineUnavailable(
                f"the Docker engine is unreachable (the connection broke pulling {image}: {exc})"
            ) from exc
        finally:
            handle._detach()
            response.close()

    def push(self, image: str) -> None:
        repository, tag = split_image_reference(image)
        with _engine_call(f"pushing {image}"):
            for chunk in self.api.push(repository, tag=tag, stream=True, decode=True):
                message = chunk.get("error") or (chunk.get("errorDetail") or {}).get("message")
                if message:
                    message = said_once(message)
                    raise EngineError(f"pushing {image} failed: {message}")

    def import_image(self, tar_bytes: bytes, image: str, changes: Sequence[str] = ()) -> None:
        with _engine_call(f"importing {image}"):
            # The whole reference as the repository: Podman ignores a separate tag.
            self.api.import_image_from_data(
                tar_bytes, repository=image, changes=list(changes) or None
            )

    def build_image(
        self,
        context: str,
        tag: str,
        *,
        buildargs: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        network: str | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        """`docker build` of the folder `context` (its Dockerfile), checking every chunk of
        the engine's answer for an error; each line of its output goes to `on_line`."""
        with _engine_call(f"building {tag} failed", EngineError):
            for chunk in self.api.build(
                path=context,
                tag=tag,
                buildargs=dict(buildargs or {}),
                labels=dict(labels or {}) or None,
                network_mode=network,
                rm=True,
                forcerm=True,
                decode=True,
            ):
                message = chunk.get("error") or (chunk.get("errorDetail") or {}).get("message")
                if message:
                    raise EngineError(f"building {tag} failed: {said_once(message).strip()}")
                text = chunk.get("stream")
                if text and on_line is not None:
                    for line in text.splitlines():
                        if line.strip():
                            on_line(line)

    def image_labels(self, image: str) -> dict[str, str] | None:
        """The image's labels, or None when it is not present."""
        with _engine_call(f"inspecting image {image}"):
            try:
                found = self.api.inspect_image(image)
            except errors.NotFound:
                return None
        return dict((found.get("Config") or {}).get("Labels") or {})

    def export(self, container_id: str) -> bytes:
        with _engine_call("exporting the container"):
            return b"".join(self.api.export(container_id))

    def remove_image(self, image: str) -> None:
        with _engine_call(f"removing image {image}"), contextlib.suppress(errors.NotFound):
            self.api.remove_image(image, force=True)

    # -- containers ---------------------------------------------------------------

    def create(
        self,
        *,
        name: str | None,
        image: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        labels: Mapping[str, str],
        working_dir: str | None = None,
        binds: Mapping[str, Mapping[str, str]] | None = None,
        network: str | None = None,
        user: str | None = None,
        memory: int | None = None,
        cpus: float | None = None,
        limits: ContainerLimits | None = None,
    ) -> str:
        """A container with an init process, no new privileges, never privileged, a cgroup
        namespace of its own, every capability dropped but those `limits` gives back, and
        (given `memory`) no swap beyond the limit, so that exceeding it is an OOM kill."""
        limits = limits or ContainerLimits()
        host_config = self.api.create_host_config(
            init=True,
            binds=dict(binds) if binds else None,
            network_mode=network,
            security_opt=["no-new-privileges"],
            privileged=False,
            cgroupns="private",  # on cgroup v1 hosts Docker's default is the host's
            mem_limit=memory,
            memswap_limit=memory,
            nano_cpus=int(cpus * 1e9) if cpus else None,
            cap_drop=["ALL"],
            cap_add=list(limits.cap_add) or None,
            pids_limit=limits.pids,
            ulimits=self._ulimits(image, limits),
            tmpfs=limits.tmpfs(),
            read_only=limits.read_only,
        )
        with _engine_call("creating the container failed"):
            try:
                created = self.api.create_container(
                    image,
                    command=list(argv),
                    name=name,
                    environment=dict(env),
                    labels=dict(labels),
                    working_dir=working_dir,
                    user=user,
                    host_config=host_config,
                )
            except errors.NotFound as exc:
                raise ImageNotFound(f"image {image} not found: {_explain(exc)}") from exc
        return str(created["Id"])

    def _ulimits(self, image: str, limits: ContainerLimits) -> list[Ulimit] | None:
        if not limits.nofile:
            return None
        given = [Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile)]
        if self.kind != "podman":
            return given
        # Podman drops its configured default_ulimits as soon as one is given, and falls
        # back to values the host may not allow (runc: "error setting rlimit"): keep them.
        return given + [u for u in self._podman_default_ulimits(image) if u.name != "nofile"]

    def _podman_default_ulimits(self, image: str) -> list[Ulimit]:
        """The ulimits Podman gives a container when none are asked for, as a container
        created (never started) shows them."""
        if self._default_ulimits is None:
            with _engine_call("reading the engine's default ulimits"):
                self._remove_stale_probes()
                probe = self.api.create_container(
                    image, command=["true"], labels={LABEL_PROBE: "ulimits"}
                )["Id"]
                try:
                    found = self.api.inspect_container(probe)["HostConfig"].get("Ulimits")
                finally:
                    self.api.remove_container(probe, force=True)
            self._default_ulimits = [
                Ulimit(
                    name=u["Name"].lower().removeprefix("rlimit_"), soft=u["Soft"], hard=u["Hard"]
                )
                for u in found or []
            ]
        return self._default_ulimits

    def _remove_stale_probes(self) -> None:
        """Probes a process left when it was killed between their create and remove;
        a minute old, so that another process's probe of this moment is left alone."""
        cutoff = time.time() - STALE_PROBE_AGE
        for found in self.api.containers(all=True, filters={"label": [LABEL_PROBE]}):
            if LABEL_PROBE in (found.get("Labels") or {}) and found.get("Created", 0) < cutoff:
                with contextlib.suppress(errors.NotFound):
                    self.api.remove_container(found["Id"], force=True)

    def start(self, container_id: str) -> None:
        with _engine_call("starting the container failed"):
            self.api.start(container_id)

    def wait(self, container_id: str) -> ContainerExit:
        """Block until the container stops; its exit code, or None if it vanished."""
        with _engine_call("waiting for the container"):
            try:
                result = self.api.wait(container_id, timeout=None)
            except errors.APIError as exc:
                if not _is_gone(exc):
                    raise
                return ContainerExit(None, "container lost")
        error = (result.get("Error") or {}).get("Message") or None
        return ContainerExit(int(result["StatusCode"]), error)

    def oom_killed(self, container_id: str) -> bool:
        """Whether the kernel's OOM killer struck in the container (Docker's OOMKilled)."""
        state = self.inspect(container_id)
        return bool(state and state["State"].get("OOMKilled"))

    def open_logs(
        self, container_id: str, *, follow: bool, since: str | None, tail: int | None = None
    ) -> LogStream:
        """The container's stdout and stderr, each frame with its timestamp, from `since`
        ("seconds.nanoseconds", inclusive) or the start, or only the last `tail` frames;
        with `follow`, until it stops."""
        params: dict[str, Any] = {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": int(follow)}
        if since is not None:
            params["since"] = since
        if tail is not None:
            params["tail"] = tail
        with _engine_call("reading the logs"):
            # An engine that accepts the request but never answers is given up on; a
            # followed stream, once it answers, may then stay quiet for as long as the
            # agent does.
            response = self.api._get(
                self.api._url("/containers/{0}/logs", container_id),
                params=params,
                stream=True,
                timeout=(LOGS_CONNECT_TIMEOUT, LOGS_READ_TIMEOUT),
            )
            try:
                self.api._raise_for_status(response)
            except errors.APIError as exc:
                response.close()
                if _is_gone(exc):
                    raise ContainerGone(f"reading the logs: {_explain(exc)}") from exc
                raise
        stream = LogStream(response)
        if follow:
            stream.wait_for_ever()
        return stream

    def kill(self, container_id: str, signal: str = "SIGKILL") -> bool:
        """Send `signal` to the agent. False when the container no longer runs (or is gone):
        then nothing was sent."""
        with _engine_call(f"sending {signal} to the container"):
            try:
                self.api.kill(container_id, signal=signal)
            except errors.APIError as exc:
                if _is_gone(exc) or _is_not_running(exc):
                    return False
                raise
        return True

    def stop_signal(self, container_id: str) -> str:
        """The signal a graceful stop sends: the image's STOPSIGNAL, else SIGTERM."""
        container = self.inspect(container_id)
        return ((container or {}).get("Config") or {}).get("StopSignal") or "SIGTERM"

    def remove(self, container_id: str) -> None:
        with self._unless_gone("removing the container"):
            self.api.remove_container(container_id, force=True)

    def inspect(self, container_id: str) -> dict[str, Any] | None:
        with _engine_call("inspecting the container"), contextlib.suppress(errors.NotFound):
            return self.api.inspect_container(container_id)
        return None

    def containers(self, labels: Mapping[str, str | None]) -> list[dict[str, Any]]:
        """All containers, running or not, carrying every label given (value None: any)."""
        with _engine_call("listing containers"):
            found = self.api.containers(all=True, filters={"label": _label_filter(labels)})
        # Checked here as well: an engine that ORs label filters lists more.
        return [c for c in found if _has_labels(c.get("Labels") or {}, labels)]

    def events(
        self,
        *,
        labels: Mapping[str, str | None],
        since: float | None = None,
        until: float | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Container events for containers carrying every label given; blocks for new ones
        unless `until` is given. The labels are checked here too: Podman ORs several."""
        selectors = _label_filter(labels)
        filters = {"type": ["container"], "label": selectors[:1]}
        with _engine_call("reading events"):
            if until is not None and self.kind == "podman":
                # Podman answers nothing for an `until` in the past; stream=false gives
                # what it has so far.
                params = {"filters": json.dumps(filters), "stream": "false"}
                if since is not None:
                    params["since"] = f"{since:.9f}"
                response = self.api._get(self.api._url("/events"), params=params, stream=True)
                self.api._raise_for_status(response)
                raw = list(self.api._stream_helper(response, decode=True))
            else:
                raw = self.api.events(since=since, until=until, decode=True, filters=filters)
        return (
            event
            for event in raw
            if _carries(event, labels) and (until is None or _event_time(event) <= until)
        )

    @contextlib.contextmanager
    def _unless_gone(self, what: str) -> Iterator[None]:
        """An engine call on a container that may already be gone: that is success."""
        with _engine_call(what):
            try:
                yield
            except errors.APIError as exc:
                if not (_is_gone(exc) or _is_not_running(exc)):
                    raise


def _carries(event: Mapping[str, Any], labels: Mapping[str, str | None]) -> bool:
    return _has_labels((event.get("Actor") or {}).get("Attributes") or {}, labels)


def _has_labels(found: Mapping[str, str], wanted: Mapping[str, str | None]) -> bool:
    return all(
        key in found and (value is None or found[key] == value) for key, value in wanted.items()
    )


def _event_time(event: Mapping[str, Any]) -> float:
    return event.get("timeNano", 0) / 1e9 or float(event.get("time", 0))


def _is_not_running(exc: errors.APIError) -> bool:
    text = _explain(exc).lower()
    return (
        "is not running" in text
        or ("removal of container" in text and "in progress" in text)
        # Podman: "can only kill running containers. … is in state exited: container
        # state improper", or, a moment later in the same race, "container state
        # improper: stopped".
        or "can only kill running containers" in text
        or "container state improper" in text
    )


CORRUPTED_DATA = "the image's data did not match its digest (it was corrupted on the way)"


def _looks_corrupted(message: str) -> bool:
    """Docker says "verification failed", Podman "digest ... does not match"."""
    text = message.lower()
    return "verification failed" in text or ("digest" in text and "does not match" in text)


def _looks_not_found(message: str) -> bool:
    text = message.lower()
    return any(
        marker in text
        for marker in (
            "not found",
            "manifest unknown",
            "does not exist",
            "repository name not known",
        )
    )
