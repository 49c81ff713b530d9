"""A log kept by a Swarm node's `local` driver, read with the newlines that driver drops
put back (local_driver_newlines)."""

from __future__ import annotations

from collections.abc import Iterator

from ..local_driver_newlines import NewlineRestorer
from .transport import LogStream


class LocalDriverLogStream(LogStream):
    """A LogStream of frames from the `local` driver: a long line's last piece waits for
    the frame that shows its newline, and the stream's normal end gives what waits as
    the driver kept it. A broken stream gives nothing of it (the copy reads again)."""

    def __init__(self, inner: LogStream) -> None:
        self._inner = inner

    def blocks(self, size: int = 1 << 18) -> Iterator[bytes]:
        restorer = NewlineRestorer()
        for block in self._inner.blocks(size):
            yield restorer.feed(block)
        yield restorer.finish()

    def wait_for_ever(self) -> None:
        self._inner.wait_for_ever()

    def abort(self) -> None:
        self._inner.abort()

    def close(self) -> None:
        self._inner.close()
