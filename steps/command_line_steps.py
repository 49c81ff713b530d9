"""Steps about the command line's conventions: exit codes, terminals and pipes, Ctrl-C,
option parsing, help, and the read verbs' options. They drive the installed binary."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from itertools import pairwise
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    assert_that,
    contains_string,
    empty,
    equal_to,
    greater_than_or_equal_to,
    is_,
    is_in,
    is_not,
    matches_regexp,
)

from agents_runner.logstream import to_unix_nanos
from agents_runner.store import TaskStore
from agents_runner.testing.cli_driver import cli_executable
from agents_runner.testing.reachable_cli import reachable_cli
from agents_runner.testing.suite_docker import SuiteDockerError
from agents_runner.testing.waiting import wait_until

TRACEBACK = "Traceback (most recent call last)"
_STATE_LINE = re.compile(r"^agents-runner: task [0-9a-f]{12} (?:is|ended) (\w+)", re.M)
# A drawn line: its phase, a bar and percentage once the phase's totals are known, layers.
_BAR = re.compile(
    r"pulling \S+: (downloading|extracting)(?: \[[#.]+\]\s+(\d+)%)?[ ,].*?(\d+)/(\d+) layers"
)
_PIPE_PROGRESS = re.compile(r"^pulling \S+: .*?(\d+)/(\d+) layers", re.M)


def _remember_newest_task(context: Context) -> None:
    tasks = context.harness.runner().list()
    if tasks:
        context.task = tasks[-1]
        context.cli_task_id = tasks[-1].id


def _run_argv(context: Context, line: str, image: str) -> list[str]:
    args = shlex.split(line)
    return [args[0], "--image", image, *args[1:]]


@when('the user runs "{line}" in a tag the registry does not have')
def run_missing_tag(context: Context, line: str) -> None:
    context.missing_image = context.harness.missing_tag()
    argv = _run_argv(context, line, context.missing_image)
    context.result = context.harness.cli.run(*argv)
    _remember_newest_task(context)


@given('the user runs "{line}" on that image in a pseudo-terminal')
@when('the user runs "{line}" on that image in a pseudo-terminal')
def run_in_terminal(context: Context, line: str) -> None:
    argv = _run_argv(context, line, context.image_ref)
    context.result = None
    context.terminal = context.harness.cli.start_in_terminal(*argv)
    context.task = context.harness.wait_for_a_task()
    context.cli_task_id = context.task.id


@when('the user runs "{line}" on that image')
def run_on_that_image(context: Context, line: str) -> None:
    argv = _run_argv(context, line, context.image_ref)
    context.result = context.harness.cli.run(*argv)
    _remember_newest_task(context)


@when("the user presses Ctrl-C")
def press_ctrl_c(context: Context) -> None:
    context.terminal.interrupt()


@when("the registry lets the layers through")
def release_layers(context: Context) -> None:
    context.gate.release_layers()


def terminal_output(context: Context) -> str:
    """What the terminal showed, once its command has exited."""
    context.terminal.wait(timeout=120)
    return context.terminal.output.replace("\r\n", "\n")


@then('the terminal shows "{text}" at the start of a line')
def terminal_line_starts(context: Context, text: str) -> None:
    output = terminal_output(context)
    assert_that(output, matches_regexp(r"(^|\n)" + re.escape(text)), repr(output))


@then("the terminal shows no traceback")
def terminal_no_traceback(context: Context) -> None:
    output = terminal_output(context)
    assert_that(output, is_not(contains_string(TRACEBACK)))
    assert_that(output, is_not(contains_string("Exception ignored")))


@then(
    "every bar the terminal showed names its phase, and within a phase its percentage, "
    "once shown, never goes down"
)
def bars_move_forward(context: Context) -> None:
    output = terminal_output(context)
    lines = [(m.group(1), m.group(2)) for m in _BAR.finditer(output)]
    drawn = output.count("pulling ")
    assert_that(len(lines), equal_to(drawn), f"every drawn bar names its phase: {output!r}")
    bars = [(phase, int(percent)) for phase, percent in lines if percent is not None]
    assert_that(len(bars), greater_than_or_equal_to(2), repr(output))
    for (phase, percent), (next_phase, next_percent) in pairwise(bars):
        if phase == next_phase:
            assert_that(next_percent, greater_than_or_equal_to(percent), f"{bars}")
    phases = [phase for phase, _ in lines]
    assert_that(phases, equal_to(sorted(phases, key=["downloading", "extracting"].index)))


@then("the last bar the terminal showed counts every layer as done")
def last_bar_complete(context: Context) -> None:
    bars = list(_BAR.finditer(terminal_output(context)))
    done, total = int(bars[-1].group(3)), int(bars[-1].group(4))
    assert_that(total, greater_than_or_equal_to(1))
    assert_that(done, equal_to(total), bars[-1].group(0))


@then("its error output has at least {count:d} plain progress lines and no terminal control codes")
def pipe_progress(context: Context, count: int) -> None:
    stderr = context.result.stderr
    assert_that(stderr, is_not(contains_string("\x1b")))
    assert_that(stderr, is_not(contains_string("\r")))
    assert_that(len(_PIPE_PROGRESS.findall(stderr)), greater_than_or_equal_to(count), stderr)


@then("its last progress line counts every layer as done")
def pipe_progress_complete(context: Context) -> None:
    done, total = _PIPE_PROGRESS.findall(context.result.stderr)[-1]
    assert_that(int(total), greater_than_or_equal_to(1))
    assert_that(done, equal_to(total), context.result.stderr)


@when('the user runs "{line}" in a pseudo-terminal')
def run_in_terminal_with_test_image(context: Context, line: str) -> None:
    argv = _run_argv(context, line, context.harness.image)
    context.result = None
    context.terminal = context.harness.cli.start_in_terminal(*argv)


@then(
    "the terminal showed the states {states}, once each and in that order, "
    'then "{output}", then the end once'
)
def states_then_output_then_end(context: Context, states: str, output: str) -> None:
    shown = terminal_output(context).splitlines()
    expected = [s.strip() for s in states.split(",")]
    state_lines = [line for line in shown if _STATE_LINE.match(line)]
    ends = [line for line in state_lines if " ended " in line]
    announced = [_STATE_LINE.match(line).group(1) for line in state_lines if " is " in line]
    assert_that(announced, equal_to(expected), repr(shown))
    assert_that(len(ends), equal_to(1), repr(shown))
    assert_that(shown.index(output), greater_than_or_equal_to(len(expected)), repr(shown))
    assert_that(shown[-1], equal_to(ends[0]), repr(shown))
    assert_that(shown.index(output), equal_to(len(shown) - 2), repr(shown))


@then('the agent received the argv "{argv}"')
def agent_argv(context: Context, argv: str) -> None:
    expected = shlex.split(argv)
    stored = json.loads(context.harness.payload_bytes(context.cli_task_id))
    assert_that(stored["spec"]["argv"][1:], equal_to(expected), "the recorded argv")
    # busybox echo prints exactly the arguments it got, joined by spaces
    assert_that(context.harness.log_text(context.cli_task_id), equal_to(" ".join(expected) + "\n"))


@when('the user runs "{line}" with "{text}" on stdin')
def run_with_stdin(context: Context, line: str, text: str) -> None:
    args = shlex.split(line)
    args[1:1] = ["--image", context.harness.image]
    context.result = context.harness.cli.run(*args, stdin=text)
    _remember_newest_task(context)


@then('its output\'s spec has the argv "{argv}"')
def show_argv(context: Context, argv: str) -> None:
    expected = shlex.split(argv)
    assert_that(json.loads(context.result.stdout)["spec"]["argv"], equal_to(expected))
    assert_that(
        context.harness.log_text(context.cli_task_id), equal_to(" ".join(expected[1:]) + "\n")
    )


@then("the stored task has a timeout of {timeout:d} seconds and a grace of {grace:d} seconds")
def stored_durations(context: Context, timeout: int, grace: int) -> None:
    spec = context.harness.fresh_load(context.cli_task_id).spec
    assert_that((spec.timeout, spec.stop_grace), equal_to((float(timeout), float(grace))))


@then('the task\'s log is exactly "{text}"')
def log_is_exactly(context: Context, text: str) -> None:
    assert_that(context.harness.log_text(context.cli_task_id), equal_to(text + "\n"))


@when('the user runs "{line}" with --state-dir after the verb')
def state_dir_after_verb(context: Context, line: str) -> None:
    args = shlex.split(line)
    argv = context.harness.cli.argv(args[0], "--image", context.harness.image, *args[1:])
    head = len(cli_executable())
    assert_that(argv[head], equal_to("--state-dir"))
    state_dir = argv[head : head + 2]
    reordered = [*argv[:head], argv[head + 2], *state_dir, *argv[head + 3 :]]
    context.result = context.harness.cli.run(argv=reordered)
    _remember_newest_task(context)
    assert_that(context.cli_task_id, is_not(None))


@then("its output is the installed version")
def installed_version(context: Context) -> None:
    assert_that(context.result.stdout, equal_to(f"agents-runner {version('agents-runner')}\n"))


@then("the task's payload and log are gone from the state dir")
def payload_and_log_gone(context: Context) -> None:
    store = TaskStore(context.harness.state_dir)
    for path in (store.payload_path(context.cli_task_id), store.log_path(context.cli_task_id)):
        assert_that(Path(path).exists(), is_(False), str(path))


@when('the user runs "{verb}" with the task\'s id cut to its first {count:d} characters')
def run_with_prefix(context: Context, verb: str, count: int) -> None:
    context.result = context.harness.cli.run(*verb.split(), context.cli_task_id[:count])


@then("the help of every verb has a description and an example")
def every_verb_helped(context: Context) -> None:
    top = context.harness.cli.run("--help").stdout
    verbs = re.findall(r"^    ([a-z]+)\s{2,}\S", top, re.M)
    assert_that(len(verbs), greater_than_or_equal_to(9), top)
    for verb in verbs:
        text = context.harness.cli.run(verb, "--help").stdout
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
        assert_that(len(paragraphs), greater_than_or_equal_to(3), f"{verb}: {text}")
        assert_that(paragraphs[1], is_not(matches_regexp(r"^\s*(positional|options)")), verb)
        assert_that(text, matches_regexp(rf"(?i)examples?:\s*\n\s+agents-runner {verb}\b"))


@then('its error output does not name "{text}"')
def stderr_does_not_name(context: Context, text: str) -> None:
    assert_that(context.result.stderr, is_not(contains_string(text)))
    assert_that(context.result.stderr, is_not(contains_string(TRACEBACK)))


@then("its error output does not repeat the engine's reason")
def reason_said_once(context: Context) -> None:
    try:
        context.harness.engine.pull(context.missing_image)
    except SuiteDockerError as exc:
        reason = getattr(exc.__cause__, "explanation", None) or str(exc)
    else:
        raise AssertionError(f"the engine pulled {context.missing_image}")
    # The engine's own reason, as its pull says it: each distinct part of it at most once.
    parts = {part.strip() for part in str(reason).split(": ") if part.strip()}
    stderr = context.result.stderr
    assert_that([part for part in parts if part in stderr], is_not(empty()), reason)
    repeated = {part: stderr.count(part) for part in parts if stderr.count(part) > 1}
    assert_that(repeated, equal_to({}), stderr)


@when('with {name} set to "{value}" in its environment, the user runs "{line}"')
def run_with_variable(context: Context, line: str, name: str, value: str) -> None:
    args = shlex.split(line)
    if args[:1] == ["run"]:
        args[1:1] = ["--image", context.harness.image]
    context.result = context.harness.cli.run(*args, env={name: value})


@then("no task was stored and no container was created")
def nothing_stored(context: Context) -> None:
    assert_that(TaskStore(context.harness.state_dir).list(), is_(empty()))
    creations = [e for e in context.harness.all_events(proven=True) if e.action == "create"]
    assert_that(creations, is_(empty()))


@given("a state dir that is a file")
def state_dir_is_a_file(context: Context) -> None:
    context.other_state_dir = context.harness.workspace() / "state"
    context.other_state_dir.write_text("not a folder\n")


@given("a state dir the user cannot write")
def state_dir_not_writable(context: Context) -> None:
    folder = context.harness.workspace()
    folder.chmod(0o755)
    context.other_state_dir = folder / "state"
    context.other_state_dir.mkdir(mode=0o755)


@given("a state dir in which no folder can be made (a process's folder in /proc), given as {how}")
def state_dir_in_proc(context: Context, how: str) -> None:
    folder = Path(f"/proc/{os.getpid()}")
    assert_that(folder.is_dir(), is_(True))
    relative = how == "a path relative to the working folder"
    context.other_state_dir = Path(os.path.relpath(folder)) if relative else folder


@then("its error output names that state dir as the user gave it, then the path in it that failed")
def names_state_dir_as_given(context: Context) -> None:
    given = context.other_state_dir
    assert_that(
        context.result.stderr,
        contains_string(f"cannot use the state dir {given}: {given / 'tasks'}: "),
    )


@when('the user runs "{line}" with that state dir')
def run_with_other_state_dir(context: Context, line: str) -> None:
    args = shlex.split(line)
    if args[0] == "run":
        args[1:1] = ["--image", context.harness.image]
    argv = context.harness.cli.argv(*args)
    head = len(cli_executable())
    argv[head + 1] = str(context.other_state_dir)
    context.result = context.harness.cli.run(argv=argv)


@then("the file is unchanged")
def state_file_unchanged(context: Context) -> None:
    assert_that(context.other_state_dir.read_text(), equal_to("not a folder\n"))


@when('a user who is not in the docker group runs "{line}" with that state dir')
def run_unprivileged_with_other_state_dir(context: Context, line: str) -> None:
    _run_as_nobody(context, line, context.other_state_dir)


@when('a user who is not in the docker group runs "{line}"')
def run_without_docker_group(context: Context, line: str) -> None:
    home = context.harness.workspace()
    home.chmod(0o777)
    _run_as_nobody(context, line, home / "state")


def _run_as_nobody(context: Context, line: str, state_dir: Path) -> None:
    home = state_dir.parent
    args = shlex.split(line)
    if args[0] == "run":
        args[1:1] = ["--image", context.harness.image]
    argv = context.harness.cli.argv(*args)
    head = len(cli_executable())
    argv[head + 1] = str(state_dir)
    # The checkout may be in a folder nobody cannot enter: run a copy nobody can read.
    reachable, env = reachable_cli(context.harness.workspace())
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    context.result = context.harness.cli.run(
        argv=[*drop, *reachable, *argv[head:]], env={"HOME": str(home), **env}
    )
    assert_that(
        subprocess.run(["id", "-Gn", "nobody"], capture_output=True, text=True).stdout,
        is_not(contains_string("docker")),
    )


@then('the last line of its error output names "{text}"')
def last_stderr_line(context: Context, text: str) -> None:
    lines = context.result.stderr.splitlines()
    assert_that(lines[-1] if lines else "", contains_string(text), context.result.stderr)
    assert_that(context.result.stderr, is_not(contains_string(TRACEBACK)))


@then("the task has not finished pulling when the command has exited")
def not_pulled_yet(context: Context) -> None:
    state = context.harness.fresh_load(context.cli_task_id).state
    assert_that(state.value, is_in(["queued", "pulling"]))


@then("its output is empty")
def output_empty(context: Context) -> None:
    assert_that(context.result.stdout, equal_to(""))


@when(
    'the user notes the time just after the engine\'s timestamp of the line "{line}" (past '
    "its second where the engine gives whole seconds), as written two hours east of UTC"
)
def note_time_after_line(context: Context, line: str) -> None:
    """Podman stamps its log in whole seconds: a line stamped 12:00:05 was written at
    some time in that second, so only a time past it is surely after the line."""
    context.cli_task_id = getattr(context, "cli_task_id", "") or context.task.id
    container_id = context.harness.fresh_load(context.cli_task_id).container_id
    logs = context.harness.engine.api.logs(container_id, timestamps=True).decode()
    stamp = next(entry.split(" ", 1)[0] for entry in logs.splitlines() if entry.endswith(line))
    seconds = float(to_unix_nanos(stamp.encode())) + 0.001
    if "." not in stamp:
        seconds += 1
        # What the agent writes from now on must come after the noted time.
        wait_until(time.time, lambda now: now > seconds, timeout=3, describe="that time")
    east = timezone(timedelta(hours=2))  # a time as a person east of UTC writes it
    context.noted_time = datetime.fromtimestamp(seconds, east).isoformat(timespec="microseconds")
