"""The board's tasks, fast with many: the unfinished ones read through the store's index
(active/), the finished ones ordered by when their payload was last written (a stat of
each, no read; the order kept while tasks/ is unchanged) and read a page at a time. A
finished task's row is kept, by the time of its payload, so counting and filtering read
each finished payload once."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..store import TaskNotFound, TaskStore, UnreadableTask
from ..task import TASK_ID_PATTERN, Task
from ..taskqueue import TaskQueue
from .query import Cursor, TaskQuery

Row = dict[str, Any]


def summary(task: Task) -> Row:
    """A task's row on the board (its spec read as stored, no TaskSpec built)."""
    spec = task.spec_payload()
    return {
        "id": task.id,
        "state": task.state.value,
        "agent": spec.get("agent"),
        "image": spec.get("image"),
        "labels": dict(spec.get("labels") or {}),
        "created_at": task.created_at,
        "exit_code": task.exit_code,
        "error": task.error,
        "place": None,  # in the queue's line, for a task that waits (Catalog.unfinished)
    }


def matches(row: Row, query: TaskQuery) -> bool:
    if query.prefix and not row["id"].startswith(query.prefix):
        return False
    if query.states and row["state"] not in query.states:
        return False
    if query.agent is not None and row["agent"] != query.agent:
        return False
    labels = row["labels"]
    return all(k in labels and (v is None or labels[k] == v) for k, v in query.labels)


@dataclass
class Page:
    """One page of the board's rows, and the cursor of the next."""

    tasks: list[Row]
    next: str | None  # the cursor of the next page, None on the last


class Catalog:
    """The tasks of one state dir as the board pages them (see the module's doc)."""

    def __init__(self, store: TaskStore) -> None:
        self.store = store
        self._finished: dict[str, tuple[int, Row]] = {}  # id: (payload mtime_ns, row)
        self._kept_order: tuple[int, list[tuple[int, str]]] | None = None  # tasks/ time, order
        self._lock = threading.Lock()

    def unfinished(self) -> list[Row]:
        """Every unfinished task, newest first, a waiting one with its place in line."""
        places = TaskQueue(self.store.root).places()
        rows = [summary(task) for task in reversed(self.store.list_unfinished())]
        for row in rows:
            row["place"] = places.get(row["id"], (None, None))[0]
        return rows

    def finished_order(self, skip: set[str]) -> list[tuple[int, str]]:
        """(payload mtime_ns, id) of every stored task not in `skip`, newest first."""
        return [(mtime_ns, task_id) for mtime_ns, task_id in self._order() if task_id not in skip]

    def _order(self) -> list[tuple[int, str]]:
        """Every payload's (mtime_ns, id), newest first. Kept while tasks/ is unchanged:
        every payload written is renamed into it, which changes its time. The time of a
        folder is as coarse as the clock's tick, so a list is kept only when tasks/ had
        not changed for a second when it was made."""
        changed = os.stat(self.store.tasks_dir).st_mtime_ns
        with self._lock:
            kept = self._kept_order
        if kept is not None and kept[0] == changed:
            return kept[1]
        began = time.time_ns()
        found = []
        with os.scandir(self.store.tasks_dir) as entries:
            for entry in entries:
                stem, dot, extension = entry.name.partition(".")
                if not (dot and extension == "json" and TASK_ID_PATTERN.match(stem)):
                    continue
                try:
                    found.append((entry.stat().st_mtime_ns, stem))
                except FileNotFoundError:
                    continue
        found.sort(reverse=True)
        if began - changed > 1_000_000_000:
            with self._lock:
                self._kept_order = (changed, found)
        return found

    def finished_row(self, mtime_ns: int, task_id: str) -> Row | None:
        """The row of a finished task, read once per version of its payload; None if it
        is gone, unreadable or (a race with its last writes) not finished."""
        with self._lock:
            kept = self._finished.get(task_id)
        if kept is not None and kept[0] == mtime_ns:
            return kept[1]
        try:
            task = self.store.load(task_id)
        except (TaskNotFound, UnreadableTask):
            return None
        if not task.is_terminal:
            return None
        row = summary(task)
        with self._lock:
            self._finished[task_id] = (mtime_ns, row)
        return row

    def page(self, query: TaskQuery) -> Page:
        """The tasks `query` asks for, `query.limit` at most: the unfinished first, then
        the finished, each newest first; `next` continues after the last one."""
        rows: list[tuple[Cursor, Row]] = []
        unfinished = self.unfinished()
        if query.wants_unfinished():
            after = query.cursor
            for row in unfinished:
                key = Cursor("u", row["created_at"], row["id"])
                if after is not None and (key.key, key.task_id) >= (after.key, after.task_id):
                    continue
                if matches(row, query):
                    rows.append((key, row))
                    if len(rows) > query.limit:
                        break
        if len(rows) <= query.limit and query.wants_finished():
            after = query.cursor if query.cursor and query.cursor.kind == "f" else None
            skip = {row["id"] for row in unfinished}
            for mtime_ns, task_id in self.finished_order(skip):
                if after is not None and (mtime_ns, task_id) >= (int(after.key), after.task_id):
                    continue
                if query.prefix and not task_id.startswith(query.prefix):
                    continue  # without reading it
                row = self.finished_row(mtime_ns, task_id)
                if row is not None and matches(row, query):
                    rows.append((Cursor("f", str(mtime_ns), task_id), row))
                    if len(rows) > query.limit:
                        break
        more = len(rows) > query.limit
        shown = rows[: query.limit]
        return Page([row for _, row in shown], str(shown[-1][0]) if more else None)

    def counts(self) -> dict[str, int]:
        """The number of tasks in each state, over the whole state dir."""
        unfinished = self.unfinished()
        counted = Counter(row["state"] for row in unfinished)
        for mtime_ns, task_id in self.finished_order({row["id"] for row in unfinished}):
            row = self.finished_row(mtime_ns, task_id)
            if row is not None:
                counted[row["state"]] += 1
        return dict(counted)
