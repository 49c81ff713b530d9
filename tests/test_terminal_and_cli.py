import argparse
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agents_runner.cli import main
from agents_runner.cli.argv import attach_values, split_command
from agents_runner.cli.common import EXIT_BAD_INPUT, BadInput
from agents_runner.cli.parser import build_parser
from agents_runner.cli.run_verb import _pairs, _secrets
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
        "percent": done * 100 // total,
    }  # fmt: skip
    return task


def test_a_terminal_gets_a_bar_that_redraws_in_place_and_ends_its_line():
    screen = Terminal()
    view = ProgressView(screen)
    task = pulling_task(500_000, 2_000_000, 0)
    view.show(task)
    task.pull_progress = {
        **task.pull_progress,
        "bytes_current": 2_000_000,
        "layers_done": 2,
        "percent": 100,
    }
    view.show(task)
    task.move_to(TaskState.STARTING)
    view.show(task)
    out = screen.getvalue()
    assert out.count("is pulling") == 1 and out.endswith("is starting\n")
    assert out.count("\r\x1b[2K") == 3
    assert "downloading [#######" in out and " 25%" in out and "100%" in out
    assert "2/2 layers\nagents-runner: task" in out


def test_a_note_never_lands_on_the_bar_line():
    screen = Terminal()
    view = ProgressView(screen)
    view.show(pulling_task(5, 10, 0))
    view.note("cancelling task x")
    assert "layers\nagents-runner: cancelling task x\n" in screen.getvalue()


def test_a_pipe_gets_plain_lines_every_few_seconds_and_the_last_word():
    pipe = io.StringIO()
    view = ProgressView(pipe)
    view.PIPE_INTERVAL = 0.0
    task = pulling_task(1, 10, 0)
    view.show(task)
    view.show(task)  # nothing changed: no new line
    task.pull_progress = {
        **task.pull_progress,
        "bytes_current": 10,
        "layers_done": 2,
        "done": True,
        "percent": 100,
    }
    task.move_to(TaskState.STARTING)
    view.show(task)
    lines = pipe.getvalue().splitlines()
    assert "\r" not in pipe.getvalue()
    assert lines[3:] == [
        "pulling busybox:1.36: downloading 100% 0.0/0.0 MB, 2/2 layers",
        f"agents-runner: task {task.id} is starting",
    ]
    assert lines[2].startswith("pulling busybox:1.36: downloading  10%")


def test_every_state_is_shown_once_in_order_and_the_end_is_left_to_the_caller():
    err = io.StringIO()
    view = ProgressView(err)
    task = Task.new(TaskSpec(image="busybox:1.36", command=["true"]))
    for state in (TaskState.STARTING, TaskState.RUNNING, TaskState.COMPLETED):
        task.move_to(state)
    view.show(task)
    view.show(task)
    states = [line.rsplit(" ", 1)[1] for line in err.getvalue().splitlines()]
    assert states == ["queued", "starting", "running"]


def test_describe_pull_names_its_phase():
    progress = {
        "layers_total": 3,
        "layers_done": 1,
        "bytes_current": 1_500_000,
        "bytes_total": 3_000_000,
        "phase": "downloading",
        "percent": 50,
    }
    assert (
        describe_pull("img", progress, bar=False)
        == "pulling img: downloading  50% 1.5/3.0 MB, 1/3 layers"
    )
    extracting = {
        **progress,
        "phase": "extracting",
        "percent": 25,
        "extract_current": 1,
        "extract_expected": 4,
    }
    assert "extracting [#######......" in describe_pull("img", extracting, bar=True)
    unsized = {**progress, "percent": None}
    assert describe_pull("img", unsized, bar=True) == (
        "pulling img: downloading, 1.5 MB so far, 1/3 layers"
    )


def test_the_table_shows_a_command_in_quotes_and_no_reason_as_a_dash():
    task = Task.new(TaskSpec(image="busybox:1.36", command=["sh", "-c", "exit 3"]))
    task.exit_code = 3
    now = datetime.now(UTC) + timedelta(minutes=5)
    header, row = format_table([task], now=now, places={task.id: (2, None)}).splitlines()
    header_cells = ["ID", "STATE", "PLACE", "POOL", "IMAGE", "COMMAND", "AGE", "EXIT", "REASON"]
    assert header.split() == header_cells
    assert row.split() == [
        task.id, "queued", "2", "-", "busybox:1.36", '"sh', "-c", "'exit", "3'\"", "5m", "3", "-",
    ]  # fmt: skip


def test_the_table_cuts_the_command_and_the_reason_to_fit():
    task = Task.new(TaskSpec(image="busybox:1.36", command=["sh", "-c", "echo " + "x" * 40]))
    task.error = "a reason\nover two lines " + "y" * 200
    table = format_table([task], width=120)
    assert max(len(line) for line in table.splitlines()) == 120
    row = table.splitlines()[1]
    assert '"sh -c \'echo xxxxxxx…"' in row
    assert row.endswith("…") and "a reason over two lines yyy" in row
    assert "y" * 200 in format_table([task])  # no width: whole


def test_values_that_begin_with_a_dash_are_values():
    parser = build_parser()
    argv = ["run", "--agent-arg", "--model", "-e", "-X=1", "--prompt", "-v", "-d"]
    assert attach_values(parser, argv) == [
        "run", "--agent-arg=--model", "--env=-X=1", "--prompt=-v", "-d",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("1.5", 1.5),
        ("30s", 30),
        ("15m", 900),
        ("12h", 43200),
        ("7d", 604800),
        ("1h30m", 5400),
    ],
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
    assert split_command(["run", "--image", "i", "--", "sh", "-c", "--x"]) == (
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


def test_logs_since_starts_after_everything_written_before_it(tmp_path):
    from agents_runner.logtimes import LogTimes
    from agents_runner.terminal import offset_since

    times = LogTimes(tmp_path / "t.times")
    times.note(6, b"2026-11-25T16:00:00.000000000Z")
    times.note(9, b"2026-11-25T16:00:00.005000000Z")  # within 10 ms: held till the next
    times.note(12, b"2026-11-25T16:00:01.000000000Z")
    times.close()
    assert (tmp_path / "t.times").read_text().splitlines() == [
        "6 1795622400.000000000",
        "9 1795622400.005000000",
        "12 1795622401.000000000",
    ]
    assert offset_since(tmp_path / "t.times", 1795622399.0) == 0
    assert offset_since(tmp_path / "t.times", 1795622400.003) == 6
    assert offset_since(tmp_path / "t.times", 1795622400.5) == 9
    assert offset_since(tmp_path / "t.times", 1795622402.0) == 12
    assert offset_since(tmp_path / "missing.times", 1795622402.0) == 0


def test_since_takes_a_duration_or_a_time():
    from agents_runner.terminal import parse_since

    assert parse_since("10m", now=1000.0) == 400.0
    assert parse_since("2026-11-25T16:00:01Z") == 1795622401.0
    assert parse_since("2026-11-25T17:00:01+01:00") == 1795622401.0
    with pytest.raises(argparse.ArgumentTypeError, match="neither a duration"):
        parse_since("yesterday")


def test_run_takes_its_defaults_from_the_spec_s_declaration():
    """An option left out leaves the field its TaskSpec default (config.py's)."""
    from agents_runner.cli.parser import parse
    from agents_runner.cli.run_verb import spec_from_args
    from agents_runner.config import DEFAULT_MEMORY, DEFAULT_STOP_GRACE, DEFAULT_TMP_SIZE

    spec = spec_from_args(parse(["run", "--image", "busybox:1.36", "--", "true"]))
    assert spec == TaskSpec(image="busybox:1.36", command=["true"])
    assert spec.stop_grace == DEFAULT_STOP_GRACE
    assert spec == TaskSpec(
        image="busybox:1.36", command=["true"], memory=DEFAULT_MEMORY, tmp_size=DEFAULT_TMP_SIZE
    )


def test_every_option_of_run_sets_its_field():
    from agents_runner.cli.parser import parse
    from agents_runner.cli.run_verb import _FROM_ARGS, spec_from_args
    from agents_runner.spec import options

    argv = ["run", "--image", "busybox:1.36", "--grace", "3s", "--memory", "64m", "--cpus", "2",
            "--tmp-size", "unlimited", "--pids-limit", "64", "--nofile", "unlimited", "-e", "A=1",
            "--secret", "S=2", "--label", "k=v", "--pull", "never", "--network", "none",
            "--timeout", "1m", "--user", "root", "--cap-add", "NET_RAW", "--read-only",
            "--", "sh", "-c", "x"]  # fmt: skip
    spec = spec_from_args(parse(argv))
    assert (spec.stop_grace, spec.memory, spec.cpus, spec.tmp_size) == (3, 64 * 2**20, 2, None)
    assert (spec.pids_limit, spec.nofile, spec.env, spec.secrets) == (
        64,
        None,
        {"A": "1"},
        {"S": "2"},
    )
    assert (spec.labels, spec.pull, spec.network, spec.timeout) == ({"k": "v"}, "never", "none", 60)
    assert (spec.user, spec.cap_add, spec.read_only) == ("root", ("NET_RAW",), True)
    assert spec.command == ("sh", "-c", "x")
    assert set(_FROM_ARGS) <= {name for name, _ in options()}


def test_run_s_help_offers_every_option_of_the_spec():
    from agents_runner.config import DEFAULT_MEMORY, DEFAULT_STOP_GRACE
    from agents_runner.spec import options

    text = " ".join(build_parser(only="run").get_default("verbs")["run"].format_help().split())
    for _, option in options():
        assert option.flags[0] in text or option.metavar in text
    assert f"(default {DEFAULT_STOP_GRACE:g}s)" in text
    assert f"(default {DEFAULT_MEMORY})" in text


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("stop_grace: must not be negative", "--grace: must not be negative"),
        ("command[0]: bad", "the command after --: bad"),
        ("agent_args: bad", "--agent-arg: bad"),
        ("offline_from: bad", "--offline-from: bad"),
        ("keep_container: bad", "keep_container: bad"),
        (
            "secrets: x (pass it with --secret or TaskSpec.secrets)",
            "--secret: x (pass it with --secret)",
        ),
    ],
)
def test_errors_name_the_option_the_user_typed(message, said):
    from agents_runner.cli.common import in_user_words

    assert in_user_words(message, None) == said


def test_a_broken_pipe_that_is_not_stdout_is_an_error_not_a_quiet_end(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A pipe to a process the command started (a detached supervisor that died before it
    took its task) is no reader gone from stdout: the command says so and fails."""
    from agents_runner import cli
    from agents_runner.cli import control_verbs

    def hand_over_fails(args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(control_verbs, "cmd_recover", hand_over_fails)
    status = cli.main(["--state-dir", str(tmp_path / "state"), "recover"])

    assert status != 0
    assert "Broken pipe" in capsys.readouterr().err
