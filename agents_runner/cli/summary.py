"""`show`'s summary of a task for a person, as `kubectl describe` or `nomad alloc status`
give one: a field a line, then the states it passed through. Read from the stored
payload alone (`show --json` prints that payload)."""

from __future__ import annotations

import shlex

from ..task import Task

_WIDTH = 12  # "Exit code:  " and the like: the values start in one column
_COMMAND_CUT = 500  # a prompt can be 100 kB; the summary shows its start
_SIZES = (("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10))


def describe(task: Task, queue: dict | None = None) -> str:
    """The summary; `queue` is show's queue entry (place, pool, waiting) while queued."""
    spec = task.spec_payload()
    at = {entry.state.value: entry.at for entry in task.history}
    fields = [
        ("Task", task.id),
        ("State", task.state.value),
        ("Exit code", "-" if task.exit_code is None else str(task.exit_code)),
        ("Reason", task.error or "-"),
        ("Image", spec["image"]),
        ("Agent", spec["agent"] or "-"),
        ("Command", _cut(shlex.join(spec.get("argv") or spec.get("command") or []))),
        ("Workspace", spec["workspace"] or "-"),
        ("Container", (task.container_id or "-")[:12]),
        ("Created", task.created_at),
        ("Started", at.get("running", "-")),
        ("Ended", at.get(task.state.value, "-") if task.is_terminal else "-"),
        ("Timeout", "none" if spec["timeout"] is None else format_seconds(spec["timeout"])),
        ("Grace", format_seconds(spec["stop_grace"])),
        ("Memory", _size(spec["memory"], "unlimited")),
        ("CPUs", "no limit" if spec["cpus"] is None else f"{spec['cpus']:g}"),
        ("Pids limit", "unlimited" if spec["pids_limit"] is None else str(spec["pids_limit"])),
        ("Open files", "the engine's default" if spec["nofile"] is None else str(spec["nofile"])),
        ("Tmp size", _size(spec["tmp_size"], "no tmpfs")),
        ("Read-only", "yes" if spec["read_only"] else "no"),
        ("User", spec["user"] or "default (the workspace's or login's owner, else 1000:1000)"),
        ("Network", spec["network"] or "the engine's default"),
        ("Env", _pairs(spec["env"])),
        ("Secrets", ", ".join(spec["secret_names"]) or "-"),
        ("Labels", _pairs(spec["labels"])),
        ("Priority", str(spec.get("priority", 0))),
        ("Pool", spec.get("pool") or "-"),
    ]
    if queue is not None:
        place = "-" if queue.get("place") is None else str(queue["place"])
        fields.append(("Queue", f"place {place}: {queue.get('waiting') or 'waiting'}"))
    if task.stop_requested_at:
        fields.append(("Stop asked", f"{task.stop_requested_at} ({task.stop_reason})"))
    if task.kill_requested_at:
        fields.append(("Kill asked", task.kill_requested_at))
    lines = [f"{name + ':':<{_WIDTH}}{value}" for name, value in fields]
    lines.append("History:")
    width = max(len(entry.state.value) for entry in task.history) if task.history else 0
    lines += [f"  {entry.state.value:<{width}}  {entry.at}" for entry in task.history]
    return "\n".join(lines)


def format_seconds(seconds: float) -> str:
    """300 -> 5m, 5400 -> 1h30m, 10 -> 10s, 1.5 -> 1.5s: as a duration is typed."""
    if seconds != int(seconds) or seconds < 60:
        return f"{seconds:g}s"
    whole, text = int(seconds), ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if whole >= size:
            text += f"{whole // size}{unit}"
            whole %= size
    return text


def _size(value: int | str | None, none: str) -> str:
    if value is None:
        return none
    if isinstance(value, str):
        return value
    for unit, size in _SIZES:
        if value % size == 0:
            return f"{value // size}{unit}"
    return str(value)


def _pairs(mapping: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(mapping.items())) or "-"


def _cut(text: str) -> str:
    return text if len(text) <= _COMMAND_CUT else text[: _COMMAND_CUT - 1] + "…"
