"""The engine's container events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

import docker

from .calls import engine_call
from .containers import has_labels, label_filter
from .dialect import EngineDialect
from .transport import get_streaming, json_chunks


class EventCalls:
    """The engine's event stream (a part of Engine)."""

    api: docker.APIClient
    dialect: EngineDialect

    def events(
        self,
        *,
        labels: Mapping[str, str | None],
        since: float | None = None,
        until: float | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Container events for containers carrying every label given; blocks for new ones
        unless `until` is given. The labels are checked here too: Podman ORs several."""
        filters = {"type": ["container"], "label": label_filter(labels)[:1]}
        with engine_call("reading events"):
            if until is not None and self.dialect.past_events_need_no_stream:
                params = {"filters": json.dumps(filters), "stream": "false"}
                if since is not None:
                    params["since"] = f"{since:.9f}"
                response = get_streaming(self.api, "/events", params=params)
                raw: Any = list(json_chunks(self.api, response))
            else:
                raw = self.api.events(since=since, until=until, decode=True, filters=filters)
        return (
            event
            for event in raw
            if _carries(event, labels) and (until is None or _event_time(event) <= until)
        )

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


def _carries(event: Mapping[str, Any], labels: Mapping[str, str | None]) -> bool:
    return has_labels((event.get("Actor") or {}).get("Attributes") or {}, labels)


def _event_time(event: Mapping[str, Any]) -> float:
    return event.get("timeNano", 0) / 1e9 or float(event.get("time", 0))
