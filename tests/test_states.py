import pytest

from agents_runner.states import (
    TERMINAL_STATES,
    TRANSITIONS,
    InvalidTransition,
    TaskState,
    check_transition,
)

S = TaskState
ALLOWED = {
    (S.QUEUED, S.PULLING), (S.QUEUED, S.STARTING), (S.QUEUED, S.CANCELLED),
    (S.QUEUED, S.KILLED), (S.QUEUED, S.FAILED),
    (S.PULLING, S.STARTING), (S.PULLING, S.CANCELLED), (S.PULLING, S.KILLED),
    (S.PULLING, S.FAILED),
    (S.STARTING, S.RUNNING), (S.STARTING, S.CANCELLED), (S.STARTING, S.KILLED),
    (S.STARTING, S.FAILED),
    (S.RUNNING, S.COMPLETED), (S.RUNNING, S.FAILED), (S.RUNNING, S.STOPPING),
    (S.RUNNING, S.KILLED),
    (S.STOPPING, S.CANCELLED), (S.STOPPING, S.TIMED_OUT), (S.STOPPING, S.KILLED),
}  # fmt: skip


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_every_allowed_transition_passes(source, target):
    check_transition("t", source, target)


FORBIDDEN = sorted(
    (source, target) for source in S for target in S if (source, target) not in ALLOWED
)


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_every_other_transition_raises(source, target):
    with pytest.raises(InvalidTransition, match=f"{source.value} -> {target.value}"):
        check_transition("t", source, target)


def test_the_table_is_exactly_the_contract():
    assert {(s, t) for s, targets in TRANSITIONS.items() for t in targets} == ALLOWED


def test_terminal_states_lead_nowhere():
    assert {s.value for s in TERMINAL_STATES} == {
        "completed", "failed", "cancelled", "killed", "timed_out",
    }  # fmt: skip
    assert all(not TRANSITIONS[s] for s in TERMINAL_STATES)


def test_task_state_is_a_string_enum():
    assert isinstance(S.RUNNING, str)
    assert S("timed_out") is S.TIMED_OUT
    assert f"{S.RUNNING}" == "running"
