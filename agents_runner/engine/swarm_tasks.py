"""A Swarm task as the swarm API describes it: its state, its container, its end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import LABEL_TASK_ID
from .records import (
    NEVER_RAN,
    PULLING,
    STARTED,
    STARTING,
    WAITING,
    ContainerExit,
    ContainerInfo,
    epoch,
)

POLL_INTERVAL = 0.1  # how often a task's state is read while it is waited on
START_WAIT = 10.0  # how long a read of the output waits for the task's container

# Swarm's task states (moby/swarmkit api/types.proto), in the words of one engine.
UNPLACED = ("new", "pending")
PREPARING = ("assigned", "accepted", "preparing")
ENDED = ("complete", "failed", "shutdown", "rejected", "orphaned", "remove")


def state_of(task: Mapping[str, Any]) -> str:
    return str((task.get("Status") or {}).get("State") or "")


@dataclass(frozen=True)
class SeenTask:
    """Where a service's task was when last read: what is left of the service after
    someone else removed it is found by it."""

    node_id: str
    container_id: str | None
    task_id: str


def seen_task(task: Mapping[str, Any]) -> SeenTask:
    return SeenTask(str(task.get("NodeID") or ""), container_id_of(task), task_id_of(task))


def container_id_of(task: Mapping[str, Any]) -> str | None:
    status = (task.get("Status") or {}).get("ContainerStatus") or {}
    return status.get("ContainerID") or None


def task_id_of(task: Mapping[str, Any]) -> str:
    """The agents-runner task a Swarm task runs, by its container's label."""
    labels = ((task.get("Spec") or {}).get("ContainerSpec") or {}).get("Labels") or {}
    return str(labels.get(LABEL_TASK_ID, ""))


def stage_of(task: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """How far the cluster has got with a task (records.Placement's stage), and its
    words for why it is not placed yet, or why it never ran."""
    if task is None:
        return WAITING, "the cluster has not made its task yet"
    state = state_of(task)
    status = task.get("Status") or {}
    if state in UNPLACED:
        return WAITING, str(status.get("Err") or status.get("Message") or state)
    if state in PREPARING:
        return PULLING, None
    if state in ("ready", "starting"):
        return STARTING, None
    if state in ENDED and exit_of(task).exit_code is None:
        return NEVER_RAN, exit_of(task).error
    return STARTED, None


def exit_of(task: Mapping[str, Any]) -> ContainerExit:
    """An ended task: its container's exit code; the cluster's words where it never ran."""
    status = task.get("Status") or {}
    if container_id_of(task) and state_of(task) in ("complete", "failed", "shutdown"):
        return ContainerExit(int((status.get("ContainerStatus") or {}).get("ExitCode") or 0))
    said = status.get("Err") or status.get("Message") or state_of(task)
    return ContainerExit(None, f"the cluster could not run the task: {said}")


def newest(tasks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The service's latest task (a service of one replica has one, or none yet)."""
    return max(tasks, key=lambda t: t.get("CreatedAt") or "", default=None)


def container_as_told(service: ContainerInfo, task: Mapping[str, Any]) -> ContainerInfo:
    """The service (its id, name and labels) as a container, from what the swarm API says
    of its task alone: where the node's engine cannot say more."""
    state = state_of(task)
    at = epoch((task.get("Status") or {}).get("Timestamp"))
    ended = state in ENDED
    return ContainerInfo(
        id=service.id,
        name=service.name,
        status="exited" if ended else ("running" if state == "running" else "created"),
        running=state == "running",
        labels=service.labels,
        started_at=at if state == "running" or (ended and container_id_of(task)) else None,
        finished_at=at if ended else None,
    )
