"""Steps that signal a foreground `run` or close the pipe it writes its output to, as
`timeout`, a CI job, a closed terminal or `| head` do."""

from __future__ import annotations

import shlex
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, contains_string, equal_to, is_not

from agents_runner.states import TaskState
from agents_runner.task import parse_time
from agents_runner.testing.waiting import wait_until

TRACEBACK = "Traceback (most recent call last)"


@when("the first terminal's command is sent {name}")
def send_signal(context: Context, name: str) -> None:
    context.first_terminal.send_signal(signal.Signals[name])


def _start_into_reader(context: Context, line: str, lines: int, *, stderr_too: bool) -> None:
    verb, *rest = shlex.split(line.replace("{workspace}", str(context.workspace)))
    command, reader = context.harness.cli.start_into_reader(
        ["head", "-n", str(lines)],
        verb,
        "--image",
        context.harness.image,
        *rest,
        stderr_too=stderr_too,
    )
    context.piped_command, context.reader = command, reader
    context.task = context.harness.wait_for_a_task()
    context.cli_task_id = context.task.id


@given('the user runs "{line}" into a reader that closes the pipe after {lines:d} lines')
def run_into_reader(context: Context, line: str, lines: int) -> None:
    _start_into_reader(context, line, lines, stderr_too=False)


@given(
    'the user runs "{line}" with its error output too into a reader that closes the pipe'
    " after {lines:d} lines"
)
def run_both_into_reader(context: Context, line: str, lines: int) -> None:
    _start_into_reader(context, line, lines, stderr_too=True)


@when('the user runs "{line}" on the task, into a reader that closes the pipe after {lines:d} line')
def verb_into_reader(context: Context, line: str, lines: int) -> None:
    args = shlex.split(line.replace("{id}", context.task.id))
    context.piped_command, context.reader = context.harness.cli.start_into_reader(
        ["head", "-n", str(lines)], *args
    )


def _reader_closed(context: Context) -> str:
    """What the reader read, once it has exited (and so closed its end of the pipe)."""
    wait_until(
        context.reader.poll,
        lambda code: code is not None,
        timeout=60,
        describe="the reader to close the pipe",
    )
    out, _ = context.reader.communicate(timeout=10)
    return out


@when('the reader has read "{first}" and "{second}" and closed the pipe')
def reader_read_and_closed(context: Context, first: str, second: str) -> None:
    assert_that(_reader_closed(context), equal_to(f"{first}\n{second}\n"))
    assert_that(context.piped_command.poll(), equal_to(None), "the command still runs")


@when("the reader has closed the pipe")
def reader_closed(context: Context) -> None:
    _reader_closed(context)
    assert_that(context.piped_command.poll(), equal_to(None), "the command still runs")


@then("the piped command exits with status {status:d}")
def piped_command_exits(context: Context, status: int) -> None:
    command = context.piped_command
    _, err = command.communicate(timeout=120)
    context.result = subprocess.CompletedProcess(command.args, command.returncode, "", err or "")
    assert_that(command.returncode, equal_to(status), f"stderr: {err!r}")


@then("its error output has no error line and no traceback")
def no_error_line(context: Context) -> None:
    stderr = context.result.stderr
    assert_that(stderr, is_not(contains_string("error:")))
    assert_that(stderr, is_not(contains_string(TRACEBACK)))
    assert_that(stderr, is_not(contains_string("Exception ignored")))


@then('the task is "{state}" with exit code {code:d} after the command has exited')
def state_and_code_after_exit(context: Context, state: str, code: int) -> None:
    stored = context.harness.fresh_load(context.cli_task_id)
    assert_that(
        (stored.state, stored.exit_code), equal_to((TaskState(state), code)), stored.error or ""
    )


@given(
    "the user runs an agent that announces a clean shutdown on SIGTERM in the foreground"
    " with a deadline of {seconds:d} seconds in a first terminal"
)
def foreground_trapping_agent_with_deadline(context: Context, seconds: int) -> None:
    argv = context.harness.trapping_run_argv("--timeout", str(seconds))
    context.first_terminal = context.harness.cli.start(*argv)


@when("{seconds:d} seconds of its deadline have passed, by the time it was stored running")
def deadline_partly_spent(context: Context, seconds: int) -> None:
    """Time spent before a take-over counts against the deadline: a kill this late shows
    whether it does."""
    running_at = parse_time(context.harness.fresh_load(context.task.id).reached(TaskState.RUNNING))
    wait_until(
        lambda: (datetime.now(UTC) - running_at).total_seconds(),
        lambda spent: spent >= seconds,
        timeout=seconds + 10,
        describe=f"{seconds} seconds since the task was stored running",
    )


@then('the task ends "{state}", read from the store alone, with no command run after the kill')
def ends_unattended(context: Context, state: str) -> None:
    """Polled from the payload only: a runner of the suite's own would take the task over
    itself and prove nothing."""
    task = wait_until(
        lambda: context.harness.fresh_load(context.task.id),
        lambda task: task.is_terminal,
        timeout=60,
        describe="the task to end with no command run",
    )
    assert_that(task.state.value, equal_to(state), f"error: {task.error}")


@when(
    'in a pseudo-terminal, the user runs "{line}", which exits with status {code:d} '
    "after printing the task's id"
)
def detach_in_terminal(context: Context, line: str, code: int) -> None:
    verb, *rest = shlex.split(line.replace("{workspace}", str(context.workspace)))
    terminal = context.harness.cli.start_in_terminal(verb, "--image", context.harness.image, *rest)
    context.terminal = terminal
    assert_that(terminal.wait(timeout=60), equal_to(code), terminal.output)
    context.cli_task_id = terminal.output.strip()
    context.task = context.harness.fresh_load(context.cli_task_id)


@when("the terminal is closed")
def terminal_closed(context: Context) -> None:
    context.terminal.hang_up()


@then(
    "the task's detached supervisor runs on, leading a session and process group of its "
    "own, with no controlling terminal (by /proc)"
)
def supervisor_in_own_session(context: Context) -> None:
    owner = context.harness.detached_supervisor(context.cli_task_id)  # alive, by /proc
    fields = Path(f"/proc/{owner.pid}/stat").read_text().rsplit(")", 1)[1].split()
    process_group, session, terminal = int(fields[2]), int(fields[3]), int(fields[4])
    assert_that((session, process_group, terminal), equal_to((owner.pid, owner.pid, 0)))
