"""The test agents' own record of the signals that reached them, with the time.

An engine's events are one witness of what was sent; not every engine gives them
(Podman's `kill` events name no signal, and a stop or a forced removal makes none). The
agents that run until signalled keep a second, independent record: on each signal their
trap appends "<SIGNAL> <uptime>" to .agent-signals in their workspace. /proc/uptime is
the kernel's clock, the same inside a container as on the host, which turns it into wall
time. It counts hundredths of a second, and it is read twice (by the agent, then by the
host to convert), so a time from the record is good to RESOLUTION.

SIGKILL cannot be trapped. That it ended an agent is shown by the container's exit
code, 137 (128 + 9), in the engine's `die` event and in inspect.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

RECORD_FILE = ".agent-signals"
RESOLUTION = 0.02  # two readings of a clock that counts hundredths of a second

# Shell that defines `record NAME`. Errors are silenced: an agent run without a
# workspace still works, it just keeps no record.
RECORDER = (
    "record() { read up _ < /proc/uptime; "
    f'echo "$1 $up" 2>/dev/null >> /workspace/{RECORD_FILE}; }}; '
)


@dataclass(frozen=True)
class ReceivedSignal:
    name: str  # "TERM", "INT", ...
    time: float  # seconds since the epoch, good to RESOLUTION


def received_signals(workspace: str | Path | None) -> list[ReceivedSignal]:
    """What the agent in `workspace` recorded, in the order it received them."""
    if workspace is None:
        raise AssertionError("the agent has no workspace, so it can keep no record")
    path = Path(workspace) / RECORD_FILE
    if not path.exists():
        return []
    offset = time.time() - _uptime()
    signals = []
    for line in path.read_text().splitlines():
        name, _, uptime = line.partition(" ")
        signals.append(ReceivedSignal(name, float(uptime) + offset))
    return signals


def _uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])
