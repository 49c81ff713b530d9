"""Allure results for teams whose dashboards read them: allure-behave's formatter,
with each scenario's evidence (state timeline, payload, Docker events, log tail)
attached to its test result.

Off by default. `AGENTS_RUNNER_ALLURE=reports/allure uv run behave` turns it on:
`enable_from_environment` (called in before_all) adds allure-behave's formatter to
the run, as `-f allure_behave.formatter:AllureFormatter -o reports/allure` would.
`attach` (called in after_scenario) attaches the evidence whenever an Allure
formatter is active, however it was enabled; without one it does nothing.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .events import ContainerEvent
from .evidence import ScenarioRecord, TaskRecord, events_by_task

ALLURE_VARIABLE = "AGENTS_RUNNER_ALLURE"
FORMATTER = "allure_behave.formatter:AllureFormatter"
_RESULT_FILES = ("*-result.json", "*-container.json", "*-attachment.*")


def enable_from_environment(context: Any) -> Path | None:
    """Add allure-behave's formatter to this run when $AGENTS_RUNNER_ALLURE names a
    folder (its results of an earlier run are removed first). Returns the folder."""
    folder = os.environ.get(ALLURE_VARIABLE, "").strip()
    if not folder:
        return None
    from allure_behave.formatter import AllureFormatter
    from behave.formatter.base import StreamOpener

    # behave has made its formatters before before_all runs; the runner reports each
    # feature to every formatter in this list, so one added now sees the whole run.
    formatters = context._runner.formatters
    if any(isinstance(f, AllureFormatter) for f in formatters):
        return Path(folder)  # -f allure_behave.formatter:AllureFormatter was given too
    clear_results(Path(folder))
    formatters.append(AllureFormatter(StreamOpener(filename=folder), context.config))
    return Path(folder)


def clear_results(folder: Path) -> None:
    """Remove the Allure result files an earlier run left in `folder`."""
    for pattern in _RESULT_FILES:
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)


def attach(record: ScenarioRecord) -> None:
    """Attach the scenario's evidence to its Allure test result (a no-op when no Allure
    formatter is active, or allure-behave is not installed)."""
    try:
        import allure
        import allure_commons
    except ImportError:
        return
    if not allure_commons.plugin_manager.get_plugins():
        return
    text, as_json = allure.attachment_type.TEXT, allure.attachment_type.JSON
    groups = dict(events_by_task(record.tasks, record.events))
    for task in record.tasks:
        name = f"task {task.task_id}"
        allure.attach(timeline_text(task), name=f"{name}: state timeline", attachment_type=text)
        allure.attach(
            json.dumps(task.payload, indent=2, sort_keys=True),
            name=f"{name}: stored payload",
            attachment_type=as_json,
        )
        allure.attach(
            events_text(groups.pop(name, [])), name=f"{name}: Docker events", attachment_type=text
        )
        log_tail = task.log_tail or "(no output)"
        allure.attach(log_tail, name=f"{name}: log tail", attachment_type=text)
    for label, events in groups.items():
        if events:
            allure.attach(events_text(events), name=f"Docker events: {label}", attachment_type=text)


def timeline_text(task: TaskRecord) -> str:
    return "\n".join(
        f"{state:<10} {at}" + ("" if delta is None else f"  +{delta:.3f} s")
        for state, at, delta in task.timeline
    )


def events_text(events: list[ContainerEvent]) -> str:
    if not events:
        return "(no container events)"
    return "\n".join(
        f"{datetime.fromtimestamp(event.time, UTC).isoformat(timespec='milliseconds')} "
        f"{event.container_id[:12]} {event.describe()}"
        for event in sorted(events, key=lambda e: e.time)
    )
