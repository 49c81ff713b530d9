"""What wakes a task waiting in the queue (agents_runner/queue_changes.py), on real
folders, a real pipe and a real child process. Written after a sweep of
queue_changes.py's mutants against the unit tests alone (seed 20261216) found it tested
only through the scenarios."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from agents_runner.queue_changes import FolderChanges

QUIET = 0.2  # long enough for an event already made to be seen: nothing is awaited


@pytest.fixture
def watched(tmp_path: Path):
    folder, elsewhere = tmp_path / "watched", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    changes = FolderChanges([folder])
    assert changes.watching
    yield changes, folder, elsewhere
    changes.close()


def test_a_file_renamed_into_a_watched_folder_wakes_the_waiter_once(watched) -> None:
    changes, folder, elsewhere = watched
    (elsewhere / "settings.json").write_text("{}")
    os.rename(elsewhere / "settings.json", folder / "settings.json")

    assert changes.wait(QUIET) is True
    assert changes.wait(0) is False  # every pending change was consumed


def test_a_file_leaving_a_watched_folder_wakes_the_waiter(watched) -> None:
    changes, folder, elsewhere = watched
    (folder / "ticket").touch()
    assert changes.wait(0) is False  # a new file wakes nobody
    os.rename(folder / "ticket", elsewhere / "ticket")
    assert changes.wait(QUIET) is True
    (elsewhere / "ticket").rename(folder / "ticket")
    assert changes.wait(QUIET) is True
    (folder / "ticket").unlink()
    assert changes.wait(QUIET) is True


def test_a_file_written_in_place_wakes_nobody(watched) -> None:
    changes, folder, _ = watched
    (folder / "seq").write_text("1\n")
    (folder / "seq").write_text("2\n")

    assert changes.wait(QUIET) is False


def test_kicks_never_block_the_kicker_and_wake_the_waiter_once(watched) -> None:
    changes, _, _ = watched
    for _ in range(70_000):  # more than a pipe holds
        changes.kick()

    assert changes.wait(QUIET) is True
    assert changes.wait(0) is False


def test_a_process_that_exits_wakes_the_waiter(watched) -> None:
    changes, _, _ = watched
    child = subprocess.Popen(["sleep", "0.3"])
    try:
        assert changes.wait(30, pids=(child.pid,)) is True
        assert child.wait(timeout=5) == 0
    finally:
        child.kill()
        child.wait()


def test_no_process_it_starts_inherits_its_descriptors(watched) -> None:
    changes, _, _ = watched
    # The kick pipe's and inotify's own: a process started meanwhile (a detached
    # supervisor, say) would otherwise hold them open for its whole life.
    for fd in (changes._kick_read, changes._kick_write, changes._fd):
        assert fd is not None and os.get_inheritable(fd) is False
