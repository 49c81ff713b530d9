"""A TaskRunner process whose supervisor is held at a named point of a task's end (its
own crash point, `POINT=hold:PATH`), for a request to come while it cannot act."""

from __future__ import annotations

from pathlib import Path

from behave import given, when
from behave.runner import Context
from hamcrest import assert_that, none

from agents_runner.testing.waiting import wait_until


@given(
    'a TaskRunner process whose task keeps its container and prints "{text}", held at '
    '"{point}" once the agent has exited'
)
def held_runner_process(context: Context, text: str, point: str) -> None:
    harness = context.harness
    source = f"""
from agents_runner import TaskRunner, TaskSpec
runner = TaskRunner({str(harness.state_dir)!r})
task = runner.submit(TaskSpec(
    image={harness.image!r}, command=["echo", {text!r}], keep_container=True,
    workspace={str(harness.workspace())!r}, timeout=300.0, network="none",
    labels={harness.labels!r}))
print(task.id, flush=True)
runner.close(wait=True)
"""
    context.hold = harness.workspace() / "hold"
    failpoint = f"{point}=hold:{context.hold}"
    process = harness.cli.start_python(source, env={"AGENTS_RUNNER_FAILPOINTS": failpoint})
    context.held_process = process
    context.cli_task_id = process.stdout.readline().strip()
    context.task = harness.runner().get(context.cli_task_id)


@when("that process is held there")
def process_is_held(context: Context) -> None:
    held = Path(f"{context.hold}.held")
    wait_until(held.exists, bool, timeout=60, describe="the TaskRunner process to reach its hold")
    assert_that(context.held_process.poll(), none(), "the TaskRunner process still runs")


@when("that process is let go on")
def process_goes_on(context: Context) -> None:
    Path(f"{context.hold}.go").touch()
