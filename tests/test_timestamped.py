"""logs -t: the time index holds back a time within 10 ms of the last one only until the
next one or the end, and each line is printed after the first time at or past its end."""

import io

from agents_runner.logtimes import LogTimes
from agents_runner.timestamped import TimestampedLog


def test_a_time_held_back_is_written_before_the_next_and_at_the_end(tmp_path):
    path = tmp_path / "x.times"
    times = LogTimes(path)
    times.note(2, b"2026-12-03T16:00:00.000000000Z")
    times.note(4, b"2026-12-03T16:00:00.001000000Z")  # held back: within 10 ms
    times.note(6, b"2026-12-03T16:00:00.002000000Z")  # held back, in its place
    assert path.read_text().splitlines() == ["2 1796313600.000000000"]
    times.note(8, b"2026-12-03T16:00:05.000000000Z")
    times.note(10, b"2026-12-03T16:00:05.001000000Z")
    times.close()
    assert path.read_text().splitlines() == [
        "2 1796313600.000000000",
        "6 1796313600.002000000",
        "8 1796313605.000000000",
        "10 1796313605.001000000",
    ]


def test_each_line_takes_the_first_time_at_or_past_its_end(tmp_path):
    log, index = tmp_path / "x.log", tmp_path / "x.times"
    log.write_bytes(b"a\nb\nc\nd")
    index.write_text("2 1796313600.000000000\n4 1796313605.500000000\n")
    out = io.BytesIO()
    shown = TimestampedLog(log, index, out)
    shown.pump()
    assert out.getvalue() == (
        b"2026-12-03T16:00:00.000000000Z a\n2026-12-03T16:00:05.500000000Z b\n"
    )
    shown.pump()  # "c" is past the index twice running: the index's last time, "d" waits
    assert out.getvalue().endswith(b"2026-12-03T16:00:05.500000000Z c\n")
    shown.pump(final=True)
    assert out.getvalue().endswith(b"c\n2026-12-03T16:00:05.500000000Z d")


def test_a_line_the_index_reaches_by_the_next_pump_takes_that_time(tmp_path):
    log, index = tmp_path / "x.log", tmp_path / "x.times"
    log.write_bytes(b"a\n")
    index.write_text("")
    out = io.BytesIO()
    shown = TimestampedLog(log, index, out)
    shown.pump()
    assert out.getvalue() == b""
    index.write_text("2 1796313600.250000000\n")
    shown.pump()
    assert out.getvalue() == b"2026-12-03T16:00:00.250000000Z a\n"
