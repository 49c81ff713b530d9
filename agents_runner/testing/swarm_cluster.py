"""The test Swarm (scripts/provision-swarm.sh) as a scenario sees it: its manager, and
each node's own engine, whose events and listings are the independent account of what
ran where. Read through docker-py directly, never through the runner's engine module."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import docker
import requests

from .contract_names import LABEL_TASK_ID
from .events import ContainerEvent, EventLog
from .oracle import raw_containers, raw_image_present
from .suite_docker import SuiteDocker
from .waiting import wait_until

SWARM_VARIABLE = "AGENTS_RUNNER_TEST_SWARM"
NODE_ENGINE_LABEL = "agents-runner.engine"
# On a node whose engine label a scenario took away: the address, and the scenario's labels,
# so that its clean-up, or the reaping of its run if it died, puts the label back.
TAKEN_LABEL = "agents-runner-test.engine-label-taken"
PROVISION_SWARM = Path(__file__).resolve().parents[2] / "scripts" / "provision-swarm.sh"
SWARM_DATA = Path("/var/lib/agents-runner-swarm")  # as scripts/provision-swarm.sh makes it
NODE_PID_FILE = "/run/agents-runner-swarm-{}.pid"  # as scripts/provision-swarm.sh names it


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
        self.made: set[str] = set()  # services the scenario made itself, as someone else's
        self.since = since
        self.first_manager = SuiteDocker(docker.APIClient(base_url=manager_url, version="auto"))
        self.nodes: dict[str, SuiteDocker] = {}
        self.addresses: dict[str, str] = {}
        self._killed: set[str] = set()  # nodes whose engine the scenario killed
        self.images: list[str] = []  # images the scenario's tasks pulled onto nodes
        for node in self.first_manager.api.nodes():
            address = ((node.get("Spec") or {}).get("Labels") or {}).get(NODE_ENGINE_LABEL)
            hostname = (node.get("Description") or {}).get("Hostname") or node["ID"]
            if address:
                self.nodes[hostname] = SuiteDocker(docker.APIClient(base_url=address))
                self.addresses[hostname] = address
        self.events = {
            name: EventLog(engine, self.labels, since) for name, engine in self.nodes.items()
        }

    @property
    def manager(self) -> SuiteDocker:
        """A manager that answers: the first, else another (every node is a manager)."""
        for engine in [self.first_manager, *self.nodes.values()]:
            with contextlib.suppress(Exception):
                if engine.api.info().get("Swarm", {}).get("ControlAvailable"):
                    return engine
        raise AssertionError("no manager of the test Swarm answers")

    def wait_until_ready(self, timeout: float = 90) -> None:
        """Wait until the manager lists every node ready and active, as its scheduler
        needs to place a task there (a node whose engine a scenario restarted may be
        listed down a while)."""

        def not_ready() -> list[str]:
            return [
                f"{(n.get('Description') or {}).get('Hostname')}: "
                f"{(n.get('Status') or {}).get('State')}, {n['Spec'].get('Availability')}"
                for n in self.manager.api.nodes()
                if (n.get("Status") or {}).get("State") != "ready"
                or n["Spec"].get("Availability") != "active"
            ]

        wait_until(
            not_ready,
            lambda listed: not listed,
            timeout=timeout,
            describe="the manager to list every node of the test Swarm ready and active",
        )

    def node_events(self, task_id: str) -> dict[str, list[ContainerEvent]]:
        """Each node's events for the task's container(s), by node hostname; nodes that
        saw none, and nodes whose engine does not answer, are left out."""
        found = {}
        for name, log in self.events.items():
            try:
                found[name] = log.for_task(task_id)
            except requests.exceptions.ConnectionError:
                continue  # a node whose engine a scenario has killed
        return {name: events for name, events in found.items() if events}

    def prove_events_report(self, image: str) -> None:
        """Prove each node's event log reports (EventLog.prove_reports): a node whose
        events say nothing cannot pass for one that ran nothing."""
        for name, engine in self.nodes.items():
            if not engine.image_present(image):  # the suite's own image, kept as the
                engine.pull(image)  # local engine keeps it: other scenarios run it there
            self.events[name].prove_reports(image)

    def wait_for_node_event(
        self, task_id: str, action: str, timeout: float = 30
    ) -> dict[str, list[ContainerEvent]]:
        """The nodes' events once some node reports `action` for the task's container."""
        return wait_until(
            lambda: self.node_events(task_id),
            lambda found: any(e.action == action for events in found.values() for e in events),
            timeout=timeout,
            describe=f"a node's {action} event for task {task_id}",
        )

    def services(self, extra: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """The services carrying the scenario's labels (and `extra`), as the manager
        lists them."""
        wanted = {**self.labels, **(extra or {})}
        found = self.manager.api.services(filters={"label": _selectors(wanted)})
        return [s for s in found if _carries((s.get("Spec") or {}).get("Labels"), wanted)]

    def make_service(self, name: str, labels: Mapping[str, str], image: str) -> None:
        """A service of no replica carrying the scenario's labels and `labels`, as one a
        runner left would: the managers keep it, and no node runs anything of it."""
        template = docker.types.TaskTemplate(
            container_spec=docker.types.ContainerSpec(image=image, command=["true"])
        )
        self.made.add(name)
        self.manager.api.create_service(
            template,
            name=name,
            labels={**self.labels, **labels},
            mode=docker.types.ServiceMode("replicated", replicas=0),
        )

    def containers(self, extra: Mapping[str, str] | None = None) -> dict[str, list[str]]:
        """Each node's containers carrying the scenario's labels (and `extra`), running or
        not, by node hostname; nodes with none are left out."""
        wanted = {**self.labels, **(extra or {})}
        found: dict[str, list[str]] = {}
        for name, engine in self.nodes.items():
            names = [c["Names"][0].lstrip("/") for c in raw_containers(engine, wanted)]
            if names:
                found[name] = names
        return found

    def secrets(self, extra: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """The Swarm secrets carrying the scenario's labels (and `extra`)."""
        wanted = {**self.labels, **(extra or {})}
        found = self.manager.api.secrets(filters={"label": _selectors(wanted)})
        return [s for s in found if _carries((s.get("Spec") or {}).get("Labels"), wanted)]

    def holders_of(self, text: str) -> list[str]:
        """Files under the nodes' data roots (raft log, snapshots, the workers' task
        store) whose bytes hold `text`."""
        needle = text.encode()
        found = []
        for path in SWARM_DATA.glob("node*/data/swarm/**/*"):
            with contextlib.suppress(OSError):
                if path.is_file() and needle in path.read_bytes():
                    found.append(str(path))
        return found

    def nodes_with_image(self, reference: str) -> list[str]:
        """The nodes whose own engine holds the image, by its inspect answer."""
        return sorted(
            name for name, engine in self.nodes.items() if raw_image_present(engine, reference)
        )

    def task_leftovers(self, task_id: str) -> list[str]:
        """What of the task is left anywhere on the cluster: its service, its secrets,
        its containers."""
        extra = {LABEL_TASK_ID: task_id}
        services = [f"service {s['Spec']['Name']}" for s in self.services(extra)]
        services += [f"secret {s['Spec']['Name']}" for s in self.secrets(extra)]
        on_nodes = self.containers(extra).items()
        containers = [f"container {c} on {node}" for node, names in on_nodes for c in names]
        volumes = [f"volume {v} on {node}" for node, v in self.volumes(extra)]
        return services + containers + volumes

    def volumes(self, extra: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
        """(node, volume name) of each volume carrying the scenario's labels (and
        `extra`) on each node: a task's tmpfs volumes."""
        wanted = {**self.labels, **(extra or {})}
        found = []
        for name, engine in self.nodes.items():
            listed = engine.api.volumes(filters={"label": _selectors(wanted)}) or {}
            for volume in listed.get("Volumes") or []:
                if _carries(volume.get("Labels"), wanted):
                    found.append((name, str(volume["Name"])))
        return found

    def hold_task_volume(self, task_id: str, image: str) -> tuple[str, str]:
        """A container of the scenario's (created, never started) on the task's node that
        mounts the task's /tmp volume: the node refuses to remove the volume while it
        exists. Its node and id."""
        [(node, volume)] = self.volumes({LABEL_TASK_ID: task_id})
        binds = {volume: {"bind": "/held", "mode": "rw"}}
        holder = self.nodes[node].create(
            image=image, argv=["true"], labels=self.labels, binds=binds
        )
        return node, holder

    def leader(self) -> str:
        """The hostname of the node that leads the managers now."""
        for node in self.manager.api.nodes():
            if (node.get("ManagerStatus") or {}).get("Leader"):
                return str((node.get("Description") or {}).get("Hostname"))
        raise AssertionError("the test Swarm has no leader")

    def hostname_at(self, address: str) -> str:
        """The node whose engine is at `address`."""
        return next(name for name, at in self.addresses.items() if at == address)

    def address_of(self, hostname: str) -> str:
        """The address of the node's own engine."""
        return self.addresses[hostname]

    def node_dockerd(self, hostname: str) -> int:
        """The pid of the node's dockerd, by the pid file provisioning gave it, checked to
        be a dockerd started with that pid file."""
        number = hostname.rsplit("-", 1)[-1]
        pid_file = NODE_PID_FILE.format(number)
        pid = int(Path(pid_file).read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if not command[0].endswith(b"dockerd") or pid_file.encode() not in command:
            raise AssertionError(f"pid {pid} of {pid_file} is not that node's dockerd: {command}")
        return pid

    def kill_node(self, hostname: str) -> float:
        """SIGKILL the node's dockerd; returns when it is gone, with the time it was sent."""
        pid = self.node_dockerd(hostname)
        self._killed.add(hostname)
        sent = time.time()
        os.kill(pid, signal.SIGKILL)
        wait_until(
            lambda: _not_a_zombie(pid),
            lambda alive: not alive,
            timeout=30,
            describe=f"{hostname}'s dockerd (pid {pid}) to end after its SIGKILL",
        )
        return sent

    def take_engine_label(self, hostname: str) -> None:
        """Take the node's engine label away through the manager (the runner then cannot
        reach the node's engine, C-9.7); put_engine_labels_back() restores it."""
        kept = json.dumps({"address": self.addresses[hostname], "labels": self.labels})

        def without(labels: dict[str, str]) -> bool:
            del labels[NODE_ENGINE_LABEL]
            labels[TAKEN_LABEL] = kept
            return True

        _update_node_labels(self.manager.api, hostname, without)

    def put_engine_labels_back(self) -> list[str]:
        """Give back every engine label this scenario (or run) took; a line for each."""
        return put_engine_labels_back(self.manager.api, self.labels)

    def start_nodes_again(self) -> None:
        """Provisioning, run again, starts what is not running (the node rejoins)."""
        subprocess.run(["bash", str(PROVISION_SWARM)], check=True, timeout=180)

    def cleanup(self) -> list[str]:
        """Start again any node the scenario killed and left down, then remove the
        scenario's services and its containers on every node; returns what was left."""
        if self._killed:
            self.start_nodes_again()
        left = self.put_engine_labels_back()
        names = [s["Spec"]["Name"] for s in self.services()]
        left += [f"service {name}" for name in names if name not in self.made]
        left += [f"secret {s['Spec']['Name']}" for s in self.secrets()]
        left += [f"container {c} on {n}" for n, names in self.containers().items() for c in names]
        left += [f"volume {v} on {n}" for n, v in self.volumes()]
        for service in self.services():
            with contextlib.suppress(docker.errors.NotFound):
                self.manager.api.remove_service(service["ID"])
        for secret in self.secrets():
            with contextlib.suppress(docker.errors.NotFound):
                self.manager.api.remove_secret(secret["ID"])
        for engine in self.nodes.values():
            for container in raw_containers(engine, self.labels):
                engine.remove(container["Id"])
            for image in self.images:
                engine.remove_image(image)
        for node, volume in self.volumes():
            self.nodes[node].remove_volume(volume)
        for log in self.events.values():
            log.close()
        for engine in [self.first_manager, *self.nodes.values()]:
            engine.close()
        return left


def reap_run(manager_url: str, run_label: str, run_id: str) -> list[str]:
    """Put back the engine labels a dead run took, then remove the services and
    containers it left on the test Swarm."""
    api = docker.APIClient(base_url=manager_url, version="auto")
    try:
        restored = put_engine_labels_back(api, {run_label: run_id})
    finally:
        api.close()
    return restored + SwarmView(manager_url, {run_label: run_id}, since=time.time()).cleanup()


def put_engine_labels_back(api: Any, labels: Mapping[str, str]) -> list[str]:
    """Restore the engine label of each node whose label was taken by a scenario
    carrying `labels`; a line for each."""
    restored = []
    for node in api.nodes():
        taken = json.loads(((node.get("Spec") or {}).get("Labels") or {}).get(TAKEN_LABEL, "{}"))
        if taken and _carries(taken.get("labels"), labels):

            def back(node_labels: dict[str, str], address: str = taken["address"]) -> bool:
                if TAKEN_LABEL not in node_labels:  # another process put it back meanwhile
                    return False
                node_labels[NODE_ENGINE_LABEL] = address
                del node_labels[TAKEN_LABEL]
                return True

            hostname = (node.get("Description") or {}).get("Hostname") or node["ID"]
            _update_node_labels(api, hostname, back)
            restored.append(f"the engine label of node {hostname}")
    return restored


_LABEL_UPDATE_TRIES = 10  # reads and updates of a node that others update meanwhile


def _update_node_labels(api: Any, hostname: str, change: Callable[[dict[str, str]], bool]) -> None:
    """Change a node's labels through the manager, read afresh (its version moves); read
    and changed again when another process updated the node in between (two legs of a
    run reap a dead run's label at once), until `change` finds nothing left to do."""
    for attempt in range(1, _LABEL_UPDATE_TRIES + 1):
        node = next(
            n for n in api.nodes() if (n.get("Description") or {}).get("Hostname") == hostname
        )
        spec = dict(node["Spec"])
        spec["Labels"] = dict(spec.get("Labels") or {})
        if not change(spec["Labels"]):
            return
        try:
            api.update_node(node["ID"], node["Version"]["Index"], spec)
            return
        except docker.errors.APIError as exc:
            if "out of sequence" not in str(exc) or attempt == _LABEL_UPDATE_TRIES:
                raise


def _not_a_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _selectors(labels: Mapping[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in labels.items()]


def _carries(found: Mapping[str, str] | None, wanted: Mapping[str, str]) -> bool:
    found = found or {}
    return all(found.get(key) == value for key, value in wanted.items())
