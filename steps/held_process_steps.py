"""A TaskRunner process whose supervisor is held at a named point of a task's end (its
own crash point, `POINT=hold:PATH`), for a request to come while it cannot act."""

from __future__ import annotations

import os
import signal
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
    _start_held(context, text, point, live_on=False)


@given(
    'a TaskRunner process whose task keeps its container and prints "{text}", held at '
    '"{point}" once the agent has exited, that lives on after closing its runner'
)
def held_runner_process_living_on(context: Context, text: str, point: str) -> None:
    """Its threads that are still held once the runner is closed go on when let go."""
    _start_held(context, text, point, live_on=True)


def _start_held(context: Context, text: str, point: str, *, live_on: bool) -> None:
    harness = context.harness
    context.hold = harness.workspace() / "hold"
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
    if live_on:  # until the step sends SIGUSR1 (blocked from the start, so kept pending)
        lives_on = "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})\n"
        source = lives_on + source + "signal.sigtimedwait({signal.SIGUSR1}, 300)\n"
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


@when("that process no longer holds the task's log open")
def log_not_held_open(context: Context) -> None:
    """Its /proc fd table, read until no descriptor names the task's log file."""
    log_path = os.path.realpath(context.harness.runner().store.log_path(context.cli_task_id))
    fds = Path(f"/proc/{context.held_process.pid}/fd")

    def open_on_log() -> list[str]:
        found = []
        for fd in fds.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue  # closed meanwhile
            if target == log_path:
                found.append(target)
        return found

    wait_until(open_on_log, lambda found: not found, timeout=30, describe="the log to be closed")
    assert_that(context.held_process.poll(), none(), "the TaskRunner process still runs")
    context.held_process.send_signal(signal.SIGUSR1)  # it may end now
    kept = context.harness.fresh_load(context.cli_task_id).container_id
    context.harness.kept_containers.append(kept)  # its task keeps it: the suite removes it
