"""Who drives a task: the tasks this process drives, whether a task's owner is gone,
and claiming a task for a new owner."""

from __future__ import annotations

import threading

from ..processes import ProcessIdentity
from ..store import TaskStore
from ..task import Task

# Tasks that some runner of this process has queued or drives. A task whose recorded
# owner is this process but which is not in here was left behind (a runner closed
# without waiting): it is as abandoned as one whose owner process died.
_driven_here: set[str] = set()
_driven_lock = threading.Lock()


def mark_driven(task_id: str) -> None:
    with _driven_lock:
        _driven_here.add(task_id)


def claim_driving(task_id: str) -> bool:
    """Mark the task as driven here unless some thread of this process already does."""
    with _driven_lock:
        if task_id in _driven_here:
            return False
        _driven_here.add(task_id)
        return True


def unmark_driven(*task_ids: str) -> None:
    with _driven_lock:
        _driven_here.difference_update(task_ids)


def owner_gone(task: Task, me: ProcessIdentity) -> bool:
    """Whether nobody drives the task: no owner, a dead one, or this process without a
    runner that drives it."""
    owner = ProcessIdentity.from_payload(task.owner)
    if owner is None:
        return True
    if owner == me:
        with _driven_lock:
            return task.id not in _driven_here
    return not owner.is_alive()


def claim(store: TaskStore, task: Task, new_owner: ProcessIdentity, *, force: bool) -> bool:
    """Make `new_owner` the task's owner, unless another process claimed it since `task`
    was read (or `force`). Two recovers never both take it."""
    wanted = new_owner.to_payload()

    def change(stored: Task) -> bool:
        if stored.owner == wanted:
            return False
        if stored.is_terminal or (not force and stored.owner != task.owner):
            return False
        stored.owner = wanted
        return True

    return store.update(task.id, change).owner == wanted
