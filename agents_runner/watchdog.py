"""The watchdog of a foreground run.

A foreground `run` starts it as soon as its task is stored: a small shell, in a session
of its own, holding nothing of the run's (no terminal, no output pipe, no engine
socket), only the read end of a pipe. The run writes a word on that pipe when it lets
go of its task in order (the task ended). End of file without that word means the run
died without a word (SIGKILL, the OOM killer) or gave up before the end: the shell then
becomes `python -m agents_runner.watchdog --state-dir DIR ID`, which takes the task over
and drives it to its end, its deadline included, as `recover` would. Until then it
sleeps on the pipe; it costs the run a shell's start, not an interpreter's.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

RELEASED = b"released\n"
# $0 is the Python interpreter, "$@" the take-over's arguments.
_WAIT_THEN_TAKE_OVER = (
    'IFS= read -r word; [ "$word" = released ] || exec "$0" -m agents_runner.watchdog "$@"'
)


_SHELL = ("/bin/sh", "-c", _WAIT_THEN_TAKE_OVER)


class Watchdog:
    """The run's side: started beside the run, release() when the run lets go."""

    def __init__(self, state_dir: Path, task_id: str) -> None:
        log_fd = os.open(
            state_dir / "supervisor.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
        try:
            self._child = subprocess.Popen(
                [*_SHELL, sys.executable, "--state-dir", str(state_dir), task_id],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log_fd,
                start_new_session=True,  # Ctrl-C on the run's terminal is not for it
                close_fds=True,
            )
        finally:
            os.close(log_fd)

    def release(self, *, ended: bool) -> None:
        """The run lets go of the task: the watchdog exits when it `ended`, and takes it
        over when it did not (the run failed before the end)."""
        assert self._child.stdin is not None
        with contextlib.suppress(OSError):  # it is gone already
            if ended:
                self._child.stdin.write(RELEASED)
            self._child.stdin.close()


def main(argv: list[str] | None = None) -> int:
    """The take-over, in a fresh interpreter: the run is gone and the task is unowned."""
    parser = argparse.ArgumentParser(prog="agents_runner.watchdog")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("task_id")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s watchdog[{os.getpid()}] %(levelname)s %(name)s: %(message)s",
    )
    from .runner import TaskRunner

    logging.getLogger(__name__).info("the run of task %s is gone: taking it over", args.task_id)
    with TaskRunner(args.state_dir, recover=False) as runner:
        runner.refresh(args.task_id)  # takes it over: its owner, the run, is gone
    return 0


if __name__ == "__main__":
    sys.exit(main())
