"""Whether a copy's bytes are what Docker's json-file log keeps of them, frame by frame.

json-file keeps each log message as text: a byte that is not part of valid UTF-8
within its message becomes U+FFFD. A line longer than 16 KiB is logged in pieces, each
its own message (and its own frame when the log is read back), so a character that a
piece's end cuts is U+FFFD in both pieces, though the agent printed it whole. Compared
as one text, such a copy differs from the log; compared piece by piece, it does not.
"""

from __future__ import annotations

from .logstream import as_json_file_text

REPLACEMENT = "\ufffd".encode()  # U+FFFD, as json-file writes it
PIECE = 16 * 1024  # json-file logs a longer line in pieces of this many bytes
# Past this many U+FFFD in the frames (binary output), the walk would cost more than
# reading the log again over the copy.
_MOST_REPLACEMENTS = 1024


def ends_with_pieces(raw: bytes, frames: list[tuple[bytes, bytes]], *, whole: bool) -> bool:
    """Whether `raw` ends with bytes that json-file keeps as these frames (timestamp and
    payload), one piece each (and is only those bytes, when they are the `whole` log).
    A piece that the next frame continues (no newline, the same time: the pieces of a
    line carry its first one's) holds exactly PIECE bytes."""
    if sum(payload.count(REPLACEMENT) for _, payload in frames) > _MOST_REPLACEMENTS:
        return False
    end = len(raw)
    following = b""
    for stamp, payload in reversed(frames):
        start = _piece_start(raw, end, payload)
        if start is None:
            return False
        continued = stamp == following and not payload.endswith(b"\n")
        if continued and end - start != PIECE:
            return False
        end, following = start, stamp
    return end == 0 or not whole


def _piece_start(raw: bytes, end: int, text: bytes) -> int | None:
    """Where the bytes of `raw` that end at `end`, and that json-file keeps as `text`,
    begin; None when no such bytes end there. Each U+FFFD of `text` is the agent's own
    (three bytes) or one byte that was not UTF-8 within its piece; the guess is checked."""
    i, j = end, len(text)
    while True:
        k = text.rfind(REPLACEMENT, 0, j)
        same_from = k + len(REPLACEMENT) if k >= 0 else 0
        count = j - same_from
        if count > i or raw[i - count : i] != text[same_from:j]:
            return None
        i -= count
        if k < 0:
            break
        if raw[max(0, i - len(REPLACEMENT)) : i] == REPLACEMENT:
            i -= len(REPLACEMENT)
        elif i > 0:
            i -= 1
        else:
            return None
        j = k
    return i if as_json_file_text(raw[i:end]) == text else None
