"""Checks for what the mutation sample drawn on 2026-12-05 (seed 20261210) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

import pytest

from agents_runner.terminal import terminal_width


def test_a_columns_variable_that_is_not_a_number_is_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    without = terminal_width()
    monkeypatch.setenv("COLUMNS", "wide")
    assert terminal_width() == without
