"""The verbs that act on tasks: wait, cancel, kill, rm, recover, prune."""

from __future__ import annotations

import argparse
import contextlib

from ..states import TaskState
from .common import (
    EXIT_ENDED_OTHERWISE,
    EXIT_OK,
    EXIT_WAIT_TIMEOUT,
    BadInput,
    note,
    open_controller,
    open_runner,
    open_store,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..runner import TaskRunner
    from ..task import Task


def cmd_wait(args: argparse.Namespace) -> int:
    task_id = open_store(args).resolve_id(args.id)
    runner = open_controller(args)
    try:
        task = runner.wait(task_id, timeout=args.timeout)
    except TimeoutError as exc:
        note(str(exc))
        return EXIT_WAIT_TIMEOUT
    print(f"{task.id} {task.state.value}")
    return EXIT_OK if task.state is TaskState.COMPLETED else EXIT_ENDED_OTHERWISE


def cmd_cancel(args: argparse.Namespace) -> int:
    if (stored := _stored(args)).is_terminal:
        return _already_ended(stored)
    runner = open_controller(args)
    task = runner.request_stop(stored.id, grace=args.grace)
    wanted = {TaskState.CANCELLED, TaskState.TIMED_OUT, TaskState.KILLED}
    return _after_request(runner, task.id, args.no_wait, wanted)


def cmd_kill(args: argparse.Namespace) -> int:
    if (stored := _stored(args)).is_terminal:
        return _already_ended(stored)
    runner = open_controller(args)
    task = runner.request_kill(stored.id)
    return _after_request(runner, task.id, args.no_wait, {TaskState.KILLED})


def cmd_rm(args: argparse.Namespace) -> int:
    store = open_store(args)
    task_ids = list(dict.fromkeys(store.resolve_id(text) for text in args.ids))  # once each
    tasks = [store.load(task_id) for task_id in task_ids]
    unfinished = [task.id for task in tasks if not task.is_terminal]
    if unfinished and not args.force:
        raise BadInput(
            f"task {', '.join(unfinished)} has not finished; cancel or kill it first, "
            "or remove it with rm -f"
        )
    if unfinished:  # rm -f, as docker's: killed first, its container gone, then removed
        tasks = _killed(open_controller(args), tasks)
    kept = [task for task in tasks if task.container_id and task.spec.keep_container]
    if kept:
        runner = open_runner(args)
        for task in kept:
            with contextlib.suppress(LookupError):
                runner.engine.remove(task.container_id)
    for task in tasks:
        store.delete(task.id)
        print(task.id)
    return EXIT_OK


def _killed(runner: TaskRunner, tasks: list[Task]) -> list[Task]:
    """The tasks once each unfinished one has been killed and has ended (its container
    removed by its owner, or by this runner if the owner is gone)."""
    for task in tasks:
        if not task.is_terminal:
            runner.request_kill(task.id)
    return [task if task.is_terminal else runner.wait(task.id) for task in tasks]


def cmd_recover(args: argparse.Namespace) -> int:
    runner = open_controller(args)
    runner.engine.ping()  # a Swarm backend on no Swarm manager is said in one line
    report = runner.recover(orphan_grace=args.orphan_grace)
    for line in report.lines or ["nothing to recover"]:
        print(line)
    return EXIT_OK


def cmd_prune(args: argparse.Namespace) -> int:
    runner = open_runner(args)
    runner.engine.ping()  # a Swarm backend on no Swarm manager is said in one line
    report = runner.prune(older_than=args.older_than, orphan_grace=args.orphan_grace)
    for line in report.lines or ["nothing to prune"]:
        print(line)
    return EXIT_OK


def _after_request(runner: TaskRunner, task_id: str, no_wait: bool, wanted: set[TaskState]) -> int:
    if no_wait:
        return EXIT_OK
    task = runner.wait(task_id)
    if task.state in wanted:
        print(f"{task.id} {task.state.value}")
        return EXIT_OK
    return _already_ended(task)


def _stored(args: argparse.Namespace) -> Task:
    """The task the verb's ID names, as stored before its request."""
    store = open_store(args)
    return store.load(store.resolve_id(args.id))


def _already_ended(task: Task) -> int:
    """A request for a task that had ended before it: a killed task's cancel too."""
    print(f"{task.id} {task.state.value}")
    note(f"task {task.id} had already ended {task.state.value}; the request changed nothing")
    return EXIT_ENDED_OTHERWISE
