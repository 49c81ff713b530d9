"""The test command for one mutant: the unit tests that ran its lines, then the scenarios
that ran them, in parallel.

cosmic-ray has applied the mutant to the working tree; `git diff` against HEAD finds the
changed lines. The unit tests' map (`reports/mutation/unit-map.json`, mutation/unit_map.py)
names the test files that ran them: pytest runs those first, and a failure kills the
mutant in seconds. Otherwise the coverage map (`reports/mutation/coverage-map.json`, made by
`scripts/mutation.sh map` of the same code) names the scenarios that ran them and the
order to start them in (mutation/covering.py), and the parallel runner runs those with
`--stop`: Docker's first, then, while the mutant lives, the Swarm backend's and Podman's
that reached its lines on that leg alone. Exit 0 means the mutant survived. A mutant
whose lines no scenario ran survives without a run, its output saying NOT_COVERED.

A failing run during which the Docker engine was restarted (by anything else on the
machine: its process changed) says nothing of the mutant: it runs again, up to twice.

Usage: python mutation/run_mutant.py [--workers N] [--map MAP.json] [--unit-map MAP.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

from covering import by_leg, changes, leg_of, on_leg, ordered, select

REPOSITORY = Path(__file__).resolve().parent.parent
MAP = REPOSITORY / "reports" / "mutation" / "coverage-map.json"
NOT_COVERED = "NOT_COVERED"
KILLED_ON = "run_mutant: KILLED on the "  # mutation/report.py counts the legs by it
_TAIL = 60  # lines of the runner's output kept in the session database
_TRIES = 3
# The unit tests of a mutant's lines take seconds (the whole unit suite, 20 s here); a
# mutant that makes one loop forever is killed once they have run this long.
UNIT_TESTS_TIMEOUT = 180.0
# A leg's scenarios that run past this many times their time in the map (all of it, as
# if one worker ran them in turn), and past HANG_FLOOR seconds, hang: the mutant is
# killed then rather than at cosmic-ray's timeout for the whole mutant (20 minutes).
HANG_FACTOR = 3.0
HANG_FLOOR = 300.0
# What each leg of the map changes in the suite's environment, as .ci/run runs it.
LEG_ENVIRONMENT = {
    "docker": {},
    "swarm": {"AGENTS_RUNNER_TEST_BACKEND": "swarm"},
    "podman": {"DOCKER_HOST": "unix:///run/agents-runner-podman.sock"},
}


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPOSITORY, capture_output=True, text=True, check=True
    ).stdout


def engine_process() -> str:
    """The local Docker engine's process id and start time, "" when none is seen."""
    found = subprocess.run(["pgrep", "-o", "-x", "dockerd"], capture_output=True, text=True)
    pid = found.stdout.strip()
    try:
        return f"{pid}@{Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[19]}"
    except (OSError, IndexError):
        return ""


def _wait_for_engine(seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0:
            return
        time.sleep(2)


@cache
def original(path: str) -> str:
    """A file as committed: the mutant's own file is changed in the working tree."""
    return _git("show", f"HEAD:{path}")


def unit_tests_kill(unit_map: dict, found: list) -> bool:
    """Run the unit tests that ran the mutant's lines; True when one fails."""
    files = sorted({f for change in found for f in select(unit_map, change, original).locations})
    if not files:
        print("unit tests: none ran the mutant's lines")
        return False
    started = time.monotonic()
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *files]
    try:
        done = subprocess.run(
            command,
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            timeout=UNIT_TESTS_TIMEOUT,
        )
    except subprocess.TimeoutExpired:  # a mutant that loops forever in a unit test
        print(f"unit tests: KILLED by {' '.join(files)} (no end in {UNIT_TESTS_TIMEOUT:.0f} s)")
        return True
    took = time.monotonic() - started
    if done.returncode == 0:
        print(f"unit tests: {len(files)} file(s) passed in {took:.0f} s: {' '.join(files)}")
        return False
    print("\n".join(done.stdout.splitlines()[-_TAIL:]))
    print(f"unit tests: KILLED by {' '.join(files)} (exit {done.returncode}, {took:.0f} s)")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--map", type=Path, default=REPOSITORY / "reports/mutation/coverage-map.json"
    )
    parser.add_argument(
        "--unit-map", type=Path, default=REPOSITORY / "reports/mutation/unit-map.json"
    )
    args = parser.parse_args()
    coverage_map = json.loads(args.map.read_text())
    found = changes(_git("diff", "-U0", "--no-color", "--", "agents_runner"))
    if not found:
        print(f"{NOT_COVERED}: the mutant changed nothing in agents_runner/")
        return 0
    if args.unit_map.exists() and unit_tests_kill(json.loads(args.unit_map.read_text()), found):
        return 1
    seconds = dict(zip(coverage_map["scenarios"], coverage_map["seconds"], strict=True))
    locations: set[str] = set()
    for change in found:
        selection = select(coverage_map, change, original)
        print(f"{len(selection.locations)} scenarios for {selection.why}")
        locations.update(selection.locations)
    if not locations:
        print(f"{NOT_COVERED}: no scenario of the map ran the mutant's lines")
        return 0
    legs = [(leg, [on_leg(leg, p) for p in plains]) for leg, plains in by_leg(sorted(locations))]
    chosen = [location for _, prefixed in legs for location in prefixed]
    estimate = sum(seconds.get(location, 5.0) for location in chosen)
    print(f"running {len(chosen)} scenarios (about {estimate:.0f} s of scenarios)", flush=True)
    for leg, prefixed in legs:
        order = [leg_of(location)[1] for location in ordered(coverage_map, found[0].path, prefixed)]
        print(f"run_mutant: {len(order)} scenario(s) on the {leg} leg", flush=True)
        limit = max(HANG_FLOOR, HANG_FACTOR * sum(seconds.get(p, 5.0) for p in prefixed))
        status = run_leg(leg, order, args.workers, limit)
        if status != 0:
            print(f"{KILLED_ON}{leg} leg")
            return status
    return 0


def run_leg(leg: str, order: list[str], workers: int, limit: float) -> int:
    """The scenarios on one leg, stopping at the first failure; its exit status (1 when
    they ran past `limit` seconds: they hang, and are stopped)."""
    command = [sys.executable, "-m", "agents_runner.testing.parallel", "--stop"]
    command += ["--workers", str(workers), "--junit-directory", f"reports/mutation/junit-{leg}"]
    environment = {**os.environ, **LEG_ENVIRONMENT[leg]}
    for attempt in range(1, _TRIES + 1):
        started, engine = time.monotonic(), engine_process()
        done = _run_within([*command, *order], environment, limit)
        print("\n".join(done.stdout.splitlines()[-_TAIL:]))
        print(f"run_mutant: exit {done.returncode} after {time.monotonic() - started:.0f} s")
        if done.returncode == 0 or engine_process() == engine or attempt == _TRIES:
            return done.returncode
        print(f"run_mutant: the engine was restarted during run {attempt}: it says nothing; again")
        _wait_for_engine()
    return 1


def _run_within(
    command: list[str], environment: dict[str, str], limit: float
) -> subprocess.CompletedProcess[str]:
    """The command in a session of its own; past `limit` seconds the whole session (the
    runner and its behave workers) is killed, and the run fails."""
    process = subprocess.Popen(
        command,
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=limit)
        return subprocess.CompletedProcess(command, process.returncode, output)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        try:  # a process the session left behind may hold the pipe: not waited on long
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            output = ""
        output += f"\nrun_mutant: KILLED as hanging: no end in {limit:.0f} s\n"
        return subprocess.CompletedProcess(command, 1, output)


if __name__ == "__main__":
    sys.exit(main())
