"""Steps about how many tasks run at once, judged from Docker's own events."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, equal_to, less_than_or_equal_to

from agents_runner.states import TaskState
from agents_runner.task import parse_time
from agents_runner.testing.events import most_existing_at_once, most_running_at_once, start_times
from agents_runner.testing.waiting import wait_until


@given("a runner that runs {count:d} tasks at a time")
def runner_with_slots(context: Context, count: int) -> None:
    context.harness.runner(max_running=count)
    context.slots = count


@when("{count:d} tasks whose agents wait for the go file in that workspace are submitted at once")
def submit_many_waiting(context: Context, count: int) -> None:
    """They run until let go, so that the slots fill however slowly containers start."""
    fields = context.harness.waiting_agent(context.workspace)
    context.batch = [context.harness.submit(**fields) for _ in range(count)]


@given('a runner given a max_running of "{text}", a string')
def runner_with_slots_as_text(context: Context, text: str) -> None:
    context.harness.runner(max_running=text)
    context.slots = int(text)


@when(
    "{count:d} tasks whose agents wait for the go file in that workspace are submitted "
    "from {threads:d} threads at once"
)
def submit_many_from_threads(context: Context, count: int, threads: int) -> None:
    """Each thread submits its share as soon as all are ready, as a program that
    submits from a pool of workers would."""
    fields = context.harness.waiting_agent(context.workspace)
    ready = threading.Barrier(threads)

    def submit_share(share: int) -> list:
        ready.wait(timeout=30)
        return [context.harness.submit(**fields) for _ in range(share)]

    shares = [count // threads + (i < count % threads) for i in range(threads)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        batches = list(pool.map(submit_share, shares))
    context.batch = [task for batch in batches for task in batch]


@then(
    "Docker's events show {running:d} of their containers running, while the other "
    '{queued:d} tasks are "queued"'
)
def slots_full(context: Context, running: int, queued: int) -> None:
    events = wait_until(
        context.harness.all_events,
        lambda found: sum(e.action == "start" for e in found) >= running,
        timeout=60,
        describe=f"{running} containers to start",
    )
    assert_that(most_running_at_once(events), equal_to(running))
    states = [context.harness.fresh_load(task.id).state for task in context.batch]
    assert_that(states.count(TaskState.QUEUED), equal_to(queued), f"states: {states}")


@when("the agents are let go on")
def let_them_go(context: Context) -> None:
    context.harness.let_agent_go(context.workspace)


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
        return all((c, "create") in seen and (c, "destroy") in seen for c in containers)

    return wait_until(
        context.harness.all_events,
        complete,
        timeout=30,
        describe="a create and a destroy event for every task's container",
    )


@then(
    "Docker's events never show more than {count:d} of their containers at once, "
    "from create to destroy"
)
def never_more_than(context: Context, count: int) -> None:
    assert_that(most_existing_at_once(_batch_events(context)), less_than_or_equal_to(count))


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


@given("the state dir lets {count:d} task run at a time")
def state_dir_limit(context: Context, count: int) -> None:
    result = context.harness.cli.run("config", "max-running", str(count))
    assert_that(result.returncode, equal_to(0), result.stderr)


def _list_places(context: Context) -> dict[str, str]:
    return context.harness.cli.listed_places()


@then('the first task runs, "list" shows the second in place 1, and the third in no place')
def first_runs_second_in_line_third_held(context: Context) -> None:
    first, second, third = (task.id for task in context.batch)
    wait_until(
        lambda: context.harness.fresh_load(first).state,
        lambda state: state is TaskState.RUNNING,
        timeout=60,
        describe="the first task to run",
    )
    places = wait_until(
        lambda: _list_places(context),
        lambda places: places.get(second) == "1",
        timeout=30,
        describe="the second task in place 1",
    )
    assert_that([places.get(second), places.get(third)], equal_to(["1", "-"]), f"{places}")


@when("the second task is cancelled")
def cancel_second(context: Context) -> None:
    context.harness.runner().request_stop(context.batch[1].id)


@then('"list" shows the third task in place 1 while the first still runs')
def third_in_line(context: Context) -> None:
    first, _, third = (task.id for task in context.batch)
    wait_until(
        lambda: _list_places(context),
        lambda places: places.get(third) == "1",
        timeout=30,
        describe="the third task in place 1",
    )
    assert_that(context.harness.fresh_load(first).state, equal_to(TaskState.RUNNING))


@then('the first and third tasks end "completed", and the second "cancelled"')
def ends_of_three(context: Context) -> None:
    ended = [context.harness.wait_for_end(task.id, timeout=120) for task in context.batch]
    assert_that(
        [task.state for task in ended],
        equal_to([TaskState.COMPLETED, TaskState.CANCELLED, TaskState.COMPLETED]),
    )
