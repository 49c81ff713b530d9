"""agents-runner against raw Docker, measured in one run, interleaved.

    uv run python benchmarks/bench.py [--rounds N] [--concurrent-rounds N]

Each comparison runs the same container work both ways, alternating which goes first,
over N rounds, and prints the medians and their ratio (ours / raw):

  (a) in-process submit -> completed and persisted  vs  docker-py create, start, wait,
      logs, remove of the same command
  (b) the `agents-runner run` CLI  vs  `docker run --rm --init` of the same command
  (c) cancel request -> cancelled persisted  vs  docker stop of the same container
  (d) kill request -> container gone and killed persisted  vs  docker rm -f
  (e) 20 tasks, 4 at a time  vs  20 docker-py runs on 4 threads

Raw containers get the same configuration as ours (an init process, no network, the same
image and command). It is a benchmark, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import docker

from agents_runner import TaskRunner, TaskSpec
from agents_runner.states import TaskState
from agents_runner.testing.harness import READY_LINE, TRAPPING_AGENT

LABEL = "agents-runner-bench.run"
Side = Callable[[], float]
CONCURRENT_TASKS = 20
PARALLELISM = 4
GRACE = 5
# Both sides run without a network: on an engine without a bridge that is all there is,
# and it spares Docker 20.10 a sandbox record per container (see scripts/).
NETWORK = "none"


@dataclass
class Comparison:
    key: str
    title: str
    target: float
    ours: list[float]
    raw: list[float]

    def medians(self) -> tuple[float, float, float]:
        ours, raw = statistics.median(self.ours), statistics.median(self.raw)
        return ours, raw, ours / raw


class Bench:
    def __init__(self, image: str) -> None:
        self.image = image
        self.run_id = secrets.token_hex(4)
        self.labels = {LABEL: self.run_id}
        self.api = docker.from_env().api
        self.state_dir = Path(tempfile.mkdtemp(prefix="agents-runner-bench-"))
        self.runner = TaskRunner(self.state_dir, recover=False)
        self.cli_argv = [
            str(Path(sys.executable).parent / "agents-runner"),
            "--state-dir",
            str(self.state_dir),
        ]

    # -- raw docker-py, configured like ours ------------------------------------------

    def raw_create(self, argv: list[str]) -> str:
        host_config = self.api.create_host_config(
            init=True, security_opt=["no-new-privileges"], network_mode=NETWORK
        )
        container = self.api.create_container(
            self.image, argv, labels=self.labels, host_config=host_config
        )
        return container["Id"]

    def raw_run(self) -> None:
        container = self.raw_create(["echo", "hello"])
        self.api.start(container)
        self.api.wait(container)
        self.api.logs(container)
        self.api.remove_container(container)

    def raw_running_agent(self) -> str:
        container = self.raw_create(TRAPPING_AGENT)
        self.api.start(container)
        self._until(lambda: READY_LINE.encode() in self.api.logs(container))
        return container

    # -- ours --------------------------------------------------------------------------

    def ours_run(self) -> None:
        task = self.runner.submit(
            TaskSpec(
                image=self.image, agent="echo", prompt="hello", labels=self.labels, network=NETWORK
            )
        )
        assert self.runner.wait(task.id, timeout=60).state is TaskState.COMPLETED

    def ours_running_agent(self) -> str:
        task = self.runner.submit(
            TaskSpec(image=self.image, command=TRAPPING_AGENT, labels=self.labels, network=NETWORK)
        )
        log = self.runner.store.log_path(task.id)
        self._until(lambda: log.exists() and READY_LINE in log.read_text())
        return task.id

    # -- the comparisons: each side sets itself up untimed and returns its seconds ----

    def in_process(self) -> tuple[Side, Side]:
        return (lambda: _timed(self.ours_run)), (lambda: _timed(self.raw_run))

    def cli(self) -> tuple[Side, Side]:
        ours = [*self.cli_argv, "run", "--image", self.image, "--network", NETWORK]
        ours += ["--agent", "echo", "--prompt", "hello"]
        for key, value in self.labels.items():
            ours += ["--label", f"{key}={value}"]
        raw = ["docker", "run", "--rm", "--init", "--network", NETWORK]
        raw += ["--label", f"{LABEL}={self.run_id}", self.image, "echo", "hello"]
        return (lambda: _timed(lambda: _quiet(ours))), (lambda: _timed(lambda: _quiet(raw)))

    def cancel(self) -> tuple[Side, Side]:
        def ours() -> float:
            task_id = self.ours_running_agent()
            return _timed(lambda: self._cancelled(task_id))

        def raw() -> float:
            container = self.raw_running_agent()
            seconds = _timed(lambda: self.api.stop(container, timeout=GRACE))
            self.api.remove_container(container, force=True)
            return seconds

        return ours, raw

    def _cancelled(self, task_id: str) -> None:
        self.runner.request_stop(task_id, grace=GRACE)
        assert self.runner.wait(task_id, timeout=60).state is TaskState.CANCELLED

    def kill(self) -> tuple[Side, Side]:
        def ours() -> float:
            task_id = self.ours_running_agent()
            return _timed(lambda: self._killed(task_id))

        def raw() -> float:
            container = self.raw_running_agent()
            return _timed(lambda: self.api.remove_container(container, force=True))

        return ours, raw

    def _killed(self, task_id: str) -> None:
        self.runner.request_kill(task_id)
        assert self.runner.wait(task_id, timeout=60).state is TaskState.KILLED

    def concurrent(self) -> tuple[Side, Side]:
        runner = TaskRunner(self.state_dir, recover=False, max_running=PARALLELISM)

        def ours() -> None:
            spec = TaskSpec(
                image=self.image, agent="echo", prompt="hello", labels=self.labels, network=NETWORK
            )
            tasks = [runner.submit(spec) for _ in range(CONCURRENT_TASKS)]
            for task in tasks:
                runner.wait(task.id, timeout=120)

        def raw() -> None:
            with ThreadPoolExecutor(PARALLELISM) as pool:
                list(pool.map(lambda _: self.raw_run(), range(CONCURRENT_TASKS)))

        return (lambda: _timed(ours)), (lambda: _timed(raw))

    # -- plumbing ---------------------------------------------------------------

    @staticmethod
    def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the agent did not get ready")
            time.sleep(0.01)

    def cleanup(self) -> None:
        self.runner.close(wait=False)
        for container in self.api.containers(all=True, filters={"label": f"{LABEL}={self.run_id}"}):
            self.api.remove_container(container["Id"], force=True)
        shutil.rmtree(self.state_dir, ignore_errors=True)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _quiet(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def interleaved(sides: tuple[Side, Side], rounds: int) -> tuple[list[float], list[float]]:
    """One warm-up of each side, then `rounds` rounds; odd rounds run raw Docker first, so
    neither side always enjoys (or pays for) going second."""
    ours_side, raw_side = sides
    ours_side(), raw_side()  # warm-up: imports, caches, connection pools
    ours, raw = [], []
    for round_number in range(rounds):
        if round_number % 2:
            raw.append(raw_side())
            ours.append(ours_side())
        else:
            ours.append(ours_side())
            raw.append(raw_side())
    return ours, raw


def test_image() -> str:
    if os.environ.get("AGENTS_RUNNER_TEST_IMAGE"):
        return os.environ["AGENTS_RUNNER_TEST_IMAGE"]
    provisioned = Path(__file__).resolve().parent.parent / ".provisioned.env"
    if provisioned.exists():
        for line in provisioned.read_text().splitlines():
            if line.startswith("AGENTS_RUNNER_TEST_IMAGE="):
                return line.split("=", 1)[1].strip()
    return "busybox:1.36"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--concurrent-rounds", type=int, default=5)
    args = parser.parse_args()
    bench = Bench(test_image())
    plan = [
        ("a", "in-process submit -> completed", 1.10, bench.in_process, args.rounds),
        ("b", "CLI run vs docker run --rm", 2.0, bench.cli, args.rounds),
        ("c", "cancel -> cancelled vs docker stop", 1.2, bench.cancel, args.rounds),
        ("d", "kill -> killed vs docker rm -f", 1.2, bench.kill, args.rounds),
        (
            "e",
            f"{CONCURRENT_TASKS} tasks, {PARALLELISM} at a time",
            1.15,
            bench.concurrent,
            args.concurrent_rounds,
        ),
    ]
    results = []
    try:
        for key, title, target, measure, rounds in plan:
            print(f"measuring ({key}) {title}, {rounds} rounds ...", file=sys.stderr, flush=True)
            ours, raw = interleaved(measure(), rounds)
            results.append(Comparison(key, title, target, ours, raw))
    finally:
        bench.cleanup()
    print(f"image {bench.image}; medians over the rounds; ratio = agents-runner / raw Docker\n")
    columns = f"| {'comparison':<42} | {'agents-runner':>13} | {'raw Docker':>10} | {'ratio':>5} |"
    print(columns + " target |")
    print(f"|{'-' * 44}|{'-' * 15}|{'-' * 12}|{'-' * 7}|--------|")
    for result in results:
        ours, raw, ratio = result.medians()
        verdict = "met" if ratio <= result.target else "MISSED"
        row = f"| ({result.key}) {result.title:<38} | {ours * 1000:>10.1f} ms "
        print(row + f"| {raw * 1000:>7.1f} ms | {ratio:>5.2f} | {result.target:.2f} {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
