"""Checks for what the mutation sample drawn on 2026-12-04 (seed 20261206) found no scenario
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

import os
from pathlib import Path

from agents_runner.engine.containers import has_labels
from agents_runner.engine.events import _event_time
from agents_runner.queue_changes import FolderChanges
from agents_runner.taskqueue import TaskQueue


def test_an_event_time_is_its_nanoseconds_read_as_seconds() -> None:
    assert abs(_event_time({"timeNano": 1_800_000_000_250_000_000}) - 1_800_000_000.25) < 1e-3
    assert _event_time({"time": 1_800_000_000}) == 1_800_000_000.0


def test_a_label_matches_only_its_own_value() -> None:
    assert has_labels({"k": "b", "other": "x"}, {"k": "b", "other": None})
    assert not has_labels({"k": "a"}, {"k": "b"})
    assert not has_labels({"k": "c"}, {"k": "b"})
    assert not has_labels({}, {"k": None})


def test_a_folder_that_cannot_be_watched_leaves_the_slow_poll(tmp_path: Path) -> None:
    changes = FolderChanges([tmp_path, tmp_path / "not-there"])
    try:
        assert not changes.watching
    finally:
        changes.close()


def test_the_third_in_line_has_two_ahead_of_it(tmp_path: Path) -> None:
    queue = TaskQueue(tmp_path)
    queue.ensure()
    (tmp_path / "active").mkdir()
    holders = ["h" * 12 + f"{n}" for n in range(4)]
    for task_id in holders:
        (queue.running_dir / (task_id + "~")).touch()
        (tmp_path / "active" / task_id).touch()
    waiting = ["a" * 12, "b" * 12, "c" * 12, "d" * 12]
    for task_id in waiting:
        (tmp_path / "active" / task_id).touch()
        queue.enter(task_id, owner_pid=os.getpid())
    queue_settings = queue.settings()
    queue.write_settings(type(queue_settings)(max_running=10))
    assert queue.why_waiting(waiting[2]) == "waiting for its turn: 2 ahead of it"
    assert queue.why_waiting(waiting[3]) == "waiting for its turn: 3 ahead of it"
