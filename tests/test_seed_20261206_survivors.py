"""Checks for what the mutation sample drawn on 2026-12-04 (seed 20261206) found no scenario
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

import os
from pathlib import Path

import pytest

from agents_runner.engine.containers import has_labels
from agents_runner.engine.records import _under
from agents_runner.logstream import LogCursor, after_cursor
from agents_runner.processes import ProcessIdentity
from agents_runner.queue_changes import FolderChanges
from agents_runner.queue_settings import QueueSettings
from agents_runner.runner.task_runner import TaskRunner
from agents_runner.spec_checks import check_seconds
from agents_runner.supervise.endings import ENGINE_SHUTDOWN_WINDOW, exited_during_outage
from agents_runner.taskqueue import TaskQueue
from agents_runner.terminal import describe_pull


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
    queue.write_settings(QueueSettings(max_running=10))
    assert queue.why_waiting(waiting[2]) == "waiting for its turn: 2 ahead of it"
    assert queue.why_waiting(waiting[3]) == "waiting for its turn: 3 ahead of it"


def test_a_pull_line_gives_its_megabytes_of_the_whole() -> None:
    progress = {"phase": "downloading", "percent": 50, "bytes_current": 2_500_000}
    progress |= {"bytes_total": 5_000_000, "layers_total": 1, "layers_done": 0}
    assert "2.5/5.0 MB" in describe_pull("img", progress, bar=False)


def test_an_exit_within_a_second_after_an_outage_counts_as_during_it() -> None:
    outage = [(1_000.5, 1_010.5)]
    assert exited_during_outage(1_011.0, outage)
    assert not exited_during_outage(1_012.0, outage)
    assert exited_during_outage(1_000.5 - ENGINE_SHUTDOWN_WINDOW, outage)


def test_a_deadline_past_a_century_is_refused_in_days() -> None:
    with pytest.raises(ValueError, match=r"timeout: at most 36500 days"):
        check_seconds("timeout", 4e9, positive=True)


def test_a_pool_of_two_admits_two_of_its_three_waiters(tmp_path: Path) -> None:
    queue = TaskQueue(tmp_path)
    queue.ensure()
    (tmp_path / "active").mkdir()
    queue.write_settings(QueueSettings(max_running=10, pools={"gpu": 2}))
    waiting = ["a" * 12, "b" * 12, "c" * 12]
    for task_id in waiting:
        (tmp_path / "active" / task_id).touch()
        queue.enter(task_id, pool="gpu", owner_pid=os.getpid())
    assert queue.admit(set(waiting)).admitted == waiting[:2]


def test_a_process_payload_without_its_host_is_no_identity() -> None:
    assert ProcessIdentity.from_payload({"pid": 1, "started": 5}) is None


def test_what_follows_a_cursor_starts_after_the_last_earlier_frame() -> None:
    stamps = [f"2026-12-04T10:00:0{n}.000000000Z".encode() for n in range(5)]
    frames = [(stamp, f"line {n}\n".encode()) for n, stamp in enumerate(stamps)]
    cursor = LogCursor(timestamp=stamps[2], count=1)
    assert after_cursor(frames, cursor) == frames[3:]


def test_a_folder_holds_only_the_paths_beneath_it() -> None:
    assert _under("/tmp", "/tmp") and _under("/tmp/x", "/tmp")
    assert not _under("/tmpx", "/tmp") and not _under("/z", "/tmp")


def test_a_negative_grace_is_refused_before_anything_is_asked() -> None:
    runner = TaskRunner.__new__(TaskRunner)  # the argument is checked before any state is used
    with pytest.raises(ValueError, match="grace: must not be negative"):
        runner.request_stop("0123456789ab", grace=-0.5)
