"""Checks for what the mutation sample drawn on 2026-12-07 (seed 20261218) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents_runner.detached import main as detached_main
from agents_runner.logcopy import LogCopy
from agents_runner.spec import TaskSpec
from agents_runner.spec_checks import check_size
from agents_runner.supervise.endings import ENGINE_SHUTDOWN_WINDOW, exited_during_outage
from agents_runner.supervise.watch import exited_on_its_own
from agents_runner.terminal import format_age

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


def test_an_exit_without_a_code_is_not_taken_for_the_agent_s_own() -> None:
    assert exited_on_its_own(None, 99.0, SENT, SIGTERM, LATE) is False


def test_any_exit_timed_before_the_kill_returned_is_the_agent_s_own() -> None:
    assert exited_on_its_own(1, 100.1, SENT, SIGTERM, LATE) is True
    assert exited_on_its_own(0, 100.1, SENT, None, LATE) is True


def test_a_login_and_a_workspace_of_two_owners_need_a_user_to_run_as(tmp_path: Path) -> None:
    """Without --user the agent runs as its login's owner, who must own the workspace
    too; with --user the person has chosen, and both are handed over as they are."""
    home, workspace = tmp_path / "home", tmp_path / "workspace"
    (home / ".codex").mkdir(parents=True)
    workspace.mkdir()
    os.chown(home / ".codex", 1000, 1000)
    os.chown(workspace, 1001, 1001)
    chosen = {"image": "busybox:1.36", "agent": "codex", "host_login": str(home)}
    with pytest.raises(ValueError, match=r"belongs to uid 1000 and the workspace to uid 1001"):
        TaskSpec(**chosen, workspace=str(workspace))
    assert TaskSpec(**chosen, workspace=str(workspace), user="1000").user == "1000"


def test_a_size_given_as_a_string_of_bare_bytes_is_that_many_bytes() -> None:
    """`--memory 67108864` (a string, as the command line gives it) is 64 MiB, as the
    same number given as an int is; "b" is a unit of bytes too."""
    assert check_size("memory", "67108864", minimum=1024**2) == 64 * 1024**2
    assert check_size("memory", "67108864b", minimum=1024**2) == 64 * 1024**2


def test_an_age_under_a_minute_is_in_seconds_and_a_minute_is_1m() -> None:
    assert [format_age(s) for s in (59, 60, 3599, 3600)] == ["59s", "1m", "59m", "1h"]


def test_an_exit_long_before_the_engine_went_away_is_not_of_the_outage() -> None:
    """Only an exit within the engine's shut-down window before an outage, or during
    it, is put down to the engine; one long before it is the agent's own."""
    outage = (2_000_000_000.0, 2_000_000_010.0)
    assert exited_during_outage(outage[0] - 3600, [outage]) is False
    assert exited_during_outage(outage[0] - ENGINE_SHUTDOWN_WINDOW, [outage]) is True


def test_the_detached_supervisor_is_never_started_without_a_state_dir(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It would otherwise drive a task in whatever state dir its environment names."""
    monkeypatch.setattr("sys.stdin", None)  # the hand-over is never read
    with pytest.raises(SystemExit) as ended:
        detached_main([])
    assert ended.value.code == 2
    assert "--state-dir" in capsys.readouterr().err
