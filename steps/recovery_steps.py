"""Steps about crashes and recovery: owners killed with SIGKILL, containers that
exit or vanish behind the runner's back."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, contains_string, equal_to

from agents_runner.states import TaskState
from agents_runner.testing.cli_driver import CliDriver
from agents_runner.testing.harness import WAITING_AGENT
from agents_runner.testing.task_refs import fresh
from agents_runner.testing.waiting import wait_until

# A runner process with one slot: its first task waits for the go file, so its second
# stays queued until the process is killed.
RUNNER_PROCESS = """
from agents_runner import TaskRunner, TaskSpec
runner = TaskRunner({state_dir!r}, max_running=1)
first = runner.submit(TaskSpec(image={image!r}, command=["sh", "-c", {agent!r}], network="none",
                               workspace={workspace!r}, labels={labels!r}))
second = runner.submit(TaskSpec(image={image!r}, agent="echo", prompt="queued", network="none",
                                labels={labels!r}))
print(first.id, second.id, flush=True)
runner.wait(first.id)
"""


@given("the first terminal's runner process is killed with SIGKILL")
def kill_first_terminal(context: Context) -> None:
    process = context.first_terminal
    owner = context.harness.fresh_load(context.cli_task_id).owner
    assert_that(owner["pid"], equal_to(process.pid), "the killed process owns the task")
    CliDriver.kill_hard(process)


@given("a runner process with one slot that runs a waiting agent and has a second task queued")
def runner_process_with_queue(context: Context) -> None:
    harness = context.harness
    source = RUNNER_PROCESS.format(
        state_dir=str(harness.state_dir),
        image=harness.image,
        agent=WAITING_AGENT,
        workspace=str(context.workspace),
        labels=harness.labels,
    )
    context.runner_process = harness.cli.start_python(source)
    first_id, second_id = context.runner_process.stdout.readline().split()
    context.task = harness.wait_for_state(first_id, TaskState.RUNNING)
    context.second_task = harness.fresh_load(second_id)
    assert_that(context.second_task.state.value, equal_to("queued"))


@when("that runner process is killed with SIGKILL")
def kill_runner_process(context: Context) -> None:
    CliDriver.kill_hard(context.runner_process)


@when("Docker reports the task's container has exited")
def container_exited(context: Context) -> None:
    wait_until(
        lambda: context.harness.engine.inspect(context.task.container_id),
        lambda info: info is not None and not info["State"]["Running"],
        timeout=30,
        describe="the task's container to exit",
    )


@when("a new TaskRunner opens the state dir")
def new_runner(context: Context) -> None:
    context.harness.runner(recover=True)


@when("the task's container is removed behind the runner's back")
def remove_behind_back(context: Context) -> None:
    context.harness.engine.remove(context.task.container_id)


@then("the stored exit code is {code:d}")
def stored_exit_code(context: Context, code: int) -> None:
    assert_that(fresh(context, "first").exit_code, equal_to(code))


@then('{task:TaskRef}\'s error says "{text}"')
def named_task_error(context: Context, task: str, text: str) -> None:
    assert_that(fresh(context, task).error or "", contains_string(text))
