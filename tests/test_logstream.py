import random

import pytest

from agents_runner.logstream import (
    ChunkedDecoder,
    FrameDecoder,
    LogCursor,
    StreamError,
    advance,
    after_cursor,
    split_frames,
    to_unix_nanos,
)


def frame(stamp: str, payload: bytes, stream: int = 1) -> bytes:
    body = stamp.encode() + b" " + payload
    return bytes([stream, 0, 0, 0]) + len(body).to_bytes(4, "big") + body


def chunked(data: bytes, sizes: list[int]) -> bytes:
    out, position = [], 0
    for size in sizes:
        piece = data[position : position + size]
        position += size
        if piece:
            out.append(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    if position < len(data):
        rest = data[position:]
        out.append(f"{len(rest):x}\r\n".encode() + rest + b"\r\n")
    return b"".join(out) + b"0\r\n\r\n"


T1 = "2026-11-25T16:05:12.507341621Z"
T2 = "2026-11-25T16:05:12.600000000Z"


def test_frames_split_anywhere_decode_to_the_same_bytes():
    frames = frame(T1, b"a\n") + frame(T1, b"b") + frame(T2, b"\xff\x00c\n", stream=2)
    wire = chunked(frames, [3, 7, 11, 5])
    rng = random.Random(7)
    for _ in range(50):
        chunks, frames_out = ChunkedDecoder(), FrameDecoder()
        position, out = 0, []
        while position < len(wire):
            step = rng.randint(1, 9)
            out.append(frames_out.feed(chunks.feed(wire[position : position + step])))
            position += step
        assert b"".join(out) == b"a\nb\xff\x00c\n"
        assert chunks.finished
        assert frames_out.cursor == LogCursor(T2.encode(), 1)


def test_cursor_counts_frames_that_share_a_timestamp_and_skips_them_on_resume():
    first = FrameDecoder()
    assert first.feed(frame(T1, b"x") + frame(T1, b"y")) == b"xy"
    assert first.cursor == LogCursor(T1.encode(), 2)
    resumed = FrameDecoder(first.cursor)
    again = frame(T1, b"x") + frame(T1, b"y") + frame(T1, b"z") + frame(T2, b"w")
    assert resumed.feed(again) == b"zw"
    assert resumed.cursor == LogCursor(T2.encode(), 1)


def test_a_frame_without_timestamp_is_an_error():
    body = b"no-timestamp"
    with pytest.raises(StreamError):
        FrameDecoder().feed(bytes([1, 0, 0, 0]) + len(body).to_bytes(4, "big") + body)


def test_unix_nanos_keeps_every_digit():
    assert to_unix_nanos(b"1970-01-01T00:00:01.000000001Z") == "1.000000001"
    assert to_unix_nanos(b"2026-11-25T16:05:12.5Z") == "1795622712.500000000"
    assert to_unix_nanos(b"2026-11-25T18:05:12.5+02:00") == "1795622712.500000000"
    assert LogCursor().since() is None


def test_the_tail_completes_a_copy_from_its_cursor():
    log = [(T1.encode(), b"a"), (T1.encode(), b"b"), (T2.encode(), b"c"), (T2.encode(), b"d")]
    wire = b"".join(frame(stamp.decode(), payload) for stamp, payload in log)
    assert split_frames(wire) == log
    cursor = LogCursor(T1.encode(), 1)  # "a" was written
    # The last three frames do not reach back before the cursor's time: cannot tell.
    assert after_cursor(log[1:], cursor) is None
    sentinel = [(b"0001-01-01T00:00:00Z", b"")]
    missed = after_cursor(sentinel + log, cursor)
    assert [payload for _, payload in missed] == [b"b", b"c", b"d"]
    assert advance(cursor, [stamp for stamp, _ in missed]) == LogCursor(T2.encode(), 2)
    assert after_cursor(sentinel + log, LogCursor(T2.encode(), 2)) == []


def test_a_plain_read_marks_where_the_time_changes():
    decoder = FrameDecoder(marks=True)
    data = decoder.feed(
        frame("2026-11-26T01:00:05Z", b"early\n")
        + frame("2026-11-26T01:00:05Z", b"more\n")
        + frame("2026-11-26T01:00:06Z", b"late\n")
    )
    assert data == b"early\nmore\nlate\n"
    assert decoder.marks == [(11, b"2026-11-26T01:00:05Z")]
    assert FrameDecoder().feed(frame("2026-11-26T01:00:05Z", b"x")) == b"x"
