"""KeptLogTimes: the time index of a log that a take-over keeps (LogFile(keep=True))."""

from __future__ import annotations

import os
from pathlib import Path

from .logtimes import LogTimes, index_line


class KeptLogTimes(LogTimes):
    """The index a take-over finds beside the log it keeps, kept too, so that `logs -t`
    still has the lines' times while the engine's log is read again over the copy.

    Its lines up to the log's size stay, and the times noted again for them are not
    written twice. Where the index ends before the log (its last time was held back, or
    a stamper lagged when its process died), a provisional line says that the rest was
    written by the log's modification time, late but never early, until the times read
    again reach the log's end and take its place."""

    def __init__(self, path: Path, log_size: int, log_mtime_ns: int) -> None:
        super().__init__(path, empty=False)
        self._kept_until = self._keep_lines_to(log_size)  # notes up to it are skipped
        self._skipped: tuple[int, int] | None = None  # the last note skipped
        self._gap: tuple[int, int] | None = None  # (the provisional line's place, log size)
        self._gap_notes: list[tuple[int, int]] = []  # notes read again inside the gap
        if self._fd is not None and self._kept_until < log_size:
            place = os.lseek(self._fd, 0, os.SEEK_END)
            if self._write(index_line(log_size, log_mtime_ns)):
                self._gap = (place, log_size)

    def note_at(self, offset: int, at: int) -> None:
        if offset <= self._kept_until:
            self._skipped = (offset, at)
            return
        if self._gap is not None:
            if offset < self._gap[1]:
                self._gap_notes.append((offset, at))
                return
            self._fill_gap(self._gap_notes)
        super().note_at(offset, at)

    def _fill_gap(self, notes: list[tuple[int, int]]) -> None:
        """Put `notes`, the times read again, where the provisional line was."""
        assert self._gap is not None
        place = self._gap[0]
        self._gap, self._gap_notes = None, []
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, place)
            os.lseek(self._fd, place, os.SEEK_SET)
        except OSError:
            self.close()
            return
        for offset, at in notes:
            super().note_at(offset, at)

    def cut(self, offset: int) -> int:
        """As LogTimes.cut. A cut inside the kept part forgets kept lines whose times were
        not written again: the last time skipped before the cut is written in their place."""
        if self._gap is not None and offset < self._gap[1]:
            self._fill_gap([note for note in self._gap_notes if note[0] <= offset])
        skipped, self._skipped = self._skipped, None
        last = super().cut(offset)
        if (
            skipped is not None
            and last < skipped[0] <= offset
            and self._write(index_line(*skipped))
        ):
            last = skipped[0]
        self._kept_until = min(self._kept_until, last)
        return last
