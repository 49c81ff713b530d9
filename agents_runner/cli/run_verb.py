"""`agents-runner run`: a new task, its output streamed as it comes, its states and its
pull's progress on stderr, Ctrl-C, SIGTERM or SIGHUP to cancel (Ctrl-C again to kill), and
docker run's exit codes. A reader that goes away stops the output, not the supervision."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable

from .. import failpoints
from ..agents import PROFILES
from ..outlet import Outlet
from ..spec import TaskSpec, options
from ..spec_checks import check_env_names
from ..states import TaskState
from ..task import Task
from ..taskqueue import TaskQueue
from ..terminal import FOLLOW_INTERVAL, LogFollower, ProgressView
from ..watchdog import Watchdog
from .common import (
    EXIT_CANNOT_INVOKE,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_RUNNER_FAILED,
    BadInput,
    open_controller,
)
from .stop_signals import Ask, StopSignals, stop_signals_counted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ..runner import TaskRunner

# Exit codes of a task that has none of its own, as a shell would report the signal.
_SIGNALLED = {TaskState.CANCELLED: 143, TaskState.KILLED: 137, TaskState.TIMED_OUT: 124}


def cmd_run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    runner = open_controller(args)
    if args.detach:
        task = runner.submit_detached(spec)  # its own process pulls and runs it
        print(task.id, flush=True)
        return EXIT_OK
    view = ProgressView(Outlet(sys.stderr))
    with stop_signals_counted() as signals:
        task = runner.submit(spec)
        # If this process dies unheard; a test's armed crash is left to `recover`.
        watchdog = None if failpoints.armed() else Watchdog(runner.store.root, task.id)
        follower = LogFollower(runner.store.log_path(task.id), Outlet(sys.stdout.buffer))
        try:
            task = _stream_until_end(runner, task.id, signals, follower, view)
        finally:
            runner.close(wait=False)
            if watchdog is not None:
                watchdog.release(ended=runner.get(task.id).is_terminal)
    reason = f": {task.error}" if task.error else ""
    view.note(f"task {task.id} ended {task.state.value}{reason}")
    return exit_status(task, signalled=signals.first)


def spec_from_args(args: argparse.Namespace) -> TaskSpec:
    """The task `run` asks for; BadInput or ValueError (naming the field) if it is not one.
    Each field `run` offers (spec.options()) is taken from its option, through _FROM_ARGS
    where the value typed is not the field's; an option left out (None) is not passed, so
    the field keeps its TaskSpec default."""
    values = {}
    for name, option in options():
        value = getattr(args, option.dest(name))
        if name in _FROM_ARGS:
            value = _FROM_ARGS[name](args, option.flags[0].removeprefix("--"), value)
        if value is not None:
            values[name] = value
    spec = TaskSpec(**values)
    if spec.agent is not None and not spec.prompt.strip():
        raise BadInput(
            f"--prompt: the {spec.agent} agent needs a prompt (--prompt or --prompt-file) "
            "(see 'agents-runner run --help')"
        )
    return spec


def exit_status(task: Task, *, signalled: signal.Signals | None = None) -> int:
    """docker run's convention: the agent's own exit code when it ran, else a fixed code.
    A run whose own signal ended its task exits as a shell reports that signal: 128 + it."""
    if signalled is not None and task.state in _SIGNALLED:
        return 128 + signalled
    if task.state is TaskState.TIMED_OUT:  # as timeout(1): not the code the stop left
        return _SIGNALLED[TaskState.TIMED_OUT]
    if task.exit_code is not None and (task.exit_code != 0 or task.state is TaskState.COMPLETED):
        return task.exit_code
    if task.state in _SIGNALLED:
        return _SIGNALLED[task.state]
    error = (task.error or "").lower()
    if "executable file not found" in error or "no such file or directory" in error:
        return EXIT_NOT_FOUND
    if "permission denied" in error:
        return EXIT_CANNOT_INVOKE
    return EXIT_RUNNER_FAILED


def _stream_until_end(
    runner: TaskRunner,
    task_id: str,
    signals: StopSignals,
    follower: LogFollower,
    view: ProgressView,
) -> Task:
    """The output to stdout as it comes; states and the pull's progress to stderr. The
    log is complete once the end is recorded, so the output is all copied before the
    caller announces the end, and nothing follows that line."""
    queue = TaskQueue(runner.store.root)
    said_waiting = None
    unrecorded: Ask | None = None  # asked for, but the state dir could not take it yet
    while True:
        ask = signals.next_ask()
        if ask is Ask.CANCEL:
            view.note(f"cancelling task {task_id} ({_why(signals.received[0])})")
        elif ask is Ask.KILL:
            view.note(f"killing task {task_id}")
        if ask is not Ask.NOTHING:  # a kill replaces a cancel not yet recorded
            unrecorded = _ask(runner, task_id, ask, view, retrying=ask is unrecorded)
        elif unrecorded is not None:
            unrecorded = _ask(runner, task_id, unrecorded, view, retrying=True)
        task = runner.get(task_id)
        view.show(task)  # the states it passed first: its output comes after "running"
        if task.state is TaskState.QUEUED:
            place = queue.places().get(task_id, (None, None))[0]
            waiting = f"place {place} in the queue, {queue.why_waiting(task_id)}"
            if task.placement:
                waiting = f"task {task_id} is {queue.why_waiting(task_id, task.placement)}"
            if (place is not None or task.placement) and waiting != said_waiting:
                view.note(waiting)
                said_waiting = waiting
        follower.pump()
        if task.is_terminal:
            return task
        with contextlib.suppress(TimeoutError):
            runner.wait(task_id, timeout=FOLLOW_INTERVAL)


def _ask(
    runner: TaskRunner, task_id: str, ask: Ask, view: ProgressView, *, retrying: bool
) -> Ask | None:
    """Record the cancel or the kill; the ask again (None once recorded) when the state
    dir cannot take it now (a full disk): the run goes on supervising and tries again,
    as the end's own write does, until it is recorded or the task ends, rather than
    leave its task to the watchdog unstopped. Its recorded time is when it was recorded."""
    try:
        if ask is Ask.KILL:
            runner.request_kill(task_id)
        else:
            runner.request_stop(task_id)
    except OSError as exc:
        if not retrying:
            what = "kill" if ask is Ask.KILL else "cancel"
            view.note(
                f"cannot record the {what} of task {task_id} yet: {exc.strerror or exc}; "
                "trying again"
            )
        return ask
    return None


# The fields whose value is more than the option's: (args, the option's name, its value).
_FROM_ARGS: dict[str, Callable[[argparse.Namespace, str, Any], Any]] = {
    "image": lambda args, option, value: _image(args),
    "prompt": lambda args, option, value: _prompt(args),
    "env": lambda args, option, value: _pairs(option, value, from_host=True),
    "secrets": lambda args, option, value: _secrets(value),
    "labels": lambda args, option, value: _pairs(option, value),
    "host_login": lambda args, option, value: value or None,
    "command": lambda args, option, value: value or None,
}


def _why(first: signal.Signals) -> str:
    if first is signal.SIGINT:
        return "Ctrl-C again to kill it"
    return f"{first.name} received; Ctrl-C to kill it"


def _image(args: argparse.Namespace) -> str:
    """--image, else the agent's own image (`images build` makes it)."""
    if args.image is not None:
        return str(args.image)
    profile = PROFILES.get(args.agent or "")
    if profile is not None and profile.default_image is not None:
        return profile.default_image
    if profile is not None:
        raise BadInput(f"--image: the {profile.name} agent has no image of its own; give one")
    raise BadInput("--image: give the image to run, e.g. --image busybox:1.36")


def _prompt(args: argparse.Namespace) -> str:
    if args.prompt is not None and args.prompt_file is not None:
        raise BadInput("--prompt and --prompt-file: give one of them, not both")
    if args.prompt == "-":
        args.prompt_file = "-"
    elif args.prompt_file is None:
        return args.prompt or ""
    try:
        if args.prompt_file == "-":
            text = sys.stdin.read()
        else:
            with open(args.prompt_file, encoding="utf-8") as file:
                text = file.read()
    except OSError as exc:
        raise BadInput(f"{_prompt_option(args)}: cannot read it: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{_prompt_option(args)}: is not UTF-8 text") from None
    if not text.strip():  # said here: "needs a prompt" would blame the command line
        where = "stdin" if args.prompt_file == "-" else "the file"
        said = "was empty" if not text else "held only blank space"
        raise BadInput(f"{_prompt_option(args)}: {where} {said}; the prompt comes from there")
    return text.removesuffix("\n")


def _prompt_option(args: argparse.Namespace) -> str:
    return "--prompt -" if args.prompt == "-" else f"--prompt-file {args.prompt_file}"


def _pairs(name: str, items: list[str], *, from_host: bool = False) -> dict[str, str]:
    """K=V pairs; with `from_host`, a K alone takes the value of $K, as docker run -e K."""
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not key:
            raise BadInput(f"--{name}: {item!r} has no name")
        if from_host:
            check_env_names({key: value})
        if not sep and from_host:
            if key not in os.environ:
                raise BadInput(f"--{name} {key}: no value given and ${key} is not set")
            value = os.environ[key]
        elif not sep:
            raise BadInput(f"--{name} {item!r}: expected K=V")
        pairs[key] = value
    return pairs


def _secrets(items: list[str]) -> dict[str, str]:
    secrets = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            if key not in os.environ:
                raise BadInput(f"--secret {key}: no value given and ${key} is not set")
            value = os.environ[key]
        secrets[key] = value
    return secrets
