"""The verbs that only read the state dir: list, show, logs (without -f). They never
import the Docker SDK."""

from __future__ import annotations

import argparse
import json
import sys
import time

from ..taskqueue import TaskQueue
from ..terminal import (
    FOLLOW_INTERVAL,
    LogFollower,
    PullLines,
    format_table,
    last_lines,
    offset_since,
    terminal_width,
)
from ..timestamped import TimestampedLog
from .common import EXIT_OK, BadInput, open_controller, open_store


def cmd_list(args: argparse.Namespace) -> int:
    for item in args.label:
        if not item.partition("=")[0]:
            raise BadInput(f"--label: {item!r} has no name (K=V, or K for any value)")
    store = open_store(args)
    tasks = store.list() if args.all or args.state else store.list_unfinished()
    tasks.sort(key=lambda task: task.created_at, reverse=True)  # newest first, as docker ps
    if args.state:
        tasks = [task for task in tasks if task.state.value in args.state]
    for item in args.label:
        key, sep, value = item.partition("=")
        tasks = [t for t in tasks if _labelled(t.spec.labels, key, value if sep else None)]
    if args.quiet:
        for task in tasks:
            print(task.id)
    elif args.json:
        print(json.dumps([t.to_payload() for t in tasks], indent=2))
    else:
        width = None if args.no_trunc else terminal_width()
        print(format_table(tasks, places=TaskQueue(store.root).places(), width=width))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    store = open_store(args)
    task = store.load(store.resolve_id(args.id))
    shown = task.to_payload()
    if task.state.value == "queued":
        queue = TaskQueue(store.root)
        place, pool = queue.places().get(task.id, (None, task.spec_payload().get("pool")))
        shown["queue"] = {
            "place": place,
            "pool": pool,
            "waiting": queue.why_waiting(task.id, task.placement),
        }
    if args.json:
        print(json.dumps(shown, indent=2, sort_keys=True))
    else:
        from .summary import describe

        print(describe(task, shown.get("queue")))
    return EXIT_OK


def cmd_logs(args: argparse.Namespace) -> int:
    store = open_store(args)
    task = store.load(store.resolve_id(args.id))
    out = sys.stdout.buffer
    follower: LogFollower | TimestampedLog = LogFollower(store.log_path(task.id), out)
    if args.timestamps:
        follower = TimestampedLog(store.log_path(task.id), store.log_times_path(task.id), out)
    if args.since is not None:
        follower.offset = offset_since(store.log_times_path(task.id), args.since)
    if args.tail is not None:
        data, end = last_lines(store.log_path(task.id), args.tail)
        follower.offset = max(follower.offset, end - len(data))
    if not args.follow:
        _pump(follower, final=True)
        return EXIT_OK
    runner = open_controller(args)  # it takes the task over if its owner is gone
    pull = PullLines(sys.stderr)  # the pull's progress, never in the task's output
    while not (task := runner.refresh(task.id)).is_terminal:
        pull.show(task)
        _pump(follower, final=False)
        time.sleep(FOLLOW_INTERVAL)
    pull.show(task)
    _pump(follower, final=True)
    return EXIT_OK


def _pump(follower: LogFollower | TimestampedLog, *, final: bool) -> None:
    if isinstance(follower, TimestampedLog):
        follower.pump(final=final)
    else:
        follower.pump()


def _labelled(labels: dict[str, str], key: str, value: str | None) -> bool:
    return key in labels and (value is None or labels[key] == value)
