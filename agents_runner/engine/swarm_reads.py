"""What the runner reads of a task on a Swarm (a part of SwarmEngine): its service as a
container, its output, the services it made, and the tasks and nodes under them."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import docker
from docker import errors

from . import LABEL_TASK_ID
from .calls import explain, is_gone
from .containers import has_labels, label_filter, log_params, log_stream
from .docker_engine import Engine
from .errors import ContainerGone, EngineUnavailable
from .local_logs import LocalDriverLogStream
from .records import ContainerInfo, ContainerSummary, epoch
from .swarm_managers import SwarmManagers
from .swarm_nodes import SwarmNodes
from .swarm_secrets import leftover_secrets
from .swarm_tasks import (
    ENDED,
    POLL_INTERVAL,
    START_WAIT,
    SeenTask,
    container_as_told,
    container_id_of,
    newest,
    seen_task,
    state_of,
)
from .swarm_volumes import leftover_volumes
from .transport import LogStream, get_streaming


class SwarmReads:
    """Reading the cluster (a part of SwarmEngine)."""

    managers: SwarmManagers
    nodes: SwarmNodes
    seen_tasks: dict[str, SeenTask]  # by service id: where each task was when last read

    @property
    def api(self) -> docker.APIClient: ...

    def inspect(self, service_id: str) -> ContainerInfo | None:
        """The service (by id or name) as a container: its task's state, and the times
        and OOM flag of its container where the node's engine can say."""
        with self.managers.call("inspecting the service"):
            try:
                found = self.api.inspect_service(service_id)
            except errors.APIError as exc:
                if is_gone(exc):
                    return None
                raise
        spec = found.get("Spec") or {}
        info = ContainerInfo(
            id=str(found["ID"]),
            name=str(spec.get("Name") or ""),
            status="created",
            running=False,
            labels=dict(spec.get("Labels") or {}),
        )
        task = newest(self._tasks(info.id))
        if task is None:
            return info
        node, container_id = self._node_and_container(task)
        container = None
        if node is not None and container_id:
            try:
                container = node.inspect(container_id)
            except EngineUnavailable:
                container = None
        if container is None:
            return container_as_told(info, task)
        return ContainerInfo(
            id=info.id,
            name=info.name,
            status=container.status,
            running=container.running and state_of(task) not in ENDED,
            labels=info.labels,
            started_at=container.started_at,
            finished_at=container.finished_at,
            oom_killed=container.oom_killed,
        )

    def oom_reported(self, service_id: str, *, since: float, wait: float) -> bool:
        """Asked of the node's engine; False where it cannot be reached (a node that is
        away reports nothing)."""
        task = newest(self._tasks(service_id))
        node, container_id = self._node_and_container(task) if task else (None, None)
        if node is None or not container_id:
            return False
        try:
            return bool(node.oom_reported(container_id, since=since, wait=wait))
        except EngineUnavailable:
            return False

    def containers(self, labels: Mapping[str, str | None]) -> list[ContainerSummary]:
        """The services carrying every label given, and the tmpfs volumes and Swarm
        secrets carrying them that outlived their service (swarm_volumes.py,
        swarm_secrets.py)."""
        with self.managers.call("listing services"):
            found = self.api.services(filters={"label": label_filter(labels)})
        listed = [
            ContainerSummary(
                id=str(s["ID"]),
                name=str((s.get("Spec") or {}).get("Name") or "?"),
                labels=dict((s.get("Spec") or {}).get("Labels") or {}),
                created=epoch(s.get("CreatedAt")) or 0.0,
            )
            for s in found
        ]
        services = [s for s in listed if has_labels(s.labels, labels)]
        live = {s.labels.get(LABEL_TASK_ID, "") for s in services}
        volumes = leftover_volumes(self.nodes, labels, live)
        return services + volumes + leftover_secrets(self.managers, labels, live)

    def open_logs(
        self, service_id: str, *, follow: bool, since: str | None, tail: int | None = None
    ) -> LogStream:
        """The output of the task's container from its node's engine (the bytes as its
        log driver keeps them, with the newlines it drops put back where the output goes
        on, and a followed stream ends when it exits); else the service's log through
        the manager, whose followed stream does not end by itself. A node that is down
        has no more to give: ContainerGone."""
        task = self._started_task(service_id) if follow else newest(self._tasks(service_id))
        node, container_id = self._node_and_container(task) if task else (None, None)
        if node is not None and container_id and task is not None:
            try:
                stream = node.open_logs(container_id, follow=follow, since=since, tail=tail)
                return LocalDriverLogStream(stream)
            except EngineUnavailable:
                if self.nodes.is_down(str(task.get("NodeID") or "")):
                    raise ContainerGone("reading the logs: the task's node is lost") from None
                raise
        if task is None or not container_id:
            raise ContainerGone("reading the logs: the task never had a container")
        params = log_params(follow=follow, since=since, tail=tail)
        with self.managers.call("reading the service's logs"):
            try:
                response = get_streaming(self.api, "/services/{0}/logs", service_id, params=params)
            except errors.APIError as exc:
                if is_gone(exc):
                    raise ContainerGone(f"reading the logs: {explain(exc)}") from exc
                raise
        return LocalDriverLogStream(log_stream(response, follow=follow))

    def open_attach(self, service_id: str) -> None:
        """The swarm API has no attach: the log is followed."""
        return None

    # -- the cluster's tasks and nodes ---------------------------------------------

    def _tasks(self, service_id: str) -> list[dict[str, Any]]:
        """The service's tasks; ContainerGone when the service is gone (asked only when
        it has none: the tasks are read every POLL_INTERVAL while a task is waited on)."""
        with self.managers.call("listing the service's tasks"):
            try:
                tasks = list(self.api.tasks(filters={"service": service_id}))
                if not tasks:
                    self.api.inspect_service(service_id)
                elif latest := newest(tasks):
                    self.seen_tasks[service_id] = seen_task(latest)
                return tasks
            except errors.APIError as exc:
                if is_gone(exc):
                    raise ContainerGone(f"service {service_id} is gone") from exc
                raise

    def _task(self, service_id: str) -> dict[str, Any] | None:
        return newest(self._tasks(service_id))

    def _started_task(self, service_id: str) -> dict[str, Any] | None:
        """The task once its container exists (or it ended without one)."""
        deadline = time.monotonic() + START_WAIT
        while True:
            task = self._task(service_id)
            if task is not None and (container_id_of(task) or state_of(task) in ENDED):
                return task
            if time.monotonic() > deadline:
                raise EngineUnavailable("the task has no container yet")
            time.sleep(POLL_INTERVAL)

    def _node_and_container(self, task: dict[str, Any]) -> tuple[Engine | None, str | None]:
        return self.nodes.engine_of(str(task.get("NodeID") or "")), container_id_of(task)
