"""The read verbs (list, show, logs) against the docker CLI, and list as finished tasks pile up.

    uv run python benchmarks/read_bench.py [--rounds N] [--agents-runner PATH]

Each comparison runs two commands alternately (odd rounds the second one first) over N
rounds, after one untimed run of each, and prints the medians and their ratio:

  (h) `agents-runner list`  vs  `docker ps`
  (i) `agents-runner show --json ID`  vs  `docker inspect ID`, both JSON
  (j) `agents-runner logs ID`  vs  `docker logs ID`, the same 200 lines on both sides
  (k) `list` (unfinished tasks) with 10,000 finished tasks in the store vs with 100
  (l) `list --all` with 10,000 tasks vs with 1,000, and the time per task it implies
      (with 100 as a third point), which is the same for both steps when it is linear

Commands are timed as a user runs them: the installed entry point and the docker binary,
started directly (not through `uv run`), output to /dev/null. Python may cache bytecode
(PYTHONDONTWRITEBYTECODE is removed from their environment), as it does for an
installed tool. The stores are fabricated through TaskStore (create, then transitions
to completed), not by running containers; each has 3 unfinished tasks besides. One real
container, labelled agents-runner-helper=read-bench, serves (i) and (j) and is removed
at the end; nothing else is created on the engine. It is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import NETWORK, test_image

from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.store import TaskStore
from agents_runner.task import Task

HELPER_LABEL = "agents-runner-helper=read-bench"
LINES = 200
OUTPUT_SCRIPT = (
    f'i=0; while [ $i -lt {LINES} ]; do echo "line $i of the read benchmark"; i=$((i+1)); done; '
    "exec sleep 3600"
)
SIZES = (100, 1_000, 10_000)
UNFINISHED = 3
# The child processes cache bytecode, as an installed command does.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def fabricate(root: Path, image: str, finished: int, container_id: str | None) -> str:
    """A store with `finished` completed tasks and UNFINISHED running ones; returns the id
    of the first running one, tied to `container_id`."""
    store = TaskStore(root)
    spec = TaskSpec(image=image, agent="echo", prompt="fabricated for the read benchmark")
    for _ in range(finished):
        task = store.create(Task.new(spec))
        store.transition(task.id, TaskState.STARTING)
        store.transition(task.id, TaskState.RUNNING, container_id="0" * 64)
        store.transition(task.id, TaskState.COMPLETED, exit_code=0)
    running = []
    for _ in range(UNFINISHED):
        task = store.create(Task.new(spec))
        store.transition(task.id, TaskState.STARTING)
        running.append(store.transition(task.id, TaskState.RUNNING, container_id=container_id))
    return running[0].id


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=CHILD_ENV, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleaved(first: list[str], second: list[str], rounds: int) -> tuple[float, float]:
    """Medians of `rounds` alternating runs, after one untimed run of each."""
    timed(first), timed(second)
    times: tuple[list[float], list[float]] = ([], [])
    for round_number in range(rounds):
        order = ((1, second), (0, first)) if round_number % 2 else ((0, first), (1, second))
        for side, argv in order:
            times[side].append(timed(argv))
    return statistics.median(times[0]), statistics.median(times[1])


def helper_container(image: str) -> str:
    """The one container of this benchmark: prints LINES lines, then sleeps."""
    created = subprocess.run(
        ["docker", "run", "--detach", "--label", HELPER_LABEL, "--network", NETWORK,
         image, "sh", "-c", OUTPUT_SCRIPT],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return created.stdout.strip()


def until_printed(container: str) -> None:
    deadline = time.monotonic() + 30
    while docker_logs(container).count(b"\n") < LINES:
        if time.monotonic() > deadline:
            raise TimeoutError("the helper container did not print its lines")
        time.sleep(0.1)
    return container


def remove(container: str) -> None:
    """`docker rm --force`, retried for a minute: the engine may be restarting (another
    user's test suite may restart it), and this container must not outlive the run."""
    deadline = time.monotonic() + 60
    while True:
        done = subprocess.run(["docker", "rm", "--force", container], capture_output=True)
        if done.returncode == 0 or b"No such container" in done.stderr:
            return
        if time.monotonic() > deadline:
            print(f"could not remove container {container}: {done.stderr!r}", file=sys.stderr)
            return
        time.sleep(1)


def docker_logs(container: str) -> bytes:
    return subprocess.run(["docker", "logs", container], check=True, capture_output=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument(
        "--agents-runner",
        default=str(Path(sys.executable).parent / "agents-runner"),
        metavar="PATH",
        help="the entry point to time (default: this environment's)",
    )
    args = parser.parse_args()
    image = test_image()
    scratch = Path(tempfile.mkdtemp(prefix="agents-runner-read-bench-"))
    container = helper_container(image)
    rows = []
    try:
        until_printed(container)
        print(f"fabricating stores of {', '.join(map(str, SIZES))} tasks ...", file=sys.stderr)
        started = time.monotonic()
        task_ids = {n: fabricate(scratch / str(n), image, n, container) for n in SIZES}
        print(f"  {time.monotonic() - started:.0f} s", file=sys.stderr)
        task_id = task_ids[100]
        (scratch / "100" / "logs" / f"{task_id}.log").write_bytes(docker_logs(container))

        def ours(size: int, *verb: str) -> list[str]:
            return [args.agents_runner, "--state-dir", str(scratch / str(size)), *verb]

        plan = [
            ("h", "list vs docker ps", 3.0, ours(100, "list"), ["docker", "ps"]),
            ("i", "show --json ID vs docker inspect ID", 3.0, ours(100, "show", "--json", task_id),
             ["docker", "inspect", container]),
            ("j", f"logs ID vs docker logs ID ({LINES} lines)", 3.0, ours(100, "logs", task_id),
             ["docker", "logs", container]),
            ("k", "list: 10,000 finished vs 100", 1.2, ours(10_000, "list"), ours(100, "list")),
        ]  # fmt: skip
        for key, title, target, first, second in plan:
            print(f"measuring ({key}) {title}, {args.rounds} rounds ...", file=sys.stderr)
            rows.append((key, title, target, *interleaved(first, second, args.rounds)))
        print(f"measuring (l) list --all, {args.rounds} rounds ...", file=sys.stderr)
        all_small, all_medium = interleaved(
            ours(100, "list", "--all"), ours(1_000, "list", "--all"), args.rounds
        )
        all_large, all_medium_again = interleaved(
            ours(10_000, "list", "--all"), ours(1_000, "list", "--all"), args.rounds
        )
    finally:
        remove(container)
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"image {image}; {args.agents_runner}; medians of {args.rounds} rounds\n")
    print("| comparison | agents-runner | other side | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for key, title, target, first, second in rows:
        ratio = first / second
        verdict = "met" if ratio <= target else "MISSED"
        print(
            f"| ({key}) {title} | {first * 1000:.1f} ms | {second * 1000:.1f} ms "
            f"| {ratio:.2f} | {target:.1f} {verdict} |"
        )
    per_task_low = (all_medium - all_small) / (1_000 - 100)
    per_task_high = (all_large - all_medium_again) / (10_000 - 1_000)
    print(
        f"\n(l) list --all: 100 tasks {all_small * 1000:.0f} ms, 1,000 tasks "
        f"{all_medium * 1000:.0f} ms, 10,000 tasks {all_large * 1000:.0f} ms "
        f"(ratio 10,000 / 1,000: {all_large / all_medium_again:.2f}); per task "
        f"{per_task_low * 1e6:.0f} us from 100 to 1,000 and {per_task_high * 1e6:.0f} us "
        f"from 1,000 to 10,000 ({per_task_high / per_task_low:.2f}: 1.00 is linear)"
    )
    return 0


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent)
    sys.exit(main())
