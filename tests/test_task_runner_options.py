"""TaskRunner's own options, as docs/CONTRACT.md's C-2.2 gives them (no engine needed)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from agents_runner.runner import TaskRunner


@pytest.mark.parametrize(("given", "kept"), [(3, 3), ("3", 3), (" 2 ", 2), (None, None)])
def test_max_running_is_kept_as_the_whole_number_it_names(
    tmp_path: Path, given: object, kept: int | None
) -> None:
    with TaskRunner(tmp_path, max_running=given, recover=False) as runner:  # type: ignore[arg-type]
        assert runner.max_running == kept
        assert type(runner.max_running) is type(kept)


@pytest.mark.parametrize("given", [0, -1, "0", "three", 2.5, True, ""])
def test_a_max_running_that_is_no_whole_number_of_at_least_1_is_refused(
    tmp_path: Path, given: object
) -> None:
    with pytest.raises(ValueError, match="max_running: must be a whole number of at least 1"):
        TaskRunner(tmp_path, max_running=given, recover=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", [0, -0.5, float("nan"), float("inf"), "0.2", True, None])
def test_a_poll_interval_that_is_no_number_of_seconds_over_0_is_refused(
    tmp_path: Path, given: object
) -> None:
    with pytest.raises(ValueError, match="poll_interval: must be a number of seconds more than 0"):
        TaskRunner(tmp_path, poll_interval=given, recover=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", [0.05, 1, 2.5])
def test_a_poll_interval_in_seconds_is_kept(tmp_path: Path, given: float) -> None:
    with TaskRunner(tmp_path, poll_interval=given, recover=False) as runner:
        assert runner.poll_interval == given


@pytest.mark.parametrize("given", ["processes", "Thread", "", None])
def test_adopt_in_other_than_thread_or_process_is_refused(tmp_path: Path, given: object) -> None:
    with pytest.raises(ValueError, match="adopt_in: must be 'thread' or 'process'"):
        TaskRunner(tmp_path, adopt_in=given, recover=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", ["unix:///run/other.sock", 42, object()])
def test_an_engine_that_is_no_engine_is_refused_with_how_to_make_one(
    tmp_path: Path, given: object
) -> None:
    with pytest.raises(TypeError, match=r"engine: an agents_runner.Engine, e.g. Engine.at\(url\)"):
        TaskRunner(tmp_path, engine=given, recover=False)  # type: ignore[arg-type]
    assert not (tmp_path / "tasks").exists()


def test_both_engines_pass_as_engines(tmp_path: Path) -> None:
    import docker

    from agents_runner import Engine, SwarmEngine

    api = docker.APIClient(base_url="unix:///nonexistent/docker.sock", version="1.41")
    for engine in (Engine(api), SwarmEngine(api)):
        with TaskRunner(tmp_path, engine=engine, recover=False) as runner:
            assert runner.engine is engine


@pytest.mark.parametrize("grace", [math.inf, math.nan, "5"])
def test_a_grace_that_is_no_number_of_seconds_is_refused(grace: object) -> None:
    """An endless grace would be stored as `Infinity`, which no JSON reader takes."""
    runner = TaskRunner.__new__(TaskRunner)  # the argument is checked before any state is used
    with pytest.raises(ValueError, match="grace: must be a number of seconds"):
        runner.request_stop("0123456789ab", grace=grace)
