"""Removing a task's service from a Swarm, and all that it leaves on the cluster: its
secrets, and its container and tmpfs volumes on its node."""

from __future__ import annotations

import contextlib
from typing import Any

from docker import errors

from ..logsetup import get_logger
from . import LABEL_TASK_ID
from .calls import is_gone
from .errors import EngineUnavailable
from .swarm_managers import LABEL_NODE_ENGINE, SwarmManagers
from .swarm_nodes import SwarmNodes
from .swarm_secrets import LEFTOVER_PREFIX, remove_secrets, secrets_labelled
from .swarm_tasks import SeenTask, seen_task
from .swarm_volumes import VOLUME_PREFIX, remove_from_node, remove_leftover_volume

log = get_logger(__name__)


def remove_service(
    managers: SwarmManagers,
    nodes: SwarmNodes,
    service_id: str,
    tasks: list[dict[str, Any]],
    secret_ids: list[str],
) -> None:
    with managers.call("removing the service"):
        try:
            managers.api.remove_service(service_id)
        except errors.APIError as exc:
            if not is_gone(exc):
                raise
    remove_secrets(managers, secret_ids)
    for task in tasks:
        _remove_from_its_node(nodes, seen_task(task))


def remove_what_is_left(managers: SwarmManagers, nodes: SwarmNodes, seen: SeenTask | None) -> None:
    """Someone else removed the service: the cluster removes its container in its own
    time, but neither its volumes nor its secrets. Where its task was when last read
    (`seen`) says where they are. Of a service this process never read, `recover`
    removes the volumes and secrets as orphans (remove_leftover)."""
    if seen is None or not seen.task_id:
        return
    _remove_from_its_node(nodes, seen)
    labelled = secrets_labelled(managers, {LABEL_TASK_ID: seen.task_id})
    remove_secrets(managers, [str(secret["ID"]) for secret in labelled])


def remove_leftover(managers: SwarmManagers, nodes: SwarmNodes, item_id: str) -> bool:
    """Remove a leftover volume or secret that SwarmReads.containers() listed, by the
    id it gave it; False for any other id (a service's)."""
    if item_id.startswith(VOLUME_PREFIX):
        remove_leftover_volume(nodes, item_id)
    elif item_id.startswith(LEFTOVER_PREFIX):
        remove_secrets(managers, [item_id.removeprefix(LEFTOVER_PREFIX)])
    else:
        return False
    return True


def _remove_from_its_node(nodes: SwarmNodes, seen: SeenTask) -> None:
    with contextlib.suppress(EngineUnavailable):  # a node away: see swarm_volumes.py
        node = nodes.engine_of(seen.node_id)
        if node is None and seen.node_id:
            log.warning(
                "task %s: its /tmp volume stays on node %s: without the node's label %s "
                "the runner cannot reach its engine (label it, then run 'agents-runner "
                "--backend swarm recover')",
                seen.task_id,
                nodes.hostname(seen.node_id),
                LABEL_NODE_ENGINE,
            )
        remove_from_node(node, seen.container_id, seen.task_id)
