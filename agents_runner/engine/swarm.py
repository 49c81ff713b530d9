"""SwarmEngine: the boundary (boundary.py) on a Docker Swarm cluster, the second backend.

A task's "container" here is a service with one replica that never restarts, made with
no replica (created) and scaled to one (started); the handle the runner keeps is the
service's id, and its name is the container's name on one engine. The cluster places
the task on a node, which pulls the image itself. Whatever the swarm API cannot do (an
immediate SIGKILL, the exact log, an out-of-memory report) is asked of the node's own
engine, whose address the node's label `agents-runner.engine` gives; where a node has
no such label, the runner makes do with the swarm API (docs/CONTRACT.md, "On a Swarm
cluster")."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import docker
from docker.types import ServiceMode

from . import LABEL_TASK_ID
from .calls import engine_call
from .dialect import EngineDialect
from .docker_engine import Engine
from .errors import ContainerGone, EngineError, EngineUnavailable, NotASwarmManager
from .handshake import connect
from .records import ContainerExit, ContainerLimits, Placement
from .swarm_managers import SwarmManagers
from .swarm_nodes import SwarmNodes
from .swarm_reads import SwarmReads
from .swarm_removal import remove_leftover, remove_service, remove_what_is_left
from .swarm_secrets import (
    create_secrets,
    remove_secrets,
    secrets_of,
    split_env,
    wrapped,
)
from .swarm_spec import task_template
from .swarm_tasks import (
    ENDED,
    POLL_INTERVAL,
    exit_of,
    stage_of,
    state_of,
)

NODE_LOST = "node lost"
Ping = Mapping[str, str] | None  # the headers of the manager's `/_ping` answer
NODE_CHECK_INTERVAL = 1.0  # how often the node of a running task is asked whether it is up


class SwarmEngine(SwarmReads):
    """The runner's engine on a Swarm: `api` talks to a manager (managers, the one
    DOCKER_HOST names first)."""

    def __init__(
        self, api: docker.APIClient, address: str | None = None, ping: Ping = None
    ) -> None:
        self.managers = SwarmManagers(api, address)
        self.address = address
        self.manager = Engine(api, ping)
        self.nodes = SwarmNodes(self.managers)
        self.seen_tasks = {}

    @property
    def api(self) -> docker.APIClient:
        return self.managers.api

    @classmethod
    def from_env(cls) -> SwarmEngine:
        """The manager DOCKER_HOST names."""
        with engine_call("connecting to the Swarm manager"):
            api, ping = connect(lambda version: docker.from_env(version=version).api)
            return cls(api, os.environ.get("DOCKER_HOST"), ping)

    @classmethod
    def at(cls, base_url: str) -> SwarmEngine:
        with engine_call("connecting to the Swarm manager"):
            api, ping = connect(lambda version: docker.APIClient(base_url, version=version))
            return cls(api, base_url, ping)

    def close(self) -> None:
        self.nodes.close()
        self.managers.close()

    # -- what the engine is -----------------------------------------------------------

    @functools.cached_property
    def dialect(self) -> EngineDialect:
        return self.manager.dialect

    @property
    def kind(self) -> str:
        return "swarm"

    @property
    def follows_exactly(self) -> bool:
        """The service's log (where no node's engine answers) is followed without end:
        the copy is checked whole at the end."""
        return False

    @property
    def backend(self) -> str:
        """The --backend that names this backend."""
        return "swarm"

    @property
    def places_tasks(self) -> bool:
        return True

    @property
    def takes_secrets(self) -> bool:
        """As Swarm secrets (swarm_secrets.py), never in the service's spec."""
        return True

    def ping(self) -> None:
        with self.managers.call("asking the Swarm manager about itself"):
            info = self.api.info()
        swarm = info.get("Swarm") or {}
        if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
            raise NotASwarmManager(
                "the engine DOCKER_HOST names is not a Swarm manager, which the Swarm backend"
                " needs (see 'docker swarm init')"
            )

    def cpu_count(self) -> int | None:
        """The most CPUs one node has: a task runs on one node; None where no node says."""
        nodes = self.nodes.listing()
        cpus = [(n.get("Description") or {}).get("Resources", {}).get("NanoCPUs", 0) for n in nodes]
        return int(max(cpus, default=0) // 1_000_000_000) or None

    def network_exists(self, name: str) -> bool:
        return name == "none"

    def has_network(self, name: str | None) -> bool:
        """A service made without networks has its loopback only."""
        return False

    def image_present(self, image: str) -> bool:
        """The node that runs the task pulls the image itself."""
        return True

    def image_labels(self, image: str) -> Mapping[str, str] | None:
        return self.manager.image_labels(image)  # type: ignore[no-any-return]

    def pull(self, image: str, on_progress: Any = None, handle: Any = None) -> None:
        """Nothing to do here: the node that runs the task pulls the image."""

    # -- a task's service ----------------------------------------------------------

    def create(
        self,
        *,
        name: str | None,
        image: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        labels: Mapping[str, str],
        working_dir: str | None = None,
        binds: Mapping[str, Mapping[str, str]] | None = None,
        network: str | None = None,
        user: str | None = None,
        memory: int | None = None,
        cpus: float | None = None,
        limits: ContainerLimits | None = None,
        constraints: Sequence[str] = (),
        secret_names: Sequence[str] = (),
    ) -> str:
        """A service of no replica yet, whose one task will run `argv` as a container on
        one engine would, as far as the swarm API lets (no no-new-privileges, no cgroup
        namespace of its own: API 1.41 has neither). `memory` and `cpus` are reserved as
        well as limited, so the cluster places the task only where they are free."""
        if network not in (None, "none"):
            raise EngineError(f"the Swarm backend runs tasks without a network, not on {network}")
        env, secrets = split_env(env, list(secret_names))
        service_name = name or f"agents-runner-{labels.get(LABEL_TASK_ID, 'task')}"
        task = task_template(
            name=service_name,
            image=image,
            argv=argv,
            env=env,
            labels=labels,
            working_dir=working_dir,
            binds=binds,
            user=user,
            memory=memory,
            cpus=cpus,
            limits=limits or ContainerLimits(),
            constraints=constraints,
        )
        made: list[str] = []
        try:
            if secrets:
                references = create_secrets(
                    self.managers, service_name, secrets, labels, user, made
                )
                task = wrapped(task, references)
            with self.managers.call("creating the service failed"):
                created = self.api.create_service(
                    task,
                    name=service_name,
                    labels=dict(labels),
                    mode=ServiceMode("replicated", replicas=0),
                )
        except BaseException:
            remove_secrets(self.managers, made)
            raise
        return str(created["ID"])

    def start(self, service_id: str) -> None:
        """Scale to one replica: the cluster places the task when a node has room
        (placement() says how far it has got)."""
        self._scale(service_id, 1, "starting the service failed")

    def placement(self, service_id: str) -> Placement:
        """How far the cluster has got with the started task (records.Placement)."""
        task = self._task(service_id)
        node = self.nodes.engine_of(str(task.get("NodeID") or "")) if task else None
        return Placement(*stage_of(task), node)

    def wait(self, service_id: str) -> ContainerExit:
        """Until the task ends; its container's exit code, waited for on its node's engine
        where it answers (at once, and whatever the managers are doing), else as the
        cluster reports it. A node that goes down under a running task ends the wait with
        NODE_LOST: the cluster would keep it "running"."""
        next_node_check = 0.0
        while True:
            try:
                task = self._task(service_id)
            except ContainerGone:
                return ContainerExit(None, "container lost")
            if task is not None and state_of(task) in ENDED:
                return exit_of(task)
            if task is not None and (exited := self._wait_on_node(task)) is not None:
                return exited
            if task is not None and time.monotonic() >= next_node_check:
                next_node_check = time.monotonic() + NODE_CHECK_INTERVAL
                if self.nodes.is_down(str(task.get("NodeID") or "")):
                    return ContainerExit(None, NODE_LOST)
            time.sleep(POLL_INTERVAL)

    def _wait_on_node(self, task: dict[str, Any]) -> ContainerExit | None:
        """The container's exit, as its node's engine waits for it; None where that engine
        is away or the container is gone from it (the cluster then says)."""
        node, container_id = self._node_and_container(task)
        if node is None or not container_id or state_of(task) not in ("starting", "running"):
            return None
        try:
            exited = node.wait(container_id)
        except EngineUnavailable:
            return None
        return exited if exited.exit_code is not None else None

    def kill(self, service_id: str, signal: str = "SIGKILL") -> bool:
        """`signal` through the node's engine; where it cannot be reached, the service is
        scaled to no replica, which the node does as a stop (the stop signal, then
        SIGKILL after the service's grace). False when the task no longer runs."""
        try:
            task = self._task(service_id)
        except ContainerGone:
            return False
        if task is None or state_of(task) in ENDED:
            return False
        node, container_id = self._node_and_container(task)
        if node is not None and container_id:
            try:
                return bool(node.kill(container_id, signal))
            except EngineUnavailable:
                pass  # the node's engine is away: the cluster may still reach it
        self._scale(service_id, 0, f"stopping the service ({signal})")
        return True

    def _scale(self, service_id: str, replicas: int, what: str) -> None:
        with self.managers.call(what):
            found = self.api.inspect_service(service_id)
            self.api.update_service(
                service_id,
                found["Version"]["Index"],
                mode=ServiceMode("replicated", replicas=replicas),
                fetch_current_spec=True,
            )

    def remove(self, service_id: str) -> None:
        """The service, its secrets, and its task's container and tmpfs volumes on its
        node (the cluster removes the container too, in its own time, but not those)."""
        if remove_leftover(self.managers, self.nodes, service_id):
            return
        try:
            tasks = self._tasks(service_id)
            secrets = secrets_of(self.managers, service_id)
        except ContainerGone:  # someone else removed it
            remove_what_is_left(self.managers, self.nodes, self.seen_tasks.get(service_id))
        else:
            remove_service(self.managers, self.nodes, service_id, tasks, secrets)
        self.seen_tasks.pop(service_id, None)  # last: a removal retried still finds it
