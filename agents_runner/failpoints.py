"""Named crash points for fault tests: `AGENTS_RUNNER_FAILPOINTS=after-create` makes the
process SIGKILL itself the moment it reaches that point, as a power cut or `kill -9`
would. Unset (always, outside tests), every point is a no-op.

Points: start-up, after-create, after-start, during-stopping, before-end, after-removal,
after-end (the end written, the task's active/ marker not yet removed).
"""

from __future__ import annotations

import os
import signal

FAILPOINTS_VARIABLE = "AGENTS_RUNNER_FAILPOINTS"
POINTS = frozenset(
    {
        "start-up",
        "after-create",
        "after-start",
        "during-stopping",
        "before-end",
        "after-removal",
        "after-end",
    }
)

_armed = frozenset(
    name.strip() for name in os.environ.get(FAILPOINTS_VARIABLE, "").split(",") if name.strip()
)


def armed() -> bool:
    """Whether this process is armed to die somewhere: its crash is then for `recover`
    to finish, and a foreground run starts no watchdog that would finish it first."""
    return bool(_armed)


def reach(point: str) -> None:
    """SIGKILL this process if `point` is armed."""
    if point in _armed:
        os.kill(os.getpid(), signal.SIGKILL)
