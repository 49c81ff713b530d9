"""Unit tests for survivors of the mutation sample drawn with seed 20261219
(mutation/SURVIVORS.md)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from agents_runner.logchecks import are_the_last
from agents_runner.logstream import LogCursor, after_cursor, to_unix_nanos
from agents_runner.processes import ProcessIdentity
from agents_runner.runner.admission import Admitter
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.store import TaskStore
from agents_runner.task import Task
from agents_runner.terminal import PullLines

T4, T5, T6, T7 = (f"2026-12-07T12:00:0{s}.000000000Z".encode() for s in (4, 5, 6, 7))


def test_frames_after_the_cursor_at_the_log_s_end_are_its_last() -> None:
    frames = [(T4, b"w\n"), (T5, b"y\n"), (T6, b"x\n"), (T7, b"z\n")]
    missed = after_cursor(frames, LogCursor(T5, 1))
    assert missed == [(T6, b"x\n"), (T7, b"z\n")]
    assert are_the_last(missed, frames)


def test_a_frame_of_the_cursor_s_time_after_later_ones_is_not_the_log_s_order() -> None:
    # The frame at the cursor's time (written already) comes last: the frames after the
    # cursor are not the log's last ones, and appending them would misplace output.
    frames = [(T4, b"w\n"), (T6, b"x\n"), (T7, b"z\n"), (T5, b"y\n")]
    missed = after_cursor(frames, LogCursor(T5, 1))
    assert missed == [(T6, b"x\n"), (T7, b"z\n")]
    assert not are_the_last(missed, frames)


def test_a_copy_of_a_payload_beside_it_does_not_make_its_id_prefix_ambiguous(
    tmp_path: Path,
) -> None:
    # A person's backup of a payload, `<id>.json.bak`, is not a task: the prefix still
    # names the one task.
    store = TaskStore(tmp_path / "state")
    task = store.create(Task.new(TaskSpec(image="busybox", agent="echo", prompt="hi")))
    payload = store.payload_path(task.id)
    shutil.copy(payload, payload.with_name(payload.name + ".bak"))
    assert store.resolve_id(task.id[:4]) == task.id


def test_a_slot_holder_whose_payload_is_gone_is_passed_over_not_adopted(tmp_path: Path) -> None:
    # `rm` (or a person) removed the payload between the queue's pass and this look.
    adopted: list[Task] = []
    admitter = Admitter(
        TaskStore(tmp_path / "state"),
        ProcessIdentity.current(),
        start=lambda task_id: None,
        adopt=adopted.append,
        ended=lambda task_id: None,
    )
    try:
        admitter._adopt_if_abandoned("0123456789ab")
    finally:
        admitter.close()
    assert adopted == []


def test_the_pull_s_last_line_is_said_as_soon_as_the_task_has_moved_past_pulling() -> None:
    err = io.StringIO()
    lines = PullLines(err, interval=3600.0)  # no second line within the interval
    task = Task.new(TaskSpec(image="busybox:1.36", agent="echo"))
    task.move_to(TaskState.PULLING)
    task.pull_progress = {"phase": "downloading", "percent": 50, "layers_total": 1}
    lines.show(task)
    task.pull_progress = {
        "phase": "downloading",
        "percent": 100,
        "layers_total": 1,
        "layers_done": 1,
    }
    task.move_to(TaskState.STARTING)
    lines.show(task)
    assert err.getvalue().splitlines() == [
        "pulling busybox:1.36: downloading  50% 0 MB, 0/1 layers",
        "pulling busybox:1.36: downloading 100% 0 MB, 1/1 layers",
    ]


def test_a_time_with_an_offset_of_ten_hours_or_more_is_read_whole() -> None:
    # The engine's clock in Sydney: 22:00 at +10:00 is 12:00 in UTC.
    assert to_unix_nanos(b"2026-12-07T22:00:00.5+10:00") == to_unix_nanos(b"2026-12-07T12:00:00.5Z")
    assert to_unix_nanos(b"2026-12-07T00:30:00-11:30") == to_unix_nanos(b"2026-12-07T12:00:00Z")
