"""The test Swarm (scripts/provision-swarm.sh) as a scenario sees it: its manager, and
each node's own engine, whose events and listings are the independent account of what
ran where. Read through docker-py directly, never through the runner's engine module."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any

import docker

from .contract_names import LABEL_TASK_ID
from .events import ContainerEvent, EventLog
from .suite_docker import SuiteDocker

SWARM_VARIABLE = "AGENTS_RUNNER_TEST_SWARM"
NODE_ENGINE_LABEL = "agents-runner.engine"


def swarm_problem(manager_url: str | None) -> str | None:
    """Why the test Swarm cannot be used, or None when its three nodes are ready."""
    if not manager_url:
        return f"no test Swarm ({SWARM_VARIABLE} is unset: run scripts/provision-swarm.sh)"
    try:
        api = docker.APIClient(base_url=manager_url, version="auto", timeout=10)
        try:
            ready = [n for n in api.nodes() if (n.get("Status") or {}).get("State") == "ready"]
        finally:
            api.close()
    except Exception as exc:
        return f"the test Swarm's manager at {manager_url} does not answer: {exc}"
    if len(ready) < 3:
        return f"the test Swarm has {len(ready)} ready node(s), not 3"
    return None


class SwarmView:
    """The cluster, from the start of one scenario: `labels` are the scenario's, which
    every task it runs carries on its service and its container."""

    def __init__(self, manager_url: str, labels: Mapping[str, str], since: float) -> None:
        self.manager_url = manager_url
        self.labels = dict(labels)
        self.manager = SuiteDocker(docker.APIClient(base_url=manager_url, version="auto"))
        self.nodes: dict[str, SuiteDocker] = {}
        for node in self.manager.api.nodes():
            address = ((node.get("Spec") or {}).get("Labels") or {}).get(NODE_ENGINE_LABEL)
            hostname = (node.get("Description") or {}).get("Hostname") or node["ID"]
            if address:
                self.nodes[hostname] = SuiteDocker(docker.APIClient(base_url=address))
        self.events = {
            name: EventLog(engine, self.labels, since) for name, engine in self.nodes.items()
        }

    def node_events(self, task_id: str) -> dict[str, list[ContainerEvent]]:
        """Each node's events for the task's container(s), by node hostname; nodes that
        saw none are left out."""
        found = {name: log.for_task(task_id) for name, log in self.events.items()}
        return {name: events for name, events in found.items() if events}

    def wait_for_node_event(
        self, task_id: str, action: str, timeout: float = 30
    ) -> dict[str, list[ContainerEvent]]:
        """The nodes' events once some node reports `action` for the task's container."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.node_events(task_id)
            if any(e.action == action for events in found.values() for e in events):
                return found
            if time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def services(self, extra: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """The services carrying the scenario's labels (and `extra`), as the manager
        lists them."""
        wanted = {**self.labels, **(extra or {})}
        found = self.manager.api.services(filters={"label": _selectors(wanted)})
        return [s for s in found if _carries((s.get("Spec") or {}).get("Labels"), wanted)]

    def containers(self, extra: Mapping[str, str] | None = None) -> dict[str, list[str]]:
        """Each node's containers carrying the scenario's labels (and `extra`), running or
        not, by node hostname; nodes with none are left out."""
        wanted = {**self.labels, **(extra or {})}
        found: dict[str, list[str]] = {}
        for name, engine in self.nodes.items():
            listed = engine.api.containers(all=True, filters={"label": _selectors(wanted)})
            names = [c["Names"][0].lstrip("/") for c in listed if _carries(c.get("Labels"), wanted)]
            if names:
                found[name] = names
        return found

    def task_leftovers(self, task_id: str) -> list[str]:
        """What of the task is left anywhere on the cluster: its service, its containers."""
        extra = {LABEL_TASK_ID: task_id}
        services = [f"service {s['Spec']['Name']}" for s in self.services(extra)]
        on_nodes = self.containers(extra).items()
        containers = [f"container {c} on {node}" for node, names in on_nodes for c in names]
        return services + containers

    def cleanup(self) -> list[str]:
        """Remove the scenario's services, then its containers on every node; returns
        what was left."""
        left = [f"service {s['Spec']['Name']}" for s in self.services()]
        left += [f"container {c} on {n}" for n, names in self.containers().items() for c in names]
        for service in self.services():
            with contextlib.suppress(docker.errors.NotFound):
                self.manager.api.remove_service(service["ID"])
        mine = {"label": _selectors(self.labels)}
        for engine in self.nodes.values():
            for container in engine.api.containers(all=True, filters=mine):
                engine.remove(container["Id"])
        for log in self.events.values():
            log.close()
        for engine in [self.manager, *self.nodes.values()]:
            engine.close()
        return left


def _selectors(labels: Mapping[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in labels.items()]


def _carries(found: Mapping[str, str] | None, wanted: Mapping[str, str]) -> bool:
    found = found or {}
    return all(found.get(key) == value for key, value in wanted.items())
