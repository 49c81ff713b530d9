"""Task: one task's persisted story, and its JSON payload (docs/CONTRACT.md section 4).

The read verbs (list, show, logs) build a Task for each payload they print and must
start in tens of milliseconds, so this module imports neither the dataclasses module
(it imports inspect, ast, dis: more than a bare interpreter's start) nor the spec's
module: a Task read from a payload rebuilds its TaskSpec only when asked for it.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple
from datetime import UTC, datetime

from .states import TaskState, check_transition

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from .spec import TaskSpec

SCHEMA_VERSION = 1
# The fields of a spec's payload as TaskSpec.to_payload() writes them (a unit test keeps
# the two equal): a stored spec with exactly these is printed as stored.
SPEC_PAYLOAD_FIELDS = frozenset(
    {
        "image", "agent", "prompt", "command", "agent_args", "env", "secret_names",
        "workspace", "timeout", "stop_grace", "pull", "network", "labels",
        "keep_container", "agent_path", "memory", "cpus", "argv", "user", "cap_add",
        "pids_limit", "nofile", "tmp_size", "read_only", "host_login", "priority", "pool",
        "constraints",
    }
)  # fmt: skip
# Of those, the lists of strings and the mappings of strings to strings (a unit test keeps
# them those TaskSpec.to_payload() writes): any other shape makes a payload unreadable.
SPEC_LIST_FIELDS = frozenset(
    {"command", "agent_args", "secret_names", "cap_add", "constraints", "argv"}
)
SPEC_MAP_FIELDS = frozenset({"env", "labels"})
# The shapes of the rest that a reader relies on: text or null, a number or null.
SPEC_TEXT_FIELDS = frozenset(
    {"agent", "prompt", "agent_path", "workspace", "pull", "network", "user", "pool"}
)
SPEC_NUMBER_FIELDS = frozenset(
    {"timeout", "stop_grace", "cpus", "pids_limit", "nofile", "priority"}
)
TASK_ID_PATTERN = re.compile(r"\A[0-9a-f]{12}\Z")  # \Z: "$" would accept a final newline


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def utc_at(seconds: float) -> str:
    """A time given in seconds since the epoch, as the payload writes times."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def new_task_id() -> str:
    return os.urandom(6).hex()  # what secrets.token_hex does, without importing hashlib


class PayloadError(ValueError):
    """A stored payload cannot be read as a task; the message says why."""


class NewerPayload(PayloadError):
    """A payload written by a newer version of agents-runner: not damaged, not ours to
    read."""


class HistoryEntry(namedtuple("HistoryEntry", ["state", "at"])):
    """A state the task reached (`state`, a TaskState) and when (`at`, ISO-8601 UTC)."""

    __slots__ = ()


_TASK_FIELDS = (
    "id", "spec", "state", "created_at", "updated_at", "history", "container_id",
    "exit_code", "error", "stop_requested_at", "stop_grace", "stop_reason",
    "kill_requested_at", "pull_progress", "owner", "backend", "placement",
    "stop_signalled_at",
)  # fmt: skip


class Task:
    """A task as stored: its spec, the states it went through and what became of it.
    Compared, printed and mutable as a dataclass of `_TASK_FIELDS` would be."""

    def __init__(
        self,
        id: str,
        spec: TaskSpec,
        state: TaskState,
        created_at: str,
        updated_at: str,
        history: list[HistoryEntry] | None = None,
        container_id: str | None = None,
        exit_code: int | None = None,
        error: str | None = None,
        stop_requested_at: str | None = None,
        stop_grace: float | None = None,
        stop_reason: str | None = None,  # "cancel" or "timeout"
        kill_requested_at: str | None = None,
        pull_progress: dict[str, Any] | None = None,
        owner: dict[str, Any] | None = None,  # the process driving it: pid, host, start time
        backend: str | None = None,  # where it runs, when not on one engine: "swarm"
        placement: str | None = None,  # while a cluster has it queued: the cluster's words
        stop_signalled_at: str | None = None,  # when its owner sent the stop signal
    ) -> None:
        self.id = id
        self.spec = spec
        self.state = state
        self.created_at = created_at
        self.updated_at = updated_at
        self.history = [] if history is None else history
        self.container_id = container_id
        self.exit_code = exit_code
        self.error = error
        self.stop_requested_at = stop_requested_at
        self.stop_grace = stop_grace
        self.stop_reason = stop_reason
        self.kill_requested_at = kill_requested_at
        self.pull_progress = pull_progress
        self.owner = owner
        self.backend = backend
        self.placement = placement
        self.stop_signalled_at = stop_signalled_at

    @property
    def spec(self) -> TaskSpec:
        if self._spec is None:
            from .spec import TaskSpec

            self._spec = TaskSpec.from_payload(self._stored_spec)
        return self._spec

    @spec.setter
    def spec(self, spec: TaskSpec) -> None:
        self._spec: TaskSpec | None = spec
        self._stored_spec: dict[str, Any] = {}

    def spec_payload(self) -> dict[str, Any]:
        """The spec as to_payload() writes it; read from the stored payload as it is when
        that holds every field, without building a TaskSpec."""
        if self._spec is None and self._stored_spec.keys() == SPEC_PAYLOAD_FIELDS:
            return {name: _copied(value) for name, value in self._stored_spec.items()}
        return self.spec.to_payload()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _TASK_FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _TASK_FIELDS)
        return f"{self.__class__.__qualname__}({fields})"

    @classmethod
    def new(cls, spec: TaskSpec, backend: str | None = None) -> Task:
        now = utc_now()
        return cls(
            id=new_task_id(),
            spec=spec,
            state=TaskState.QUEUED,
            created_at=now,
            updated_at=now,
            history=[HistoryEntry(TaskState.QUEUED, now)],
            backend=backend,
        )

    @property
    def is_terminal(self) -> bool:
        return self.state.is_terminal

    @property
    def container_name(self) -> str:
        return f"agents-runner-{self.id}"

    def move_to(self, target: TaskState, at: str | None = None) -> None:
        """Change state in memory, checking the contract; the store persists it. `at`:
        when it happened, if not now (a start found later, as the engine dates it)."""
        check_transition(self.id, self.state, target)
        self.state = target
        self.history.append(HistoryEntry(target, at or utc_now()))

    def reached(self, state: TaskState) -> str | None:
        """When the task reached `state`, or None if it never did."""
        return next((entry.at for entry in self.history if entry.state is state), None)

    def to_payload(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "id": self.id,
            "state": self.state.value,
            "spec": self.spec_payload(),
            "container_id": self.container_id,
            "exit_code": self.exit_code,
            "error": self.error,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "history": [{"state": e.state.value, "at": e.at} for e in self.history],
            "stop_requested_at": self.stop_requested_at,
            "stop_grace": self.stop_grace,
            "stop_reason": self.stop_reason,
            "kill_requested_at": self.kill_requested_at,
            "pull_progress": self.pull_progress,
            "owner": self.owner,
            # Only where the task does not run on one engine: other payloads stay as they were.
            **({"backend": self.backend} if self.backend else {}),
            **({"placement": self.placement} if self.placement else {}),
            **({"stop_signalled_at": self.stop_signalled_at} if self.stop_signalled_at else {}),
        }

    @classmethod
    def from_payload(cls, data: Any) -> Task:
        if not isinstance(data, dict):
            raise PayloadError(f"payload is a JSON {type(data).__name__}, not an object")
        schema = data.get("schema")
        if isinstance(schema, int) and not isinstance(schema, bool) and schema > SCHEMA_VERSION:
            raise NewerPayload(
                f"it has schema {schema}, written by a newer agents-runner "
                f"(this version reads {SCHEMA_VERSION}); upgrade to read it"
            )
        if schema != SCHEMA_VERSION:
            raise PayloadError(
                f"unsupported schema {data.get('schema')!r} (this version reads {SCHEMA_VERSION})"
            )
        missing = [
            k
            for k in ("id", "state", "spec", "created_at", "updated_at", "history")
            if k not in data
        ]
        if missing:
            raise PayloadError(f"missing field(s): {', '.join(missing)}")
        try:
            if not isinstance(data["id"], str) or not TASK_ID_PATTERN.match(data["id"]):
                raise PayloadError(f"id {data['id']!r} is not a task id")
            stored_spec = _checked_spec(data["spec"])
            history = [
                HistoryEntry(TaskState(entry["state"]), _text(entry["at"], "history.at"))
                for entry in data["history"]
            ]
            _check_shapes(data, {"error", "stop_reason", "container_id"}, {"stop_grace"}, "")
            signalled = data.get("stop_signalled_at")
            exit_code = data.get("exit_code")
            if exit_code is not None and (
                isinstance(exit_code, bool) or not isinstance(exit_code, int)
            ):
                raise PayloadError(f"exit_code {exit_code!r} is not an integer")
            task = cls(
                id=data["id"],
                spec=None,  # type: ignore[arg-type]  # the stored one, just below
                state=TaskState(data["state"]),
                created_at=_text(data["created_at"], "created_at"),
                updated_at=_text(data["updated_at"], "updated_at"),
                history=history,
                container_id=data.get("container_id"),
                exit_code=exit_code,
                error=data.get("error"),
                stop_requested_at=data.get("stop_requested_at"),
                stop_grace=data.get("stop_grace"),
                stop_reason=data.get("stop_reason"),
                kill_requested_at=data.get("kill_requested_at"),
                pull_progress=data.get("pull_progress"),
                owner=data.get("owner"),
                backend=data.get("backend"),
                placement=data.get("placement"),
                stop_signalled_at=None
                if signalled is None
                else _text(signalled, "stop_signalled_at"),
            )
            task._stored_spec = stored_spec
            return task
        except PayloadError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise PayloadError(f"malformed payload: {exc}") from exc


def _checked_spec(spec: Any) -> dict[str, Any]:
    """What TaskSpec.from_payload would refuse, refused on reading (so the payload is
    quarantined then), though the TaskSpec is built only when asked for."""
    if not isinstance(spec, dict):
        raise PayloadError("spec is not an object")
    if not isinstance(spec.get("image"), str):
        raise PayloadError("malformed payload: spec.image is missing or not a string")
    _check_shapes(spec, SPEC_TEXT_FIELDS, SPEC_NUMBER_FIELDS, "spec.")
    for name in SPEC_LIST_FIELDS:
        value = spec.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            raise PayloadError(f"malformed payload: spec.{name} is not a list of strings")
    for name in SPEC_MAP_FIELDS:
        value = spec.get(name)
        if value is not None and not (
            isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        ):
            raise PayloadError(f"malformed payload: spec.{name} is not a mapping of strings")
    return spec


def _copied(value: Any) -> Any:
    """A fresh container, as TaskSpec.to_payload() gives one."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _check_shapes(data: dict, texts: Iterable[str], numbers: Iterable[str], where: str) -> None:
    """Each of `texts` is text or null, each of `numbers` a number or null."""
    for name in texts:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise PayloadError(f"malformed payload: {where}{name} {data[name]!r} is not text")
    for name in numbers:
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise PayloadError(f"malformed payload: {where}{name} {value!r} is not a number")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise PayloadError(f"{name} {value!r} is not a time string")
    if parse_time(value).tzinfo is None:
        raise PayloadError(f"{name} {value!r} has no time zone")
    return value
