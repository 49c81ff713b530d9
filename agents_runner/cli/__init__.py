"""The `agents-runner` command line (docs/CONTRACT.md section 3): one module per group of
verbs, the parser in parser.py, and main() here."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from ..errors import EngineUnavailable
from ..store import TaskNotFound, UnreadableTask
from .common import EXIT_BAD_INPUT, EXIT_NO_ENGINE, PROG, BadInput, fail, in_user_words
from .control_verbs import cmd_cancel, cmd_kill, cmd_prune, cmd_recover, cmd_rm, cmd_wait
from .parser import parse
from .read_verbs import cmd_list, cmd_logs, cmd_show
from .run_verb import cmd_run

COMMANDS = {
    "run": cmd_run,
    "list": cmd_list,
    "show": cmd_show,
    "logs": cmd_logs,
    "wait": cmd_wait,
    "cancel": cmd_cancel,
    "kill": cmd_kill,
    "rm": cmd_rm,
    "recover": cmd_recover,
    "prune": cmd_prune,
}

__all__ = ["COMMANDS", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format=f"{PROG}: warning: %(message)s")
    verb = None
    try:
        args = parse(argv)
        verb = args.command
        return COMMANDS[verb](args)
    except BadInput as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    except (TaskNotFound, UnreadableTask) as exc:
        return fail(str(exc).strip('"'), EXIT_BAD_INPUT)
    except ValueError as exc:
        return fail(in_user_words(str(exc), verb), EXIT_BAD_INPUT)
    except EngineUnavailable as exc:
        return fail(str(exc), EXIT_NO_ENGINE)
    except OSError as exc:  # the state dir: full, read-only, not a folder, not ours
        where = f" {exc.filename}" if exc.filename else ""
        return fail(f"cannot use the state dir{where}: {exc.strerror or exc}", EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return 130
