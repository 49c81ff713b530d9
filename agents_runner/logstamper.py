"""LogStamper: the engine's own times for a copy made from the attach stream.

The attach stream carries no timestamps. Beside it, the engine's log is followed for
its frames' times only, and the time index notes, at each change of time, how many
bytes of output came before it. A flood of output outruns it (Docker serves its log
far slower than it passes output on, 0.3 MB/s for short lines): once it is more than
1 MiB behind the copy, it stops, so as not to hold the machine's CPU, and the copy
notes from there on the times it received the output instead. What the followed log
had not passed on when the container exited (a stalled stream, or one slower than the
copy) is stamped from a plain read of the log, which by then is whole.
"""

from __future__ import annotations

import threading
import time

from .engine.boundary import EngineBoundary, OutputStream
from .engine.errors import ContainerGone, EngineUnavailable
from .logstream import FrameDecoder, LogCursor, StreamError
from .logtimes import LogTimes

LAG_LIMIT = 1 << 20  # bytes of output the engine's times may lag behind the copy


class LogStamper:
    """Follows the engine's log beside an attach copy and writes its times in `times`."""

    def __init__(self, engine: EngineBoundary, container_id: str, times: LogTimes) -> None:
        self.engine = engine
        self.container_id = container_id
        self.times = times
        self.reached = 0  # bytes of output stamped so far
        self._cursor = LogCursor()  # the last frame stamped
        self._lock = threading.Lock()  # the index has one writer at a time
        self._stream: OutputStream | None = None
        self._stopped = threading.Event()
        self.given_up = False
        self._thread = threading.Thread(target=self._run, name="log-times", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def keeps_up(self, size: int) -> bool:
        """Whether the stamper is still within LAG_LIMIT of a copy of `size` bytes; when
        it is not, it is stopped, and the index is the caller's to write."""
        if not self.given_up and size - self.reached > LAG_LIMIT:
            self.given_up = True
            self.stop()
        return not self.given_up

    def finish(self, size: int, within: float) -> None:
        """Give the stamper up to `within` seconds to stamp `size` bytes, then stop it;
        what it has not stamped by then is stamped from a plain read of the log."""
        until = time.monotonic() + within
        while self._thread.is_alive() and self.reached < size and time.monotonic() < until:
            self._thread.join(0.02)
        self.stop()
        if not self.given_up and self.reached < size:
            self._stamp_rest(size)

    def _stamp_rest(self, size: int) -> None:
        """Stamp the output past `reached` from the exited container's whole log."""
        try:
            stream = self.engine.open_logs(
                self.container_id, follow=False, since=self._cursor.since()
            )
        except (EngineUnavailable, ContainerGone):
            return
        try:
            decoder = FrameDecoder(self._cursor, marks=True)
            for block in stream.blocks():
                self._stamp(decoder, decoder.feed(block))
                if self.reached >= size:
                    return
        except (EngineUnavailable, StreamError, OSError):
            return
        finally:
            stream.close()

    def stop(self) -> None:
        """Stop now: once this returns, the stamper writes nothing more to the index,
        even if its thread is still waiting for the engine (to open its stream, say)."""
        with self._lock:
            self._stopped.set()
            stream = self._stream
        if stream is not None:
            stream.abort()
            self._thread.join(5)
        # Without a stream the thread is still waiting for the engine to open one: it
        # will find the stamper stopped and write nothing, so it is not waited for.

    def _run(self) -> None:
        try:
            stream = self.engine.open_logs(self.container_id, follow=True, since=None)
        except (EngineUnavailable, ContainerGone):
            return
        with self._lock:
            if self._stopped.is_set():
                stream.close()
                return
            self._stream = stream
        try:
            decoder = FrameDecoder(marks=True)
            for block in stream.blocks():
                data = decoder.feed(block)
                with self._lock:
                    if self._stopped.is_set():
                        return
                    self._stamp(decoder, data)
        except (EngineUnavailable, StreamError, OSError):
            return
        finally:
            stream.close()

    def _stamp(self, decoder: FrameDecoder, data: bytes) -> None:
        """Note the times of `data`, the output of the frames `decoder` has just read."""
        if data:
            for written, stamp in decoder.marks:
                self.times.note(self.reached + written, stamp)
            self.reached += len(data)
            self.times.note(self.reached, decoder.cursor.timestamp)
        self._cursor = decoder.cursor
