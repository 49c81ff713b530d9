"""The newlines that Docker 20.10's `local` log driver drops, put back.

A Swarm node keeps a task's log in the `local` driver. Docker's log copier hands a line
of 16 KiB or more to the driver in pieces: each full piece holds 16,384 bytes, and the
last one what is left before the newline (0 to 16,383 bytes). Every piece carries the
time of the line's first one. The driver reads the last piece back as a partial one,
without the newline that ended it.

Over the API that last piece has one twin: output that ended (the container closed its
stdout or stderr) in the middle of a long line, which the copier hands over the same way
and which had no newline. Only the end of a stream tells them apart: a stream that goes
on after the piece has not ended, so its line ended with a newline. So a frame that may
be such a last piece is held back, with every frame after it (to keep their order),
until a later frame of its own stream shows that the newline was there; at the end of
the log it is given as the engine keeps it, without one. So is a piece held behind more
than HOLD_LIMIT bytes of the other stream's output: what is held stays in memory.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .jsonfile_pieces import PIECE  # Docker's log copier's, whatever the driver

HOLD_LIMIT = 8 * 1024 * 1024


@dataclass
class _Held:
    stream: int
    frame: bytes
    ended_line: bool  # a line's last piece, its newline not yet known


class NewlineRestorer:
    """Docker's multiplexed log frames with timestamps, fed in blocks of any size; what
    comes out is the same frames, with the newline put back after a long line's last
    piece once the log shows it was there."""

    def __init__(self) -> None:
        self._buffer = b""
        self._open_lines: dict[int, bytes] = {}  # stream -> time of its full piece
        self._held: deque[_Held] = deque()
        self._held_bytes = 0
        self._waiting: dict[int, _Held] = {}  # stream -> its held last piece

    def feed(self, data: bytes) -> bytes:
        """The whole frames of `data` that can be given now; the rest waits."""
        buffer = self._buffer + data if self._buffer else data
        out: list[bytes] = []
        position, size, passed_from = 0, len(buffer), 0
        while size - position >= 8:
            end = position + 8 + int.from_bytes(buffer[position + 4 : position + 8], "big")
            if end > size:
                break
            stream = buffer[position]
            ended_line = self._ended_line(buffer, position, end, stream)
            if self._held or ended_line:
                out.append(buffer[passed_from:position])
                self._hold(_Held(stream, buffer[position:end], ended_line), out)
                passed_from = end
            position = end
        out.append(buffer[passed_from:position])
        self._buffer = buffer[position:]
        return b"".join(out)

    def finish(self) -> bytes:
        """The end of the log: what is held, as the engine gave it (a stream that ended
        in a long line's last piece may have printed no newline), and any bytes of an
        unfinished frame, for the frames' decoder to find."""
        held = b"".join(h.frame for h in self._held)
        self._held.clear()
        self._waiting.clear()
        self._held_bytes = 0
        rest, self._buffer = self._buffer, b""
        return held + rest

    def _ended_line(self, buffer: bytes, start: int, end: int, stream: int) -> bool:
        """Whether the frame may be the last piece of a long line: it has no newline,
        and the frame before it of its stream was a full piece with the same time."""
        if end > start + 8 and buffer[end - 1] == 0x0A:
            self._open_lines.pop(stream, None)
            return False
        space = buffer.find(b" ", start + 8, end)
        if space < 0:
            return False  # not a frame with a timestamp: the frames' decoder says so
        stamp = buffer[start + 8 : space]
        continues = self._open_lines.pop(stream, None) == stamp
        if end - space - 1 == PIECE:
            self._open_lines[stream] = stamp
            return False
        return continues

    def _hold(self, frame: _Held, out: list[bytes]) -> None:
        """Hold `frame` behind those held; a later frame of a held last piece's stream
        shows its line ended with a newline. Give what no longer waits."""
        if (waiting := self._waiting.pop(frame.stream, None)) is not None:
            waiting.frame = _with_newline(waiting.frame)
            waiting.ended_line = False
            self._held_bytes += 1
        if frame.ended_line:
            self._waiting[frame.stream] = frame
        self._held.append(frame)
        self._held_bytes += len(frame.frame)
        if self._held_bytes > HOLD_LIMIT:  # given as the driver kept them
            for held in self._waiting.values():
                held.ended_line = False
            self._waiting.clear()
        while self._held and not self._held[0].ended_line:
            given = self._held.popleft()
            self._held_bytes -= len(given.frame)
            out.append(given.frame)


def _with_newline(frame: bytes) -> bytes:
    length = int.from_bytes(frame[4:8], "big") + 1
    return frame[:4] + length.to_bytes(4, "big") + frame[8:] + b"\n"
