"""The unit tests' map: each line of agents_runner/ -> the test files (tests/*.py) that ran
it, in the coverage map's form (mutation/coverage_map.py), so that mutation/covering.py
selects from it as from the scenarios' map. A mutant first runs the unit tests of its
lines: seconds where a scenario takes a minute.

pytest runs once, in this process's venv, under coverage.py, each test's lines (its
fixtures' too) measured under its node id (mutation/unit_contexts.py). Only the pytest
process itself is measured.

Usage: python mutation/unit_map.py MAP.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import coverage
from coverage_map import OUTSIDE, REPOSITORY, suite_tree


def test_file(context: str) -> str:
    """A test's node id ('tests/test_store.py::test_clean[x]') -> 'tests/test_store.py';
    "" for a context that names no test file (the lines run at collection)."""
    path = context.partition("::")[0]
    return path if path.startswith("tests/") and (REPOSITORY / path).is_file() else ""


def measure(data_dir: Path) -> coverage.CoverageData:
    plugins = os.pathsep.join(
        filter(None, [str(REPOSITORY / "mutation"), os.environ.get("PYTHONPATH")])
    )
    env = dict(os.environ, AGENTS_RUNNER_COVERAGE=str(data_dir), PYTHONPATH=plugins)
    rc = REPOSITORY / "mutation" / "unit.rc"
    command = [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}"]
    command += ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "unit_contexts"]
    done = subprocess.run(command, cwd=REPOSITORY, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"unit map: the unit tests failed unmutated:\n{done.stdout[-3000:]}")
    data = coverage.CoverageData(basename=str(data_dir / ".coverage"))
    data.read()
    return data


def build(data: coverage.CoverageData, seconds: float) -> dict:
    files: dict[str, dict[str, set[str]]] = {}
    for measured in sorted(data.measured_files()):
        path = Path(measured).resolve()
        if not path.is_relative_to(REPOSITORY):
            continue
        lines = files.setdefault(str(path.relative_to(REPOSITORY)), {})
        for number, contexts in data.contexts_by_lineno(measured).items():
            lines.setdefault(str(number), set()).update(test_file(c) for c in contexts)
    names = sorted({c for lines in files.values() for cs in lines.values() for c in cs if c})
    index = {name: i for i, name in enumerate(names)}
    index[""] = OUTSIDE
    return {
        "tree": suite_tree(),
        "scenarios": names,  # test files, named so for mutation/covering.py
        "seconds": [seconds] * len(names),
        "files": {
            path: {number: sorted(index[c] for c in cs) for number, cs in lines.items()}
            for path, lines in files.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("map", type=Path)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutation-unit-map-") as data_dir:
        data = measure(Path(data_dir))
        built = build(data, seconds=1.0)
    args.map.parent.mkdir(parents=True, exist_ok=True)
    args.map.write_text(json.dumps(built, separators=(",", ":")) + "\n")
    print(
        f"unit map: {len(built['scenarios'])} test files, {len(built['files'])} files "
        f"({time.monotonic() - started:.0f} s) -> {args.map}"
    )


if __name__ == "__main__":
    main()
