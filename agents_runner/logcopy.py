"""LogCopy: a task's log file, every byte of the container's output.

Where the supervisor that starts the container attached to it first (Docker), the copy
is written from the attach stream, as fast as the engine passes the output on (what
`docker run` shows). When that stream ends with the container's exit, the copy's end
is checked against the engine's last log frames, and written again from the engine's
log when they differ. A stream that breaks (or a write that fails) hands over to the
engine's log: it is read from the start, compared with what is already written, and
appended from there; from the first difference on, the log's account is written.

Otherwise (a take-over, or Podman) a follower thread appends what the engine's log
streams. When the container has exited, finish() makes the copy complete by
construction: it asks the engine for everything after the last frame written (the
stream's timestamps make that exact) and appends it. On an engine whose followed
stream may skip records (Podman), it compares the copy with a plain read of the whole
log, and writes it again from that read when they differ. A broken connection or a
full disk never leaves a torn frame in the file: a failed write is cut back to the
last whole block, and the copy resumes from there.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .engine.boundary import EngineBoundary, OutputStream
from .engine.errors import ContainerGone, EngineError, EngineUnavailable
from .logchecks import ends_like_log, exits_soon, missed_frames, whole_log_cursor
from .logfile import LogFile
from .logsetup import get_logger
from .logstamper import LogStamper
from .logstream import (
    BareFrameDecoder,
    FrameDecoder,
    LogCursor,
    StreamError,
    advance,
)

if TYPE_CHECKING:
    from .store import TaskStore

log = get_logger(__name__)

_IDLE_AFTER_EXIT = 2.0  # a follower that receives nothing for this long after the exit is cut
_STAMPS_AFTER_EXIT = 0.5  # how long the engine's times may lag behind a whole attach copy


class LogCopy:
    """A task's log file, kept an exact copy of the engine's account of its output."""

    def __init__(
        self,
        engine: EngineBoundary,
        container_id: str,
        path: Path,
        task_id: str,
        times_path: Path | None = None,
        attach: OutputStream | None = None,
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
        self._file = LogFile(path, times_path)
        self._times = self._file.times
        self._attach = attach
        self._stamper = (
            LogStamper(engine, container_id, self._times)
            if attach is not None and self._times is not None
            else None
        )
        self._attach_whole = False  # the attach stream ended with the container's exit
        # Once the attach stream has failed, the engine's log is read again from its
        # start over the copy: how many bytes of the log's output (up to the cursor)
        # have been compared with the copy, or appended to it.
        self._rereading = False
        self._log_read = 0
        self._closed = False
        self._follower = threading.Thread(target=self._follow, name=f"logs-{task_id}", daemon=True)

    def start(self) -> None:
        self._follower.start()
        if self._stamper is not None:
            self._stamper.start()

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
            if self._attach is not None:
                self._finish_attached()
                return
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

    def _finish_attached(self) -> None:
        """The end of a copy begun from the attach stream."""
        if self._attach_whole:
            if self._stamper is not None:
                self._stamper.finish(self._file.size, within=_STAMPS_AFTER_EXIT)
            with self._lock:
                if ends_like_log(self.engine, self.container_id, self._file):
                    return
            self._check_again()
        # The log was being read again over the copy: read the rest of it.
        caught_up = self.cursor.timestamp and self._log_read >= self._file.size
        if caught_up and self._complete_from_tail():
            return
        self._copy(follow=False)
        with self._lock:
            if self._log_read < self._file.size:
                self._file.cut(self._log_read)  # the copy holds more than the log

    def _check_again(self) -> None:
        """Read the engine's log from its start over the copy made so far, its times
        too."""
        with self._lock:
            self._rereading = True
            self._log_read = 0
            self.cursor = LogCursor()
            if self._times is not None:
                self._times.cut(0)

    def _same_as_whole_log(self) -> bool:
        """Whether the copy is byte for byte the engine's whole log, read without
        following; when it is, the cursor moves to the log's end."""
        with self._lock:
            cursor = whole_log_cursor(self.engine, self.container_id, self.path)
            if cursor is not None:
                self.cursor = cursor
            return cursor is not None

    def _start_over(self) -> None:
        """Empty the copy (and its time index), so that a plain read of the whole log
        makes it again from the start."""
        with self._lock:
            self._file.cut(0)
            self.cursor = LogCursor()

    def _complete_from_tail(self) -> bool:
        """Append what the follower missed from the log's last frames; False when they
        do not reach back to the cursor."""
        if not self.cursor.timestamp:
            return False  # nothing copied yet: the whole log is wanted
        with self._lock:
            missed = missed_frames(self.engine, self.container_id, self.cursor)
            if missed is None:
                return False
            if missed:
                self._file.append(b"".join(payload for _, payload in missed))
                self.cursor = advance(self.cursor, [stamp for stamp, _ in missed])
                self._note_time()
            return True

    def abort(self) -> None:
        """Stop following now (the runner is shutting down or the stream stalled)."""
        self._stop.set()
        if self._stamper is not None:
            self._stamper.stop()
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
        self._file.close()

    def _note_time(self) -> None:
        if self._times is not None and self.cursor.timestamp:
            self._times.note(self._file.size, self.cursor.timestamp)

    def _follow(self) -> None:
        try:
            if self._attach is not None and self._copy_attached():
                return
            self._follow_until_stopped()
        finally:
            with self._lock_fd:
                closed_meanwhile = self._closed
            if closed_meanwhile:
                self._close_files()

    def _copy_attached(self) -> bool:
        """Copy the attach stream; True when it ended with the container's exit, or the
        copy is being stopped. Otherwise the engine's log takes over, read from its
        start over what was written."""
        stream = self._attach
        assert stream is not None
        self._stream = stream
        decoder = BareFrameDecoder()
        whole = False
        try:
            for block in stream.blocks():
                self._last_progress = time.monotonic()
                data = decoder.feed(block)
                if data:
                    with self._lock:
                        self._file.append(data)
                        stamper = self._stamper
                        if stamper is not None and not stamper.keeps_up(self._file.size):
                            stamper.times.note_at(self._file.size, time.time_ns())
            whole = (
                not decoder.pending
                and not self._stop.is_set()
                and exits_soon(self.engine, self.container_id, self._stop)
            )
        except (EngineUnavailable, EngineError, OSError) as exc:
            log.info("task %s: the attach stream ended (%s); reading the log", self.task_id, exc)
        finally:
            self._stream = None
            stream.close()
        if whole:
            self._attach_whole = True
            return True
        if self._stamper is not None:
            self._stamper.stop()
        self._check_again()
        return self._stop.is_set()  # stopped: finish() reads the rest

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
                    start = self._log_read if self._rereading else self._file.size
                    read = len(data)
                    if data and self._rereading:
                        data = self._file.check(data, at=self._log_read)
                    if data:
                        self._file.append(data)
                    self.cursor = decoder.cursor
                    self._log_read += read
                    if read and self._times is not None:
                        for written, stamp in decoder.marks:
                            self._times.note(start + written, stamp)
                        self._times.note(start + read, self.cursor.timestamp)
                    if follow and self._stop.is_set():
                        return
                if decoder.pending:
                    raise EngineUnavailable("the log stream ended inside a frame")
            finally:
                self._stream = None
                stream.close()


def task_log_copy(
    engine: EngineBoundary,
    store: TaskStore,
    task_id: str,
    container_id: str,
    attach: OutputStream | None = None,
) -> LogCopy:
    """The copy of a task's output into its log file and time index in `store`."""
    return LogCopy(
        engine,
        container_id,
        store.log_path(task_id),
        task_id,
        times_path=store.log_times_path(task_id),
        attach=attach,
    )
