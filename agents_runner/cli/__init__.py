"""The `agents-runner` command line (docs/CONTRACT.md section 3): one module per group of
verbs, the parser in parser.py, and main() here."""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..config import BACKEND_VARIABLE, backend_from_environment, resolve_state_dir
from ..engine.errors import EngineUnavailable, NotASwarmManager
from ..logsetup import warnings_to_stderr
from ..store import AmbiguousTaskId, TaskNotFound, UnreadableTask
from .common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NO_ENGINE,
    EXIT_OK,
    PROG,
    BadInput,
    fail,
    in_user_words,
)
from .parser import parse

# Each verb's module is imported only when that verb runs: `list` never pays for `run`.
COMMANDS = {
    "run": ("run_verb", "cmd_run"),
    "list": ("read_verbs", "cmd_list"),
    "show": ("read_verbs", "cmd_show"),
    "logs": ("read_verbs", "cmd_logs"),
    "wait": ("control_verbs", "cmd_wait"),
    "cancel": ("control_verbs", "cmd_cancel"),
    "kill": ("control_verbs", "cmd_kill"),
    "rm": ("control_verbs", "cmd_rm"),
    "recover": ("control_verbs", "cmd_recover"),
    "prune": ("control_verbs", "cmd_prune"),
    "images": ("image_verbs", "cmd_images"),
    "config": ("config_verb", "cmd_config"),
    "ui": ("ui_verb", "cmd_ui"),
}

__all__ = ["COMMANDS", "main"]

# docker-py's default when DOCKER_HOST is not set.
DEFAULT_ENGINE = "unix:///var/run/docker.sock"


def _naming_the_engine(message: str) -> str:
    """The engine's address in the message, as a person needs it to look."""
    where = os.environ.get("DOCKER_HOST") or DEFAULT_ENGINE
    return message if where in message else f"{message} (engine at {where})"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    warnings_to_stderr(f"{PROG}: warning: %(message)s")
    verb, backend_option, args = None, None, None
    if not argv:  # as git and docker do: the help, for a person who typed the name alone
        from .parser import build_parser

        print(build_parser(only="").format_help(), end="")
        return EXIT_BAD_INPUT
    try:
        args = parse(argv)
        verb = args.command
        if getattr(args, "backend", None):
            # Read where the runner connects, and by the detached supervisors it starts.
            os.environ[BACKEND_VARIABLE] = args.backend
            backend_option = f"--backend {args.backend}"
        backend_from_environment()  # a name that is no backend is refused by every verb
        module, function = COMMANDS[verb]
        return getattr(importlib.import_module(f".{module}", __name__), function)(args)
    except BadInput as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    except (TaskNotFound, UnreadableTask, AmbiguousTaskId) as exc:
        return fail(str(exc).strip('"'), EXIT_BAD_INPUT)
    except ValueError as exc:
        return fail(in_user_words(str(exc), verb), EXIT_BAD_INPUT)
    except EngineUnavailable as exc:
        return fail(_naming_the_engine(str(exc)), EXIT_NO_ENGINE)
    except NotASwarmManager as exc:
        named = backend_option or f"{BACKEND_VARIABLE}={os.environ.get(BACKEND_VARIABLE, '')}"
        return fail(_naming_the_engine(f"{named}: {exc}"), EXIT_BAD_INPUT)
    except BrokenPipeError as exc:
        if _reader_gone(sys.stdout) or _reader_gone(sys.stderr):  # `| head`: nothing to say
            _quiet_stdout()
            return EXIT_OK
        return fail(f"a process this command started went away ({exc.strerror})", 1)
    except OSError as exc:  # the state dir: full, read-only, not a folder, not ours
        where = _where_in_state_dir(exc.filename, getattr(args, "state_dir", None))
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EEXIST:
            reason = "it is a file, not a folder"
        elif exc.errno == errno.ENOTDIR:
            reason = "a part of that path is a file, not a folder"
        return fail(f"cannot use the state dir{where}: {reason}", EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _where_in_state_dir(filename: str | bytes | int | None, given: str | None) -> str:
    """The state dir as the user gave it, then the path inside it that failed, if another;
    both as typed (relative, `~`), not as resolved."""
    if not isinstance(filename, (str, bytes)) or not filename:
        return ""
    failed = Path(os.fsdecode(filename))
    try:
        root = resolve_state_dir(given)
    except ValueError:
        return f" {failed}"
    shown, inside, at = given or str(root), failed.absolute(), root.absolute()
    if inside == at:
        return f" {shown}"
    if inside.is_relative_to(at):
        return f" {shown}: {Path(shown) / inside.relative_to(at)}"
    return f" {failed}"


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's own flush at exit finds no closed pipe
    to complain about."""
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _reader_gone(stream: object) -> bool:
    """Whether `stream` is a pipe whose reader has closed it (poll says POLLERR)."""
    import select

    try:
        poller = select.poll()
        poller.register(stream.fileno(), select.POLLOUT)  # type: ignore[attr-defined]
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False
