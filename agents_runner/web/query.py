"""The board's question, from a request's query string: which tasks (state, label,
agent, id prefix) and which page (limit, cursor). Bad input names its parameter."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..states import TaskState

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_PREFIX = re.compile(r"[0-9a-f]{1,12}")
_CURSOR = re.compile(r"([uf])\.(\S+)\.([0-9a-f]{12})")
# At most this many digits in a number a client sends: far past any offset, limit or time
# in nanoseconds, and short of what int() refuses.
MAX_DIGITS = 19


def whole_number(text: str) -> int | None:
    """`text` as a whole number, 0 or more (ASCII digits, at most MAX_DIGITS); else None."""
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS):
        return None
    return int(text)


_STATES = {state.value: state for state in TaskState}


class BadParameter(ValueError):
    """A query parameter that cannot be read; `name` is the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: its last task, unfinished ("u", keyed by its creation time) or
    finished ("f", keyed by the time its payload was last written, in nanoseconds)."""

    kind: str
    key: str
    task_id: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.key}.{self.task_id}"


@dataclass(frozen=True)
class TaskQuery:
    """Which tasks a request asks for, and which page of them."""

    states: frozenset[TaskState] = frozenset()  # empty: every state
    labels: tuple[tuple[str, str | None], ...] = ()  # (key, value or None for any value)
    agent: str | None = None
    prefix: str = ""
    limit: int = DEFAULT_LIMIT
    cursor: Cursor | None = None  # None: the first page

    def wants_finished(self) -> bool:
        return not self.states or any(state.is_terminal for state in self.states)

    def wants_unfinished(self) -> bool:
        in_range = self.cursor is None or self.cursor.kind == "u"
        return in_range and (not self.states or any(not s.is_terminal for s in self.states))


def parse_query(params: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> TaskQuery:
    """The query of `GET /api/tasks`: `state` and `label` repeatable (or comma-separated
    states), `agent`, `q` (an id prefix), `limit` (1 to 500), `cursor` (from `next`)."""
    states: set[TaskState] = set()
    for given in lists.get("state", ()):
        for name in filter(None, given.split(",")):
            if name not in _STATES:
                raise BadParameter("state", f"{name!r} is not a state ({', '.join(_STATES)})")
            states.add(_STATES[name])
    labels = []
    for given in lists.get("label", ()):
        key, sep, value = given.partition("=")
        if not key:
            raise BadParameter("label", f"{given!r} is not K=V or K")
        labels.append((key, value if sep else None))
    prefix = params.get("q", "").strip().lower()
    if prefix and not _PREFIX.fullmatch(prefix):
        raise BadParameter("q", f"{prefix!r} is not the start of a task id (hex digits)")
    text = params.get("limit", str(DEFAULT_LIMIT))
    limit = whole_number(text)
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        raise BadParameter("limit", f"{text[:40]!r} is not a number from 1 to {MAX_LIMIT}")
    cursor = None
    if params.get("cursor"):
        found = _CURSOR.fullmatch(params["cursor"])
        if not found or (found[1] == "f" and whole_number(found[2]) is None):
            raise BadParameter("cursor", "not a cursor this server gave (use `next`)")
        cursor = Cursor(found[1], found[2], found[3])
    return TaskQuery(
        states=frozenset(states),
        labels=tuple(labels),
        agent=params.get("agent") or None,
        prefix=prefix,
        limit=limit,
        cursor=cursor,
    )
