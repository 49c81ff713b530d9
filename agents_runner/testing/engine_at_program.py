"""A Python program, in a process of its own, that runs one task through a TaskRunner made
with `Engine.at(address)` or `SwarmEngine.at(address)`, whatever its DOCKER_HOST says.
It prints the task's id, then its state, exit code and backend, then its log."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from behave.runner import Context
from hamcrest import assert_that, has_item

_PROGRAM = """
import json, sys
import agents_runner
from agents_runner import TaskRunner, TaskSpec

engine_class, address, state_dir, way = sys.argv[1:5]
spec = json.loads(sys.argv[5])
engine = getattr(agents_runner, engine_class).at(address)
with TaskRunner(state_dir=state_dir, engine=engine) as runner:
    task = getattr(runner, way)(TaskSpec(**spec))
    print(task.id, flush=True)
    task = runner.wait(task.id, timeout=120)
    print(task.state, task.exit_code, task.backend)
    print(runner.read_log(task.id), end="")
"""


def run_engine_at_program(
    context: Context,
    engine_class: str,
    address: str,
    way: str,
    spec: dict[str, Any],
    env: dict[str, str],
) -> None:
    """Run it (`way`: "submit" or "submit_detached"); its result is `context.example`, the
    task it stored `context.task`."""
    argv = [engine_class, address, str(context.harness.state_dir), way, json.dumps(spec)]
    context.example = subprocess.run(
        [sys.executable, "-c", _PROGRAM, *argv],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    task_id = context.example.stdout.split("\n", 1)[0]
    assert_that(context.harness.stored_ids(), has_item(task_id), context.example.stderr)
    context.task = context.harness.fresh_load(task_id)
