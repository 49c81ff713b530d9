"""Steps about faults: a broken engine connection, engine restarts, crash points,
abandoned tasks, damaged payloads and a full disk."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    all_of,
    assert_that,
    contains_string,
    empty,
    equal_to,
    greater_than_or_equal_to,
    has_length,
    is_,
    less_than,
    less_than_or_equal_to,
    not_,
    not_none,
)

from agents_runner import Engine  # the product under test, pointed at the proxy
from agents_runner.processes import ProcessIdentity
from agents_runner.states import TaskState
from agents_runner.task import parse_time
from agents_runner.testing import engine_control
from agents_runner.testing.contract_names import LABEL_TASK_ID
from agents_runner.testing.harness import STUBBORN_AGENT, WAITING_AGENT
from agents_runner.testing.log_capture import capture_records
from agents_runner.testing.oracle import raw_containers, raw_inspect
from agents_runner.testing.waiting import wait_until

# -- the engine connection ----------------------------------------------------------


@given("a runner that reaches the engine through a proxy that can cut connections")
def runner_behind_proxy(context: Context) -> None:
    context.proxy = context.harness.engine_proxy()
    context.harness.runner(engine=Engine.at(context.proxy.url))


@given('a task whose agent prints "{first}", sleeps {seconds:d} seconds and prints "{last}"')
def printing_sleeping_task(context: Context, first: str, seconds: int, last: str) -> None:
    context.spec_fields = {
        "command": ["sh", "-c", f"echo {first}; sleep {seconds}; echo {last}"],
        "timeout": 300.0,
    }


@given(
    'a task whose container is kept and whose agent prints "{first}", sleeps {seconds:d} seconds,'
    ' prints {count:d} numbered lines, sleeps {pause:d} seconds and prints "{last}"'
)
def printing_many_lines_task(
    context: Context, first: str, seconds: int, count: int, pause: int, last: str
) -> None:
    """Each line is a write of its own (the shell's echo), so a frame of its own."""
    lines = _numbered_lines(count)
    context.spec_fields = {
        "command": [
            "sh",
            "-c",
            f"echo {first}; sleep {seconds}; {lines}; sleep {pause}; echo {last}",
        ],
        "keep_container": True,
        "timeout": 300.0,
    }


def _numbered_lines(count: int) -> str:
    """A shell loop that prints "line 1" to "line COUNT", each line a write of its own."""
    return f"i=1; while [ $i -le {count} ]; do echo line $i; i=$((i+1)); done"


@given(
    "a task whose container is kept and whose agent waits for a signal file in the workspace,"
    ' then prints {count:d} numbered lines, sleeps {pause:d} seconds and prints "{last}"'
)
def waiting_then_many_lines_task(context: Context, count: int, pause: int, last: str) -> None:
    context.spec_fields = context.harness.waiting_agent(context.workspace)
    waits = "echo started; until [ -f /workspace/go ]; do sleep 0.1; done"
    command = f"{waits}; {_numbered_lines(count)}; sleep {pause}; echo {last}"
    context.spec_fields["command"] = ["sh", "-c", command]
    context.spec_fields["keep_container"] = True


@given(
    'a task whose container is kept and whose agent prints bytes that are not UTF-8 and "{first}",'
    ' sleeps {seconds:d} seconds and prints "{last}"'
)
def printing_binary_sleeping_task(context: Context, first: str, seconds: int, last: str) -> None:
    context.spec_fields = {
        "command": ["sh", "-c", rf"printf '\377\376 '; echo {first}; sleep {seconds}; echo {last}"],
        "keep_container": True,
        "timeout": 300.0,
    }


@when('its log holds "{text}" by now')
def log_holds_by_now(context: Context, text: str) -> None:
    context.harness.wait_for_log(context.task.id, text)


@when("the proxy cuts every engine connection and refuses new ones for {seconds:d} seconds")
def proxy_cuts(context: Context, seconds: int) -> None:
    context.proxy_cut_seconds = seconds
    context.proxy_cut_at = time.time()
    context.proxy.cut(seconds)


@when("the proxy lets connections through again")
def proxy_lets_through(context: Context) -> None:
    context.proxy.let_through()
    context.proxy_open_at = time.time()


@then(
    'the task is recorded "{state}" between {low:d} and {high:d} seconds after the proxy began'
    " to refuse"
)
def recorded_between(context: Context, state: str, low: int, high: int) -> None:
    ended = wait_until(
        lambda: context.harness.fresh_load(context.task.id),
        lambda task: task.state.is_terminal,
        timeout=context.proxy_cut_at + high + 5 - time.time(),
        describe=f"task {context.task.id} to end",
    )
    context.task = ended
    assert_that(ended.state, equal_to(TaskState(state)), f"error: {ended.error}")
    after = parse_time(ended.history[-1].at).timestamp() - context.proxy_cut_at
    assert_that(after, all_of(greater_than_or_equal_to(low), less_than_or_equal_to(high)))


@then("its recorded reason names no exception of the code")
def reason_without_exception(context: Context) -> None:
    """No class name (`EngineUnavailable`, `OSError`, `HTTPError`), errno or traceback."""
    reason = context.task.error or ""
    names = r"\b[A-Z]\w*(?:Error|Exception)\b|\b[A-Z][a-z]+[A-Z]\w*|Errno|Traceback"
    assert_that(re.findall(names, reason), empty(), reason)


@then("Docker, asked directly, says the task's container is still running")
def container_still_runs(context: Context) -> None:
    found = raw_inspect(context.harness.engine, context.task.container_id)
    assert_that(found, not_none(), "the task's container")
    assert_that(found["State"]["Status"], equal_to("running"))


@then("Docker's events show the task's container destroyed within {seconds:d} seconds")
def destroyed_within(context: Context, seconds: int) -> None:
    events = wait_until(
        lambda: context.harness.events.for_task(context.task.id),
        lambda events: any(e.action == "destroy" for e in events),
        timeout=seconds + 5,
        describe=f"a 'destroy' event for task {context.task.id}",
    )
    destroyed = max(e.time for e in events if e.action == "destroy")
    assert_that(destroyed - context.proxy_open_at, less_than_or_equal_to(seconds))


@then("the proxy cut at least one of the runner's connections")
def proxy_did_cut(context: Context) -> None:
    assert_that(context.proxy.connections_cut, greater_than_or_equal_to(1))


@then("while the proxy refused, the runner tried the engine at most {rate:d} times a second")
def backed_off(context: Context, rate: int) -> None:
    tries = context.proxy.connections_refused
    assert_that(tries, greater_than_or_equal_to(1), "the runner never tried the engine")
    assert_that(tries, less_than_or_equal_to(rate * context.proxy_cut_seconds), f"{tries} tries")


@then("the runner's log records say it found the engine unreachable and retried")
def runner_retried(context: Context) -> None:
    # Which of its calls meets the cut depends on timing: an engine call is retried
    # ("retrying"), the log's stream is opened again ("resuming").
    retries = [
        r
        for r in context.log_records
        if "unreachable" in r and ("; retrying" in r or "; resuming" in r)
    ]
    assert_that(retries, not_(empty()), f"the runner's records: {context.log_records}")


@then("the engine holds no container of the task")
def no_container_of_task(context: Context) -> None:
    containers = raw_containers(context.harness.engine, {LABEL_TASK_ID: context.task.id})
    assert_that(containers, is_(empty()), "containers labelled with the task's id")


@given("the engine runs with live-restore {setting}")
def engine_live_restore(context: Context, setting: str) -> None:
    wanted = setting == "on"
    if engine_control.live_restore_enabled(context.harness.engine) != wanted:
        engine_control.stop_engine()
        engine_control.start_engine(context.harness.engine, live_restore=wanted)
    assert_that(engine_control.live_restore_enabled(context.harness.engine), equal_to(wanted))


@when("the engine is stopped and started again")
def restart_engine(context: Context) -> None:
    engine_control.restart(context.harness.engine)


# -- crash points ---------------------------------------------------------------------


@given("a secret API_TOKEN with a value never seen before")
def fresh_secret(context: Context) -> None:
    context.secret_value = "secret-" + secrets.token_hex(16)


@when('the user runs a waiting agent with the secret in the foreground, armed to die at "{point}"')
def foreground_armed(context: Context, point: str) -> None:
    _start_armed(context, point)


@when(
    'the user runs a waiting agent with the secret in the foreground, armed to die at "{point}",'
    " with a deadline of {seconds:d} seconds"
)
def foreground_armed_with_deadline(context: Context, point: str, seconds: int) -> None:
    _start_armed(context, point, "--timeout", f"{seconds}s")


@when(
    "the user runs an agent that ignores SIGTERM with the secret in the foreground, with a "
    'grace of {seconds:d} seconds, armed to die at "{point}"'
)
def stubborn_foreground_armed(context: Context, seconds: int, point: str) -> None:
    _start_armed(context, point, "--grace", f"{seconds}s", script=STUBBORN_AGENT[2])


@when(
    "the user runs an agent that ignores SIGTERM with the secret in the foreground, with a "
    'grace of {grace:d} seconds and a deadline of {seconds:d} seconds, armed to die at "{point}"'
)
def stubborn_foreground_armed_with_deadline(
    context: Context, grace: int, seconds: int, point: str
) -> None:
    options = ("--grace", f"{grace}s", "--timeout", f"{seconds}s")
    _start_armed(context, point, *options, script=STUBBORN_AGENT[2])


@when(
    'the user runs in the foreground, armed to die at "{point}", an agent that prints a line'
    " of {count:d} bytes on stdout with a line on stderr in the middle of it"
)
def foreground_armed_long_line(context: Context, point: str, count: int) -> None:
    """Docker's log splits a line longer than 16 KiB into pieces that all carry the first
    piece's time, so the stderr line, logged between them, is later than the piece after
    it: the log's order and its times disagree."""
    half = count // 2
    script = (
        f"head -c {half} /dev/zero | tr '\\0' x; sleep 1; echo middle >&2; sleep 1; "
        f"head -c {count - half} /dev/zero | tr '\\0' x; echo"
    )
    context.long_line = count
    _start_armed(context, point, script=script)


@when(
    'the user runs in the foreground, armed to die at "{point}", an agent that prints half of'
    ' a line of {count:d} bytes, then "{line}" on stderr, and once let go on, the rest of the'
    " line and {lines:d} numbered lines"
)
def foreground_armed_long_line_let_go(
    context: Context, point: str, count: int, line: str, lines: int
) -> None:
    half = count // 2
    script = (
        f"head -c {half} /dev/zero | tr '\\0' x; sleep 1; echo {line} >&2; "
        "until [ -f /workspace/go ]; do sleep 0.1; done; "
        f"head -c {count - half} /dev/zero | tr '\\0' x; echo; {_numbered_lines(lines)}"
    )
    _start_armed(context, point, script=script)


@when('the user runs "{line}" through the proxy')
def run_through_proxy(context: Context, line: str) -> None:
    context.result = context.harness.cli.run(*line.split(), env={"DOCKER_HOST": context.proxy.url})
    assert_that(context.result.returncode, equal_to(0), f"stderr: {context.result.stderr!r}")


@then(
    "the task's log holds the long line's {count:d} bytes, the line \"{line}\" and"
    " {lines:d} numbered lines after them, each once"
)
def log_holds_long_line_and_lines(context: Context, count: int, line: str, lines: int) -> None:
    text = context.harness.log_text(context.task.id)
    numbered = "".join(f"line {n}\n" for n in range(1, lines + 1))
    rest = text.replace(f"{line}\n", "", 1)
    assert_that(text.count(line), equal_to(1), f"{line!r} in a log of {len(text)} characters")
    assert_that(
        (rest.count("x"), rest.endswith(numbered), len(rest)),
        equal_to((count, True, count + 1 + len(numbered))),
        f"the log without {line!r}: x's, whether it ends with the numbered lines, its length",
    )


@then("the task's log holds the long line's {count:d} bytes and the line \"{line}\", each once")
def log_holds_long_line_once(context: Context, count: int, line: str) -> None:
    text = context.harness.log_text(context.task.id)
    rest = text.replace(f"{line}\n", "", 1)
    assert_that(text.count(line), equal_to(1), f"{line!r} in a log of {len(text)} characters")
    assert_that(rest, equal_to("x" * count + "\n"), f"the log without {line!r}")


@when("{seconds:d} seconds have passed since the engine started the task's container")
def seconds_since_started(context: Context, seconds: int) -> None:
    (found,) = raw_containers(context.harness.engine, {LABEL_TASK_ID: context.task.id})
    state = raw_inspect(context.harness.engine, found["Id"])["State"]
    context.container_started = parse_time(_whole_microseconds(state["StartedAt"]))
    wait_until(
        lambda: (datetime.now(UTC) - context.container_started).total_seconds(),
        lambda passed: passed >= seconds,
        timeout=seconds + 30,
        describe=f"{seconds} s since the container's start",
    )


@when('the user runs "{line}", noting when it began')
def run_noting_start(context: Context, line: str) -> None:
    context.command_began = time.time()
    context.execute_steps(f'When the user runs "{line}"')


@then(
    'the task ends "{state}", its history running from the engine\'s start of its container,'
    " and the engine's stop signal came no sooner than {deadline:d} seconds after that start"
    " and sooner than {deadline_again:d} seconds after the command began"
)
def ended_from_container_start(
    context: Context, state: str, deadline: int, deadline_again: int
) -> None:
    """A deadline counted again from the take-over would signal the agent no sooner than
    that long after the command that took it over began."""
    ended = context.harness.wait_for_end(context.task.id)
    assert_that(ended.state, equal_to(TaskState(state)), f"error: {ended.error}")
    running = parse_time(ended.reached(TaskState.RUNNING))
    drift = abs((running - context.container_started).total_seconds())
    assert_that(drift, less_than(0.5), f"running at {running}, started {context.container_started}")
    witnesses = context.harness.signal_witnesses(context.task.id, recorded=False)
    assert_that(witnesses.kills, not_(empty()), witnesses.describe())
    signalled = witnesses.kills[0].time
    started = context.container_started.timestamp()
    assert_that(signalled - started, greater_than_or_equal_to(deadline), witnesses.describe())
    assert_that(signalled - context.command_began, less_than(deadline_again), witnesses.describe())


def _whole_microseconds(stamp: str) -> str:
    """Docker's RFC 3339 time with nanoseconds, as fromisoformat reads it."""
    head, _, rest = stamp.partition(".")
    digits = "".join(c for c in rest if c.isdigit())
    zone = rest[len(digits) :].replace("Z", "+00:00")
    return f"{head}.{digits[:6].ljust(6, '0')}{zone}" if digits else head + zone


@when("the runner process has died of SIGKILL")
def runner_died(context: Context) -> None:
    process = context.first_terminal
    _, err = process.communicate(timeout=120)
    assert_that(process.returncode, equal_to(-signal.SIGKILL), f"stderr: {err!r}")
    context.task = context.harness.newest_task()
    context.cli_task_id = context.task.id


@then("the engine holds the task's container, created and never started")
def container_created_only(context: Context) -> None:
    containers = raw_containers(context.harness.engine, {LABEL_TASK_ID: context.task.id})
    assert_that(containers, has_length(1), "containers labelled with the task's id")
    state = raw_inspect(context.harness.engine, containers[0]["Id"])["State"]
    assert_that(state["Status"], equal_to("created"))


@then("Docker reports that the task's container was destroyed without ever starting")
def destroyed_never_started(context: Context) -> None:
    events = context.harness.events_for(context.task.id, until_action="destroy")
    actions = [event.action for event in events]
    assert_that("start" in actions, is_(False), f"Docker's events: {actions}")


# -- abandoned tasks ------------------------------------------------------------------


@given('the user has started a waiting agent with "run --detach"')
def detached_waiting_agent(context: Context) -> None:
    _run_detached(context, WAITING_AGENT)


def _run_detached(context: Context, script: str) -> None:
    """`run --detach` of `script` in the scenario's workspace, once the task is running."""
    result = context.harness.cli.run(*_waiting_run(context, "--detach", script=script))
    assert_that(result.returncode, equal_to(0), f"stderr: {result.stderr!r}")
    context.cli_task_id = result.stdout.strip()
    context.task = context.harness.wait_for_state(context.cli_task_id, TaskState.RUNNING)


@given(
    'the user has started an agent that prints "{first}", then "{second}" {delay:g} s later,'
    ' and waits, with "run --detach"'
)
def detached_agent_printing_twice(context: Context, first: str, second: str, delay: float) -> None:
    _run_detached(
        context,
        f"echo {first}; sleep {delay}; echo {second}; "
        "until [ -f /workspace/go ]; do sleep 0.1; done; echo finished",
    )


@given("the log's time index on disk reaches the end of the log")
def time_index_reaches_log_end(context: Context) -> None:
    """The runner stamps what it copied a moment after copying it (and Docker's attach
    copy by a second read of the log): the precondition of a scenario about lines copied
    with their times."""
    task_id = context.cli_task_id

    def index_end() -> tuple[int, int]:
        lines = context.harness.log_times_text(task_id).splitlines()
        last = int(lines[-1].split(" ", 1)[0]) if lines else -1
        return last, len(context.harness.log_bytes(task_id))

    wait_until(
        index_end,
        lambda ends: ends[0] >= ends[1] > 0,
        timeout=30,
        describe="the time index to reach the log's end",
    )


@given("the task's detached supervisor is killed with SIGKILL")
@when("the task's detached supervisor is killed with SIGKILL")
def kill_detached_supervisor(context: Context) -> None:
    task_id = context.task.id
    owner = context.harness.detached_supervisor(task_id)
    os.kill(owner.pid, signal.SIGKILL)
    wait_until(owner.is_alive, lambda alive: not alive, timeout=10, describe="the owner to die")
    context.cli_task_id = task_id


@when('the user starts "wait {{id}}" in another terminal')
def start_wait(context: Context) -> None:
    context.waiter = context.harness.cli.start("wait", context.cli_task_id)


@then(
    'the task\'s stored owner becomes a detached supervisor that "{command}" started,'
    " as /proc shows"
)
def command_owns(context: Context, command: str) -> None:
    """`wait` and `logs -f` exit once the task ends, so each hands a task it takes over to
    a detached supervisor of its own starting (its child until then)."""
    starter = (context.waiter if command == "wait" else context.follower).pid
    owner = wait_until(
        lambda: ProcessIdentity.from_payload(context.harness.fresh_load(context.cli_task_id).owner),
        lambda owner: owner is not None and _parent_of(owner.pid) == starter,
        timeout=30,
        describe=f'a process that "{command}" (pid {starter}) started to take the task over',
    )
    assert owner is not None
    assert_that(owner.is_alive(), is_(True), f"owner {owner}")
    cmdline = Path(f"/proc/{owner.pid}/cmdline").read_bytes().split(b"\0")
    assert_that(b"agents_runner.detached" in cmdline, is_(True), f"{cmdline}")


def _parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


@when('the user starts "logs -f {{id}}" in a third terminal')
def start_logs_follow(context: Context) -> None:
    _follow_log(context)


@then('"logs -f" exits with status 0, having printed the task\'s log exactly, each byte once')
def follower_printed_log_once(context: Context) -> None:
    """A copy that grew with frames it already had and was then cut back would have been
    printed with them, or printed again from its start."""
    context.follower.wait(timeout=120)
    assert_that(context.follower.returncode, equal_to(0), '"logs -f" exit status')
    printed = context.follower_output.read_bytes()
    logged = context.harness.log_bytes(context.task.id)
    assert_that(
        (len(printed), printed == logged), equal_to((len(logged), True)), "printed vs the log"
    )


@given("a proxy in front of the engine")
def proxy_in_front(context: Context) -> None:
    context.proxy = context.harness.engine_proxy()


@given('the user has started "logs -f {{id}}" through the proxy, and it has printed "{text}"')
def follow_through_proxy(context: Context, text: str) -> None:
    _follow_log(context, env={"DOCKER_HOST": context.proxy.url})
    wait_until(
        lambda: (context.follower_output.read_bytes(), context.follower.poll()),
        lambda seen: f"{text}\n".encode() in seen[0] or seen[1] is not None,
        timeout=60,
        describe=f'"logs -f" to print {text!r}',
    )
    assert_that(context.follower.poll(), is_(None), '"logs -f" is still following')


def _follow_log(context: Context, env: dict[str, str] | None = None) -> None:
    """`logs -f` in the background, its output written to a file read as it grows."""
    context.follower_output = context.harness.workspace() / "logs-follow.out"
    context.follower = context.harness.cli.start_into_file(
        context.follower_output, "logs", "-f", context.cli_task_id, env=env
    )


@then(
    "once that supervisor has asked the proxy for the task's followed log, the task's log"
    ' is still exactly "{text}"'
)
def log_kept_across_takeover(context: Context, text: str) -> None:
    followed_log_asked_for(context)
    assert_that(context.harness.log_bytes(context.cli_task_id), equal_to(f"{text}\n".encode()))


@when("that supervisor has asked the proxy for the task's followed log")
def followed_log_asked_for(context: Context) -> None:
    wait_until(
        context.proxy.followed_log_requests,
        lambda count: count > 0,
        timeout=30,
        describe="the new owner to ask the proxy for the task's followed log",
    )


@then('"wait" exits with status 0 and prints that the task is completed')
def waiter_done(context: Context) -> None:
    out, err = context.waiter.communicate(timeout=60)
    assert_that(context.waiter.returncode, equal_to(0), f"stderr: {err!r}")
    assert_that(out, equal_to(f"{context.cli_task_id} completed\n"))


@then('"logs -f" exits with status 0 after printing "{first}" and "{last}"')
def follower_done(context: Context, first: str, last: str) -> None:
    _, err = context.follower.communicate(timeout=60)
    assert_that(context.follower.returncode, equal_to(0), f"stderr: {err!r}")
    assert_that(context.follower_output.read_text(), equal_to(f"{first}\n{last}\n"))


@then('"logs -f" exits with status 0 after printing the lines {lines}')
def follower_printed_lines(context: Context, lines: str) -> None:
    _, err = context.follower.communicate(timeout=60)
    assert_that(context.follower.returncode, equal_to(0), f"stderr: {err!r}")
    expected = "".join(f"{line}\n" for line in re.findall(r'"([^"]*)"', lines))
    assert_that(context.follower_output.read_text(), equal_to(expected))


@given("a task whose agent waits for a signal file in the workspace")
def waiting_task(context: Context) -> None:
    context.spec_fields = context.harness.waiting_agent(context.workspace)


@given("the agent has started")
@when("the agent has started")
def agent_started(context: Context) -> None:
    context.harness.wait_for_log(context.task.id, "started")


@when("the runner is closed without waiting")
def close_without_waiting(context: Context) -> None:
    context.harness.runner().close(wait=False)


@then("the task's file names no owner, and the task is not ended")
def released_task(context: Context) -> None:
    stored = json.loads(context.harness.payload_bytes(context.task.id))
    assert_that((stored["owner"], stored["state"]), equal_to((None, "running")))


@when("a new TaskRunner in the same process opens the state dir")
def new_runner_same_process(context: Context) -> None:
    context.harness.runner(recover=True)


@when(
    "a new TaskRunner in the same process opens the state dir through a proxy of its own, and"
    " once that proxy has passed the agent's first line on, it holds back everything the"
    " engine sends on followed log streams"
)
def new_runner_then_hold(context: Context) -> None:
    """Once the new runner's followed log has passed the first line on, its copy has a
    place in the log to complete from. A proxy of its own: the first runner's followed
    stream (its stamper's), asked for under load only as the runner let go, would pass
    the same line on; the reads checked after are the new runner's alone too."""
    context.proxy = context.harness.engine_proxy()
    context.harness.runner(recover=True, engine=Engine.at(context.proxy.url))
    wait_until(
        context.proxy.followed_log_outputs,
        lambda passed: any(b"started\n" in output for output in passed),
        timeout=30,
        describe="the new runner's followed log to pass the agent's first line on",
    )
    context.proxy.hold_log_streams()


@when(
    "a new TaskRunner in the same process opens the state dir through a proxy of its own,"
    " which holds back everything the engine sends on followed log streams"
)
def hold_then_new_runner(context: Context) -> None:
    context.proxy = context.harness.engine_proxy()
    context.proxy.hold_log_streams()
    context.harness.runner(recover=True, engine=Engine.at(context.proxy.url))


# What each Examples row's "whence" says of the reads that completed the copy, in the
# kinds of read the proxy passed: the log's last frames (tail=N), the log after a time
# (since=), or the whole log.
_WHENCE_READS = {
    "from the log's last frames": lambda kinds: set(kinds) == {"last frames"},
    # Before the shorter key it begins with: the first key the words start with is taken.
    "from a plain read of the whole log, over the copy (more than the last frames looked": (
        lambda kinds: kinds[-1] == "whole log" and set(kinds[:-1]) == {"last frames"}
    ),
    "from a plain read of the whole log": lambda kinds: set(kinds) == {"whole log"},
}


def _read_kind(query: str) -> str:
    fields = dict(part.partition("=")[::2] for part in query.split("&"))
    if fields.get("tail", "all") != "all":
        return "last frames"
    return "after a time" if "since" in fields else "whole log"


@then(
    "the rest of its output was read {whence}, by the log reads the new runner's proxy passed"
    " (on Podman, whose followed log may skip records, always from the whole log)"
)
def read_whence(context: Context, whence: str) -> None:
    kinds = [_read_kind(query) for query in context.proxy.plain_log_reads]
    if context.harness.engine.kind == "podman":
        wanted = _WHENCE_READS["from a plain read of the whole log"]
    else:
        wanted = next(check for start, check in _WHENCE_READS.items() if whence.startswith(start))
    assert_that(kinds and wanted(kinds), is_(True), f"the reads: {kinds}")


@when("another runner without recovery kills the task")
def other_runner_kills(context: Context) -> None:
    context.harness.runner(recover=False).request_kill(context.task.id)


# -- damaged payloads and full disks ---------------------------------------------------


@when('its stored payload is overwritten with "{text}"')
def overwrite_payload(context: Context, text: str) -> None:
    context.harness.runner().store.payload_path(context.task.id).write_text(text)
    context.cli_task_id = context.task.id


@when("its stored payload says it has schema {schema:d}")
def payload_schema(context: Context, schema: int) -> None:
    path = context.harness.runner().store.payload_path(context.task.id)
    payload = json.loads(path.read_bytes())
    payload["schema"] = schema
    path.write_text(json.dumps(payload))
    context.payload_before = path.read_bytes()
    context.cli_task_id = context.task.id


@when('the user runs "{line}", which must answer within {seconds:d} seconds')
def user_runs_bounded(context: Context, line: str, seconds: int) -> None:
    args = line.replace("{id}", context.cli_task_id).split()
    if args[0] == "run":
        args[1:1] = ["--image", context.harness.image]
    try:
        context.result = context.harness.cli.run(*args, timeout=seconds)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"'agents-runner {line}' did not answer in {seconds}s") from None


@then("the state dir's queue holds no slot and active/ no marker of the first task")
def no_slot_left(context: Context) -> None:
    state_dir, task_id = context.harness.state_dir, context.cli_task_id
    slots = [name for name in os.listdir(state_dir / "queue" / "running") if task_id in name]
    assert_that(slots, is_(empty()), "queue/running/")
    assert_that((state_dir / "active" / task_id).exists(), is_(False), "its active/ marker")


@then("the payload is still in place, byte for byte, and nothing is in quarantine")
def payload_in_place(context: Context) -> None:
    store = context.harness.runner().store
    assert_that(store.payload_path(context.task.id).read_bytes(), equal_to(context.payload_before))
    assert_that(list(store.quarantine_dir.iterdir()), is_(empty()))


@given("a state dir on a {size:d} MiB disk of its own")
def small_state_dir(context: Context, size: int) -> None:
    context.disk = context.harness.small_disk(f"{size}m")
    context.harness.move_state_dir(context.disk.path / "state")
    context.runner_warnings = capture_records(context, "agents_runner", logging.WARNING)


@given("the state dir's disk is filled up")
@when("the state dir's disk is filled up")
def fill_disk(context: Context) -> None:
    context.disk.fill()
    assert_that(context.disk.is_full(), is_(True), "the disk is full")


@then("the runner warns that it cannot record the end and keeps the container")
def warns_cannot_record(context: Context) -> None:
    _runner_warns(context, "cannot record the end")
    kept = raw_containers(context.harness.engine, {LABEL_TASK_ID: context.task.id})
    assert_that(kept, has_length(1), "the task's container, as the engine lists it")


@then("while the disk is full Docker still holds the container, exited with code {code:d}")
def container_kept(context: Context, code: int) -> None:
    assert_that(context.disk.is_full(), is_(True), "the disk is still full")
    containers = raw_containers(context.harness.engine, {LABEL_TASK_ID: context.task.id})
    assert_that(containers, has_length(1), "containers labelled with the task's id")
    state = raw_inspect(context.harness.engine, containers[0]["Id"])["State"]
    assert_that((state["Status"], state["ExitCode"]), equal_to(("exited", code)))


LONG_LINE = "L" * 99_999 + "\n"


@given(
    'a task whose agent prints "started", then a line of 100,000 bytes when told to, then '
    "waits for a signal file"
)
def long_line_on_cue_task(context: Context) -> None:
    script = (
        "echo started; until [ -f /workspace/say ]; do sleep 0.1; done; "
        f"head -c {len(LONG_LINE) - 1} /dev/zero | tr '\\0' L; echo; "
        "until [ -f /workspace/go ]; do sleep 0.1; done; echo finished"
    )
    context.spec_fields = {
        **context.harness.waiting_agent(context.workspace),
        "command": ["sh", "-c", script],
    }


@when("the agent is told to print its long line")
def tell_agent_to_say(context: Context) -> None:
    (context.workspace / "say").write_text("")


@then("the runner warns that it cannot write the log")
def warns_cannot_write_log(context: Context) -> None:
    _runner_warns(context, "cannot write the log")


def _runner_warns(context: Context, words: str) -> None:
    wait_until(
        lambda: list(context.runner_warnings),
        lambda seen: any(words in line for line in seen),
        timeout=60,
        describe=f"a warning that says {words!r}",
    )


@then("the task's log holds the long line while the agent still runs")
def long_line_while_running(context: Context) -> None:
    context.harness.wait_for_log(context.task.id, LONG_LINE, timeout=60)
    task = context.harness.fresh_load(context.task.id)
    assert_that(task.state, equal_to(TaskState.RUNNING), "the task, once its log held the line")
    assert_that((context.workspace / "go").exists(), is_(False), "the agent was not let go on")


@then('the task\'s log holds "started", the long line and "finished", and nothing else')
def log_with_long_line(context: Context) -> None:
    log = context.harness.log_text(context.task.id)
    assert_that(log, equal_to(f"started\n{LONG_LINE}finished\n"))


@when("the disk is given room again")
def free_disk(context: Context) -> None:
    context.disk.free()


@then("no container was created")
def no_container_created(context: Context) -> None:
    assert_that(context.harness.leftover_containers(), is_(empty()))
    assert_that(context.harness.all_events(proven=True), is_(empty()))


# -- helpers ---------------------------------------------------------------------------


def _start_armed(context: Context, point: str, *options: str, script: str = WAITING_AGENT) -> None:
    """A foreground run with the secret, armed to die at `point`, in the first terminal."""
    context.first_terminal = context.harness.cli.start(
        *_waiting_run(context, "--secret", "API_TOKEN", *options, script=script),
        env={"API_TOKEN": context.secret_value, "AGENTS_RUNNER_FAILPOINTS": point},
    )


def _waiting_run(context: Context, *options: str, script: str = WAITING_AGENT) -> list[str]:
    return [
        "run",
        *options,
        "--image",
        context.harness.image,
        "--workspace",
        str(context.workspace),
        "--",
        "sh",
        "-c",
        script,
    ]


@then('its log is exactly the lines "{first}" and "{last}"')
def log_is_two_lines(context: Context, first: str, last: str) -> None:
    assert_that(context.harness.log_text(context.task.id), equal_to(f"{first}\n{last}\n"))


def _holds_a_lock(pid: int) -> bool:
    """Whether /proc/locks shows `pid` holding a file lock (the store's flock)."""
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[1] == "FLOCK" and fields[4] == str(pid):
            return True
    return False


def _process_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@given("the task's detached supervisor is frozen with SIGSTOP, holding no lock")
def freeze_supervisor(context: Context) -> None:
    owner = context.harness.detached_supervisor(context.cli_task_id)
    context.frozen_pid = owner.pid
    context.add_cleanup(lambda: os.kill(owner.pid, signal.SIGCONT) if owner.is_alive() else None)

    def frozen_without_lock() -> bool:
        os.kill(owner.pid, signal.SIGSTOP)
        wait_until(
            lambda: _process_state(owner.pid),
            lambda state: state == "T",
            timeout=10,
            describe="the supervisor to stop",
        )
        if not _holds_a_lock(owner.pid):
            return True
        os.kill(owner.pid, signal.SIGCONT)  # frozen mid-write: let it finish, try again
        return False

    wait_until(frozen_without_lock, bool, timeout=30, describe="a freeze outside the lock")


@then(
    'the stored task is "{state}", with the cancel request recorded, while its owner is '
    "still frozen"
)
def stopping_while_frozen(context: Context, state: str) -> None:
    stored = context.harness.fresh_load(context.cli_task_id)
    assert_that(stored.state, equal_to(TaskState(state)))
    assert_that(
        (stored.stop_reason, stored.stop_requested_at is not None), equal_to(("cancel", True))
    )
    assert_that(_process_state(context.frozen_pid), equal_to("T"))


@when("the task's detached supervisor is let go on with SIGCONT")
def thaw_supervisor(context: Context) -> None:
    os.kill(context.frozen_pid, signal.SIGCONT)


@given("the proxy holds back everything the engine sends on followed log streams from now on")
@when("the proxy holds back everything the engine sends on followed log streams from now on")
def proxy_holds_logs(context: Context) -> None:
    context.proxy.hold_log_streams()


@when("the proxy holds back everything the engine sends on attach streams from now on")
def proxy_holds_attach(context: Context) -> None:
    context.proxy.hold_attach_streams()


def _lock_waiters(pid: int, inode: int) -> bool:
    """Whether /proc/locks shows `pid` blocked on the file with this inode."""
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        waiting = len(fields) > 6 and fields[1] == "->" and fields[5] == str(pid)
        if waiting and fields[6].rsplit(":", 1)[-1] == str(inode):
            return True
    return False


@when("this process holds the task's lock")
def hold_task_lock(context: Context) -> None:
    store = context.harness.runner().store
    context.held_lock = store.locked(context.task.id)
    context.held_lock.__enter__()
    context.lock_path = store.locks_dir / f"{context.task.id}.lock"


@when('the user runs "rm" on the task in a second terminal, which waits on the task\'s lock')
def rm_waits(context: Context) -> None:
    context.rm = context.harness.cli.start("rm", context.task.id)
    context.old_inode = old = os.stat(context.lock_path).st_ino
    wait_until(
        lambda: _lock_waiters(context.rm.pid, old),
        bool,
        timeout=30,
        describe="rm to wait on the task's lock",
    )


def _file_with_inode_above(folder: Path, inode: int) -> Path:
    """A new empty file in `folder` whose inode number is above `inode`."""
    made = []
    try:
        for attempt in range(500):
            path = folder / f".candidate-{attempt}"
            path.touch(mode=0o600)
            made.append(path)
            if path.stat().st_ino > inode:
                made.remove(path)
                return path
        raise AssertionError(f"no new file got an inode number above {inode}")
    finally:
        for path in made:
            path.unlink()


@when(
    "under the lock, this process removes the task, and another thread of it locks a new"
    " lock file at the task's lock path, one with a higher inode number, and holds it"
)
def remove_and_relock(context: Context) -> None:
    store = context.harness.runner().store
    store.delete(context.task.id)  # under the lock this thread holds, as rm or prune would
    # A higher inode number: a check that compares inodes by order, not identity, would
    # take this file for the one it waited on.
    new_file = _file_with_inode_above(store.locks_dir, context.old_inode)
    context.new_inode = new_file.stat().st_ino
    os.rename(new_file, context.lock_path)
    locked, release = threading.Event(), threading.Event()

    def hold_new() -> None:
        with store.locked(context.task.id):
            locked.set()
            release.wait(60)

    context.new_lock_holder = threading.Thread(target=hold_new, name="new-lock", daemon=True)
    context.new_lock_holder.start()
    context.release_new_lock = release
    assert locked.wait(10), "the other thread locked the new lock file"


@when("this process lets go of the first lock")
def release_first_lock(context: Context) -> None:
    context.held_lock.__exit__(None, None, None)


@then('"rm" waits on the new lock file, as /proc/locks shows')
def rm_waits_on_new(context: Context) -> None:
    wait_until(
        lambda: _lock_waiters(context.rm.pid, context.new_inode) or context.rm.poll() is not None,
        bool,
        timeout=30,
        describe="rm to wait on the new lock file",
    )
    assert_that(context.rm.poll(), is_(None), "rm went on without the new lock")


@when("the other thread lets go of the new lock file")
def release_new_lock(context: Context) -> None:
    context.release_new_lock.set()
    context.new_lock_holder.join(30)


@then('"rm" ends with status 0 and says nothing on stderr, and the task\'s payload is gone')
def rm_ends(context: Context) -> None:
    _, err = context.rm.communicate(timeout=60)
    assert_that((context.rm.returncode, err), equal_to((0, "")), "rm's status and stderr")
    payload = context.harness.runner().store.payload_path(context.task.id)
    assert_that(payload.exists(), is_(False), f"{payload} exists")


@given("the proxy holds back the engine's answers to container starts from now on")
def proxy_holds_starts(context: Context) -> None:
    context.proxy.hold_start_answers()


@when("the proxy lets the engine's answers to container starts through")
def proxy_releases_starts(context: Context) -> None:
    context.proxy.release_start_answers()


# The proxy's kinds of held request (engine_proxy.HELD_REQUESTS), by the words of a step.
_REQUEST_KINDS = {"create": "create", "wait for": "wait"}


@given("the proxy holds back requests to {kind} a container from now on")
def proxy_holds_requests(context: Context, kind: str) -> None:
    context.proxy.hold_requests(_REQUEST_KINDS[kind])


@when("the proxy lets requests to {kind} a container through")
def proxy_releases_requests(context: Context, kind: str) -> None:
    context.proxy.release_requests(_REQUEST_KINDS[kind])


@when("the proxy holds back the runner's wait for the task's container")
def wait_held(context: Context) -> None:
    context.proxy.wait_until_held("wait")


@when("the engine reports the task's container running, its start not yet answered")
def container_running_unanswered(context: Context) -> None:
    wait_until(
        lambda: context.harness.container(context.task),
        lambda found: bool(found and found["State"]["Running"]),
        timeout=60,
        describe="the engine to report the task's container running",
    )
    task = context.harness.fresh_load(context.task.id)
    assert_that(task.state, equal_to(TaskState.STARTING), "the task, its start unanswered")


@given(
    "the user runs an agent that announces a clean shutdown on SIGTERM in the foreground"
    " in a first terminal, its error output to a file"
)
def foreground_trapping_agent_errors_to_file(context: Context) -> None:
    context.first_errors = context.harness.workspace() / "run-errors"
    context.first_terminal = context.harness.cli.start_with_errors_into_file(
        context.first_errors, *context.harness.trapping_run_argv()
    )


@then("the first terminal's command says it cannot record the {what} yet, and goes on")
def ask_not_recorded_yet(context: Context, what: str) -> None:
    line = (
        f"agents-runner: cannot record the {what} of task {context.task.id} yet: "
        "No space left on device; trying again\n"
    )
    errors = wait_until(
        context.first_errors.read_text,
        lambda said: line in said or context.first_terminal.poll() is not None,
        timeout=60,
        describe=f"the run to say it cannot record the {what} yet",
    )
    assert_that(context.first_terminal.poll(), is_(None), f"the run exited; it said: {errors}")
    assert_that(context.disk.is_full(), is_(True), "the disk is still full")
    stored = context.harness.fresh_load(context.task.id)
    requested = {"cancel": stored.stop_requested_at, "kill": stored.kill_requested_at}[what]
    assert_that(requested, is_(None), f"the stored {what} request")
    container = raw_containers(context.harness.engine, {LABEL_TASK_ID: context.task.id})
    assert_that(container, has_length(1), "the task's container, as the engine lists it")
    state = raw_inspect(context.harness.engine, container[0]["Id"])["State"]
    assert_that(state["Status"], equal_to("running"), "its container, as the engine inspects it")


@then(
    "the first terminal's error output said it cannot record the {asks} once each,"
    " and holds no traceback"
)
def first_errors_said_once(context: Context, asks: str) -> None:
    errors = context.first_errors.read_text()
    for what in asks.split(" and "):
        assert_that(errors.count(f"cannot record the {what} "), equal_to(1), errors)
    assert_that(errors, not_(contains_string("Traceback")))


@then("its error output names the state dir")
def names_the_state_dir(context: Context) -> None:
    named = f"cannot use the state dir {context.harness.cli.state_dir}"
    assert_that(context.result.stderr, contains_string(named))
