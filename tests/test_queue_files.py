"""The state dir's queue on disk (agents_runner/taskqueue.py) where processes race or a
crash leaves a file half written: real files in a temporary state dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents_runner import taskqueue
from agents_runner.taskqueue import TaskQueue

FIRST, SECOND, THIRD = "aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"


def _queue(root: Path, *task_ids: str) -> TaskQueue:
    (root / "active").mkdir()
    for task_id in task_ids:
        (root / "active" / task_id).touch()
    queue = TaskQueue(root)
    queue.ensure()
    return queue


def test_a_ticket_taken_back_during_a_pass_does_not_lose_the_others_admission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancel takes its task's ticket back without the queue's lock: a pass that had
    already read that ticket still admits the tasks around it."""
    queue = _queue(tmp_path, FIRST, SECOND, THIRD)
    for task_id in (FIRST, SECOND, THIRD):
        queue.enter(task_id, owner_pid=os.getpid())
    owner_alive = taskqueue.Ticket.owner_alive

    def cancelled_meanwhile(ticket: taskqueue.Ticket) -> bool:
        if ticket.task_id == SECOND:
            queue.leave(SECOND)  # another thread's cancel, between the read and the move
        return owner_alive(ticket)

    monkeypatch.setattr(taskqueue.Ticket, "owner_alive", cancelled_meanwhile)
    found = queue.admit({FIRST, SECOND, THIRD})

    assert found.admitted == [FIRST, THIRD]
    assert sorted(queue.holder_ids()) == [FIRST, THIRD]
    assert os.listdir(queue.waiting_dir) == []


def test_a_submission_number_lost_in_a_crash_still_puts_a_new_task_last(
    tmp_path: Path,
) -> None:
    """The last number handed out, emptied by a crash mid-write, does not start the line
    again: a new task goes behind those already waiting."""
    queue = _queue(tmp_path, FIRST, SECOND, THIRD)
    queue.enter(FIRST, owner_pid=os.getpid())
    queue.enter(SECOND, owner_pid=os.getpid())
    (queue.folder / "seq").write_text("")
    queue.enter(THIRD, owner_pid=os.getpid())

    assert {task_id: place for task_id, (place, _) in queue.places().items()} == {
        FIRST: 1,
        SECOND: 2,
        THIRD: 3,
    }


def test_a_task_entered_again_by_a_new_owner_keeps_its_place(tmp_path: Path) -> None:
    """A runner that drives a queued task whose process died becomes its ticket's owner,
    and the task keeps its place in line."""
    queue = _queue(tmp_path, FIRST, SECOND)
    queue.enter(FIRST, owner_pid=os.getpid())
    queue.enter(SECOND, owner_pid=1)  # a process other than this one
    queue.enter(SECOND, owner_pid=os.getpid())

    (ticket,) = [t for t in queue._tickets() if t.task_id == SECOND]
    assert ticket.pid == os.getpid()
    assert queue.places()[SECOND][0] == 2
    assert len(os.listdir(queue.waiting_dir)) == 2
