"""Checks for what the mutation sample drawn on 2026-12-05 (seed 20261211) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

import logging
import os
import socket
from pathlib import Path

import pytest

from agents_runner.cli import main
from agents_runner.cli.parser import parse
from agents_runner.cli.summary import describe
from agents_runner.cli.ui_verb import _listening
from agents_runner.engine.dialect import means_not_running
from agents_runner.processes import ProcessIdentity
from agents_runner.queue_settings import MAX_PRIORITY
from agents_runner.runner import TaskRunner
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.store import TaskStore
from agents_runner.task import Task
from agents_runner.taskqueue import TaskQueue
from agents_runner.terminal import offset_since

NO_SUCH_PID = 2**22 + 1  # above the kernel's largest pid


def test_a_process_on_another_host_counts_as_alive_whatever_the_hosts_names() -> None:
    here = socket.gethostname()
    for host in ("", "0" + here, here + "z", "~" + here):
        assert ProcessIdentity(pid=NO_SUCH_PID, host=host, started=1).is_alive(), host
    assert not ProcessIdentity(pid=NO_SUCH_PID, host=here, started=1).is_alive()


def test_only_a_removal_in_progress_means_the_container_has_stopped() -> None:
    assert means_not_running("removal of container c0ffee is already in progress")
    assert not means_not_running("a stop of container c0ffee is in progress")
    assert not means_not_running("removal of container c0ffee failed: device or resource busy")


def test_config_refuses_a_setting_with_no_value_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--state-dir", str(tmp_path), "config", "max-running", "2"]) == 0
    capsys.readouterr()
    assert main(["--state-dir", str(tmp_path), "config", "max-running"]) == 2
    error = capsys.readouterr().err
    assert "'config max-running N'" in error and "got 'config max-running'" in error
    assert len(error.strip().splitlines()) == 1
    assert TaskQueue(tmp_path).settings().max_running == 2


def test_show_gives_the_container_s_short_id_as_docker_ps_does() -> None:
    task = Task.new(TaskSpec(image="busybox", command=["true"]))
    task.container_id = "0123456789abcdef" * 4
    shown = dict(line.split(":", 1) for line in describe(task).splitlines() if ":" in line)
    assert shown["Container"].strip() == "0123456789ab"


def test_logs_since_reads_past_a_line_of_the_time_index_cut_short(tmp_path: Path) -> None:
    index = tmp_path / "task.times"
    # a line cut short (a crash or a full disk in the middle of a write), then the rest
    index.write_text("100 1700000001.000000000\n150 17000\n160\n200 1700000002.000000000\n")
    assert offset_since(index, 1700000003.0) == 200


def test_a_runner_opened_while_the_engine_is_away_warns_of_its_orphans_and_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")  # nothing listens
    store = TaskStore(tmp_path)
    task = store.create(Task.new(TaskSpec(image="busybox", command=["true"])))
    store.transition(task.id, TaskState.STARTING)
    store.transition(task.id, TaskState.RUNNING)  # no owner: an orphan
    with caplog.at_level(logging.WARNING):
        runner = TaskRunner(tmp_path)
    runner.close()
    assert "could not recover orphaned tasks: the Docker engine is unreachable" in caplog.text
    assert store.load(task.id).state is TaskState.RUNNING


def test_the_highest_and_lowest_priorities_take_their_places_in_line(tmp_path: Path) -> None:
    queue = TaskQueue(tmp_path)
    queue.ensure()
    queue.active_dir.mkdir()  # the store's index of unfinished tasks
    for task_id, priority in (("m" * 12, 0), ("h" * 12, MAX_PRIORITY), ("l" * 12, -MAX_PRIORITY)):
        (queue.active_dir / task_id).touch()
        queue.enter(task_id, priority=priority, owner_pid=os.getpid())
    places = queue.places()
    assert [places[t][0] for t in ("h" * 12, "m" * 12, "l" * 12)] == [1, 2, 3]


def test_ui_without_a_port_listens_on_a_free_one_the_system_picks() -> None:
    args = parse(["ui"])
    first, second = _listening(args.host, args.port), _listening(args.host, args.port)
    try:
        ports = first.getsockname()[1], second.getsockname()[1]
    finally:
        first.close()
        second.close()
    assert ports[0] != ports[1] and min(ports) >= 1024, ports
