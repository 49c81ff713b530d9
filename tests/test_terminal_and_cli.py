import io
from datetime import UTC, datetime, timedelta

import pytest

from agents_runner.cli import EXIT_BAD_INPUT, BadInput, _pairs, _secrets, _split_command, main
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.task import Task
from agents_runner.terminal import (
    LogFollower,
    ProgressView,
    describe_pull,
    format_table,
    parse_duration,
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def pulling_task(done: int, total: int, layers_done: int) -> Task:
    task = Task.new(TaskSpec(image="busybox:1.36", agent="echo"))
    task.move_to(TaskState.PULLING)
    task.pull_progress = {
        "layers_total": 2, "layers_done": layers_done, "bytes_current": done, "bytes_total": total,
    }  # fmt: skip
    return task


def test_a_terminal_gets_a_bar_that_redraws_in_place():
    screen = Terminal()
    view = ProgressView(screen)
    view.show(pulling_task(500_000, 2_000_000, 0))
    view.show(pulling_task(2_000_000, 2_000_000, 2))
    view.finish()
    out = screen.getvalue()
    assert "is pulling" in out
    assert out.count("\r\x1b[2K") == 2
    assert "[#######" in out and " 25%" in out and "100%" in out
    assert "2/2 layers" in out and out.endswith("\n")


def test_a_pipe_gets_plain_lines_only_when_something_changed():
    pipe = io.StringIO()
    view = ProgressView(pipe)
    for task in (pulling_task(1, 10, 0), pulling_task(5, 10, 0), pulling_task(10, 10, 2)):
        view.show(task)
    lines = pipe.getvalue().splitlines()
    assert "\r" not in pipe.getvalue()
    assert lines[1:] == ["pulling busybox:1.36: 0/2 layers", "pulling busybox:1.36: 2/2 layers"]


def test_describe_pull_with_and_without_a_bar():
    progress = {
        "layers_total": 3,
        "layers_done": 1,
        "bytes_current": 1_500_000,
        "bytes_total": 3_000_000,
    }
    assert describe_pull("img", progress, bar=False) == "pulling img: 1/3 layers"
    assert "50%" in describe_pull("img", progress, bar=True)


def test_the_table_has_the_columns_people_need():
    task = Task.new(TaskSpec(image="busybox:1.36", command=["sh", "-c", "exit 3"]))
    task.exit_code = 3
    now = datetime.now(UTC) + timedelta(minutes=5)
    header, row = format_table([task], now=now).splitlines()
    assert header.split() == ["ID", "STATE", "IMAGE", "AGENT", "AGE", "EXIT"]
    assert row.split() == [task.id, "queued", "busybox:1.36", "sh", "5m", "3"]


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("30s", 30), ("15m", 900), ("12h", 43200), ("7d", 604800)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_the_log_follower_copies_what_is_new_and_survives_a_rewrite(tmp_path):
    log, out = tmp_path / "t.log", io.BytesIO()
    follower = LogFollower(log, out)
    follower.pump()  # no file yet
    log.write_bytes(b"one\n")
    follower.pump()
    log.write_bytes(b"one\ntwo\n")
    follower.pump()
    log.write_bytes(b"x\n")  # rewritten from the start after a take-over
    follower.pump()
    assert out.getvalue() == b"one\ntwo\nx\n"


def test_command_line_parsing_helpers():
    assert _split_command(["run", "--image", "i", "--", "sh", "-c", "--x"]) == (
        ["run", "--image", "i"], ["sh", "-c", "--x"],
    )  # fmt: skip
    assert _pairs("env", ["A=1", "B=x=y"]) == {"A": "1", "B": "x=y"}
    with pytest.raises(BadInput, match="--env 'NOEQ': expected K=V"):
        _pairs("env", ["NOEQ"])


def test_a_secret_named_alone_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("MY_TOKEN", "from-env")
    assert _secrets(["MY_TOKEN", "OTHER=given"]) == {"MY_TOKEN": "from-env", "OTHER": "given"}
    monkeypatch.delenv("MY_TOKEN")
    with pytest.raises(BadInput, match=r"\$MY_TOKEN is not set"):
        _secrets(["MY_TOKEN"])


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["run"],
        ["run", "--image", "busybox", "--timeout", "soon"],
        ["list", "--", "x"],
    ],
)
def test_bad_command_lines_exit_2_with_one_line(argv, capsys, tmp_path):
    assert main(["--state-dir", str(tmp_path), *argv]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("agents-runner: error: ")


def test_unknown_ids_exit_2_without_an_engine(capsys, tmp_path):
    assert main(["--state-dir", str(tmp_path), "show", "0123456789ab"]) == EXIT_BAD_INPUT
    assert "0123456789ab" in capsys.readouterr().err
