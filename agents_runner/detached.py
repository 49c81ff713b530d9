"""The detached supervisor process: `python -m agents_runner.detached --state-dir DIR`.

Started by TaskRunner.submit_detached() or by a recover that hands over a running
container. It reads {"task_id": ..., "secrets": {...}} from stdin, drives that task
to its end in its own session, and exits. Its log is <state dir>/supervisor.log.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from .config import BACKEND_VARIABLE, resolve_state_dir
from .runner import TaskRunner
from .store import TaskStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agents_runner.detached")
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s supervisor[{os.getpid()}] %(levelname)s %(name)s: %(message)s",
    )
    handover = sys.stdin.read()
    if not handover.strip():
        return 0  # the starter had nothing to hand over after all
    request = json.loads(handover)
    backend = TaskStore(resolve_state_dir(args.state_dir)).load(request["task_id"]).backend
    if backend:  # the task's own backend, whatever this process's environment says
        os.environ[BACKEND_VARIABLE] = backend
    with TaskRunner(args.state_dir, recover=False) as runner:
        runner.drive(request["task_id"], request.get("secrets") or {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
