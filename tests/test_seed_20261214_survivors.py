"""Checks for what the mutation sample drawn on 2026-12-06 (seed 20261214) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from agents_runner.cli.parser import parse
from agents_runner.engine.swarm_spec import _tmpfs_volume
from agents_runner.logstream import StreamError, split_frames
from agents_runner.queue_changes import FolderChanges
from agents_runner.queue_settings import QueueSettings
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.store import TaskStore
from agents_runner.task import Task
from agents_runner.taskqueue import TaskQueue
from agents_runner.terminal import PullLines, describe_pull, format_table


def test_a_limit_lowered_below_the_running_tasks_says_so_to_the_task_waiting(
    tmp_path: Path,
) -> None:
    queue = TaskQueue(tmp_path)
    queue.ensure()
    (tmp_path / "active").mkdir()
    for task_id in ("h" * 12, "i" * 12, "j" * 12):
        (queue.running_dir / (task_id + "~")).touch()
        (tmp_path / "active" / task_id).touch()
    (tmp_path / "active" / ("w" * 12)).touch()
    queue.enter("w" * 12, owner_pid=os.getpid())
    queue.write_settings(QueueSettings(max_running=2))
    assert queue.why_waiting("w" * 12) == "waiting for a slot: 3 of 2 running"


def test_a_folder_that_exists_is_watched_and_a_file_renamed_into_it_wakes_the_waiter(
    tmp_path: Path,
) -> None:
    changes = FolderChanges([tmp_path])
    try:
        assert changes.watching
        (tmp_path / "new.tmp").write_text("settings")
        (tmp_path / "new.tmp").rename(tmp_path / "settings.json")
        assert changes.wait(10) is True
    finally:
        changes.close()


def test_a_whole_log_with_a_frame_without_a_timestamp_is_refused() -> None:
    body = b"no-timestamp"
    with pytest.raises(StreamError, match="a log frame without a timestamp"):
        split_frames(bytes([1, 0, 0, 0]) + len(body).to_bytes(4, "big") + body)


def test_on_a_narrow_terminal_the_reason_keeps_twelve_characters() -> None:
    task = Task.new(TaskSpec(image="busybox:1.36", command=["true"]))
    task.error = "the agent could not reach its service (no network)"
    row = format_table([task], width=40).splitlines()[1]
    assert row.endswith("  the agent c…")


def test_a_swarm_task_s_tmp_belongs_to_a_user_given_by_uid_alone() -> None:
    volume = _tmpfs_volume("v", "/tmp", "size=1m", {}, "1000")
    assert "uid=1000" in volume["VolumeOptions"]["DriverConfig"]["Options"]["o"].split(",")


def test_a_pull_line_that_sorts_before_the_last_one_is_still_said() -> None:
    err = io.StringIO()
    lines = PullLines(err, interval=0.0)
    task = Task.new(TaskSpec(image="busybox:1.36", agent="echo"))
    task.move_to(TaskState.PULLING)
    task.pull_progress = {"phase": "downloading", "percent": 50, "layers_total": 1}
    lines.show(task)
    # A second layer came to be known: the share falls back.
    task.pull_progress = {"phase": "downloading", "percent": 25, "layers_total": 2}
    lines.show(task)
    assert err.getvalue().splitlines() == [
        "pulling busybox:1.36: downloading  50% 0 MB, 0/1 layers",
        "pulling busybox:1.36: downloading  25% 0 MB, 0/2 layers",
    ]


def test_backend_before_the_verb_holds_for_run_and_after_it_too() -> None:
    assert parse(["--backend", "swarm", "run", "--", "true"]).backend == "swarm"
    assert parse(["run", "--backend", "swarm", "--", "true"]).backend == "swarm"
    assert parse(["run", "--", "true"]).backend is None


def test_a_pull_with_no_bytes_yet_and_no_share_says_no_size() -> None:
    progress = {"phase": "downloading", "layers_total": 1}
    assert describe_pull("img", progress, bar=False) == "pulling img: downloading, 0/1 layers"


def test_a_pull_at_100_percent_fills_the_whole_bar() -> None:
    progress = {"phase": "downloading", "percent": 100, "layers_total": 1, "layers_done": 1}
    line = describe_pull("img", progress, bar=True, width=30)
    assert "[" + "#" * 30 + "] 100%" in line


def test_a_state_dir_whose_parents_do_not_exist_yet_is_made_with_them(tmp_path: Path) -> None:
    root = tmp_path / "home" / ".local" / "share" / "agents-runner"
    store = TaskStore(root)
    assert store.tasks_dir.is_dir() and store.logs_dir.is_dir()
