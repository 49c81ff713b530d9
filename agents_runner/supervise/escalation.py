"""Which signal an agent is owed next: a kill asked for, a stop asked for, a grace that
ran out, a deadline that passed. Decided one at a time, in the order they come."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..task import Task


class Step(enum.Enum):
    """The next signal an agent is owed, and why."""

    KILL = "kill"  # a kill was asked for
    STOP = "stop"  # a cancel was asked for: the stop signal, the grace starts
    GRACE_OVER = "grace over"  # the stop's grace ran out: SIGKILL, as docker stop does
    DEADLINE = "deadline"  # the timeout passed: the stop signal, if the agent still runs


@dataclass
class StopEscalation:
    """The signals sent so far to one agent, and what is owed next. Times are
    time.monotonic()."""

    deadline: float | None
    grace: float
    stop_sent_at: float | None = None
    kill_sent: bool = False

    def next_step(self, task: Task, now: float) -> Step | None:
        if task.kill_requested_at and not self.kill_sent:
            return Step.KILL
        if task.stop_requested_at and self.stop_sent_at is None and not self.kill_sent:
            return Step.STOP
        stopping = self.stop_sent_at is not None and not self.kill_sent
        if stopping and now >= self.stop_sent_at + self.grace:  # type: ignore[operator]
            return Step.GRACE_OVER
        if self.deadline is not None and self.stop_sent_at is None and now >= self.deadline:
            return Step.DEADLINE
        return None

    def seconds_to_next(self, now: float, poll_interval: float) -> float:
        """How long to wait before looking again, if nothing wakes the watcher first."""
        timeout = poll_interval
        if self.deadline is not None and self.stop_sent_at is None:
            timeout = min(timeout, self.deadline - now)
        if self.stop_sent_at is not None and not self.kill_sent:
            timeout = min(timeout, self.stop_sent_at + self.grace - now)
        return max(0.0, timeout)
