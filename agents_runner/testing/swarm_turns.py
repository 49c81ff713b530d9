"""Turns on the test Swarm, for runs of the suite side by side on this machine (CI runs
the Swarm backend's leg beside the Docker one): a scenario that disturbs the Swarm has
it to itself (tagged @swarm-alone, which places tasks over all the nodes, or @serial,
which SIGKILLs a node's engine or the leader); every other scenario on it shares it.

Two lock files (flock), given back when the scenario ends or its process dies: the
turn itself (shared, or exclusive), and a gate before it, which a scenario that wants
the Swarm to itself closes while it waits, so that new shared turns wait behind it
rather than keep it out for ever."""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

from .parallel.plan import SERIAL_TAG
from .waiting import wait_until

LOCK_PATH = Path(tempfile.gettempdir()) / "agents-runner-test-swarm.lock"
ALONE_TAG = "swarm-alone"
# Longer than a whole Swarm leg under load: a disturbing scenario may wait for it.
TURN_WAIT = 900.0


def wants_swarm_alone(tags: set[str] | frozenset[str] | list[str]) -> bool:
    """Whether a scenario with these tags needs the test Swarm to itself."""
    return not {ALONE_TAG, SERIAL_TAG}.isdisjoint(tags)


class SwarmTurn:
    """One scenario's turn on the test Swarm, held from take() to give_back()."""

    def __init__(self, *, alone: bool, path: Path = LOCK_PATH) -> None:
        self.alone = alone
        self._path = path
        self._gate_path = path.with_name(path.name + ".gate")
        self._fd: int | None = None

    def take(self, timeout: float = TURN_WAIT) -> None:
        """Wait for the turn; AssertionError if it does not come within `timeout` s."""
        wanted = "the test Swarm to itself" if self.alone else "a turn on the test Swarm"
        gate = _open(self._gate_path)
        fd = None
        try:
            _wait_for_lock(gate, fcntl.LOCK_EX if self.alone else fcntl.LOCK_SH, timeout, wanted)
            fd = _open(self._path)
            _wait_for_lock(fd, fcntl.LOCK_EX if self.alone else fcntl.LOCK_SH, timeout, wanted)
        except BaseException:
            if fd is not None:
                os.close(fd)
            raise
        finally:
            os.close(gate)  # the gate opens again once the turn is taken
        self._fd = fd

    def give_back(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor ends the lock
            self._fd = None


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)


def _wait_for_lock(fd: int, mode: int, timeout: float, wanted: str) -> None:
    wait_until(
        lambda: _try_lock(fd, mode),
        bool,
        timeout=timeout,
        interval=0.2,
        describe=f"{wanted} (another run holds it)",
    )


def _try_lock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
