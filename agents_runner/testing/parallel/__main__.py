"""uv run python -m agents_runner.testing.parallel [--workers N] [--tags EXPR] [PATH...]"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import time
from pathlib import Path

from . import allure_parts
from .merge import merge_evidence, merge_junit, write_durations
from .parts import PART_FILE
from .plan import UNKNOWN_SECONDS, Plan, PlanError, estimates, make_plan, select
from .workers import Worker, run_all

REPOSITORY = Path(__file__).resolve().parents[3]
COMMITTED_DURATIONS = REPOSITORY / "features" / "durations.json"
DEFAULT_WORKERS = 4
_BAD = ("failed", "error", "hook_error", "untested")


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    started = time.monotonic()
    junit = Path(options.junit_directory)
    parts_root = Path("reports") / "parallel" / junit.name
    shutil.rmtree(parts_root, ignore_errors=True)
    try:
        selected = select(options.paths, options.tags)
    except PlanError as exc:
        print(f"error: behave could not list the scenarios: {exc}", file=sys.stderr)
        return 2
    known = estimates(
        parts_root.parent / f"durations-{junit.name}.json",
        COMMITTED_DURATIONS.with_name(f"durations-{junit.name}.json"),  # Podman's, the Swarm's
        COMMITTED_DURATIONS,
    )
    order = options.paths if options.stop else None
    plan = make_plan(selected, options.workers, known, order=order)
    workers = _workers(plan, parts_root)
    phases = [
        [w for w in workers if w.name not in plan.serial_groups],
        [w for w in workers if w.name in plan.serial_groups],
    ]
    codes: list[int] = []
    for phase in phases:
        if options.stop and any(codes):
            break  # the first failure ends the run
        for worker in phase:
            print(_share(worker))
        codes += run_all(phase, stop=options.stop)
        for worker in phase:
            print(f"{worker.name}: ended after {worker.ended - worker.started:.0f} s")
    for worker in workers:
        print(f"\n== {worker.name}: {' '.join(s.location for s in worker.scenarios)}")
        print(worker.output.read_text(errors="replace"), end="")
    return _report(plan, workers, codes, junit, started, partial=options.stop)


def _report(
    plan: Plan, workers: list[Worker], codes: list[int], junit: Path, started, partial: bool
) -> int:
    parts_root = workers[0].folder.parent
    merge_junit([(w.junit, {s.location for s in w.scenarios}) for w in workers], junit)
    folders = [w.folder for w in workers if (w.folder / PART_FILE).exists()]
    allure = allure_parts.requested()
    if allure is not None:
        count = allure_parts.merge([w.folder for w in workers], allure)
        print(f"allure results: {count} in {allure}")
    records = []
    if folders:
        command = "python -m agents_runner.testing.parallel " + shlex.join(sys.argv[1:])
        report, records = merge_evidence(folders, command)
        print(f"\nevidence report: {report}")
        if not partial:  # a run stopped early would mislead the next plan
            write_durations(records, parts_root.parent / f"durations-{junit.name}.json")
    status = {r.location: r.status for r in records}
    totals: dict[str, int] = {}
    for scenario in plan.scenarios:
        kind = status.get(scenario.location, "untested")
        totals[kind] = totals.get(kind, 0) + 1
    failing = [s for s in plan.scenarios if status.get(s.location, "untested") in _BAD]
    if partial and any(codes):  # a stopped run: what it did not reach is no news
        failing = [s for s in failing if s.location in status]
    if failing:
        print("\nFailing scenarios:")
        for scenario in failing:
            kind = status.get(scenario.location, "untested")
            print(f"  {scenario.location}  {scenario.name}  ({kind})")
    minutes, seconds = divmod(time.monotonic() - started, 60)
    print(f"\n{len(plan.scenarios)} scenarios in {len(workers)} behave processes")
    counted = [f"{totals.get(kind, 0)} {kind}" for kind in ("passed", "failed", "skipped")]
    counted += [f"{totals[kind]} {kind}" for kind in _BAD[1:] if totals.get(kind)]
    print(counted[0].replace("passed", "scenarios passed") + ", " + ", ".join(counted[1:]))
    print(f"Took {int(minutes)}min {seconds:.1f}s")
    bad = any(codes) or any(totals.get(kind) for kind in _BAD)
    return 1 if bad else 0


def _share(worker: Worker) -> str:
    """What a worker is given, and how many of its scenarios no earlier run timed (their
    durations record is out of date: the plan's shares are then uneven)."""
    estimate = sum(s.estimate for s in worker.scenarios)
    untimed = sum(not s.timed for s in worker.scenarios)
    never = f"; {untimed} never timed, {UNKNOWN_SECONDS:.0f} s each" if untimed else ""
    return f"{worker.name}: {len(worker.scenarios)} scenarios (about {estimate:.0f} s{never})"


def _workers(plan: Plan, parts_root: Path) -> list[Worker]:
    workers = [
        Worker(f"w{index}", share, parts_root / f"w{index}")
        for index, share in enumerate(plan.shares, start=1)
    ]
    for name, group in plan.serial_groups.items():
        if group:
            workers.append(Worker(name, group, parts_root / name))
    return workers


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agents_runner.testing.parallel",
        description="Run the acceptance suite in parallel behave processes, then the "
        "@serial scenarios alone (those on the test Swarm beside the others), and merge "
        "the reports.",
        allow_abbrev=False,
    )
    parser.add_argument("paths", nargs="*", default=["features"], metavar="PATH")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, metavar="N")
    parser.add_argument("--tags", action="append", default=[], metavar="EXPR")
    parser.add_argument("--junit-directory", default="reports/junit", metavar="DIR")
    parser.add_argument(
        "--stop",
        action="store_true",
        help="stop at the first failing scenario, starting the scenarios in the order of the "
        "PATHs (file:line; the cheapest first among the others), as a mutant's run does",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
