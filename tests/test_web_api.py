"""The page's JSON API without a browser, through Starlette's test client: paging and
filters, counts, the log's forms, the OpenAPI document and the refusals."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.store import TaskStore
from agents_runner.task import Task
from agents_runner.testing.finished_tasks import make_finished
from agents_runner.web.app import make_app
from agents_runner.web.openapi import document

TOKEN = "the-token"


@pytest.fixture
def store(tmp_path: Path) -> TaskStore:
    return TaskStore(tmp_path / "state")


def client(store: TaskStore) -> TestClient:
    app = make_app(store, str(store.root), TOKEN)
    return TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})


def queued(store: TaskStore, **fields: object) -> Task:
    spec = TaskSpec(image="busybox:1.36", command=["true"], **fields)  # type: ignore[arg-type]
    return store.create(Task.new(spec))


def all_pages(api: TestClient, query: str = "", limit: int = 7) -> list[dict]:
    rows, cursor = [], None
    while True:
        after = f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""
        url = f"/api/tasks?limit={limit}{query}{after}"
        answer = api.get(url)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["tasks"]) <= limit
        rows += page["tasks"]
        cursor = page["next"]
        if cursor is None:
            return rows


def test_pages_hold_every_task_once_unfinished_first_then_newest_first(store):
    finished = make_finished(store, 40)
    unfinished = [queued(store) for _ in range(3)]
    rows = all_pages(client(store))
    ids = [row["id"] for row in rows]
    assert ids == [t.id for t in reversed(unfinished)] + [t.id for t in reversed(finished)]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 500])
def test_pages_cut_among_the_unfinished_go_on_to_the_finished(store, limit):
    finished = make_finished(store, 4)
    unfinished = [queued(store) for _ in range(3)]
    ids = [row["id"] for row in all_pages(client(store), limit=limit)]
    assert ids == [t.id for t in reversed(unfinished)] + [t.id for t in reversed(finished)]


def test_filters_by_state_label_agent_and_id_prefix(store):
    finished = make_finished(store, 30)
    waiting = queued(store, labels={"team": "red"})
    api = client(store)
    failed = [r["id"] for r in all_pages(api, "&state=failed")]
    assert failed == [t.id for t in reversed(finished) if t.state is TaskState.FAILED]
    both = {r["state"] for r in all_pages(api, "&state=queued,completed")}
    assert both == {"queued", "completed"}
    assert [r["id"] for r in all_pages(api, "&label=team=red")] == [waiting.id]
    assert [r["id"] for r in all_pages(api, "&label=n=7")] == [finished[7].id]
    echo = [r["id"] for r in all_pages(api, "&agent=echo")]
    assert echo == [t.id for t in reversed(finished) if t.spec.agent == "echo"]
    prefix = finished[3].id[:5]
    found = [r["id"] for r in all_pages(api, f"&q={prefix}")]
    assert finished[3].id in found and all(i.startswith(prefix) for i in found)


def test_counts_every_state(store):
    make_finished(store, 9)
    queued(store)
    answer = client(store).get("/api/counts").json()
    assert answer == {
        "counts": {"completed": 3, "failed": 3, "cancelled": 3, "queued": 1},
        "total": 10,
    }


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("state=sleeping", "state"),
        ("label==x", "label"),
        ("q=xyz", "q"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("cursor=nonsense", "cursor"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(store, query, name):
    answer = client(store).get(f"/api/tasks?{query}")
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(f"{name}: ")


def log_of(store: TaskStore, data: bytes, *, ended: bool = True) -> Task:
    task = queued(store)
    store.log_path(task.id).write_bytes(data)
    if ended:
        task = store.transition(task.id, TaskState.CANCELLED)
    return task


def test_the_log_since_an_offset_and_its_tail(store):
    task = log_of(store, b"one\ntwo\nthree\n")
    api = client(store)
    assert api.get(f"/api/tasks/{task.id}/log?since=4").json() == {
        "offset": 4, "next": 14, "text": "two\nthree\n", "ended": True
    }  # fmt: skip
    tail = api.get(f"/api/tasks/{task.id}/log?tail=2").json()
    assert (tail["offset"], tail["text"]) == (4, "two\nthree\n")
    assert api.get(f"/api/tasks/{task.id}/log?tail=9").json()["text"] == "one\ntwo\nthree\n"
    both = api.get(f"/api/tasks/{task.id}/log?tail=1&since=0")
    assert both.status_code == 400 and both.json()["error"].startswith("tail: ")
    bad = api.get(f"/api/tasks/{task.id}/log?since=-1")
    assert bad.status_code == 400 and bad.json()["error"].startswith("since: ")


def test_the_log_is_shown_without_colour_codes_and_binary_as_symbols(store):
    task = log_of(store, b"\x1b[1;31mred\x1b[0m plain\r\n\x00\x07\xff\xfe end\n")
    text = client(store).get(f"/api/tasks/{task.id}/log").json()["text"]
    assert text == "red plain\n\u2400\u2407\ufffd\ufffd end\n"


def test_the_download_is_the_whole_log_as_written(store):
    raw = b"\x1b[31mred\x1b[0m\n\x00\xff" + b"x\n" * 50000
    task = log_of(store, raw)
    answer = client(store).get(f"/api/tasks/{task.id}/log?download=1")
    assert answer.status_code == 200 and answer.content == raw
    assert answer.headers["content-disposition"].startswith("attachment")
    assert answer.headers["content-type"] == "application/octet-stream"


def test_following_an_ended_task_s_log_gives_its_bytes_and_ends(store):
    raw = b"a\n" * 40000 + b"\x1b[0mlast"
    task = log_of(store, raw)
    with client(store).stream("GET", f"/api/tasks/{task.id}/log?follow=1&since=2") as answer:
        assert answer.status_code == 200
        assert b"".join(answer.iter_bytes()) == raw[2:]


def test_cancel_or_kill_of_an_ended_task_is_a_409_and_an_unknown_one_a_404(store):
    task = log_of(store, b"")
    api = client(store)
    for what in ("cancel", "kill"):
        answer = api.post(f"/api/tasks/{task.id}/{what}", json={})
        assert answer.status_code == 409, answer.text
        assert "has ended cancelled" in answer.json()["error"]
        assert api.post(f"/api/tasks/0123456789ab/{what}").status_code == 404
    assert store.load(task.id) == task  # nothing changed
    assert api.get("/api/tasks/0123456789ab").status_code == 404
    assert api.get("/api/tasks/0123456789ab/log").status_code == 404


def test_an_unknown_endpoint_is_a_json_404(store):
    answer = client(store).get("/api/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["error"] == "no such endpoint: GET /api/nothing-here"


def test_the_openapi_document_describes_every_endpoint_and_no_other(store):
    app = make_app(store, str(store.root), TOKEN)
    served = client(store).get("/api/openapi.json").json()
    assert served == json.loads(json.dumps(document()))
    routes = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/api/")
        for method in route.methods or ()
        if method != "HEAD"
    }
    described = {(path, method) for path, item in served["paths"].items() for method in item}
    assert described == routes


def test_the_event_stream_says_change_at_once_and_after_each_write(store):
    import asyncio

    from agents_runner.web.events import changes

    async def three_events() -> list[str]:
        stream = changes(store, None)
        seen = [await anext(stream)]  # at once
        task = queued(store)
        seen.append(await asyncio.wait_for(anext(stream), 10))
        store.transition(task.id, TaskState.CANCELLED)
        seen.append(await asyncio.wait_for(anext(stream), 10))
        await stream.aclose()
        return seen

    assert asyncio.run(three_events()) == ["event: change\ndata: {}\n\n"] * 3


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"command": "true"}, "image", "image: give the image to run"),
        ({"image": "busybox:1.36"}, "agent", "agent: give an agent profile name or a command"),
        ({"image": "bad image", "command": "true"}, "image", "image: 'bad image' is not"),
        ({"image": "busybox:1.36", "command": "true", "timeout": "soon"}, "timeout", "timeout: "),
        ({"image": "busybox:1.36", "command": "'open", "labels": ""}, "command", "command: "),
        ({"image": "busybox:1.36", "command": "true", "labels": "a=b c"}, "labels", "labels: 'c'"),
        (
            {"image": "busybox:1.36", "command": "true", "secrets": {"K": "v"}},
            "secrets",
            "secrets:",
        ),
        ({"image": "busybox:1.36", "agent": "echo"}, "prompt", "prompt: the echo agent needs"),
        ({"image": "busybox:1.36", "command": "true", "workspace": "/no/such"}, "workspace", ""),
        ([1, 2], "body", "body: a JSON object"),
    ],
)
def test_a_submission_run_would_refuse_is_a_400_naming_the_field_and_stores_nothing(
    store, body, field, error
):
    answer = client(store).post("/api/tasks", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field
    assert answer.json()["error"].startswith(error or f"{field}: ")
    assert list(store.tasks_dir.iterdir()) == []


def test_every_field_of_the_new_task_form_is_one_the_api_takes():
    from agents_runner.web.pages import _FORM_ROWS
    from agents_runner.web.submit import _fields

    assert {name for name, _, _ in _FORM_ROWS} <= _fields()


def test_a_known_endpoint_asked_with_another_method_is_a_json_405(store):
    answer = client(store).get("/api/tasks/0123456789ab/kill")
    assert answer.status_code == 405
    assert answer.json()["error"] == "method not allowed: GET /api/tasks/0123456789ab/kill"


def test_the_kept_order_follows_a_payload_written_since(store):
    import os

    finished = make_finished(store, 5)
    waiting = queued(store)
    old = os.stat(store.tasks_dir).st_mtime - 10
    os.utime(store.tasks_dir, (old, old))  # unchanged for 10 s: its order is kept
    api = client(store)
    first = [r["id"] for r in api.get("/api/tasks").json()["tasks"]]
    assert first == [waiting.id] + [t.id for t in reversed(finished)]
    late = queued(store)  # written since: tasks/ changed, so its order is made anew
    store.transition(late.id, TaskState.CANCELLED)
    again = [r["id"] for r in api.get("/api/tasks").json()["tasks"]]
    assert again == [waiting.id, late.id] + [t.id for t in reversed(finished)]
    counts = api.get("/api/counts").json()["counts"]
    assert counts == {"completed": 2, "failed": 2, "cancelled": 2, "queued": 1}


def test_the_first_page_reads_only_the_finished_payloads_it_shows(store, monkeypatch):
    """The claim behind the 10,000-task numbers (benchmarks/ui_bench.py), counted rather
    than timed: a page reads at most `limit` + 1 finished payloads, whatever their number."""
    make_finished(store, 600)
    queued(store)
    read: list[str] = []
    load = TaskStore.load

    def counted(self: TaskStore, task_id: str) -> Task:
        read.append(task_id)
        return load(self, task_id)

    monkeypatch.setattr(TaskStore, "load", counted)
    api = client(store)
    page = api.get("/api/tasks?limit=50").json()
    assert len(page["tasks"]) == 50 and len(read) <= 50
    read.clear()
    api.get(f"/api/tasks?limit=50&cursor={urllib.parse.quote(page['next'])}")
    assert len(read) <= 51


def test_a_payload_stored_with_text_utf8_cannot_carry_is_still_listed_and_shown(
    store: TaskStore,
) -> None:
    """Versions before the check stored bytes of another encoding in a label (JSON keeps
    them as a lone surrogate): the board and the task's page still answer."""
    (task,) = make_finished(store, 1)
    path = store.payload_path(task.id)
    payload = json.loads(path.read_text())
    payload["spec"]["labels"] = {"k": "\udcff"}
    path.write_text(json.dumps(payload))
    api = client(store)

    listed = api.get("/api/tasks")
    shown = api.get(f"/api/tasks/{task.id}")

    assert (listed.status_code, shown.status_code) == (200, 200)
    assert listed.json()["tasks"][0]["labels"] == {"k": "\udcff"}


@pytest.mark.parametrize("since", [10**15, 10**19 - 1])
def test_a_log_offset_far_past_the_end_is_answered_with_nothing_new(
    store: TaskStore, since: int
) -> None:
    """Past what a file's seek takes (ext4: about 1.7e13): the same answer as any offset
    past the end, not a 500."""
    (task,) = make_finished(store, 1)
    store.log_path(task.id).write_bytes(b"one\n")

    answer = client(store).get(f"/api/tasks/{task.id}/log?since={since}")

    assert answer.status_code == 200
    assert (answer.json()["text"], answer.json()["next"]) == ("", since)
