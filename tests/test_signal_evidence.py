from agents_runner.testing.agent_record import ReceivedSignal
from agents_runner.testing.engine_gaps import engine_gap
from agents_runner.testing.events import ContainerEvent
from agents_runner.testing.signal_evidence import SignalWitnesses


def kill(at: float, signal: int | None) -> ContainerEvent:
    return ContainerEvent(time=at, action="kill", container_id="c", signal=signal, exit_code=None)


def witnesses(kills, exit_code, received=None) -> SignalWitnesses:
    return SignalWitnesses(kills=kills, exit_code=exit_code, died_at=9.0, received=received)


def test_all_witnesses_agree_on_docker_and_on_podman():
    term = [ReceivedSignal("TERM", 1.01)]
    assert witnesses([kill(1.0, 15)], 143, term).disagreements([15]) == []
    assert witnesses([kill(1.0, None)], 143, term).disagreements([15]) == []
    both = [kill(1.0, None), kill(3.0, None)]
    assert witnesses(both, 137, term).disagreements([15, 9]) == []


def test_each_witness_can_refute():
    term = [ReceivedSignal("TERM", 1.01)]
    assert witnesses([], 143, term).disagreements([15])  # the engine saw nothing
    assert witnesses([kill(1.0, 9)], 143, term).disagreements([15])  # it names another
    assert witnesses([kill(1.0, None)], 143, []).disagreements([15])  # the agent got none
    assert witnesses([kill(1.0, None)], 137, term).disagreements([15])  # SIGKILL ended it
    assert witnesses([kill(1.0, None)], 137, None).disagreements([15])  # no record: exit code


def test_an_engine_gap_needs_its_reason():
    assert engine_gap("docker", {"docker-only", "oom-reported"}) is None
    assert "OOMKilled" in engine_gap("podman", {"docker-only", "oom-reported"})
    assert "without a reason" in engine_gap("podman", {"docker-only"})
    assert engine_gap("podman", {"slow"}) is None
