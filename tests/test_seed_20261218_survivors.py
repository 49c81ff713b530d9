"""Checks for what the mutation sample drawn on 2026-12-07 (seed 20261218) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

from __future__ import annotations

from pathlib import Path

from agents_runner.logcopy import LogCopy
from agents_runner.supervise.watch import exited_on_its_own

SIGTERM = 15
SENT = (100.0, 100.2)  # the kill asked for at 100.0 s, returned at 100.2 s
LATE = 0.5  # the engine times an exit up to this late


def test_frames_completed_from_the_log_s_tail_are_indexed_at_each_change_of_time(
    tmp_path: Path,
) -> None:
    """The last frame of each time gets its line: --since a time between two frames'
    starts after the first, not at the copy's start."""
    copy = LogCopy(None, "c0ffee", tmp_path / "t.log", "t", times_path=tmp_path / "t.times")  # type: ignore[arg-type]
    first, second = b"2026-12-07T06:00:00.000000000Z", b"2026-12-07T06:00:01.000000000Z"
    copy._note_frame_times(10, [(first, b"ab"), (first, b"cd"), (second, b"ef")])
    copy.close()
    lines = (tmp_path / "t.times").read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["14", "16"]


def test_a_clean_exit_the_engine_timed_within_its_lag_after_the_kill_is_the_agent_s_own() -> None:
    """C-1.17: an agent that exited 0 on its own as its deadline's signal was sent ends
    by its exit; the engine timed that exit a moment late, after the kill returned."""
    assert exited_on_its_own(0, 100.3, SENT, SIGTERM, LATE) is True


def test_an_exit_timed_past_the_engine_s_lag_or_not_clean_came_of_the_signal() -> None:
    assert exited_on_its_own(0, 100.6, SENT, SIGTERM, LATE) is False
    assert exited_on_its_own(1, 100.3, SENT, SIGTERM, LATE) is False
    assert exited_on_its_own(128 + SIGTERM, 99.0, SENT, SIGTERM, LATE) is False


def test_any_exit_timed_before_the_kill_returned_is_the_agent_s_own() -> None:
    assert exited_on_its_own(1, 100.1, SENT, SIGTERM, LATE) is True
    assert exited_on_its_own(0, 100.1, SENT, None, LATE) is True
