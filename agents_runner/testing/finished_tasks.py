"""A state dir with many finished tasks, written as the store writes a task that ended
(its payload's JSON, no marker in active/), without the fsyncs: for the board's paging
tests and benchmark, where thousands of tasks must be made in seconds."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..spec import TaskSpec
from ..states import TaskState
from ..store import TaskStore
from ..task import HistoryEntry, Task, new_task_id

_ENDS = (TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED)


def make_finished(store: TaskStore, count: int, image: str = "busybox:1.36") -> list[Task]:
    """`count` finished tasks, oldest first, one second apart, each payload's mtime its
    end; labelled n=<index>, by turns the `echo` agent's or a command's."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = []
    for index in range(count):
        created = start + timedelta(seconds=index)
        at = [(created + timedelta(milliseconds=ms)).isoformat() for ms in (0, 100, 200, 900)]
        end = _ENDS[index % len(_ENDS)]
        if index % 2:
            spec = TaskSpec(image=image, command=["true"], labels={"n": str(index)})
        else:
            spec = TaskSpec(
                image=image, agent="echo", prompt=f"task {index}", labels={"n": str(index)}
            )
        task = Task(
            id=new_task_id(),
            spec=spec,
            state=end,
            created_at=at[0],
            updated_at=at[3],
            history=[
                HistoryEntry(TaskState.QUEUED, at[0]),
                HistoryEntry(TaskState.STARTING, at[1]),
                HistoryEntry(TaskState.RUNNING, at[2]),
                HistoryEntry(end, at[3]),
            ],
            exit_code=0 if end is TaskState.COMPLETED else 1,
        )
        path = store.payload_path(task.id)
        path.write_bytes(json.dumps(task.to_payload(), indent=2, sort_keys=True).encode() + b"\n")
        ended = (created + timedelta(milliseconds=900)).timestamp()
        os.utime(path, (ended, ended))
        made.append(task)
    return made


def state_dir_with_finished(root: Path, count: int) -> TaskStore:
    store = TaskStore(root)
    make_finished(store, count)
    return store
