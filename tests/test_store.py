import json
import logging
import os
import stat
import threading

import pytest

from agents_runner.spec import TaskSpec
from agents_runner.states import InvalidTransition, TaskState
from agents_runner.store import TaskNotFound, TaskStore, UnreadableTask
from agents_runner.task import SPEC_PAYLOAD_FIELDS, Task


@pytest.fixture
def store(tmp_path):
    return TaskStore(tmp_path / "state")


def new_task(store: TaskStore, **spec) -> Task:
    return store.create(Task.new(TaskSpec(image="busybox", agent="echo", **spec)))


def test_payload_has_the_contract_fields(store):
    task = new_task(store, prompt="hi", secrets={"TOKEN": "hunter2"})
    data = json.loads(store.payload_path(task.id).read_text())
    for field in ("schema", "id", "state", "spec", "container_id", "exit_code", "error",
                  "created_at", "updated_at", "history"):  # fmt: skip
        assert field in data
    assert data["schema"] == 1
    assert data["history"] == [{"state": "queued", "at": data["created_at"]}]
    assert data["created_at"].endswith("+00:00")
    assert "hunter2" not in store.payload_path(task.id).read_text()


def test_transitions_are_persisted_with_history(store):
    task = new_task(store)
    store.transition(task.id, TaskState.STARTING)
    store.transition(task.id, TaskState.RUNNING, container_id="abc")
    again = TaskStore(store.root).load(task.id)
    assert [e.state.value for e in again.history] == ["queued", "starting", "running"]
    assert again.container_id == "abc"
    with pytest.raises(InvalidTransition):
        store.transition(task.id, TaskState.QUEUED)
    assert TaskStore(store.root).load(task.id).state is TaskState.RUNNING


def test_a_torn_temporary_file_is_never_read_as_a_payload(store):
    task = new_task(store)
    torn = store.tasks_dir / f".{task.id}.json.deadbeef.tmp"
    torn.write_text('{"schema": 1, "id": "')
    (store.tasks_dir / f".{'0' * 12}.json.cafe.tmp").write_text("{")
    assert [t.id for t in store.list()] == [task.id]
    assert store.load(task.id).state is TaskState.QUEUED
    assert list(store.quarantine_dir.iterdir()) == []


def test_write_replaces_atomically_no_temporary_left(store):
    task = new_task(store)
    for _ in range(5):
        store.update(task.id, lambda t: setattr(t, "error", "x"))
    assert sorted(p.name for p in store.tasks_dir.iterdir()) == [f"{task.id}.json"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"schema": 1, "id": "tru', "not valid JSON"),
        (b"[1, 2, 3]", "not an object"),
        (b'{"schema": 0}', "unsupported schema 0"),
        (b"\xff\xfe", "not valid JSON"),
        (b'{"schema": 1, "id": "aaaaaaaaaaaa"}', "missing field"),
    ],
)
def test_unreadable_payloads_are_quarantined_and_the_rest_load(store, caplog, content, reason):
    good = new_task(store)
    bad_path = store.tasks_dir / "aaaaaaaaaaaa.json"
    bad_path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        assert [t.id for t in store.list()] == [good.id]
    assert not bad_path.exists()
    quarantined = sorted(store.quarantine_dir.iterdir())
    assert len(quarantined) == 2
    payload, why = (
        (p for p in quarantined if not p.name.endswith(".reason")),
        (p for p in quarantined if p.name.endswith(".reason")),
    )
    assert next(payload).read_bytes() == content
    assert reason in next(why).read_text()
    assert "quarantined" in caplog.text and reason in caplog.text


def test_a_payload_from_a_newer_version_is_left_in_place(store, caplog):
    good = new_task(store)
    newer = store.tasks_dir / "cccccccccccc.json"
    newer.write_bytes(b'{"schema": 7}')
    with caplog.at_level(logging.WARNING):
        assert [t.id for t in store.list()] == [good.id]
    with pytest.raises(UnreadableTask, match="newer"):
        store.load("cccccccccccc")
    with pytest.raises(UnreadableTask):
        store.update("cccccccccccc", lambda t: None)
    assert newer.read_bytes() == b'{"schema": 7}'
    assert list(store.quarantine_dir.iterdir()) == []


def test_an_update_of_an_unreadable_payload_quarantines_it_without_deadlock(store):
    (store.tasks_dir / "dddddddddddd.json").write_text("{damaged")
    with pytest.raises(TaskNotFound, match="quarantined"):
        store.update("dddddddddddd", lambda t: None)


def test_delete_removes_the_lock_file_and_the_lock_still_excludes(store):
    task = new_task(store)
    store.update(task.id, lambda t: setattr(t, "error", "x"))
    store.delete(task.id)
    assert list(store.locks_dir.iterdir()) == []
    with store._locked(task.id), store._locked(task.id):  # reentrant in one thread
        assert len(list(store.locks_dir.iterdir())) == 1


def test_loading_a_quarantined_id_names_it(store):
    (store.tasks_dir / "bbbbbbbbbbbb.json").write_text("nope")
    with pytest.raises(TaskNotFound, match=r"bbbbbbbbbbbb.*quarantined"):
        store.load("bbbbbbbbbbbb")


@pytest.mark.parametrize("task_id", ["nope", "../../etc/passwd", "0" * 11, "ABCDEFABCDEF"])
def test_unknown_or_malformed_ids_name_the_id(store, task_id):
    with pytest.raises(TaskNotFound) as raised:
        store.load(task_id)
    assert repr(task_id) in str(raised.value)


def test_concurrent_updates_lose_nothing(store):
    task = new_task(store)
    store.update(task.id, lambda t: setattr(t, "pull_progress", {"n": 0}))

    def bump():
        for _ in range(25):
            store.update(
                task.id, lambda t: t.pull_progress.__setitem__("n", t.pull_progress["n"] + 1)
            )

    workers = [threading.Thread(target=bump) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert store.load(task.id).pull_progress == {"n": 100}


def test_state_dir_is_private(store):
    task = new_task(store)
    assert stat.S_IMODE(os.stat(store.root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.payload_path(task.id)).st_mode) == 0o600


def test_store_id_is_stable(store):
    assert TaskStore(store.root).store_id == store.store_id


def test_secret_names_survive_every_update_but_values_never_land(store):
    task = new_task(store, secrets={"TOKEN": "hunter2"})
    store.transition(task.id, TaskState.STARTING)
    store.update(task.id, lambda t: setattr(t, "container_id", "abc"))
    assert store.load(task.id).spec.secret_names == ("TOKEN",)
    assert b"hunter2" not in store.payload_path(task.id).read_bytes()


def test_a_stored_task_prints_its_spec_as_stored_and_rebuilds_it_when_asked(store):
    spec = TaskSpec(image="busybox", agent="echo", prompt="hi", env={"A": "1"}, secrets={"T": "x"})
    task = store.create(Task.new(spec))
    loaded = store.load(task.id)
    assert set(spec.to_payload()) == SPEC_PAYLOAD_FIELDS
    assert loaded.to_payload() == json.loads(store.payload_path(task.id).read_text())
    assert loaded.spec_payload() == spec.to_payload()
    assert loaded.spec == TaskSpec.from_payload(spec.to_payload())
    assert loaded.spec.secret_names == ("T",) and loaded.spec.secrets == {}
    assert loaded == store.load(task.id) and loaded != task  # the secrets stay in memory
    assert repr(loaded).startswith(f"Task(id='{task.id}', spec=TaskSpec(image='busybox'")


def test_a_stored_spec_without_the_newer_fields_gets_their_defaults(store):
    task = new_task(store)
    payload = json.loads(store.payload_path(task.id).read_text())
    for name in ("agent_args", "agent_path", "memory", "cpus"):
        del payload["spec"][name]
    expected = {**payload["spec"], "agent_args": [], "agent_path": None, "memory": None,
                "cpus": None}  # fmt: skip
    payload["spec"]["from_elsewhere"] = 1  # a field this version does not know is dropped
    store.payload_path(task.id).write_text(json.dumps(payload))
    assert store.load(task.id).to_payload()["spec"] == expected


@pytest.mark.parametrize(
    ("spec_change", "reason"),
    [
        ({"image": 7}, "spec.image is missing or not a string"),
        ({"secret_names": 7}, "spec.secret_names"),
    ],
)
def test_a_stored_spec_that_cannot_be_rebuilt_is_quarantined_on_reading(store, spec_change, reason):
    task = new_task(store)
    payload = json.loads(store.payload_path(task.id).read_text())
    payload["spec"].update(spec_change)
    store.payload_path(task.id).write_text(json.dumps(payload))
    with pytest.raises(TaskNotFound, match="quarantined") as raised:
        store.load(task.id)
    assert reason in str(raised.value)


def test_the_package_still_offers_task_spec():
    import agents_runner

    assert agents_runner.TaskSpec is TaskSpec


def test_the_queue_forgets_what_ended_tasks_left(tmp_path):
    """A ticket and a slot whose task has ended (its active/ marker gone) are removed by
    clean(); those of unfinished tasks stay."""
    from agents_runner.taskqueue import TaskQueue

    queue = TaskQueue(tmp_path)
    queue.ensure()
    (tmp_path / "active").mkdir()
    for task_id in ("a" * 12, "b" * 12):
        queue.enter(task_id, owner_pid=os.getpid())
    (tmp_path / "active" / ("b" * 12)).touch()
    (queue.running_dir / ("c" * 12 + "~")).touch()  # a slot of a task that ended
    (queue.running_dir / ("b" * 12 + "~")).touch()
    assert queue.clean() == 2
    assert [t.split("~")[2] for t in os.listdir(queue.waiting_dir)] == ["b" * 12]
    assert os.listdir(queue.running_dir) == ["b" * 12 + "~"]


def test_no_lock_file_outlives_its_task(tmp_path):
    """locks/ holds a file only for a stored task: not after an update of an unknown id
    or a quarantine (C-4.3)."""
    store = TaskStore(tmp_path / "state")
    with pytest.raises(TaskNotFound):
        store.update("0123456789ab", lambda task: None)
    damaged = store.create(Task.new(TaskSpec(image="busybox", command=["true"])))
    store.payload_path(damaged.id).write_text("{not json")
    with pytest.raises(TaskNotFound):
        store.load(damaged.id)
    kept = store.create(Task.new(TaskSpec(image="busybox", command=["true"])))

    assert sorted(p.name for p in store.locks_dir.iterdir()) in ([], [f"{kept.id}.lock"])


def test_the_time_a_stop_signal_was_sent_is_kept_and_written_only_once_set(store):
    task = new_task(store)
    assert "stop_signalled_at" not in json.loads(store.payload_path(task.id).read_text())
    at = "2026-12-06T10:00:00.000000+00:00"
    store.update(task.id, lambda t: setattr(t, "stop_signalled_at", at))
    assert json.loads(store.payload_path(task.id).read_text())["stop_signalled_at"] == at
    assert TaskStore(store.root).load(task.id).stop_signalled_at == at


@pytest.mark.parametrize("value", [7, "2026-12-06T10:00:00"])
def test_a_stop_signal_time_that_is_no_zoned_time_is_quarantined(store, value):
    task = new_task(store)
    payload = json.loads(store.payload_path(task.id).read_text())
    payload["stop_signalled_at"] = value
    store.payload_path(task.id).write_text(json.dumps(payload))
    with pytest.raises(TaskNotFound, match="stop_signalled_at"):
        store.load(task.id)
