"""time.monotonic() counts from the machine's boot, so "nothing said yet" must not be
"said at 0": soon after a boot, the first progress line or report was held back. Each
module's clock is set here to a moment just after the boot, its own module alone."""

from __future__ import annotations

import io
import time
import types

import pytest

import agents_runner.supervise.pull as pull
import agents_runner.terminal as terminal
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.task import Task


def _clock_at(monkeypatch: pytest.MonkeyPatch, module: types.ModuleType, seconds: float) -> None:
    stopped = types.SimpleNamespace(monotonic=lambda: seconds, time=time.time, sleep=time.sleep)
    monkeypatch.setattr(module, "time", stopped)


def _pulling_task() -> Task:
    task = Task.new(TaskSpec(image="busybox:1.36", agent="echo"))
    task.move_to(TaskState.PULLING)
    task.pull_progress = {"phase": "downloading", "percent": 10, "layers_total": 1}
    return task


def test_the_pull_s_first_line_is_said_30_s_after_the_boot(monkeypatch) -> None:
    _clock_at(monkeypatch, terminal, 30.0)  # a line at most every minute
    err = io.StringIO()
    terminal.PullLines(err, interval=60.0).show(_pulling_task())
    assert err.getvalue().splitlines() == [
        "pulling busybox:1.36: downloading  10% 0 MB, 0/1 layers"
    ]


def test_the_pipe_s_first_progress_line_is_said_a_second_after_the_boot(monkeypatch) -> None:
    _clock_at(monkeypatch, terminal, 1.0)  # a line at most every 2 s in a pipe
    out = io.StringIO()
    view = terminal.ProgressView(out)
    view.show(_pulling_task())
    assert out.getvalue().splitlines()[-1] == (
        "pulling busybox:1.36: downloading  10% 0 MB, 0/1 layers"
    )


def test_the_pull_s_first_report_to_the_store_is_due_a_tenth_of_a_second_after_the_boot(
    monkeypatch,
) -> None:
    _clock_at(monkeypatch, pull, 0.1)  # a report at most every quarter second
    progress = pull.PullProgress()
    assert progress.due()
    assert not progress.due()  # and the next one waits its quarter second
