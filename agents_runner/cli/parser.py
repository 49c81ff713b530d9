"""The command line's grammar: verbs, options, help with an example for each verb, and
docker's habit of taking the word after an option as its value even when it starts
with '-' (`--agent-arg --model`, `--prompt -v`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..config import DEFAULT_ORPHAN_GRACE, DEFAULT_PRUNE_AGE, DURATION_HELP
from ..states import TaskState
from ..terminal import HelpFormatter, parse_duration, parse_since
from .argv import Unused as _Unused
from .argv import (
    add_backend_option,
    attach_values,
    count_of_lines,
    count_or_unlimited,
    option_last,
    split_command,
    verb_in,
)
from .common import PROG, BadInput

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from ..spec import Option

EXIT_CODES = """\
exit status of run: 128 + the signal when its own Ctrl-C, SIGTERM or SIGHUP ended the
task (130, 143, 129); else 124 when its deadline passed; else the agent's own exit code
when it ran; else 125 the runner or the engine failed before it ran, 126 its command
cannot be invoked, 127 its command is not in the image, 143/137 cancelled/killed from
elsewhere; never 0 unless completed. Other verbs: 0 success, 1 the task ended otherwise,
2 bad input, 3 Docker engine unreachable, 124 wait timed out."""


class _RawHelp(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples as written, sized without shutil."""


class _Parser(argparse.ArgumentParser):
    """argparse, with no abbreviated options (`--imag` is not `--image`), errors as one
    line of BadInput, and a guess at a misspelt verb."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{"formatter_class": _RawHelp, "allow_abbrev": False, **kwargs})

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument COMMAND: invalid choice:"):
            import difflib

            typed = message.split("'")[1]
            guess = difflib.get_close_matches(typed, VERBS, n=1)
            message = f"unknown command {typed!r}" + (
                f"; did you mean {guess[0]!r}?" if guess else ""
            )
        raise BadInput(f"{message} (see '{self.prog} --help')")


class _Version(argparse.Action):
    """--version, looked up only when asked for (importlib.metadata costs start-up time)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from importlib.metadata import version

        print(f"{PROG} {version('agents-runner')}", flush=True)
        parser.exit()


def duration(text: str) -> float:
    return parse_duration(text)


VERBS = (
    "run", "list", "show", "logs", "wait", "cancel", "kill", "rm", "recover", "prune", "images",
    "config", "ui",
)  # fmt: skip


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole grammar; with `only`, the other verbs are listed without their options."""
    parser = _Parser(
        prog=PROG,
        description="Run AI coding agent CLIs in Docker containers, one task per container.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where tasks are kept (default: $AGENTS_RUNNER_STATE_DIR, else "
        "$XDG_DATA_HOME/agents-runner, else ~/.local/share/agents-runner); "
        "also accepted after the verb",
    )
    add_backend_option(parser)
    verbs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    verbs.required = True

    def verb(name: str, summary: str, description: str, examples: list[str]) -> _Parser:
        sub = verbs.add_parser(
            name,
            help=summary,
            description=description,
            epilog="examples:\n" + "\n".join(f"  {PROG} {example}" for example in examples),
        )
        if only not in (None, name):
            return _Unused()  # type: ignore[return-value]
        sub.add_argument(
            "--state-dir",
            metavar="DIR",
            default=argparse.SUPPRESS,
            help=f"where tasks are kept (default: see '{PROG} --help')",
        )
        return sub

    _run(
        verb(
            "run",
            "run an agent in a new task",
            "Run an agent (or, after --, any command) in a new container. Streams its output "
            "and exits with its exit code; with --detach, prints the task id and returns "
            "while the task goes on. Ctrl-C cancels the task (SIGTERM, then SIGKILL after "
            "the grace); a second Ctrl-C kills it.\n\n" + EXIT_CODES,
            [
                "run --agent codex --secret OPENAI_API_KEY --prompt 'fix the tests'",
                "run --image busybox:1.36 --timeout 5m -- sh -c 'make test'",
                "run -d --image ghcr.io/me/claude:1 --agent claude --prompt-file task.md",
                "run --agent claude --host-login --workspace . --prompt - < task.md",
            ],
        )
    )
    listing = verb(
        "list",
        "list tasks",
        "List unfinished tasks, or all of them with --all, newest first: each task's "
        "state, place in the queue, image, command (an agent's name, or the command in "
        "quotes), age, exit code and the reason of its end. The command and the reason "
        "are cut to fit the terminal, as docker ps does; --no-trunc shows them whole.",
        ["list", "list --all --state failed", "list -aq --label team=red"],
    )
    listing.add_argument("--all", "-a", action="store_true", help="include finished tasks")
    listing.add_argument(
        "--state",
        action="append",
        choices=[state.value for state in TaskState],
        metavar="STATE",
        help="only tasks in this state (repeatable): "
        + ", ".join(state.value for state in TaskState),
    )
    label_help = "only tasks with this label (K alone: whatever its value)"
    listing.add_argument("--label", action="append", default=[], metavar="K[=V]", help=label_help)
    listing.add_argument("--quiet", "-q", action="store_true", help="print the task ids only")
    listing.add_argument("--json", action="store_true", help="print the payloads as a JSON list")
    listing.add_argument(
        "--no-trunc", action="store_true", help="do not cut the command or the reason"
    )

    show = verb(
        "show",
        "describe a task: state, exit code, reason, image, limits, times",
        "Describe the task, a field a line: its state, exit code and the reason of its "
        "end, image, agent and the command that runs, workspace, times, limits and place "
        "in the queue, then each state it passed through. With --json, the stored "
        "payload: its spec (with the argv that runs), state, history, exit code and error. "
        "Secret values are never stored.",
        ["show 4a60c1e2b7f3", "show 4a60", "show --json 4a60"],
    )
    show.add_argument("id", help="the task id, or a unique prefix of it")
    show.add_argument("--json", action="store_true", help="print the stored payload as JSON")

    logs = verb(
        "logs",
        "print a task's output",
        "Print what the task's agent wrote (stdout and stderr, in order), as kept on disk.",
        [
            "logs 4a60",
            "logs -f 4a60",
            "logs --tail 20 4a60",
            "logs --since 10m 4a60",
            "logs -tf 4a60",
        ],
    )
    logs.add_argument("id", help="the task id, or a unique prefix of it")
    logs.add_argument(
        "--follow", "-f", action="store_true", help="keep printing until the task ends"
    )
    logs.add_argument(
        "--timestamps",
        "-t",
        action="store_true",
        help="put the time of each line before it, as docker logs -t (by the engine's "
        "clock, to 10 ms)",
    )
    logs.add_argument(
        "--tail",
        "-n",
        type=count_of_lines,
        metavar="N",
        help="only the last N lines (with -f: then follow)",
    )
    logs.add_argument(
        "--since",
        type=parse_since,
        metavar="WHEN",
        help="only what was written since WHEN: a duration ago (10m) or a time "
        "(2026-11-25T16:05:12Z); exact to 10 ms, by the engine's clock",
    )

    wait = verb(
        "wait",
        "wait for a task to end; exit with its status",
        "Wait until the task ends, print its id and final state, and exit 0 if it "
        "completed, 1 otherwise. A task whose runner died is taken over meanwhile.",
        ["wait 4a60", "wait --timeout 10m 4a60"],
    )
    wait.add_argument("id", help="the task id, or a unique prefix of it")
    wait.add_argument(
        "--timeout", type=duration, metavar="DURATION", help="give up after this long (exit 124)"
    )

    cancel = verb(
        "cancel",
        "stop a task gracefully",
        "Send the agent SIGTERM (the image's STOPSIGNAL), then SIGKILL after the grace, and "
        "wait until the task ends cancelled.",
        ["cancel 4a60", "cancel --grace 30s --no-wait 4a60"],
    )
    cancel.add_argument("id", help="the task id, or a unique prefix of it")
    cancel.add_argument(
        "--grace", type=duration, metavar="DURATION", help="before SIGKILL (default: the task's)"
    )
    cancel.add_argument(
        "--no-wait", action="store_true", help="return once the request is recorded"
    )

    kill = verb(
        "kill",
        "kill a task at once and remove its container",
        "SIGKILL the agent at once and remove its container; the task ends killed.",
        ["kill 4a60", "kill --no-wait 4a60"],
    )
    kill.add_argument("id", help="the task id, or a unique prefix of it")
    kill.add_argument("--no-wait", action="store_true", help="return once the request is recorded")

    rm = verb(
        "rm",
        "remove a finished task (-f: kill it first)",
        "Remove a finished task's payload and log (and its container, if it kept one). "
        "A task that has not finished is refused, unless --force kills it first (as "
        "docker rm -f): its container is gone before the task is removed.",
        ["rm 4a60", "rm 4a60 9bd1", "rm -f 4a60"],
    )
    rm.add_argument("ids", nargs="+", metavar="id", help="task ids, or unique prefixes")
    rm.add_argument(
        "--force", "-f", action="store_true", help="kill a task that has not finished first"
    )

    recover = verb(
        "recover",
        "reconcile the store with Docker after a crash",
        "Take over tasks whose runner died, finish those whose container exited, fail those "
        "whose container vanished, and remove orphan containers of this store.",
        ["recover", "recover --orphan-grace 0"],
    )
    recover.add_argument(
        "--orphan-grace",
        type=duration,
        default=DEFAULT_ORPHAN_GRACE,
        metavar="DURATION",
        help=f"how old a container nobody knows must be to count as an orphan "
        f"(default {DEFAULT_ORPHAN_GRACE:g}s)",
    )

    prune = verb(
        "prune",
        "remove orphan containers and old finished tasks",
        "Remove this store's containers that no task knows (older than --orphan-grace), and "
        "the payloads and logs of tasks that ended over --older-than ago.",
        ["prune", "prune --older-than 12h"],
    )
    prune.add_argument(
        "--older-than",
        type=duration,
        default=parse_duration(DEFAULT_PRUNE_AGE),
        metavar="DURATION",
        help=f"{DURATION_HELP} (default {DEFAULT_PRUNE_AGE})",
    )
    prune.add_argument(
        "--orphan-grace",
        type=duration,
        default=DEFAULT_ORPHAN_GRACE,
        metavar="DURATION",
        help=f"(default {DEFAULT_ORPHAN_GRACE:g}s)",
    )
    images = verb(
        "images",
        "list or build the agents' own images",
        "The image each agent profile runs when --image is not given: the CLI's pinned npm "
        "release on the official Node.js image (Dockerfiles in agents_runner/agent_images). "
        "'list' shows them and whether this engine has them; 'build' builds them.",
        ["images", "images build codex", "images build claude --offline-from /srv/claude-offline"],
    )
    images.add_argument("action", nargs="?", default="list", metavar="{list,build}")
    images.add_argument("agents", nargs="*", metavar="AGENT", help="default: all of them")
    images.add_argument(
        "--offline-from",
        metavar="DIR",
        help="build with no network, from DIR/npm-cache (an npm cache holding the CLI, as "
        "`npm install --cache` fills it) and DIR/debs (ca-certificates and its dependencies, "
        "as `apt-get download` fetches them)",
    )
    config = verb(
        "config",
        "show or change the state dir's queue settings",
        "Without a setting, show them. 'max-running N': at most N tasks of this state dir "
        "run at once, whichever process started them (default 4). 'pool NAME N': tasks "
        "given --pool NAME also wait for one of the pool's N slots.",
        ["config", "config max-running 8", "config pool claude 2"],
    )
    config.add_argument(
        "setting", nargs="*", metavar="SETTING", help="max-running N, or pool NAME N"
    )
    ui = verb(
        "ui",
        "serve a live page and a JSON API of the state dir's tasks",
        "Serves the tasks, their logs, Cancel and Kill (docs/CONTRACT.md section 8) until "
        "Ctrl-C; prints the URL with its token (new, or AGENTS_RUNNER_UI_TOKEN's).",
        ["ui", "ui --port 8765", "ui --open"],
    )
    ui.add_argument("--port", type=int, default=0, help="(default: a free port)")
    ui.add_argument("--host", default="127.0.0.1", help="(default 127.0.0.1)")
    ui.add_argument("--open", action="store_true", help="open the URL in a browser ($BROWSER)")
    parser.set_defaults(verbs=verbs.choices)
    return parser


def _run(run: argparse.ArgumentParser) -> None:
    """run's options: TaskSpec's fields, as their declaration offers them (spec.py is
    imported only when they are built), and run's own --prompt-file and --detach."""
    if isinstance(run, _Unused):
        return
    from ..spec import options

    add_backend_option(run, after_verb=True)
    for name, option in options():
        if name == "command":  # the positional command comes last, after --detach
            run.add_argument(
                "--detach", "-d", action="store_true", help="print the task id at once and return"
            )
        run.add_argument(*option.flags, **_argparse_arguments(name, option))
        if name == "prompt":
            run.add_argument(
                "--prompt-file",
                metavar="FILE",
                help="read the prompt from FILE ('-' for stdin); one final newline is dropped",
            )


def _argparse_arguments(name: str, option: Option) -> dict[str, Any]:
    """add_argument's keywords for a spec.Option. Its default is None (or an empty list):
    an option left out leaves the field its TaskSpec default."""
    arguments: dict[str, Any] = {"help": option.help}
    if option.flags[0].startswith("-"):
        arguments["dest"] = name
    if option.action is not None:
        arguments["action"] = option.action
    if option.action == "append":
        arguments["default"] = []
    for key in ("metavar", "choices", "nargs"):
        if getattr(option, key) is not None:
            arguments[key] = getattr(option, key)
    if option.type is not None:
        arguments["type"] = _TYPES[option.type]
    return arguments


_TYPES = {"duration": duration, "count_or_unlimited": count_or_unlimited, "number": float}


def parse(argv: list[str]) -> argparse.Namespace:
    own, command = split_command(argv)
    # No verb (`--help`, a typo): the verbs are listed, and none needs its options.
    verb = verb_in(own, VERBS) or ""
    if command and verb and verb != "run":  # before argparse, which would miss what follows
        raise BadInput(f"only 'run' takes a command after --, not {verb!r}")
    parser = build_parser(only=verb)
    if verb == "images":  # its agents may follow its option: images build --offline-from D codex
        own = option_last(own, "--offline-from")
    args = parser.parse_args(attach_values(parser, own))
    if not hasattr(args, "state_dir"):
        args.state_dir = None
    if command:
        args.command_argv = [*args.command_argv, *command]
    return args
