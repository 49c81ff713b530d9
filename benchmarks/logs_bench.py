"""The log copy against `docker logs`, and the time from exit to the recorded end.

    uv run python benchmarks/logs_bench.py [--rounds N]

  (f) copying a finished container's whole output into a file: agents-runner's copy
      (the code a task's end runs) vs `docker logs C > file`, on the same container,
      interleaved; throughput ratio = ours / docker (target >= 0.8). Two outputs:
      `yes` (2-byte lines, the worst case for a copy that works per line) and 100-byte
      lines.
  (g) for a task printing 20 MB of 100-byte lines: from Docker's `die` event to the
      task's end being on disk (the terminal history entry), median over the rounds
      (target <= 0.5 s).
  (m) a foreground `agents-runner run` of an agent printing 50 MB of 2-byte lines
      (`yes | head -c 50000000`), read through a pipe by `wc -c`, against
      `docker run --rm --init` of the same, interleaved; the ratio of the wall times
      (target <= 1.3). Both must print the same number of bytes.

    uv run python benchmarks/logs_bench.py --only m --rounds 3

It is a benchmark, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import NETWORK, _timed, test_image

from agents_runner import TaskRunner, TaskSpec
from agents_runner.engine import LABEL_TASK_ID, Engine
from agents_runner.logcopy import LogCopy
from agents_runner.task import parse_time

LABEL = "agents-runner-bench.run"
OUTPUTS = {
    "yes, 4 MB": "yes | head -c 4000000",
    "100-byte lines, 50 MB": "yes " + "0123456789" * 9 + "012345678 | head -c 50000000",
}
LINE = "0123456789" * 9 + "012345678"
END_OUTPUTS = {
    "20 MB at once (about 16 MB/s, faster than the engine serves its log)": (
        f"yes {LINE} | head -c 20000000"
    ),
    "20 MB over about 5 s (1 MB every 0.25 s)": (
        f"i=0; while [ $i -lt 20 ]; do yes {LINE} | head -c 1000000; sleep 0.25; i=$((i+1)); done"
    ),
}


def finished_container(engine: Engine, image: str, script: str, run: str) -> str:
    container = engine.create(
        name=None, image=image, argv=["sh", "-c", script], env={},
        labels={LABEL: run}, network=NETWORK,
    )  # fmt: skip
    engine.start(container)
    engine.wait(container)
    return container


def copy_ours(engine: Engine, container: str, path: Path) -> float:
    def copy() -> None:
        copier = LogCopy(engine, container, path, "benchmark")
        copier._copy(follow=False)  # what finish() does once the follower is done
        copier.close()

    return _timed(copy)


def copy_docker(container: str, path: Path) -> float:
    with open(path, "wb") as out:
        return _timed(lambda: subprocess.run(["docker", "logs", container], stdout=out, check=True))


def exit_to_end(runner: TaskRunner, engine: Engine, image: str, run: str, script: str) -> float:
    spec = TaskSpec(image=image, command=["sh", "-c", script], network=NETWORK, labels={LABEL: run})
    task = runner.submit(spec)
    ended = runner.wait(task.id, timeout=300)
    since = parse_time(ended.created_at).timestamp() - 1
    filters = {"type": ["container"], "event": ["die"], "label": [f"{LABEL_TASK_ID}={task.id}"]}
    # Docker's own event stream, read with the SDK: the baseline, not the runner's code
    events = engine.api.events(since=since, until=time.time() + 1, decode=True, filters=filters)
    died = next(e["timeNano"] / 1e9 for e in events)
    events.close()
    return parse_time(ended.history[-1].at).timestamp() - died


FOREGROUND_BYTES = 50_000_000


def foreground(argv: list[str], env: dict[str, str]) -> float:
    """The wall time of `argv | wc -c`; the count must be FOREGROUND_BYTES."""
    start = time.perf_counter()
    producer = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    counted = subprocess.run(["wc", "-c"], stdin=producer.stdout, capture_output=True, check=True)
    assert producer.stdout is not None
    producer.stdout.close()
    status = producer.wait()
    took = time.perf_counter() - start
    assert status == 0, f"{argv[0]} exited {status}"
    assert int(counted.stdout) == FOREGROUND_BYTES, f"{argv[0]} printed {counted.stdout!r}"
    return took


def foreground_rows(image: str, run: str, scratch: Path, rounds: int) -> list[float]:
    script = f"yes | head -c {FOREGROUND_BYTES}"
    env = {**os.environ, "AGENTS_RUNNER_STATE_DIR": str(scratch / "foreground")}
    ours_argv = ["agents-runner", "run", "--image", image, "--label", f"{LABEL}={run}"]
    ours_argv += ["--", "sh", "-c", script]
    docker_argv = ["docker", "run", "--rm", "--init", "--network", NETWORK]
    docker_argv += ["--label", f"{LABEL}={run}", image, "sh", "-c", script]
    ours: list[float] = []
    docker: list[float] = []
    for round_number in range(rounds):
        print(f"measuring (m) round {round_number + 1} ...", file=sys.stderr, flush=True)
        sides = [(ours, ours_argv), (docker, docker_argv)]
        for times, argv in sides[:: -1 if round_number % 2 else 1]:
            times.append(foreground(argv, env))
    return [statistics.median(ours), statistics.median(docker)]


def print_foreground(ours: float, docker: float, rounds: int) -> None:
    ratio = ours / docker
    verdict = "met" if ratio <= 1.3 else "MISSED"
    print(f"\n(m) medians of {rounds} rounds, interleaved\n")
    print("| (m) foreground, piped to `wc -c` | agents-runner run | docker run | ratio | target |")
    print("|---|---:|---:|---:|---|")
    row = f"| 50 MB of 2-byte lines | {ours:.1f} s | {docker:.1f} s | {ratio:.2f} |"
    print(f"{row} <= 1.3 {verdict} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["m"], help="run (m) alone")
    args = parser.parse_args()
    image, run = test_image(), secrets.token_hex(4)
    engine = Engine.from_env()
    scratch = Path(tempfile.mkdtemp(prefix="agents-runner-bench-"))
    rows = []
    if args.only:
        try:
            print_foreground(*foreground_rows(image, run, scratch, args.rounds), args.rounds)
        finally:
            for container in engine.containers({LABEL: run}):
                engine.remove(container.id)
            subprocess.run(["rm", "-rf", str(scratch)], check=False)
        return 0
    try:
        for title, script in OUTPUTS.items():
            print(f"measuring (f) {title} ...", file=sys.stderr, flush=True)
            container = finished_container(engine, image, script, run)
            ours: list[float] = []
            docker: list[float] = []
            for round_number in range(args.rounds):
                sides = [
                    (ours, lambda c=container: copy_ours(engine, c, scratch / "ours")),
                    (docker, lambda c=container: copy_docker(c, scratch / "docker")),
                ]
                for times, side in sides[:: -1 if round_number % 2 else 1]:
                    times.append(side())
            size = (scratch / "ours").stat().st_size
            assert size == (scratch / "docker").stat().st_size, "the two copies differ"
            rows.append((title, size, statistics.median(ours), statistics.median(docker)))
            engine.remove(container)
        ends = {}
        with TaskRunner(scratch / "state", engine=engine, recover=False) as runner:
            for title, script in END_OUTPUTS.items():
                print(f"measuring (g) {title} ...", file=sys.stderr, flush=True)
                ends[title] = [
                    exit_to_end(runner, engine, image, run, script) for _ in range(args.rounds)
                ]
    finally:
        for container in engine.containers({LABEL: run}):
            engine.remove(container.id)
        subprocess.run(["rm", "-rf", str(scratch)], check=False)
    print(f"image {image}; medians over {args.rounds} rounds\n")
    print("| (f) log copy of a finished container | bytes | agents-runner | docker logs | ratio |")
    print("|---|---:|---:|---:|---:|")
    for title, size, ours, docker in rows:
        ratio = docker / ours
        print(
            f"| {title} | {size} | {size / ours / 1e6:.1f} MB/s | {size / docker / 1e6:.1f} MB/s "
            f"| {ratio:.2f} (target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'}) |"
        )
    print("\n| (g) die event -> end recorded | median | min | max | target <= 500 ms |")
    print("|---|---:|---:|---:|---|")
    for title, times in ends.items():
        median = statistics.median(times)
        verdict = "met" if median <= 0.5 else "MISSED"
        print(
            f"| {title} | {median * 1000:.0f} ms | {min(times) * 1000:.0f} ms "
            f"| {max(times) * 1000:.0f} ms | {verdict} |"
        )
    return 0


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent)
    sys.exit(main())
