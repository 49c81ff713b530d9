"""TaskRecord: every write a supervisor makes to its task's payload, each one locked
read-change-write, and the listeners told."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..diagnosis import diagnose
from ..last_words import last_words
from ..outcome import record_stop_request, settle
from ..spec import TaskSpec
from ..states import TaskState, can_transition
from ..store import TaskStore
from ..task import Task, parse_time, utc_at, utc_now
from .agent_container import agent_profile
from .endings import log_tail


class EndedElsewhere(Exception):
    """The task reached a terminal state through a request, not through its supervisor."""


class TaskRecord:
    """One task's payload in the store, as its supervisor changes it."""

    def __init__(
        self, task_id: str, store: TaskStore, spec: TaskSpec, on_change: Callable[[], None]
    ) -> None:
        self.task_id = task_id
        self.store = store
        self.spec = spec
        self.on_change = on_change

    def load(self) -> Task:
        return self.store.load(self.task_id)

    def update_with(self, change: Callable[[Task], Any]) -> Task:
        """One locked read-change-write; returns the task as stored."""
        task = self.store.update(self.task_id, change)
        self.on_change()
        return task

    def update(self, **fields: Any) -> Task:
        def change(task: Task) -> None:
            for name, value in fields.items():
                setattr(task, name, value)

        return self.update_with(change)

    def transition(self, state: TaskState) -> None:
        """EndedElsewhere when a request settled the task first."""

        def change(task: Task) -> None:
            if task.is_terminal:
                raise EndedElsewhere(task.state)
            task.move_to(state)

        self.update_with(change)

    def note_placement(self, words: str) -> None:
        """A queued task waits for a cluster to place it, for the reason `words` (the
        cluster's). From the first note on, a request is left to the supervisor, which
        removes what the cluster has of the task before the end is recorded."""

        def change(task: Task) -> bool:
            if task.is_terminal:
                raise EndedElsewhere(task.state)
            if task.state is not TaskState.QUEUED or task.placement == words:
                return False
            task.placement = words
            return True

        self.update_with(change)

    def advance(self, state: TaskState) -> None:
        """Move on to `state`, unless the task is there already or beyond it."""

        def change(task: Task) -> bool:
            if task.is_terminal:
                raise EndedElsewhere(task.state)
            if task.state is state or not can_transition(task.state, state):
                return False
            task.move_to(state)
            task.placement = None
            return True

        self.update_with(change)

    def settle(self, *, unless_killed: bool = False, **outcome: Any) -> bool:
        """Record the end. With `unless_killed`, write nothing and answer False when a
        kill was asked for (a kept container must go before a kill's end is written)."""
        refused = []

        def change(task: Task) -> bool:
            if unless_killed and task.kill_requested_at and not task.is_terminal:
                refused.append(task.kill_requested_at)
                return False
            return settle(task, **outcome)

        self.update_with(change)
        return not refused

    def record_start(self, container_id: str, started_at: float | None = None) -> None:
        """A container found started for a task still `starting`: it runs, since the
        engine started it (`started_at`, seconds since the epoch), which its deadline
        counts from."""

        def change(task: Task) -> bool:
            if task.state is not TaskState.STARTING:
                return False
            task.container_id = container_id
            at = None
            if started_at is not None:
                at = utc_at(started_at)
                last = task.history[-1].at  # a cluster's take-over records pulling and
                if parse_time(at) < parse_time(last):  # starting only once it finds the
                    at = last  # container: never before them
            task.move_to(TaskState.RUNNING, at=at)
            return True

        self.update_with(change)

    def begin_stop(self) -> None:
        """`running` becomes `stopping` (a stop asked for before the container ran has
        nothing to move)."""
        self.update_with(
            lambda t: t.move_to(TaskState.STOPPING) if t.state is TaskState.RUNNING else False
        )

    def record_stop_sent(self) -> None:
        """The stop signal reached the engine (now): a supervisor that takes the task over
        counts the grace on from then and does not send it again."""

        def change(task: Task) -> bool:
            if task.is_terminal or task.stop_signalled_at:
                return False
            task.stop_signalled_at = utc_now()
            return True

        self.update_with(change)

    def record_deadline(self, at: str) -> Task:
        """The deadline's stop signal reached the engine at `at`: the stop and its sending,
        in one write; the task as stored."""

        def change(task: Task) -> bool:
            asked = record_stop_request(task, at=at, grace=self.spec.stop_grace, reason="timeout")
            if task.is_terminal or task.stop_signalled_at:
                return asked
            task.stop_signalled_at = at
            return True

        return self.update_with(change)

    def end_of_output(self, offline: bool = False) -> dict[str, Any]:
        """The log's last line that says something and, for an agent, what its output
        says went wrong (or its container's lack of a network, when it says nothing of
        it), and whether it printed nothing at all."""
        tail = log_tail(self.store.log_path(self.task_id))
        profile = agent_profile(self.spec)
        signs = profile.failure_signs if profile else None
        return {
            "last_output": last_words(tail),
            "diagnosis": diagnose(signs, tail, offline=offline),
            "silent": signs is not None and not tail.strip(),
        }


def requested(task: Task) -> bool:
    """Whether a stop or a kill was asked for."""
    return bool(task.stop_requested_at or task.kill_requested_at)
