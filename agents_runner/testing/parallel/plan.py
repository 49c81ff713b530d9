"""Which scenarios a parallel run runs, and which worker runs which.

The selection is behave's own: a dry run with the user's paths and tag expressions
lists the scenarios it would run, each with its location (an outline's row has its
own). Scenarios tagged @serial run after the others, one at a time; those on the test
Swarm (which SIGKILL its nodes' engines, not the engine under test) one at a time beside
the others of them. The rest are
spread over the workers longest first (LPT), by how long each took in earlier runs.
A run that stops at its first failure (a mutant's) starts them in the order given."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SERIAL_TAG = "serial"
SWARM_CLUSTER_TAG = "swarm-cluster"
# A scenario no earlier run has timed: about the suite's median.
UNKNOWN_SECONDS = 5.0


class PlanError(Exception):
    """behave could not list the scenarios (a bad path or tag expression)."""


@dataclass(frozen=True)
class PlannedScenario:
    location: str  # features/x.feature:12
    name: str
    tags: frozenset[str]
    estimate: float  # seconds
    timed: bool = True  # False: no earlier run timed it, and its estimate is UNKNOWN_SECONDS

    @property
    def serial(self) -> bool:
        return SERIAL_TAG in self.tags


@dataclass(frozen=True)
class Plan:
    shares: list[list[PlannedScenario]]  # one list per worker, each run by one behave
    serial: list[PlannedScenario]  # run after the shares, in one behave

    @property
    def scenarios(self) -> list[PlannedScenario]:
        return [s for share in self.shares for s in share] + self.serial

    @property
    def serial_groups(self) -> dict[str, list[PlannedScenario]]:
        """The @serial scenarios by the behave process that runs them, after the shares:
        one, the test Swarm's last. Those on the Swarm disturb only its nodes' engines,
        but their hooks use the local engine, which the others restart: side by side,
        a hook met its socket gone."""
        on_swarm = [s for s in self.serial if SWARM_CLUSTER_TAG in s.tags]
        others = [s for s in self.serial if SWARM_CLUSTER_TAG not in s.tags]
        return {"serial": others + on_swarm}


def select(paths: Sequence[str], tags: Sequence[str]) -> list[tuple[str, str, frozenset[str]]]:
    """(location, name, effective tags) of each scenario behave would run."""
    with tempfile.TemporaryDirectory(prefix="agents-runner-plan-") as folder:
        listing = Path(folder) / "dry-run.json"
        command = [sys.executable, "-m", "behave", "--dry-run", "--no-summary", "--no-junit"]
        command += ["--format", "json", "--outfile", str(listing)]
        command += [f"--tags={expression}" for expression in tags]
        command += list(paths)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not listing.exists():
            raise PlanError(done.stderr.strip() or done.stdout.strip() or "behave listed nothing")
        features = json.loads(listing.read_text() or "[]")
    selected = []
    for feature in features:
        feature_tags = set(feature.get("tags") or [])
        for element in feature.get("elements") or []:
            if element.get("type") != "scenario" or element.get("status") == "skipped":
                continue
            tags = frozenset(feature_tags | set(element.get("tags") or []))
            selected.append((element["location"], element["name"], tags))
    return selected


def estimates(*files: Path) -> dict[str, float]:
    """Seconds by duration_key, from the first of `files` that holds a readable record."""
    for path in files:
        try:
            recorded = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(recorded, dict):
            return {str(k): float(v) for k, v in recorded.items() if isinstance(v, int | float)}
    return {}


def duration_key(location: str, name: str) -> str:
    """A scenario's key in the durations record: its file and name, which edits above
    it in the file leave alone (its line moves)."""
    return f"{location.rpartition(':')[0]}: {name.strip()}"


def make_plan(
    selected: Sequence[tuple[str, str, frozenset[str]]],
    workers: int,
    known: dict[str, float],
    *,
    order: Sequence[str] | None = None,
) -> Plan:
    """With `order` (a run that stops at its first failure), the scenarios start in that
    order, each on the worker that frees up first, the cheapest first among those it
    does not name; otherwise the longest first, each worker's in the files' order."""
    scenarios = []
    for location, name, tags in selected:
        seconds = known.get(duration_key(location, name))
        estimate = UNKNOWN_SECONDS if seconds is None else seconds
        scenarios.append(PlannedScenario(location, name, tags, estimate, seconds is not None))
    rank = {location: index for index, location in enumerate(order or [])}
    first = (lambda s: (rank.get(s.location, len(rank)), s.estimate)) if order else None
    parallel = sorted((s for s in scenarios if not s.serial), key=first or (lambda s: -s.estimate))
    shares: list[list[PlannedScenario]] = [[] for _ in range(max(1, workers))]
    loads = [0.0] * len(shares)
    for scenario in parallel:
        lightest = loads.index(min(loads))
        shares[lightest].append(scenario)
        loads[lightest] += scenario.estimate
    for index, share in enumerate(shares):
        share.sort(key=first or _file_order)
        if not order:
            shares[index] = _rotated(share, index, len(shares))
    serial = sorted((s for s in scenarios if s.serial), key=_file_order)
    return Plan([share for share in shares if share], serial)


def _rotated(share: list[PlannedScenario], index: int, workers: int) -> list[PlannedScenario]:
    """The share in the feature files' order, starting `index`/`workers` of the way
    through its files: the long waits (an agent's network timeouts, an engine that does
    not answer) cluster in a few files, and workers that reached them at once would
    leave the cores idle."""
    by_file: dict[str, list[PlannedScenario]] = {}
    for scenario in share:
        by_file.setdefault(scenario.location.rpartition(":")[0], []).append(scenario)
    files = list(by_file)
    at = index * len(files) // workers
    return [s for file in files[at:] + files[:at] for s in by_file[file]]


def _file_order(scenario: PlannedScenario) -> tuple[str, int]:
    file, _, line = scenario.location.rpartition(":")
    return file, int(line) if line.isdigit() else 0
