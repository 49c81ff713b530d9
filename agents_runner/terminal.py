"""What the command line shows a person: output as it comes, a pull's progress (a bar
on a terminal, plain lines in a pipe), the task table, and durations."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .states import TaskState
from .task import Task, parse_time

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from typing import BinaryIO, TextIO

FOLLOW_INTERVAL = 0.1
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class HelpFormatter(argparse.HelpFormatter):
    """argparse's own, sized to the terminal without shutil: argparse makes a formatter
    for every argument it is given, and the first one imports shutil (and zlib, bz2 and
    lzma with it) to ask for the terminal's width, for every command, help or not."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = terminal_width() - 2  # what argparse takes off shutil's answer
        super().__init__(prog, indent_increment, max_help_position, width)


def terminal_width(fallback: int = 80) -> int:
    """$COLUMNS, else the width of the terminal on stdout, else `fallback`, as
    shutil.get_terminal_size() answers."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return fallback
    return columns or fallback


class LogFollower:
    """Copies what a task's log file gains to `out`."""

    def __init__(self, path: Path, out: BinaryIO) -> None:
        self.path = path
        self.out = out
        self.offset = 0

    def pump(self) -> None:
        try:
            with open(self.path, "rb") as log:
                log.seek(0, 2)
                if log.tell() < self.offset:  # rewritten from the start by a take-over
                    self.offset = 0
                log.seek(self.offset)
                data = log.read()
        except FileNotFoundError:
            return
        if data:
            self.offset += len(data)
            self.out.write(data)
            self.out.flush()

    def pause(self) -> None:
        time.sleep(FOLLOW_INTERVAL)


class ProgressView:
    """State changes and pull progress on stderr."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.state: TaskState | None = None
        self.last_line = ""
        self.bar_drawn = False

    def show(self, task: Task) -> None:
        if task.state is not self.state:
            self.finish()
            self.state = task.state
            self._line(f"agents-runner: task {task.id} is {task.state.value}")
        if task.state is TaskState.PULLING and task.pull_progress:
            text = describe_pull(task.spec.image, task.pull_progress, bar=self.tty)
            if self.tty:
                self.stream.write("\r\x1b[2K" + text)
                self.stream.flush()
                self.bar_drawn = True
            elif text != self.last_line:
                self._line(text)

    def finish(self) -> None:
        if self.bar_drawn:
            self.stream.write("\n")
            self.bar_drawn = False

    def _line(self, text: str) -> None:
        self.last_line = text
        self.stream.write(text + "\n")
        self.stream.flush()


def describe_pull(image: str, progress: dict, *, bar: bool, width: int = 30) -> str:
    done, total = progress.get("bytes_current", 0), progress.get("bytes_total", 0)
    layers = f"{progress.get('layers_done', 0)}/{progress.get('layers_total', 0)} layers"
    if not bar:
        return f"pulling {image}: {layers}"
    fraction = done / total if total else 0.0
    filled = int(fraction * width)
    return (
        f"pulling {image} [{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} "
        f"{done / 1e6:.1f}/{total / 1e6:.1f} MB, {layers}"
    )


def format_table(tasks: list[Task], now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    rows = [("ID", "STATE", "IMAGE", "AGENT", "AGE", "EXIT")]
    for task in tasks:
        spec = task.spec_payload()  # builds no TaskSpec: list stays light
        agent = spec["agent"] or (spec["command"] or ["?"])[0]
        age = format_age((now - parse_time(task.created_at)).total_seconds())
        exit_code = "" if task.exit_code is None else str(task.exit_code)
        rows.append((task.id, task.state.value, spec["image"], agent, age, exit_code))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def format_age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{max(0, int(seconds))}s"


def parse_duration(text: str) -> float:
    """`90`, `90s`, `15m`, `12h`, `7d` -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 30s, 15m, 12h or 7d")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]
