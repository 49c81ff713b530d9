"""Steps that check what the store persisted and what Docker reported."""

from __future__ import annotations

from behave import then
from behave.runner import Context
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    greater_than_or_equal_to,
    has_properties,
    is_,
    none,
    not_,
    not_none,
)

from agents_runner.states import TaskState
from agents_runner.task import parse_time
from agents_runner.testing.events import exit_codes, signals
from agents_runner.testing.harness import SHUTDOWN_LINE


@then('the task is "{state}" with exit code {code:d}')
def the_task_ended_as(context: Context, state: str, code: int) -> None:
    assert_that(
        context.task,
        has_properties(state=TaskState(state), exit_code=code),
        f"task {context.task.id} (error: {context.task.error})",
    )


@then("its recorded history is {states}, in that order")
def history_in_order(context: Context, states: str) -> None:
    expected = [s.strip() for s in states.split(",")]
    task = context.harness.fresh_load(context.task.id)
    assert_that([entry.state.value for entry in task.history], equal_to(expected))
    times = [parse_time(entry.at) for entry in task.history]
    assert_that(times, equal_to(sorted(times)), "history times never go backwards")


@then("its log holds the prompt")
def log_holds_prompt(context: Context) -> None:
    assert_that(
        context.harness.log_text(context.task.id), contains_string(context.spec_fields["prompt"])
    )


@then("the agent's shutdown line is in the task's log")
def shutdown_line_logged(context: Context) -> None:
    assert_that(context.harness.log_text(context.task.id), contains_string(SHUTDOWN_LINE))


@then("the agent's shutdown line is not in the task's log")
def shutdown_line_not_logged(context: Context) -> None:
    assert_that(context.harness.log_text(context.task.id), not_(contains_string(SHUTDOWN_LINE)))


@then("Docker reports that its container exited with code {code:d}")
def docker_reports_exit(context: Context, code: int) -> None:
    events = context.harness.events_for(context.task.id)
    assert_that(exit_codes(events), equal_to([code]), _described(events))


@then("Docker reports that its container was sent signal {signal:d} and no other")
def docker_reports_signal(context: Context, signal: int) -> None:
    events = context.harness.events_for(context.task.id)
    assert_that(signals(events), equal_to([signal]), _described(events))


@then("its container no longer exists")
def container_gone(context: Context) -> None:
    assert_that(context.harness.container(context.task), is_(none()))


@then("its container is no longer running")
def container_not_running(context: Context) -> None:
    container = context.harness.container(context.task)
    if container is not None:
        assert_that(container["State"]["Running"], is_(False), "the container's Running flag")


@then("the time of the cancel request is recorded, after the task started running")
def cancel_time_recorded(context: Context) -> None:
    task = context.harness.fresh_load(context.task.id)
    assert_that(task.stop_requested_at, not_none(), "stop_requested_at")
    assert_that(
        parse_time(task.stop_requested_at),
        greater_than_or_equal_to(parse_time(task.reached(TaskState.RUNNING))),
    )


@then("a new process reading the state dir sees the ending Docker reported")
def fresh_store_matches_docker(context: Context) -> None:
    events = context.harness.events_for(context.task.id)
    persisted = context.harness.fresh_load(context.task.id)
    assert_that(persisted.state, equal_to(context.task.state), "persisted state")
    assert_that([persisted.exit_code], equal_to(exit_codes(events)), _described(events))
    assert_that({e.container_id for e in events}, equal_to({persisted.container_id}))


def _described(events: list) -> str:
    return "Docker events: " + "; ".join(e.describe() for e in events)
