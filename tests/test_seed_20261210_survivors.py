"""Checks for what the mutation sample drawn on 2026-12-05 (seed 20261210) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

import pytest

from agents_runner.cli.ui_verb import _loopback
from agents_runner.spec_checks import _MAX_REFERENCE_LENGTH, check_image
from agents_runner.terminal import terminal_width


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
