"""Summarise a finished cosmic-ray session: the score, and every survivor with its diff.

Usage: python mutation/report.py SESSION.sqlite --seed S
"""

import argparse
import re
import subprocess
from datetime import UTC, datetime

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome

# mutation/run_mutant.py's words: a survivor no scenario ran, and each run's time
NOT_COVERED = "NOT_COVERED"
UNIT_KILL = "unit tests: KILLED by"
_TOOK = re.compile(r"^run_mutant: exit -?\d+ after (\d+) s$", re.MULTILINE)
_KILLED_ON = re.compile(r"^run_mutant: KILLED on the (\w+) leg$", re.MULTILINE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("session")
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args()
    counts = {"killed": 0, "timed out": 0, "survived": 0, "incompetent": 0}
    not_covered = 0
    by_unit_tests = 0
    by_leg: dict[str, int] = {}
    seconds: list[int] = []
    survivors = []
    with use_db(args.session, WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            seconds += [int(found) for found in _TOOK.findall(result.output or "")]
            if result.test_outcome == TestOutcome.SURVIVED:
                counts["survived"] += 1
                not_covered += NOT_COVERED in (result.output or "")
                survivors.append((item, result))
            elif result.test_outcome == TestOutcome.INCOMPETENT:
                counts["incompetent"] += 1
            elif result.output == "timeout":
                counts["timed out"] += 1
            else:
                counts["killed"] += 1
                by_unit_tests += UNIT_KILL in (result.output or "")
                for leg in _KILLED_ON.findall(result.output or ""):
                    by_leg[leg] = by_leg.get(leg, 0) + 1
        pending = db.num_work_items - db.num_results
    tested = counts["killed"] + counts["timed out"] + counts["survived"]
    score = 100 * (tested - counts["survived"]) / tested if tested else 0.0
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"# Mutation score: {score:.1f}% killed ({tested - counts['survived']} of {tested})")
    print()
    print(f"- date: {datetime.now(UTC):%Y-%m-%d}, commit {commit}, seed {args.seed}")
    print("- " + ", ".join(f"{name}: {number}" for name, number in counts.items()))
    print(f"- killed by the unit tests of their lines: {by_unit_tests}; the rest by scenarios")
    if by_leg:
        legs = ", ".join(f"{leg}: {number}" for leg, number in sorted(by_leg.items()))
        print(f"- the scenario kills by leg (docker, then the Swarm backend, then Podman): {legs}")
    if not_covered:
        print(f"- of the survivors, {not_covered} ran no scenario: none of the map ran their lines")
    if seconds:
        print(
            f"- scenario runs: {len(seconds)}, {sum(seconds)} s in all, "
            f"{sum(seconds) / len(seconds):.0f} s on average, the longest {max(seconds)} s"
        )
    if pending:
        print(f"- NOT FINISHED: {pending} mutants still pending")
    for item, result in survivors:
        (mutation,) = item.mutations
        print()
        print(f"## Survivor {item.job_id}")
        print(f"{mutation.module_path} {mutation.operator_name} occurrence {mutation.occurrence}")
        if NOT_COVERED in (result.output or ""):
            print("(no scenario of the map ran its lines)")
        print("```diff")
        print(result.diff)
        print("```")


if __name__ == "__main__":
    main()
