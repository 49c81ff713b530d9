"""What the command line shows a person: output as it comes, a pull's progress (a bar
on a terminal, plain lines in a pipe), the task table, and durations."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .config import MAX_SECONDS
from .states import TaskState
from .task import Task, parse_time

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import BinaryIO, TextIO

    from .outlet import Outlet

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

    def __init__(self, path: Path, out: BinaryIO | Outlet[bytes]) -> None:
        self.path = path
        self.out = out
        self.offset = 0

    def pump(self) -> None:
        try:
            with open(self.path, "rb") as log:
                log.seek(0, 2)
                if log.tell() < self.offset:  # cut back where it differed from the engine's log
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
    """Each state the task passes through, once and in order, and a pull's progress: a bar
    redrawn in place on a terminal, plain lines in a pipe. The end is the caller's to say."""

    PIPE_INTERVAL = 2.0  # seconds between two progress lines in a pipe

    def __init__(self, stream: TextIO | Outlet[str]) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = 0  # history entries already announced
        self.last_line = ""
        self.last_line_at = -math.inf
        self.bar_drawn = False
        self.in_pull = False

    def show(self, task: Task) -> None:
        for entry in task.history[self.shown :]:
            if self.in_pull and entry.state is not TaskState.PULLING:
                self._progress(task, final=True)  # the pull's last word, before what follows
                self.in_pull = False
            self.shown += 1
            self.in_pull = entry.state is TaskState.PULLING
            if not entry.state.is_terminal:
                self._line(f"agents-runner: task {task.id} is {entry.state.value}")
        if task.state is TaskState.PULLING and task.pull_progress:
            self._progress(task, final=False)

    def note(self, text: str) -> None:
        """A line of the caller's own, never on the bar's line."""
        self._end_bar()
        self._line(f"agents-runner: {text}")

    def _progress(self, task: Task, *, final: bool) -> None:
        if not task.pull_progress:
            self._end_bar()
            return
        text = describe_pull(task.spec.image, task.pull_progress, bar=self.tty)
        if self.tty:
            self.stream.write("\r\x1b[2K" + text)
            self.stream.flush()
            self.bar_drawn = True
            if final:
                self._end_bar()
        elif text != self.last_line and (
            final or time.monotonic() - self.last_line_at >= self.PIPE_INTERVAL
        ):
            self._line(text)
            self.last_line_at = time.monotonic()
        if final:
            self.last_line = ""

    def _end_bar(self) -> None:
        if self.bar_drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.bar_drawn = False

    def _line(self, text: str) -> None:
        self._end_bar()
        self.last_line = text
        self.stream.write(text + "\n")
        self.stream.flush()


def describe_pull(image: str, progress: dict, *, bar: bool, width: int = 30) -> str:
    """`pulling IMAGE: downloading [###...]  54% 1.2/2.3 MB, 0/1 layers`; the phase is
    downloading until every layer is down and extraction has told its sizes, then
    extracting. The percentage (and bar) is the recorded one (PullProgress): none until
    the phase's totals are real, and never going back; without it, bytes so far."""
    layers = f"{progress.get('layers_done', 0)}/{progress.get('layers_total', 0)} layers"
    percent = progress.get("percent")
    extracting = progress.get("phase") == "extracting" or (
        progress.get("phase") == "done" and progress.get("extracted")
    )
    if extracting:
        phase, done, total = (
            "extracting",
            progress.get("extract_current", 0),
            progress.get("extract_expected", 0),
        )
    else:
        phase, done, total = (
            "downloading",
            progress.get("bytes_current", 0),
            progress.get("bytes_total", 0),
        )
    if progress.get("done"):
        done = total
    if percent is None:
        sizes = f"{done / 1e6:.1f} MB so far, " if done else ""
        return f"pulling {image}: {phase}, {sizes}{layers}"
    sizes = f"{done / 1e6:.1f}/{total / 1e6:.1f} MB" if total else "0 MB"
    if not bar:
        return f"pulling {image}: {phase} {percent:3d}% {sizes}, {layers}"
    filled = min(width, percent * width // 100)
    drawn = "#" * filled + "." * (width - filled)
    return f"pulling {image}: {phase} [{drawn}] {percent:3d}% {sizes}, {layers}"


class PullLines:
    """`logs -f`'s word on a pull, on its own stream (stderr): a line when what it says
    has changed, at most one every `interval` seconds, and the last one when the pull
    ends. The task's log is never written to."""

    def __init__(self, stream: TextIO, interval: float = 1.0) -> None:
        self.stream = stream
        self.interval = interval
        self.last_line = ""
        self.last_at = -math.inf  # never (monotonic time counts from the boot, not 0)
        self.pending = ""

    def show(self, task: Task) -> None:
        if task.state is TaskState.PULLING and task.pull_progress:
            self.pending = describe_pull(task.spec.image, task.pull_progress, bar=False)
            if time.monotonic() - self.last_at >= self.interval:
                self._write()
        elif self.pending:  # the pull is over: its last word, if not yet said
            if task.pull_progress:
                self.pending = describe_pull(task.spec.image, task.pull_progress, bar=False)
            self._write()
            self.pending = ""

    def _write(self) -> None:
        if self.pending and self.pending != self.last_line:
            self.stream.write(self.pending + "\n")
            self.stream.flush()
            self.last_line = self.pending
            self.last_at = time.monotonic()


def pull_percent(progress: dict | None) -> str:
    """`45%` for the task table's state column while pulling; empty until there is one."""
    percent = (progress or {}).get("percent")
    return "" if percent is None or (progress or {}).get("done") else f"{percent}%"


_COMMAND_WIDTH = 20  # docker ps cuts its COMMAND column so
_REASON_MIN = 12


def format_table(
    tasks: list[Task],
    now: datetime | None = None,
    places: dict[str, tuple[int, str | None]] | None = None,
    width: int | None = None,
) -> str:
    """One row a task; a waiting task's PLACE in the state dir's queue (1 is next), the
    POOL a task names, its COMMAND (an agent's name, or the command in quotes, as docker
    ps), and the REASON of its end. With `width`, the COMMAND is cut to 20 characters and
    the REASON to what is left of `width` (at least 12), each ending in "…" when cut."""
    now = now or datetime.now(UTC)
    places = places or {}
    rows = [["ID", "STATE", "PLACE", "POOL", "IMAGE", "COMMAND", "AGE", "EXIT", "REASON"]]
    for task in tasks:
        spec = task.spec_payload()  # builds no TaskSpec: list stays light
        age = format_age((now - parse_time(task.created_at)).total_seconds())
        exit_code = "" if task.exit_code is None else str(task.exit_code)
        place = str(places[task.id][0]) if task.id in places else "-"
        pool = spec.get("pool") or "-"
        command = spec["agent"] or _quoted(spec.get("command") or [], width is not None)
        reason = " ".join((task.error or "-").split())  # one line, whatever it says
        state = task.state.value
        if task.state is TaskState.PULLING and pull_percent(task.pull_progress):
            state = f"{state} {pull_percent(task.pull_progress)}"  # pulling 45%
        rows.append([task.id, state, place, pool, spec["image"], command, age, exit_code, reason])
    if width is not None:
        start = sum(max(len(row[i]) for row in rows) + 2 for i in range(len(rows[0]) - 1))
        for row in rows[1:]:
            row[-1] = cut(row[-1], max(width - start, _REASON_MIN))
    return format_rows(rows)


def _quoted(argv: Sequence[str], short: bool) -> str:
    import shlex

    text = shlex.join(argv)
    return f'"{cut(text, _COMMAND_WIDTH) if short else text}"'


def cut(text: str, width: int) -> str:
    """`text`, or its start and "…" in `width` characters."""
    return text if len(text) <= width else text[: width - 1] + "…"


def format_rows(rows: Sequence[Sequence[str]]) -> str:
    """Columns as wide as their widest cell, two spaces apart."""
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


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
_SECONDS = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")  # a plain number: 90, 1.5, 1e3


class DurationTooLong(argparse.ArgumentTypeError):
    """A duration past a century: a typo, whatever else the value could be read as."""


def parse_duration(text: str) -> float:
    """`90`, `1.5`, `1e3`, `90s`, `15m`, `12h`, `7d`, `1h30m` -> seconds; at most a
    century (config.MAX_SECONDS), however it is written."""
    compact = text.strip()
    if _SECONDS.fullmatch(compact):
        seconds = float(compact)
    else:
        parts = list(_DURATION_PART.finditer(compact))
        joined = "".join(part.group(0) for part in parts)
        several = len(parts) > 1 and not all(p.group(2) for p in parts)
        if not parts or joined != compact or several:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a duration such as 90, 30s, 15m, 12h or 7d"
            )
        seconds = sum(float(p.group(1)) * _UNITS[p.group(2) or "s"] for p in parts)
    if seconds > MAX_SECONDS:
        raise DurationTooLong(
            f"{text!r} is too long: at most {MAX_SECONDS // 86400} days (a century)"
        )
    return seconds


def last_lines(path: Path, count: int) -> tuple[bytes, int]:
    """The last `count` lines of the file at `path`, and the file's size when read."""
    try:
        with open(path, "rb") as file:
            file.seek(0, 2)
            end = file.tell()
            block, data = 65536, b""
            position = end
            while position > 0 and data.count(b"\n") <= count:
                step = min(block, position)
                position -= step
                file.seek(position)
                data = file.read(step) + data
    except FileNotFoundError:
        return b"", 0
    if count == 0:
        return b"", end
    lines = data.splitlines(keepends=True)
    return b"".join(lines[-count:]), end


def offset_since(times_path: Path, since: float) -> int:
    """Where `logs --since` starts: the last offset of the time index (logtimes.LogTimes)
    before which everything was written before `since` (Unix seconds); 0 without one."""
    start = 0
    try:
        lines = times_path.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return 0
    for line in lines:
        offset, _, stamp = line.partition(" ")
        try:
            if float(stamp) < since:
                start = max(start, int(offset))
        except ValueError:
            continue
    return start


_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def parse_since(text: str, now: float | None = None) -> float:
    """`--since`: a duration ago (`10m`) or a time (`2026-11-25T16:05:12Z`, any offset),
    as Unix seconds."""
    from .logstream import to_unix_nanos

    try:
        return (time.time() if now is None else now) - parse_duration(text)
    except DurationTooLong:
        raise
    except argparse.ArgumentTypeError:
        pass
    if _TIME.fullmatch(text):
        try:  # a day, an hour or an offset out of range: 2026-13-45, 25:61, +99:00
            datetime.fromisoformat(re.sub(r"\.\d+", "", text).replace("Z", "+00:00"))
        except ValueError as exc:
            reason = "its offset is past ±23:59" if "offset" in str(exc) else str(exc)
            raise argparse.ArgumentTypeError(f"{text!r} is not a time: {reason}") from None
        return float(to_unix_nanos(text.encode()))
    raise argparse.ArgumentTypeError(
        f"{text!r} is neither a duration such as 10m nor a time such as 2026-11-25T16:05:12Z"
    )
