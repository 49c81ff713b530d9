"""Named crash points for fault tests: `AGENTS_RUNNER_FAILPOINTS=after-create` makes the
process SIGKILL itself the moment it reaches that point, as a power cut or `kill -9`
would; `before-removal=hold:/tmp/x` holds the thread that reaches it instead (it creates
/tmp/x.held, then waits for /tmp/x.go), for a test to act meanwhile; the process's other
threads go on, so no lock is left held. Unset (always, outside tests), every point is a
no-op.

Points: start-up, after-create, after-start, attach-ended (the attach stream ended, the
engine not yet asked whether the container exited), during-stopping, before-end, before-removal
(the agent exited and its log is complete, the container not yet removed), after-removal,
after-end (the end written, the task's active/ marker not yet removed).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

FAILPOINTS_VARIABLE = "AGENTS_RUNNER_FAILPOINTS"
POINTS = frozenset(
    {
        "start-up",
        "after-create",
        "after-start",
        "attach-ended",
        "during-stopping",
        "before-end",
        "before-removal",
        "after-removal",
        "after-end",
    }
)

_HOLD = "=hold:"
_entries = [e.strip() for e in os.environ.get(FAILPOINTS_VARIABLE, "").split(",") if e.strip()]
_armed = frozenset(e for e in _entries if _HOLD not in e)
_held = dict(e.split(_HOLD, 1) for e in _entries if _HOLD in e)


def armed() -> bool:
    """Whether this process is armed to die somewhere: its crash is then for `recover`
    to finish, and a foreground run starts no watchdog that would finish it first."""
    return bool(_armed)


def reach(point: str) -> None:
    """SIGKILL this process if `point` is armed; hold this thread if armed to hold there."""
    if point in _armed:
        os.kill(os.getpid(), signal.SIGKILL)
    if point in _held:
        path = _held[point]
        Path(f"{path}.held").touch()
        while not Path(f"{path}.go").exists():
            time.sleep(0.05)
