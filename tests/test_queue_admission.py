"""The queue's line and its admission passes (agents_runner/taskqueue.py), on real files in
a temporary state dir: submission order, pools, who reads the line how far, dead
waiters, and the files' modes. Written after a sweep of taskqueue.py's mutants against
the unit tests alone (seed 20261216) left these behaviours untested below the scenarios."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from agents_runner.proc import start_ticks
from agents_runner.queue_settings import QueueSettings
from agents_runner.taskqueue import TaskQueue, Ticket

# Ids that sort against the order they are submitted in, so that only the submission
# number can keep them in line.
LATE, EARLY, MIDDLE = "cccccccccccc", "aaaaaaaaaaaa", "bbbbbbbbbbbb"


def _queue(root: Path, *task_ids: str, max_running: int = 4, pools=None) -> TaskQueue:
    (root / "active").mkdir()
    for task_id in task_ids:
        (root / "active" / task_id).touch()
    queue = TaskQueue(root)
    queue.write_settings(QueueSettings(max_running=max_running, pools=dict(pools or {})))
    return queue


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _places(queue: TaskQueue) -> dict[str, int]:
    return {task_id: place for task_id, (place, _) in queue.places().items()}


def test_each_submission_gets_the_next_number_and_the_line_keeps_their_order(
    tmp_path: Path,
) -> None:
    queue = _queue(tmp_path, LATE, EARLY, MIDDLE)
    for task_id in (LATE, EARLY, MIDDLE):
        queue.enter(task_id, owner_pid=os.getpid())

    seqs = {Ticket(name).task_id: Ticket(name).seq for name in os.listdir(queue.waiting_dir)}
    assert seqs == {LATE: 1, EARLY: 2, MIDDLE: 3}
    assert (queue.folder / "seq").read_text() == "3\n"
    assert _places(queue) == {LATE: 1, EARLY: 2, MIDDLE: 3}


def test_an_emptied_submission_number_starts_again_at_one_in_an_empty_line(
    tmp_path: Path,
) -> None:
    queue = _queue(tmp_path, LATE)
    queue.ensure()
    (queue.folder / "seq").write_text("")
    queue.enter(LATE, owner_pid=os.getpid())

    assert [Ticket(name).seq for name in os.listdir(queue.waiting_dir)] == [1]


def test_the_queue_files_it_creates_are_for_their_owner_alone(tmp_path: Path) -> None:
    queue = _queue(tmp_path, LATE)
    queue.enter(LATE, owner_pid=os.getpid())

    for name in ("seq", "lock"):
        assert stat.S_IMODE((queue.folder / name).stat().st_mode) == 0o600, name
    (ticket,) = os.listdir(queue.waiting_dir)
    assert stat.S_IMODE((queue.waiting_dir / ticket).stat().st_mode) == 0o600


def test_a_pass_clears_the_ticket_of_a_task_that_ended_while_it_waited(tmp_path: Path) -> None:
    queue = _queue(tmp_path, LATE, EARLY)
    queue.enter(LATE, owner_pid=os.getpid())
    queue.enter(EARLY, owner_pid=os.getpid())
    (tmp_path / "active" / LATE).unlink()

    found = queue.admit({EARLY})

    assert found.admitted == [EARLY]
    assert os.listdir(queue.waiting_dir) == []


def test_leaving_frees_only_the_leaving_tasks_slot(tmp_path: Path) -> None:
    queue = _queue(tmp_path, EARLY, MIDDLE, LATE)
    for task_id in (EARLY, MIDDLE, LATE):
        queue.enter(task_id, owner_pid=os.getpid())
    assert queue.admit({EARLY, MIDDLE, LATE}).admitted == [EARLY, MIDDLE, LATE]

    queue.leave(EARLY)

    assert sorted(queue.holder_ids()) == [MIDDLE, LATE]
    assert sorted(os.listdir(queue.running_dir)) == [f"{MIDDLE}~", f"{LATE}~"]


def test_a_ticket_whose_pid_now_belongs_to_a_later_process_has_a_dead_owner() -> None:
    now = start_ticks(os.getpid())
    assert now is not None
    name = Ticket.name_for(LATE, 1, 0, None, os.getpid(), now - 1)

    assert Ticket(name).owner_alive() is False
    assert Ticket(Ticket.name_for(LATE, 1, 0, None, os.getpid(), now)).owner_alive() is True


def test_a_full_pool_holds_its_tasks_back_and_not_the_others(tmp_path: Path) -> None:
    running = ("gggggggggggg", "hhhhhhhhhhhh")
    queue = _queue(tmp_path, *running, LATE, EARLY, max_running=4, pools={"gpu": 2})
    for task_id in running:
        queue.enter(task_id, pool="gpu", owner_pid=os.getpid())
    assert queue.admit(set(running)).admitted == list(running)
    queue.enter(LATE, pool="gpu", owner_pid=os.getpid())
    queue.enter(EARLY, owner_pid=os.getpid())

    assert queue.admit({LATE, EARLY}).admitted == [EARLY]
    assert queue.why_waiting(LATE) == "waiting for a slot in pool gpu: 2 of 2 running"


def test_a_pool_with_a_slot_left_admits_its_next_task(tmp_path: Path) -> None:
    holder = "gggggggggggg"
    queue = _queue(tmp_path, holder, LATE, max_running=4, pools={"gpu": 2})
    queue.enter(holder, pool="gpu", owner_pid=os.getpid())
    assert queue.admit({holder}).admitted == [holder]
    queue.enter(LATE, pool="gpu", owner_pid=os.getpid())

    assert queue.admit({LATE}).admitted == [LATE]


def test_the_process_at_the_head_of_a_full_line_finds_dead_waiters_behind_others(
    tmp_path: Path,
) -> None:
    holder, head, other, dead = "hhhhhhhhhhhh", EARLY, MIDDLE, LATE
    queue = _queue(tmp_path, holder, head, other, dead, max_running=1)
    queue.enter(holder, owner_pid=os.getpid())
    assert queue.admit({holder}).admitted == [holder]
    queue.enter(head, owner_pid=os.getpid())
    queue.enter(other, owner_pid=os.getpid())
    queue.enter(dead, owner_pid=_dead_pid())

    found = queue.admit({head})

    assert found.admitted == []
    assert found.dead_waiters == [dead]


def test_a_pass_that_stops_where_no_slot_is_left_leaves_dead_waiters_to_a_whole_pass(
    tmp_path: Path,
) -> None:
    holder, head, dead = "hhhhhhhhhhhh", EARLY, LATE
    queue = _queue(tmp_path, holder, head, dead, max_running=1)
    queue.enter(holder, owner_pid=os.getpid())
    assert queue.admit({holder}).admitted == [holder]
    queue.enter(head, owner_pid=os.getpid())
    queue.enter(dead, owner_pid=_dead_pid())

    assert queue.admit({head}, whole_line=False).dead_waiters == []
    assert queue.admit({head}).dead_waiters == [dead]


def test_a_task_past_the_queue_waits_for_the_cluster_in_its_words(tmp_path: Path) -> None:
    queue = _queue(tmp_path, LATE)

    assert queue.why_waiting(LATE, "no suitable node") == (
        "waiting for the cluster to place it: no suitable node"
    )
    assert queue.why_waiting(LATE) is None
