"""What every verb shares: exit codes, how errors are said, and how a verb opens the
state dir (read verbs) or a runner (verbs that may touch the engine)."""

from __future__ import annotations

import argparse
import re
import sys

from ..config import resolve_state_dir
from ..store import TaskStore

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from ..runner import TaskRunner

PROG = "agents-runner"
EXIT_OK, EXIT_ENDED_OTHERWISE, EXIT_BAD_INPUT, EXIT_NO_ENGINE = 0, 1, 2, 3
EXIT_WAIT_TIMEOUT = 124
# `run`, as `docker run`: the agent's own code when it ran, else one of these.
EXIT_RUNNER_FAILED, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND, EXIT_INTERRUPTED = 125, 126, 127, 130

# The fields named in errors that are not TaskSpec's (whose options spec.options() gives).
OTHER_OPTIONS = {"offline_from": "--offline-from", "state_dir": "--state-dir"}
_FIELD_PREFIX = re.compile(r"^(\w+)(\[\d+\])?: ")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadInput(Exception):
    """Input the user can fix; one line on stderr, exit status 2."""


def in_user_words(message: str, verb: str | None) -> str:
    """`stop_grace: must not be negative` -> `--grace: must not be negative (see ...)`."""
    match = _FIELD_PREFIX.match(message)
    option = option_of_field(match.group(1)) if match else None
    if match and option is not None:
        message = f"{option}: {message[match.end() :]}"
        message = message.replace(" or TaskSpec.secrets", "")
    if verb:
        message += f" (see '{PROG} {verb} --help')"
    return message


def option_of_field(name: str) -> str | None:
    """A TaskSpec field (or another field an error names) as the user typed it on the
    command line: `stop_grace` -> `--grace`; None for a field no option sets."""
    if name in OTHER_OPTIONS:
        return OTHER_OPTIONS[name]
    from ..spec import options  # only for an error: the read verbs never import the spec

    for field_name, option in options():
        if field_name == name:
            return option.said or option.flags[0]
    return None


def note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def fail(message: str, status: int) -> int:
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr, flush=True)
    return status


def one_line(text: str) -> str:
    """What the user typed may hold newlines or control characters; an error shows them
    escaped, so that it stays one line."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def open_store(args: argparse.Namespace) -> TaskStore:
    """The state dir, for the verbs that only read it: no runner, no Docker SDK."""
    return TaskStore(resolve_state_dir(args.state_dir))


def open_runner(args: argparse.Namespace) -> TaskRunner:
    """A runner that takes nothing over by itself (prune, rm)."""
    from ..runner import TaskRunner

    return TaskRunner(args.state_dir, recover=False)


def open_controller(args: argparse.Namespace) -> TaskRunner:
    """A runner for commands that may have to take a task over. The command exits soon,
    so a container that still runs goes to a detached supervisor process."""
    from ..runner import TaskRunner

    return TaskRunner(args.state_dir, recover=False, adopt_in="process")
