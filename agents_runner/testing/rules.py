"""The contract's rules for how a task may end, as a checker: what a scenario (or a
race run many times) uses to judge an outcome it cannot predict."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Set

from ..states import TaskState
from ..task import Task

_REQUEST_FIELD = {"stop": "stop_requested_at", "kill": "kill_requested_at"}
_REQUEST_END = {"stop": TaskState.CANCELLED, "kill": TaskState.KILLED}


def violations(task: Task, request: str, legal: Mapping[str, Set[str]]) -> list[str]:
    """What is wrong with how `task` ended after a `request` ("stop" or "kill") that may
    have come before or after its agent exited on its own, judged by `legal` (source
    state -> allowed targets, as a feature writes them out). Empty when all is well."""
    problems = []
    states = [entry.state for entry in task.history]
    if states[0] is not TaskState.QUEUED:
        problems.append(f"history starts at {states[0]}, not queued")
    for source, target in itertools.pairwise(states):
        if target.value not in legal.get(source.value, ()):
            problems.append(f"history has the forbidden step {source} -> {target}")
    if states[-1] is not task.state:
        problems.append(f"state {task.state} is not the last state in the history")
    recorded = getattr(task, _REQUEST_FIELD[request]) is not None
    if recorded and task.state is not _REQUEST_END[request]:
        problems.append(f"the {request} was recorded, yet the task ended {task.state}")
    if not recorded and task.state is not TaskState.COMPLETED:
        problems.append(f"no {request} was recorded, yet the task ended {task.state}")
    if task.state is TaskState.COMPLETED and task.exit_code != 0:
        problems.append(f"completed with exit code {task.exit_code}")
    return problems
