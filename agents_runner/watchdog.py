"""The watchdog of a foreground run: `python -m agents_runner.watchdog --state-dir DIR ID`.

A foreground `run` starts it beside itself, in a session of its own, with a pipe on its
stdin. The run writes one byte when it lets go of its task in order (the task ended,
or the run handed it over). End of file without that byte means the run died without
a word (SIGKILL, the OOM killer): the watchdog then takes the task over and drives it
to its end, its deadline included, as `recover` would. Until then it sleeps on the
pipe and costs nothing; it imports the runner only when it has to act.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

RELEASE = b"."
_COMMAND = (sys.executable, "-m", "agents_runner.watchdog")


class Watchdog:
    """The run's side: start() beside the run, release() when the run lets go."""

    def __init__(self, state_dir: Path, task_id: str) -> None:
        log_fd = os.open(
            state_dir / "supervisor.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
        try:
            self._child = subprocess.Popen(
                [*_COMMAND, "--state-dir", str(state_dir), task_id],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log_fd,
                start_new_session=True,
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
                self._child.stdin.write(RELEASE)
            self._child.stdin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agents_runner.watchdog")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("task_id")
    args = parser.parse_args(argv)
    if sys.stdin.buffer.read(1) == RELEASE:
        return 0
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s watchdog[{os.getpid()}] %(levelname)s %(name)s: %(message)s",
    )
    from .runner import TaskRunner

    logging.getLogger(__name__).info("the run of task %s died: taking it over", args.task_id)
    with TaskRunner(args.state_dir, recover=False) as runner:
        runner.refresh(args.task_id)  # takes it over: its owner, the run, is gone
    return 0


if __name__ == "__main__":
    sys.exit(main())
