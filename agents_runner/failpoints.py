"""Named crash points for fault tests: `AGENTS_RUNNER_FAILPOINTS=after-create` makes the
process SIGKILL itself the moment it reaches that point, as a power cut or `kill -9`
would; `before-removal=stop` makes it SIGSTOP itself there instead, for a test to act
while it is held and then SIGCONT it. Unset (always, outside tests), every point is a
no-op.

Points: start-up, after-create, after-start, during-stopping, before-end, before-removal
(the agent exited and its log is complete, the container not yet removed), after-removal,
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
        "before-removal",
        "after-removal",
        "after-end",
    }
)

_STOP = "=stop"
_entries = [e.strip() for e in os.environ.get(FAILPOINTS_VARIABLE, "").split(",") if e.strip()]
_armed = frozenset(e for e in _entries if not e.endswith(_STOP))
_held = frozenset(e.removesuffix(_STOP) for e in _entries if e.endswith(_STOP))


def armed() -> bool:
    """Whether this process is armed to die somewhere: its crash is then for `recover`
    to finish, and a foreground run starts no watchdog that would finish it first."""
    return bool(_armed)


def reach(point: str) -> None:
    """SIGKILL this process if `point` is armed; SIGSTOP it if armed to be held there."""
    if point in _armed:
        os.kill(os.getpid(), signal.SIGKILL)
    if point in _held:
        os.kill(os.getpid(), signal.SIGSTOP)
