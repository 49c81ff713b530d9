"""AttachedLogCopy: a task's log copied from the attach stream, as `docker run` shows it.

The supervisor that starts a container (on Docker) attaches to it before the start,
and the copy is written as fast as the engine passes the output on, while a stamper
(logstamper.py) gives the time index the engine's own times. When the stream ends
with the container's exit, the copy's end is checked against the engine's last log
frames, as text where Docker's json-file keeps text; where they differ, or when the
stream breaks, stalls, or a write fails, the engine's log is read from its start over
the copy (LogCopy's `_check_again`): equal bytes stay, and from the first difference
on, the log's account is written, never a byte twice.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import failpoints
from .engine.boundary import EngineBoundary, OutputStream
from .engine.errors import EngineError, EngineUnavailable
from .logchecks import ends_like_log, exits_soon
from .logcopy import LogCopy
from .logsetup import get_logger
from .logstamper import LogStamper
from .logstream import BareFrameDecoder

if TYPE_CHECKING:
    from .store import TaskStore

log = get_logger(__name__)

_STAMPS_AFTER_EXIT = 0.5  # how long the engine's times may lag behind a whole attach copy


class AttachedLogCopy(LogCopy):
    """A LogCopy whose follower reads the attach stream first."""

    keeps_copy_on_disk = False  # the attach stream gives the output from the start

    def __init__(
        self,
        engine: EngineBoundary,
        container_id: str,
        path: Path,
        task_id: str,
        attach: OutputStream,
        times_path: Path | None = None,
    ) -> None:
        super().__init__(engine, container_id, path, task_id, times_path=times_path)
        self._attach = attach
        self._attach_whole = False  # the attach stream ended with the container's exit
        times = self._times
        self._stamper = LogStamper(engine, container_id, times) if times is not None else None

    def start(self) -> None:
        super().start()
        if self._stamper is not None:
            self._stamper.start()

    def abort(self) -> None:
        super().abort()
        if self._stamper is not None:
            self._stamper.stop()

    def _run_follower(self) -> None:
        if not self._copy_attached():
            super()._run_follower()

    def _copy_attached(self) -> bool:
        """Copy the attach stream; True when it ended with the container's exit, or the
        copy is being stopped. Otherwise the engine's log takes over, read from its
        start over what was written."""
        stream = self._attach
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
            failpoints.reach("attach-ended")
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
        if not whole and self._stamper is not None:
            self._stamper.stop()
        with self._lock:
            # Under the lock: finish() gives up on a follower only after stopping it, and
            # then completes the copy under the same lock.
            if self._stop.is_set():
                # Given up on (finish() waited too long, or the copy is being stopped):
                # finish() reads the log over the copy, and nothing is touched here after.
                return True
            if whole:
                self._attach_whole = True
                return True
            self._read_again_from_start()
        return False

    def _complete(self) -> None:
        """The end of a copy begun from the attach stream."""
        if self._attach_whole:
            if self._stamper is not None:
                self._stamper.finish(self._file.size, within=_STAMPS_AFTER_EXIT)
            with self._lock:
                if ends_like_log(self.engine, self.container_id, self._file):
                    return
            self._check_again()
            self._complete_over_copy()
            return
        # The stream broke, or the follower was given up on before it knew whether the
        # container exited: the copy is read over from the log's start.
        if not self._rereading:
            self._check_again()
        self._complete_over_copy()


def task_log_copy(
    engine: EngineBoundary,
    store: TaskStore,
    task_id: str,
    container_id: str,
    attach: OutputStream | None = None,
) -> LogCopy:
    """The copy of a task's output into its log file and time index in `store`: from
    the attach stream where there is one, else from the engine's log."""
    path, times_path = store.log_path(task_id), store.log_times_path(task_id)
    if attach is None:
        return LogCopy(engine, container_id, path, task_id, times_path=times_path)
    return AttachedLogCopy(engine, container_id, path, task_id, attach, times_path=times_path)
