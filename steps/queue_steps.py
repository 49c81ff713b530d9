"""Steps about the state dir's queue: tasks of many processes, judged by the engine's
own create and destroy events and the stored histories."""

from __future__ import annotations

import os
import shlex
import signal

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, contains_string, empty, equal_to, is_, less_than_or_equal_to

from agents_runner.states import TaskState
from agents_runner.testing.cli_driver import CliDriver
from agents_runner.testing.events import ContainerEvent, most_existing_at_once
from agents_runner.testing.harness import WAITING_AGENT
from agents_runner.testing.waiting import wait_until

QUEUE_TIMEOUT = 120.0


def _named(context: Context) -> dict[int, str]:
    if not hasattr(context, "named"):
        context.named = {}
        context.go_files = {}
        context.queue_events = _ScenarioEvents(context.harness)
    return context.named


class _ScenarioEvents:
    """The scenario's container events: the harness records the engine's live stream
    from the scenario's start and adds a query of the engine's history on each read, so
    neither an event before a stream connected nor one the history dropped is missed.
    What one read saw stays seen: Podman's history, asked again, may leave out events
    that it gave before (a read then saw 1 create where the one before saw 3)."""

    def __init__(self, harness) -> None:
        self._harness = harness
        self._seen: dict[tuple[str, str, float], ContainerEvent] = {}

    @property
    def events(self) -> list[ContainerEvent]:
        for event in self._harness.all_events():
            self._seen.setdefault((event.container_id, event.action, event.time), event)
        return sorted(self._seen.values(), key=lambda event: event.time)


def _start_detached(context: Context, number: int, options: str = "") -> None:
    """`run --detach` of an agent waiting for the go file in a workspace of its own."""
    workspace = context.harness.workspace()
    args = ["run", "--detach", *shlex.split(options), "--image", context.harness.image]
    args += ["--workspace", str(workspace), "--timeout", "300", "--", "sh", "-c", WAITING_AGENT]
    result = context.harness.cli.run(*args)
    assert_that(result.returncode, equal_to(0), f"stderr: {result.stderr!r}")
    _named(context)[number] = result.stdout.strip()
    context.go_files[number] = workspace


@given('the user has run "{line}"')
def user_has_run(context: Context, line: str) -> None:
    result = context.harness.cli.run(*shlex.split(line))
    assert_that(result.returncode, equal_to(0), f"{line}: stderr {result.stderr!r}")


@given('{count:d} tasks started with "run --detach", each waiting for its own go file')
def many_detached(context: Context, count: int) -> None:
    start = len(_named(context)) + 1
    for number in range(start, start + count):
        _start_detached(context, number)


@given('task {number:d} started with "run --detach", waiting for its own go file')
@when('task {number:d} started with "run --detach", waiting for its own go file')
def one_detached(context: Context, number: int) -> None:
    _start_detached(context, number)


@given('task {number:d} started with "run --detach {options}", waiting for its own go file')
@when('task {number:d} started with "run --detach {options}", waiting for its own go file')
def one_detached_with(context: Context, number: int, options: str) -> None:
    _start_detached(context, number, options)


@given(
    "{processes:d} TaskRunner processes each submit {count:d} tasks waiting for their own go files"
)
def runner_processes(context: Context, processes: int, count: int) -> None:
    for _ in range(processes):
        numbers = list(range(len(_named(context)) + 1, len(_named(context)) + 1 + count))
        _runner_process(context, numbers)


@given("a TaskRunner process that submits task {number:d} waiting for its own go file")
def runner_process(context: Context, number: int) -> None:
    context.runner_process = _runner_process(context, [number])


@given(
    "a TaskRunner process that submits task {number:d} waiting for its own go file, and once "
    "it runs closes without waiting and serves on"
)
def runner_process_let_go(context: Context, number: int) -> None:
    context.runner_process = _runner_process(context, [number], close_without_waiting=True)


def _runner_process(context: Context, numbers: list[int], *, close_without_waiting=False):
    harness = context.harness
    workspaces = {n: str(harness.workspace()) for n in numbers}
    closing = "runner.close(wait=True)"
    if close_without_waiting:  # once its tasks run: their containers go on without it
        closing = (
            "wait_until(lambda: [runner.get(t).state.value for t in ids],\n"
            "           lambda states: set(states) == {'running'}, timeout=120,\n"
            "           describe='its tasks to run')\n"
            "runner.close(wait=False)\n"
            "signal.pause()  # a service that goes on with other work; killed at cleanup"
        )
    source = f"""
import signal
from agents_runner import TaskRunner, TaskSpec
from agents_runner.testing.waiting import wait_until
runner = TaskRunner({str(harness.state_dir)!r})
ids = []
for number, workspace in {workspaces!r}.items():
    task = runner.submit(TaskSpec(
        image={harness.image!r}, command=["sh", "-c", {WAITING_AGENT!r}],
        workspace=workspace, timeout=300.0, network="none", labels={harness.labels!r}))
    ids.append(task.id)
    print(number, task.id, flush=True)
{closing}
"""
    process = harness.cli.start_python(source)
    for _ in numbers:
        number, task_id = process.stdout.readline().split()
        _named(context)[int(number)] = task_id
        context.go_files[int(number)] = workspaces[int(number)]
    return process


@when("the TaskRunner process is killed with SIGKILL")
def kill_runner_process(context: Context) -> None:
    CliDriver.kill_hard(context.runner_process)


@when("a new TaskRunner in this process drives task {number:d}")
def new_runner_drives(context: Context, number: int) -> None:
    context.harness.runner(poll_interval=0.2).drive(_named(context)[number])


@when("the user cancels task {number:d} from another terminal")
def cancel_from_elsewhere(context: Context, number: int) -> None:
    task_id = _named(context)[number]
    context.supervisors = getattr(context, "supervisors", {})
    context.supervisors[number] = context.harness.detached_supervisor(task_id)
    result = context.harness.cli.run("cancel", task_id)
    assert_that(result.returncode, equal_to(0), f"stderr: {result.stderr!r}")


@then("the detached supervisor of task {number:d} has exited")
def supervisor_exited(context: Context, number: int) -> None:
    owner = context.supervisors[number]
    wait_until(
        owner.is_alive,
        lambda alive: not alive,
        timeout=30,
        describe=f"the detached supervisor {owner.pid} of task {number} to exit",
    )


@when("the detached supervisor of task {number:d} is killed with SIGKILL")
def kill_supervisor(context: Context, number: int) -> None:
    owner = context.harness.detached_supervisor(_named(context)[number])
    os.kill(owner.pid, signal.SIGKILL)
    wait_until(owner.is_alive, lambda alive: not alive, timeout=10, describe="the owner to die")


def _let_go(context: Context, number: int) -> None:
    context.harness.let_agent_go(_as_path(context.go_files[number]))


def _as_path(workspace):
    from pathlib import Path

    return Path(workspace)


@when("every task is let go on")
def let_all_go(context: Context) -> None:
    for number in _named(context):
        if not (_as_path(context.go_files[number]) / "go").exists():
            _let_go(context, number)


@when("task {number:d} is let go on")
def let_one_go(context: Context, number: int) -> None:
    _let_go(context, number)


@when("tasks {first:d} and {second:d} are let go on and have ended")
def let_two_go(context: Context, first: int, second: int) -> None:
    for number in (first, second):
        _let_go(context, number)
    for number in (first, second):
        context.harness.wait_for_end(_named(context)[number], timeout=QUEUE_TIMEOUT)


def _created(context: Context) -> dict[str, float]:
    """When each named task's container was created, by task id, from the events."""
    ours = set(_named(context).values())
    return {
        e.task_id: e.time
        for e in list(context.queue_events.events)
        if e.action == "create" and e.task_id in ours
    }


@then(
    "the engine's events show {created:d} of their containers created, while the other "
    '{queued:d} tasks are "queued"'
)
def slots_full(context: Context, created: int, queued: int) -> None:
    wait_until(
        lambda: _created(context),
        lambda found: len(found) >= created,
        timeout=QUEUE_TIMEOUT,
        describe=f"{created} containers to be created",
    )
    states = [context.harness.fresh_load(t).state for t in _named(context).values()]
    assert_that(states.count(TaskState.QUEUED), equal_to(queued), f"states: {states}")
    assert_that(len(_created(context)), equal_to(created), "containers created")


@then(
    "the engine's events show containers of tasks {first:d} and {second:d}, "
    'and task {third:d} is "queued"'
)
def two_created(context: Context, first: int, second: int, third: int) -> None:
    for number in (first, second):
        _container_created(context, number)
    assert_that(
        context.harness.fresh_load(_named(context)[third]).state, equal_to(TaskState.QUEUED)
    )
    assert_that(_named(context)[third] in _created(context), equal_to(False), "its container")


@given("the engine's events show a container of task {number:d}")
@then("the engine's events show a container of task {number:d}")
def _container_created(context: Context, number: int) -> None:
    task_id = _named(context)[number]
    wait_until(
        lambda: _created(context),
        lambda found: task_id in found,
        timeout=QUEUE_TIMEOUT,
        describe=f"a container of task {number}",
    )


@given("the engine's events show task {number:d}'s agent started, and the task is \"running\"")
def agent_started(context: Context, number: int) -> None:
    task_id = _named(context)[number]
    wait_until(
        lambda: list(context.queue_events.events),
        lambda events: any(e.action == "start" and e.task_id == task_id for e in events),
        timeout=QUEUE_TIMEOUT,
        describe=f"task {number}'s container to start",
    )
    context.harness.wait_for_state(task_id, TaskState.RUNNING, timeout=QUEUE_TIMEOUT)


@then('task {number:d} is still "queued" and the engine\'s events show no container of it')
def still_queued(context: Context, number: int) -> None:
    task_id = _named(context)[number]
    _prove_recorder(context)
    created = {e.task_id for e in list(context.queue_events.events) if e.action == "create"}
    assert_that(task_id in created, equal_to(False), f"a container of task {number}")
    assert_that(context.harness.fresh_load(task_id).state, equal_to(TaskState.QUEUED))


@then("the engine's events show no container of task {number:d}")
def no_container(context: Context, number: int) -> None:
    task_id = _named(context)[number]
    _prove_recorder(context)
    events = list(context.queue_events.events)
    assert_that([e for e in events if e.task_id == task_id], equal_to([]))


@then('all {count:d} named tasks end "{state}"')
def all_named_end(context: Context, count: int, state: str) -> None:
    ended = [
        context.harness.wait_for_end(task_id, timeout=QUEUE_TIMEOUT)
        for task_id in _named(context).values()
    ]
    assert_that([t.state for t in ended], equal_to([TaskState(state)] * count))


@then('task {number:d} ends "{state:w}"')
def one_ends(context: Context, number: int, state: str) -> None:
    task = context.harness.wait_for_end(_named(context)[number], timeout=QUEUE_TIMEOUT)
    assert_that(task.state, equal_to(TaskState(state)), f"task {number}: {task.error}")


@then('task {number:d} ends "{state}" with an error that says "{text}"')
def one_ends_with(context: Context, number: int, state: str, text: str) -> None:
    task = context.harness.wait_for_end(_named(context)[number], timeout=QUEUE_TIMEOUT)
    assert_that(task.state, equal_to(TaskState(state)))
    assert_that(task.error or "", contains_string(text))


def _prove_recorder(context: Context) -> None:
    """A probe container made and seen through the same reading of the engine's events
    as the scenario's: an engine that reports nothing cannot pass for one that created
    nothing."""
    context.harness.prove_events_report()


def _complete_events(context: Context) -> list[ContainerEvent]:
    """The events, once they hold a create and a destroy for every named task that got a
    container: a count made from fewer proves nothing."""
    ids = set(_named(context).values())

    def complete(events: list[ContainerEvent]) -> bool:
        seen = {(e.task_id, e.action) for e in events if e.task_id in ids}
        made = {task_id for task_id, action in seen if action == "create"}
        return bool(made) and all((t, "destroy") in seen for t in made)

    return wait_until(
        lambda: list(context.queue_events.events),
        complete,
        timeout=30,
        describe="every create's destroy",
    )


@then(
    "the engine's events never show more than {count:d} of their containers at once, "
    "from create to destroy"
)
def never_more(context: Context, count: int) -> None:
    ids = set(_named(context).values())
    theirs = [e for e in _complete_events(context) if e.task_id in ids]
    assert_that(most_existing_at_once(theirs), less_than_or_equal_to(count))


def _created_including(context: Context, task_ids: set[str]) -> dict[str, float]:
    """_created, once it holds every one of `task_ids`: a busy engine (Podman, under
    load) may tell of a create a while after it was made."""
    return wait_until(
        lambda: _created(context),
        lambda created: task_ids <= set(created),
        timeout=30,
        describe=f"create events for tasks {sorted(task_ids)}",
    )


@then("the containers created so far are those of tasks {first:d}, {second:d} and {third:d}")
def created_so_far(context: Context, first: int, second: int, third: int) -> None:
    expected = {_named(context)[n] for n in (first, second, third)}
    assert_that(set(_created_including(context, expected)), equal_to(expected))


@then("the containers were created in the order of tasks {order}")
def created_in_order(context: Context, order: str) -> None:
    expected = [int(n) for n in order.replace(",", " ").split()]
    created = _created_including(context, {_named(context)[n] for n in expected})
    seen = sorted(expected, key=lambda n: created[_named(context)[n]])
    assert_that(seen, equal_to(expected))


def _places(context: Context) -> dict[str, str]:
    return context.harness.cli.listed_places()


@then('"list" shows the queued tasks in places 1 to {last:d}, in the order they were submitted')
def list_places_in_order(context: Context, last: int) -> None:
    places = _places(context)
    queued = [n for n in sorted(_named(context)) if places.get(_named(context)[n]) != "-"]
    assert_that(
        [places[_named(context)[n]] for n in queued], equal_to([str(p) for p in range(1, last + 1)])
    )


@then('"list" shows task {a:d} in place 1, task {b:d} in place 2 and task {c:d} in place 3')
def list_three_places(context: Context, a: int, b: int, c: int) -> None:
    places = _places(context)
    assert_that([places[_named(context)[n]] for n in (a, b, c)], equal_to(["1", "2", "3"]))


@then('"list" shows task {a:d} in place 1 and task {b:d} in place 2')
def list_two_places(context: Context, a: int, b: int) -> None:
    places = _places(context)
    assert_that([places[_named(context)[n]] for n in (a, b)], equal_to(["1", "2"]))


@then('"show" of task {number:d} says "{text}"')
def show_says(context: Context, number: int, text: str) -> None:
    result = context.harness.cli.run("show", _named(context)[number])
    assert_that(result.stdout, contains_string(text))


@when('ten terminals each run "config pool team-N 1" at once, N from 1 to 10')
def ten_config_changes(context: Context) -> None:
    started = [context.harness.cli.start("config", "pool", f"team-{n}", "1") for n in range(1, 11)]
    context.config_results = [(p.communicate(timeout=60)[1], p.returncode) for p in started]


@then("each of the ten commands exits with status 0")
def ten_exit_zero(context: Context) -> None:
    codes = [code for _, code in context.config_results]
    assert_that(codes, equal_to([0] * 10), f"stderr: {context.config_results!r}")


@then('"config" says "max-running 2", then pools team-1 to team-10 of size 1')
def config_has_ten_pools(context: Context) -> None:
    pools = sorted(f"pool team-{n} 1" for n in range(1, 11))
    result = context.harness.cli.run("config")
    assert_that(result.stdout.splitlines(), equal_to(["max-running 2", *pools]))


@given('queue/settings.json is overwritten with "{text}"')
def settings_overwritten(context: Context, text: str) -> None:
    (context.harness.state_dir / "queue" / "settings.json").write_text(text)


@then('queue/settings.json still holds exactly "{text}"')
def settings_still_hold(context: Context, text: str) -> None:
    path = context.harness.state_dir / "queue" / "settings.json"
    assert_that(path.read_text(), equal_to(text))


@then('"config" still says exactly "{text}", and no task was stored')
def config_says_exactly(context: Context, text: str) -> None:
    result = context.harness.cli.run("config")
    assert_that(result.stdout, equal_to(f"{text}\n"))
    assert_that(context.harness.runner().store.list(), is_(empty()), "stored tasks")


@when('task {number:d} is started with a foreground "run" in a terminal')
def foreground_in_terminal(context: Context, number: int) -> None:
    workspace = context.harness.workspace()
    known = {t.id for t in context.harness.runner().list()}
    context.queue_terminal = context.harness.cli.start_in_terminal(
        "run", "--image", context.harness.image, "--workspace", str(workspace),
        "--", "sh", "-c", WAITING_AGENT,
    )  # fmt: skip
    task = wait_until(
        lambda: [t for t in context.harness.runner().list() if t.id not in known],
        lambda new: len(new) == 1,
        timeout=30,
        describe="the foreground run's task to be stored",
    )[0]
    _named(context)[number] = task.id
    context.go_files[number] = workspace


@then('the terminal shows "{text}"')
def terminal_shows(context: Context, text: str) -> None:
    context.queue_terminal.wait_for_output(text, timeout=30)


@then('the terminal shows "{text}" a second time')
def terminal_shows_again(context: Context, text: str) -> None:
    wait_until(
        lambda: context.queue_terminal.output,
        lambda shown: shown.count(text) >= 2,
        timeout=30,
        describe=f"{text!r} a second time on the terminal",
    )


@then('the terminal showed "{first}" exactly twice and "{second}" exactly once')
def terminal_showed_counts(context: Context, first: str, second: str) -> None:
    shown = context.queue_terminal.output
    counts = (shown.count(first), shown.count(second))
    assert_that(counts, equal_to((2, 1)), f"it showed: {shown!r}")


@when("the user presses Ctrl-C in that terminal")
def ctrl_c_there(context: Context) -> None:
    context.queue_terminal.interrupt()


@then("that terminal's command exits with status {status:d}")
def terminal_exits(context: Context, status: int) -> None:
    code = context.queue_terminal.wait(timeout=60)
    assert_that(code, equal_to(status), f"it showed: {context.queue_terminal.output!r}")
