"""The evidence report: per scenario, what was asked, what Docker said and what was
persisted, as one self-contained HTML file (no external assets) for auditors."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..task import Task, parse_time
from .events import ContainerEvent

LOG_TAIL_LINES = 15


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


def render(
    records: list[ScenarioRecord], *, title: str = "agents-runner acceptance evidence"
) -> str:
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    totals = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1>",
        f"<p class=meta>Generated {_e(generated)}. {len(records)} scenarios: {_e(totals)}.</p>",
        "<p class=meta>For each scenario: the steps as written in the feature files and how "
        "each went; for each task it ran, its state timeline and final stored payload; the "
        "Docker events of its containers; and the end of each task's output.</p></header>",
        _summary(records),
    ]
    parts.extend(_scenario(index, record) for index, record in enumerate(records))
    parts.append("</body></html>")
    return "\n".join(parts)


def write(records: list[ScenarioRecord], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(records), encoding="utf-8")


def _summary(records: list[ScenarioRecord]) -> str:
    rows = "".join(
        f'<tr class="{_e(r.status)}"><td>{_e(r.feature)}</td>'
        f'<td><a href="#s{i}">{_e(r.name)}</a></td>'
        f'<td><span class="badge {_e(r.status)}">{_e(r.status)}</span></td>'
        f"<td class=num>{r.duration:.2f} s</td></tr>"
        for i, r in enumerate(records)
    )
    return (
        "<section><h2>Summary</h2><table class=summary><thead><tr><th>Feature</th>"
        f"<th>Scenario</th><th>Status</th><th>Duration</th></tr></thead><tbody>{rows}"
        "</tbody></table></section>"
    )


def _scenario(index: int, record: ScenarioRecord) -> str:
    opened = " open" if record.status != "passed" else ""
    body = [_steps(record.steps)]
    if record.note:
        body.append(f"<p class=note>{_e(record.note)}</p>")
    body.extend(_task(task) for task in record.tasks)
    body.append(_events(record.events))
    return (
        f'<section class=scenario id="s{index}"><details{opened}><summary>'
        f'<span class="badge {_e(record.status)}">{_e(record.status)}</span> '
        f"<b>{_e(record.name)}</b> <span class=meta>{_e(record.feature)} · "
        f"{record.duration:.2f} s · {len(record.tasks)} task(s) · {len(record.events)} "
        f"Docker event(s)</span></summary>{''.join(body)}</details></section>"
    )


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


def _task(task: TaskRecord) -> str:
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
        f"<h4>Output (last {LOG_TAIL_LINES} lines)</h4><pre class=log>{_e(log_tail)}</pre></div>"
        f"<div><h4>Stored payload</h4><pre class=payload>{_e(payload)}</pre></div></div>"
    )


def _events(events: list[ContainerEvent]) -> str:
    if not events:
        return "<h3>Docker events</h3><p class=meta>No container events.</p>"
    rows = "".join(
        f"<tr><td>{_e(datetime.fromtimestamp(e.time, UTC).strftime('%H:%M:%S.%f')[:-3])}</td>"
        f"<td><code>{_e(e.container_id[:12])}</code></td><td>{_e(e.action)}</td>"
        f"<td class=num>{'' if e.signal is None else e.signal}</td>"
        f"<td class=num>{'' if e.exit_code is None else e.exit_code}</td></tr>"
        for e in sorted(events, key=lambda e: e.time)
    )
    return (
        "<h3>Docker events</h3><table class=events><thead><tr><th>Time (UTC)</th>"
        "<th>Container</th><th>Action</th><th>Signal</th><th>Exit code</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;
max-width:1200px;padding:24px;color:#1f2328;background:#f6f8fa}
header h1{margin:0 0 4px;font-size:24px}h2{font-size:18px;margin:24px 0 8px}
h3{font-size:15px;margin:16px 0 6px}h4{font-size:13px;margin:10px 0 4px;color:#57606a}
.meta{color:#57606a;font-size:12px}section{margin-bottom:10px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eaeef2}td.num{text-align:right;font-variant-numeric:tabular-nums}
.scenario>details{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}
summary{cursor:pointer}pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;
padding:8px;overflow:auto;max-height:320px;font-size:12px;white-space:pre-wrap;word-break:break-all}
pre.error{background:#fff1f0;border-color:#ffa198;color:#82071e}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
@media (max-width:900px){.grid{grid-template-columns:1fr}}
ol.steps{padding-left:20px;margin:0}ol.steps li{margin:2px 0}
.badge{display:inline-block;min-width:56px;text-align:center;border-radius:10px;padding:0 8px;
font-size:11px;font-weight:600;text-transform:uppercase;background:#eaeef2;color:#57606a}
.badge.passed{background:#dafbe1;color:#116329}.badge.failed,.badge.error,.badge.hook_error
{background:#ffebe9;color:#82071e}.badge.skipped,.badge.untested{background:#fff8c5;color:#7d4e00}
.state{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
tr.failed td,tr.error td,tr.hook_error td{background:#fff5f5}
"""
