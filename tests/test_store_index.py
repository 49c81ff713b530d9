"""The index of unfinished tasks (active/) and id prefixes, on real files in temp dirs.

A crash freezes the state dir at some instant; what a concurrent observer sees at an
instant is what a crash there would leave, so the invariant is checked both ways: by
watching writes as they happen, and by leaving on disk what a crash between two steps
leaves.
"""

import logging
import os
import shutil
import stat
import threading

import pytest

from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.store import AmbiguousTaskId, TaskNotFound, TaskStore, UnreadableTask
from agents_runner.task import Task

TO_THE_END = [TaskState.STARTING, TaskState.RUNNING, TaskState.COMPLETED]


@pytest.fixture
def store(tmp_path):
    return TaskStore(tmp_path / "state")


def new_task(store: TaskStore, task_id: str | None = None) -> Task:
    task = Task.new(TaskSpec(image="busybox", agent="echo", prompt="hi"))
    if task_id is not None:
        task.id = task_id
    return store.create(task)


def finished_task(store: TaskStore, task_id: str | None = None) -> Task:
    task = new_task(store, task_id)
    for state in TO_THE_END:
        task = store.transition(task.id, state)
    return task


def marked(store: TaskStore) -> set[str]:
    return set(os.listdir(store.active_dir))


def unfinished_of_list(store: TaskStore) -> list[str]:
    return [t.id for t in store.list() if not t.is_terminal]


# -- the invariant: every unfinished task has a marker -----------------------------------


def test_a_task_is_marked_from_its_creation_until_it_ends(store):
    task = new_task(store)
    assert marked(store) == {task.id}
    store.update(task.id, lambda t: setattr(t, "error", "not yet"))
    store.transition(task.id, TaskState.STARTING)
    store.transition(task.id, TaskState.RUNNING, container_id="c")
    assert marked(store) == {task.id}
    store.transition(task.id, TaskState.STOPPING)
    store.transition(task.id, TaskState.CANCELLED)
    assert marked(store) == set()
    store.update(task.id, lambda t: setattr(t, "error", "after the end"))
    assert marked(store) == set()


def test_delete_removes_the_marker_of_an_unfinished_task(store):
    task = new_task(store)
    store.delete(task.id)
    assert marked(store) == set()
    assert list(store.locks_dir.iterdir()) == []


def test_markers_and_the_index_are_private(store):
    task = new_task(store)
    assert stat.S_IMODE(os.stat(store.active_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.active_dir / task.id).st_mode) == 0o600


def test_an_observer_never_sees_an_unfinished_payload_without_its_marker(store):
    """A payload read unfinished before and after the marker is looked at means the
    marker was there all along: it is made before the first payload and removed only
    after a terminal one."""
    done = threading.Event()
    violations: list[str] = []

    def unfinished(task_id: str) -> bool:
        try:
            return not store.load(task_id).is_terminal
        except TaskNotFound:
            return False

    def observe() -> None:
        while not done.is_set():
            for name in os.listdir(store.tasks_dir):
                task_id = name.partition(".")[0]
                if not name.endswith(".json") or name.startswith("."):
                    continue
                before = unfinished(task_id)
                has_marker = (store.active_dir / task_id).exists()
                if before and unfinished(task_id) and not has_marker:
                    violations.append(task_id)

    observer = threading.Thread(target=observe)
    observer.start()
    try:
        for _ in range(40):
            task = finished_task(store)
            store.delete(task.id)
            new_task(store)
    finally:
        done.set()
        observer.join()
    assert violations == []
    assert marked(store) == set(unfinished_of_list(store))


# -- reading through the index -----------------------------------------------------------


def test_list_unfinished_is_the_unfinished_part_of_list(store):
    for _ in range(3):
        finished_task(store)
    running = new_task(store)
    store.transition(running.id, TaskState.STARTING)
    queued = [new_task(store) for _ in range(3)]
    failed = new_task(store)
    store.transition(failed.id, TaskState.FAILED, error="no")
    got = store.list_unfinished()
    assert [t.id for t in got] == unfinished_of_list(store)
    assert [t.id for t in got] == [running.id, *(t.id for t in queued)]
    assert [t.to_payload() for t in got] == [store.load(t.id).to_payload() for t in got]


def test_a_marker_left_by_a_crash_after_the_end_is_skipped_and_cleared(store):
    ended = finished_task(store)
    (store.active_dir / ended.id).touch()  # the crash came before the unmarking
    assert store.list_unfinished() == []
    assert marked(store) == set()


def test_a_marker_without_a_payload_is_skipped_and_cleared_with_its_lock_file(store):
    (store.active_dir / "0123456789ab").touch()  # the crash came before the first write
    assert store.list_unfinished() == []
    assert marked(store) == set()
    assert list(store.locks_dir.iterdir()) == []


def test_a_task_being_created_keeps_its_marker_and_the_reader_does_not_wait(store):
    task_id = "0123456789ab"
    marker_made, let_go = threading.Event(), threading.Event()

    def creator() -> None:  # holds the task's lock between its marking and its write
        with store.locked(task_id):
            (store.active_dir / task_id).touch()
            marker_made.set()
            let_go.wait(10)

    thread = threading.Thread(target=creator)
    thread.start()
    try:
        assert marker_made.wait(10)
        assert store.list_unfinished() == []
        assert marked(store) == {task_id}
    finally:
        let_go.set()
        thread.join()


def test_a_damaged_payload_with_a_marker_is_quarantined_and_unmarked(store, caplog):
    good = new_task(store)
    damaged = new_task(store)
    store.payload_path(damaged.id).write_text("{damaged")
    with caplog.at_level(logging.WARNING):
        assert [t.id for t in store.list_unfinished()] == [good.id]
    assert "quarantined" in caplog.text
    assert not store.payload_path(damaged.id).exists()
    assert marked(store) == {good.id}


def test_a_newer_payload_keeps_its_marker_and_is_skipped_with_a_warning(store, caplog):
    task = new_task(store)
    store.payload_path(task.id).write_text('{"schema": 7}')
    with caplog.at_level(logging.WARNING):
        assert store.list_unfinished() == []
    assert "newer" in caplog.text
    assert marked(store) == {task.id}
    with pytest.raises(UnreadableTask):
        store.load(task.id)
    assert list(store.quarantine_dir.iterdir()) == []


def test_the_cost_of_list_unfinished_reads_no_finished_payload(store):
    finished = [finished_task(store) for _ in range(5)]
    for task in finished:  # were they read, they would be quarantined
        store.payload_path(task.id).write_text("{damaged")
    running = new_task(store)
    assert [t.id for t in store.list_unfinished()] == [running.id]
    assert list(store.quarantine_dir.iterdir()) == []


# -- a state dir written before the index ------------------------------------------------


def old_state_dir(store: TaskStore) -> tuple[list[str], list[str]]:
    """Tasks of every kind, then active/ removed, as the code before the index left it."""
    finished = [finished_task(store).id for _ in range(3)]
    unfinished = [new_task(store).id for _ in range(2)]
    store.transition(unfinished[0], TaskState.STARTING)
    shutil.rmtree(store.active_dir)
    return finished, unfinished


def test_an_old_state_dir_gets_its_index_when_opened(store):
    _, unfinished = old_state_dir(store)
    (store.tasks_dir / "dddddddddddd.json").write_text("{damaged")
    opened = TaskStore(store.root)
    assert marked(opened) == {*unfinished, "dddddddddddd"}  # damaged: list_unfinished decides
    assert [t.id for t in opened.list_unfinished()] == unfinished
    assert marked(opened) == set(unfinished)
    assert [t.id for t in opened.list_unfinished()] == unfinished_of_list(opened)


def test_a_build_that_crashed_halfway_is_harmless(store):
    _, unfinished = old_state_dir(store)
    leftover = store.root / ".active.deadbeef.tmp"
    leftover.mkdir()
    (leftover / "0123456789ab").touch()
    opened = TaskStore(store.root)
    assert marked(opened) == set(unfinished)
    assert not leftover.exists()
    assert [p.name for p in store.root.iterdir() if p.name.startswith(".")] == []


def test_processes_opening_an_old_state_dir_at_once_build_one_index(store):
    _, unfinished = old_state_dir(store)
    opened: list[TaskStore] = []
    threads = [
        threading.Thread(target=lambda: opened.append(TaskStore(store.root))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 4
    assert marked(store) == set(unfinished)


def test_without_an_index_reads_scan_and_the_next_write_builds_it(store):
    _, unfinished = old_state_dir(store)  # as if it could not be built when opened
    assert [t.id for t in store.list_unfinished()] == unfinished
    assert not store.active_dir.exists()
    store.transition(unfinished[1], TaskState.STARTING)
    assert marked(store) == set(unfinished)
    created = new_task(store)
    assert marked(store) == {*unfinished, created.id}


# -- id prefixes -------------------------------------------------------------------------


def test_an_exact_id_or_a_unique_prefix_resolves(store):
    one = new_task(store, "abc000000001")
    other = finished_task(store, "abd000000002")
    assert store.resolve_id(one.id) == one.id
    assert store.resolve_id("abc") == one.id
    assert store.resolve_id("abd0") == other.id
    assert store.resolve_id("abc00000000") == one.id


def test_an_ambiguous_prefix_names_its_candidates(store):
    ids = [new_task(store, f"aa{n:010d}").id for n in range(7)]
    with pytest.raises(AmbiguousTaskId) as raised:
        store.resolve_id("aa")
    message = str(raised.value)
    assert "'aa'" in message and "7 tasks" in message
    assert all(task_id in message for task_id in ids[:5])
    assert ids[5] not in message and "and 2 more" in message
    assert raised.value.candidates == ids
    assert isinstance(raised.value, LookupError)


@pytest.mark.parametrize("text", ["b", "abc000000003", "fff"])
def test_a_prefix_nothing_matches_is_not_found(store, text):
    new_task(store, "abc000000001")
    with pytest.raises(TaskNotFound, match="no such task") as raised:
        store.resolve_id(text)
    assert repr(text) in str(raised.value)


@pytest.mark.parametrize(
    "text", ["", "xyz", "ABC", "abc\n", "abc-", "../tasks", "abc0000000012", "a b"]
)
def test_what_is_no_id_nor_prefix_is_refused_by_name(store, text):
    new_task(store, "abc000000001")
    with pytest.raises(TaskNotFound, match="not a task id") as raised:
        store.resolve_id(text)
    assert repr(text) in str(raised.value)


def test_an_unreadable_or_newer_payload_still_resolves_so_load_can_say_why(store):
    task = new_task(store, "abc000000001")
    store.payload_path(task.id).write_text('{"schema": 7}')
    assert store.resolve_id("abc") == task.id
    (store.tasks_dir / ".abd000000002.json.1234.tmp").write_text("{")  # a torn write
    with pytest.raises(TaskNotFound):
        store.resolve_id("abd")
