"""Gathers one scenario's evidence from behave's model and the scenario's harness."""

from __future__ import annotations

from typing import Any

from .evidence import ScenarioRecord, StepRecord, TaskRecord
from .harness import ScenarioHarness


def collect_evidence(
    scenario: Any, harness: ScenarioHarness | None, note: str | None = None
) -> ScenarioRecord:
    """Read before the harness cleans up: the tasks, their logs and Docker's events."""
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
        name=scenario.name,
        status=scenario.status.name,
        duration=scenario.duration or 0.0,
        steps=steps,
        note=note,
    )
    if harness is not None:
        store = harness.runner().store
        record.tasks = [TaskRecord.of(task, harness.log_text(task.id)) for task in store.list()]
        record.events = harness.all_events()
    return record
