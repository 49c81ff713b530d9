"""Tasks on the test Swarm (scripts/provision-swarm.sh), measured in one run.

    uv run python benchmarks/swarm_bench.py [--samples N] [--tasks N] [--seconds S]

  (s1) create to container start: for --samples tasks run one after another, from
       submit() to the `start` event of the task's container on its node's own engine;
       median and p90 (target: median <= 0.5 s).
  (s2) agent exit to end recorded: for the same tasks, from the `die` event on the node
       to the end in the task's history; median and p90 (target: median <= 1 s).
  (s3) --tasks tasks of `sleep S` submitted at once under a state-dir limit as large,
       on the Swarm (three nodes) and then on the machine's one engine (DOCKER_HOST, the
       baseline, in the same run): the wall time from the first submission to the last
       recorded end on each, and their ratio (Swarm / one engine).

Every service and container carries this run's label; what is left is removed at the
end. A benchmark, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import docker
from bench import NETWORK, test_image

from agents_runner import SwarmEngine, TaskRunner, TaskSpec
from agents_runner.engine import LABEL_TASK_ID, Engine
from agents_runner.queue_settings import QueueSettings
from agents_runner.task import parse_time
from agents_runner.taskqueue import TaskQueue

LABEL = "agents-runner-bench.run"
PROVISIONED = Path(__file__).resolve().parent.parent / ".provisioned.env"


def swarm_manager() -> str:
    for line in PROVISIONED.read_text().splitlines() if PROVISIONED.exists() else []:
        if line.startswith("AGENTS_RUNNER_TEST_SWARM="):
            return line.split("=", 1)[1].strip()
    sys.exit("no test Swarm: run scripts/provision-swarm.sh")


def node_addresses(manager: str) -> list[str]:
    """Each node's own engine, as its label names it."""
    nodes = docker.APIClient(base_url=manager).nodes()
    labels = [n["Spec"].get("Labels") or {} for n in nodes]
    return [found["agents-runner.engine"] for found in labels if "agents-runner.engine" in found]


class NodeEvents:
    """Every node engine's container events for this run's label, as they come."""

    def __init__(self, manager: str, run: str) -> None:
        self.addresses = node_addresses(manager)
        self.events: list[dict] = []
        self._streams = []
        since = time.time() - 1
        for address in self.addresses:
            node = docker.APIClient(base_url=address)
            stream = node.events(
                since=since,
                decode=True,
                filters={"type": ["container"], "label": [f"{LABEL}={run}"]},
            )
            self._streams.append(stream)
            threading.Thread(target=self._record, args=(stream,), daemon=True).start()

    def _record(self, stream) -> None:  # type: ignore[no-untyped-def]
        try:
            for event in stream:
                self.events.append(event)
        except Exception:
            return

    def time_of(self, task_id: str, action: str, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in list(self.events):
                attributes = event.get("Actor", {}).get("Attributes", {})
                if event.get("Action") == action and attributes.get(LABEL_TASK_ID) == task_id:
                    return event["timeNano"] / 1e9
            time.sleep(0.02)
        raise TimeoutError(f"no {action} event for task {task_id}")

    def close(self) -> None:
        for stream in self._streams:
            stream.close()


def spec(run: str, command: list[str]) -> TaskSpec:
    return TaskSpec(image=test_image(), command=command, network=NETWORK, labels={LABEL: run})


def ended_at(runner: TaskRunner, task_id: str) -> float:
    return parse_time(runner.wait(task_id, timeout=120).history[-1].at).timestamp()


def one_after_another(manager: str, run: str, samples: int) -> tuple[list[float], list[float]]:
    events = NodeEvents(manager, run)
    starts, ends = [], []
    with tempfile.TemporaryDirectory() as state:
        runner = TaskRunner(state, engine=SwarmEngine.at(manager), recover=False)
        try:
            for _ in range(samples):
                submitted = time.time()
                task = runner.submit(spec(run, ["sh", "-c", "sleep 0.5"]))
                starts.append(events.time_of(task.id, "start") - submitted)
                end = ended_at(runner, task.id)
                ends.append(end - events.time_of(task.id, "die"))
        finally:
            runner.close()
            events.close()
    return starts, ends


def all_at_once(engine: object, run: str, tasks: int, seconds: float) -> float:
    with tempfile.TemporaryDirectory() as state:
        TaskQueue(Path(state)).write_settings(QueueSettings(max_running=tasks))
        runner = TaskRunner(state, engine=engine, recover=False)  # type: ignore[arg-type]
        try:
            first = time.time()
            ids = [runner.submit(spec(run, ["sleep", f"{seconds:g}"])).id for _ in range(tasks)]
            last = max(ended_at(runner, task_id) for task_id in ids)
        finally:
            runner.close()
    return last - first


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(values):.3f} s, p90 {p90:.3f} s (n={len(values)})"


def clean(manager: str, run: str) -> None:
    api = docker.APIClient(base_url=manager)
    for service in api.services(filters={"label": f"{LABEL}={run}"}):
        api.remove_service(service["ID"])
    for address in [*node_addresses(manager), None]:
        node = docker.APIClient(base_url=address) if address else docker.from_env().api
        for container in node.containers(all=True, filters={"label": f"{LABEL}={run}"}):
            node.remove_container(container["Id"], force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    manager = swarm_manager()
    run = secrets.token_hex(4)
    try:
        starts, ends = one_after_another(manager, run, args.samples)
        print(f"(s1) create to container start: {summary(starts)}")
        print(f"(s2) agent exit to end recorded: {summary(ends)}")
        on_swarm = all_at_once(SwarmEngine.at(manager), run, args.tasks, args.seconds)
        on_one = all_at_once(Engine.from_env(), run, args.tasks, args.seconds)
        print(
            f"(s3) {args.tasks} tasks of sleep {args.seconds:g}: Swarm {on_swarm:.2f} s, "
            f"one engine {on_one:.2f} s, ratio {on_swarm / on_one:.2f}"
        )
    finally:
        clean(manager, run)


if __name__ == "__main__":
    main()
