"""The evidence report is read by people: check that it says what happened."""

from html.parser import HTMLParser

from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.task import Task
from agents_runner.testing.events import ContainerEvent
from agents_runner.testing.evidence import ScenarioRecord, StepRecord, TaskRecord, render


class TextAndTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.external.append(value)

    def handle_data(self, data):
        self.text.append(data)


def cancelled_task() -> Task:
    task = Task.new(
        TaskSpec(image="busybox:1.36", agent="echo", prompt="<b>hi</b>", secrets={"K": "s3cret"})
    )
    for state in (TaskState.STARTING, TaskState.RUNNING, TaskState.STOPPING, TaskState.CANCELLED):
        task.move_to(state)
    task.exit_code = 143
    return task


def test_the_report_holds_the_timeline_events_payload_and_output_and_nothing_external():
    task = cancelled_task()
    record = ScenarioRecord(
        feature="Cancelling a task is graceful",
        name="A running agent is cancelled",
        status="passed",
        duration=1.5,
        steps=[StepRecord("When", "the user cancels the task", "passed", 0.01)],
        tasks=[TaskRecord.of(task, "agent: ready\nagent: caught SIGTERM\n")],
        events=[
            ContainerEvent(1700000000.0, "kill", "c" * 64, 15, None),
            ContainerEvent(1700000000.1, "die", "c" * 64, None, 143),
        ],
    )
    page = TextAndTags()
    page.feed(render([record]))
    text = " ".join(page.text)
    assert page.external == []
    assert {"table", "pre", "details"} <= page.tags
    for state in ("queued", "starting", "running", "stopping", "cancelled"):
        assert state in text
    assert "Since previous" in text and "+0." in text
    assert "kill" in text and "15" in text and "die" in text and "143" in text
    assert "the user cancels the task" in text
    assert "agent: caught SIGTERM" in text
    assert '"exit_code": 143' in text
    assert "<b>hi</b>" in text  # shown as text, escaped in the markup
    assert "s3cret" not in text


def test_failed_scenarios_are_open_and_show_their_error():
    record = ScenarioRecord(
        "F", "S", "failed", 0.2, [StepRecord("Then", "x", "failed", 0.0, "Expected: 1\n but: 2")]
    )
    html = render([record])
    assert "<details open>" in html
    assert "Expected: 1" in html
