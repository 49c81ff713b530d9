"""Steps about bad input: invalid specs, unknown ids, corrupted payloads."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    assert_that,
    contains_string,
    empty,
    equal_to,
    has_item,
    has_length,
    instance_of,
    is_,
    starts_with,
)

from agents_runner import TaskRunner
from agents_runner.store import TaskNotFound
from agents_runner.task import new_task_id


def _changed(good: bytes, task_id: str, change: Callable[[dict], object]) -> bytes:
    """The good payload under the corrupted one's id, with one change."""
    payload = {**json.loads(good), "id": task_id}
    change(payload)
    return json.dumps(payload).encode()


_CORRUPTIONS: dict[str, Callable[[bytes, str], bytes]] = {
    "truncated JSON": lambda good, _: good[: len(good) // 2],
    "of a schema no version wrote": lambda good, task_id: _changed(
        good, task_id, lambda p: p.update(schema=0)
    ),
    "not a JSON object": lambda good, _: b'["a", "list"]',
    "whole, but its labels are text": lambda good, task_id: _changed(
        good, task_id, lambda p: p["spec"].update(labels="oops")
    ),
    "whole, but its command is a number": lambda good, task_id: _changed(
        good, task_id, lambda p: p["spec"].update(command=5)
    ),
    "whole, but its error is a number": lambda good, task_id: _changed(
        good, task_id, lambda p: p.update(error=5)
    ),
    "whole, but its timeout is a word": lambda good, task_id: _changed(
        good, task_id, lambda p: p["spec"].update(timeout="soon")
    ),
    "whole, but a time has no time zone": lambda good, task_id: _changed(
        good, task_id, lambda p: p.update(updated_at="2020-01-01T00:00:00")
    ),
}


@when("a task is submitted with {field} set to {value}")
def submit_invalid(context: Context, field: str, value: str) -> None:
    fields = {"agent": "echo", "prompt": "never stored", field: json.loads(value)}
    try:
        context.harness.submit(**fields)
        context.error = None
    except ValueError as exc:
        context.error = exc


@then('it is refused with an error that names "{field}"')
def refused_naming(context: Context, field: str) -> None:
    assert_that(context.error, instance_of(ValueError), "the error raised")
    assert_that(str(context.error), starts_with(f"{field}:"))


@then('it is refused, its error naming "{field}" and saying "{says}"')
def refused_naming_why(context: Context, field: str, says: str) -> None:
    refused_naming(context, field)
    assert_that(str(context.error), contains_string(says))


@then("nothing was stored and no container was created")
def nothing_stored(context: Context) -> None:
    store = context.harness.runner().store
    assert_that(list(store.tasks_dir.iterdir()), is_(empty()), "files in tasks/")
    # The engine's events, not a list of what is left: a container made and removed counts.
    creations = [e for e in context.harness.all_events(proven=True) if e.action == "create"]
    assert_that(creations, is_(empty()), "containers the engine created")


@when("a runner is opened on a state dir not yet made, with {option} set to {value}")
def open_runner_with(context: Context, option: str, value: str) -> None:
    context.unmade_state_dir = context.harness.state_dir / "not-yet-made"
    options = {option: json.loads(value), "recover": False}
    context.error = _error_of(lambda: TaskRunner(context.unmade_state_dir, **options).close())


@then('it is refused with a TypeError naming "{option}" and saying "{says}"')
def refused_with_type_error(context: Context, option: str, says: str) -> None:
    assert_that(context.error, instance_of(TypeError), "the error raised")
    assert_that(str(context.error), starts_with(f"{option}:"))
    assert_that(str(context.error), contains_string(says))


@then("that state dir was not made")
def state_dir_not_made(context: Context) -> None:
    assert_that(context.unmade_state_dir.exists(), is_(False), str(context.unmade_state_dir))


@when('the user asks for the task "{task_id}", which does not exist')
def ask_unknown(context: Context, task_id: str) -> None:
    context.unknown_id = task_id
    context.error = _error_of(lambda: context.harness.runner().get(task_id))


@then('the error names "{task_id}"')
def error_names(context: Context, task_id: str) -> None:
    assert_that(context.error, instance_of(TaskNotFound))
    assert_that(str(context.error), contains_string(task_id))


@then("cancelling it or killing it gives the same error")
def requests_on_unknown(context: Context) -> None:
    runner = context.harness.runner()
    for request in (runner.request_stop, runner.request_kill):
        error = _error_of(lambda request=request: request(context.unknown_id))
        assert_that(str(error), equal_to(str(context.error)))


@given("a stored payload that is {kind}")
def corrupted_payload(context: Context, kind: str) -> None:
    store = context.harness.runner().store
    good = store.payload_path(context.task.id).read_bytes()
    context.corrupt_id = new_task_id()
    store.payload_path(context.corrupt_id).write_bytes(_CORRUPTIONS[kind](good, context.corrupt_id))
    context.warnings = _capture_warnings(context, "agents_runner.store")


@when("the tasks are listed")
def list_tasks(context: Context) -> None:
    context.listed = context.harness.runner().list()


@then("the task that ended is listed, unchanged")
def ended_task_listed(context: Context) -> None:
    assert_that([t.to_payload() for t in context.listed], equal_to([context.task.to_payload()]))


@then('the corrupted payload is in quarantine with a reason saying "{reason}"')
def quarantined(context: Context, reason: str) -> None:
    store = context.harness.runner().store
    moved = sorted(store.quarantine_dir.glob(f"{context.corrupt_id}.json.*"))
    assert_that([p.name.endswith(".reason") for p in moved], equal_to([False, True]))
    assert_that(moved[1].read_text(), contains_string(reason))
    assert_that(store.payload_path(context.corrupt_id).exists(), is_(False))


@then("a warning was logged naming the quarantined payload")
def warning_logged(context: Context) -> None:
    messages = [r.getMessage() for r in context.warnings if r.levelno == logging.WARNING]
    assert_that(messages, has_length(1))
    assert_that(messages, has_item(contains_string(f"{context.corrupt_id}.json")))


def _error_of(action) -> Exception | None:
    try:
        action()
    except Exception as exc:
        return exc
    return None


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _capture_warnings(context: Context, logger_name: str) -> list[logging.LogRecord]:
    collector = _Collector()
    logger = logging.getLogger(logger_name)
    logger.addHandler(collector)
    context.add_cleanup(logger.removeHandler, collector)
    return collector.records
