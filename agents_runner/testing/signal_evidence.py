"""Which signals reached an agent, in which order and when, from three witnesses.

- The engine's `kill` events: one for each signal sent, with its time. Docker names the
  signal; Podman does not.
- The agent's own record (agent_record.py) of the signals it trapped, when it keeps one.
- The container's exit code in its `die` event: 128 + the signal that ended the agent
  (the test agents that trap SIGTERM exit with 143 too). SIGKILL cannot be trapped:
  only the exit code, 137, tells of it.

A claim about signals holds only when every witness present agrees with it; an engine
that reports nothing cannot make one hold.
"""

from __future__ import annotations

import signal as signals_module
from dataclasses import dataclass

from .agent_record import ReceivedSignal, received_signals
from .events import ContainerEvent


def signal_name(number: int) -> str:
    return signals_module.Signals(number).name.removeprefix("SIG")


@dataclass(frozen=True)
class SignalWitnesses:
    kills: list[ContainerEvent]
    exit_code: int | None
    died_at: float | None
    received: list[ReceivedSignal] | None  # None: the agent keeps no record

    @classmethod
    def read(
        cls, events: list[ContainerEvent], workspace: str | None, *, recorded: bool
    ) -> SignalWitnesses:
        """From the container's events (read once its `die` came) and, when `recorded`,
        the agent's record in `workspace`."""
        died = [e for e in events if e.action == "die"]
        return cls(
            kills=[e for e in events if e.action == "kill"],
            exit_code=died[0].exit_code if died else None,
            died_at=died[0].time if died else None,
            received=received_signals(workspace) if recorded else None,
        )

    def disagreements(self, expected: list[int]) -> list[str]:
        """Why the witnesses do not show that exactly `expected` was sent, in that order."""
        problems = []
        if len(self.kills) != len(expected):
            problems.append(f"the engine reports {len(self.kills)} signal(s) sent")
        for event, wanted in zip(self.kills, expected, strict=False):
            if event.signal is not None and event.signal != wanted:
                problems.append(f"the engine reports signal {event.signal} where {wanted} was due")
        if self.received is not None:
            trappable = [signal_name(s) for s in expected if s != signals_module.SIGKILL]
            got = [r.name for r in self.received]
            if got != trappable:
                problems.append(f"the agent recorded {got}, not {trappable}")
        # Our test agents end by the last signal, or exit with its code when they trap it.
        if expected and self.exit_code != 128 + expected[-1]:
            problems.append(
                f"the container exited with code {self.exit_code}, not {128 + expected[-1]}"
            )
        return problems

    def sent_at(self, expected: list[int], signal: int) -> float:
        """When the engine sent `signal`, once the witnesses agree on `expected`."""
        return self.kills[expected.index(signal)].time

    def received_at(self, name: str) -> float:
        times = [r.time for r in self.received or [] if r.name == name]
        if not times:
            raise AssertionError(f"the agent recorded no {name}: {self.describe()}")
        return times[0]

    def describe(self) -> str:
        kills = [
            f"kill at {e.time:.3f}" + (f" (signal {e.signal})" if e.signal is not None else "")
            for e in self.kills
        ]
        record = (
            "keeps no record"
            if self.received is None
            else f"recorded {[f'{r.name} at {r.time:.3f}' for r in self.received]}"
        )
        return (
            f"engine events: {kills or 'no kill'}; exit code {self.exit_code}"
            f" at {self.died_at}; the agent {record}"
        )
