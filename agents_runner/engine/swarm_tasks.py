"""A Swarm task as the swarm API describes it: its state, its container, its end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .records import ContainerExit

POLL_INTERVAL = 0.1  # how often a task's state is read while it is waited on
START_WAIT = 10.0  # how long start() waits for the node to start the container

# Swarm's task states (moby/swarmkit api/types.proto), in the words of one engine.
BEFORE_START = ("new", "pending", "assigned", "accepted", "preparing", "ready", "starting")
ENDED = ("complete", "failed", "shutdown", "rejected", "orphaned", "remove")


def state_of(task: Mapping[str, Any]) -> str:
    return str((task.get("Status") or {}).get("State") or "")


def container_id_of(task: Mapping[str, Any]) -> str | None:
    status = (task.get("Status") or {}).get("ContainerStatus") or {}
    return status.get("ContainerID") or None


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
