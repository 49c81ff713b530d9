"""Steps that set up and drive tasks. Thin: the harness does the work."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

from behave import given, step, when
from behave.runner import Context

from agents_runner.states import TaskState
from agents_runner.testing.agent_record import received_signals
from agents_runner.testing.harness import (
    LINGERING_AGENT,
    READY_LINE,
    STUBBORN_AGENT,
    TASK_TIMEOUT,
    TRAPPING_AGENT,
)
from agents_runner.testing.signal_evidence import signal_name
from agents_runner.testing.task_refs import task_of
from agents_runner.testing.waiting import wait_until


@given('a task that runs the "{agent}" agent with the prompt "{prompt}"')
def a_task_with_agent(context: Context, agent: str, prompt: str) -> None:
    context.spec_fields = {"agent": agent, "prompt": prompt}


@given("a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM")
def a_task_that_traps_sigterm(context: Context) -> None:
    context.spec_fields = {
        "command": TRAPPING_AGENT,
        "workspace": str(context.harness.recording_workspace()),
    }


@given("a task whose agent takes 0.4 seconds to shut down on SIGTERM, then exits with code 0")
def a_task_that_lingers_on_sigterm(context: Context) -> None:
    context.spec_fields = {
        "command": LINGERING_AGENT,
        "workspace": str(context.harness.recording_workspace()),
    }


@given("a task whose agent ignores SIGTERM")
def a_task_that_ignores_sigterm(context: Context) -> None:
    context.spec_fields = {
        "command": STUBBORN_AGENT,
        "workspace": str(context.harness.recording_workspace()),
    }


@given('a task whose agent prints "{text}" and exits with code {code:d}')
def a_task_that_fails(context: Context, text: str, code: int) -> None:
    context.spec_fields = {"command": ["sh", "-c", f"echo {shlex.quote(text)}; exit {code}"]}


@given('a task whose command is "{program}", which the image does not have')
def a_task_with_missing_command(context: Context, program: str) -> None:
    context.spec_fields = {"command": [program, "--version"]}


@given("its deadline is {timeout:g} second and its stop grace {grace:g} seconds")
@given("its deadline is {timeout:g} second and its stop grace {grace:g} second")
def with_deadline(context: Context, timeout: float, grace: float) -> None:
    context.spec_fields.update(timeout=timeout, stop_grace=grace)


@given("its stop grace is {grace:g} second")
def with_grace(context: Context, grace: float) -> None:
    context.spec_fields["stop_grace"] = grace


@given('its pull policy is "{policy}"')
def with_pull_policy(context: Context, policy: str) -> None:
    context.spec_fields["pull"] = policy


@given("a runner that runs one task at a time")
def a_runner_with_one_slot(context: Context) -> None:
    context.harness.runner(max_running=1)


@step("the task is submitted")
def submit_the_task(context: Context) -> None:
    context.task = context.harness.submit(**context.spec_fields)
    context.requests = []


@given('a third task that runs the "{agent}" agent is submitted')
def submit_a_third_task(context: Context, agent: str) -> None:
    context.third_task = context.harness.submit(agent=agent, prompt="third")


@given('a second task that runs the "{agent}" agent is submitted')
@when('a second task that runs the "{agent}" agent is submitted')
def submit_a_second_task(context: Context, agent: str) -> None:
    context.second_task = context.harness.submit(agent=agent, prompt="second")


@step("the task is running")
def the_task_is_running(context: Context) -> None:
    context.harness.wait_for_state(context.task.id, TaskState.RUNNING)
    context.harness.wait_for_log(context.task.id, READY_LINE)


@when('{task:TaskRef} is "{state}"')
def the_task_reaches(context: Context, task: str, state: str) -> None:
    context.harness.wait_for_state(task_of(context, task).id, TaskState(state))


@when("the user cancels the task with a grace period of {grace:g} seconds")
def cancel_with_grace(context: Context, grace: float) -> None:
    _request(context, "stop", context.task.id, grace)


@when("the user cancels {task:TaskRef}")
def cancel(context: Context, task: str) -> None:
    _request(context, "stop", task_of(context, task).id)


@when("the user kills {task:TaskRef}")
def kill(context: Context, task: str) -> None:
    _request(context, "kill", task_of(context, task).id)


@step("the task has ended")
def the_task_has_ended(context: Context) -> None:
    timeout = getattr(context, "end_within", TASK_TIMEOUT)
    context.task = context.harness.wait_for_end(context.task.id, timeout=timeout)
    context.ended_payload = context.harness.payload_bytes(context.task.id)


def _request(context: Context, kind: str, task_id: str, grace: float | None = None) -> None:
    """Send the request; remember what was recorded and, by the clock of this process,
    when it was asked for (before and after the call)."""
    runner = context.harness.runner()
    field = "stop_requested_at" if kind == "stop" else "kill_requested_at"
    before = time.time()
    if kind == "stop":
        task = runner.request_stop(task_id, grace=grace)
    else:
        task = runner.request_kill(task_id)
    context.request_times = {**getattr(context, "request_times", {}), field: (before, time.time())}
    context.requests.append((field, getattr(task, field)))


@when('the task is "stopping", and its agent has recorded signal {signal:d}')
def stopping_and_signalled(context: Context, signal: int) -> None:
    """The graceful stop is under way: recorded, and its signal received by the agent."""
    context.harness.wait_for_state(context.task.id, TaskState.STOPPING)
    workspace = context.harness.fresh_load(context.task.id).spec.workspace
    wait_until(
        lambda: [r.name for r in received_signals(workspace)],
        lambda received: signal_name(signal) in received,
        timeout=30,
        describe=f"the agent to record signal {signal}",
    )


@given("a workspace in the user's home folder")
def workspace_in_home(context: Context) -> None:
    """Where projects live: a path that sorts before the Docker socket's, which a check
    comparing paths as text instead of as folders would take for the socket's."""
    context.workspace = context.harness.workspace(parent=Path.home())
