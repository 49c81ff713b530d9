"""The processes working in a folder, found by their `--state-dir` and ended: what a
scenario's clean-up and the reaper use for detached supervisors, which outlive the run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agents_runner.proc import start_ticks
from agents_runner.testing.state_dir_processes import end_processes_in, state_dir_of

WAITS = "import sys; sys.stdin.read()"  # until its stdin closes or it is killed


def _working_in(state_dir: Path, spelled: str = "apart") -> subprocess.Popen[bytes]:
    option = ["--state-dir", str(state_dir)] if spelled == "apart" else [f"--state-dir={state_dir}"]
    return subprocess.Popen([sys.executable, "-c", WAITS, *option], stdin=subprocess.PIPE)


def test_the_state_dir_is_read_in_either_spelling():
    assert state_dir_of(["x", "--state-dir", "/a/b", "run"]) == "/a/b"
    assert state_dir_of(["x", "--state-dir=/a/b", "run"]) == "/a/b"
    assert state_dir_of(["x", "--state-dir"]) is None
    assert state_dir_of(["x", "run"]) is None


def test_the_processes_in_a_folder_are_ended_and_no_other(tmp_path: Path):
    inside = [_working_in(tmp_path / "scenario"), _working_in(tmp_path / "scenario" / "sub", "=")]
    beside = _working_in(tmp_path / "scenario-other")
    try:
        ended = end_processes_in(f"{tmp_path / 'scenario'}/")
        for process in inside:
            assert process.wait(timeout=10) == -9
        assert len(ended) == 2
        assert beside.poll() is None and start_ticks(beside.pid) is not None
    finally:
        for process in [*inside, beside]:
            process.kill()
            process.wait()


def test_a_run_prefix_takes_in_every_folder_named_after_the_run(tmp_path: Path):
    ours = [_working_in(tmp_path / "run-1-scenario-a"), _working_in(tmp_path / "run-1-disk-b")]
    theirs = _working_in(tmp_path / "run-2-scenario-a")
    try:
        end_processes_in(str(tmp_path / "run-1-"))
        assert [process.wait(timeout=10) for process in ours] == [-9, -9]
        assert theirs.poll() is None
    finally:
        for process in [*ours, theirs]:
            process.kill()
            process.wait()
