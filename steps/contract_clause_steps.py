"""Steps for the contract's clauses that no other feature proves."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, equal_to, is_, is_not, less_than

from agents_runner import Engine
from agents_runner.agents import get_profile
from agents_runner.states import TaskState
from agents_runner.testing.harness import (
    READY_LINE,
    STUBBORN_AGENT,
    WAITING_AGENT,
    memory_hog,
)
from agents_runner.testing.kernel_oom import oom_kills_logged
from agents_runner.testing.oracle import raw_image_present
from agents_runner.testing.waiting import wait_until


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


@given('in the workspace, a folder "{name}" for --offline-from whose npm cache is empty')
def offline_folder_without_packages(context: Context, name: str) -> None:
    """It passes the folder's own checks (an npm cache, a .deb), so the build starts and
    its `npm install`, offline, finds nothing to install."""
    folder = context.workspace / name
    (folder / "npm-cache" / "_cacache").mkdir(parents=True)
    (folder / "debs").mkdir()
    (folder / "debs" / "not-a-package.deb").write_text("not a Debian package\n")


@given("the engine's own inspect gives the id of the codex image")
def codex_image_id(context: Context) -> None:
    context.image_id_before = _codex_image_id(context)


@then("the engine's own inspect gives the codex image the same id as before")
def codex_image_unchanged(context: Context) -> None:
    assert_that(_codex_image_id(context), equal_to(context.image_id_before))


def _codex_image_id(context: Context) -> str:
    image = get_profile("codex").default_image
    assert image is not None
    return str(context.harness.engine.api.inspect_image(image)["Id"])


# -- a command other than run, interrupted --------------------------------------------


@when('in a pseudo-terminal, the user runs "{line}", until it shows "{text}"')
def run_in_terminal_until(context: Context, line: str, text: str) -> None:
    args = shlex.split(line.replace("{id}", context.cli_task_id))
    context.result = None
    context.terminal = context.harness.cli.start_in_terminal(*args)
    context.terminal.wait_for_output(text, timeout=60)


# -- a state dir from before active/ --------------------------------------------------


def _active(context: Context) -> Path:
    return context.harness.state_dir / "active"


@when("the state dir's active/ folder is removed, as a version before it wrote none")
def remove_active(context: Context) -> None:
    shutil.rmtree(_active(context))


@then("the state dir's active/ holds a file for that task alone")
def active_holds_the_task(context: Context) -> None:
    assert_that(sorted(p.name for p in _active(context).iterdir()), equal_to([context.task.id]))


@then("the state dir's active/ holds no file")
def active_empty(context: Context) -> None:
    # the marker goes once the terminal payload is on disk, which is what wait waits for
    wait_until(
        lambda: sorted(p.name for p in _active(context).iterdir()),
        lambda names: names == [],
        timeout=10,
        describe="active/ to hold no file",
    )


# -- the queue on disk -----------------------------------------------------------------


def _queue(context: Context) -> Path:
    return context.harness.state_dir / "queue"


def _two_tasks(context: Context) -> tuple[str, str]:
    tasks = context.harness.runner().list()  # oldest first
    assert_that(len(tasks), equal_to(2))
    return tasks[0].id, tasks[1].id


@then('queue/settings.json holds a max_running of {limit:d} and a pool "{pool}" of {size:d}')
def settings_hold(context: Context, limit: int, pool: str, size: int) -> None:
    settings = json.loads((_queue(context) / "settings.json").read_text())
    assert_that(settings, equal_to({"max_running": limit, "pools": {pool: size}}))


@then("queue/lock and queue/seq are files, and queue/seq holds {seq:d}")
def lock_and_seq(context: Context, seq: int) -> None:
    assert_that((_queue(context) / "lock").is_file(), is_(True), "queue/lock")
    assert_that(int((_queue(context) / "seq").read_text().strip()), equal_to(seq))


@then("queue/running holds one file, named by the first task's id and no pool")
def running_file(context: Context) -> None:
    first, _ = _two_tasks(context)
    names = [p.name for p in (_queue(context) / "running").iterdir()]
    assert_that(names, equal_to([f"{first}~"]))


@then(
    "queue/waiting comes to hold one file, named by rank {rank:d}, sequence {seq:d}, the second "
    'task\'s id, pool "{pool}" and a live process with its start time'
)
def waiting_file(context: Context, rank: int, seq: int, pool: str) -> None:
    _, second = _two_tasks(context)
    # a detached run's ticket is taken by the process it starts, just after it returns
    files = wait_until(
        lambda: list((_queue(context) / "waiting").iterdir()),
        bool,
        timeout=30,
        describe="a file in queue/waiting",
    )
    assert_that(len(files), equal_to(1), f"{[f.name for f in files]}")
    assert_that(files[0].stat().st_size, equal_to(0))
    fields = files[0].name.split("~")
    assert_that(len(fields), equal_to(6), files[0].name)
    assert_that(
        (int(fields[0]), int(fields[1]), fields[2], fields[3]), equal_to((rank, seq, second, pool))
    )
    pid, started = int(fields[4]), int(fields[5])
    stat = Path(f"/proc/{pid}/stat").read_text()  # the kernel's own account of the process
    assert_that(int(stat[stat.rindex(")") + 2 :].split()[19]), equal_to(started))


# -- the state dir from the environment -----------------------------------------------


def _run_without_state_dir(context: Context, line: str, **variables: str) -> None:
    argv = context.harness.cli.argv(*shlex.split(line))
    at = argv.index("--state-dir")
    del argv[at : at + 2]
    argv[argv.index("run") + 1 : argv.index("run") + 1] = ["--image", context.harness.image]
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("AGENTS_RUNNER_STATE_DIR", "XDG_DATA_HOME")
    }
    context.result = subprocess.run(
        argv, capture_output=True, text=True, timeout=120, env={**env, **variables}
    )


@when('without --state-dir, the user runs "{line}" with {variable} naming a fresh folder')
def run_with_state_variable(context: Context, line: str, variable: str) -> None:
    context.env_folder = context.harness.workspace()
    _run_without_state_dir(context, line, **{variable: str(context.env_folder)})


def _holds_one_task(folder: Path, text: str) -> None:
    payloads = list((folder / "tasks").glob("*.json"))
    assert_that(len(payloads), equal_to(1), f"payloads in {folder}")
    task_id = payloads[0].stem
    assert_that((folder / "logs" / f"{task_id}.log").read_text(), equal_to(text + "\n"))


@then('that folder holds the task\'s payload and its log, holding "{text}"')
def folder_holds(context: Context, text: str) -> None:
    _holds_one_task(context.env_folder, text)


@then("that folder's agents-runner holds the task's payload and its log, holding \"{text}\"")
def xdg_folder_holds(context: Context, text: str) -> None:
    _holds_one_task(context.env_folder / "agents-runner", text)


# -- out of memory, as the kernel and the engine report it -----------------------------


@then(
    'its reason says "{words}" exactly when the kernel\'s log reports an out-of-memory kill '
    "in its container's memory cgroup"
)
def oom_exactly_when_logged(context: Context, words: str) -> None:
    task = context.harness.fresh_load(context.task.id)
    assert_that(task.container_id, is_not(None), "the task's recorded container id")
    logged = oom_kills_logged(task.container_id)
    reason = task.error or ""
    assert_that(words in reason, equal_to(bool(logged)), f"reason {reason!r}, kernel {logged}")


_ENDED_CONTAINERS = {
    "whose worker the kernel killed for exceeding 16m (a kill Docker reported)": (
        memory_hog(64, outlived=True),
        None,
    ),
    "killed with Docker's kill": ("sleep 600", "SIGKILL"),
    "that exited 137 by itself": ("exit 137", None),
}
# Docker misses some kills the kernel made (about 1 in 20 here under load: docs/ENGINES.md);
# a hog it did not report is replaced, up to this many times.
_HOG_ATTEMPTS = 6


def _ended_container(context: Context, script: str, signal: str | None) -> str:
    api = context.harness.engine.api
    host = api.create_host_config(
        network_mode="none", mem_limit="16m", memswap_limit="16m", init=True
    )
    container = api.create_container(
        context.harness.image, ["sh", "-c", script], labels=context.harness.labels,
        host_config=host,
    )["Id"]  # fmt: skip
    context.harness.kept_containers.append(container)  # the suite removes it
    api.start(container)
    if signal:
        api.kill(container, signal)
    api.wait(container, timeout=60)
    return container


def _docker_reported_oom(context: Context, container: str) -> bool:
    """By the suite's own read of Docker's events: an `oom` event for the container,
    waiting a few seconds for one that follows its exit."""
    api = context.harness.engine.api
    stream = api.events(
        since=0, until=time.time() + 3, decode=True,
        filters={"type": ["container"], "container": [container], "event": ["oom"]},
    )  # fmt: skip
    try:
        return any(event.get("Action") == "oom" for event in stream)
    finally:
        stream.close()


@given("three ended containers of this scenario with a memory limit of 16m: {kinds}")
def ended_containers(context: Context, kinds: str) -> None:
    context.ended = {}
    for kind in [k.strip().removeprefix("one ") for k in kinds.replace(" and ", ", ").split(", ")]:
        script, signal = _ENDED_CONTAINERS[kind]
        container = _ended_container(context, script, signal)
        if kind.endswith("(a kill Docker reported)"):
            attempts = 1
            while not _docker_reported_oom(context, container):
                assert_that(attempts, less_than(_HOG_ATTEMPTS), "hogs Docker did not report")
                container, attempts = _ended_container(context, script, signal), attempts + 1
        context.ended[kind] = container


@then(
    "asked with a wait of {wait:d} s, the runner's engine says only the first had an "
    "out-of-memory kill, and answers for the killed one before the wait is out"
)
def oom_reported_by_engine(context: Context, wait: int) -> None:
    under_test = Engine.from_env()  # the runner's own engine call is what is under test
    context.add_cleanup(under_test.close)
    answers, took = {}, {}
    for kind, container in context.ended.items():
        started = under_test.inspect(container).started_at
        began = time.monotonic()
        answers[kind] = under_test.oom_reported(container, since=started, wait=wait)
        took[kind] = time.monotonic() - began
    kinds = list(context.ended)
    assert_that(answers, equal_to({kind: kind == kinds[0] for kind in kinds}))
    assert_that(took["killed with Docker's kill"], less_than(wait))
