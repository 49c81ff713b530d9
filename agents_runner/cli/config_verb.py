"""`agents-runner config`: the state dir's queue settings, shown or changed."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..queue_settings import QueueSettings, UnreadableSettings, check_limit, check_pool_name
from ..taskqueue import TaskQueue
from .common import EXIT_OK, BadInput, note, open_store


def cmd_config(args: argparse.Namespace) -> int:
    queue = TaskQueue(open_store(args).root)
    words = list(args.setting)
    if not words:
        try:
            settings = queue.stored_settings()
        except UnreadableSettings as exc:
            note(f"config: {exc}: the queue uses the defaults until it is fixed or removed")
            settings = QueueSettings()
        print(f"max-running {settings.max_running}")
        for name, size in sorted(settings.pools.items()):
            print(f"pool {name} {size}")
        return EXIT_OK
    try:
        queue.change_settings(_change(words))
    except UnreadableSettings as exc:
        raise BadInput(
            f"config: {exc}: nothing was changed; fix it, or remove it to go back to the defaults"
        ) from None
    return EXIT_OK


def _change(words: list[str]) -> Callable[[QueueSettings], None]:
    """What `config WORDS` changes, its values checked before anything is read."""
    try:
        if words[0] == "max-running" and len(words) == 2:
            limit = check_limit("max-running", words[1])
            return lambda settings: setattr(settings, "max_running", limit)
        if words[0] == "pool" and len(words) == 3:
            name = check_pool_name("pool", words[1])
            size = check_limit(f"pool {name}", words[2])
            return lambda settings: settings.pools.__setitem__(name, size)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    raise BadInput(
        "config: expected 'config', 'config max-running N' or 'config pool NAME N', "
        f"got {' '.join(['config', *words])!r}"
    )
