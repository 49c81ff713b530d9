"""Steps that check what the store persisted and what Docker reported."""

from __future__ import annotations

from behave import then
from behave.runner import Context
from hamcrest import (
    all_of,
    assert_that,
    contains_string,
    empty,
    equal_to,
    greater_than_or_equal_to,
    has_length,
    has_properties,
    is_,
    less_than_or_equal_to,
    none,
    not_,
    not_none,
)

from agents_runner.states import TaskState
from agents_runner.task import parse_time
from agents_runner.testing.agent_record import RESOLUTION
from agents_runner.testing.events import ContainerEvent, exit_codes
from agents_runner.testing.harness import SHUTDOWN_LINE, TASK_TIMEOUT
from agents_runner.testing.oracle import raw_inspect
from agents_runner.testing.task_refs import fresh, task_of


@then('the task is "{state}" with exit code {code:d}')
def the_task_ended_as(context: Context, state: str, code: int) -> None:
    assert_that(
        context.task,
        has_properties(state=TaskState(state), exit_code=code),
        f"task {context.task.id} (error: {context.task.error})",
    )


@then('the task is "{state}"')
def the_task_is(context: Context, state: str) -> None:
    assert_that(context.task.state, equal_to(TaskState(state)), f"error: {context.task.error}")


@then('{task:TaskRef} ends "{state}"')
def the_task_ends(context: Context, task: str, state: str) -> None:
    timeout = getattr(context, "end_within", TASK_TIMEOUT)  # longer for big output
    ended = context.harness.wait_for_end(task_of(context, task).id, timeout=timeout)
    assert_that(ended.state, equal_to(TaskState(state)), f"error: {ended.error}")


@then('{task:TaskRef} is still "{state}"')
def the_task_is_still(context: Context, task: str, state: str) -> None:
    assert_that(fresh(context, task).state, equal_to(TaskState(state)))


@then("{task:TaskRef} recorded history is {states}, in that order")
@then("{task:TaskRef}'s recorded history is {states}, in that order")
def history_in_order(context: Context, task: str, states: str) -> None:
    expected = [s.strip() for s in states.split(",")]
    if context.harness.engine.kind == "swarm" and expected[:2] == ["queued", "starting"]:
        expected.insert(1, "pulling")  # the node's own pull, on the Swarm (C-9.14)
    stored = fresh(context, task)
    assert_that([entry.state.value for entry in stored.history], equal_to(expected))
    times = [parse_time(entry.at) for entry in stored.history]
    assert_that(times, equal_to(sorted(times)), "history times never go backwards")


@then("its log holds the prompt")
def log_holds_prompt(context: Context) -> None:
    log = context.harness.log_text(context.task.id)
    assert_that(log, contains_string(context.spec_fields["prompt"]))


@then('its log holds "{text}"')
def log_holds(context: Context, text: str) -> None:
    assert_that(context.harness.log_text(context.task.id), contains_string(text))


@then("no exit code is stored for the task")
def no_exit_code(context: Context) -> None:
    assert_that(context.harness.fresh_load(context.task.id).exit_code, is_(none()))


@then('its error says "{text}"')
def error_says(context: Context, text: str) -> None:
    assert_that(fresh(context, "first").error or "", contains_string(text))


@then('its error names the image and says "{text}"')
def error_names_image(context: Context, text: str) -> None:
    error = fresh(context, "first").error or ""
    assert_that(error, contains_string(context.task.spec.image))
    assert_that(error, contains_string(text))


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


# The signals an agent was sent: the engine's kill events, the agent's own record and
# its exit code must all agree (signal_evidence.py).
WITNESSES = "(by the engine's events, its own record and its exit code)"


def _agreed(context: Context, expected: list[int], *, recorded: bool = True):
    witnesses = context.harness.signal_witnesses(context.task.id, recorded=recorded)
    assert_that(witnesses.disagreements(expected), is_(empty()), witnesses.describe())
    return witnesses


@then("the agent was sent signal {signal:d} and no other " + WITNESSES)
def sent_one_signal(context: Context, signal: int) -> None:
    _agreed(context, [signal])


@then("the agent was sent signal {first:d}, then signal {second:d} " + WITNESSES)
def sent_two_signals(context: Context, first: int, second: int) -> None:
    witnesses = _agreed(context, [first, second])
    assert_that(
        witnesses.received_at("TERM"),
        less_than_or_equal_to(witnesses.sent_at([first, second], second) + RESOLUTION),
        "the agent recorded SIGTERM before SIGKILL was sent: " + witnesses.describe(),
    )


@then(
    "signal 9 was sent no sooner than the stop grace after signal 15, and at most "
    "{slack:d} seconds later"
)
def kill_after_grace(context: Context, slack: int) -> None:
    witnesses = _agreed(context, [15, 9])
    gap = witnesses.sent_at([15, 9], 9) - witnesses.sent_at([15, 9], 15)
    grace = context.task.spec.stop_grace
    assert_that(
        gap,
        all_of(greater_than_or_equal_to(grace), less_than_or_equal_to(grace + slack)),
        witnesses.describe(),
    )


@then("signal 9 was sent within {seconds:d} seconds of the kill request")
def kill_soon_after_request(context: Context, seconds: int) -> None:
    witnesses = _agreed(context, [15, 9])
    asked_at = context.request_times["kill_requested_at"][0]
    delay = witnesses.sent_at([15, 9], 9) - asked_at
    assert_that(
        delay,
        all_of(greater_than_or_equal_to(0), less_than_or_equal_to(seconds)),
        witnesses.describe(),
    )


@then(
    "signal 15 was sent no sooner than the deadline after its container started, and at "
    "most {slack:d} seconds later"
)
def stopped_at_deadline(context: Context, slack: int) -> None:
    events = context.harness.events_for(context.task.id)
    witnesses = _agreed(context, [15])
    started = next(e.time for e in events if e.action == "start")
    gap = witnesses.sent_at([15], 15) - started
    timeout = context.task.spec.timeout
    assert_that(
        gap,
        all_of(greater_than_or_equal_to(timeout), less_than_or_equal_to(timeout + slack)),
        _described(events),
    )


@then("its container no longer exists")
def container_gone(context: Context) -> list[ContainerEvent]:
    """Looked up by the id Docker reported when it created the container."""
    events = context.harness.events_for(context.task.id, until_action="destroy")
    created = {e.container_id for e in events if e.action == "create"}
    assert_that(created, has_length(1), _described(events))
    assert_that(raw_inspect(context.harness.engine, created.pop()), is_(none()))
    return events


@then("its container no longer exists, removed before its end was recorded")
def container_gone_before_end(context: Context) -> None:
    """The engine's destroy event comes at or before the recorded end, as the contract
    orders them."""
    events = container_gone(context)
    stored = context.harness.fresh_load(context.task.id)
    assert_that(stored.state.is_terminal, is_(True), f"the task is {stored.state.value}")
    ended = parse_time(stored.history[-1].at).timestamp()
    destroyed = max(e.time for e in events if e.action == "destroy")
    assert_that(destroyed, less_than_or_equal_to(ended), _described(events))


@then("no container was ever created for {task:TaskRef}")
def no_container_ever(context: Context, task: str) -> None:
    container_id, events = context.harness.never_had_a_container(task_of(context, task).id)
    assert_that(container_id, is_(none()), "the recorded container id")
    assert_that(events, is_(empty()), _described(events))


@then(
    "the recorded time of the cancel request is when the user asked, after the task started running"
)
def cancel_time_recorded(context: Context) -> None:
    stored = fresh(context, "first")
    assert_that(stored.stop_requested_at, not_none(), "stop_requested_at")
    recorded = parse_time(stored.stop_requested_at).timestamp()
    before, after = context.request_times["stop_requested_at"]
    assert_that(recorded, all_of(greater_than_or_equal_to(before), less_than_or_equal_to(after)))
    running = parse_time(stored.reached(TaskState.RUNNING)).timestamp()
    assert_that(recorded, greater_than_or_equal_to(running))


@then("the first request's time is still the one recorded")
def first_request_kept(context: Context) -> None:
    field, first_time = context.requests[0]
    stored = fresh(context, "first")
    assert_that(getattr(stored, field), equal_to(first_time), field)
    if field == "kill_requested_at":
        assert_that(stored.stop_requested_at, is_(none()), "a cancel after a kill is ignored")


@then("the task's stored payload is byte for byte what it was when it ended")
def payload_unchanged(context: Context) -> None:
    assert_that(context.harness.payload_bytes(context.task.id), equal_to(context.ended_payload))


@then("a new process reading the state dir sees the ending Docker reported")
def fresh_store_matches_docker(context: Context) -> None:
    events = context.harness.events_for(context.task.id)
    persisted = context.harness.load_in_new_process(context.task.id)
    assert_that(persisted.state, equal_to(context.task.state), "persisted state")
    assert_that([persisted.exit_code], equal_to(exit_codes(events)), _described(events))
    ids = {e.container_id for e in events}
    if context.harness.engine.kind == "swarm":  # the task's is its service's id (C-9.1)
        raw = context.harness.events.raw_for_task(context.task.id)
        ids = {(r.get("Actor") or {}).get("Attributes", {}).get(SERVICE_ID) for r in raw}
    assert_that(ids, equal_to({persisted.container_id}))


SERVICE_ID = "com.docker.swarm.service.id"  # a label Swarm gives a service's containers


def _described(events: list[ContainerEvent]) -> str:
    return "Docker events: " + ("; ".join(e.describe() for e in events) or "none")


@then(
    "Docker's events show its container killed within {seconds:d} seconds of the kill recorded"
    " in the store"
)
def killed_soon_after_record(context: Context, seconds: int) -> None:
    """The store's kill_requested_at against the engine's first kill event after it (with
    signal 9 where the engine names signals; Podman's events do not)."""
    task_id = getattr(context, "cli_task_id", None) or context.task.id
    stored = context.harness.fresh_load(task_id)
    assert_that(stored.kill_requested_at, not_none(), "the kill recorded in the store")
    asked_at = parse_time(stored.kill_requested_at).timestamp()
    events = context.harness.events_for(task_id, until_action="destroy")
    kills = [
        e.time
        for e in events
        if e.action == "kill" and e.signal in (9, None) and e.time >= asked_at
    ]
    assert_that(kills, not_(empty()), _described(events))
    assert_that(min(kills) - asked_at, less_than_or_equal_to(seconds), _described(events))
