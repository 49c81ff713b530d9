"""The command line run against the test Swarm, as the Swarm scenarios' steps run it."""

from __future__ import annotations

import shlex

from behave.runner import Context


def run_on_swarm(context: Context, line: str, env: dict[str, str] | None = None) -> None:
    """`line` with {id} the last task's id, against the manager the scenario talks to; a
    `run` gets --backend swarm, --network none (a service has only its loopback) and the
    scenario's image unless the line names one. The task it made becomes `context.task`."""
    words = shlex.split(line.replace("{id}", getattr(context, "cli_task_id", "")))
    if words[:1] == ["run"]:
        image = [] if "--image" in words else ["--image", context.harness.image]
        words[1:1] = ["--backend", "swarm", "--network", "none", *image]
    known = context.harness.stored_ids()
    manager = getattr(context, "swarm_host", context.swarm.manager_url)
    context.result = context.harness.cli.run(*words, env={"DOCKER_HOST": manager, **(env or {})})
    new = context.harness.stored_ids() - known
    if new:
        tasks = [t for t in context.harness.runner().list() if t.id in new]
        context.task = tasks[-1]
        context.cli_task_id = context.task.id
        context.swarm_tasks = [*getattr(context, "swarm_tasks", []), *[t.id for t in tasks]]
