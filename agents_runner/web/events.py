"""`GET /api/events`: server-sent events, one each time the store changes, so the page
redraws when something happened instead of asking twice a second. A change is seen by
the times of the store's folders (tasks/ and active/: every payload written renames a
file into tasks/) and, for one task, its log's size, looked at four times a second."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from ..store import TaskStore

INTERVAL = 0.25  # seconds between looks
HEARTBEAT = 15.0  # seconds between comments that keep a quiet stream open


def _stat(path: Path) -> tuple[int, int]:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return (0, 0)
    return (found.st_mtime_ns, found.st_size)


def signature(store: TaskStore, task_id: str | None) -> tuple[tuple[int, int], ...]:
    looked = [_stat(store.tasks_dir), _stat(store.active_dir)]
    if task_id is not None:
        looked.append(_stat(store.log_path(task_id)))
    return tuple(looked)


async def changes(
    store: TaskStore, task_id: str | None, closing: threading.Event | None = None
) -> AsyncIterator[str]:
    """An event at once, then one after each change; after a change, one more at the
    next look, for a write made in the same clock tick as the look that saw the first
    (a folder's time is that coarse). Ends when `closing` is set: the server stops."""
    last, again, quiet = None, False, 0.0
    while closing is None or not closing.is_set():
        now = signature(store, task_id)
        if now != last or again:
            again = now != last
            last, quiet = now, 0.0
            yield "event: change\ndata: {}\n\n"
        elif quiet >= HEARTBEAT:
            quiet = 0.0
            yield ": still here\n\n"
        await asyncio.sleep(INTERVAL)  # a polling period, not a synchronisation
        quiet += INTERVAL
