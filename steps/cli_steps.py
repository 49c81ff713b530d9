"""Steps that drive the real `agents-runner` command in separate processes."""

from __future__ import annotations

import json
import re
import shlex

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    greater_than,
    has_item,
    has_length,
    matches_regexp,
)

from agents_runner.states import TaskState
from agents_runner.testing.cli_driver import NO_ENGINE, cli_executable
from agents_runner.testing.harness import READY_LINE, SHUTDOWN_LINE, WAITING_AGENT
from agents_runner.testing.waiting import wait_until


def _expand(context: Context, text: str) -> str:
    if "{prompt_file}" in text:
        prompt_file = context.harness.workspace() / "prompt.txt"
        prompt_file.write_text("from-file\n")
        text = text.replace("{prompt_file}", str(prompt_file))
    text = text.replace("{noted time}", getattr(context, "noted_time", ""))
    text = text.replace("{bare_image}", getattr(context, "bare_image", ""))
    return text.replace("{workspace}", str(getattr(context, "workspace", ""))).replace(
        "{id}", getattr(context, "cli_task_id", "")
    )


def _argv(context: Context, line: str) -> list[str]:
    args = shlex.split(_expand(context, line))
    if args and args[0] == "run" and "--image" not in args:
        args[1:1] = ["--image", context.harness.image]
    return args


def _run(context: Context, line: str, env: dict[str, str] | None = None) -> None:
    args = _argv(context, line)
    known = context.harness.stored_ids()  # from the file names: a full disk takes no new store id
    context.result = context.harness.cli.run(*args, env=env)
    if args and args[0] == "run" and context.harness.stored_ids() - known:
        new = [task for task in context.harness.runner().list() if task.id not in known]
        context.task = new[-1]
        context.cli_task_id = context.task.id


@given("a workspace")
def a_workspace(context: Context) -> None:
    context.workspace = context.harness.workspace()


@when('the user runs "{line}"')
@when('the user runs "{line}" in a second terminal')
def user_runs(context: Context, line: str) -> None:
    _run(context, line)


@when("the user runs agents-runner with no words after it")
def user_runs_nothing(context: Context) -> None:
    context.result = context.harness.cli.run(argv=cli_executable())


@when('the user runs "{line}" with DOCKER_HOST pointing nowhere')
def user_runs_without_engine(context: Context, line: str) -> None:
    _run(context, line, env={"DOCKER_HOST": NO_ENGINE})


@then("the command exits with status {status:d}")
def exits_with(context: Context, status: int) -> None:
    if context.result is None and getattr(context, "terminal", None) is not None:
        code = context.terminal.wait(timeout=120)
        assert_that(code, equal_to(status), f"the terminal showed: {context.terminal.output!r}")
        return
    result = context.result
    assert_that(
        result.returncode, equal_to(status), f"stdout: {result.stdout!r} stderr: {result.stderr!r}"
    )


@then('its output is exactly "{text}"')
def output_is(context: Context, text: str) -> None:
    expected = _expand(context, text).replace("\\n", "\n") + "\n"
    output = context.result.stdout
    if len(output) > 2000 and output != expected:  # thousands of lines: say what it was
        lines = output.splitlines()
        raise AssertionError(
            f"expected {expected!r}, but the output was {len(lines)} lines,"
            f" from {lines[0]!r} to {lines[-1]!r}"
        )
    assert_that(output, equal_to(expected))


@then("its output is exactly the new task's id")
def output_is_id(context: Context) -> None:
    assert_that(context.result.stdout, matches_regexp(r"^[0-9a-f]{12}\n$"))
    assert_that(context.result.stdout.strip(), equal_to(context.harness.newest_task().id))


@then("its output is exactly the ids of the {count:d} newest tasks, newest first")
def output_is_newest_ids(context: Context, count: int) -> None:
    tasks = context.harness.runner().list()  # oldest first
    assert_that(len(tasks), greater_than(count), "the scenario stored too few tasks to tell")
    expected = "".join(f"{task.id}\n" for task in reversed(tasks[-count:]))
    assert_that(context.result.stdout, equal_to(expected))


@then('its error output says "{text}"')
def stderr_says(context: Context, text: str) -> None:
    assert_that(context.result.stderr, contains_string(_expand(context, text)))


@then('its error output is one line that names "{text}"')
def stderr_one_line(context: Context, text: str) -> None:
    lines = context.result.stderr.splitlines()
    assert_that(lines, has_length(1), f"stderr: {context.result.stderr!r}")
    assert_that(lines[0], contains_string(text))


@then('the task is "{state}" after the command has exited')
def state_after_exit(context: Context, state: str) -> None:
    assert_that(context.harness.fresh_load(context.cli_task_id).state, equal_to(TaskState(state)))


@when("the agent is let go on")
def let_go(context: Context) -> None:
    context.harness.let_agent_go(context.workspace)


@when("the agent is let go on, to exit with code {code:d}")
def let_go_with_code(context: Context, code: int) -> None:
    context.harness.let_agent_go(context.workspace, str(code))


@then('the task\'s log is exactly "{first}" then "{second}", each line once')
def log_is_both(context: Context, first: str, second: str) -> None:
    """Whole, not a search: after a takeover, output copied twice must not pass."""
    log = context.harness.log_text(context.cli_task_id)
    assert_that(log, equal_to(f"{first}\n{second}\n"))


@given(
    "the user runs an agent that announces a clean shutdown on SIGTERM"
    " in the foreground in a first terminal"
)
def foreground_trapping_agent(context: Context) -> None:
    context.first_terminal = context.harness.cli.start(*context.harness.trapping_run_argv())


@given("the user runs an agent that waits for a signal file in the foreground in a first terminal")
def foreground_waiting_agent(context: Context) -> None:
    argv = ["run", "--image", context.harness.image, "--workspace", str(context.workspace)]
    context.first_terminal = context.harness.cli.start(*argv, "--", "sh", "-c", WAITING_AGENT)


@given("the task is running in the first terminal")
@when("the task is running in the first terminal")
def running_in_first_terminal(context: Context) -> None:
    task = wait_until(
        lambda: next(iter(context.harness.runner().list()), None),
        lambda task: task is not None and task.state is TaskState.RUNNING,
        timeout=60,
        describe="the first terminal's task to be running",
    )
    context.task, context.cli_task_id = task, task.id
    context.requests = []
    context.harness.wait_for_log(
        task.id, "started" if "started" in _first_argv(context) else READY_LINE
    )


def _first_argv(context: Context) -> str:
    return " ".join(context.first_terminal.args)


@then("the first terminal's command exits with status {status:d}")
def first_terminal_exits(context: Context, status: int) -> None:
    out, err = context.first_terminal.communicate(timeout=60)
    context.first_output = out
    if err is None:  # its error output went to a file
        err = context.first_errors.read_text()
    assert_that(context.first_terminal.returncode, equal_to(status), f"stderr: {err!r}")


@then("the first terminal showed the agent's shutdown line")
def first_terminal_showed_shutdown(context: Context) -> None:

    assert_that(context.first_output, contains_string(SHUTDOWN_LINE))


@then(
    "its output has a row with the task's id, "
    '"{state}", the image, the agent "{agent}" and exit code {code:d}'
)
def list_row(context: Context, state: str, agent: str, code: int) -> None:
    rows = [line.split() for line in context.result.stdout.splitlines()]
    header = ["ID", "STATE", "PLACE", "POOL", "IMAGE", "COMMAND", "AGE", "EXIT", "REASON"]
    assert_that(rows[0], equal_to(header))
    row = next((r for r in rows if r[0] == context.cli_task_id), None)
    assert_that(row, has_length(9), f"rows: {rows}")
    # An ended task has no place in the queue, this one names no pool, and it completed:
    # no reason.
    assert_that(
        row[:6] + row[7:],
        equal_to(
            [context.cli_task_id, state, "-", "-", context.harness.image, agent, str(code), "-"]
        ),
    )
    assert_that(row[6], matches_regexp(r"^\d+[smhd]$"))


@then("its output is a JSON list with the task's payload")
def list_json(context: Context) -> None:
    payloads = json.loads(context.result.stdout)
    assert_that(payloads, has_item(context.harness.fresh_load(context.cli_task_id).to_payload()))


@then("its output is the task's stored payload as JSON")
def show_json(context: Context) -> None:
    stored = json.loads(context.harness.payload_bytes(context.cli_task_id))
    assert_that(json.loads(context.result.stdout), equal_to(stored))


@then('its output says "{text}"')
def output_says(context: Context, text: str) -> None:
    assert_that(context.result.stdout, contains_string(text))


@then('its output has the line "{line}"')
def output_has_line(context: Context, line: str) -> None:
    assert_that(context.result.stdout.splitlines(), has_item(_expand(context, line)))


@then("its output says the task's container still runs and is driven")
def recover_output(context: Context) -> None:
    assert_that(
        context.result.stdout,
        matches_regexp(
            rf"{re.escape(context.cli_task_id)}: its container still runs; .* drives it"
        ),
    )
