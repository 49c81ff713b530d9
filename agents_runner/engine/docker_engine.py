"""Engine: the Docker API, as Docker and Podman serve it; the first implementation of
the boundary in boundary.py."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import docker
from docker import errors
from docker.types import Ulimit

from .calls import engine_call
from .containers import ContainerCalls
from .dialect import EngineDialect
from .events import EventCalls
from .handshake import connect
from .images import ImageCalls


class Engine(ImageCalls, ContainerCalls, EventCalls):
    """One engine that speaks the Docker API (Docker, or Podman's compatible service),
    as the runner needs it. Built from one part per API concern; what the engines do
    differently is asked of `dialect`. Every call raises only the errors of errors.py."""

    def __init__(self, api: docker.APIClient, ping: Mapping[str, str] | None = None) -> None:
        """`ping`: the headers of the engine's `/_ping` answer (handshake.py), which
        name the engine; without them it is asked its version."""
        self.api = api
        self.address: str | None = None  # set by at(); from_env() leaves it to DOCKER_HOST
        self._ping = dict(ping or {})
        self._default_ulimits: list[Ulimit] | None = None

    @classmethod
    def from_env(cls) -> Engine:
        """The engine that DOCKER_HOST and friends name, as the Docker SDK reads them."""
        with engine_call("connecting"):
            return cls(*connect(lambda version: docker.from_env(version=version).api))

    @classmethod
    def at(cls, base_url: str) -> Engine:
        """The engine at `base_url` (for example unix:///run/other.sock)."""
        with engine_call("connecting"):
            engine = cls(*connect(lambda version: docker.APIClient(base_url, version=version)))
        engine.address = base_url
        return engine

    def close(self) -> None:
        self.api.close()

    @functools.cached_property
    def version(self) -> dict[str, Any]:
        with engine_call("asking the engine its version"):
            return dict(self.api.version())

    @functools.cached_property
    def dialect(self) -> EngineDialect:
        if self._ping:
            return EngineDialect.from_ping(self._ping)
        return EngineDialect.from_version(self.version)

    @property
    def kind(self) -> str:
        """ "podman" or "docker": which engine serves the Docker API here."""
        return self.dialect.kind

    @property
    def follows_exactly(self) -> bool:
        """Whether a followed log stream carries every record."""
        return self.dialect.follows_exactly

    @property
    def backend(self) -> str:
        """The --backend that names this backend."""
        return "docker"

    @property
    def places_tasks(self) -> bool:
        return False

    @property
    def takes_secrets(self) -> bool:
        """A secret is in the container's environment only, which is removed with it."""
        return True

    def info(self) -> dict[str, Any]:
        with engine_call("asking the engine about itself"):
            return dict(self.api.info())

    def cpu_count(self) -> int | None:
        """The engine's CPUs; None where its info does not say."""
        return int(self.info().get("NCPU") or 0) or None

    def network_exists(self, name: str) -> bool:
        if self.dialect.is_built_in_network(name):
            return True
        with engine_call(f"inspecting network {name}"):
            try:
                self.api.inspect_network(name)
            except errors.NotFound:
                return False
        return True

    def has_network(self, name: str | None) -> bool:
        """False on `none`, and on a default network the engine lacks."""
        name = name or self.dialect.default_network
        if name is None:
            return True
        return name != "none" and self.network_exists(name)

    def ping(self) -> None:
        with engine_call("ping"):
            self.api.ping()
