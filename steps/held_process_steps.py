"""A TaskRunner process held (SIGSTOPped by its own crash point, `POINT=stop`) at a
named point of a task's end, for a request to come while it cannot act."""

from __future__ import annotations

import signal
from pathlib import Path

from behave import given, when
from behave.runner import Context

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
    process = harness.cli.start_python(source, env={"AGENTS_RUNNER_FAILPOINTS": f"{point}=stop"})
    context.held_process = process
    context.cli_task_id = process.stdout.readline().strip()
    context.task = harness.runner().get(context.cli_task_id)


@when("that process is held there")
def process_is_held(context: Context) -> None:
    """The kernel's word: the process's state in /proc is T (stopped by a signal)."""
    stat = Path(f"/proc/{context.held_process.pid}/stat")
    wait_until(
        lambda: stat.read_text().rsplit(")", 1)[1].split()[0],
        lambda state: state == "T",
        timeout=60,
        describe="the TaskRunner process to stop itself at its crash point",
    )


@when("that process is let go on")
def process_goes_on(context: Context) -> None:
    context.held_process.send_signal(signal.SIGCONT)
