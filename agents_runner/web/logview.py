"""A task's log as the page and the API show it: by byte offset, its last lines, and as
text safe to show (colour codes stripped, other control bytes made visible)."""

from __future__ import annotations

import os
import re
from pathlib import Path

LOG_CHUNK = 65536  # bytes a log request returns at most
_TAIL_BLOCK = 8192
# CSI (colours, cursor moves), OSC (titles, links) and two-byte escapes, as terminals read them
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The start of an escape sequence, cut before its end (bytes)
_UNFINISHED_ESCAPE = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?)?")
_LONGEST_ESCAPE = 4096  # an OSC (a link's address) longer than this is not held back


def log_slice(path: Path, offset: int) -> tuple[bytes, int]:
    """The log's bytes from `offset` (at most LOG_CHUNK, cut after a line when there is
    more), and the offset that follows them: a reader that resumes there misses nothing
    and sees nothing twice."""
    try:
        with open(path, "rb") as log:
            if offset >= os.fstat(log.fileno()).st_size:  # past the end: nothing new (and
                return b"", offset  # an offset past what seek takes is no error)
            log.seek(offset)
            data = log.read(LOG_CHUNK)
    except FileNotFoundError:
        return b"", offset
    if len(data) == LOG_CHUNK:
        data = data[: _safe_end(data)]
    return data, offset + len(data)


def _safe_end(data: bytes) -> int:
    """Where a full chunk is cut: after its last newline; in a line longer than a chunk,
    before an escape sequence or a UTF-8 character the cut would split (each chunk is
    shown alone). Never at 0: a chunk of one unending sequence is served as it is."""
    if b"\n" in data:
        return data.rindex(b"\n") + 1
    end = len(data)
    window = max(0, end - _LONGEST_ESCAPE)
    last = data.rfind(b"\x1b", window)
    # The one before counts too: an OSC cut between its ST's two bytes ends in an ESC.
    for escape in (data.rfind(b"\x1b", window, max(last, 0)), last):
        if escape > 0 and _UNFINISHED_ESCAPE.fullmatch(data, escape):
            return escape
    for back in range(1, 4):  # a UTF-8 character is at most 4 bytes
        byte = data[end - back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: the character's first
            length = 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4
            if byte >= 0xC0 and back < length and end - back > 0:
                return end - back
            break
    return end


def tail_offset(path: Path, lines: int) -> int:
    """The offset where the log's last `lines` lines begin (a last line without its
    newline counts as one), read backwards a block at a time."""
    try:
        with open(path, "rb") as log:
            end = log.seek(0, os.SEEK_END)
            if lines <= 0:
                return end
            position, seen = end, 0
            log.seek(max(0, end - 1))
            if log.read(1) == b"\n":
                seen = -1  # the final newline ends the last line, it starts none
            while position > 0:
                start = max(0, position - _TAIL_BLOCK)
                log.seek(start)
                block = log.read(position - start)
                for index in range(len(block) - 1, -1, -1):
                    if block[index] == 0x0A:
                        seen += 1
                        if seen == lines:
                            return start + index + 1
                position = start
            return 0
    except FileNotFoundError:
        return 0


def shown(data: bytes) -> str:
    """The bytes as text to show: UTF-8 (a byte that is not becomes U+FFFD), colour and
    other escape sequences removed, other control characters (not newline or tab) as
    their visible symbols (U+2400 and on), so binary output cannot disturb the page."""
    text = _ANSI.sub("", data.decode("utf-8", errors="replace").replace("\r\n", "\n"))
    return _CONTROL.sub(lambda c: chr(0x2400 + ord(c[0]) if c[0] != "\x7f" else 0x2421), text)
