"""LogFile: a log opened again by a take-over keeps its bytes, and the engine's log read
over it appends only what the file does not hold yet."""

from __future__ import annotations

from pathlib import Path

from agents_runner.logfile import LogFile
from agents_runner.logtimes import LogTimes


def test_a_kept_log_keeps_its_bytes_and_appends_at_its_end(tmp_path: Path) -> None:
    path = tmp_path / "task.log"
    path.write_bytes(b"started\n")
    log = LogFile(path, None, keep=True)
    assert log.size == 8
    log.append(log.check(b"started\nfinished\n", at=0))
    log.close()
    assert path.read_bytes() == b"started\nfinished\n"


def test_a_kept_log_is_cut_at_the_first_difference(tmp_path: Path) -> None:
    path = tmp_path / "task.log"
    path.write_bytes(b"started\nwrong\n")
    log = LogFile(path, tmp_path / "task.times", keep=True)
    log.append(log.check(b"started\nright\n", at=0))
    log.close()
    assert path.read_bytes() == b"started\nright\n"


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
