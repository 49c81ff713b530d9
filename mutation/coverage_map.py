"""Combine the coverage data of a map run into the map: each line of agents_runner/ -> the
scenarios that ran it.

Every process of the run left its own data file in DATA_DIR, its lines recorded under the
location of the scenario that started it (or, in the behave processes, of the scenario
running): see mutation/coverage.rc. The map keeps, for each file (relative to the
repository) and line, indices into its list of scenarios; -1 stands for lines run
outside any scenario (imports before the first one, the behave hooks before_all and
after_all). Each scenario comes with its estimated seconds (features/durations.json),
so a mutant's run can start with the cheapest. DATA_DIR is Docker's run; each
`--leg NAME=DIR` adds another leg's (Podman's, the Swarm backend's), its scenarios named
`NAME@location` (mutation/covering.py).

Usage: python mutation/coverage_map.py DATA_DIR MAP.json [--tags EXPR ...] [--leg NAME=DIR ...]
       python mutation/coverage_map.py --current MAP.json [--leg NAME=DIR ...]
           # exit 0 if made of this code, with these legs
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import coverage
from covering import leg_of, on_leg

from agents_runner.testing.parallel.plan import duration_key, estimates, select

REPOSITORY = Path(__file__).resolve().parent.parent
OUTSIDE = -1
# What the map depends on: the code and the scenarios (a commit that changes only docs
# leaves the map good).
SUITE_PATHS = ("agents_runner", "features", "steps", "environment.py")


def suite_tree() -> str:
    trees = subprocess.run(
        ["git", "rev-parse", *(f"HEAD:{path}" for path in SUITE_PATHS)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return hashlib.sha1(trees.encode()).hexdigest()


def _scenario(context: str) -> str:
    """A process started by a scenario and switching contexts itself would record
    "static|dynamic": the dynamic part is the scenario."""
    return context.rpartition("|")[2]


def combine(data_dir: Path) -> coverage.CoverageData:
    measured = coverage.Coverage(data_file=str(data_dir / ".coverage"), config_file=False)
    measured.combine([str(data_dir)])
    return measured.get_data()


def _named(leg: str, context: str) -> str:
    scenario = _scenario(context)
    return on_leg(leg, scenario) if scenario else ""


def build(legs: dict[str, coverage.CoverageData], seconds: dict[str, float]) -> dict:
    files: dict[str, dict[str, set[str]]] = {}
    for leg, data in legs.items():
        for measured in sorted(data.measured_files()):
            path = Path(measured).resolve()
            if not path.is_relative_to(REPOSITORY):
                continue  # a copy of the package elsewhere (none is measured today)
            by_line = data.contexts_by_lineno(measured)
            lines = files.setdefault(str(path.relative_to(REPOSITORY)), {})
            for number, contexts in by_line.items():
                lines.setdefault(str(number), set()).update(_named(leg, c) for c in contexts)
    names = sorted({c for lines in files.values() for cs in lines.values() for c in cs if c})
    index = {name: i for i, name in enumerate(names)}
    index[""] = OUTSIDE
    return {
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "tree": suite_tree(),
        "legs": sorted(legs),
        "made": f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}",
        "scenarios": names,
        "seconds": [seconds.get(leg_of(name)[1], 5.0) for name in names],
        "files": {
            path: {number: sorted(index[c] for c in cs) for number, cs in lines.items()}
            for path, lines in files.items()
        },
    }


def scenario_seconds(tags: list[str]) -> dict[str, float]:
    """Each scenario's estimated seconds by its location, as the parallel runner plans."""
    known = estimates(REPOSITORY / "features" / "durations.json")
    return {
        location: known.get(duration_key(location, name), 5.0)
        for location, name, _ in select(["features"], tags)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path, nargs="?")
    parser.add_argument("map", type=Path)
    parser.add_argument("--tags", action="append", default=[])
    parser.add_argument("--current", action="store_true")
    parser.add_argument("--leg", action="append", default=[], metavar="NAME=DIR")
    args = parser.parse_args()
    others = dict(leg.split("=", 1) for leg in args.leg)
    if args.current:
        try:
            made = json.loads(args.map.read_text())
        except (OSError, ValueError):
            made = {}
        wanted = sorted({"docker", *others})
        sys.exit(0 if (made.get("tree"), made.get("legs")) == (suite_tree(), wanted) else 1)
    data = {"docker": combine(args.data_dir)}
    data.update({leg: combine(Path(folder)) for leg, folder in others.items()})
    built = build(data, scenario_seconds(args.tags))
    args.map.parent.mkdir(parents=True, exist_ok=True)
    args.map.write_text(json.dumps(built, separators=(",", ":")) + "\n")
    lines = sum(len(lines) for lines in built["files"].values())
    print(
        f"coverage map: {len(built['scenarios'])} scenarios, {len(built['files'])} files, "
        f"{lines} lines run -> {args.map}"
    )


if __name__ == "__main__":
    main()
