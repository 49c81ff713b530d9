"""What the engine's event stream says of a container: an out-of-memory kill."""

from __future__ import annotations

import time

import docker

from .calls import engine_call
from .dialect import EngineDialect


class EventCalls:
    """The engine's event stream, asked about an out-of-memory kill (a part of Engine)."""

    api: docker.APIClient
    dialect: EngineDialect

    def oom_reported(self, container_id: str, *, since: float, wait: float) -> bool:
        """Whether the engine reported an out-of-memory kill in the container since
        `since`, waiting up to `wait` seconds for a notice still on its way. A SIGKILL
        someone sent it (a `kill` event) answers False at once."""
        filters = {"type": ["container"], "container": [container_id], "event": ["oom", "kill"]}
        with engine_call("reading events"):
            stream = self.api.events(
                since=since, until=time.time() + wait, decode=True, filters=filters
            )
            try:
                for event in stream:
                    if event.get("Action") == "oom":
                        return True
                    if (event.get("Actor") or {}).get("Attributes", {}).get("signal") in _SIGKILL:
                        return False
                return False
            finally:
                stream.close()


_SIGKILL = ("9", "SIGKILL", "KILL")
