"""The Swarm managers the runner talks to: the one DOCKER_HOST names first, then the
other managers, at the addresses their node labels (`agents-runner.engine`) give. A call
no manager answers moves the runner to the next, so that a manager that fails (the
leader killed) costs the runner one retried call, not its tasks."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator

import docker

from .calls import engine_call
from .errors import EngineError, EngineUnavailable

LABEL_NODE_ENGINE = "agents-runner.engine"
# A manager's answer while the managers elect a leader, or cannot reach one: no refusal,
# an outage to ride out.
_NO_LEADER = re.compile(
    r"does not have a leader|rpc error: code = (Unavailable|DeadlineExceeded)|"
    r"context deadline exceeded"
)


class SwarmManagers:
    """The managers, the one the runner talks to now first."""

    def __init__(self, first: docker.APIClient, address: str | None = None) -> None:
        self._clients = [first]
        self._addresses = [address or ""]  # unix sockets all have one base_url
        self._index = 0
        self._learned = False
        self._lock = threading.Lock()

    @property
    def api(self) -> docker.APIClient:
        """The manager the runner talks to now."""
        return self._clients[self._index]

    @contextlib.contextmanager
    def call(self, what: str) -> Iterator[None]:
        """engine_call for a manager: a cluster without a leader is an outage, and after
        an outage the next call goes to the next manager."""
        try:
            with engine_call(what):
                yield
        except EngineUnavailable:
            self._move_on()
            raise
        except EngineError as exc:
            if _NO_LEADER.search(str(exc)):
                self._move_on()
                raise EngineUnavailable(f"the Swarm has no leader for now ({exc})") from exc
            raise
        self._learn()

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def _move_on(self) -> None:
        with self._lock:
            self._index = (self._index + 1) % len(self._clients)

    def _learn(self) -> None:
        """Once, from a manager that answers: the other managers' engines (the first's
        own label names it again unless its address was given as the label says it)."""
        if self._learned:
            return
        with self._lock:
            if self._learned:
                return
            self._learned = True
            first = self._clients[0]
            with contextlib.suppress(Exception):  # then the runner knows the first only
                for node in first.nodes(filters={"role": "manager"}):
                    labels = (node.get("Spec") or {}).get("Labels") or {}
                    address = labels.get(LABEL_NODE_ENGINE)
                    if address and address not in self._addresses:
                        self._addresses.append(address)
                        self._clients.append(
                            docker.APIClient(base_url=address, version=first.api_version)
                        )
