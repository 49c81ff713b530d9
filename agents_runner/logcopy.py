"""LogCopy: a task's log file, every byte of the container's output, copied from the
engine's log (a copy begun from the attach stream is attachcopy.AttachedLogCopy).

A follower thread appends what the engine's log streams. When the container has
exited, finish() makes the copy complete: it takes what comes after the last frame
written from the log's last frames, and checks that the copy then ends as they do. On
an engine whose followed stream may skip records (Podman), it compares the copy with a
plain read of the whole log, and reads the log again over the copy when they differ. A
broken connection or a full disk never leaves a torn frame in the file: a failed write
is cut back to the last whole block. A copy already on disk (a take-over's), one whose
stream broke, or one otherwise in doubt, is checked by reading the log from its start
over it (`_check_again`): equal bytes stay, and from the first difference on, the log's
account is written.

The log is never read "since" the copy's last time: Docker's log may order lines unlike
their times (the pieces of a line over 16 KiB all carry the first piece's time; stdout
and stderr are stamped apart), so such a read may pass over a frame the copy lacks, and
the frames after the copy's last time among the log's last ones may hold one it has.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from .engine.boundary import EngineBoundary, OutputStream
from .engine.errors import ContainerGone, EngineUnavailable
from .logchecks import are_the_last, ends_like, missed_frames, whole_log_cursor
from .logfile import LogFile
from .logsetup import get_logger
from .logstream import (
    FrameDecoder,
    LogCursor,
    StreamError,
    advance,
)

log = get_logger(__name__)

_IDLE_AFTER_EXIT = 2.0  # a follower that receives nothing for this long after the exit is cut


class LogCopy:
    """A task's log file, kept an exact copy of the engine's account of its output."""

    keeps_copy_on_disk = True  # the copy begins from the engine's log, over what is there

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
        # The engine's log gives the output from its start. A copy already on disk (a
        # take-over's) is kept and read over, not written afresh: someone following the
        # file (logs -f) has read it, and must not see it shrink and grow again. Its time
        # index is kept with it, so that `logs -t` still has the lines' times meanwhile.
        self._file = LogFile(path, times_path, keep=self.keeps_copy_on_disk)
        self._times = self._file.times
        # While a copy on disk, or one made otherwise (attachcopy.py) that is in doubt, is
        # read over from the log's start: how many bytes of the log's output (up to the
        # cursor) have been compared with the copy, or appended to it.
        self._rereading = self._file.size > 0
        self._log_read = 0
        self._closed = False
        self._follower = threading.Thread(target=self._follow, name=f"logs-{task_id}", daemon=True)

    def start(self) -> None:
        self._follower.start()

    def finish(self) -> None:
        """After the container exited: end the follower (it ends by itself when the engine
        closes the stream; one that stalls is cut), then append whatever it missed. Raises
        OSError (the disk) or EngineUnavailable (the engine) when that cannot be done now;
        calling it again completes it (where the followed log may skip records, by
        comparing the copy with the whole log again)."""
        aborted_at = None
        while self._follower.is_alive():
            self._follower.join(0.2)
            idle = time.monotonic() - self._last_progress
            if aborted_at is None and idle > _IDLE_AFTER_EXIT:
                self.abort()
                aborted_at = time.monotonic()
            elif aborted_at is not None and time.monotonic() - aborted_at > _IDLE_AFTER_EXIT:
                # Still waiting for the engine to open its stream, which an abort cannot
                # reach: once it opens, the follower finds the copy stopped and writes
                # nothing (_copy), so the copy is completed without it.
                break
        try:
            self._complete()
        except ContainerGone:
            log.warning("task %s: its container was removed before its log was read", self.task_id)

    def _complete(self) -> None:
        """Make the copy whole once the follower has ended."""
        if not self.engine.follows_exactly:
            # The followed copy may have holes: if a plain read of the whole log
            # differs from it, read the log again over it.
            if self._same_as_whole_log():
                return
            self._check_again()
            self._complete_over_copy()
            return
        if self._rereading:
            self._complete_over_copy()
        elif not self._complete_from_tail():
            # Never a read "since" the copy's last time (module docstring): the whole log,
            # read over the copy.
            self._check_again()
            self._complete_over_copy()

    def _complete_over_copy(self) -> None:
        """The log was being read again over the copy: read the rest of it, and cut what
        the copy holds past the log's end."""
        caught_up = self.cursor.timestamp and self._log_read >= self._file.size
        if caught_up and self._complete_from_tail():
            return
        if self.cursor.timestamp:  # never a read "since" a time: from the log's start
            self._check_again()
        self._copy(follow=False)
        with self._lock:
            if self._log_read < self._file.size:
                self._file.cut(self._log_read)

    def _check_again(self) -> None:
        """From now on, read the engine's log from its start over the copy made so far."""
        with self._lock:
            self._read_again_from_start()

    def _read_again_from_start(self) -> None:
        """The next read starts at the log's start; the index is written again (locked)."""
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

    def _complete_from_tail(self) -> bool:
        """Append what the follower missed from the log's last frames; False when they
        do not reach back to the cursor, or when the copy does not end as the frames
        before them do (their order and their times disagreed: nothing is written, and
        the copy is to be read again)."""
        if not self.cursor.timestamp:
            return False  # nothing copied yet: the whole log is wanted
        with self._lock:
            found = missed_frames(self.engine, self.container_id, self.cursor)
            if found is None:
                return False
            missed, frames, whole = found
            split = len(frames) - len(missed)
            # Written only if they are the log's last frames and the copy ends with the
            # ones before them: else the log's order and its times disagreed.
            if are_the_last(missed, frames) and ends_like(frames[:split], self._file, whole=whole):
                if missed:
                    start = self._file.size
                    self._file.append(b"".join(payload for _, payload in missed))
                    self.cursor = advance(self.cursor, [stamp for stamp, _ in missed])
                    self._note_frame_times(start, missed)
                return True
        log.info("task %s: the copy differs from the log's end; reading it again", self.task_id)
        self._check_again()
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
        self._file.close()

    def _note_frame_times(self, start: int, frames: list[tuple[bytes, bytes]]) -> None:
        """Index the time of each frame written from `start` on, as the follower would
        have, at each change of time."""
        if self._times is None:
            return
        written = start
        for index, (stamp, payload) in enumerate(frames):
            written += len(payload)
            if index + 1 == len(frames) or frames[index + 1][0] != stamp:
                self._times.note(written, stamp)

    def _follow(self) -> None:
        try:
            self._run_follower()
        finally:
            with self._lock_fd:
                closed_meanwhile = self._closed
            if closed_meanwhile:
                self._close_files()

    def _run_follower(self) -> None:
        self._follow_until_stopped()

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
            if self._stop.wait(delay):
                return  # stopped (finish() completes the copy), not to read on
            delay = min(delay * 2, 2.0)
            if self.cursor.timestamp:  # never a read "since" a time: from the log's start
                self._check_again()

    def _copy(self, *, follow: bool) -> None:
        # Opened outside the lock: a followed stream the engine never opens must not keep
        # finish() from completing the copy.
        # Always from the log's start (module docstring): the cursor is empty here.
        stream = self.engine.open_logs(self.container_id, follow=follow, since=None)
        with self._lock:
            if follow and self._stop.is_set():
                stream.close()
                return
            self._stream = stream
            try:
                # Index each time in a block of many frames (local_driver_newlines.py).
                marks = not (follow and self.engine.follows_exactly)
                decoder = FrameDecoder(self.cursor, marks=marks)
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
