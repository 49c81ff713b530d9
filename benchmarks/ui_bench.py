"""The page's first page of tasks with 10,000 finished tasks in the state dir.

    uv run python benchmarks/ui_bench.py [--finished N] [--rounds R]

Makes N finished tasks (default 10,000) in a temporary state dir, as the store writes a
task that ended (testing/finished_tasks.py), and 3 unfinished ones, then times through
the application (Starlette's test client, no network): a fresh server's first
`GET /api/tasks` (the unfinished through active/, then the finished read a page at a
time), the next page, a fresh server's `GET /api/counts` (each finished payload read
once) and the same again (kept). Prints the medians over R fresh servers. Then the
start-up: `agents-runner ui` (the installed script beside this interpreter) from its
launch until it answers the board's first request, R times. It is a benchmark, not a
test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from starlette.testclient import TestClient

from agents_runner.spec import TaskSpec
from agents_runner.store import TaskStore
from agents_runner.task import Task
from agents_runner.testing.finished_tasks import make_finished
from agents_runner.web.app import make_app


def timed(client: TestClient, url: str) -> tuple[float, dict]:
    start = time.perf_counter()
    answer = client.get(url)
    elapsed = time.perf_counter() - start
    answer.raise_for_status()
    return elapsed, answer.json()


def start_up(state_dir: Path) -> float:
    """From launching `agents-runner ui` until the board's first answer."""
    script = Path(sys.executable).with_name("agents-runner")
    start = time.perf_counter()
    server = subprocess.Popen(
        [str(script), "--state-dir", str(state_dir), "ui"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        with urllib.request.urlopen(url, timeout=30) as answer:
            answer.read()
        return time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--finished", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ui-bench-"))
    try:
        store = TaskStore(root)
        start = time.perf_counter()
        make_finished(store, args.finished)
        for _ in range(3):
            store.create(Task.new(TaskSpec(image="busybox:1.36", command=["true"])))
        print(f"made {args.finished} finished tasks in {time.perf_counter() - start:.1f} s")
        times: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            app = make_app(TaskStore(root), str(root), "t")
            client = TestClient(app, headers={"Authorization": "Bearer t"})
            first, page = timed(client, "/api/tasks")
            second, _ = timed(client, f"/api/tasks?cursor={page['next']}")
            cold, _ = timed(client, "/api/counts")
            warm, counts = timed(client, "/api/counts")
            measured = {"first page": first, "next page": second}
            measured |= {"counts, fresh server": cold, "counts, kept": warm}
            for name, value in measured.items():
                times.setdefault(name, []).append(value)
        times["start-up, to the board"] = [start_up(root) for _ in range(args.rounds)]
        print(f"{len(page['tasks'])} tasks a page; counts {counts['counts']}")
        for name, values in times.items():
            print(
                f"{name:>22}: {statistics.median(values) * 1000:7.1f} ms (median of {len(values)})"
            )
    finally:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
