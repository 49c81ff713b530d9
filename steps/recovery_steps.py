"""Steps about crashes and recovery: owners killed with SIGKILL, containers that
exit or vanish behind the runner's back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, contains_string, empty, equal_to, has_length, is_

from agents_runner import Engine
from agents_runner.processes import ProcessIdentity
from agents_runner.states import TaskState
from agents_runner.testing.cli_driver import NO_ENGINE, CliDriver
from agents_runner.testing.contract_names import LABEL_STORE, LABEL_TASK_ID
from agents_runner.testing.harness import WAITING_AGENT
from agents_runner.testing.oracle import raw_inspect
from agents_runner.testing.process_tree import children
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


@given("the first terminal's runner process and its watchdog are killed with SIGKILL")
def kill_first_terminal(context: Context) -> None:
    process = context.first_terminal
    owner = context.harness.fresh_load(context.cli_task_id).owner
    assert_that(owner["pid"], equal_to(process.pid), "the killed process owns the task")
    watchdogs = [pid for pid in children(process.pid) if b"agents_runner.watchdog" in _cmdline(pid)]
    assert_that(watchdogs, has_length(1), "the run's watchdog")
    os.kill(watchdogs[0], signal.SIGKILL)  # first: else it takes the task over
    CliDriver.kill_hard(process)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


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


_RECOVER_IN_PROCESSES = """
import sys
from agents_runner import Engine, TaskRunner

with TaskRunner(sys.argv[1], engine=Engine.at(sys.argv[2]), adopt_in="process"):
    pass
"""


@when(
    "a Python program opens TaskRunner(engine=Engine.at(the scenario's engine), "
    'adopt_in="process") on the state dir and closes it, with DOCKER_HOST naming no engine'
)
def recover_in_processes_at(context: Context) -> None:
    address = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    context.example = subprocess.run(
        [sys.executable, "-c", _RECOVER_IN_PROCESSES, str(context.harness.state_dir), address],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DOCKER_HOST": NO_ENGINE},
    )


@then("the task's owner is a live detached supervisor process")
def owned_by_detached(context: Context) -> None:
    context.detached_owner = context.harness.detached_supervisor(context.task.id)


@then(
    'the task ends "{state}" in that detached supervisor\'s hands, with nobody else taking it over'
)
def ends_in_detached_hands(context: Context, state: str) -> None:
    """Read from the store alone: a runner's wait would take over a task whose owner died."""
    task = wait_until(
        lambda: context.harness.fresh_load(context.task.id),
        lambda task: task.is_terminal,
        timeout=60,
        describe=f"task {context.task.id}'s end",
    )
    assert_that(task.state.value, equal_to(state))
    assert_that(task.owner["pid"], equal_to(context.detached_owner.pid), "the task's last owner")


@when("Docker reports the task's container has exited")
def container_exited(context: Context) -> None:
    wait_until(
        lambda: raw_inspect(context.harness.engine, context.task.container_id),
        lambda info: info is not None and not info["State"]["Running"],
        timeout=30,
        describe="the task's container to exit",
    )


@when("a new TaskRunner opens the state dir")
def new_runner(context: Context) -> None:
    context.harness.runner(recover=True)


@when("the task's container is removed behind the runner's back")
def remove_behind_back(context: Context) -> None:
    container_id = context.harness.fresh_load(context.task.id).container_id
    assert container_id is not None, "the task has no container yet"
    context.harness.engine.remove(container_id)


@then("the stored exit code is {code:d}")
def stored_exit_code(context: Context, code: int) -> None:
    assert_that(fresh(context, "first").exit_code, equal_to(code))


@then('{task:TaskRef}\'s error says "{text}"')
def named_task_error(context: Context, task: str, text: str) -> None:
    assert_that(fresh(context, task).error or "", contains_string(text))


@when(
    "a running container of this store, labelled with another task whose id sorts before the"
    " task's, takes the task's container name"
)
def impostor_takes_name(context: Context) -> None:
    harness = context.harness
    other_task = "0" * 12  # sorts before every other task id
    assert other_task < context.task.id
    labels = {
        **harness.labels,
        LABEL_STORE: harness.runner().store.store_id,
        LABEL_TASK_ID: other_task,
    }
    context.impostor = harness.engine.create(
        name=context.task.container_name, image=harness.image, argv=["sleep", "300"], labels=labels
    )
    harness.foreign_containers.append(context.impostor)  # no task of ours: the suite removes it
    harness.engine.start(context.impostor)


@then("Docker still runs the container that took the name, and sent it no signal")
def impostor_untouched(context: Context) -> None:
    state = (raw_inspect(context.harness.engine, context.impostor) or {}).get("State") or {}
    assert_that(state.get("Running"), equal_to(True), f"its state: {state}")
    # Its start must be there: events that say nothing cannot show that no signal came.
    events = wait_until(
        lambda: context.harness.events.for_labels({LABEL_TASK_ID: "0" * 12}),
        lambda found: any(e.action == "start" for e in found),
        timeout=10,
        describe="the engine to report the impostor's start",
    )
    assert_that([e for e in events if e.action == "kill"], equal_to([]))


def _waiters_on(inode: int) -> int:
    """How many processes /proc/locks shows blocked on the file with this inode."""
    count = 0
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 6 and fields[1] == "->" and fields[6].rsplit(":", 1)[-1] == str(inode):
            count += 1
    return count


@when(
    "a recover in this process has read the task as abandoned and waits on the task's lock"
    " to claim it"
)
def recover_waits_at_claim(context: Context) -> None:
    harness, task_id = context.harness, context.cli_task_id
    store = harness.runner().store
    context.gate = store.locked(task_id)
    context.gate.__enter__()  # held by this thread until the other process has claimed it
    recovering = harness.runner(recover=False)  # a runner of its own, in another thread
    context.recover_report = {}

    def recover() -> None:
        context.recover_report["lines"] = recovering.recover(orphan_grace=3600).lines

    context.recover_thread = threading.Thread(target=recover, name="recover", daemon=True)
    context.recover_thread.start()
    inode = os.stat(store.locks_dir / f"{task_id}.lock").st_ino
    wait_until(
        lambda: _waiters_on(inode),
        lambda waiting: waiting >= 1,
        timeout=30,
        describe="the recover to wait on the task's lock",
    )


@when("meanwhile another live process claims the task, and the lock is let go")
def other_process_claims(context: Context) -> None:
    harness, task_id = context.harness, context.cli_task_id
    context.other_process = subprocess.Popen(["sleep", "600"])
    harness.add_background_process(context.other_process)
    context.other_owner = ProcessIdentity.of(context.other_process.pid).to_payload()
    harness.runner().store.update(task_id, lambda t: setattr(t, "owner", context.other_owner))
    context.gate.__exit__(None, None, None)
    context.recover_thread.join(60)
    assert_that(context.recover_thread.is_alive(), equal_to(False), "the recover returned")


@then("the recover's report says nothing of the task")
def report_silent(context: Context) -> None:
    lines = context.recover_report["lines"]
    assert_that([line for line in lines if context.cli_task_id in line], equal_to([]))


@then("the task's owner is still the other process")
def owner_is_other(context: Context) -> None:
    assert_that(fresh(context, "first").owner, equal_to(context.other_owner))


@when("the other process exits")
def other_process_exits(context: Context) -> None:
    context.other_process.kill()
    context.other_process.wait(30)


@when(
    "the task's container is removed behind the runner's back while four threads keep "
    "asking the runner's engine about it"
)
def remove_while_asked(context: Context) -> None:
    container_id = context.harness.fresh_load(context.task.id).container_id
    assert container_id is not None, "the task has no container yet"
    # The runner's own engine calls are what is under test here, not the oracle.
    under_test = Engine.from_env()
    context.add_cleanup(under_test.close)
    answers: list[str] = []
    removed = threading.Event()

    def keep_asking() -> None:
        while True:
            try:
                found = under_test.inspect(container_id)
            except Exception as exc:  # what the runner's engine raised is the finding
                answers.append(f"error: {exc}")
                return
            if found is None:
                answers.append("gone")
                if removed.is_set():
                    return
            else:
                answers.append("found")

    askers = [threading.Thread(target=keep_asking, daemon=True) for _ in range(4)]
    for asker in askers:
        asker.start()
    context.harness.engine.remove(container_id)
    removed.set()
    for asker in askers:
        asker.join(30)
    hung = [asker for asker in askers if asker.is_alive()]
    assert_that(hung, is_(empty()), "inspects still unanswered 30 s after the removal")
    context.engine_answers = answers


@then(
    "every answer the runner's engine gave was the container or that it is gone, "
    "and the last was that it is gone"
)
def answers_found_or_gone(context: Context) -> None:
    answers: list[str] = context.engine_answers
    errors = [a for a in answers if a.startswith("error")]
    assert_that(errors, equal_to([]), f"{len(answers)} answers")
    assert_that(answers[-1], equal_to("gone"))
