"""The evidence report is read by people: check that it says what happened."""

from html.parser import HTMLParser

from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.task import Task
from agents_runner.testing.events import ContainerEvent
from agents_runner.testing.evidence import (
    ScenarioRecord,
    StepRecord,
    TaskRecord,
    events_by_task,
    not_run,
    render,
)
from agents_runner.testing.run_info import RunInfo, ScenarioRef, command_line, suite_scenarios


class TextAndTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.external: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name == "src" or (name == "href" and value and "://" in value):
                self.external.append(value)
            if name == "href" and value and not value.startswith("#"):
                self.links.append(value)

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


def event(at: float, action: str, task_id: str | None, **extra) -> ContainerEvent:
    return ContainerEvent(at, action, (task_id or "x") * 5, None, None, task_id=task_id, **extra)


def run_info(suite: list[ScenarioRef]) -> RunInfo:
    return RunInfo(
        run_id="r1",
        date="2026-11-25T16:00:00+00:00",
        commit="0123abc",
        command="behave features/complete.feature",
        host_os="Linux",
        engine="Docker Engine 20.10.24",
        api_version="1.41",
        engine_os="Debian GNU/Linux 12",
        image="localhost:5000/agents-runner/busybox:1.36",
        image_digest="localhost:5000/agents-runner/busybox@sha256:b9b4",
        suite=suite,
    )


def scenario(name: str, line: int, status: str = "passed", **extra) -> ScenarioRecord:
    return ScenarioRecord("F", name, status, 0.1, file="features/f.feature", line=line, **extra)


def test_the_run_metadata_is_shown():
    page = render([scenario("A", 3)], run=run_info([]))
    for shown in ("r1", "0123abc", "behave features/complete.feature", "Docker Engine 20.10.24",
                  "1.41", "Debian GNU/Linux 12", "busybox@sha256:b9b4"):  # fmt: skip
        assert shown in page


def test_a_partial_run_has_a_banner_naming_what_did_not_run():
    suite = [ScenarioRef("features/f.feature", 3, "A"), ScenarioRef("features/f.feature", 9, "B")]
    page = render([scenario("A", 3)], run=run_info(suite))
    assert "Partial run: 1 of the suite's 2 scenarios ran" in page
    assert "features/f.feature:9 B" in page
    assert "Partial run" not in render([scenario("A", 3), scenario("B", 9)], run=run_info(suite))
    skipped = render([scenario("A", 3), scenario("B", 9, "skipped")], run=run_info(suite))
    assert "Partial run: 1 of" in skipped


def test_not_run_compares_file_and_line():
    suite = [ScenarioRef("features/f.feature", 3, "A"), ScenarioRef("features/g.feature", 3, "A")]
    assert not_run([scenario("A", 3)], suite) == [suite[1]]


def test_every_scenario_links_to_its_feature_file_and_line():
    page = TextAndTags()
    page.feed(render([scenario("A", 7)], source_root="../"))
    assert page.links == ["../features/f.feature", "../features/f.feature"]
    assert page.external == []
    assert "features/f.feature:7" in " ".join(page.text)


def test_docker_events_are_grouped_by_their_task():
    tasks = [TaskRecord.of(cancelled_task(), ""), TaskRecord.of(cancelled_task(), "")]
    first, second = tasks[0].task_id, tasks[1].task_id
    events = [
        event(3.0, "die", second),
        event(1.0, "start", first),
        event(2.0, "start", "aaaaaaaaaaaa"),
        event(4.0, "create", None),
    ]
    groups = events_by_task(tasks, events)
    assert [(label, [e.action for e in found]) for label, found in groups] == [
        (f"task {first}", ["start"]),
        (f"task {second}", ["die"]),
        ("task aaaaaaaaaaaa (not in this scenario's store)", ["start"]),
        ("containers without an agents-runner.task-id label", ["create"]),
    ]
    page = render([scenario("A", 1, tasks=tasks, events=events)])
    first_section = page[page.index(f"Task <code>{first}") : page.index(f"Task <code>{second}")]
    assert ">start<" in first_section and ">die<" not in first_section
    assert "not in this scenario&#x27;s store" in page


def test_an_engine_event_names_its_task_from_the_label():
    raw = {
        "Action": "die",
        "timeNano": 1_700_000_000_000_000_000,
        "Actor": {
            "ID": "c" * 64,
            "Attributes": {"agents-runner.task-id": "0123456789ab", "exitCode": "0", "name": "n"},
        },
    }
    parsed = ContainerEvent.from_engine(raw)
    assert (parsed.task_id, parsed.name, parsed.exit_code) == ("0123456789ab", "n", 0)
    assert ContainerEvent.from_engine({"Action": "start", "Actor": {"ID": "c"}}).task_id is None


def test_the_page_has_a_filter_box_and_scripts_nothing_external():
    page = render([scenario("Cancel a task", 1, tags=["registry"])])
    assert "id=filter-text type=search" in page
    assert 'data-search="f cancel a task passed features/f.feature:1 @registry"' in page
    assert "<script>" in page and "<script src" not in page


def test_payloads_wrap_instead_of_clipping_and_print_expands_everything():
    page = render([scenario("A", 1)])
    css = page[page.index("<style>") : page.index("</style>")]
    assert "overflow:hidden" not in css.replace(" ", "")
    assert "pre.payload{max-height" not in css
    assert "white-space:pre-wrap" in css
    print_css = css[css.index("@media print") :]
    assert "max-height:none" in print_css and ".filter{display:none}" in print_css
    assert "beforeprint" in page and "d.open=true" in page


def test_suite_scenarios_counts_outline_rows(tmp_path):
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "f.feature").write_text(
        "Feature: F\n  Scenario: A\n    Given x\n\n  Scenario Outline: B <n>\n    Given x\n"
        "    Examples:\n      | n |\n      | 1 |\n      | 2 |\n"
    )
    found = suite_scenarios(tmp_path / "features", tmp_path)
    assert found == [
        ScenarioRef("features/f.feature", 2, "A"),
        ScenarioRef("features/f.feature", 9, "B 1 -- @1.1"),
        ScenarioRef("features/f.feature", 10, "B 2 -- @1.2"),
    ]


def test_the_command_line_is_quoted_as_typed():
    assert command_line(["/x/.venv/bin/behave", "-t", "@a and not @b"]) == (
        "behave -t '@a and not @b'"
    )
