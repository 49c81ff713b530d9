"""Restarting the Docker engine that the suite's own provisioning started.

scripts/provision-engine.sh leaves a marker when it started dockerd itself; only that
engine is ever restarted. A person's own Docker is left alone unless they ask for it
with AGENTS_RUNNER_ALLOW_ENGINE_RESTART=1.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from ..engine import Engine, EngineError
from .waiting import wait_until

MARKER = Path("/var/lib/agents-runner-provision/engine-started-by-us")
PID_FILE = Path("/var/run/docker.pid")
DOCKERD_LOG = Path("/var/log/agents-runner-dockerd.log")
BASE_FLAGS = ["--bridge=none", "--iptables=false"]
RESTART_TIMEOUT = 120.0


def restart_refusal() -> str | None:
    """Why this engine may not be restarted, or None when it may."""
    if os.environ.get("AGENTS_RUNNER_ALLOW_ENGINE_RESTART") == "1":
        return None
    if not MARKER.exists():
        return (
            "the Docker engine was not started by scripts/provision-engine.sh, so the suite "
            "does not restart it (set AGENTS_RUNNER_ALLOW_ENGINE_RESTART=1 to allow it)"
        )
    if not PID_FILE.exists():
        return f"no {PID_FILE}: cannot tell which dockerd to restart"
    return None


def dockerd_pid() -> int:
    return int(PID_FILE.read_text().strip())


def stop_engine() -> None:
    """SIGTERM to dockerd, then wait until the process is gone."""
    pid = dockerd_pid()
    os.kill(pid, signal.SIGTERM)
    wait_until(
        lambda: Path(f"/proc/{pid}").exists() and _state(pid) != "Z",
        lambda alive: not alive,
        timeout=RESTART_TIMEOUT,
        describe=f"dockerd {pid} to exit",
    )


def start_engine(engine: Engine, *, live_restore: bool) -> None:
    """Start dockerd as provisioning does (with --live-restore when asked) and wait until
    `engine` answers."""
    flags = [*BASE_FLAGS, *(["--live-restore"] if live_restore else [])]
    with open(DOCKERD_LOG, "ab") as log:
        subprocess.Popen(
            ["dockerd", *flags],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    wait_until(
        lambda: _answers(engine),
        lambda ok: ok,
        timeout=RESTART_TIMEOUT,
        describe="the restarted Docker engine to answer",
    )


def live_restore_enabled(engine: Engine) -> bool:
    return bool(engine.info().get("LiveRestoreEnabled"))


def _answers(engine: Engine) -> bool:
    try:
        engine.ping()
    except EngineError:
        return False
    return True


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "gone"
    return stat[stat.rindex(")") + 2 :].split()[0]
