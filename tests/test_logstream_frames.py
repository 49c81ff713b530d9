"""Docker's multiplexed frames without timestamps (the attach stream), a log cut inside a
frame's header, and a cursor that counts more frames than the log still holds
(agents_runner/logstream.py). Written after a sweep of logstream.py's mutants against
the unit tests alone (seed 20261216) left these untested below the scenarios."""

from __future__ import annotations

import random

import pytest

from agents_runner.logstream import (
    BareFrameDecoder,
    LogCursor,
    StreamError,
    after_cursor,
    split_frames,
)


def bare(payload: bytes, stream: int = 1) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def test_attach_frames_fed_in_pieces_of_any_size_give_their_output_in_order() -> None:
    # Lengths past 255 and 65,535 use every byte of the header's size.
    payloads = [b"a\n", b"x" * 300, b"", b"\xff\x00 two\n", b"y" * 70_000, b"end\n"]
    wire = b"".join(bare(p, stream=1 + i % 2) for i, p in enumerate(payloads))
    rng = random.Random(20261216)
    for pieces in ([len(wire)], [1] * 64, None):
        decoder, out, position = BareFrameDecoder(), [], 0
        while position < len(wire):
            step = pieces.pop(0) if pieces else rng.randint(1, 9000)
            out.append(decoder.feed(wire[position : position + step]))
            position += step
        assert b"".join(out) == b"".join(payloads)
        assert decoder.pending == 0


def test_an_attach_frame_not_yet_whole_waits_for_the_rest() -> None:
    decoder = BareFrameDecoder()
    wire = bare(b"first\n") + bare(b"second\n")

    assert decoder.feed(wire[:-3]) == b"first\n"
    assert decoder.pending == len(bare(b"second\n")) - 3
    assert decoder.feed(wire[-3:]) == b"second\n"
    assert decoder.pending == 0


def test_a_log_that_ends_inside_a_frame_s_header_says_so() -> None:
    whole = bare(b"2026-11-25T16:05:12.5Z a\n")
    with pytest.raises(StreamError, match="ends inside a frame header"):
        split_frames(whole + whole[:3])
    with pytest.raises(StreamError, match=r"ends inside a frame$"):
        split_frames(whole + whole[:9])


def test_frames_after_the_cursor_s_time_come_even_when_it_counts_more_than_are_left() -> None:
    zero, early, at, later = (f"2026-11-25T16:05:12.{n}Z".encode() for n in (0, 1, 2, 3))
    frames = [(early, b"e"), (at, b"a"), (later, b"l")]

    assert after_cursor(frames, LogCursor(at, 3)) == [(later, b"l")]
    assert after_cursor(frames, LogCursor(at, 1)) == [(later, b"l")]
    assert after_cursor([(zero, b"z"), *frames], LogCursor(early, 1)) == frames[1:]


def test_an_attach_frame_of_16_mib_or_more_is_read_whole() -> None:
    payload = b"z" * (2**24 + 1)  # its length's first byte is not zero
    decoder = BareFrameDecoder()

    assert decoder.feed(bare(payload) + bare(b"after\n")) == payload + b"after\n"
    assert decoder.pending == 0
