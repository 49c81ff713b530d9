"""The evidence attached to Allure results, and when it is attached."""

import allure_commons

from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.task import Task
from agents_runner.testing.allure_evidence import (
    attach,
    clear_results,
    events_text,
    timeline_text,
)
from agents_runner.testing.events import ContainerEvent
from agents_runner.testing.evidence import ScenarioRecord, TaskRecord


def cancelled_task() -> Task:
    task = Task.new(TaskSpec(image="busybox:1.36", agent="echo", secrets={"K": "s3cret"}))
    for state in (TaskState.STARTING, TaskState.RUNNING, TaskState.STOPPING, TaskState.CANCELLED):
        task.move_to(state)
    task.exit_code = 143
    return task


class Attachments:
    """An allure_commons plugin that keeps what is attached, as a results writer would."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    @allure_commons.hookimpl
    def attach_data(self, body, name, attachment_type, extension):
        self.seen.append((name, body))


def record() -> ScenarioRecord:
    task = TaskRecord.of(cancelled_task(), "agent: ready\n")
    events = [
        ContainerEvent(1700000000.5, "die", "c" * 64, None, 143, task_id=task.task_id),
        ContainerEvent(1700000000.0, "kill", "c" * 64, 15, None, task_id=task.task_id),
        ContainerEvent(1700000001.0, "start", "d" * 64, None, None),
    ]
    return ScenarioRecord("F", "S", "passed", 1.0, tasks=[task], events=events)


def test_nothing_is_attached_when_no_allure_formatter_runs():
    attach(record())  # no plugin registered: must neither fail nor write anything


def test_each_task_gets_its_timeline_payload_events_and_log_tail():
    plugin = Attachments()
    allure_commons.plugin_manager.register(plugin)
    try:
        scenario = record()
        attach(scenario)
    finally:
        allure_commons.plugin_manager.unregister(plugin)
    task_id = scenario.tasks[0].task_id
    names = [name for name, _ in plugin.seen]
    assert names == [
        f"task {task_id}: state timeline",
        f"task {task_id}: stored payload",
        f"task {task_id}: Docker events",
        f"task {task_id}: log tail",
        "Docker events: containers without an agents-runner.task-id label",
    ]
    bodies = dict(plugin.seen)
    assert "cancelled" in bodies[f"task {task_id}: state timeline"]
    assert '"exit_code": 143' in bodies[f"task {task_id}: stored payload"]
    events = bodies[f"task {task_id}: Docker events"].splitlines()
    assert events[0].endswith("kill (signal 15)") and events[1].endswith("die (exit code 143)")
    assert events[0].startswith("2023-11-14T22:13:20.000+00:00")
    assert bodies[f"task {task_id}: log tail"] == "agent: ready"
    assert "s3cret" not in "".join(body for _, body in plugin.seen)


def test_text_forms():
    task = TaskRecord.of(cancelled_task(), "")
    lines = timeline_text(task).splitlines()
    assert lines[0].startswith("queued ") and "  +" not in lines[0]
    assert lines[-1].startswith("cancelled") and " s" in lines[-1]
    assert events_text([]) == "(no container events)"


def test_results_of_an_earlier_run_are_cleared(tmp_path):
    for name in ("a-result.json", "b-container.json", "c-attachment.txt", "keep.txt"):
        (tmp_path / name).write_text("x")
    clear_results(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
