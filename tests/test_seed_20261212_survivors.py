"""Checks for what the short mutation sample drawn on 2026-12-05 (seed 20261212) found no
test looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agents_runner.engine.records import ContainerInfo
from agents_runner.engine.swarm_tasks import container_as_told
from agents_runner.logcopy import LogCopy
from agents_runner.supervise.pull import PullProgress

SERVICE = ContainerInfo(id="s1", name="agents-runner-t", status="created", running=False)


def test_a_swarm_task_that_is_starting_is_a_created_container_not_a_running_one() -> None:
    """Swarm's states after "running" in the alphabet ("shutdown", "starting") are no
    running container: only "running" is."""
    at = "2026-12-05T10:00:00.5Z"
    starting = container_as_told(SERVICE, {"Status": {"State": "starting", "Timestamp": at}})
    assert (starting.status, starting.running, starting.started_at) == ("created", False, None)
    running = container_as_told(SERVICE, {"Status": {"State": "running", "Timestamp": at}})
    assert (running.status, running.running) == ("running", True)
    assert running.started_at is not None
    ended = {"State": "shutdown", "Timestamp": at, "ContainerStatus": {"ContainerID": "c"}}
    shut = container_as_told(SERVICE, {"Status": ended})
    assert (shut.status, shut.running) == ("exited", False)
    assert shut.finished_at == shut.started_at == running.started_at


def test_a_pull_chunk_that_names_no_layer_is_not_worth_persisting() -> None:
    """The pull's own lines (its tag, its digest) change no layer's progress."""
    progress = PullProgress()
    assert not progress.add({"status": "Pulling from agents/echo", "id": "1.36"})
    assert not progress.add({"status": "Digest: sha256:" + "a" * 64})
    assert progress.layers == {}


def test_reading_the_log_again_over_the_copy_forgets_its_whole_time_index(
    tmp_path: Path,
) -> None:
    """The index is written again from the log's start, its first line included (one
    whose offset is 1: a first frame of one byte)."""
    copy = LogCopy(None, "c0ffee", tmp_path / "t.log", "t", times_path=tmp_path / "t.times")  # type: ignore[arg-type]
    assert copy._times is not None
    copy._times.note_at(1, 1_795_000_000_000_000_000)
    assert (tmp_path / "t.times").read_text() != ""
    copy._check_again()
    copy.close()
    assert (tmp_path / "t.times").read_text() == ""


def test_a_read_verb_never_imports_the_runner(tmp_path: Path) -> None:
    """`list`, `show` and `logs` only read the state dir: the package that drives tasks
    stays out of their imports (typing's names included)."""
    probe = (
        "import sys\n"
        "from agents_runner.cli import main\n"
        "main(['--state-dir', sys.argv[1], 'list', '--all'])\n"
        "print('agents_runner.runner' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"
