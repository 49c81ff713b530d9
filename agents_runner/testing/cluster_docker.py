"""The test Swarm's nodes as one engine, for a scenario run with the Swarm backend
(AGENTS_RUNNER_TEST_BACKEND=swarm): each check asks every node's own engine, where the
task's container runs, never the runner. A task's container on a node is named
`agents-runner-ID.1.SLOT`, so a look-up by the name a container has on one engine
(`agents-runner-ID`) finds it by that prefix."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

import docker
from docker import errors

from .contract_names import LABEL_TASK_ID
from .events import ContainerEvent, EventLog
from .suite_docker import SuiteDocker

NODE_ENGINE_LABEL = "agents-runner.engine"  # as scripts/provision-swarm.sh labels nodes
SERVICE_ID = "com.docker.swarm.service.id"  # the label Swarm gives a service's containers


class ClusterDocker:
    """The manager (for what the suite itself makes, such as an events probe) and each
    node's own engine (for every look)."""

    kind = "swarm"

    def __init__(self, manager_url: str) -> None:
        self.manager = SuiteDocker(docker.APIClient(base_url=manager_url, version="auto"))
        self.nodes: list[SuiteDocker] = []
        self.addresses: list[str] = []
        for node in self.manager.api.nodes():
            address = ((node.get("Spec") or {}).get("Labels") or {}).get(NODE_ENGINE_LABEL)
            if address:
                self.nodes.append(SuiteDocker(docker.APIClient(base_url=address, version="auto")))
                self.addresses.append(address)
        self.api = ClusterApi(self.nodes)

    def ping(self) -> None:
        for node in self.nodes:
            node.ping()

    def info(self) -> dict[str, Any]:
        return self.manager.info()

    def close(self) -> None:
        for engine in [self.manager, *self.nodes]:
            engine.close()

    def address_of(self, container_id: str) -> str:
        """The address of the node's own engine that has the container."""
        return self.addresses[self.nodes.index(self.api.node_of(container_id))]

    def event_log(self, labels: dict[str, str], since: float) -> ClusterEventLog:
        return ClusterEventLog([EventLog(node, labels, since) for node in self.nodes])

    def image_present(self, reference: str) -> bool:
        return all(node.image_present(reference) for node in self.nodes)

    def pull(self, reference: str) -> None:
        for node in self.nodes:
            node.pull(reference)

    def remove_image(self, reference: str) -> None:
        for node in self.nodes:
            node.remove_image(reference)

    def create(self, *, image: str, argv: Sequence[str], labels: Any, **options: Any) -> str:
        return self.manager.create(image=image, argv=argv, labels=labels, **options)

    def start(self, container_id: str) -> None:
        self.api.node_of(container_id).start(container_id)

    def remove(self, reference: str) -> None:
        """A container on whichever node has it; for a service's id (a kept task's
        record, C-9.1), the service and its containers on every node."""
        task = None
        with contextlib.suppress(errors.NotFound):
            # Read first: once the service is gone, a node may remove its container before
            # it is listed here, and the task's volume is then found by the task's label.
            labels = self.manager.api.inspect_service(reference)["Spec"].get("Labels") or {}
            task = labels.get(LABEL_TASK_ID)
            self.manager.api.remove_service(reference)
        for node in self.nodes:
            node.remove(reference)
            made = node.api.containers(all=True, filters={"label": f"{SERVICE_ID}={reference}"})
            for container in made:
                node.remove(container["Id"])
                task = task or (container.get("Labels") or {}).get(LABEL_TASK_ID)
        if task is None:
            return
        for node in self.nodes:
            found = node.api.volumes(filters={"label": f"{LABEL_TASK_ID}={task}"}) or {}
            for volume in found.get("Volumes") or []:
                node.remove_volume(volume["Name"])


class ClusterApi:
    """The few low-level calls the suite's oracle makes (oracle.py), asked of every node."""

    def __init__(self, nodes: list[SuiteDocker]) -> None:
        self.nodes = nodes

    def version(self) -> dict[str, Any]:
        return dict(self.nodes[0].api.version())

    def containers(self, *, all: bool = False, filters: Any = None) -> list[dict[str, Any]]:
        return [c for node in self.nodes for c in node.api.containers(all=all, filters=filters)]

    def inspect_container(self, reference: str) -> dict[str, Any]:
        node = self.node_of(reference)
        with contextlib.suppress(errors.NotFound):
            return dict(node.api.inspect_container(reference))
        slots = node.api.containers(all=True, filters={"name": f"^/{reference}\\."})
        return dict(node.api.inspect_container(slots[0]["Id"]))

    def node_of(self, reference: str) -> SuiteDocker:
        """The node whose engine has the container (by id or name, or by the name on one
        engine as its prefix); NotFound when none has."""
        for node in self.nodes:
            with contextlib.suppress(errors.NotFound):
                node.api.inspect_container(reference)
                return node
            if node.api.containers(all=True, filters={"name": f"^/{reference}\\."}):
                return node
        said = f"no such container: no node has {reference}"
        raise errors.NotFound(said, explanation=said)


class ClusterEventLog:
    """Every node's events for the scenario's containers, as one log in time order."""

    def __init__(self, logs: list[EventLog]) -> None:
        self.logs = logs
        self.since = logs[0].since if logs else time.time()

    def close(self) -> None:
        for log in self.logs:
            log.close()

    def for_task(self, task_id: str) -> list[ContainerEvent]:
        return sorted((e for log in self.logs for e in log.for_task(task_id)), key=_time)

    def for_labels(self, extra: dict[str, str] | None = None) -> list[ContainerEvent]:
        return sorted((e for log in self.logs for e in log.for_labels(extra)), key=_time)

    def raw_for_task(self, task_id: str) -> list[dict[str, Any]]:
        return [raw for log in self.logs for raw in log.raw_for_task(task_id)]

    def raw(self, extra: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return [raw for log in self.logs for raw in log.raw(extra)]


def _time(event: ContainerEvent) -> float:
    return event.time
