"""The terminal helpers that read a log's end, follow a log cut back, read a duration
and size the help (agents_runner/terminal.py), on real files. Written after a sweep of
terminal.py's mutants against the unit tests alone (seed 20261216) left these untested
below the scenarios."""

from __future__ import annotations

import argparse
import io

import pytest

from agents_runner.terminal import LogFollower, last_lines, parse_duration, terminal_width

BLOCK = 65536  # last_lines reads the file backwards in blocks of this size


def _numbered(count: int, width: int = 0) -> list[bytes]:
    return [f"line {i:0{width}d}\n".encode() for i in range(count)]


def test_the_last_lines_of_a_file_many_blocks_long_are_whole_lines_with_their_newlines(
    tmp_path,
):
    lines = _numbered(100_000)
    log = tmp_path / "log"
    log.write_bytes(b"".join(lines))

    tail, end = last_lines(log, 20_000)

    assert tail == b"".join(lines[-20_000:])
    assert end == log.stat().st_size


def test_the_first_of_the_last_lines_is_whole_when_a_block_starts_inside_it(tmp_path):
    # 16-byte lines: a block of 65,536 bytes from the end holds exactly 4,096 of them, so
    # the line before them starts one block back; one byte more at the end puts every
    # block boundary inside a line.
    lines = [*_numbered(10_000, width=10), b"!\n"]
    log = tmp_path / "log"
    log.write_bytes(b"".join(lines))
    assert all(len(line) == 16 for line in lines[:-1])

    for count in (4_096, 4_097, 4_098):
        tail, _ = last_lines(log, count)
        assert tail == b"".join(lines[-count:]), count


def test_the_last_lines_of_a_short_file_and_of_none(tmp_path):
    log = tmp_path / "log"
    log.write_bytes(b"one\ntwo\nthree\n")

    assert last_lines(log, 2) == (b"two\nthree\n", 14)
    assert last_lines(log, 10) == (b"one\ntwo\nthree\n", 14)
    assert last_lines(log, 0) == (b"", 14)
    assert last_lines(tmp_path / "none", 3) == (b"", 0)


def test_the_follower_starts_again_when_the_log_is_cut_back_by_a_single_byte(tmp_path):
    log, out = tmp_path / "log", io.BytesIO()
    follower = LogFollower(log, out)
    log.write_bytes(b"0123456789")
    follower.pump()
    log.write_bytes(b"abcdefghi")  # rewritten one byte shorter than what was copied
    follower.pump()

    assert out.getvalue() == b"0123456789abcdefghi"


@pytest.mark.parametrize("text", ["1h30", "30 m", "1h 30m", "m", "1h30x", "-5s"])
def test_a_duration_with_a_bare_number_after_a_unit_or_anything_else_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="is not a duration such as"):
        parse_duration(text)


def test_a_duration_of_several_parts_each_with_its_unit_adds_them():
    assert parse_duration("1d2h3m4s") == 86400 + 7200 + 180 + 4


def test_columns_of_one_is_a_width_of_one(monkeypatch):
    monkeypatch.setenv("COLUMNS", "1")
    assert terminal_width() == 1


@pytest.mark.parametrize("columns", ["50", "100"])
def test_help_is_laid_out_as_argparse_lays_it_out_at_the_terminal_s_width(monkeypatch, columns):
    """The help's formatter sizes itself without shutil, and gives what argparse's own
    gives at the same $COLUMNS (which shutil reads)."""
    from agents_runner.cli.parser import build_parser

    monkeypatch.setenv("COLUMNS", columns)
    run = build_parser()._subparsers._group_actions[0].choices["run"]
    ours = run.format_help()
    run.formatter_class = argparse.RawDescriptionHelpFormatter

    assert ours == run.format_help()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pull_s_bar_redraws_on_its_own_line_and_is_done_once_the_pull_is():
    from agents_runner.spec import TaskSpec
    from agents_runner.states import TaskState
    from agents_runner.task import Task
    from agents_runner.terminal import ProgressView

    screen = _Terminal()
    view = ProgressView(screen)
    task = Task.new(TaskSpec(image="busybox:1.36", agent="echo"))
    task.move_to(TaskState.PULLING)
    for done in (1, 2):
        task.pull_progress = {
            "layers_total": 2, "layers_done": done, "bytes_current": done * 50,
            "bytes_total": 100, "percent": done * 50,
        }  # fmt: skip
        view.show(task)
    for state in (TaskState.STARTING, TaskState.RUNNING):
        task.move_to(state)
        view.show(task)

    first, second, last = screen.getvalue().split("\r\x1b[2K")[1:]
    assert "\n" not in first  # redrawn in place
    assert "\n" not in second  # the last word redraws it again, then ends its line
    assert last.endswith(
        "2/2 layers\nagents-runner: task " + task.id + " is starting\n"
        "agents-runner: task " + task.id + " is running\n"
    )
