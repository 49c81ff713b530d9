"""Steps that keep docs/CONTRACT.md, the code and a table written in a feature in step."""

from __future__ import annotations

import itertools

from behave import given, then
from behave.runner import Context
from hamcrest import assert_that, equal_to

from agents_runner.states import TRANSITIONS, InvalidTransition, TaskState, check_transition
from agents_runner.testing.contract_doc import (
    CONTRACT_DOC,
    differences,
    documented_transitions,
    parse_targets,
)


@given("the legal transitions are")
def the_legal_transitions_are(context: Context) -> None:
    assert context.table is not None, "the step needs a table: | source state | allowed targets |"
    table: dict[str, frozenset[str]] = {}
    for row in context.table:
        source = row["source state"].strip()
        assert source not in table, f"the feature's table lists {source!r} twice"
        table[source] = parse_targets(row["allowed targets"])
    context.legal_transitions = table


@then("the table names every state the code knows, and no other")
def the_table_names_every_state(context: Context) -> None:
    table = context.legal_transitions
    named = set(table) | set().union(*table.values())
    assert_that(sorted(named), equal_to(sorted(state.value for state in TaskState)))
    assert_that(sorted(table), equal_to(sorted(state.value for state in TaskState)))


@then("the code allows every transition in the table")
def the_code_allows_the_table(context: Context) -> None:
    for source, targets in context.legal_transitions.items():
        for target in targets:
            check_transition("contract", TaskState(source), TaskState(target))  # must not raise
    in_code = {s.value: frozenset(t.value for t in ts) for s, ts in TRANSITIONS.items()}
    problems = differences(context.legal_transitions, in_code)
    assert not problems, "TRANSITIONS in agents_runner/states.py differs:\n" + "\n".join(problems)


@then("the code refuses every other transition with InvalidTransition")
def the_code_refuses_the_rest(context: Context) -> None:
    allowed = context.legal_transitions
    accepted = []
    for source, target in itertools.product(TaskState, repeat=2):
        if target.value in allowed[source.value]:
            continue
        try:
            check_transition("contract", source, target)
        except InvalidTransition as exc:
            assert_that((exc.source, exc.target), equal_to((source, target)))
        else:
            accepted.append(f"{source.value} -> {target.value}")
    assert not accepted, f"the code allows transitions the table does not: {', '.join(accepted)}"


@then("docs/CONTRACT.md states the same transitions")
def the_document_states_the_same(context: Context) -> None:
    problems = differences(context.legal_transitions, documented_transitions())
    assert not problems, f"the transition table in {CONTRACT_DOC} differs:\n" + "\n".join(problems)
