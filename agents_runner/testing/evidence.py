"""The evidence report: per scenario, what was asked, what Docker said and what was
persisted, as one self-contained HTML file (no external assets) for auditors.

It opens with the run's metadata, a banner when the run covered only part of the
suite, a search/filter box and a summary; then each scenario, linked to its feature
file and line, with its steps, its tasks (state timeline, stored payload, output)
and Docker's events grouped by the task they belong to. Printing expands every
scenario."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..task import Task, parse_time
from .events import ContainerEvent
from .evidence_assets import CSS, SCRIPT
from .evidence_traceability import section as traceability_section
from .run_info import RunInfo, ScenarioRef

LOG_TAIL_LINES = 15
NOT_RUN = frozenset({"skipped", "untested"})


@dataclass
class StepRecord:
    keyword: str
    text: str
    status: str
    duration: float
    error: str | None = None


@dataclass
class TaskRecord:
    task_id: str
    timeline: list[tuple[str, str, float | None]]  # state, time, seconds since the previous
    payload: dict[str, Any]
    log_tail: str

    @classmethod
    def of(cls, task: Task, log_text: str) -> TaskRecord:
        timeline: list[tuple[str, str, float | None]] = []
        previous = None
        for entry in task.history:
            at = parse_time(entry.at)
            delta = None if previous is None else (at - previous).total_seconds()
            timeline.append((entry.state.value, entry.at, delta))
            previous = at
        tail = "\n".join(log_text.splitlines()[-LOG_TAIL_LINES:])
        return cls(task.id, timeline, task.to_payload(), tail)


@dataclass
class ScenarioRecord:
    feature: str
    name: str
    status: str
    duration: float
    steps: list[StepRecord] = field(default_factory=list)
    tasks: list[TaskRecord] = field(default_factory=list)
    events: list[ContainerEvent] = field(default_factory=list)
    note: str | None = None
    file: str = ""  # the feature file, relative to the repository
    line: int = 0
    tags: list[str] = field(default_factory=list)
    worker: str = ""  # the parallel run's worker that ran it; "" in a run of one behave
    started: float = 0.0  # epoch seconds
    ended: float = 0.0

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file else ""


def not_run(records: Iterable[ScenarioRecord], suite: Iterable[ScenarioRef]) -> list[ScenarioRef]:
    """The suite's scenarios that this run did not run (not selected, skipped, untested)."""
    ran = {(r.file, r.line) for r in records if r.status not in NOT_RUN}
    return [s for s in suite if (s.file, s.line) not in ran]


def events_by_task(
    tasks: list[TaskRecord], events: list[ContainerEvent]
) -> list[tuple[str, list[ContainerEvent]]]:
    """Docker's events grouped under the task whose container they concern (its
    agents-runner.task-id label), in the order of `tasks`, then tasks this scenario's
    store does not hold, then containers without the label."""
    groups: dict[str | None, list[ContainerEvent]] = {}
    for event in sorted(events, key=lambda e: e.time):
        groups.setdefault(event.task_id, []).append(event)
    ordered = [(f"task {t.task_id}", groups.pop(t.task_id, [])) for t in tasks]
    unlabelled = groups.pop(None, [])
    ordered.extend(
        (f"task {task_id} (not in this scenario's store)", found)
        for task_id, found in sorted(groups.items(), key=lambda item: str(item[0]))
    )
    if unlabelled:
        ordered.append(("containers without an agents-runner.task-id label", unlabelled))
    return ordered


def render(
    records: list[ScenarioRecord],
    *,
    run: RunInfo | None = None,
    source_root: str = "",
    title: str = "agents-runner acceptance evidence",
) -> str:
    """The page. `source_root` is prefixed to feature file paths in links (the path from
    the report's folder to the repository)."""
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    totals = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1>",
        f"<p class=meta>Generated {_e(generated)}. {len(records)} scenarios: {_e(totals)}.</p>",
        "<p class=meta>For each scenario: the steps as written in the feature files and how "
        "each went; for each task it ran, its state timeline and final stored payload; the "
        "Docker events of its containers, by task; and the end of each task's output.</p>"
        "</header>",
        _banner(records, run),
        _run(run),
        _filter(counts),
        _summary(records, source_root),
        traceability_section(records),
    ]
    parts.extend(_scenario(index, record, source_root) for index, record in enumerate(records))
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(part for part in parts if part)


def write(records: list[ScenarioRecord], path: Path, run: RunInfo | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    source_root = os.path.relpath(Path.cwd(), path.parent.resolve()).replace(os.sep, "/") + "/"
    path.write_text(render(records, run=run, source_root=source_root), encoding="utf-8")


def _banner(records: list[ScenarioRecord], run: RunInfo | None) -> str:
    if run is None or not run.suite:
        return ""
    missing = not_run(records, run.suite)
    if not missing:
        return ""
    ran = len(run.suite) - len(missing)
    items = "".join(f"<li>{_e(s.file)}:{s.line} {_e(s.name)}</li>" for s in missing)
    return (
        f"<div class=banner role=alert><b>Partial run: {ran} of the suite's {len(run.suite)} "
        f"scenarios ran; {len(missing)} did not</b> (a tag filter, a subset of the feature "
        "files, skipped or stopped scenarios), so this report is no evidence for them."
        f"<details><summary>Not run</summary><ul>{items}</ul></details></div>"
    )


def _run(run: RunInfo | None) -> str:
    if run is None:
        return ""
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in run.rows())
    return f"<section><h2>Run</h2><table class=run><tbody>{rows}</tbody></table></section>"


def _filter(counts: dict[str, int]) -> str:
    options = "".join(
        f'<option value="{_e(status)}">{_e(status)} ({n})</option>'
        for status, n in sorted(counts.items())
    )
    return (
        '<div class=filter><input id=filter-text type=search placeholder="Filter scenarios: '
        'name, feature, file, tag, task id, step text" aria-label="Filter scenarios">'
        '<select id=filter-status aria-label="Status"><option value="">every status</option>'
        f"{options}</select><span id=filter-shown class=meta></span></div>"
    )


def _summary(records: list[ScenarioRecord], source_root: str) -> str:
    rows = "".join(
        f'<tr class="{_e(r.status)}" {_searchable(r)}><td>{_e(r.feature)}</td>'
        f'<td><a href="#s{i}">{_e(r.name)}</a></td><td>{_source_link(r, source_root)}</td>'
        f'<td><span class="badge {_e(r.status)}">{_e(r.status)}</span></td>'
        f"<td class=num>{r.duration:.2f} s</td><td>{_e(_when(r))}</td></tr>"
        for i, r in enumerate(records)
    )
    return (
        "<section><h2>Summary</h2><table class=summary><thead><tr><th>Feature</th>"
        "<th>Scenario</th><th>Feature file</th><th>Status</th><th>Duration</th>"
        f"<th>Ran (UTC)</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _when(record: ScenarioRecord) -> str:
    """When the scenario ran, and on which worker of a parallel run."""
    if not record.started:
        return ""
    span = " to ".join(
        datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S") for t in (record.started, record.ended)
    )
    return f"{span} on {record.worker}" if record.worker else span


def _scenario(index: int, record: ScenarioRecord, source_root: str) -> str:
    opened = " open" if record.status != "passed" else ""
    body = [_steps(record.steps)]
    if record.note:
        body.append(f"<p class=note>{_e(record.note)}</p>")
    grouped = dict(events_by_task(record.tasks, record.events))
    for task in record.tasks:
        body.append(_task(task, grouped.pop(f"task {task.task_id}", [])))
    body.append(_other_events(grouped))
    tags = " ".join(f"@{t}" for t in record.tags)
    return (
        f'<section class=scenario id="s{index}" {_searchable(record)}><details{opened}>'
        f'<summary><span class="badge {_e(record.status)}">{_e(record.status)}</span> '
        f"<b>{_e(record.name)}</b> <span class=meta>{_e(record.feature)} · "
        f"{_source_link(record, source_root)} · {record.duration:.2f} s · "
        f"{len(record.tasks)} task(s) · {len(record.events)} Docker event(s)"
        f"{' · ' + _e(_when(record)) if record.started else ''}"
        f"{' · ' + _e(tags) if tags else ''}</span></summary>{''.join(body)}</details></section>"
    )


def _searchable(record: ScenarioRecord) -> str:
    words = [
        record.feature,
        record.name,
        record.status,
        record.location,
        *(f"@{t}" for t in record.tags),
        *(t.task_id for t in record.tasks),
        *(f"{s.keyword} {s.text}" for s in record.steps),
    ]
    text = " ".join(words).lower()
    return f'data-search="{_e(text)}" data-status="{_e(record.status)}"'


def _source_link(record: ScenarioRecord, source_root: str) -> str:
    if not record.file:
        return ""
    return f'<a href="{_e(source_root + record.file)}">{_e(record.location)}</a>'


def _steps(steps: list[StepRecord]) -> str:
    items = []
    for step in steps:
        error = f"<pre class=error>{_e(step.error)}</pre>" if step.error else ""
        items.append(
            f'<li class="{_e(step.status)}"><span class="badge {_e(step.status)}">'
            f"{_e(step.status)}</span> <b>{_e(step.keyword)}</b> {_e(step.text)} "
            f"<span class=meta>{step.duration:.3f} s</span>{error}</li>"
        )
    return f"<h3>Steps</h3><ol class=steps>{''.join(items)}</ol>"


def _task(task: TaskRecord, events: list[ContainerEvent]) -> str:
    rows = "".join(
        f"<tr><td><span class=state>{_e(state)}</span></td><td>{_e(at)}</td>"
        f"<td class=num>{'' if delta is None else f'+{delta:.3f} s'}</td></tr>"
        for state, at, delta in task.timeline
    )
    payload = json.dumps(task.payload, indent=2, sort_keys=True)
    log_tail = task.log_tail or "(no output)"
    return (
        f"<h3>Task <code>{_e(task.task_id)}</code></h3><div class=grid><div>"
        "<h4>State timeline</h4><table class=timeline><thead><tr><th>State</th><th>At (UTC)"
        f"</th><th>Since previous</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<h4>Docker events of its container</h4>{_event_table(events)}"
        f"<h4>Output (last {LOG_TAIL_LINES} lines)</h4><pre class=log>{_e(log_tail)}</pre></div>"
        f"<div><h4>Stored payload</h4><pre class=payload>{_e(payload)}</pre></div></div>"
    )


def _other_events(groups: dict[str, list[ContainerEvent]]) -> str:
    return "".join(
        f"<h3>Docker events: {_e(label)}</h3>{_event_table(events)}"
        for label, events in groups.items()
        if events
    )


def _event_table(events: list[ContainerEvent]) -> str:
    if not events:
        return "<p class=meta>No container events.</p>"
    rows = "".join(
        f"<tr><td>{_e(datetime.fromtimestamp(e.time, UTC).strftime('%H:%M:%S.%f')[:-3])}</td>"
        f"<td><code>{_e(e.container_id[:12])}</code></td><td>{_e(e.action)}</td>"
        f"<td class=num>{'' if e.signal is None else e.signal}</td>"
        f"<td class=num>{'' if e.exit_code is None else e.exit_code}</td></tr>"
        for e in sorted(events, key=lambda e: e.time)
    )
    return (
        "<table class=events><thead><tr><th>Time (UTC)</th><th>Container</th><th>Action</th>"
        f"<th>Signal</th><th>Exit code</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
