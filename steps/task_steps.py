"""Steps that set up and drive tasks. Thin: the harness does the work."""

from __future__ import annotations

from behave import given, when
from behave.runner import Context

from agents_runner.states import TaskState
from agents_runner.testing.harness import READY_LINE, TRAPPING_AGENT


@given('a task that runs the "{agent}" agent with the prompt "{prompt}"')
def a_task_with_agent(context: Context, agent: str, prompt: str) -> None:
    context.spec_fields = {"agent": agent, "prompt": prompt}


@given("a task whose agent runs until it is signalled and announces a clean shutdown on SIGTERM")
def a_task_that_traps_sigterm(context: Context) -> None:
    context.spec_fields = {"command": TRAPPING_AGENT}


@when("the task is submitted")
def submit_the_task(context: Context) -> None:
    context.task = context.harness.submit(**context.spec_fields)


@when("the task is running")
def the_task_is_running(context: Context) -> None:
    context.harness.wait_for_state(context.task.id, TaskState.RUNNING)
    context.harness.wait_for_log(context.task.id, READY_LINE)


@when("the user cancels the task with a grace period of {grace:g} seconds")
def cancel_the_task(context: Context, grace: float) -> None:
    context.harness.runner().request_stop(context.task.id, grace=grace)


@when("the user kills the task")
def kill_the_task(context: Context) -> None:
    context.harness.runner().request_kill(context.task.id)


@when("the task has ended")
def the_task_has_ended(context: Context) -> None:
    context.task = context.harness.wait_for_end(context.task.id)
