"""Which scenario runs now, for the coverage map of the mutation run.

before_scenario names the scenario by its location (features/x.feature:12) in
AGENTS_RUNNER_SCENARIO, which every process the scenario starts inherits (the command
line, the detached supervisors and watchdogs it starts, a TaskRunner in a process of its
own): under `scripts/mutation.sh map` each of them records its coverage under that name
(mutation/coverage.rc). In the behave process itself, when coverage.py measures it,
the name becomes coverage's dynamic context. Nothing here costs anything otherwise."""

from __future__ import annotations

import contextlib
import os
import sys

SCENARIO_VARIABLE = "AGENTS_RUNNER_SCENARIO"


def enter(location: str) -> None:
    os.environ[SCENARIO_VARIABLE] = location
    _switch(location)


def leave() -> None:
    os.environ.pop(SCENARIO_VARIABLE, None)
    _switch("")


def _switch(context: str) -> None:
    coverage = sys.modules.get("coverage")  # only where the mutation run started it
    current = coverage.Coverage.current() if coverage is not None else None
    if current is not None:
        with contextlib.suppress(Exception):  # not started, or stopped at exit
            current.switch_context(context)
