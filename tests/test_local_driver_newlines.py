"""The newlines that Docker 20.10's `local` log driver drops, put back
(local_driver_newlines.py). The frames here are shaped as that driver gives them, which
was seen on the test Swarm's nodes: a line of 40,000 bytes comes back as 16,384, 16,384
and 7,232 bytes, all with the line's first time and no newline; one of exactly 16,384 as
16,384 and an empty piece."""

import random

from agents_runner.local_driver_newlines import HOLD_LIMIT, PIECE, NewlineRestorer
from agents_runner.logstream import FrameDecoder

STDOUT, STDERR = 1, 2


def _frame(stream: int, stamp: str, body: bytes) -> bytes:
    payload = stamp.encode() + b" " + body
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def _as_local_driver_gives(stream: int, output: bytes, first_second: int = 0) -> list[bytes]:
    """`output` as the driver reads it back: a line of 16 KiB or more in full pieces and a
    last one, all with the line's time and none with the newline."""
    frames, second = [], first_second
    lines = output.split(b"\n")
    for index, line in enumerate(lines):
        ends_output = index == len(lines) - 1
        if ends_output and not line:
            break
        stamp = f"2026-12-06T10:00:{second:02d}.5Z"
        second += 1
        newline = b"" if ends_output else b"\n"
        if len(line) < PIECE:
            frames.append(_frame(stream, stamp, line + newline))
            continue
        for start in range(0, len(line) - len(line) % PIECE, PIECE):
            frames.append(_frame(stream, stamp, line[start : start + PIECE]))
        if len(line) % PIECE or not ends_output:
            frames.append(_frame(stream, stamp, line[len(line) - len(line) % PIECE :]))
    return frames


def _restored(frames: list[bytes], cuts: int = 0, seed: int = 0) -> bytes:
    """The output the frames decode to once restored, fed in blocks cut at random."""
    data = b"".join(frames)
    points = sorted(random.Random(seed).sample(range(1, len(data)), cuts)) if cuts else []
    restorer, decoder, out = NewlineRestorer(), FrameDecoder(), []
    for start, end in zip([0, *points], [*points, len(data)], strict=True):
        out.append(decoder.feed(restorer.feed(data[start:end])))
    out.append(decoder.feed(restorer.finish()))
    assert decoder.pending == 0
    return b"".join(out)


def test_a_long_line_s_newline_is_back_once_its_stream_goes_on() -> None:
    output = b"a" * 40_000 + b"\nshort\n" + b"c" * PIECE + b"\n" + b"d" * (PIECE - 1) + b"\nend\n"
    frames = _as_local_driver_gives(STDOUT, output)
    assert b"".join(frames).count(b"\n") == output.count(b"\n") - 2  # the driver's loss
    assert _restored(frames) == output
    for seed in range(20):
        assert _restored(frames, cuts=15, seed=seed) == output


def test_at_the_log_s_end_a_last_piece_is_left_as_the_driver_kept_it() -> None:
    """A stream that ended in a long line's last piece: with a newline or without one,
    the frames are the same, so nothing is added."""
    with_newline = _as_local_driver_gives(STDOUT, b"x\n" + b"a" * 20_000 + b"\n")
    without = _as_local_driver_gives(STDOUT, b"x\n" + b"a" * 20_000)
    assert with_newline == without
    assert _restored(without) == b"x\n" + b"a" * 20_000


def test_output_with_no_newline_at_all_is_untouched() -> None:
    output = b"x" * (5 * PIECE + 123)
    assert _restored(_as_local_driver_gives(STDOUT, output), cuts=9) == output


def test_frames_of_the_other_stream_wait_behind_a_held_piece_in_their_order() -> None:
    out_frames = _as_local_driver_gives(STDOUT, b"a" * 20_000 + b"\nafter\n")
    err_frames = _as_local_driver_gives(STDERR, b"e1\ne2\n", first_second=30)
    frames = [out_frames[0], out_frames[1], *err_frames, out_frames[2]]
    restorer = NewlineRestorer()
    given = restorer.feed(b"".join(frames[:4]))
    assert given == frames[0]  # the last piece, and stderr's lines behind it, wait
    given += restorer.feed(frames[4]) + restorer.finish()
    decoded = FrameDecoder().feed(given)
    assert decoded == b"a" * 20_000 + b"\ne1\ne2\nafter\n"


def test_the_other_stream_does_not_show_a_held_piece_s_newline() -> None:
    out_frames = _as_local_driver_gives(STDOUT, b"a" * 20_000)
    err_frames = _as_local_driver_gives(STDERR, b"e1\n", first_second=30)
    assert _restored([*out_frames, *err_frames]) == b"a" * 20_000 + b"e1\n"


def test_a_short_frame_after_a_full_piece_of_another_time_is_not_a_last_piece() -> None:
    """A frame is taken for a long line's last piece only when it has the time of the
    full piece before it (the time of the line's first piece)."""
    frames = [
        _frame(STDOUT, "2026-12-06T10:00:00.5Z", b"a" * PIECE),
        _frame(STDOUT, "2026-12-06T10:00:01.5Z", b"b"),
        _frame(STDOUT, "2026-12-06T10:00:02.5Z", b"c\n"),
    ]
    assert _restored(frames) == b"a" * PIECE + b"bc\n"


def test_ordinary_frames_pass_as_they_came() -> None:
    frames = _as_local_driver_gives(STDOUT, b"".join(b"line %d\n" % n for n in range(1000)))
    data = b"".join(frames)
    restorer = NewlineRestorer()
    assert restorer.feed(data[:5000]) + restorer.feed(data[5000:]) + restorer.finish() == data


def test_past_the_hold_limit_a_held_piece_is_given_as_the_driver_kept_it() -> None:
    """Another stream's output goes on behind a held piece; what is held stays in
    memory, so past HOLD_LIMIT bytes the piece goes as kept, and the rest flows."""
    out_frames = _as_local_driver_gives(STDOUT, b"a" * 20_000 + b"\nafter\n")
    line = b"e" * 999 + b"\n"
    err_count = HOLD_LIMIT // len(line) + 10
    err_frames = [_frame(STDERR, "2026-12-06T10:01:00.5Z", line)] * err_count
    restorer = NewlineRestorer()
    given = restorer.feed(b"".join(out_frames[:2]))
    given += restorer.feed(b"".join(err_frames))
    assert len(given) > HOLD_LIMIT  # not all held to the end
    given += restorer.feed(out_frames[2]) + restorer.finish()
    assert FrameDecoder().feed(given) == b"a" * 20_000 + line * err_count + b"after\n"
