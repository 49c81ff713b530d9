"""Reading the transition table out of docs/CONTRACT.md's Markdown."""

import pytest

from agents_runner.testing.contract_doc import (
    differences,
    documented_transitions,
    parse_targets,
    transitions_in_markdown,
)

DOC = """
Some text | with a pipe.

| source state | allowed targets |
|--------------|-----------------|
| `queued`     | `pulling`, `failed` |
| `failed`     | none |

| other | table |
|---|---|
| x | y |
"""


def test_the_table_is_read_with_backticks_and_none():
    assert transitions_in_markdown(DOC) == {
        "queued": frozenset({"pulling", "failed"}),
        "failed": frozenset(),
    }


def test_targets_are_split_on_commas():
    assert parse_targets(" a, b ,c ") == {"a", "b", "c"}
    assert parse_targets("none") == frozenset()


def test_a_missing_table_or_a_repeated_source_is_an_error():
    with pytest.raises(ValueError, match="no table"):
        transitions_in_markdown("| a | b |\n|---|---|\n")
    with pytest.raises(ValueError, match="twice"):
        transitions_in_markdown(
            "| source state | allowed targets |\n|---|---|\n| a | none |\n| a | b |\n"
        )


def test_the_repository_documents_every_state():
    assert len(documented_transitions()) == 10


def test_differences_name_each_row_that_differs():
    expected = {"a": frozenset({"b"}), "b": frozenset()}
    actual = {"a": frozenset({"b", "c"}), "c": frozenset()}
    assert differences(expected, actual) == [
        "a: expected b, found b, c",
        "b: expected none, found no row",
        "c: expected no row, found none",
    ]
