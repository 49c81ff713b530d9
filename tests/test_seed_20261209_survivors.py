"""Checks for what the mutation sample drawn on 2026-12-05 (seed 20261209) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

import os
import stat
from pathlib import Path

import pytest

from agents_runner.cli.summary import _size
from agents_runner.queue_settings import check_priority
from agents_runner.spec_checks import check_size
from agents_runner.supervise.endings import log_tail
from agents_runner.supervise.escalation import StopEscalation
from agents_runner.taskqueue import TaskQueue
from agents_runner.terminal import describe_pull
from agents_runner.watchdog import Watchdog


def test_an_extraction_that_has_told_no_total_shows_no_sizes() -> None:
    progress = {"phase": "extracting", "percent": 50, "extract_current": 0}
    progress |= {"layers_total": 2, "layers_done": 1}
    line = describe_pull("img", progress, bar=False)
    assert line == "pulling img: extracting  50% 0 MB, 1/2 layers"


def test_a_priority_out_of_range_is_refused_naming_the_range() -> None:
    with pytest.raises(ValueError) as refused:
        check_priority("--priority", 1_000_001)
    said = "--priority: must be a whole number from -1000000 to 1000000, got 1000001"
    assert str(refused.value) == said


def test_a_task_in_a_pool_with_no_size_waits_only_for_the_state_dir_s_limit(tmp_path: Path) -> None:
    queue = TaskQueue(tmp_path)
    queue.enter("a" * 12, pool="nightly", owner_pid=os.getpid())
    assert queue.why_waiting("a" * 12) == "about to start"


def test_the_watchdog_s_log_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    watchdog = Watchdog(tmp_path, "a" * 12)
    try:
        mode = stat.S_IMODE((tmp_path / "supervisor.log").stat().st_mode)
    finally:
        watchdog.release(ended=True)
        watchdog._child.wait(30)
    assert mode == 0o600


def test_a_deadline_before_the_next_poll_is_waited_for_exactly() -> None:
    escalation = StopEscalation(deadline=100.25, grace=10.0)
    assert escalation.seconds_to_next(100.0, poll_interval=5.0) == 0.25


def test_a_size_of_whole_gibibytes_is_shown_in_g() -> None:
    assert _size(4 << 30, "-") == "4g"
    assert _size(3 << 30, "-") == "3g"


def test_a_size_below_the_minimum_is_refused_naming_the_minimum_in_mebibytes() -> None:
    with pytest.raises(ValueError) as refused:
        check_size("memory", "1m", minimum=6 * 1024**2)
    assert str(refused.value) == "memory: '1m' is below the minimum of 6m"


def test_a_log_tail_that_starts_at_a_line_s_start_keeps_that_line(tmp_path: Path) -> None:
    log = tmp_path / "task.log"
    log.write_bytes(b"an earlier line\nthe last line\n")
    assert log_tail(log, limit=len(b"the last line\n")) == "the last line\n"
    assert log_tail(log, limit=len(b"he last line\n")) == ""  # cut at its start: not quoted
