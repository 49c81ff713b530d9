"""Checks for what the mutation sample drawn on 2026-12-06 (seed 20261217) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

import os
from pathlib import Path

import pytest

from agents_runner.cli import _reader_gone, main
from agents_runner.cli.argv import option_last
from agents_runner.cli.common import EXIT_BAD_INPUT, BadInput
from agents_runner.cli.parser import parse
from agents_runner.cli.run_verb import spec_from_args
from agents_runner.cli.ui_verb import _listening
from agents_runner.engine.swarm_secrets import secret_reference
from agents_runner.spec import TaskSpec
from agents_runner.spec_checks import check_seconds
from agents_runner.terminal import describe_pull


def test_a_whole_number_of_seconds_past_a_century_is_refused_in_days() -> None:
    # A whole number too big for a float's range is refused before it becomes one.
    with pytest.raises(ValueError, match=r"^timeout: at most 36500 days, got more$"):
        check_seconds("timeout", 10**400, positive=True)


def test_a_pipe_whose_reader_is_open_is_not_gone_and_one_whose_reader_closed_is() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as writer:
        try:
            assert not _reader_gone(writer)  # poll says POLLOUT alone
        finally:
            os.close(read_end)
        assert _reader_gone(writer)  # POLLERR


def test_a_host_login_of_zero_is_refused_not_taken_for_false() -> None:
    with pytest.raises(ValueError, match=r"^host_login: "):
        TaskSpec(image="busybox:1.36", agent="echo", host_login=0)  # type: ignore[arg-type]


def test_only_images_build_takes_an_offline_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["--state-dir", str(tmp_path), "images", "list", "--offline-from", str(tmp_path)]
    assert main(argv) == EXIT_BAD_INPUT
    assert "--offline-from: only 'images build' takes it" in capsys.readouterr().err


def test_a_swarm_secret_belongs_to_a_user_given_as_a_uid_alone() -> None:
    file = secret_reference("id", "name", "TOKEN", "1000")["File"]
    assert (file["UID"], file["GID"], file["Mode"]) == ("1000", "1000", 0o400)
    named = secret_reference("id", "name", "TOKEN", "agent")["File"]
    assert (named["UID"], named["GID"], named["Mode"]) == ("0", "0", 0o444)


def test_an_address_this_machine_does_not_have_is_the_hosts_fault_not_the_ports() -> None:
    # Binding sends nothing: 192.0.2.1 (TEST-NET-1) is simply not an address of this host.
    with pytest.raises(BadInput, match=r"^--host: cannot listen on 192\.0\.2\.1:0: "):
        _listening("192.0.2.1", 0)


def test_a_port_another_listener_holds_is_said_to_be_in_use() -> None:
    first = _listening("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        with pytest.raises(BadInput, match=rf"^--port: {port} is already in use on 127\.0\.0\.1$"):
            _listening("127.0.0.1", port)
    finally:
        first.close()


def test_an_option_before_the_words_it_follows_is_moved_after_them() -> None:
    words = ["build", "--offline-from", "/x", "codex", "claude"]
    assert option_last(words, "--offline-from") == [
        "build",
        "codex",
        "claude",
        "--offline-from",
        "/x",
    ]
    assert option_last(["build", "--offline-from=/x", "codex"], "--offline-from") == [
        "build",
        "codex",
        "--offline-from=/x",
    ]


def test_a_pull_bar_at_99_percent_is_not_yet_full() -> None:
    line = describe_pull("img", {"percent": 99, "bytes_total": 100}, bar=True, width=30)
    assert "[" + "#" * 29 + "." + "]" in line


def test_a_prompt_file_that_cannot_be_read_is_named_with_the_reason(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    args = parse(
        ["run", "--agent", "echo", "--image", "busybox:1.36", "--prompt-file", str(missing)]
    )
    with pytest.raises(BadInput) as refused:
        spec_from_args(args)
    assert (
        str(refused.value) == f"--prompt-file {missing}: cannot read it: No such file or directory"
    )


def test_a_prompt_file_that_is_not_utf8_is_said_to_be_so(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9\n")
    args = parse(["run", "--agent", "echo", "--image", "busybox:1.36", "--prompt-file", str(latin)])
    with pytest.raises(BadInput) as refused:
        spec_from_args(args)
    assert str(refused.value) == f"--prompt-file {latin}: is not UTF-8 text"
