"""Steps that race requests against agents exiting on their own: each ordering forced
with a gate, and many unforced races judged by the legal transitions."""

from __future__ import annotations

import time
from collections import Counter

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, empty, equal_to, is_, is_in, less_than

from agents_runner.states import TaskState
from agents_runner.task import parse_time
from agents_runner.testing.events import signals
from agents_runner.testing.oracle import raw_inspect
from agents_runner.testing.rules import violations
from agents_runner.testing.waiting import wait_until

BEFORE_EXIT = "before the agent exits"
BETWEEN = "after the agent exited, before its end is recorded"
AFTER_END = "after the end is recorded"


@given("a task whose agent exits 0 when its signal file appears")
def exits_on_signal_file(context: Context) -> None:
    context.spec_fields = context.harness.waiting_agent(context.workspace)


@when("a {request} request comes {ordering}")
def request_in_order(context: Context, request: str, ordering: str) -> None:
    harness, task_id = context.harness, context.task.id
    runner = harness.runner()
    send = runner.request_stop if request == "stop" else runner.request_kill
    context.race_request = request
    if ordering == BEFORE_EXIT:
        context.request_sent_at = time.time()
        send(task_id)
    elif ordering == BETWEEN:
        with runner.store.locked(task_id):  # the gate: the runner cannot record the end
            context.harness.let_agent_go(context.workspace)
            harness.events_for(task_id, until_action="die")
            context.request_sent_at = time.time()
            send(task_id)  # recorded under the gate, which this thread holds
    elif ordering == AFTER_END:
        context.harness.let_agent_go(context.workspace)
        harness.wait_for_end(task_id)
        context.request_sent_at = time.time()
        send(task_id)
    else:
        raise AssertionError(f"unknown ordering {ordering!r}")


@then('Docker\'s events show the ordering "{ordering}"')
def events_show_ordering(context: Context, ordering: str) -> None:
    events = context.harness.events_for(context.task.id)
    stored = context.harness.fresh_load(context.task.id)
    died = next(e.time for e in events if e.action == "die")
    ended = parse_time(stored.history[-1].at).timestamp()
    sent = context.request_sent_at
    print(
        f"ordering: request sent at {sent:.3f}, Docker saw the exit at {died:.3f}, "
        f"the end recorded at {ended:.3f}; signals {signals(events)}"
    )
    if ordering == BEFORE_EXIT:
        assert_that(sent, less_than(died), "the request was sent before the exit")
        expected = [15] if context.race_request == "stop" else [9]
        witnesses = context.harness.signal_witnesses(context.task.id)
        assert_that(witnesses.disagreements(expected), is_(empty()), witnesses.describe())
    elif ordering == BETWEEN:
        assert_that(died, less_than(sent), "the exit came before the request")
        assert_that(sent, less_than(ended), "the request came before the end was recorded")
        assert_that(signals(events), is_(empty()), "no signal reached an exited agent")
    else:
        assert_that(ended, less_than(sent), "the end was recorded before the request")
        assert_that(signals(events), is_(empty()))


@then("the task's history follows the legal transitions, and the {request} request's rule")
def history_by_the_rules(context: Context, request: str) -> None:
    stored = context.harness.fresh_load(context.task.id)
    assert_that(violations(stored, request, context.legal_transitions), is_(empty()))


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


@then(
    'every task ended "{first}" or "{second}" by the legal transitions '
    "and the {request} request's rule"
)
def every_task_by_the_rules(context: Context, first: str, second: str, request: str) -> None:
    harness = context.harness
    ended = [harness.wait_for_end(task_id) for task_id in context.race_tasks]
    outcomes = Counter(task.state.value for task in ended)
    print(f"outcomes of {len(ended)} unforced races: {dict(outcomes)}")
    for task in ended:
        assert_that(task.state.value, is_in([first, second]), f"task {task.id}")
        problems = violations(task, request, context.legal_transitions)
        assert_that(problems, is_(empty()), f"task {task.id}")
        left = raw_inspect(harness.engine, task.container_id) if task.container_id else None
        assert_that(left, equal_to(None), f"container of task {task.id}")
