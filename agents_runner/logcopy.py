"""LogCopy: a task's log file as an exact copy of the engine's account of its output.

While the agent runs, a follower thread appends what the engine streams. When the
container has exited, finish() makes the copy complete by construction: it asks the
engine for everything after the last frame written (the stream's timestamps make
that exact) and appends it. On an engine whose followed stream may skip records
(Podman), it compares the copy with a plain read of the whole log, and writes it again
from that read when they differ. A broken
connection or a full disk never leaves a torn frame in the file: a failed write is cut
back to the last whole block, and the copy resumes from there.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from .engine.boundary import EngineBoundary, OutputStream
from .engine.errors import ContainerGone, EngineUnavailable
from .logsetup import get_logger
from .logstream import (
    FrameDecoder,
    LogCursor,
    StreamError,
    advance,
    after_cursor,
    split_frames,
    to_unix_nanos,
)

log = get_logger(__name__)

_IDLE_AFTER_EXIT = 2.0  # a follower that receives nothing for this long after the exit is cut
_TAILS = (256, 8192)  # how many of the log's last frames to look back at, before a full read


class LogCopy:
    """A task's log file, kept an exact copy of the engine's account of its output."""

    def __init__(
        self,
        engine: EngineBoundary,
        container_id: str,
        path: Path,
        task_id: str,
        times_path: Path | None = None,
    ) -> None:
        self.engine = engine
        self.container_id = container_id
        self.path = path
        self.task_id = task_id
        self.cursor = LogCursor()
        self._lock = threading.Lock()  # one writer at a time
        self._lock_fd = threading.Lock()  # who closes the file
        self._stream: OutputStream | None = None
        self._stop = threading.Event()
        self._last_progress = time.monotonic()
        # Docker returns the output from the start, so the copy starts afresh: after a
        # take-over the log is Docker's whole account, never a duplicate.
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._offset = 0
        self._times = LogTimes(times_path) if times_path is not None else None
        self._closed = False
        self._follower = threading.Thread(target=self._follow, name=f"logs-{task_id}", daemon=True)

    def start(self) -> None:
        self._follower.start()

    def finish(self) -> None:
        """After the container exited: end the follower (it ends by itself when the engine
        closes the stream; one that stalls is cut), then append whatever it missed. Raises
        OSError (the disk) or EngineUnavailable (the engine) when that cannot be done now;
        calling it again carries on."""
        while self._follower.is_alive():
            self._follower.join(0.2)
            if time.monotonic() - self._last_progress > _IDLE_AFTER_EXIT:
                self.abort()
        try:
            if not self.engine.follows_exactly:
                # The followed copy may have holes: if a plain read of the whole log
                # differs from it, write it again from the start.
                if not self._same_as_whole_log():
                    self._start_over()
                    self._copy(follow=False)
            elif not self._complete_from_tail():
                self._copy(follow=False)
        except ContainerGone:
            log.warning("task %s: its container was removed before its log was read", self.task_id)

    def _same_as_whole_log(self) -> bool:
        """Whether the copy is byte for byte the engine's whole log, read without
        following; when it is, the cursor moves to the log's end."""
        with self._lock:
            stream = self.engine.open_logs(self.container_id, follow=False, since=None)
            try:
                decoder = FrameDecoder()
                with open(self.path, "rb") as ours:
                    for block in stream.blocks():
                        try:
                            data = decoder.feed(block)
                        except StreamError as exc:
                            raise EngineUnavailable(f"the log stream is garbled: {exc}") from exc
                        if ours.read(len(data)) != data:
                            return False
                    same = not decoder.pending and not ours.read(1)
            finally:
                stream.close()
            if same:
                self.cursor = decoder.cursor
            return same

    def _start_over(self) -> None:
        """Empty the copy (and its time index), so that a plain read of the whole log
        makes it again from the start."""
        with self._lock:
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            self._offset = 0
            self.cursor = LogCursor()
            if self._times is not None:
                self._times.reset()

    def _complete_from_tail(self) -> bool:
        """Append what the follower missed from the log's last frames, which the engine
        reads from the end of its file (a read "since" a time scans the whole file).
        False when the last frames do not reach back to the cursor."""
        if not self.cursor.timestamp:
            return False  # nothing copied yet: the whole log is wanted
        for tail in _TAILS:
            with self._lock:
                stream = self.engine.open_logs(
                    self.container_id, follow=False, since=None, tail=tail
                )
                try:
                    data = b"".join(stream.blocks())
                finally:
                    stream.close()
                try:
                    frames = split_frames(data)
                except StreamError as exc:
                    raise EngineUnavailable(f"the log stream is garbled: {exc}") from exc
                missed = after_cursor(frames, self.cursor)
                if missed is None and len(frames) < tail:
                    missed = after_cursor([(b"0001-01-01T00:00:00Z", b""), *frames], self.cursor)
                if missed is None:
                    continue
                if missed:
                    self._append(b"".join(payload for _, payload in missed))
                    self.cursor = advance(self.cursor, [stamp for stamp, _ in missed])
                    self._note_time()
                return True
        return False

    def abort(self) -> None:
        """Stop following now (the runner is shutting down or the stream stalled)."""
        self._stop.set()
        stream = self._stream
        if stream is not None:
            stream.abort()

    def close(self) -> None:
        """Stop following and close the file (once). A follower that has not ended yet
        closes it itself when it does, so the descriptor is never reused under it."""
        self.abort()
        if self._follower.ident is not None:  # started
            self._follower.join(5)
        with self._lock_fd:
            if self._closed:
                return
            self._closed = True
            if self._follower.is_alive():
                return
        self._close_files()

    def _close_files(self) -> None:
        os.close(self._fd)
        if self._times is not None:
            self._times.close()

    def _note_time(self) -> None:
        if self._times is not None and self.cursor.timestamp:
            self._times.note(self._offset, self.cursor.timestamp)

    def _follow(self) -> None:
        try:
            self._follow_until_stopped()
        finally:
            with self._lock_fd:
                closed_meanwhile = self._closed
            if closed_meanwhile:
                self._close_files()

    def _follow_until_stopped(self) -> None:
        """Copy while the container runs; reconnect after a broken stream."""
        delay = 0.1
        while not self._stop.is_set():
            try:
                self._copy(follow=True)
                return  # the engine ended the stream: the container stopped
            except ContainerGone:
                return
            except EngineUnavailable as exc:
                log.info("task %s: log stream interrupted (%s); resuming", self.task_id, exc)
            except OSError as exc:
                log.warning("task %s: cannot write the log (%s); will retry", self.task_id, exc)
            except Exception:
                log.exception("task %s: following the log failed", self.task_id)
                return
            self._stop.wait(delay)
            delay = min(delay * 2, 2.0)

    def _copy(self, *, follow: bool) -> None:
        with self._lock:
            stream = self.engine.open_logs(
                self.container_id, follow=follow, since=self.cursor.since()
            )
            self._stream = stream
            try:
                # A plain read brings many frames at once: index each change of time in
                # it, as a followed stream, frame by frame, does by itself.
                decoder = FrameDecoder(self.cursor, marks=not follow)
                for block in stream.blocks():
                    self._last_progress = time.monotonic()
                    try:
                        data = decoder.feed(block)
                    except StreamError as exc:
                        raise EngineUnavailable(f"the log stream is garbled: {exc}") from exc
                    start = self._offset
                    if data:
                        self._append(data)
                    self.cursor = decoder.cursor
                    if data:
                        if self._times is not None:
                            for written, stamp in decoder.marks:
                                self._times.note(start + written, stamp)
                        self._note_time()
                    if follow and self._stop.is_set():
                        return
                if decoder.pending:
                    raise EngineUnavailable("the log stream ended inside a frame")
            finally:
                self._stream = None
                stream.close()

    def _append(self, data: bytes) -> None:
        """Write all of `data` or none of it."""
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            os.ftruncate(self._fd, self._offset)
            os.lseek(self._fd, self._offset, os.SEEK_SET)
            raise
        self._offset += len(data)


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

    def __init__(self, path: Path) -> None:
        self._last = -self._STEP
        self._held: bytes | None = None  # the last line held back
        try:
            self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError:
            self._fd = None

    def note(self, offset: int, stamp: bytes) -> None:
        if self._fd is None:
            return
        seconds, _, nanos = to_unix_nanos(stamp).partition(".")
        if b"." not in stamp:
            # Whole seconds (Podman's stamps): written by the end of that second at the
            # latest, so --since never starts later than it should.
            nanos = "999999999"
        at = int(seconds) * 1_000_000_000 + int(nanos)
        line = f"{offset} {seconds}.{nanos}\n".encode()
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

    def reset(self) -> None:
        """Empty the index: the log is being written again from its start."""
        self._held = None
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
        except OSError:
            self.close()
        self._last = -self._STEP

    def close(self) -> None:
        if self._fd is not None:
            self._write_held()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
