"""Checks that kill survivors of the mutation sample drawn with seed 20261221
(mutation/SURVIVORS.md): each was seen failing with its mutant applied."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from agents_runner.cli.run_verb import _why
from agents_runner.cli.summary import describe
from agents_runner.logstream import FrameDecoder, LogCursor
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.store import TaskStore
from agents_runner.supervise.record import TaskRecord
from agents_runner.task import Task
from agents_runner.taskqueue import TaskQueue
from agents_runner.terminal import describe_pull, format_table


def _frame(stamp: bytes, text: bytes) -> bytes:
    payload = stamp + b" " + text
    return b"\x01\x00\x00\x00" + len(payload).to_bytes(4, "big") + payload


def test_a_pull_s_bytes_are_shown_in_megabytes_of_a_million_bytes() -> None:
    progress = {
        "phase": "downloading",
        "percent": 50,
        "bytes_current": 1_049_999,  # 1.049999 MB: a tenth below 1.05
        "bytes_total": 2_099_998,
        "layers_total": 1,
    }
    line = describe_pull("busybox:1.36", progress, bar=False)
    assert line == "pulling busybox:1.36: downloading  50% 1.0/2.1 MB, 0/1 layers"


def test_a_resumed_follow_skips_only_frames_of_the_cursor_s_own_time() -> None:
    # Two frames at T were written before the stream broke; the engine, asked again,
    # gives one frame at T and then a later one. Only the frame at T is passed over.
    decoder = FrameDecoder(LogCursor(b"2026-12-07T12:00:00.000000001Z", 2))
    out = decoder.feed(
        _frame(b"2026-12-07T12:00:00.000000001Z", b"already written\n")
        + _frame(b"2026-12-07T12:00:01.000000000Z", b"new\n")
    )
    assert out == b"new\n"


def test_the_task_table_shows_a_pull_s_percentage_only_while_the_task_is_pulling() -> None:
    # A pull's progress stays in the payload after the pull; one followed on a node may
    # stop short of its last report when the container starts first.
    progress = {"phase": "downloading", "percent": 45, "layers_total": 1}
    rows = {}
    for state in (TaskState.PULLING, TaskState.STARTING, TaskState.RUNNING):
        task = Task.new(TaskSpec(image="busybox:1.36", agent="echo"))
        task.state = state
        task.pull_progress = progress
        rows[state.value] = format_table([task]).splitlines()[1].split()[1:3]
    assert rows == {
        "pulling": ["pulling", "45%"],
        "starting": ["starting", "-"],
        "running": ["running", "-"],
    }


def test_a_submission_number_is_written_over_a_longer_unreadable_one_whole(
    tmp_path: Path,
) -> None:
    # A crash mid-write can leave the number's file holding anything; the next number
    # replaces all of it, or the one after would read garbage again.
    queue = TaskQueue(tmp_path)
    queue.ensure()
    (queue.folder / "seq").write_text("not a number, and longer than one\n")
    queue.enter("0123456789ab", owner_pid=os.getpid())
    assert (queue.folder / "seq").read_text() == "1\n"


def test_show_names_the_pool_a_task_waits_in_and_a_dash_for_none() -> None:
    def pool_line(pool: str | None) -> str:
        task = Task.new(TaskSpec(image="busybox:1.36", agent="echo", pool=pool))
        return next(line for line in describe(task).splitlines() if line.startswith("Pool:"))

    assert pool_line("gpu").split() == ["Pool:", "gpu"]
    assert pool_line(None).split() == ["Pool:", "-"]


def test_a_start_found_for_a_task_no_longer_starting_writes_nothing(tmp_path: Path) -> None:
    # A cancel settled the task first: the container's start changes nothing stored,
    # not even the time of its last change.
    store = TaskStore(tmp_path)
    spec = TaskSpec(image="busybox:1.36", agent="echo")
    task = Task.new(spec)
    task.move_to(TaskState.CANCELLED)
    store.create(task)
    before = store.payload_path(task.id).read_bytes()
    TaskRecord(task.id, store, spec, on_change=lambda: None).record_start("c0ffee", 1.0)
    assert store.payload_path(task.id).read_bytes() == before


def test_run_s_first_signal_says_what_the_next_ctrl_c_does() -> None:
    # What `run` prints when its first signal asks for a graceful cancel.
    assert _why(signal.SIGINT) == "Ctrl-C again to kill it"
    assert _why(signal.SIGTERM) == "SIGTERM received; Ctrl-C to kill it"
    assert _why(signal.SIGHUP) == "SIGHUP received; Ctrl-C to kill it"
