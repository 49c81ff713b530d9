"""The processes working on a scenario's state dirs, found by their command line, and
ended: detached supervisors and watchdogs run in sessions of their own, so neither the
end of the command that started them nor the end of the test run ends them."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from ..proc import start_ticks
from .waiting import wait_until

_OPTION = "--state-dir"


def state_dir_of(argv: list[str]) -> str | None:
    """The value of `--state-dir DIR` or `--state-dir=DIR` in a command line, if any."""
    for index, word in enumerate(argv):
        if word == _OPTION and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith(_OPTION + "="):
            return word[len(_OPTION) + 1 :]
    return None


def processes_in(prefix: str) -> list[tuple[int, int]]:
    """The live processes (pid, start ticks) whose `--state-dir` starts with `prefix`
    (a folder's path ending in "/" takes in the folder itself and all below it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:  # it ended meanwhile
            continue
        state_dir = state_dir_of(argv)
        if state_dir is None or not (state_dir.rstrip("/") + "/").startswith(prefix):
            continue
        if (started := start_ticks(int(entry.name))) is not None:
            found.append((int(entry.name), started))
    return found


def end_processes_in(prefix: str, timeout: float = 10.0) -> list[str]:
    """SIGKILL every process whose state dir starts with `prefix` and wait until each is
    gone; returns a line for each one ended."""
    ended = []
    for pid, started in processes_in(prefix):
        if start_ticks(pid) != started:  # it ended, and the pid may be another's now
            continue
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        ended.append((pid, started))
    for pid, started in ended:
        wait_until(
            lambda pid=pid: start_ticks(pid),
            lambda ticks, started=started: ticks != started,
            timeout=timeout,
            describe=f"process {pid} to end after SIGKILL",
        )
    return [f"process {pid} working in {prefix}*" for pid, _ in ended]
