"""Docker's own account of a container's life, read from the engine's event log."""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from .contract_names import LABEL_TASK_ID
from .suite_docker import SuiteDocker
from .waiting import wait_until

PROBE_PREFIX = "probe-"  # the task-id label of the probe containers (prove_reports)

# Podman's names for what Docker calls otherwise.
_ACTIONS = {"remove": "destroy"}


@dataclass(frozen=True)
class ContainerEvent:
    time: float
    action: str
    container_id: str
    signal: int | None
    exit_code: int | None
    task_id: str | None = None  # the container's agents-runner.task-id label
    name: str | None = None  # the container's name
    image: str | None = None  # the image it was made from, as the create asked for it

    @classmethod
    def from_engine(cls, raw: dict[str, Any]) -> ContainerEvent:
        attributes = raw.get("Actor", {}).get("Attributes", {})
        signal = attributes.get("signal")
        exit_code = attributes.get("exitCode")
        return cls(
            time=raw.get("timeNano", 0) / 1e9,
            action=_ACTIONS.get(action := raw.get("Action") or raw.get("status", ""), action),
            container_id=raw.get("Actor", {}).get("ID") or raw.get("id", ""),
            signal=int(signal) if signal is not None else None,
            exit_code=int(exit_code) if exit_code is not None else None,
            task_id=attributes.get(LABEL_TASK_ID) or None,
            name=attributes.get("name") or None,
            image=attributes.get("image") or None,
        )

    def describe(self) -> str:
        extra = []
        if self.signal is not None:
            extra.append(f"signal {self.signal}")
        if self.exit_code is not None:
            extra.append(f"exit code {self.exit_code}")
        return self.action + (f" ({', '.join(extra)})" if extra else "")


class EventLog:
    """Events since `since` for containers carrying `labels`.

    The engine's live stream is recorded from the start, and each read adds a bounded
    query of the engine's history: the history alone would miss events an engine busy
    with other work has already dropped (Docker keeps the last 256), and the stream
    alone could lag behind an event that has just happened."""

    def __init__(self, engine: SuiteDocker, labels: dict[str, str], since: float) -> None:
        self.engine = engine
        self.labels = labels
        self.since = since
        self._recorded: list[dict[str, Any]] = []
        self._podman = engine.kind == "podman"
        selector = [f"{key}={value}" for key, value in list(labels.items())[:1]]
        self._stream = engine.api.events(
            since=since, filters={"type": ["container"], "label": selector}, decode=True
        )
        self._thread = threading.Thread(target=self._record, daemon=True)
        self._thread.start()

    def _record(self) -> None:
        with contextlib.suppress(Exception):  # the stream ends when close() closes it
            for raw in self._stream:
                self._recorded.append(raw)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stream.close()

    def prove_reports(self, image: str, network: str = "none") -> None:
        """Make and remove a probe container carrying this log's labels and a task id of
        its own (PROBE_PREFIX), and wait until its create event comes back through this
        log: an engine whose events say nothing cannot pass for one that did nothing."""
        probe_label = {LABEL_TASK_ID: f"{PROBE_PREFIX}{secrets.token_hex(4)}"}
        probe = self.engine.create(
            image=image, argv=["true"], labels={**self.labels, **probe_label}, network=network
        )
        self.engine.remove(probe)
        wait_until(
            lambda: self.for_labels(probe_label),
            lambda events: any(e.action == "create" and e.container_id == probe for e in events),
            timeout=10,
            describe="the engine to report the probe container's create event",
        )

    def for_task(self, task_id: str) -> list[ContainerEvent]:
        return self.for_labels({LABEL_TASK_ID: task_id})

    def for_labels(self, extra: dict[str, str] | None = None) -> list[ContainerEvent]:
        events = [ContainerEvent.from_engine(raw) for raw in self.raw(extra)]
        return sorted(events, key=lambda e: e.time)

    def raw_for_task(self, task_id: str) -> list[dict[str, Any]]:
        """The task's events as the engine sent them, every attribute included."""
        return self.raw({LABEL_TASK_ID: task_id})

    def raw(self, extra: dict[str, str] | None = None) -> list[dict[str, Any]]:
        wanted = {**self.labels, **(extra or {})}
        queried = _history(
            self.engine.api, wanted, self.since, time.time(), whole_seconds=self._podman
        )
        unique: dict[tuple[Any, ...], dict[str, Any]] = {}
        for raw in [*list(self._recorded), *queried]:
            attributes = (raw.get("Actor") or {}).get("Attributes") or {}
            if all(attributes.get(key) == value for key, value in wanted.items()):
                unique.setdefault(_identity(raw), raw)
        return list(unique.values())


def _history(
    api: Any, labels: dict[str, str], since: float, until: float, *, whole_seconds: bool
) -> list[dict[str, Any]]:
    """The engine's past events for containers with the first of `labels`, asked of its
    HTTP API through docker-py's session, not through the product's engine module (a
    check of the runner must not go through the runner's reading of the engine).
    stream=false: Podman answers nothing for an `until` in the past without it; Docker
    ignores it. `until` in `whole_seconds` on Podman, the later events left out here: it
    answers nothing for a fractional one (and Docker would hold the answer until a
    later whole second). Several label filters are not sent: Podman ORs them."""
    key, value = next(iter(labels.items()))
    filters = {"type": ["container"], "label": [f"{key}={value}"]}
    params = {
        "filters": json.dumps(filters),
        "since": f"{since:.9f}",
        "until": str(int(until) + 1) if whole_seconds else f"{until:.9f}",
        "stream": "false",
    }
    response = api.get(f"{api.base_url}/v{api.api_version}/events", params=params, timeout=60)
    response.raise_for_status()
    return [e for e in _json_values(response.text) if e.get("timeNano", 0) / 1e9 <= until]


def _json_values(text: str) -> list[dict[str, Any]]:
    """The JSON objects of a body that holds them one after another (a JSON stream)."""
    decoder = json.JSONDecoder()
    values, position = [], 0
    while (position := _skip_space(text, position)) < len(text):
        value, position = decoder.raw_decode(text, position)
        values.append(value)
    return values


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _identity(raw: dict[str, Any]) -> tuple[Any, ...]:
    """What tells one event from another, whichever way it was read."""
    actor = raw.get("Actor") or {}
    return (raw.get("timeNano") or raw.get("time"), actor.get("ID"), raw.get("Action"))


def signals(events: list[ContainerEvent]) -> list[int | None]:
    """The signal of each `kill` event; None where the engine does not name it (Podman)."""
    return [e.signal for e in events if e.action == "kill"]


def exit_codes(events: list[ContainerEvent]) -> list[int]:
    return [e.exit_code for e in events if e.action == "die" and e.exit_code is not None]


def most_running_at_once(events: list[ContainerEvent]) -> int:
    """The largest number of containers between their `start` and `die` at one time."""
    return most_at_once(events, "start", "die")


def most_existing_at_once(events: list[ContainerEvent]) -> int:
    """The largest number of containers between their `create` and `destroy` at one
    time: what the contract's limit counts (a task holds its slot for as long as it
    holds a container)."""
    return most_at_once(events, "create", "destroy")


def most_at_once(events: list[ContainerEvent], begin: str, end: str) -> int:
    held: set[str] = set()
    most = 0
    for event in sorted(events, key=lambda e: e.time):
        if event.action == begin:
            held.add(event.container_id)
            most = max(most, len(held))
        elif event.action == end:
            held.discard(event.container_id)
    return most


def start_times(events: list[ContainerEvent]) -> dict[str, float]:
    """When each container started, by container id."""
    return {e.container_id: e.time for e in events if e.action == "start"}
