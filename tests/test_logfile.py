"""LogFile: a log opened again by a take-over keeps its bytes, and the engine's log read
over it appends only what the file does not hold yet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents_runner.logfile import LogFile
from agents_runner.logtimes import LogTimes


@pytest.mark.parametrize(
    ("on_disk", "engine_log"),
    [
        (b"started\n", b"started\nfinished\n"),  # kept, and appended to at its end
        (b"started\nwrong\n", b"started\nright\n"),  # cut at the first difference
    ],
)
def test_a_kept_log_read_over_becomes_the_engine_s_log(
    tmp_path: Path, on_disk: bytes, engine_log: bytes
) -> None:
    path = tmp_path / "task.log"
    path.write_bytes(on_disk)
    log = LogFile(path, tmp_path / "task.times", keep=True)
    assert log.size == len(on_disk)
    log.append(log.check(engine_log, at=0))
    log.close()
    assert path.read_bytes() == engine_log


def test_a_log_opened_without_keep_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "task.log"
    path.write_bytes(b"old output\n")
    log = LogFile(path, None)
    assert log.size == 0
    log.append(b"new\n")
    log.close()
    assert path.read_bytes() == b"new\n"


def test_a_cut_keeps_the_time_held_back_for_bytes_it_keeps(tmp_path: Path) -> None:
    """A time within 10 ms of the last one written is held back; a cut past its offset
    must not lose it, or the bytes before it would take a later line's time."""
    path = tmp_path / "task.times"
    times = LogTimes(path)
    second = 1_000_000_000
    times.note_at(8, 1000 * second)
    times.note_at(16, 1000 * second + 5_000_000)  # held back
    times.cut(16)
    times.note_at(24, 1003 * second)
    times.close()
    assert path.read_text().splitlines() == [
        "8 1000.000000000",
        "16 1000.005000000",
        "24 1003.000000000",
    ]


def test_a_kept_log_keeps_its_time_index_and_notes_only_past_it(tmp_path: Path) -> None:
    """A take-over reads the engine's log again over the copy: the lines the index has
    stay as they are, the times noted again for them are not written twice, and the
    lines past the kept log's end (or cut short) go."""
    path, times_path = tmp_path / "task.log", tmp_path / "task.times"
    path.write_bytes(b"early\nstarted\n")
    times_path.write_text("6 1000.000000000\n14 1000.300000000\n99 1001.000000000\n100 10")
    log = LogFile(path, times_path, keep=True)
    assert log.times is not None
    kept = ["6 1000.000000000", "14 1000.300000000"]
    assert times_path.read_text().splitlines() == kept  # what "logs -t" reads meanwhile
    log.times.note_at(6, 1000 * 10**9)  # the reread's times for the kept lines
    log.times.note_at(14, 1000 * 10**9 + 300_000_000)
    log.append(log.check(b"early\nstarted\nfinished\n", at=0))
    log.times.note_at(23, 1002 * 10**9)
    log.close()
    assert times_path.read_text().splitlines() == [*kept, "23 1002.000000000"]


def test_a_kept_index_cut_where_the_log_differs_takes_the_new_times(tmp_path: Path) -> None:
    path, times_path = tmp_path / "task.log", tmp_path / "task.times"
    path.write_bytes(b"early\nwrong\n")
    times_path.write_text("6 1000.000000000\n12 1000.300000000\n")
    log = LogFile(path, times_path, keep=True)
    assert log.times is not None
    log.append(log.check(b"early\nright\n", at=0))  # cut at byte 6, the index too
    log.times.note_at(6, 1000 * 10**9)
    log.times.note_at(12, 1000 * 10**9 + 400_000_000)
    log.close()
    assert times_path.read_text().splitlines() == ["6 1000.000000000", "12 1000.400000000"]


def test_a_log_opened_without_keep_starts_its_time_index_afresh(tmp_path: Path) -> None:
    path, times_path = tmp_path / "task.log", tmp_path / "task.times"
    path.write_bytes(b"old\n")
    times_path.write_text("4 1000.000000000\n")
    log = LogFile(path, times_path)
    assert log.times is not None
    log.times.note_at(4, 2000 * 10**9)
    log.close()
    assert times_path.read_text() == "4 2000.000000000\n"


def _kept(tmp_path: Path, log: bytes, index: str) -> tuple[LogFile, Path]:
    path, times_path = tmp_path / "task.log", tmp_path / "task.times"
    path.write_bytes(log)
    os.utime(path, ns=(1005 * 10**9, 1005 * 10**9))  # the last write to the log: 1005 s
    times_path.write_text(index)
    return LogFile(path, times_path, keep=True), times_path


def test_a_kept_index_that_ends_before_the_log_says_the_rest_came_by_its_mtime(
    tmp_path: Path,
) -> None:
    """The dead process's last time was held back, or its stamper lagged: until the times
    read again reach the log's end, the rest is stamped late (the log's mtime), never
    with the index's last time, which is early for it."""
    log, times_path = _kept(tmp_path, b"early\nstarted\nlate\n", "6 1000.000000000\n")
    assert times_path.read_text().splitlines() == ["6 1000.000000000", "19 1005.000000000"]
    assert log.times is not None
    log.times.note_at(6, 1000 * 10**9)
    log.times.note_at(14, 1000 * 10**9 + 300_000_000)  # inside the gap: kept back
    assert times_path.read_text().splitlines()[-1] == "19 1005.000000000"
    log.times.note_at(19, 1004 * 10**9)  # the gap's end: its times take the line's place
    log.close()
    assert times_path.read_text().splitlines() == [
        "6 1000.000000000",
        "14 1000.300000000",
        "19 1004.000000000",
    ]


@pytest.mark.parametrize(
    ("on_disk", "index", "read_before", "engine_log", "read_after", "kept"),
    [
        pytest.param(  # cut at byte 8, inside the gap: the times read up to it stay
            b"early\nwrong\n",
            "6 1000.000000000\n",
            [(6, 1000.0), (9, 1000.1)],
            b"early\nwr!ng\n",
            [(12, 1000.2)],
            ["6 1000.000000000", "12 1000.200000000"],
            id="inside the gap",
        ),
        pytest.param(  # the kept line at 20 goes with the cut at 16: the time read
            b"early\nstarted\nwrong\n",  # again for byte 14 (skipped, as that line
            "6 1000.000000000\n20 1000.500000000\n",  # covered it) takes its place
            [(6, 1000.0), (14, 1000.3)],
            b"early\nstarted\nwr!ng\n",
            [(20, 1000.6)],
            ["6 1000.000000000", "14 1000.300000000", "20 1000.600000000"],
            id="inside the kept index",
        ),
    ],
)
def test_a_kept_log_cut_where_it_differs_keeps_a_time_for_every_byte_before_the_cut(
    tmp_path: Path,
    on_disk: bytes,
    index: str,
    read_before: list[tuple[int, float]],
    engine_log: bytes,
    read_after: list[tuple[int, float]],
    kept: list[str],
) -> None:
    log, times_path = _kept(tmp_path, on_disk, index)
    assert log.times is not None
    for offset, seconds in read_before:
        log.times.note_at(offset, round(seconds * 10**9))
    log.append(log.check(engine_log, at=0))
    for offset, seconds in read_after:
        log.times.note_at(offset, round(seconds * 10**9))
    log.close()
    assert times_path.read_text().splitlines() == kept


def test_a_kept_index_with_a_line_it_cannot_read_keeps_the_lines_before_it(
    tmp_path: Path,
) -> None:
    log, times_path = _kept(tmp_path, b"early\nstarted\n", "6 1000.000000000\nx7 garbage\n")
    assert log.times is not None
    log.times.note_at(6, 1000 * 10**9)
    log.times.note_at(14, 1000 * 10**9 + 300_000_000)
    log.close()
    assert times_path.read_text().splitlines() == ["6 1000.000000000", "14 1000.300000000"]
