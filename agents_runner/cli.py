"""The `agents-runner` command line (docs/CONTRACT.md section 3).

Exit status: 0 the task completed (or the command succeeded); 1 the task ended in
another terminal state; 2 bad input, with one line on stderr; 3 the Docker engine is
unreachable; 124 `wait --timeout` ran out first.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from .agents import known_agents
from .config import DEFAULT_ORPHAN_GRACE, resolve_state_dir
from .errors import EngineUnavailable
from .spec import PULL_POLICIES, TaskSpec
from .states import TaskState
from .store import TaskNotFound, TaskStore, UnreadableTask
from .task import Task
from .terminal import FOLLOW_INTERVAL, LogFollower, ProgressView, format_table, parse_duration

if TYPE_CHECKING:
    from .runner import TaskRunner

EXIT_OK, EXIT_ENDED_OTHERWISE, EXIT_BAD_INPUT, EXIT_NO_ENGINE, EXIT_WAIT_TIMEOUT = 0, 1, 2, 3, 124
PROG = "agents-runner"


class BadInput(Exception):
    """Input the user can fix; one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise BadInput(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Run AI coding agent CLIs in Docker containers, one task per container.",
        epilog="Exit status: 0 completed (or the command succeeded), 1 the task ended "
        "otherwise, 2 bad input, 3 Docker engine unreachable, 124 wait timed out.",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where tasks are kept (default: $AGENTS_RUNNER_STATE_DIR, else "
        "$XDG_DATA_HOME/agents-runner, else ~/.local/share/agents-runner)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    run = commands.add_parser(
        "run",
        help="run an agent in a new task",
        description="Run an agent (or, after --, any command) in a new container. Without "
        "--detach, streams its output and exits with the task's status.",
    )
    run.add_argument("--image", required=True, help="the image to run, e.g. busybox:1.36")
    run.add_argument("--agent", help=f"agent profile: {', '.join(known_agents())}")
    run.add_argument("--prompt", default="", help="the prompt, passed as one argument")
    run.add_argument(
        "--agent-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for the agent CLI, before the prompt (repeatable)",
    )
    run.add_argument("--agent-path", metavar="PATH", help="the agent CLI's executable in the image")
    run.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="K=V",
        help="environment variable (repeatable)",
    )
    run.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="K[=V]",
        help="secret environment variable, never stored; K alone takes the value of $K "
        "(keeps it out of your shell history)",
    )
    run.add_argument("--workspace", metavar="DIR", help="host directory mounted at /workspace")
    run.add_argument(
        "--timeout", type=_seconds, metavar="S", help="deadline in seconds, from running"
    )
    run.add_argument(
        "--grace", type=_seconds, metavar="S", help="stop grace in seconds (default 10)"
    )
    run.add_argument(
        "--pull", choices=PULL_POLICIES, default="missing", help="pull policy (default: missing)"
    )
    run.add_argument("--network", metavar="NET", help="Docker network to attach to")
    run.add_argument("--memory", metavar="SIZE", help="memory limit, e.g. 512m or 2g (no swap)")
    run.add_argument("--cpus", type=float, metavar="N", help="CPU limit, e.g. 1.5")
    run.add_argument(
        "--label", action="append", default=[], metavar="K=V", help="container label (repeatable)"
    )
    run.add_argument(
        "--detach", action="store_true", help="print the task id once it runs, and return"
    )
    run.add_argument(
        "command_argv", nargs="*", metavar="-- COMMAND ARG", help="command instead of an agent"
    )

    listing = commands.add_parser(
        "list", help="list tasks", description="List unfinished tasks (all with --all)."
    )
    listing.add_argument("--all", action="store_true", help="include finished tasks")
    listing.add_argument("--json", action="store_true", help="print the payloads as a JSON list")

    show = commands.add_parser("show", help="print a task's payload as JSON")
    show.add_argument("id")

    logs = commands.add_parser("logs", help="print a task's output")
    logs.add_argument("id")
    logs.add_argument(
        "--follow", "-f", action="store_true", help="keep printing until the task ends"
    )

    wait = commands.add_parser("wait", help="wait for a task to end; exit with its status")
    wait.add_argument("id")
    wait.add_argument(
        "--timeout", type=_seconds, metavar="S", help="give up after S seconds (exit 124)"
    )

    cancel = commands.add_parser(
        "cancel",
        help="stop a task gracefully",
        description="SIGTERM (the image's STOPSIGNAL), then SIGKILL after the grace.",
    )
    cancel.add_argument("id")
    cancel.add_argument(
        "--grace", type=_seconds, metavar="S", help="seconds before SIGKILL (default: the task's)"
    )
    cancel.add_argument(
        "--no-wait", action="store_true", help="return once the request is recorded"
    )

    kill = commands.add_parser("kill", help="kill a task at once and remove its container")
    kill.add_argument("id")
    kill.add_argument("--no-wait", action="store_true", help="return once the request is recorded")

    recover = commands.add_parser(
        "recover",
        help="reconcile the store with Docker after a crash",
        description="Take over tasks whose runner died, finish those whose container exited, "
        "fail those whose container vanished, and remove orphan containers of this store.",
    )
    recover.add_argument("--orphan-grace", type=_seconds, default=DEFAULT_ORPHAN_GRACE, metavar="S")

    prune = commands.add_parser(
        "prune",
        help="remove orphan containers and old finished tasks",
        description="Remove this store's containers that no task knows (older than "
        "--orphan-grace), and the payloads and logs of tasks that ended over --older-than ago.",
    )
    prune.add_argument(
        "--older-than",
        type=parse_duration,
        default=parse_duration("7d"),
        metavar="AGE",
        help="e.g. 30s, 15m, 12h, 7d (default 7d)",
    )
    prune.add_argument("--orphan-grace", type=_seconds, default=DEFAULT_ORPHAN_GRACE, metavar="S")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format=f"{PROG}: warning: %(message)s")
    try:
        own, command = _split_command(argv)
        args = build_parser().parse_args(own)
        if command:
            if args.command != "run":
                raise BadInput(f"only 'run' takes a command after --, not {args.command!r}")
            args.command_argv = [*args.command_argv, *command]
        return COMMANDS[args.command](args)
    except BadInput as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except (ValueError, TaskNotFound, UnreadableTask) as exc:
        return _fail(str(exc).strip('"'), EXIT_BAD_INPUT)
    except EngineUnavailable as exc:
        return _fail(str(exc), EXIT_NO_ENGINE)
    except OSError as exc:  # the state dir: full, read-only, not a folder, not ours
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(f"cannot use the state dir{where}: {exc.strerror or exc}", EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return 130


# -- commands ---------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    spec = TaskSpec(
        image=args.image,
        agent=args.agent,
        prompt=args.prompt,
        agent_args=args.agent_arg,
        agent_path=args.agent_path,
        memory=args.memory,
        cpus=args.cpus,
        command=args.command_argv or None,
        env=_pairs("env", args.env),
        secrets=_secrets(args.secret),
        workspace=args.workspace,
        timeout=args.timeout,
        stop_grace=10.0 if args.grace is None else args.grace,
        pull=args.pull,
        network=args.network,
        labels=_pairs("label", args.label),
    )
    runner = _controller(args)
    if args.detach:
        task = runner.submit_detached(spec)
        task = _wait_until_running(runner, task.id)
        print(task.id, flush=True)
        return _status_of(task) if task.is_terminal else EXIT_OK
    task = runner.submit(spec)
    try:
        task = _stream_until_end(runner, task.id)
    finally:
        runner.close(wait=False)
    if task.state is not TaskState.COMPLETED:
        _note(
            f"task {task.id} ended {task.state.value}" + (f": {task.error}" if task.error else "")
        )
    return _status_of(task)


def cmd_list(args: argparse.Namespace) -> int:
    tasks = [t for t in _store(args).list() if args.all or not t.is_terminal]
    if args.json:
        print(json.dumps([t.to_payload() for t in tasks], indent=2))
    else:
        print(format_table(tasks))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    print(json.dumps(_store(args).load(args.id).to_payload(), indent=2, sort_keys=True))
    return EXIT_OK


def cmd_logs(args: argparse.Namespace) -> int:
    store = _store(args)
    task = store.load(args.id)
    follower = LogFollower(store.log_path(task.id), sys.stdout.buffer)
    if not args.follow:
        follower.pump()
        return EXIT_OK
    runner = _controller(args)  # it takes the task over if its owner is gone
    while not runner.refresh(task.id).is_terminal:
        follower.pump()
        follower.pause()
    follower.pump()
    return EXIT_OK


def cmd_wait(args: argparse.Namespace) -> int:
    runner = _controller(args)
    try:
        task = runner.wait(args.id, timeout=args.timeout)
    except TimeoutError as exc:
        _note(str(exc))
        return EXIT_WAIT_TIMEOUT
    print(f"{task.id} {task.state.value}")
    return _status_of(task)


def cmd_cancel(args: argparse.Namespace) -> int:
    runner = _controller(args)
    task = runner.request_stop(args.id, grace=args.grace)
    return _after_request(
        runner, task.id, args.no_wait, {TaskState.CANCELLED, TaskState.TIMED_OUT, TaskState.KILLED}
    )


def cmd_kill(args: argparse.Namespace) -> int:
    runner = _controller(args)
    task = runner.request_kill(args.id)
    return _after_request(runner, task.id, args.no_wait, {TaskState.KILLED})


def cmd_recover(args: argparse.Namespace) -> int:
    runner = _controller(args)
    report = runner.recover(orphan_grace=args.orphan_grace)
    for line in report.lines or ["nothing to recover"]:
        print(line)
    return EXIT_OK


def cmd_prune(args: argparse.Namespace) -> int:
    runner = _runner(args)
    report = runner.prune(older_than=args.older_than, orphan_grace=args.orphan_grace)
    for line in report.lines or ["nothing to prune"]:
        print(line)
    return EXIT_OK


COMMANDS = {
    "run": cmd_run,
    "list": cmd_list,
    "show": cmd_show,
    "logs": cmd_logs,
    "wait": cmd_wait,
    "cancel": cmd_cancel,
    "kill": cmd_kill,
    "recover": cmd_recover,
    "prune": cmd_prune,
}


# -- helpers ---------------------------------------------------------------


def _store(args: argparse.Namespace) -> TaskStore:
    """The state dir, for the verbs that only read it: no runner, no Docker SDK."""
    return TaskStore(resolve_state_dir(args.state_dir))


def _runner(args: argparse.Namespace) -> TaskRunner:
    """A runner that takes nothing over by itself (prune)."""
    from .runner import TaskRunner

    return TaskRunner(args.state_dir, recover=False)


def _controller(args: argparse.Namespace) -> TaskRunner:
    """A runner for commands that may have to take a task over. The command exits soon,
    so a container that still runs goes to a detached supervisor process."""
    from .runner import TaskRunner

    return TaskRunner(args.state_dir, recover=False, adopt_in="process")


def _after_request(runner: TaskRunner, task_id: str, no_wait: bool, wanted: set[TaskState]) -> int:
    if no_wait:
        return EXIT_OK
    task = runner.wait(task_id)
    print(f"{task.id} {task.state.value}")
    if task.state in wanted:
        return EXIT_OK
    _note(f"task {task.id} had already ended {task.state.value}; the request changed nothing")
    return EXIT_ENDED_OTHERWISE


def _wait_until_running(runner: TaskRunner, task_id: str) -> Task:
    view = ProgressView(sys.stderr)
    while True:
        task = runner.refresh(task_id)
        view.show(task)
        if task.state in (TaskState.RUNNING, TaskState.STOPPING) or task.is_terminal:
            view.finish()
            return task
        _until_next_change(runner, task_id)


def _stream_until_end(runner: TaskRunner, task_id: str) -> Task:
    """Copy the task's output to stdout as it comes, show the pull's progress on stderr;
    Ctrl-C cancels the task, a second Ctrl-C kills it."""
    follower = LogFollower(runner.store.log_path(task_id), sys.stdout.buffer)
    view = ProgressView(sys.stderr)
    interrupts = 0
    while True:
        try:
            task = runner.get(task_id)
            view.show(task)
            follower.pump()
            if task.is_terminal:
                view.finish()
                follower.pump()
                return task
            _until_next_change(runner, task_id)
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts == 1:
                _note(f"cancelling task {task_id} (Ctrl-C again to kill it)")
                runner.request_stop(task_id)
            else:
                _note(f"killing task {task_id}")
                runner.request_kill(task_id)


def _until_next_change(runner: TaskRunner, task_id: str) -> None:
    """Pause until the runner reports a change (at once when the task ends in this
    process) or the follow interval passes, so that new output still shows."""
    with contextlib.suppress(TimeoutError):
        runner.wait(task_id, timeout=FOLLOW_INTERVAL)


def _status_of(task: Task) -> int:
    return EXIT_OK if task.state is TaskState.COMPLETED else EXIT_ENDED_OTHERWISE


def _split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1 :]
    return argv, []


def _pairs(name: str, items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
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


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds")
    return value


def _note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def _fail(message: str, status: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
