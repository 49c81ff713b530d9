"""LogFile: a task's log file and its time index, written only in whole blocks."""

from __future__ import annotations

import os
from pathlib import Path

from .logtimes import LogTimes
from .logtimes_kept import KeptLogTimes


class LogFile:
    """The log file: a block is appended whole or not at all, the file can be cut back,
    and a read of the engine's log can be compared with what it holds."""

    def __init__(self, path: Path, times_path: Path | None, *, keep: bool = False) -> None:
        """Open the log file and its time index empty, or with `keep` as they are, to be
        appended to or checked."""
        flags = os.O_RDWR | os.O_CREAT | (0 if keep else os.O_TRUNC)
        self._fd = os.open(path, flags, 0o600)
        self.size = os.lseek(self._fd, 0, os.SEEK_END)
        self.times: LogTimes | None = None
        if times_path is not None and keep:
            self.times = KeptLogTimes(times_path, self.size, os.fstat(self._fd).st_mtime_ns)
        elif times_path is not None:
            self.times = LogTimes(times_path)

    def append(self, data: bytes) -> None:
        """Write all of `data` or none of it."""
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            os.ftruncate(self._fd, self.size)
            os.lseek(self._fd, self.size, os.SEEK_SET)
            raise
        self.size += len(data)

    def read(self, count: int, at: int) -> bytes:
        return os.pread(self._fd, count, at)

    def cut(self, size: int) -> None:
        """Cut the file (and its index) back to `size` bytes."""
        os.ftruncate(self._fd, size)
        os.lseek(self._fd, size, os.SEEK_SET)
        self.size = size
        if self.times is not None:
            self.times.cut(size)

    def check(self, data: bytes, *, at: int) -> bytes:
        """`data` is the engine's log from byte `at` of its output on: compare its front
        with the file at the same place, and return the part past the file's end, to
        append. At the first difference the file is cut there, and all of `data` from
        that byte on is returned. Only the file and `at` say where things stand, so a
        block read again after a failed write is checked again, never written twice."""
        count = max(0, min(len(data), self.size - at))
        ours = self.read(count, at) if count else b""
        if ours == data[:count]:
            return data[count:]
        differs = next(i for i, (a, b) in enumerate(zip(ours, data, strict=False)) if a != b)
        self.cut(at + differs)
        return data[differs:]

    def close(self) -> None:
        os.close(self._fd)
        if self.times is not None:
            self.times.close()
