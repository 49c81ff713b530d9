"""Steps that race requests against agents exiting on their own."""

from __future__ import annotations

from collections import Counter

from behave import then, when
from behave.runner import Context
from hamcrest import assert_that, empty, equal_to, is_, is_in

from agents_runner.states import TaskState
from agents_runner.testing.rules import violations
from agents_runner.testing.waiting import wait_until


@when("{count:d} tasks whose agent exits at once are each sent a {request} request as they run")
def race(context: Context, count: int, request: str) -> None:
    runner = context.harness.runner()
    send = runner.request_stop if request == "stop" else runner.request_kill
    context.race_request = request
    context.race_tasks = []
    for index in range(count):
        # Each agent lives a little longer than the last (0 to 190 ms), so the request
        # lands before, during and after the exit across the run.
        task = context.harness.submit(command=["sh", "-c", f"sleep 0.{index % 20:02d}"])
        wait_until(
            lambda task=task: runner.get(task.id),
            lambda seen: seen.state is TaskState.RUNNING or seen.is_terminal,
            timeout=30,
            describe=f"task {task.id} to run",
        )
        send(task.id)
        context.race_tasks.append(task.id)


@then('every task ended "{first}" or "{second}" by the contract\'s rules')
def every_task_by_the_rules(context: Context, first: str, second: str) -> None:
    harness = context.harness
    ended = [harness.wait_for_end(task_id) for task_id in context.race_tasks]
    outcomes = Counter(task.state.value for task in ended)
    print(f"outcomes of {len(ended)} races: {dict(outcomes)}")
    for task in ended:
        assert_that(task.state.value, is_in([first, second]), f"task {task.id}")
        assert_that(violations(task, context.race_request), is_(empty()), f"task {task.id}")
        assert_that(harness.container(task), equal_to(None), f"container of task {task.id}")
