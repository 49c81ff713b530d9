"""Checks for what the mutation sample drawn on 2026-12-05 (seed 20261210) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

import os
from pathlib import Path

import pytest

from agents_runner.cli.ui_verb import _loopback
from agents_runner.engine.records import ContainerInfo
from agents_runner.processes import DetachedSupervisor
from agents_runner.spec_checks import _MAX_REFERENCE_LENGTH, check_image
from agents_runner.terminal import terminal_width
from agents_runner.testing.waiting import wait_until


def test_a_columns_variable_that_is_not_a_number_is_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    without = terminal_width()
    monkeypatch.setenv("COLUMNS", "wide")
    assert terminal_width() == without


def test_localhost_is_a_loopback_host_and_other_names_are_not() -> None:
    assert _loopback("localhost")
    assert _loopback("127.0.0.1") and _loopback("::1")
    assert not _loopback("myhost") and not _loopback("0.0.0.0")


def test_an_image_reference_of_the_longest_length_allowed_is_taken() -> None:
    longest = "r/" + "a" * (_MAX_REFERENCE_LENGTH - 2)
    assert check_image(longest) == longest
    with pytest.raises(ValueError):
        check_image(longest + "a")


def test_a_container_is_named_as_inspect_names_it_without_the_leading_slash() -> None:
    found = {"Id": "c0ffee", "Name": "/agents-runner-0123", "State": {"Status": "exited"}}
    assert ContainerInfo.from_inspect(found).name == "agents-runner-0123"
    assert ContainerInfo.from_inspect({"Id": "c0ffee"}).name == ""


def test_a_detached_supervisor_handed_nothing_exits_0_at_once(tmp_path: Path) -> None:
    supervisor = DetachedSupervisor(tmp_path)
    supervisor.abandon()
    _, status = wait_until(
        lambda: os.waitpid(supervisor.identity.pid, os.WNOHANG),
        lambda reaped: reaped[0] != 0,
        timeout=30,
        describe="the abandoned supervisor's exit",
    )
    assert os.waitstatus_to_exitcode(status) == 0
