"""LogFile: a log opened again by a take-over keeps its bytes, and the engine's log read
over it appends only what the file does not hold yet."""

from __future__ import annotations

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
