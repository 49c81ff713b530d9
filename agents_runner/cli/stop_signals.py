"""The signals that tell a foreground `run` to stop: Ctrl-C (SIGINT), SIGTERM (`timeout`,
a CI job, systemd) and SIGHUP (its terminal went away). They are counted, not raised:
the run's loop acts on them between two steps, so that its task is cancelled by its
owner instead of left behind, no write to the state dir is cut in the middle, and no
traceback is printed."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Ask(Enum):
    """What the run loop is asked to do next by the signals it received."""

    NOTHING = "nothing"
    CANCEL = "cancel"
    KILL = "kill"


@dataclass
class StopSignals:
    """The stop signals received, in order, and how many the loop has acted on."""

    received: list[signal.Signals] = field(default_factory=list)
    handled: int = 0

    @property
    def first(self) -> signal.Signals | None:
        return self.received[0] if self.received else None

    def next_ask(self) -> Ask:
        """What the signals received since the last call ask for. The first one cancels;
        after it only Ctrl-C kills. A repeated SIGTERM or SIGHUP changes nothing:
        `timeout` sends its signal both to the command and to its process group, so one
        timeout may deliver SIGTERM twice, and must not turn a graceful cancel into a kill."""
        new = self.received[self.handled :]
        if not new:
            return Ask.NOTHING
        first_time = self.handled == 0
        self.handled = len(self.received)
        if first_time:
            return Ask.KILL if signal.SIGINT in new[1:] else Ask.CANCEL
        return Ask.KILL if signal.SIGINT in new else Ask.NOTHING


@contextlib.contextmanager
def stop_signals_counted() -> Iterator[StopSignals]:
    counted = StopSignals()

    def on_signal(signum: int, frame: object) -> None:
        counted.received.append(signal.Signals(signum))

    previous = {signum: signal.signal(signum, on_signal) for signum in STOP_SIGNALS}
    try:
        yield counted
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
