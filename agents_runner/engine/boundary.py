"""The engine boundary: what the runner, the supervisor, recovery and the log copy ask
of a backend. `Engine` (Docker and Podman) is its first implementation; a second
backend (a cluster) implements the same protocol and raises the same errors
(errors.py). Nothing here imports the Docker SDK."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from .dialect import EngineDialect
from .records import ContainerExit, ContainerInfo, ContainerLimits, ContainerSummary, Placement


class PullControl(Protocol):
    """Lets another thread abort a pull under way."""

    aborted: bool

    def abort(self) -> None: ...


class OutputStream(Protocol):
    """A container's output as the engine's multiplexed frames (timestamped, from the
    log; bare, from the attach stream)."""

    def blocks(self, size: int = ...) -> Iterator[bytes]: ...

    def abort(self) -> None: ...

    def close(self) -> None: ...


class EngineBoundary(Protocol):
    """Every call may raise EngineUnavailable (no answer: the caller may ride it out) or
    EngineError (a refusal, with the engine's words). "Already gone" is success for
    kill and remove, and None for inspect."""

    @property
    def dialect(self) -> EngineDialect: ...

    @property
    def kind(self) -> str: ...

    @property
    def follows_exactly(self) -> bool: ...

    @property
    def backend(self) -> str:
        """The --backend that names it: "docker" (one engine) or "swarm"."""
        ...

    address: str | None
    """The DOCKER_HOST by which a process of its own (a detached supervisor) reaches the
    same engine; None where it is the one the environment names."""

    @property
    def places_tasks(self) -> bool:
        """Whether the backend chooses among machines, and so takes placement
        constraints."""
        ...

    @property
    def takes_secrets(self) -> bool:
        """Whether a secret can reach the agent without being kept in what the backend
        stores of the task (a Swarm service's spec would hold it)."""
        ...

    def ping(self) -> None: ...

    def cpu_count(self) -> int | None: ...

    def network_exists(self, name: str) -> bool: ...

    def has_network(self, name: str | None) -> bool:
        """Whether a container created on network `name` (None: the engine's default)
        has a network beyond its loopback."""
        ...

    def image_present(self, image: str) -> bool: ...

    def pull(
        self,
        image: str,
        on_progress: Callable[[Mapping[str, Any]], None] | None = None,
        handle: Any = None,
    ) -> None: ...

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
    ) -> str: ...

    def start(self, container_id: str) -> None: ...

    def placement(self, container_id: str) -> Placement:
        """How far a backend that places tasks has got with a started one (on one engine
        its container has started once start() returns)."""
        ...

    def wait(self, container_id: str) -> ContainerExit: ...

    def kill(self, container_id: str, signal: str = "SIGKILL") -> bool: ...

    def remove(self, container_id: str) -> None: ...

    def inspect(self, container_id: str) -> ContainerInfo | None: ...

    def oom_reported(self, container_id: str, *, since: float, wait: float) -> bool:
        """Whether the engine reported an out-of-memory kill in the container since
        `since` (seconds since the epoch), waiting up to `wait` seconds for a report
        that may follow the exit."""
        ...

    def containers(self, labels: Mapping[str, str | None]) -> list[ContainerSummary]: ...

    def open_logs(
        self, container_id: str, *, follow: bool, since: str | None, tail: int | None = None
    ) -> OutputStream: ...

    def open_attach(self, container_id: str) -> OutputStream | None:
        """The output as the engine passes it on (frames without timestamps), from now
        until the container has exited; None where the backend offers no such stream
        that carries every byte."""
        ...
