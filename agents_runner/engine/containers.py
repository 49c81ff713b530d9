"""Container calls: create (with the fence every agent gets), start, wait, signal,
remove, inspect, list, and the log stream."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import docker
from docker import errors
from docker.types import Ulimit

from .calls import engine_call, explain, is_gone, is_not_running, unless_gone
from .dialect import EngineDialect, numeric_root, unknown_user
from .errors import ContainerGone, EngineError, ImageNotFound
from .records import (
    STARTED,
    ContainerExit,
    ContainerInfo,
    ContainerLimits,
    ContainerSummary,
    Placement,
    epoch,
)
from .transport import LogStream, get_streaming, post_streaming

LOGS_CONNECT_TIMEOUT = 10.0
LOGS_READ_TIMEOUT = 60.0
LABEL_PROBE = "agents-runner.probe"  # a container made only to ask the engine something
STALE_PROBE_AGE = 60.0  # seconds
# How often Podman's own wait looks at the container: the most its answer comes late.
LIBPOD_WAIT_INTERVAL = "50ms"


class ContainerCalls:
    """The engine's containers (a part of Engine)."""

    api: docker.APIClient
    dialect: EngineDialect
    _default_ulimits: list[Ulimit] | None

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
        constraints: Sequence[str] = (),
        secret_names: Sequence[str] = (),
    ) -> str:
        """A container with an init process, no new privileges, never privileged, a cgroup
        namespace of its own, every capability dropped but those `limits` gives back, and
        (given `memory`) no swap beyond the limit, so that exceeding it is an OOM kill.
        One engine places nothing: `constraints` are refused before a task is stored. The
        secrets (`secret_names` of `env`) are in the environment only, which goes with
        the container."""
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
            tmpfs=self._tmpfs(limits, user),
            read_only=limits.read_only,
        )
        with engine_call("creating the container failed"), _image_must_exist(image):
            created = self.api.create_container(
                image,
                command=list(argv),
                name=name,
                environment=dict(env),
                labels=dict(labels),
                working_dir=working_dir,
                user=numeric_root(user),
                host_config=host_config,
            )
        return str(created["Id"])

    def _ulimits(self, image: str, limits: ContainerLimits) -> list[Ulimit] | None:
        if not limits.nofile:
            return None
        given = [Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile)]
        if not self.dialect.drops_default_ulimits:
            return given
        return given + [u for u in self._engine_default_ulimits(image) if u.name != "nofile"]

    def _engine_default_ulimits(self, image: str) -> list[Ulimit]:
        """The ulimits the engine gives a container when none are asked for, as a
        container created (never started) shows them."""
        if self._default_ulimits is None:
            with engine_call("reading the engine's default ulimits"):
                self._remove_stale_probes()
                with _image_must_exist(image):
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
        now = time.time()
        for found in self.containers({LABEL_PROBE: None}):
            if is_stale_probe(found.created, now):
                self.remove(found.id)  # another process may be removing it too

    def _tmpfs(self, limits: ContainerLimits, user: str | None) -> dict[str, str] | None:
        mounts = limits.tmpfs()
        owner = self.dialect.tmpfs_owned_by(numeric_root(user))
        return {path: options + owner for path, options in mounts.items()} if mounts else None

    def start(self, container_id: str) -> None:
        with engine_call("starting the container failed"):
            try:
                self.api.start(container_id)
            except errors.APIError as exc:
                if (reason := unknown_user(explain(exc))) is not None:
                    raise EngineError(reason) from exc
                raise

    def placement(self, container_id: str) -> Placement:
        """One engine places nothing: a container has started once start() returned."""
        return Placement(STARTED)

    def wait(self, container_id: str) -> ContainerExit:
        """Block until the container stops; its exit code, or None if it vanished."""
        with engine_call("waiting for the container"):
            try:
                if self.dialect.compat_wait_spins:
                    return ContainerExit(self._libpod_wait(container_id))
                result = self.api.wait(container_id, timeout=None)
            except errors.APIError as exc:
                if not is_gone(exc):
                    raise
                return ContainerExit(None, "container lost")
        error = (result.get("Error") or {}).get("Message") or None
        return ContainerExit(int(result["StatusCode"]), error)

    def _libpod_wait(self, container_id: str) -> int:
        """Podman's own wait, which looks at the container every LIBPOD_WAIT_INTERVAL."""
        params = {"condition": ["stopped", "exited"], "interval": LIBPOD_WAIT_INTERVAL}
        path = "/libpod/containers/{0}/wait"
        with contextlib.closing(post_streaming(self.api, path, container_id, params=params)) as r:
            return int(r.text)

    def kill(self, container_id: str, signal: str = "SIGKILL") -> bool:
        """Send `signal` to the agent. False when the container no longer runs (or is gone):
        then nothing was sent."""
        with engine_call(f"sending {signal} to the container"):
            try:
                self.api.kill(container_id, signal=signal)
            except errors.APIError as exc:
                if is_gone(exc) or is_not_running(exc):
                    return False
                raise
        return True

    def remove(self, container_id: str) -> None:
        with unless_gone("removing the container"):
            self.api.remove_container(container_id, force=True)

    def volumes(self, labels: Mapping[str, str | None]) -> list[ContainerSummary]:
        """The volumes carrying every label given (a task's tmpfs volumes on a Swarm
        node), described as a listing describes a container."""
        with engine_call("listing volumes"):
            found = self.api.volumes(filters={"label": label_filter(labels)}) or {}
        listed = [
            ContainerSummary(
                id=str(v["Name"]),
                name=str(v["Name"]),
                labels=dict(v.get("Labels") or {}),
                created=epoch(v.get("CreatedAt")) or 0.0,
            )
            for v in found.get("Volumes") or []
        ]
        return [v for v in listed if has_labels(v.labels, labels)]

    def remove_volumes(self, labels: Mapping[str, str | None]) -> None:
        """Every volume carrying the labels, once no container uses it."""
        for volume in self.volumes(labels):
            self.remove_volume(volume.id)

    def remove_volume(self, name: str) -> None:
        with unless_gone("removing a volume"):
            self.api.remove_volume(name, force=True)

    def inspect(self, container_id: str) -> ContainerInfo | None:
        """The container by id or name; None when there is none (Podman, racing a
        removal, answers 500 "… does not exist in database: no such container")."""
        with engine_call("inspecting the container"):
            try:
                return ContainerInfo.from_inspect(self.api.inspect_container(container_id))
            except errors.APIError as exc:
                if not is_gone(exc):
                    raise
        return None

    def containers(self, labels: Mapping[str, str | None]) -> list[ContainerSummary]:
        """All containers, running or not, carrying every label given (value None: any)."""
        with engine_call("listing containers"):
            found = self.api.containers(all=True, filters={"label": label_filter(labels)})
        # Checked here as well: an engine that ORs label filters lists more.
        listed = [ContainerSummary.from_listing(c) for c in found]
        return [c for c in listed if has_labels(c.labels, labels)]

    def open_logs(
        self, container_id: str, *, follow: bool, since: str | None, tail: int | None = None
    ) -> LogStream:
        """The container's stdout and stderr, each frame with its timestamp, from `since`
        ("seconds.nanoseconds", inclusive) or the start, or only the last `tail` frames;
        with `follow`, until it stops."""
        params = log_params(follow=follow, since=since, tail=tail)
        with engine_call("reading the logs"):
            try:
                # An engine that accepts the request but never answers is given up on; a
                # followed stream, once it answers, may then stay quiet for as long as the
                # agent does.
                response = get_streaming(
                    self.api,
                    "/containers/{0}/logs",
                    container_id,
                    params=params,
                    timeout=(LOGS_CONNECT_TIMEOUT, LOGS_READ_TIMEOUT),
                )
            except errors.APIError as exc:
                if is_gone(exc):
                    raise ContainerGone(f"reading the logs: {explain(exc)}") from exc
                raise
        return log_stream(response, follow=follow)

    def open_attach(self, container_id: str) -> LogStream | None:
        """The container's stdout and stderr as the engine passes them on, from now on
        (attach before the start to miss nothing), as multiplexed frames without
        timestamps; the stream ends when the container has exited and its output is
        all sent. None where the log is to be followed instead (Podman, whose log copy
        is checked whole at the end anyway)."""
        if not self.dialect.attach_is_whole:
            return None
        params = {"stdout": 1, "stderr": 1, "stream": 1}
        with engine_call("attaching to the container"):
            try:
                response = post_streaming(
                    self.api, "/containers/{0}/attach", container_id, params=params
                )
            except errors.APIError as exc:
                if is_gone(exc):
                    raise ContainerGone(f"attaching: {explain(exc)}") from exc
                raise
        return LogStream(response)

    def export(self, container_id: str) -> bytes:
        with engine_call("exporting the container"):
            return b"".join(self.api.export(container_id))


def log_params(*, follow: bool, since: str | None, tail: int | None) -> dict[str, Any]:
    """A logs request's parameters: both streams, each frame with its timestamp."""
    params: dict[str, Any] = {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": int(follow)}
    if since is not None:
        params["since"] = since
    if tail is not None:
        params["tail"] = tail
    return params


def log_stream(response: Any, *, follow: bool) -> LogStream:
    """The response's body as a LogStream; a followed one without a read timeout."""
    stream = LogStream(response)
    if follow:
        stream.wait_for_ever()
    return stream


def label_filter(labels: Mapping[str, str | None]) -> list[str]:
    """`key=value` selectors; a value of None selects any value."""
    return [key if value is None else f"{key}={value}" for key, value in labels.items()]


def has_labels(found: Mapping[str, str], wanted: Mapping[str, str | None]) -> bool:
    return all(
        key in found and (value is None or found[key] == value) for key, value in wanted.items()
    )


@contextlib.contextmanager
def _image_must_exist(image: str) -> Iterator[None]:
    """A create that finds no image (removed since it was pulled) says so."""
    try:
        yield
    except errors.NotFound as exc:
        raise ImageNotFound(f"image {image} not found: {explain(exc)}") from exc


def is_stale_probe(created: float, now: float) -> bool:
    """A probe made more than STALE_PROBE_AGE seconds before `now` (both in seconds since
    the epoch) was left by a process killed before it removed it."""
    return created < now - STALE_PROBE_AGE
