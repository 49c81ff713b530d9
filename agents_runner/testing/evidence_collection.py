"""Gathers the evidence from behave's model, the scenario's harness and the engine."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from .evidence import ScenarioRecord, StepRecord, TaskRecord
from .harness import ScenarioHarness
from .parallel.worker_env import WORKER_VARIABLE
from .run_info import (
    RunInfo,
    command_line,
    engine_facts,
    git_commit,
    host_os,
    image_digest,
    now,
    suite_scenarios,
)

REPOSITORY = Path(__file__).resolve().parents[2]
_LATE_ERRORS = {"hook_error", "cleanup_error"}  # after_scenario raised; a context.add_cleanup did


def collect_evidence(
    scenario: Any,
    harness: ScenarioHarness | None,
    note: str | None = None,
    started: float = 0.0,
) -> ScenarioRecord:
    """Read before the harness cleans up: the tasks, their logs and Docker's events.
    `started` is when the scenario began (epoch seconds); it ends now."""
    steps = [
        StepRecord(
            keyword=step.keyword,
            text=step.name,
            status=step.status.name,
            duration=step.duration or 0.0,
            error=step.error_message,
        )
        for step in scenario.all_steps
    ]
    record = ScenarioRecord(
        feature=scenario.feature.name,
        name=(scenario.name or "").strip(),
        status=scenario.status.name,
        duration=scenario.duration or 0.0,
        steps=steps,
        note=note,
        file=str(scenario.filename),
        line=int(scenario.line),
        tags=sorted(str(tag) for tag in scenario.effective_tags),
        worker=os.environ.get(WORKER_VARIABLE, ""),
        started=started,
        ended=time.time() if started else 0.0,
    )
    if harness is not None:
        store = harness.runner().store
        record.tasks = [TaskRecord.of(task, harness.log_text(task.id)) for task in store.list()]
        record.events = harness.all_events()
    return record


def settle_late_errors(pairs: list[tuple[ScenarioRecord, Any]]) -> None:
    """A record is taken before the scenario's own clean-up; where that clean-up or a
    later hook then failed, behave's status says so, and the record must too."""
    for record, scenario in pairs:
        if scenario.status.name in _LATE_ERRORS and record.status == "passed":
            record.status = "hook_error"
            record.note = "a clean-up after the scenario failed: behave's output names it"


def describe_run(context: Any, features_dir: Path | None = None) -> RunInfo:
    """The run's metadata from behave's context (run_id, engine, image) and the
    repository; what cannot be found is reported as unknown, never raised."""
    engine = getattr(context, "engine", None)
    image = str(getattr(context, "image", "") or "")
    if engine is not None:
        engine_name, api_version, engine_os = engine_facts(engine.api)
        digest = image_digest(engine.api, image)
    else:
        problem = getattr(context, "engine_problem", None) or "no engine"
        engine_name = api_version = engine_os = digest = f"unknown ({problem})"
    try:
        suite = suite_scenarios(features_dir or REPOSITORY / "features", Path.cwd())
    except Exception:  # a feature file behave cannot parse fails the run elsewhere
        suite = []
    return RunInfo(
        run_id=str(getattr(context, "run_id", "?")),
        date=now(),
        commit=git_commit(REPOSITORY),
        command=command_line(sys.argv),
        host_os=host_os(),
        engine=engine_name,
        api_version=api_version,
        engine_os=engine_os,
        image=image,
        image_digest=digest,
        suite=suite,
    )
