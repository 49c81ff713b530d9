"""A mutant whose scenarios hang is stopped at its leg's limit (mutation/run_mutant.py):
the whole session of the runner goes, and the run counts as failed."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "mutation"))

from run_mutant import _run_within

from agents_runner.testing.waiting import wait_until


def test_a_run_past_its_limit_is_killed_with_everything_it_started(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # A runner that never ends, with a worker of its own that never ends either.
    script = f"sleep 600 & echo $! > {pids}; echo $$ >> {pids}; wait"
    done = _run_within(["sh", "-c", script], dict(os.environ), limit=1.0)
    assert done.returncode == 1
    assert "KILLED as hanging: no end in 1 s" in done.stdout
    for pid in map(int, pids.read_text().split()):
        wait_until(
            lambda pid=pid: (
                Path(f"/proc/{pid}").exists()
                and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            ),
            lambda alive: not alive,
            timeout=10,
            describe=f"process {pid} gone",
        )


def test_a_run_within_its_limit_gives_its_own_status_and_output() -> None:
    done = _run_within(["sh", "-c", "echo ran; exit 3"], dict(os.environ), limit=30.0)
    assert (done.returncode, done.stdout) == (3, "ran\n")
