"""Steps about how many tasks run at once, judged from Docker's own events."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, equal_to, less_than_or_equal_to

from agents_runner.states import TaskState
from agents_runner.task import parse_time
from agents_runner.testing.events import most_running_at_once, start_times
from agents_runner.testing.waiting import wait_until


@given("a runner that runs {count:d} tasks at a time")
def runner_with_slots(context: Context, count: int) -> None:
    context.harness.runner(max_running=count)
    context.slots = count


@when("{count:d} tasks are submitted at once")
def submit_many(context: Context, count: int) -> None:
    # Each agent works for a moment, so that tasks overlap whenever slots allow.
    context.batch = [
        context.harness.submit(command=["sh", "-c", f"echo task {n}; sleep 0.3"])
        for n in range(count)
    ]


@then('all {count:d} tasks end "{state}"')
def all_end(context: Context, count: int, state: str) -> None:
    context.batch = [context.harness.wait_for_end(task.id, timeout=300) for task in context.batch]
    assert_that([t.state for t in context.batch], equal_to([TaskState(state)] * count))


def _batch_events(context: Context) -> list:
    """The scenario's events, once they hold a start and a die for every task's
    container: a count made from fewer (an engine that reports little) proves nothing."""
    containers = {context.harness.fresh_load(task.id).container_id for task in context.batch}

    def complete(events: list) -> bool:
        seen = {(e.container_id, e.action) for e in events}
        return all((c, "start") in seen and (c, "die") in seen for c in containers)

    return wait_until(
        context.harness.all_events,
        complete,
        timeout=30,
        describe="a start and a die event for every task's container",
    )


@then("Docker's events never show more than {count:d} of their containers running at once")
def never_more_than(context: Context, count: int) -> None:
    assert_that(most_running_at_once(_batch_events(context)), less_than_or_equal_to(count))


@then("Docker's events show {count:d} of them running at once at some point")
def reaches(context: Context, count: int) -> None:
    assert_that(most_running_at_once(_batch_events(context)), equal_to(count))


@then("no task's container started while a task submitted before it was still queued")
def fifo(context: Context) -> None:
    started = start_times(context.harness.all_events())
    left_queue = [parse_time(task.history[1].at).timestamp() for task in context.batch]
    overtakes = [
        f"task {later.id} started at {started[later.container_id]:.3f} while task "
        f"{earlier.id} (submitted before it) was queued until {left_queue[i]:.3f}"
        for j, later in enumerate(context.batch)
        for i, earlier in enumerate(context.batch[:j])
        if started[later.container_id] < left_queue[i]
    ]
    assert_that(overtakes, equal_to([]))
