"""What the engine answers, as typed records: the runner, the supervisor and recovery
read these, never the engine's JSON. Nothing here imports the Docker SDK."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..logstream import to_unix_nanos


@dataclass(frozen=True)
class ContainerExit:
    """What waiting on a container gave: its exit code (None when it vanished) and the
    engine's error, if any."""

    exit_code: int | None
    error: str | None = None


# How far a backend that places tasks (a cluster) has got with a started one.
WAITING = "waiting"  # no node has room for it yet: `reason` gives the cluster's words
PULLING = "pulling"  # its node prepares it (pulls its image)
STARTING = "starting"  # its node starts its container
STARTED = "started"  # its container ran, or runs
NEVER_RAN = "never ran"  # it ended without a container: `reason` says why


@dataclass(frozen=True)
class Placement:
    """A placed task's stage (one of the five above); `node` is its node's own engine
    (an EngineBoundary) where the runner can reach it."""

    stage: str
    reason: str | None = None
    node: Any = None


@dataclass(frozen=True)
class ContainerInfo:
    """One container as inspect describes it."""

    id: str
    name: str
    status: str  # created, running, exited, removing, dead, …
    running: bool
    labels: Mapping[str, str] = field(default_factory=dict)
    started_at: float | None = None  # seconds since the epoch; None: never started
    finished_at: float | None = None
    oom_killed: bool = False
    stop_signal: str | None = None  # the image's STOPSIGNAL, if it has one
    exit_code: int | None = None  # once it has exited

    @classmethod
    def from_inspect(cls, found: Mapping[str, Any]) -> ContainerInfo:
        state = found.get("State") or {}
        config = found.get("Config") or {}
        running = bool(state.get("Running"))
        finished_at = epoch(state.get("FinishedAt"))
        code = state.get("ExitCode")
        return cls(
            id=str(found["Id"]),
            name=str(found.get("Name") or "").lstrip("/"),
            status=str(state.get("Status") or ""),
            running=running,
            labels=dict(config.get("Labels") or {}),
            started_at=epoch(state.get("StartedAt")),
            finished_at=finished_at,
            oom_killed=bool(state.get("OOMKilled")),
            stop_signal=config.get("StopSignal") or None,
            exit_code=code
            if isinstance(code, int) and finished_at is not None and not running
            else None,
        )

    @property
    def has_started(self) -> bool:
        return self.running or self.started_at is not None

    @property
    def is_going(self) -> bool:
        """Being removed, or dead: a forced removal first marks it, then kills it."""
        return self.status in ("removing", "dead")


@dataclass(frozen=True)
class ContainerSummary:
    """One container as a listing describes it."""

    id: str
    name: str
    labels: Mapping[str, str]
    created: float  # seconds since the epoch

    @classmethod
    def from_listing(cls, found: Mapping[str, Any]) -> ContainerSummary:
        return cls(
            id=str(found["Id"]),
            name=str((found.get("Names") or ["?"])[0]).lstrip("/"),
            labels=dict(found.get("Labels") or {}),
            created=float(found.get("Created") or 0),
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


def epoch(engine_time: str | None) -> float | None:
    """The engine's RFC 3339 time in seconds; None for its zero time (never happened)."""
    if not engine_time or engine_time.startswith("0001-"):
        return None
    return float(to_unix_nanos(engine_time.encode()))
