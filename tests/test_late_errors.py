"""A scenario whose clean-up fails after its evidence record was taken is not "passed"
in the report, nor in a parallel run's merged count, which reads those records."""

from types import SimpleNamespace

import pytest
from behave.model_core import Status

from agents_runner.testing.evidence import ScenarioRecord
from agents_runner.testing.evidence_collection import settle_late_errors


def record(status: str = "passed") -> ScenarioRecord:
    return ScenarioRecord(feature="F", name="S", status=status, duration=1.0, steps=[])


def behave_scenario(status: Status) -> SimpleNamespace:
    return SimpleNamespace(status=status)


@pytest.mark.parametrize("late", [Status.hook_error, Status.cleanup_error])
def test_a_late_failure_makes_a_passed_record_a_hook_error(late: Status) -> None:
    taken = record()
    settle_late_errors([(taken, behave_scenario(late))])
    assert taken.status == "hook_error"
    assert taken.note and "clean-up" in taken.note


def test_a_record_that_says_more_is_kept() -> None:
    failed = record("failed")
    settle_late_errors([(failed, behave_scenario(Status.hook_error))])
    assert failed.status == "failed"


def test_a_passed_scenario_stays_passed() -> None:
    taken = record()
    settle_late_errors([(taken, behave_scenario(Status.passed))])
    assert (taken.status, taken.note) == ("passed", None)
