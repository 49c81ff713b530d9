"""Reads of the engine's own log that check a task's copy or complete it, and whether
a container's attach stream ended with its exit."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from .engine.boundary import EngineBoundary
from .engine.errors import EngineUnavailable
from .jsonfile_pieces import REPLACEMENT, ends_with_pieces
from .logfile import LogFile
from .logstream import (
    FrameDecoder,
    LogCursor,
    StreamError,
    after_cursor,
    as_json_file_text,
    split_frames,
)

TAILS = (256, 8192)  # how many of the log's last frames to look back at, before a full read
LAST_FRAMES = TAILS[0]  # how many of the log's last frames the copy's end is compared with
EXIT_AFTER_ATTACH = 3.0  # how long after the attach stream's end the exit may be recorded

Frames = list[tuple[bytes, bytes]]  # (timestamp, output) pairs, in the log's order


def exits_soon(engine: EngineBoundary, container_id: str, stop: threading.Event) -> bool:
    """Whether the container has exited, or does so within a few seconds: the attach
    stream ends a moment before the engine records the exit. A stream that ends while
    the agent goes on running was cut."""
    until = time.monotonic() + EXIT_AFTER_ATTACH
    while True:
        found = engine.inspect(container_id)
        if found is None:
            return False  # removed: its log went with it, nothing to check against
        if not found.running:
            return True
        if time.monotonic() > until or stop.wait(0.05):
            return False


def last_frames(engine: EngineBoundary, container_id: str, tail: int) -> Frames:
    """The log's last `tail` frames, as (timestamp, output) pairs."""
    stream = engine.open_logs(container_id, follow=False, since=None, tail=tail)
    try:
        data = b"".join(stream.blocks())
    finally:
        stream.close()
    try:
        return split_frames(data)
    except StreamError as exc:
        raise EngineUnavailable(f"the log stream is garbled: {exc}") from exc


def ends_like_log(engine: EngineBoundary, container_id: str, file: LogFile) -> bool:
    """Whether the copy ends with the engine's last log frames (is all of them, when
    the log has fewer), byte for byte, or as Docker's json-file log keeps it as text."""
    frames = last_frames(engine, container_id, LAST_FRAMES)
    return ends_like(frames, file, whole=len(frames) < LAST_FRAMES)


def ends_like(frames: Frames, file: LogFile, *, whole: bool) -> bool:
    """Whether the copy ends with these frames (the log's last ones; is all of them,
    when they are the `whole` log), byte for byte or as json-file keeps it as text,
    piece by piece."""
    last = b"".join(payload for _, payload in frames)
    start = 0 if whole else max(0, file.size - len(last))
    ours = file.read(file.size - start, start)
    if ours == last:
        return True
    text = as_json_file_text(ours)
    if text == last if whole else text.endswith(last):
        return True
    if REPLACEMENT not in last:
        return False
    # A long line's pieces, each kept as text on its own (jsonfile_pieces.py): `ours`
    # holds them all, for no more bytes than the frames hold can be kept as them.
    return ends_with_pieces(ours, frames, whole=whole)


def missed_frames(
    engine: EngineBoundary, container_id: str, cursor: LogCursor
) -> tuple[Frames, Frames, bool] | None:
    """The frames after `cursor`, from the log's last frames, which the engine reads
    from the end of its file (a read "since" a time scans the whole file), with the last
    frames they were found in and whether those are the whole log; None when the last
    frames do not reach back to the cursor."""
    for tail in TAILS:
        frames = last_frames(engine, container_id, tail)
        missed = after_cursor(frames, cursor)
        whole = len(frames) < tail
        if missed is None and whole:
            missed = after_cursor([(b"0001-01-01T00:00:00Z", b""), *frames], cursor)
        if missed is not None:
            return missed, frames, whole
    return None


def are_the_last(missed: Frames, frames: Frames) -> bool:
    """Whether the frames after the cursor are the last of `frames` themselves: not so
    where a frame of the cursor's own time comes after later ones (the log's order and
    its times disagree)."""
    return frames[len(frames) - len(missed) :] == missed


def whole_log_cursor(engine: EngineBoundary, container_id: str, path: Path) -> LogCursor | None:
    """The cursor at the log's end, when the copy at `path` is byte for byte the
    engine's whole log, read without following; None when it is not."""
    stream = engine.open_logs(container_id, follow=False, since=None)
    try:
        decoder = FrameDecoder()
        with open(path, "rb") as ours:
            for block in stream.blocks():
                try:
                    data = decoder.feed(block)
                except StreamError as exc:
                    raise EngineUnavailable(f"the log stream is garbled: {exc}") from exc
                if ours.read(len(data)) != data:
                    return None
            same = not decoder.pending and not ours.read(1)
    finally:
        stream.close()
    return decoder.cursor if same else None
