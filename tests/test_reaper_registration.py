"""The reaper's run registry: a run that is registering itself is never taken for dead
by another run reading the registry at that moment (the Docker and Podman suites' workers
register and reap side by side)."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_a_dead_process_s_half_written_entry_is_removed(tmp_path, monkeypatch):
    """A run killed between writing its entry and renaming it into place leaves the
    `.partial` file; a live process's is its own to rename."""
    monkeypatch.setattr(reaper, "RUNS_DIR", tmp_path / "runs")
    (tmp_path / "runs").mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / "runs" / f".deadrun.{gone.pid}.1.partial"
    live = tmp_path / "runs" / f".liverun.{os.getpid()}.1.partial"
    dead.write_text("{}")
    live.write_text("{}")
    assert reaper.remove_dead_partials() == [dead]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [live.name]
