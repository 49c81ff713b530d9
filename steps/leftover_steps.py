"""Steps about what is left behind: lock files, secrets in environments, dead runs,
and the timing of deadlines and kills."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, empty, equal_to, is_

from agents_runner.processes import ProcessIdentity
from agents_runner.states import TaskState
from agents_runner.testing import reaper
from agents_runner.testing.cli_driver import CliDriver
from agents_runner.testing.harness import WAITING_AGENT
from agents_runner.testing.oracle import raw_inspect
from agents_runner.testing.waiting import wait_until

# A stand-in for a test run: it registers as a run, makes a folder named after it and
# starts a labelled container, as the suite does, then waits to be killed (its stdin is
# /dev/null, so it waits for a signal).
TEST_RUN_PROCESS = """
import signal, tempfile
from agents_runner.testing import reaper
from agents_runner.testing.suite_docker import SuiteDocker
run_id = {run_id!r}
reaper.register(run_id)
folder = tempfile.mkdtemp(prefix=reaper.temp_prefix(run_id) + "scenario-")
engine = SuiteDocker.from_env()
container = engine.create(image={image!r}, argv=["sleep", "3600"],
                          labels={{reaper.RUN_LABEL: run_id}})
engine.start(container)
print(container, folder, flush=True)
signal.pause()
"""


@then("no file in the state dir names the task")
def no_file_names_task(context: Context) -> None:
    root = context.harness.state_dir
    named = [str(p.relative_to(root)) for p in root.rglob("*") if context.task.id in p.name]
    assert_that(named, is_(empty()))


@when(
    'the user runs a waiting agent with "run --detach --secret API_TOKEN", the value in $API_TOKEN'
)
def detached_with_secret(context: Context) -> None:
    result = context.harness.cli.run(
        "run", "--detach", "--secret", "API_TOKEN",
        "--image", context.harness.image, "--workspace", str(context.workspace),
        "--", "sh", "-c", WAITING_AGENT,
        env={"API_TOKEN": context.secret_value},
    )  # fmt: skip
    assert_that(result.returncode, equal_to(0), f"stderr: {result.stderr!r}")
    context.cli_task_id = result.stdout.strip()
    context.task = context.harness.fresh_load(context.cli_task_id)


@then("the detached supervisor's environment holds no trace of the secret")
def supervisor_env_clean(context: Context) -> None:
    owner = context.harness.detached_supervisor(context.task.id)
    environ = Path(f"/proc/{owner.pid}/environ").read_bytes()
    assert_that(context.secret_value.encode() in environ, is_(False), "secret in environ")


# A test run on another engine (DOCKER_HOST names it): it registers and makes a folder,
# then waits to be killed. Its containers would be on that engine, out of this run's sight.
OTHER_ENGINE_RUN_PROCESS = """
import signal, tempfile
from agents_runner.testing import reaper
reaper.register({run_id!r})
print(tempfile.mkdtemp(prefix=reaper.temp_prefix({run_id!r}) + "scenario-"), flush=True)
signal.pause()
"""
OTHER_ENGINE = "unix:///run/agents-runner-test-other-engine.sock"


@given("a test run process on another engine that registered and made a folder")
def a_test_run_on_another_engine(context: Context) -> None:
    line = _start_test_run(context, OTHER_ENGINE_RUN_PROCESS, env={"DOCKER_HOST": OTHER_ENGINE})
    context.dead_folder = Path(line.strip())
    entry = reaper.RUNS_DIR / f"{context.dead_run_id}.json"
    context.add_cleanup(entry.unlink, missing_ok=True)
    context.add_cleanup(shutil.rmtree, context.dead_folder, ignore_errors=True)
    assert_that(context.dead_folder.is_dir(), is_(True), f"{context.dead_folder}")


@then("the other engine's dead run is still registered, and its folder is still there")
def other_engine_run_kept(context: Context) -> None:
    entry = reaper.RUNS_DIR / f"{context.dead_run_id}.json"
    assert_that(entry.exists(), is_(True), f"{entry} (reaped: {context.reaped})")
    assert_that(context.dead_folder.is_dir(), is_(True), f"{context.dead_folder}")


@given("a test run process that registered, made a folder and started a container")
def a_test_run_process(context: Context) -> None:
    line = _start_test_run(context, TEST_RUN_PROCESS).split()
    assert len(line) == 2, f"the test run process said {line!r}"
    context.dead_container, context.dead_folder = line[0], Path(line[1])
    context.harness.foreign_containers.append(context.dead_container)


def _start_test_run(context: Context, source: str, env: dict[str, str] | None = None) -> str:
    """Start a stand-in test run from `source` (its run id and the suite's image filled
    in) and return the first line it prints."""
    context.dead_run_id = "dead" + os.urandom(2).hex()
    context.dead_run = context.harness.cli.start_python(
        source.format(run_id=context.dead_run_id, image=context.harness.image), env=env
    )
    line = context.dead_run.stdout.readline()
    assert line, f"the test run process said nothing: {context.dead_run.stderr.read()!r}"
    return line


# A stand-in for a test run whose scenario started a detached task: it registers, makes
# a folder named after it and runs `run --detach` with its state dir in that folder, as a
# scenario does, then waits to be killed. The detached supervisor lives on without it.
DETACHED_RUN_PROCESS = """
import json, signal, subprocess, tempfile
from pathlib import Path
from agents_runner.store import TaskStore
from agents_runner.testing import reaper
from agents_runner.testing.cli_driver import cli_executable
from agents_runner.testing.waiting import wait_until
run_id = {run_id!r}
reaper.register(run_id)
folder = Path(tempfile.mkdtemp(prefix=reaper.temp_prefix(run_id) + "scenario-"))
state = folder / "state"
started = subprocess.run(
    [*cli_executable(), "--state-dir", str(state), "run", "--detach", "--network", "none",
     "--label", f"{{reaper.RUN_LABEL}}={{run_id}}", "--image", {image!r}, "--", "sleep", "3600"],
    capture_output=True, text=True, check=True,
)
task = wait_until(
    lambda: TaskStore(state).load(started.stdout.strip()),
    lambda task: task.container_id is not None,
    timeout=60,
    describe="the detached task's container",
)
print(json.dumps([task.container_id, str(folder), task.owner]), flush=True)
signal.pause()
"""


@given("a test run process that registered and started a detached task in a folder of its own")
def a_test_run_with_a_detached_task(context: Context) -> None:
    container, folder, owner = json.loads(_start_test_run(context, DETACHED_RUN_PROCESS))
    context.dead_container, context.dead_folder = container, Path(folder)
    context.harness.foreign_containers.append(container)
    context.dead_supervisor = ProcessIdentity.from_payload(owner)
    assert context.dead_supervisor is not None, f"the task's owner is {owner!r}"
    assert_that(context.dead_supervisor.is_alive(), is_(True), "the detached supervisor")
    context.add_cleanup(_end_if_alive, context.dead_supervisor)
    context.add_cleanup(shutil.rmtree, context.dead_folder, ignore_errors=True)


@given("that task's detached supervisor hangs, stopped by SIGSTOP")
def dead_run_supervisor_hangs(context: Context) -> None:
    """A supervisor that will not end by itself when its container goes (as one stuck on
    a lock would not): only the reaper can end it."""
    pid = context.dead_supervisor.pid
    os.kill(pid, signal.SIGSTOP)
    wait_until(
        lambda: Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0],
        lambda state: state == "T",
        timeout=10,
        describe=f"process {pid} to be stopped",
    )


def _end_if_alive(process: ProcessIdentity) -> None:
    if process.is_alive():
        os.kill(process.pid, signal.SIGKILL)


@then("the dead run's detached supervisor has exited, as /proc shows")
def dead_supervisor_gone(context: Context) -> None:
    supervisor = context.dead_supervisor
    assert_that(supervisor.is_alive(), is_(False), f"/proc/{supervisor.pid} ({context.reaped})")


@when("that test run process is killed with SIGKILL")
def kill_test_run(context: Context) -> None:
    CliDriver.kill_hard(context.dead_run)
    assert_that(context.dead_run.returncode, equal_to(-signal.SIGKILL))


@when("a later run starts and reaps what dead runs left")
def later_run_reaps(context: Context) -> None:
    context.reaped = reaper.reap(context.harness.engine)


@then("the dead run's container and folder are gone")
def dead_run_gone(context: Context) -> None:
    assert_that(raw_inspect(context.harness.engine, context.dead_container), is_(None), "container")
    assert_that(context.dead_folder.exists(), is_(False), f"{context.dead_folder} exists")


@then("this run's own state dir and registration are untouched")
def own_run_untouched(context: Context) -> None:
    assert_that(context.harness.state_dir.is_dir(), is_(True), "the state dir")
    assert_that((reaper.RUNS_DIR / f"{context.run_id}.json").exists(), is_(True), "registered")


@when("{count:d} tasks whose agent sleeps 1 second and whose deadline is 1 second are submitted")
def tasks_racing_deadline(context: Context, count: int) -> None:
    context.batch = [
        context.harness.submit(command=["sleep", "1"], timeout=1.0, stop_grace=5.0)
        for _ in range(count)
    ]


@then(
    "every one of them either completed with exit code 0 (its own exit, though the engine "
    "may have logged one stop signal), or timed out with exit code 143 after one signal "
    "from the engine (15, where its events name it) and no SIGKILL"
)
def deadline_outcomes(context: Context) -> None:
    """The agent is `sleep` under the container's init, which passes SIGTERM on: an
    agent the signal reached ends 143. Exit 0 is an agent that exited on its own, though
    Docker may have taken (and logged) a kill of a container whose exit it had not yet
    seen: that is no deadline."""
    wrong, tally = [], {"completed": 0, "timed_out": 0}
    for task in context.batch:
        ended = context.harness.wait_for_end(task.id, timeout=120)
        witnesses = context.harness.signal_witnesses(task.id, recorded=False)
        sent = [e.signal for e in witnesses.kills]
        if (
            ended.state is TaskState.COMPLETED
            and sent in ([], [15], [None])
            and witnesses.exit_code == 0
        ):
            tally["completed"] += 1
        elif (
            ended.state is TaskState.TIMED_OUT
            and sent in ([15], [None])
            and witnesses.exit_code == 143
        ):
            tally["timed_out"] += 1
        else:
            wrong.append(
                f"{task.id}: {ended.state.value}, exit {ended.exit_code}; " + witnesses.describe()
            )
    print(f"outcomes of {len(context.batch)} deadline races: {tally}")
    assert_that(wrong, is_(empty()))


@given("two processes that keep the CPUs busy")
def busy_cpus(context: Context) -> None:
    context.harness.burn_cpus(2)
