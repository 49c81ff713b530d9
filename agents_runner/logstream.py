"""Decoding the engine's log stream, fast: HTTP chunked transfer encoding, then Docker's
multiplexed frames (an 8-byte header: stream, 3 zero bytes, big-endian length), each
frame prefixed with its timestamp ("2026-11-25T16:05:12.507341621Z ").

docker-py reads each frame with two socket reads, which is too slow for an agent that
prints many short lines. This reads big blocks and splits them in memory.

The timestamps make a copy resumable: a LogCursor is the timestamp of the last frame
written and how many frames carried it, so a new request "since" that time can skip
exactly what was already written (Docker's "since" keeps frames at that very time).
"""

from __future__ import annotations

import calendar
import codecs
from dataclasses import dataclass

_EACH_BYTE = "agents-runner-each-byte"
codecs.register_error(_EACH_BYTE, lambda exc: ("\ufffd" * (exc.end - exc.start), exc.end))


def as_json_file_text(data: bytes) -> bytes:
    """`data` as Docker's json-file log keeps it: text, in which each byte that is not
    part of valid UTF-8 became U+FFFD (Go's JSON encoder replaces them one by one)."""
    return data.decode("utf-8", _EACH_BYTE).encode("utf-8")


class StreamError(ValueError):
    """The bytes are not a chunked stream of log frames."""


@dataclass(frozen=True)
class LogCursor:
    """Where a copy stands: the last frame's timestamp, and how many frames with that
    exact timestamp were written (several lines read at once share one)."""

    timestamp: bytes = b""
    count: int = 0

    def since(self) -> str | None:
        """The cursor's time as the engine's `since` parameter ("seconds.nanoseconds")."""
        return to_unix_nanos(self.timestamp) if self.timestamp else None


class ChunkedDecoder:
    """HTTP/1.1 chunked transfer encoding, fed in pieces of any size."""

    def __init__(self) -> None:
        self._buffer = b""
        self._left = 0  # bytes of the current chunk still to come
        self._trailing = 0  # CRLF bytes after a chunk still to skip
        self.finished = False

    def feed(self, data: bytes) -> bytes:
        out = []
        buffer = self._buffer + data if self._buffer else data
        position = 0
        size = len(buffer)
        while position < size and not self.finished:
            if self._trailing:
                skip = min(self._trailing, size - position)
                position += skip
                self._trailing -= skip
                continue
            if self._left:
                end = min(size, position + self._left)
                out.append(buffer[position:end])
                self._left -= end - position
                position = end
                if not self._left:
                    self._trailing = 2
                continue
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                break
            try:
                chunk_size = int(buffer[position:line_end].split(b";", 1)[0], 16)
            except ValueError:
                raise StreamError(f"bad chunk size {buffer[position:line_end][:20]!r}") from None
            position = line_end + 2
            if chunk_size == 0:
                self.finished = True
            self._left = chunk_size
        self._buffer = buffer[position:] if not self.finished else b""
        return b"".join(out)


class FrameDecoder:
    """Docker's multiplexed frames with timestamps, fed in pieces of any size."""

    def __init__(self, cursor: LogCursor | None = None, *, marks: bool = False) -> None:
        self._buffer = b""
        self.cursor = cursor or LogCursor()
        self._skip = self.cursor.count  # frames at the cursor's time already written
        self._marking = marks
        # With `marks`: after each feed, (bytes of its output, timestamp) for each point
        # where the timestamp changed: the output before it was all stamped that time.
        self.marks: list[tuple[int, bytes]] = []

    def feed(self, data: bytes) -> bytes:
        """The output in `data`'s whole frames (timestamps removed); a partial frame waits
        for the next call. Advances the cursor past every frame returned."""
        buffer = self._buffer + data if self._buffer else data
        out = []
        position, size = 0, len(buffer)
        last, count = self.cursor.timestamp, self.cursor.count
        skip, skip_stamp = self._skip, self.cursor.timestamp
        marks, written = [], 0
        while size - position >= 8:
            length = int.from_bytes(buffer[position + 4 : position + 8], "big")
            end = position + 8 + length
            if end > size:
                break
            space = buffer.find(b" ", position + 8, end)
            if space < 0:
                raise StreamError("a log frame without a timestamp")
            stamp = buffer[position + 8 : space]
            position = end
            if skip:
                if stamp == skip_stamp:
                    skip -= 1
                    continue
                skip = 0
            if stamp == last:
                count += 1
            else:
                if self._marking and written:
                    marks.append((written, last))
                last, count = stamp, 1
            out.append(buffer[space + 1 : end])
            if self._marking:
                written += end - space - 1
        self.marks = marks
        self._skip = skip
        self._buffer = buffer[position:]
        self.cursor = LogCursor(last, count)
        return b"".join(out)

    @property
    def pending(self) -> int:
        return len(self._buffer)


class BareFrameDecoder:
    """Docker's multiplexed frames without timestamps (the attach stream), fed in pieces
    of any size."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> bytes:
        """The output in `data`'s whole frames; a partial frame waits for the next call."""
        buffer = self._buffer + data if self._buffer else data
        out = []
        position, size = 0, len(buffer)
        while size - position >= 8:
            end = position + 8 + int.from_bytes(buffer[position + 4 : position + 8], "big")
            if end > size:
                break
            out.append(buffer[position + 8 : end])
            position = end
        self._buffer = buffer[position:]
        return b"".join(out)

    @property
    def pending(self) -> int:
        return len(self._buffer)


def split_frames(data: bytes) -> list[tuple[bytes, bytes]]:
    """Whole frames as (timestamp, output) pairs; StreamError if `data` ends inside one."""
    frames, position, size = [], 0, len(data)
    while position < size:
        if size - position < 8:
            raise StreamError("the log ends inside a frame header")
        length = int.from_bytes(data[position + 4 : position + 8], "big")
        end = position + 8 + length
        if end > size:
            raise StreamError("the log ends inside a frame")
        space = data.find(b" ", position + 8, end)
        if space < 0:
            raise StreamError("a log frame without a timestamp")
        frames.append((data[position + 8 : space], data[space + 1 : end]))
        position = end
    return frames


def after_cursor(
    frames: list[tuple[bytes, bytes]], cursor: LogCursor
) -> list[tuple[bytes, bytes]] | None:
    """The frames among `frames` (the log's last ones) that come after `cursor`, or None
    when they do not reach back far enough to tell: then only a longer read can."""
    key = _order_key(cursor.timestamp)
    earlier = [i for i, (stamp, _) in enumerate(frames) if _order_key(stamp) < key]
    if not earlier:
        return None
    rest = frames[earlier[-1] + 1 :]
    skip = cursor.count
    out = []
    for stamp, payload in rest:
        if skip and stamp == cursor.timestamp:
            skip -= 1
            continue
        out.append((stamp, payload))
    return out


def advance(cursor: LogCursor, stamps: list[bytes]) -> LogCursor:
    """The cursor once frames with these timestamps have been written after it."""
    last, count = cursor.timestamp, cursor.count
    for stamp in stamps:
        last, count = (last, count + 1) if stamp == last else (stamp, 1)
    return LogCursor(last, count)


def _order_key(stamp: bytes) -> tuple[int, int]:
    seconds, _, nanos = to_unix_nanos(stamp).partition(".")
    return int(seconds), int(nanos)


def to_unix_nanos(stamp: bytes) -> str:
    """'2026-11-25T16:05:12.507341621Z' (or with an offset) as '1795622712.507341621'."""
    text = stamp.decode("ascii")
    offset = 0
    if text.endswith("Z"):
        text = text[:-1]
    elif len(text) > 6 and text[-6] in "+-" and text[-3] == ":":
        sign = 1 if text[-6] == "+" else -1
        offset = sign * (int(text[-5:-3]) * 3600 + int(text[-2:]) * 60)
        text = text[:-6]
    whole, _, fraction = text.partition(".")
    year, month, day = (int(part) for part in whole[:10].split("-"))
    hour, minute, second = (int(part) for part in whole[11:19].split(":"))
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset
    return f"{seconds}.{(fraction + '000000000')[:9]}"
