"""The words a task's end is recorded with, and what its output says at the end."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..engine import ContainerExit, ContainerInfo
from ..engine.boundary import EngineBoundary
from ..kernel_log import oom_kill_logged
from ..last_words import last_words
from ..logsetup import get_logger
from ..processes import ProcessIdentity
from ..states import TaskState
from ..store import TaskStore
from ..task import Task
from .retry import EngineGaveUp

log = get_logger(__name__)

CONTAINER_LOST = "container lost: it no longer exists in the engine"
REMOVED_WHILE_RUNNING = (
    "container lost: it was removed while the agent ran (not by agents-runner), "
    "so its exit code is unknown"
)
# Docker's OOM notices that came after the exit came 30 to 220 ms after it (measured
# with ten busy loops beside); the wait ends at the notice, or at a SIGKILL someone sent.
OOM_NOTICE_WAIT = 2.0
# How long a container found after a SIGKILL nobody here asked for is watched for the
# removal that may have caused it (Podman answers the wait before it removes).
REMOVAL_WAIT = 2.0
# An agent that exited this long before the engine became unreachable was stopped by it.
ENGINE_SHUTDOWN_WINDOW = 10.0


def failure_reason(task_id: str, exc: Exception) -> str:
    """The reason a supervisor that failed records, logged: an engine given up on is
    said in words; anything else is a bug, logged with its stack."""
    if isinstance(exc, EngineGaveUp):
        log.warning("task %s: %s (%s)", task_id, exc.reason, exc)
        return exc.reason
    log.exception("task %s: supervisor failed", task_id)
    return f"{type(exc).__name__}: {exc}"


def interrupted_reason(state: TaskState) -> str:
    return (
        f"interrupted while {state.value}: the runner process that owned it exited before "
        "its container ran; secrets are never stored, so it is not restarted: submit it again"
    )


def engine_stopped_reason(exit_code: int) -> str:
    return (
        f"the agent exited with code {exit_code} while the Docker engine was unreachable: "
        "the engine stopped or restarted under the task (with live-restore on, "
        "containers outlive an engine restart)"
    )


def exited_during_outage(finished_at: float | None, outages: list[tuple[float, float]]) -> bool:
    """Whether an agent that finished at `finished_at` did so while the engine could not
    be reached, or just before it went away (an engine that shuts down stops its
    containers first)."""
    return finished_at is not None and any(
        a - ENGINE_SHUTDOWN_WINDOW <= finished_at <= b + 1 for a, b in outages
    )


def removed_while_running(
    engine: EngineBoundary, exited: ContainerExit, found: ContainerInfo | None, task: Task
) -> bool:
    """Whether the container that `exited` was removed while the agent ran: gone, being
    removed, or, on an engine whose wait answers before it removes (Podman), gone
    within REMOVAL_WAIT after a 137 agents-runner did not cause. A wait that found no
    container (no exit code) was asked after the removal, unless agents-runner stopped it."""
    gone = found is None or found.is_going
    if exited.exit_code is None:
        return gone and not (task.kill_requested_at or task.stop_requested_at)
    if gone:
        return True
    if exited.exit_code != 137 or task.kill_requested_at or task.stop_requested_at:
        return False
    if not engine.dialect.removal_may_follow_exit:
        return False
    deadline = time.monotonic() + REMOVAL_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.1)
        again = engine.inspect(found.id)
        if again is None or again.is_going:
            return True
    return False


def killed_for_memory(
    engine: EngineBoundary, found: ContainerInfo | None, exit_code: int | None, task: Task
) -> bool:
    """Whether the kernel killed the agent for its memory: a 137 (SIGKILL's code, also
    the OOM killer's) that agents-runner did not cause, with OOMKilled set, a kill in
    the container's memory cgroup in the kernel's own log (where it can be read here:
    an engine may not report one), or an OOM notice the engine received only after the
    exit."""
    if exit_code != 137 or task.kill_requested_at or found is None:
        return False
    if found.oom_killed or oom_kill_logged(found.id):
        return True
    if not engine.dialect.oom_notice_may_follow_exit or found.started_at is None:
        return False
    return engine.oom_reported(found.id, since=found.started_at, wait=OOM_NOTICE_WAIT)


def outage_reason(
    found: ContainerInfo | None, outcome: ContainerExit, outages: list[tuple[float, float]]
) -> str | None:
    """A failure reason that names the engine when the agent (`found`, inspected once the
    engine's outages are known) exited non-zero while the engine could not be reached, or
    just before it went away."""
    if not outages or not outcome.exit_code:
        return None
    if not exited_during_outage(found.finished_at if found else None, outages):
        return None
    return engine_stopped_reason(outcome.exit_code)


def release(store: TaskStore, task_id: str) -> None:
    """Leave an unfinished task of this process without an owner, for the next runner,
    waiter or request to take over; a task another process has taken meanwhile is not
    touched."""
    mine = ProcessIdentity.current().to_payload()

    def change(task: Task) -> bool:
        if task.is_terminal or task.owner != mine:
            return False
        task.owner = None
        return True

    try:
        store.update(task_id, change)
    except Exception:
        log.exception("task %s: could not release it", task_id)


def last_line(path: Path, limit: int = 4096) -> str | None:
    """The last line of a log that says something (never a line of a stack trace), for a
    failure reason a person can act on."""
    return last_words(log_tail(path, limit))


def log_tail(path: Path, limit: int = 4096) -> str:
    """The log's last `limit` bytes, from the first whole line in them."""
    try:
        with open(path, "rb") as log_file:
            log_file.seek(0, os.SEEK_END)
            start = max(0, log_file.tell() - limit)
            log_file.seek(max(0, start - 1))
            before = log_file.read(1) if start else b"\n"
            tail = log_file.read()
    except FileNotFoundError:
        return ""
    if before != b"\n" and b"\n" in tail:
        tail = tail.partition(b"\n")[2]  # a line cut at its start is not quoted
    return tail.decode(errors="replace")
