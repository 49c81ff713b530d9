"""Turns on the test Swarm, for runs of the suite side by side on this machine (CI runs
the Swarm backend's leg beside the Docker one): a scenario that disturbs the Swarm
(tagged @serial: it SIGKILLs a node's engine or the leader, or fills the nodes) has it
to itself; every other scenario on it shares it. A lock file that every run takes
(flock: shared, or exclusive), given back when its scenario ends or its process dies."""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

from .waiting import wait_until

LOCK_PATH = Path(tempfile.gettempdir()) / "agents-runner-test-swarm.lock"
# Longer than a whole Swarm leg under load: a disturbing scenario waits for it to end.
TURN_WAIT = 900.0


class SwarmTurn:
    """One scenario's turn on the test Swarm, held from take() to give_back()."""

    def __init__(self, *, alone: bool, path: Path = LOCK_PATH) -> None:
        self.alone = alone
        self._path = path
        self._fd: int | None = None

    def take(self, timeout: float = TURN_WAIT) -> None:
        """Wait for the turn; AssertionError if it does not come within `timeout` s."""
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o666)
        mode = (fcntl.LOCK_EX if self.alone else fcntl.LOCK_SH) | fcntl.LOCK_NB
        try:
            wait_until(
                lambda: _try_lock(fd, mode),
                bool,
                timeout=timeout,
                interval=0.2,
                describe=("the test Swarm to itself" if self.alone else "a turn on the test Swarm")
                + f" ({self._path}: another run holds it)",
            )
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def give_back(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor ends the lock
            self._fd = None


def _try_lock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode)
    except BlockingIOError:
        return False
    return True
