"""LogTimes: the log's time index, `logs/<id>.times`, written beside the copy."""

from __future__ import annotations

import os
from pathlib import Path

from .logstream import to_unix_nanos


class LogTimes:
    """The log's time index (`logs/<id>.times`): lines "OFFSET SECONDS.NANOS", each saying
    that everything before byte OFFSET of the log was written by SECONDS.NANOS at the
    latest, by Docker's clock. `logs --since` starts at the last offset before its time;
    `logs -t` stamps a line with the first time at or past its end. A time within 10 ms
    of the last line written is held back (one line per 10 ms of log time at most), and
    the last one held is written before the next line, or when the copy ends: so every
    byte has a line at most 10 ms past its own time. The index only helps: if it cannot
    be written, it stops, and --since then starts earlier, never later."""

    _STEP = 10_000_000  # nanoseconds

    def __init__(self, path: Path, *, empty: bool = True) -> None:
        """The index at `path`, emptied (or, not `empty`, as it is: KeptLogTimes)."""
        self._last = -self._STEP
        self._held: bytes | None = None  # the last line held back
        flags = os.O_RDWR | os.O_CREAT | (os.O_TRUNC if empty else 0)
        try:
            self._fd: int | None = os.open(path, flags, 0o600)
        except OSError:
            self._fd = None

    def note(self, offset: int, stamp: bytes) -> None:
        seconds, _, nanos = to_unix_nanos(stamp).partition(".")
        if b"." not in stamp:
            # Whole seconds (Podman's stamps): written by the end of that second at the
            # latest, so --since never starts later than it should.
            nanos = "999999999"
        self.note_at(offset, int(seconds) * 1_000_000_000 + int(nanos))

    def note_at(self, offset: int, at: int) -> None:
        """Everything before `offset` was written by `at` (nanoseconds since the epoch)."""
        if self._fd is None:
            return
        line = index_line(offset, at)
        if at - self._last < self._STEP:
            self._held = line
            return
        if self._write_held() and self._write(line):
            self._last = at

    def _write_held(self) -> bool:
        held, self._held = self._held, None
        return held is None or self._write(held)

    def _write(self, line: bytes) -> bool:
        if self._fd is None:
            return False
        try:
            os.write(self._fd, line)
        except OSError:
            self.close()
            return False
        return True

    def cut(self, offset: int) -> int:
        """Forget the lines past `offset`: the log was cut back there. A line held back
        that is not past it stays held, to be written before the next. Returns the
        offset of the last line the file keeps, -1 for none."""
        held = self._held
        if held is not None and int(held.split(b" ", 1)[0]) > offset:
            self._held = None
        self._last = -self._STEP
        return self._keep_lines_to(offset)

    def _keep_lines_to(self, offset: int) -> int:
        """Cut the file after its last whole line not past `offset` (a line cut short, or
        one that cannot be read, ends what is kept); that line's offset, or -1."""
        if self._fd is None:
            return -1
        last, kept = -1, 0  # the offsets only grow: the lines kept are the file's start
        try:
            written = os.pread(self._fd, os.fstat(self._fd).st_size, 0)
            for line in written.splitlines(keepends=True):
                number, space, _ = line.partition(b" ")
                if not (space and number.isdigit() and line.endswith(b"\n")):
                    break
                if int(number) > offset:
                    break
                kept += len(line)
                last = int(number)
            os.ftruncate(self._fd, kept)
            os.lseek(self._fd, kept, os.SEEK_SET)
        except OSError:
            self.close()
            return -1
        return last

    def close(self) -> None:
        if self._fd is not None:
            self._write_held()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def index_line(offset: int, at: int) -> bytes:
    return f"{offset} {at // 1_000_000_000}.{at % 1_000_000_000:09d}\n".encode()
