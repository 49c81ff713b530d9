"""Turns on the test Swarm between runs side by side (testing/swarm_turns.py)."""

import fcntl
import os

import pytest

from agents_runner.testing.swarm_turns import SwarmTurn


def test_shared_turns_go_together_and_a_scenario_alone_waits_for_them(tmp_path) -> None:
    lock = tmp_path / "swarm.lock"
    first, second = SwarmTurn(alone=False, path=lock), SwarmTurn(alone=False, path=lock)
    first.take(timeout=1)
    second.take(timeout=1)
    alone = SwarmTurn(alone=True, path=lock)
    with pytest.raises(AssertionError, match="the test Swarm to itself"):
        alone.take(timeout=0.5)
    first.give_back()
    second.give_back()
    alone.take(timeout=1)
    with pytest.raises(AssertionError, match="a turn on the test Swarm"):
        SwarmTurn(alone=False, path=lock).take(timeout=0.5)
    alone.give_back()
    alone.give_back()  # a second time is nothing
    SwarmTurn(alone=False, path=lock).take(timeout=1)


def test_a_scenario_waiting_to_be_alone_keeps_new_shared_turns_out(tmp_path) -> None:
    """The gate: while one waits for the Swarm to itself, a new shared turn waits too,
    so that shared turns one after another cannot keep it out for ever."""
    lock = tmp_path / "swarm.lock"
    held = SwarmTurn(alone=False, path=lock)
    held.take(timeout=1)
    gate = os.open(lock.with_name(lock.name + ".gate"), os.O_RDWR)
    fcntl.flock(gate, fcntl.LOCK_EX)  # as a scenario waiting to be alone holds it
    with pytest.raises(AssertionError, match="a turn on the test Swarm"):
        SwarmTurn(alone=False, path=lock).take(timeout=0.5)
    os.close(gate)
    SwarmTurn(alone=False, path=lock).take(timeout=1)
    held.give_back()
