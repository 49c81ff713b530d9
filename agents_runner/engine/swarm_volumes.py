"""A Swarm task's tmpfs volumes (swarm_spec.py) that outlived its service: the cluster
removes a task's container when its node returns from an outage, but never its volumes,
and the runner cannot reach a node that is away. `recover` finds them here, among the
store's "containers", and removes them like any orphan container."""

from __future__ import annotations

import time
from collections.abc import Mapping

from ..logsetup import get_logger
from . import LABEL_TASK_ID
from .docker_engine import Engine
from .errors import EngineError, EngineUnavailable
from .records import ContainerSummary
from .swarm_nodes import SwarmNodes

VOLUME_PREFIX = "volume:"  # the id of a leftover volume: volume:NODE/NAME
VOLUME_WAIT = 5.0  # seconds a task's volume is waited for while its node removes the container

log = get_logger(__name__)


def leftover_volumes(
    nodes: SwarmNodes, labels: Mapping[str, str | None], live_tasks: set[str]
) -> list[ContainerSummary]:
    """The volumes carrying `labels` on every node that is up and answers, but those of
    a task whose service still exists (its removal takes them)."""
    found = []
    for node in nodes.listing():
        if (node.get("Status") or {}).get("State") == "down":
            continue
        hostname = (node.get("Description") or {}).get("Hostname") or node["ID"]
        try:
            engine = nodes.engine_of(str(node["ID"]))
            volumes = engine.volumes(labels) if engine is not None else []
        except EngineUnavailable:
            continue
        for volume in volumes:
            if volume.labels.get(LABEL_TASK_ID) not in live_tasks:
                found.append(
                    ContainerSummary(
                        id=f"{VOLUME_PREFIX}{node['ID']}/{volume.id}",
                        name=f"volume {volume.id} on {hostname}",
                        labels=volume.labels,
                        created=volume.created,
                    )
                )
    return found


def remove_leftover_volume(nodes: SwarmNodes, summary_id: str) -> None:
    """Remove the volume leftover_volumes() named `summary_id`; one still in use (its
    node has not removed the container yet) is left for a later recover."""
    node_id, _, name = summary_id.removeprefix(VOLUME_PREFIX).partition("/")
    try:
        engine = nodes.engine_of(node_id)
        if engine is not None:
            engine.remove_volume(name)
    except EngineError as exc:
        log.warning("volume %s is left for a later recover: %s", name, exc)


def remove_from_node(node: Engine | None, container_id: str | None, task_id: str) -> None:
    """The task's container and its volumes (made before the container: there without
    it too) on its node. A node that is away removes the container when it returns, but
    not the volumes: recover does (leftover_volumes)."""
    if node is None:
        return
    if container_id:
        node.remove(container_id)
    remove_task_volumes(node, task_id)


def remove_task_volumes(engine: Engine, task_id: str) -> None:
    """The task's volumes on its node, once the container that uses them is gone (the
    node may still be removing it, up to VOLUME_WAIT); else they are left for recover."""
    deadline = time.monotonic() + VOLUME_WAIT
    while True:
        try:
            engine.remove_volumes({LABEL_TASK_ID: task_id})
            return
        except EngineUnavailable:
            raise
        except EngineError as exc:
            if time.monotonic() >= deadline:
                log.warning("task %s: its /tmp volume is left for recover: %s", task_id, exc)
                return
        time.sleep(0.1)
