"""How the engine reports out-of-memory kills, and whether each task's reason agrees.

    uv run python benchmarks/oom_reports.py [--tasks N] [--runners N] [--busy N]

--runners runners (each its own process and state dir) run --tasks tasks each whose
agent (`dd` of 64 MiB) the kernel kills under a memory limit of 16m, while --busy
loops hold the CPU. From the engine's own events (filtered by this run's label) it
counts the kills the engine reported before the container's `die`, after it, and not
at all, and the tasks whose reason says "out of memory" where the events do not, or
the other way round (the contract's C-4.23: there should be none).

Every container carries this run's label; the runner removes each, and any left are
removed at the end. It is a measurement, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time

import docker

LABEL = "oom-reports.run"
HOG = "dd if=/dev/zero of=/dev/null bs=64M count=1"


def run_tasks(count: int, run: str) -> None:
    """One runner's share: prints each task's id and reason as a JSON line."""
    from agents_runner import TaskRunner, TaskSpec

    image = os.environ.get("AGENTS_RUNNER_TEST_IMAGE", "busybox:1.36")
    # network "none": on a dockerd without a bridge, a container made without a network
    # leaves a stale sandbox that the daemon's next start must remove (docs/ENGINES.md)
    spec = TaskSpec(
        image=image,
        command=["sh", "-c", HOG],
        memory="16m",
        network="none",
        labels={LABEL: run},
    )
    with tempfile.TemporaryDirectory() as state_dir, TaskRunner(state_dir=state_dir) as runner:
        tasks = [runner.submit(spec) for _ in range(count)]
        for task in tasks:
            ended = runner.wait(task.id, timeout=600)
            print(json.dumps({"id": ended.id, "code": ended.exit_code, "error": ended.error}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=150)
    parser.add_argument("--runners", type=int, default=3)
    parser.add_argument("--busy", type=int, default=2)
    parser.add_argument("--share", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.share is not None:
        run_tasks(args.share, args.run)
        return

    client = docker.from_env()
    run = secrets.token_hex(4)
    actions: dict[str, list[str]] = collections.defaultdict(list)
    since = int(time.time())
    stream = client.events(
        decode=True, since=since, filters={"type": "container", "label": f"{LABEL}={run}"}
    )

    def listen() -> None:
        for event in stream:
            task_id = event["Actor"]["Attributes"].get("agents-runner.task-id", "")
            actions[task_id].append(event["Action"])

    threading.Thread(target=listen, daemon=True).start()
    loops = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(args.busy)]
    try:
        runners = [
            subprocess.Popen(
                [sys.executable, __file__, "--share", str(args.tasks), "--run", run],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(args.runners)
        ]
        ends = [json.loads(line) for r in runners for line in r.communicate()[0].splitlines()]
        if any(r.returncode for r in runners):
            sys.exit("a runner failed (its error is above)")
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any("destroy" not in actions[e["id"]] for e in ends):
        time.sleep(0.1)
    stream.close()
    for left in client.containers.list(all=True, filters={"label": f"{LABEL}={run}"}):
        left.remove(force=True)

    counts: collections.Counter[str] = collections.Counter()
    for end in ends:
        seen = actions[end["id"]]
        if "oom" not in seen:
            counts["not reported"] += 1
        elif "die" in seen and seen.index("die") < seen.index("oom"):
            counts["reported after the die"] += 1
        else:
            counts["reported before the die"] += 1
        if ("out of memory" in (end["error"] or "")) != ("oom" in seen):
            counts["reason disagrees with the events"] += 1
    print(f"{len(ends)} tasks killed for their memory, {args.busy} busy loops beside:")
    for what in (
        "reported before the die",
        "reported after the die",
        "not reported",
        "reason disagrees with the events",
    ):
        print(f"  {what}: {counts[what]}")


if __name__ == "__main__":
    main()
