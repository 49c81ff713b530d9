"""A Swarm task's tmpfs volumes (swarm_spec.py) that outlived its service: the cluster
removes a task's container when its node returns from an outage, but never its volumes,
and the runner cannot reach a node that is away. `recover` finds them here, among the
store's "containers", and removes them like any orphan container."""

from __future__ import annotations

from collections.abc import Mapping

from . import LABEL_TASK_ID
from .errors import EngineUnavailable
from .records import ContainerSummary
from .swarm_nodes import SwarmNodes

VOLUME_PREFIX = "volume:"  # the id of a leftover volume: volume:NODE/NAME


def leftover_volumes(
    nodes: SwarmNodes, labels: Mapping[str, str | None], live_tasks: set[str]
) -> list[ContainerSummary]:
    """The volumes carrying `labels` on every node that answers, but those of a task
    whose service still exists (its removal takes them)."""
    found = []
    for node in nodes.listing():
        engine = nodes.engine_of(str(node["ID"]))
        if engine is None:
            continue
        hostname = (node.get("Description") or {}).get("Hostname") or node["ID"]
        try:
            volumes = engine.volumes(labels)
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


def remove_leftover(nodes: SwarmNodes, summary_id: str) -> None:
    """Remove the volume leftover_volumes() named `summary_id`."""
    node_id, _, name = summary_id.removeprefix(VOLUME_PREFIX).partition("/")
    engine = nodes.engine_of(node_id)
    if engine is not None:
        engine.remove_volume(name)
