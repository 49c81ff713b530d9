"""Steps for what the read verbs show a person: `show`'s summary, `list`'s table (newest
first, the command or agent, the reason of the end, cut to fit) and `logs -t`."""

from __future__ import annotations

import json
import re
import shlex

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    all_of,
    assert_that,
    ends_with,
    equal_to,
    greater_than_or_equal_to,
    has_length,
    is_not,
    less_than,
    less_than_or_equal_to,
    none,
    starts_with,
)

from agents_runner.logstream import to_unix_nanos
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.store import TaskStore
from agents_runner.task import Task

_FIELD = re.compile(r"^([A-Z][\w -]*):\s+(.*)$")


def _expand(context: Context, text: str) -> str:
    return text.replace("{image}", context.harness.image).replace("{id}", context.cli_task_id)


def _fields(output: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in output.splitlines():
        match = _FIELD.match(line)
        if match:
            fields.setdefault(match.group(1), match.group(2).rstrip())
    return fields


def _stored(context: Context) -> dict:
    return json.loads(context.harness.payload_bytes(context.cli_task_id))


@then("its output shows these fields")
def shows_fields(context: Context) -> None:
    shown = _fields(context.result.stdout)
    expected = {row["field"]: _expand(context, row["value"]) for row in context.table}
    assert_that({k: shown.get(k) for k in expected}, equal_to(expected), context.result.stdout)


@then("its output shows the task's created, started and ended times as stored")
def shows_times(context: Context) -> None:
    stored = _stored(context)
    at = {entry["state"]: entry["at"] for entry in stored["history"]}
    shown = _fields(context.result.stdout)
    wanted = {
        "Created": stored["created_at"],
        "Started": at["running"],
        "Ended": at[stored["state"]],
    }
    assert_that({k: shown.get(k) for k in wanted}, equal_to(wanted), context.result.stdout)


@then("its output shows each state the task passed through, in order, with its time as stored")
def shows_history(context: Context) -> None:
    lines = context.result.stdout.splitlines()
    start = lines.index("History:") + 1
    shown = [line.split() for line in lines[start:] if line.startswith("  ")]
    stored = [[entry["state"], entry["at"]] for entry in _stored(context)["history"]]
    assert_that(shown, equal_to(stored), context.result.stdout)


@when('the user runs "{line}" on a terminal {columns:d} columns wide')
def run_with_columns(context: Context, line: str, columns: int) -> None:
    context.result = context.harness.cli.run(*shlex.split(line), env={"COLUMNS": str(columns)})
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)
    context.columns = columns


def _table(context: Context) -> list[dict[str, str]]:
    """The rows of `list`, cut at the header's column starts."""
    header, *rows = context.result.stdout.splitlines()
    names = header.split()
    starts = [header.index(f" {name}") + 1 if i else 0 for i, name in enumerate(names)]
    ends = [*starts[1:], None]
    return [
        {n: row[s:e].strip() for n, s, e in zip(names, starts, ends, strict=True)} for row in rows
    ]


@then("its rows list the tasks newest first")
def newest_first(context: Context) -> None:
    tasks = sorted(context.harness.runner().list(), key=lambda t: t.created_at, reverse=True)
    assert_that([row["ID"] for row in _table(context)], equal_to([t.id for t in tasks]))
    assert_that(tasks, has_length(3))


def _cells(text: str) -> list[str]:
    return [cell.replace('\\"', '"') for cell in re.findall(r'"((?:[^"\\]|\\.)*)"', text)]


@then("the rows' {column} column reads {cells}")
def column_reads(context: Context, column: str, cells: str) -> None:
    shown = [row[column] for row in _table(context)]
    if ", and a beginning of " in cells:
        head, tail = cells.split(", and a beginning of ")
        expected = _cells(head)
        beginning = _cells(tail)[0]
        assert_that(shown[: len(expected)], equal_to(expected), context.result.stdout)
        last = shown[len(expected)]
        assert_that(last, ends_with("…"))
        assert_that(beginning, starts_with(last[:-1][: len(beginning)]))
        assert_that(len(last), greater_than_or_equal_to(2), context.result.stdout)
        return
    assert_that(shown, equal_to(_cells(cells)), context.result.stdout)


@then("no line of its output is longer than {columns:d} characters")
def lines_fit(context: Context, columns: int) -> None:
    longest = max(len(line) for line in context.result.stdout.splitlines())
    assert_that(longest, less_than_or_equal_to(columns), context.result.stdout)


@when("the user notes the engine's timestamp of each line of the log")
def note_line_times(context: Context) -> None:
    """docker logs -t, read from the engine while the container runs."""
    container_id = context.harness.fresh_load(context.cli_task_id).container_id
    logs = context.harness.engine.api.logs(container_id, timestamps=True).decode()
    context.engine_times = {}
    for entry in logs.splitlines():
        stamp, _, line = entry.partition(" ")
        context.engine_times[line] = stamp


@then("its output is the lines {lines}, each after the engine's time of it")
def lines_with_times(context: Context, lines: str) -> None:
    expected = _cells(lines)
    shown = context.result.stdout.splitlines()
    assert_that([line.partition(" ")[2] for line in shown], equal_to(expected), repr(shown))
    for line in shown:
        stamp, _, text = line.partition(" ")
        assert_that(stamp, ends_with("Z"), line)
        _assert_engine_time(stamp, context.engine_times[text], line)


def _nanos(stamp: str) -> int:
    seconds, _, nanos = to_unix_nanos(stamp.encode()).partition(".")
    return int(seconds) * 10**9 + int(nanos)


@given('{count:d} ended tasks in the state dir whose ids start with "{prefix}"')
def tasks_sharing_a_prefix(context: Context, count: int, prefix: str) -> None:
    """Tasks as earlier runs leave them, with ids chosen to share a prefix (random ids
    would share one only by chance)."""
    store = TaskStore(context.harness.state_dir)
    for number in range(count):
        task = Task.new(TaskSpec(image=context.harness.image, command=["true"]))
        task.id = f"{prefix}{number:0{12 - len(prefix)}d}"
        store.create(task)
        for state in (TaskState.STARTING, TaskState.RUNNING, TaskState.COMPLETED):
            store.transition(task.id, state)


@when("the user notes the engine's timestamp of each line of the log, from its frames")
def note_line_times_from_frames(context: Context) -> None:
    """The engine's own log read frame by frame, where its command would lose the line
    breaks: a long line comes in pieces that all carry the line's first time (a frame
    with no newline goes on in the next one of the same time), and on a Swarm node its
    last piece has no newline either."""
    task = context.harness.fresh_load(context.cli_task_id)
    engine = context.harness.engine
    if engine.kind == "swarm":
        found = (context.harness.container(task) or {}).get("Id")
        assert found, "the task's container, on its node"
        api, container_id = engine.api.node_of(found).api, found
    else:
        api, container_id = engine.api, task.container_id
    context.engine_times = {}
    line, stamp, goes_on = b"", b"", False
    for frame in api.logs(container_id, timestamps=True, stream=True, follow=False):
        frame_stamp, _, body = frame.partition(b" ")
        if not (goes_on and frame_stamp == stamp):
            if stamp:
                context.engine_times[line.rstrip(b"\n").decode()] = stamp.decode()
            line, stamp = b"", frame_stamp
        line += body
        goes_on = not body.endswith(b"\n")
    if stamp:
        context.engine_times[line.rstrip(b"\n").decode()] = stamp.decode()


@then('its output is a line of {size:d} bytes, then "{text}", each after the engine\'s time of it')
def long_line_then_text_with_times(context: Context, size: int, text: str) -> None:
    shown = context.result.stdout.splitlines()
    texts = [line.partition(" ")[2] for line in shown]
    assert_that([len(t) for t in texts], equal_to([size, len(text)]), repr(shown)[:300])
    assert_that(texts[1], equal_to(text))
    for line in shown:
        stamp, _, line_text = line.partition(" ")
        engine_stamp = context.engine_times.get(line_text)
        assert_that(engine_stamp, is_not(none()), f"{line[:80]}… is a line of the engine's log")
        _assert_engine_time(stamp, engine_stamp, line[:80])


def _assert_engine_time(stamp: str, engine_stamp: str, line: str) -> None:
    gap = _nanos(stamp) - _nanos(engine_stamp)
    if "." in engine_stamp:  # the index is exact to 10 ms, either way
        assert_that(abs(gap), less_than(10_000_000), f"{line} vs {engine_stamp}")
    else:  # an engine that stamps whole seconds (Podman): within that second
        assert_that(gap, all_of(greater_than_or_equal_to(0), less_than(10**9)), line)
