"""`agents-runner config`: the state dir's queue settings, shown or changed."""

from __future__ import annotations

import argparse

from ..taskqueue import TaskQueue, check_limit, check_pool_name
from .common import EXIT_OK, BadInput, open_store


def cmd_config(args: argparse.Namespace) -> int:
    store = open_store(args)
    queue = TaskQueue(store.root)
    settings = queue.settings()
    words = list(args.setting)
    if not words:
        print(f"max-running {settings.max_running}")
        for name, size in sorted(settings.pools.items()):
            print(f"pool {name} {size}")
        return EXIT_OK
    try:
        if words[0] == "max-running" and len(words) == 2:
            settings.max_running = check_limit("max-running", words[1])
        elif words[0] == "pool" and len(words) == 3:
            name = check_pool_name("pool", words[1])
            settings.pools[name] = check_limit(f"pool {name}", words[2])
        else:
            raise BadInput(
                "config: expected 'config', 'config max-running N' or 'config pool NAME N', "
                f"got {' '.join(['config', *words])!r}"
            )
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    queue.write_settings(settings)
    return EXIT_OK
