"""Which process owns a task, whether it is still alive, and starting a detached
supervisor process that drives a task after the command that started it has exited."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .proc import start_ticks


@dataclass(frozen=True)
class ProcessIdentity:
    """A process, told apart from a later one that reuses its pid by its start time."""

    pid: int
    host: str
    started: int  # clock ticks after boot, from /proc/<pid>/stat

    @classmethod
    def current(cls) -> ProcessIdentity:
        return cls.of(os.getpid())

    @classmethod
    def of(cls, pid: int) -> ProcessIdentity:
        return cls(pid=pid, host=socket.gethostname(), started=start_ticks(pid) or 0)

    @classmethod
    def from_payload(cls, data: Any) -> ProcessIdentity | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(pid=int(data["pid"]), host=str(data["host"]), started=int(data["started"]))
        except (KeyError, TypeError, ValueError):
            return None

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    def is_alive(self) -> bool:
        """False only when it is certain the process is gone; a process on another host
        counts as alive, since nothing here can tell."""
        if self.host != socket.gethostname():
            return True
        return start_ticks(self.pid) == self.started


def _without_secrets(environ: Any, secrets: dict[str, str]) -> dict[str, str]:
    """The environment minus every variable named after a secret (`--secret K` takes
    its value from $K, which the child would otherwise inherit)."""
    return {name: value for name, value in environ.items() if name not in secrets}


class DetachedSupervisor:
    """`python -m agents_runner.detached`, started in its own session. It waits for a
    task id and the secrets on a pipe (never argv, environment or disk), then drives
    that task to its end whatever happens to the process that started it.

    Start it, record its identity as the task's owner, then hand the task over: the
    task never has an owner that might already be gone."""

    def __init__(
        self,
        state_dir: Path,
        secrets: dict[str, str] | None = None,
        docker_host: str | None = None,
    ) -> None:
        """`docker_host`: the engine the child is to drive its task on, where it is not
        the one this process's environment names."""
        env = _without_secrets(os.environ, secrets or {})
        if docker_host:
            env["DOCKER_HOST"] = docker_host
        log_fd = os.open(
            state_dir / "supervisor.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "agents_runner.detached", "--state-dir", str(state_dir)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log_fd,
                start_new_session=True,
                close_fds=True,
                env=env,
            )
        finally:
            os.close(log_fd)
        self.identity = ProcessIdentity.of(self._child.pid)

    def hand_over(self, task_id: str, secrets: dict[str, str] | None = None) -> None:
        assert self._child.stdin is not None
        self._child.stdin.write(json.dumps({"task_id": task_id, "secrets": secrets or {}}).encode())
        self._child.stdin.close()

    def abandon(self) -> None:
        """Nothing to hand over after all: the child exits when its pipe closes empty."""
        assert self._child.stdin is not None
        self._child.stdin.close()
