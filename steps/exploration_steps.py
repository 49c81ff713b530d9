"""Steps that run the model-based exploration (agents_runner/testing/exploration.py)."""

from __future__ import annotations

import os

import hypothesis.core as hypothesis_core
from behave import then, when
from behave.runner import Context
from hamcrest import assert_that, greater_than_or_equal_to
from hypothesis.stateful import run_state_machine_as_test

from agents_runner.testing.exploration import Tally, build_machine, exploration_settings


@when("the exploration runs {examples:d} sequences of up to {steps:d} steps with seed {seed:d}")
def run_exploration(context: Context, examples: int, steps: int, seed: int) -> None:
    examples = int(os.environ.get("AGENTS_RUNNER_EXPLORATION_SEQUENCES", examples))
    steps = int(os.environ.get("AGENTS_RUNNER_EXPLORATION_STEPS", steps))
    context.tally = Tally()
    context.exploration = {"sequences asked": examples, "steps asked": steps, "seed": seed}
    machine = build_machine(context.harness, context.tally)
    context.exploration_error = None
    hypothesis_core.global_force_seed = seed  # as pytest's --hypothesis-seed sets it
    try:
        run_state_machine_as_test(machine, settings=exploration_settings(examples, steps))
    except BaseException as exc:
        context.exploration_error = exc
    finally:
        hypothesis_core.global_force_seed = None


@then("every invariant held after every step")
def invariants_held(context: Context) -> None:
    if context.exploration_error is not None:
        raise AssertionError(
            f"the exploration failed after {context.tally.steps} steps: "
            f"{context.exploration_error!r}; the last sequence: {context.tally.sequence}"
        ) from context.exploration_error


@then("the evidence shows how many sequences and steps ran, and the seed")
def evidence(context: Context) -> None:
    tally = context.tally
    summary = (
        f"exploration: {tally.sequences} sequences, {tally.steps} steps, seed "
        f"{context.exploration['seed']}; steps by operation {tally.by_rule}; "
        f"ended tasks {tally.outcomes}"
    )
    print(summary)  # JUnit's captured output
    context.evidence_note = summary  # the evidence report and Allure
    # Hypothesis replays kept failures first, then runs as many new ones as asked
    assert_that(tally.sequences, greater_than_or_equal_to(context.exploration["sequences asked"]))
    assert_that(tally.steps, greater_than_or_equal_to(tally.sequences))
