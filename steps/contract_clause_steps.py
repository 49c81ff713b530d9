"""Steps for the contract's clauses that no other feature proves."""

from __future__ import annotations

import time

from behave import given, then
from behave.runner import Context
from hamcrest import assert_that, equal_to, less_than

from agents_runner.states import TaskState
from agents_runner.testing.harness import READY_LINE, STUBBORN_AGENT, WAITING_AGENT
from agents_runner.testing.oracle import raw_image_present


@given(
    "the user runs an agent that ignores SIGTERM in the foreground in a pseudo-terminal, "
    "with a grace of 5 minutes"
)
def stubborn_in_terminal(context: Context) -> None:
    harness = context.harness
    workspace = harness.recording_workspace()
    context.result = None
    context.terminal = harness.cli.start_in_terminal(
        "run", "--image", harness.image, "--workspace", str(workspace), "--grace", "5m",
        "--", *STUBBORN_AGENT,
    )  # fmt: skip
    context.task = harness.wait_for_a_task()
    context.cli_task_id = context.task.id
    context.terminal.wait_for_output(READY_LINE, timeout=60)


@given("a task whose agent waits for its go file in that workspace")
def waiting_task(context: Context) -> None:
    context.spec_fields = {"command": ["sh", "-c", WAITING_AGENT], "workspace": context.workspace}


@then('the stored task is still "{state}"')
def still_in_state(context: Context, state: str) -> None:
    task_id = getattr(context, "cli_task_id", None) or context.task.id
    assert_that(context.harness.fresh_load(task_id).state, equal_to(TaskState(state)))


@then("waiting {seconds:d} second for it through the Python API raises TimeoutError")
def wait_times_out(context: Context, seconds: int) -> None:
    began = time.monotonic()
    try:
        context.harness.runner().wait(context.task.id, timeout=seconds)
    except TimeoutError:
        waited = time.monotonic() - began
    else:
        raise AssertionError("wait returned instead of raising TimeoutError")
    # it gave up, rather than waiting for the task (whose agent waits for its go file)
    assert_that(waited, less_than(30.0))


def _image_rows(context: Context) -> dict[str, tuple[str, str]]:
    """AGENT -> (IMAGE, HERE) from the table `images list` printed."""
    lines = context.result.stdout.splitlines()
    rows = {}
    for line in lines[1:]:
        cells = line.split()
        rows[cells[0]] = (cells[1], cells[-1])
    return rows


@then("it lists the images of claude, codex, copilot and gemini")
def lists_agent_images(context: Context) -> None:
    assert_that(sorted(_image_rows(context)), equal_to(["claude", "codex", "copilot", "gemini"]))


@then('each row says "missing" exactly where the engine\'s own inspect finds no such image')
def here_column_matches(context: Context) -> None:
    engine = context.harness.engine
    said = {agent: here == "missing" for agent, (_, here) in _image_rows(context).items()}
    absent = {
        agent: not raw_image_present(engine, image)
        for agent, (image, _) in _image_rows(context).items()
    }
    assert_that(said, equal_to(absent))
