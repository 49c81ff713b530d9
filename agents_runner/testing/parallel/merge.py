"""One report of a parallel run from its workers' parts: the JUnit files by feature,
the evidence report and the scenarios' durations (the next run's estimates)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

from ..evidence import ScenarioRecord
from ..evidence import write as write_evidence
from ..junit import REPORT_GLOB, clear_stale
from ..run_info import RunInfo
from . import parts
from .plan import duration_key

_COUNTED = {"errors": "error", "failures": "failure", "skipped": "skipped"}


def merge_junit(shares: list[tuple[Path, set[str]]], target: Path) -> list[Path]:
    """One file per feature in `target`, each holding that feature's testcases from
    every worker, in the feature file's order; returns the files written. Each share is
    a worker's JUnit folder and the locations it was given: behave reports the feature's
    other scenarios as skipped, and those are left out."""
    by_name: dict[str, list[ElementTree.Element]] = defaultdict(list)
    for folder, locations in shares:
        for path in sorted(folder.glob(REPORT_GLOB)):
            suite = ElementTree.parse(path).getroot()
            for case in list(suite.iter("testcase")):
                if f"{case.get('file')}:{case.get('line')}" not in locations:
                    suite.remove(case)
            by_name[path.name].append(suite)
    target.mkdir(parents=True, exist_ok=True)
    clear_stale(target)
    written = []
    for name, suites in sorted(by_name.items()):
        if not any(suite.find("testcase") is not None for suite in suites):
            continue
        merged = ElementTree.Element("testsuite", dict(suites[0].attrib))
        cases = [case for suite in suites for case in suite.iter("testcase")]
        cases.sort(key=lambda case: int(case.get("line") or 0))
        merged.extend(cases)
        merged.set("tests", str(len(cases)))
        for attribute, child in _COUNTED.items():
            merged.set(attribute, str(sum(1 for c in cases if c.find(child) is not None)))
        merged.set("time", f"{sum(float(c.get('time') or 0) for c in cases):.6f}")
        merged.set("timestamp", min(s.get("timestamp", "") for s in suites))
        ElementTree.ElementTree(merged).write(target / name, encoding="UTF-8", xml_declaration=True)
        written.append(target / name)
    return written


def merge_evidence(part_folders: list[Path], command: str) -> tuple[Path, list[ScenarioRecord]]:
    """Write the whole run's evidence report where a single run would have; returns
    its path and every scenario's record, in the feature files' order."""
    records: list[ScenarioRecord] = []
    runs: list[RunInfo] = []
    report = None
    for folder in part_folders:
        found, run, report = parts.load(folder)
        records.extend(found)
        runs.append(run)
    if report is None:
        raise ValueError("no worker left its evidence")
    records.sort(key=lambda r: (r.file, r.line))
    first = min(runs, key=lambda run: run.date)
    run = replace(
        first,
        run_id=", ".join(r.run_id for r in runs),
        command=f"{command} ({len(runs)} behave processes)",
    )
    write_evidence(records, report, run=run)
    return report, records


def write_durations(records: list[ScenarioRecord], path: Path) -> None:
    """Seconds each scenario took, by its duration_key, for the next run's plan."""
    durations = {
        duration_key(r.location, r.name): round(r.duration, 2)
        for r in records
        if r.status == "passed"
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(durations, indent=1, sort_keys=True) + "\n")
