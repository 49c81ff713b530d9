"""An output stream whose reader may go away: a pipe closed early (`run | head -2`), a
terminal hung up. Losing the reader must not stop a foreground `run` from supervising its
task, so the first write that fails makes the stream quiet for good, with no error."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import IO, AnyStr, Generic


class Outlet(Generic[AnyStr]):
    """A stream that goes quiet, instead of failing, once its reader is gone."""

    def __init__(self, stream: IO[AnyStr]) -> None:
        self.stream = stream
        self.gone = False

    def write(self, data: AnyStr) -> None:
        self._attempt(self.stream.write, data)

    def flush(self) -> None:
        self._attempt(self.stream.flush)

    def isatty(self) -> bool:
        return not self.gone and self.stream.isatty()

    def _attempt(self, call: Callable[..., object], *args: object) -> None:
        if self.gone:
            return
        try:
            call(*args)
        except OSError:  # EPIPE, EIO after a hang-up, or a full disk: nobody will read it
            self.gone = True
            _point_at_devnull(self.stream)


def _point_at_devnull(stream: IO[AnyStr]) -> None:
    """What the stream still buffers, and anything else written to its descriptor (a
    warning, the interpreter's last flush at exit), then goes nowhere instead of raising
    again: a broken stdout would otherwise end the process with 'Exception ignored'."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    finally:
        os.close(devnull)
