"""A Swarm's nodes, and each node's own engine, which the runner reaches at the address
the node's label `agents-runner.engine` gives, for what the swarm API cannot do."""

from __future__ import annotations

import threading
from typing import Any

from docker import errors

from .calls import is_gone
from .docker_engine import Engine
from .swarm_managers import LABEL_NODE_ENGINE, SwarmManagers


class SwarmNodes:
    """The nodes, as a manager (`api`) knows them."""

    def __init__(self, managers: SwarmManagers) -> None:
        self.managers = managers
        self._engines: dict[str, Engine | None] = {}
        self._hostnames: dict[str, str] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        for engine in self._engines.values():
            if engine is not None:
                engine.close()

    def listing(self) -> list[dict[str, Any]]:
        with self.managers.call("listing the nodes"):
            return list(self.managers.api.nodes())

    def engine_of(self, node_id: str) -> Engine | None:
        """The node's own engine; None for a node without the label (or no node)."""
        if not node_id:
            return None
        with self._lock:
            if node_id in self._engines:
                return self._engines[node_id]
        found = self._inspect(node_id)
        address = ((found or {}).get("Spec") or {}).get("Labels", {}).get(LABEL_NODE_ENGINE)
        engine = Engine.at(address) if address else None
        with self._lock:
            self._remember_hostname(node_id, found)
            return self._engines.setdefault(node_id, engine)

    def hostname(self, node_id: str) -> str:
        """The node's hostname, as its managers know it; its id where they do not."""
        with self._lock:
            if node_id in self._hostnames:
                return self._hostnames[node_id]
        found = self._inspect(node_id) if node_id else None
        with self._lock:
            return self._remember_hostname(node_id, found)

    def _remember_hostname(self, node_id: str, found: dict[str, Any] | None) -> str:
        hostname = str(((found or {}).get("Description") or {}).get("Hostname") or node_id)
        if found is not None:
            self._hostnames.setdefault(node_id, hostname)
        return self._hostnames.get(node_id, hostname)

    def is_down(self, node_id: str) -> bool:
        """Whether the manager counts the node down (or it has left the cluster)."""
        if not node_id:
            return False
        found = self._inspect(node_id)
        return found is None or (found.get("Status") or {}).get("State") == "down"

    def _inspect(self, node_id: str) -> dict[str, Any] | None:
        with self.managers.call("inspecting the node"):
            try:
                return dict(self.managers.api.inspect_node(node_id))
            except errors.APIError as exc:
                if is_gone(exc):
                    return None
                raise
