"""How `list` lays its table into a width, and where the width comes from (terminal.py)."""

import fcntl
import os
import pty
import struct
import sys
import termios
from collections.abc import Callable, Iterator
from typing import TextIO

import pytest

from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.task import Task
from agents_runner.terminal import cut, format_table, terminal_width


def test_a_text_as_wide_as_the_width_or_narrower_is_not_cut() -> None:
    assert cut("abcde", 5) == "abcde"
    assert cut("abc", 5) == "abc"
    assert cut("", 5) == ""


def test_a_text_wider_than_the_width_ends_in_an_ellipsis_at_the_width() -> None:
    assert cut("abcdef", 5) == "abcd…"


def _failed(reason: str) -> Task:
    task = Task.new(TaskSpec(image="busybox:1.36", agent="echo"))
    task.move_to(TaskState.FAILED)
    task.exit_code = 3
    task.error = reason
    return task


def test_a_cut_reason_ends_its_row_at_the_width_exactly() -> None:
    table = format_table([_failed("q" * 300)], width=140)
    header, row = table.splitlines()
    assert len(row) == 140, row
    assert row.endswith("…")
    assert row.index("q") == header.index("REASON")


def test_a_reason_that_fits_the_width_is_kept_whole() -> None:
    task = _failed("q" * 300)
    whole = format_table([task]).splitlines()[1]
    assert format_table([task], width=len(whole)).splitlines()[1] == whole


@pytest.fixture
def stdout_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    """Makes stdout, as terminal_width reads it, a real pseudo-terminal of some columns."""
    opened: list[int] = []
    streams: list[TextIO] = []

    def make(columns: int) -> None:
        leader, follower = pty.openpty()
        opened.append(leader)
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        streams.append(os.fdopen(follower, "w"))
        monkeypatch.setattr(sys, "__stdout__", streams[-1])
        monkeypatch.delenv("COLUMNS", raising=False)

    yield make
    monkeypatch.undo()
    for stream in streams:
        stream.close()
    for fd in opened:
        os.close(fd)


def test_the_width_is_the_terminals_own(stdout_terminal: Callable[[int], None]) -> None:
    stdout_terminal(132)
    assert terminal_width(fallback=80) == 132


def test_a_terminal_that_reports_no_columns_gives_the_fallback(
    stdout_terminal: Callable[[int], None],
) -> None:
    stdout_terminal(0)
    assert terminal_width(fallback=77) == 77
