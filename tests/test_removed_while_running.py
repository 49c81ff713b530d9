"""The end of a task whose container the runner's wait did not find (C-4.22): the wait
was asked after someone else removed it, so the task ends as any container removed
while its agent ran, unless agents-runner itself was stopping it."""

from __future__ import annotations

import pytest

from agents_runner.engine import ContainerExit
from agents_runner.spec import TaskSpec
from agents_runner.supervise.endings import removed_while_running
from agents_runner.task import Task

LOST = ContainerExit(None, "container lost")
NO_ENGINE_CALL = None  # the answer needs no engine: the container is already gone


def _task(**fields: str) -> Task:
    task = Task.new(TaskSpec(image="busybox", agent="echo"))
    for name, value in fields.items():
        setattr(task, name, value)
    return task


def test_a_wait_that_found_no_container_means_it_was_removed_while_the_agent_ran() -> None:
    assert removed_while_running(NO_ENGINE_CALL, LOST, None, _task()) is True


@pytest.mark.parametrize("request_field", ["kill_requested_at", "stop_requested_at"])
def test_not_when_agents_runner_was_stopping_it(request_field: str) -> None:
    task = _task(**{request_field: "2026-12-07T00:00:00+00:00"})
    assert removed_while_running(NO_ENGINE_CALL, LOST, None, task) is False
