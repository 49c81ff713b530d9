"""A worker's evidence, left as JSON for the parallel run to merge into one report."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..events import ContainerEvent
from ..evidence import ScenarioRecord, StepRecord, TaskRecord
from ..run_info import RunInfo, ScenarioRef

PART_FILE = "evidence.json"


def dump(records: list[ScenarioRecord], run: RunInfo, report: Path, folder: Path) -> Path:
    """Write the worker's records, its run's metadata and where the whole report goes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PART_FILE
    document = {
        "report": str(report),
        "run": asdict(run),
        "records": [asdict(record) for record in records],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def load(folder: Path) -> tuple[list[ScenarioRecord], RunInfo, Path]:
    document = json.loads((folder / PART_FILE).read_text(encoding="utf-8"))
    run = dict(document["run"])
    run["suite"] = [ScenarioRef(**ref) for ref in run.get("suite", [])]
    records = [_record(raw) for raw in document["records"]]
    return records, RunInfo(**run), Path(document["report"])


def _record(raw: dict[str, Any]) -> ScenarioRecord:
    fields = dict(raw)
    fields["steps"] = [StepRecord(**step) for step in raw.get("steps", [])]
    fields["tasks"] = [
        TaskRecord(
            task_id=task["task_id"],
            timeline=[tuple(entry) for entry in task["timeline"]],
            payload=task["payload"],
            log_tail=task["log_tail"],
        )
        for task in raw.get("tasks", [])
    ]
    fields["events"] = [ContainerEvent(**event) for event in raw.get("events", [])]
    return ScenarioRecord(**fields)
