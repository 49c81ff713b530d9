"""Restarting the engine that the suite's own provisioning started.

scripts/provision-engine.sh (dockerd) and scripts/provision-podman.sh (Podman's
service) leave a marker when they started the engine themselves; only that engine is
ever restarted. A person's own engine is left alone unless they ask for it with
AGENTS_RUNNER_ALLOW_ENGINE_RESTART=1.

Podman has no live-restore setting: its containers are watched by a conmon process
each, and always outlive a restart of the service.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from .suite_docker import SuiteDocker, SuiteDockerError
from .waiting import wait_until

MARKER = Path("/var/lib/agents-runner-provision/engine-started-by-us")
PODMAN_MARKER = Path("/var/lib/agents-runner-provision/podman-started-by-us")
PID_FILE = Path("/var/run/docker.pid")
PODMAN_LOG = Path("/var/log/agents-runner-podman.log")
PODMAN_SERVICE_DIR = Path("/var/lib/agents-runner-provision/podman-service")
DOCKERD_LOG = Path("/var/log/agents-runner-dockerd.log")
BASE_FLAGS = ["--bridge=none", "--iptables=false"]
RESTART_TIMEOUT = 120.0


def restart_refusal(kind: str = "docker") -> str | None:
    """Why the engine (of this kind) may not be restarted, or None when it may."""
    if os.environ.get("AGENTS_RUNNER_ALLOW_ENGINE_RESTART") == "1":
        return None
    if kind == "podman":
        if not PODMAN_MARKER.exists():
            return (
                "the Podman service was not started by scripts/provision-podman.sh, so the "
                "suite does not restart it (set AGENTS_RUNNER_ALLOW_ENGINE_RESTART=1 to allow it)"
            )
        return None if _podman_service_pid() else "no Podman service process found"
    if not MARKER.exists():
        return (
            "the Docker engine was not started by scripts/provision-engine.sh, so the suite "
            "does not restart it (set AGENTS_RUNNER_ALLOW_ENGINE_RESTART=1 to allow it)"
        )
    if not PID_FILE.exists():
        return f"no {PID_FILE}: cannot tell which dockerd to restart"
    return None


def restart(engine: SuiteDocker) -> None:
    """Stop the engine and start it again as provisioning did, keeping its live-restore
    setting (Docker); wait until it answers."""
    if engine.kind == "podman":
        socket_url = _podman_socket()
        pid = _podman_service_pid()
        assert pid is not None, "no Podman service process found"
        _terminate(pid, "the Podman service")
        PODMAN_SERVICE_DIR.mkdir(parents=True, exist_ok=True)
        with open(PODMAN_LOG, "ab") as log:
            subprocess.Popen(
                ["podman", "system", "service", "--time=0", socket_url],
                cwd=PODMAN_SERVICE_DIR,  # as provisioning starts it (conmon leaves files there)
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        _wait_for(engine, "the restarted Podman service to answer")
        return
    live_restore = live_restore_enabled(engine)
    stop_engine()
    start_engine(engine, live_restore=live_restore)


def _podman_socket() -> str:
    return os.environ.get("DOCKER_HOST", "")


def _podman_service_pid() -> int | None:
    """The `podman system service` process that serves DOCKER_HOST's socket."""
    wanted = ["podman", "system", "service", "--time=0", _podman_socket()]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            except OSError:
                continue
            if argv[: len(wanted)] == wanted and _state(int(entry.name)) != "Z":
                return int(entry.name)
    return None


def dockerd_pid() -> int:
    return int(PID_FILE.read_text().strip())


def stop_engine() -> None:
    """SIGTERM to dockerd, then wait until the process is gone."""
    _terminate(dockerd_pid(), "dockerd")


def _terminate(pid: int, what: str) -> None:
    os.kill(pid, signal.SIGTERM)
    wait_until(
        lambda: Path(f"/proc/{pid}").exists() and _state(pid) != "Z",
        lambda alive: not alive,
        timeout=RESTART_TIMEOUT,
        describe=f"{what} ({pid}) to exit",
    )


def start_engine(engine: SuiteDocker, *, live_restore: bool) -> None:
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
    _wait_for(engine, "the restarted Docker engine to answer")


def _wait_for(engine: SuiteDocker, what: str) -> None:
    wait_until(lambda: _answers(engine), lambda ok: ok, timeout=RESTART_TIMEOUT, describe=what)


def live_restore_enabled(engine: SuiteDocker) -> bool:
    """Whether running containers outlive an engine restart: Docker's setting; always
    so on Podman."""
    return engine.kind == "podman" or bool(engine.info().get("LiveRestoreEnabled"))


def _answers(engine: SuiteDocker) -> bool:
    try:
        engine.ping()
    except SuiteDockerError:
        return False
    return True


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "gone"
    return stat[stat.rindex(")") + 2 :].split()[0]
