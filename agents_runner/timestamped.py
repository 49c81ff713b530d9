"""`logs -t`: each line of a task's log after its time, as `docker logs -t` prints it
(`2026-12-03T16:20:03.123456789Z line`), read from the log's time index
(logtimes.LogTimes, `logs/<id>.times`) by the engine's clock, to 10 ms."""

from __future__ import annotations

import bisect
import os
from datetime import UTC, datetime

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from pathlib import Path
    from typing import BinaryIO

    from .outlet import Outlet


class TimestampedLog:
    """Copies what a task's log gains to `out`, a line at a time, each after its time:
    the index's first time at or past the line's end. A line the index does not reach
    yet is held for one more pump (its time may be on its way); then it takes the
    index's last time, which the index keeps within 10 ms of it."""

    def __init__(self, log_path: Path, times_path: Path, out: BinaryIO | Outlet[bytes]) -> None:
        self.log_path = log_path
        self.times_path = times_path
        self.out = out
        self.offset = 0  # where the next line to print starts
        self._held_at: int | None = None  # the end of the first line held back

    def pump(self, *, final: bool = False) -> None:
        """Print the whole lines written since; with `final` (the task has ended, or no
        more will be read), every line and the last one's unfinished part too."""
        try:
            with open(self.log_path, "rb") as log:
                size = os.fstat(log.fileno()).st_size
                if size < self.offset:  # cut back where it differed from the engine's log
                    self.offset, self._held_at = 0, None
                log.seek(self.offset)
                data = log.read()
                mtime = os.fstat(log.fileno()).st_mtime_ns
        except FileNotFoundError:
            return
        offsets, stamps = self._index()
        printed = []
        position = self.offset
        for line in data.splitlines(keepends=True):
            end = position + len(line)
            if not line.endswith(b"\n") and not final:
                break
            at = bisect.bisect_left(offsets, end)
            if at < len(offsets):
                stamp = stamps[at]
            elif final or self._held_at == end:
                stamp = stamps[-1] if stamps else _from_nanos(mtime)
            else:
                self._held_at = end
                break
            printed.append(_format(stamp).encode() + b" " + line)
            position = end
        if self._held_at is not None and self._held_at <= position:
            self._held_at = None
        if printed:
            self.offset = position
            self.out.write(b"".join(printed))
            self.out.flush()

    def _index(self) -> tuple[list[int], list[str]]:
        offsets: list[int] = []
        stamps: list[str] = []
        try:
            lines = self.times_path.read_text().splitlines()
        except (OSError, UnicodeDecodeError):
            return offsets, stamps
        for line in lines:
            offset, _, stamp = line.partition(" ")
            if offset.isdigit() and "." in stamp and (not offsets or int(offset) >= offsets[-1]):
                offsets.append(int(offset))
                stamps.append(stamp)
        return offsets, stamps


def _from_nanos(nanos: int) -> str:
    return f"{nanos // 1_000_000_000}.{nanos % 1_000_000_000:09d}"


def _format(stamp: str) -> str:
    """'1795622712.507341621' -> '2026-11-25T16:05:12.507341621Z'."""
    seconds, _, nanos = stamp.partition(".")
    when = datetime.fromtimestamp(int(seconds), UTC)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{(nanos + '000000000')[:9]}Z"
