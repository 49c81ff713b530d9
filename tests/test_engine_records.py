"""What inspect's State gives the runner (agents_runner/engine/records.py)."""

from __future__ import annotations

from agents_runner.engine.records import ContainerInfo

ZERO = "0001-01-01T00:00:00Z"


def _info(**state: object) -> ContainerInfo:
    return ContainerInfo.from_inspect({"Id": "c0ffee", "State": state})


def test_the_exit_code_is_known_once_the_container_has_stopped() -> None:
    stopped = _info(Running=False, ExitCode=0, FinishedAt="2026-12-06T21:02:26.9Z")
    assert stopped.exit_code == 0
    assert stopped.finished_at == 1796590946.9
    assert _info(Running=False, ExitCode=143, FinishedAt="2026-12-06T21:02:27Z").exit_code == 143


def test_no_exit_code_while_it_runs_or_before_it_ever_ran() -> None:
    assert _info(Running=True, ExitCode=0, FinishedAt=ZERO).exit_code is None
    assert _info(Running=False, ExitCode=0, FinishedAt=ZERO).exit_code is None
    assert _info(Running=False, FinishedAt="2026-12-06T21:02:27Z").exit_code is None
