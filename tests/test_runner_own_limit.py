"""A runner's own limit (runner/local.py) when a task cannot join the state dir's queue
(here its waiting folder is a file, as a broken disk might leave it): the task is
counted no more, and waits at the front of those held back for the next change."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import pytest

from agents_runner.processes import ProcessIdentity
from agents_runner.runner.local import LocalTasks
from agents_runner.spec import TaskSpec
from agents_runner.store import TaskStore
from agents_runner.task import Task
from agents_runner.testing.waiting import wait_until


class _HeldSupervisor:
    """Stands in for a task's supervisor (what starts it is under test, not what it
    does): it runs until released, holding its place under the limit."""

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        self.resume = False
        self.detached = threading.Event()
        self.wake = threading.Event()
        self.release = threading.Event()

    def run(self) -> None:
        self.release.wait(60)


def _runner_of_one(tmp_path: Path) -> tuple[TaskStore, LocalTasks, list[_HeldSupervisor]]:
    """A runner's own tasks with a limit of 1, and the supervisors it started, in order."""
    store = TaskStore(tmp_path)
    started: list[_HeldSupervisor] = []

    def new_supervisor(task_id: str, spec: TaskSpec) -> _HeldSupervisor:
        started.append(_HeldSupervisor(task_id))
        return started[-1]

    local = LocalTasks(
        store,
        ProcessIdentity.current(),
        max_running=1,
        poll_interval=0.2,
        new_supervisor=new_supervisor,  # type: ignore[arg-type]
        adopt=lambda task: None,
    )
    return store, local, started


def _one_that_could_not_join(tmp_path: Path) -> tuple[LocalTasks, list[_HeldSupervisor], Task]:
    """A runner of one whose only task could not join the queue: its waiting folder is a
    file until the test mends it."""
    store, local, started = _runner_of_one(tmp_path)
    spec = TaskSpec(image="busybox:1.36", command=["true"])
    only = Task.new(spec)
    queue = local.admitter.queue
    queue.ensure()
    shutil.rmtree(queue.waiting_dir)
    queue.waiting_dir.write_text("")
    with pytest.raises(OSError):
        local.add(only.id, spec, store=lambda: store.create(only))
    return local, started, only


def test_a_task_that_could_not_join_the_queue_waits_at_the_front_and_holds_no_place(
    tmp_path: Path,
) -> None:
    store, local, started = _runner_of_one(tmp_path)
    spec = TaskSpec(image="busybox:1.36", command=["true"])
    first, second = Task.new(spec), Task.new(spec)
    queue = local.admitter.queue
    queue.ensure()
    shutil.rmtree(queue.waiting_dir)
    queue.waiting_dir.write_text("")
    try:
        with pytest.raises(OSError):
            local.add(first.id, spec, store=lambda: store.create(first))
        queue.waiting_dir.unlink()
        queue.waiting_dir.mkdir()
        local.add(second.id, spec, store=lambda: store.create(second))
        wait_until(lambda: [s.task_id for s in started], bool, timeout=30, describe="a start")
        assert [s.task_id for s in started] == [first.id]
        started[0].release.set()
        wait_until(
            lambda: [s.task_id for s in started],
            lambda ids: len(ids) == 2,
            timeout=30,
            describe="the second task's start once the first ended",
        )
        assert [s.task_id for s in started] == [first.id, second.id]
    finally:
        for supervisor in started:
            supervisor.release.set()
        local.close(wait=False)


def test_close_waits_for_a_task_that_could_not_join_the_queue_and_tries_it_again(
    tmp_path: Path,
) -> None:
    local, started, only = _one_that_could_not_join(tmp_path)
    queue = local.admitter.queue
    queue.waiting_dir.unlink()
    queue.waiting_dir.mkdir()
    closing = threading.Thread(target=local.close, kwargs={"wait": True}, daemon=True)
    closing.start()
    _starts_then_close_returns(started, only, closing)


def test_close_goes_on_waiting_while_a_held_back_task_still_cannot_join_the_queue(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    local, started, only = _one_that_could_not_join(tmp_path)
    queue = local.admitter.queue
    closing = threading.Thread(target=local.close, kwargs={"wait": True}, daemon=True)
    closing.start()
    wait_until(
        lambda: [r.getMessage() for r in caplog.records],
        lambda messages: any("could not join the queue" in m for m in messages),
        timeout=20,
        describe="close's try, logged, to let the task through",
    )
    assert closing.is_alive(), "close gave up on the task that could not join the queue"
    queue.waiting_dir.unlink()
    queue.waiting_dir.mkdir()
    local.notify()  # the next change, which close waits for
    _starts_then_close_returns(started, only, closing)


def test_close_does_not_miss_a_change_that_comes_while_it_tries_the_held_back_task_again(
    tmp_path: Path,
) -> None:
    """The change lands in close's own retry, before it waits: close must see it rather
    than wait out its idle recheck (30 s) for a change already past."""
    local, started, only = _one_that_could_not_join(tmp_path)
    queue = local.admitter.queue

    class MendOnTheRetry(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "could not join the queue" in record.getMessage() and queue.waiting_dir.is_file():
                queue.waiting_dir.unlink()
                queue.waiting_dir.mkdir()
                local.notify()

    handler = MendOnTheRetry()
    logging.getLogger("agents_runner").addHandler(handler)
    try:
        closing = threading.Thread(target=local.close, kwargs={"wait": True}, daemon=True)
        closing.start()
        _starts_then_close_returns(started, only, closing)
    finally:
        logging.getLogger("agents_runner").removeHandler(handler)


def _starts_then_close_returns(
    started: list[_HeldSupervisor], only: Task, closing: threading.Thread
) -> None:
    try:
        wait_until(lambda: [s.task_id for s in started], bool, timeout=20, describe="its start")
        assert [s.task_id for s in started] == [only.id]
    finally:
        for supervisor in started:
            supervisor.release.set()
    closing.join(20)
    assert not closing.is_alive(), "close(wait=True) still waits"
