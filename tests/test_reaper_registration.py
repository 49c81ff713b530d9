"""The reaper's run registry: a run that is registering itself is never taken for dead
by another run reading the registry at that moment (the Docker and Podman suites' workers
register and reap side by side)."""

from __future__ import annotations

import threading

import pytest

from agents_runner.testing import reaper


def test_a_run_being_registered_is_never_read_as_dead(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(reaper, "RUNS_DIR", tmp_path / "runs")
    reaper.register("live")
    done = threading.Event()

    def register_again() -> None:
        for _ in range(3000):
            reaper.register("live")
        done.set()

    writer = threading.Thread(target=register_again)
    writer.start()
    seen_dead = 0
    while not done.is_set():
        seen_dead += "live" in reaper.dead_runs()
    writer.join()
    assert seen_dead == 0
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["live.json"]
