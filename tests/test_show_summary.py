"""`show`'s summary of a task (agents_runner/cli/summary.py): durations as a person types
them, one value column, and the lines that appear only when they have something to say.
Written after a sweep of summary.py's mutants against the unit tests alone (seed
20261216) found it tested only through the scenarios."""

from __future__ import annotations

import pytest

from agents_runner.cli.summary import describe, format_seconds
from agents_runner.outcome import record_stop_request
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.task import Task


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (10, "10s"),
        (1.5, "1.5s"),
        (59, "59s"),
        (60, "1m"),
        (60.5, "60.5s"),
        (300, "5m"),
        (3600, "1h"),
        (5400, "1h30m"),
        (86400, "1d"),
        (90061, "1d1h1m1s"),
        (172800 + 7200, "2d2h"),
    ],
)
def test_a_duration_is_shown_as_it_is_typed(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


def _fields(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        if line == "History:":
            break
        name, value = line[:12], line[12:]
        assert name.rstrip().endswith(":") and value[:1] != " ", line
        fields[name.rstrip().removesuffix(":")] = value
    return fields


def test_every_value_starts_in_the_thirteenth_column() -> None:
    task = Task.new(TaskSpec(image="busybox:1.36", command=["true"]))
    lines = describe(task).splitlines()

    assert lines[0] == f"Task:       {task.id}"
    assert lines[1] == "State:      queued"
    assert lines[2] == "Exit code:  -"
    assert lines[-2:] == ["History:", f"  queued  {task.created_at}"]


def test_an_exit_code_and_a_network_are_shown_when_there_are_some() -> None:
    task = Task.new(TaskSpec(image="busybox:1.36", command=["true"], network="none"))
    task.exit_code = 0
    fields = _fields(describe(task))

    assert fields["Exit code"] == "0"
    assert fields["Network"] == "none"
    assert "Stop asked" not in fields and "Kill asked" not in fields


def test_no_network_asked_for_is_the_engine_s_default() -> None:
    fields = _fields(describe(Task.new(TaskSpec(image="busybox:1.36", command=["true"]))))
    assert fields["Network"] == "the engine's default"
    assert fields["Priority"] == "0"


def test_a_stop_asked_for_is_shown_with_its_reason() -> None:
    task = Task.new(TaskSpec(image="busybox:1.36", command=["true"]))
    task.move_to(TaskState.STARTING)
    task.move_to(TaskState.RUNNING)
    record_stop_request(task, at="2026-12-06T21:02:26+00:00", grace=10, reason="timeout")

    assert _fields(describe(task))["Stop asked"] == "2026-12-06T21:02:26+00:00 (timeout)"
