"""Steps for the page's board, filters and paging, a task's page, and the API's answers,
each compared with the state dir's payloads and log files read from disk."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    greater_than,
    has_item,
    has_length,
    is_,
    not_,
    starts_with,
)

from agents_runner.store import TaskStore
from agents_runner.testing.finished_tasks import make_finished
from agents_runner.testing.harness import SCENARIO_NETWORK
from agents_runner.testing.ui_client import (
    EventReader,
    Stored,
    UiClient,
    board_order,
    stored_tasks,
)
from agents_runner.testing.waiting import wait_until

PAGE = 50  # the board's page (C-8.2)
CONTRACT = Path("docs") / "CONTRACT.md"


def _client(context: Context) -> UiClient:
    return UiClient(context.ui_base, context.ui_token)


def _stored(context: Context) -> list[Stored]:
    return stored_tasks(context.harness.state_dir)


def _board_shows(context: Context, wanted: list[str], what: str) -> None:
    wait_until(
        context.browser.board_rows,
        lambda rows: rows == wanted,
        timeout=30,
        describe=f"the board to show {what} ({len(wanted)} rows)",
    )
    assert_that(context.browser.not_reloaded(), is_(True), "the page was reloaded")


@given("the state dir holds {count:d} finished tasks, written as the store writes them")
def many_finished(context: Context, count: int) -> None:
    context.fabricated = make_finished(TaskStore(context.harness.state_dir), count)


@given('a sixth task\'s payload, written by hand, whose labels are "oops", not a mapping')
def malformed_payload(context: Context) -> None:
    (task,) = make_finished(TaskStore(context.harness.state_dir), 1)
    payload = task.to_payload()
    payload["spec"]["labels"] = "oops"
    context.malformed_id = task.id
    path = context.harness.state_dir / "tasks" / f"{task.id}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")


@given("a seventh task's payload is a folder, not a file")
def folder_payload(context: Context) -> None:
    (task,) = make_finished(TaskStore(context.harness.state_dir), 1)
    context.folder_id = task.id
    path = context.harness.state_dir / "tasks" / f"{task.id}.json"
    path.unlink()
    path.mkdir()


@then(
    "the API's pages of {limit:d} hold exactly the {count:d} readable tasks, and its counts "
    "count those {same:d}"
)
def api_holds_readable(context: Context, limit: int, count: int, same: int) -> None:
    readable = sorted(task.id for task in context.fabricated)
    assert_that(sorted(_client(context).all_pages("", limit)), equal_to(readable))
    counted = _client(context).json("/api/counts")
    assert_that((counted["total"], len(readable)), equal_to((same, count)))


@then("the sixth task's payload was moved to quarantine/, and the API answers it with 404")
def malformed_quarantined(context: Context) -> None:
    state_dir = context.harness.state_dir
    assert_that((state_dir / "tasks" / f"{context.malformed_id}.json").exists(), is_(False))
    moved = [p.name for p in (state_dir / "quarantine").iterdir()]
    assert_that(moved, has_item(starts_with(f"{context.malformed_id}.json.")))
    status, answer = _client(context).request(f"/api/tasks/{context.malformed_id}")
    assert_that(status, equal_to(404), repr(answer[:300]))


@then(
    'the API answers the seventh task with 404, saying it "{words}", and its folder is left in '
    "place"
)
def folder_refused(context: Context, words: str) -> None:
    status, answer = _client(context).request(f"/api/tasks/{context.folder_id}")
    assert_that(status, equal_to(404), repr(answer[:300]))
    assert_that(json.loads(answer)["error"], contains_string(words))
    folder = context.harness.state_dir / "tasks" / f"{context.folder_id}.json"
    assert_that(folder.is_dir(), is_(True), "the folder in the payload's place")


@then("the board shows the newest 50 of the state dir's tasks, newest first")
def board_first_page(context: Context) -> None:
    _board_shows(context, board_order(_stored(context))[:PAGE], "the first page")


@then("the board shows the state dir's tasks 51 to 100, newest first")
def board_second_page(context: Context) -> None:
    _board_shows(context, board_order(_stored(context))[PAGE : 2 * PAGE], "the second page")


@then("the board's counts are those of the state dir's payloads")
def board_counts(context: Context) -> None:
    wanted: dict[str, int] = {}
    for task in _stored(context):
        wanted[task.state] = wanted.get(task.state, 0) + 1
    wait_until(
        context.browser.board_counts,
        lambda shown: shown == wanted,
        timeout=30,
        describe=f"the board's counts to be {wanted}",
    )


@when('the user presses "{button}" on the board')
def press_on_board(context: Context, button: str) -> None:
    context.browser.click(button.lower())


@when('the user picks the state "{state}" on the board')
def pick_state(context: Context, state: str) -> None:
    context.browser.set_values({"f-label": "", "f-agent": "", "f-q": "", "f-state": state})


@then('the board shows exactly the state dir\'s "{state}" tasks, newest first')
def board_shows_state(context: Context, state: str) -> None:
    stored = {task.id: task for task in _stored(context)}
    wanted = [i for i in board_order(list(stored.values())) if stored[i].state == state]
    assert_that(wanted, has_length(greater_than(0)))
    _board_shows(context, wanted[:PAGE], f"the {state} tasks")


_FILTER_FIELDS = {"label": "f-label", "agent": "f-agent"}


@when('the user clears the board\'s filters and types "{text}" as the {field}')
def type_filter(context: Context, text: str, field: str) -> None:
    values = {"f-state": "", "f-label": "", "f-agent": "", "f-q": ""}
    values[_FILTER_FIELDS[field]] = text
    context.browser.set_values(values)


@when("the user clears the board's filters and types the first 2 digits of a task's id")
def type_prefix(context: Context) -> None:
    context.prefix = context.fabricated[17].id[:2]
    context.browser.set_values({"f-state": "", "f-label": "", "f-agent": "", "f-q": context.prefix})


def _matching(context: Context, keep: Callable[[Stored], bool]) -> list[str]:
    stored = {task.id: task for task in _stored(context)}
    return [i for i in board_order(list(stored.values())) if keep(stored[i])]


@then('the board shows exactly the state dir\'s tasks labelled "{label}"')
def board_shows_label(context: Context, label: str) -> None:
    key, _, value = label.partition("=")
    wanted = _matching(context, lambda t: t.labels.get(key) == value)
    assert_that(wanted, has_length(1))
    _board_shows(context, wanted, f"the tasks labelled {label}")


@then('the board shows the newest 50 of the state dir\'s tasks of the "{agent}" agent')
def board_shows_agent(context: Context, agent: str) -> None:
    wanted = _matching(context, lambda t: t.agent == agent)
    assert_that(wanted, has_length(greater_than(PAGE)))
    _board_shows(context, wanted[:PAGE], f"the {agent} agent's tasks")


@then("the board shows exactly the state dir's tasks whose id starts with those digits")
def board_shows_prefix(context: Context) -> None:
    wanted = _matching(context, lambda t: t.id.startswith(context.prefix))
    _board_shows(context, wanted, f"the tasks whose id starts with {context.prefix}")


@then(
    "the API's pages of {limit:d} hold every task of the state dir once: the running one, "
    "then the finished by their payloads' times, newest first"
)
def api_pages(context: Context, limit: int) -> None:
    walked = _client(context).all_pages("", limit)
    stored = _stored(context)
    assert_that(walked, equal_to(board_order(stored)))
    assert_that(walked[0], equal_to(context.task.id))
    assert_that(len(set(walked)), equal_to(len(stored)))


def _filter_keeps(context: Context, text: str) -> tuple[str, Callable[[Stored], bool]]:
    name, _, value = text.partition("=")
    if name == "state":
        states = set(value.split(","))
        return text, lambda t: t.state in states
    if name == "label":
        key, _, wanted = value.partition("=")
        return text, lambda t: t.labels.get(key) == wanted
    if name == "agent":
        return text, lambda t: t.agent == value
    prefix = context.task.id[:2]  # "q=the running task's first 2 digits"
    return f"q={prefix}", lambda t: t.id.startswith(prefix)


@then("each filter's pages of {limit:d} hold exactly the tasks whose payload on disk matches it:")
def api_filters(context: Context, limit: int) -> None:
    for row in context.table:
        query, keep = _filter_keeps(context, row["filter"])
        walked = _client(context).all_pages(query, limit)
        wanted = _matching(context, keep)
        assert_that(wanted, has_length(greater_than(0)), query)
        assert_that(walked, equal_to(wanted), query)


@then("the API answers these requests with these statuses and errors:")
def api_refusals(context: Context) -> None:
    client = _client(context)
    for row in context.table:
        path = re.sub(r"(\d) x (\d+)", lambda m: m[1] * int(m[2]), row["path"])  # 9 x 30: 30 nines
        path = path.replace("TASK", context.task.id)
        body = row["body"] if row["method"] == "POST" else None
        if body is not None:  # 1 x 400: 400 ones
            body = re.sub(r"(\d) x (\d+)", lambda m: m[1] * int(m[2]), body).encode()
        status, answer = client.request(path, row["method"], body)
        said = f"{row['method']} {path}: {status} {answer[:300]!r}"
        assert_that(status, equal_to(int(row["status"])), said)
        error = json.loads(answer)["error"]
        assert_that(error, starts_with(row["error starts with"].replace("TASK", context.task.id)))


@then('the task\'s page says "{text}"')
def page_says(context: Context, text: str) -> None:
    context.browser.wait_for_text("said", text)


@given("a task whose output holds a colour code and a NUL byte, and which exits with code 3")
def colourful_task(context: Context) -> None:
    script = r"printf '\033[31mred\033[0m line\n'; printf 'nul:\000:end\n'; exit 3"
    context.spec_fields = {"command": ["sh", "-c", script]}


@then(
    "the task's page draws a timeline bar for each state of the task's stored history, in "
    "its order, each with the time it entered that state"
)
def page_timeline(context: Context) -> None:
    stored = {t.id: t for t in _stored(context)}[context.task.id]
    wait_until(
        context.browser.timeline,
        lambda bars: bars == stored.history,
        timeout=30,
        describe=f"the timeline to draw {stored.history}",
    )


@then('the task\'s page says its outcome is "{outcome}"')
def page_outcome(context: Context, outcome: str) -> None:
    context.browser.wait_for_text("outcome", outcome)


@then('the task\'s page shows its log as "{first}", "{second}" with no escape character')
def page_log(context: Context, first: str, second: str) -> None:
    shown = context.browser.wait_for_text("log", second, timeout=30)
    assert_that(shown, contains_string(first + "\n"))
    assert_that(shown, not_(contains_string("\x1b")))
    assert_that(shown, not_(contains_string("\x00")))


def _log_file(context: Context) -> bytes:
    return (context.harness.state_dir / "logs" / f"{context.task.id}.log").read_bytes()


@then("the task's page's Download link serves the task's log file in the state dir, byte for byte")
def download(context: Context) -> None:
    href = context.browser.attribute("download", "href")
    assert_that(href, starts_with(context.ui_base + "/api/tasks/"))
    status, body = _client(context).request(href)
    assert_that(status, equal_to(200))
    assert_that(body, equal_to(_log_file(context)))
    assert_that(b"\x1b[31m" in body, is_(True), "the colour code, as stored")


@then('the API\'s log with tail=1 is "{text}"')
def api_tail(context: Context, text: str) -> None:
    answer = _client(context).json(f"/api/tasks/{context.task.id}/log?tail=1")
    assert_that(answer["text"], equal_to(text + "\n"))


@then(
    "the API's log followed from byte 0 is the task's log file in the state dir, byte for "
    "byte, and ends"
)
def api_follow(context: Context) -> None:
    status, body = _client(context).request(f"/api/tasks/{context.task.id}/log?follow=1&since=0")
    assert_that(status, equal_to(200))
    assert_that(body, equal_to(_log_file(context)))


_TABLE_ROW = re.compile(r"^\| `(GET|POST) (/api/[^`?]*)")


@then('"{path}" is an OpenAPI 3.1 document with each path and method of the contract\'s API table')
def openapi(context: Context, path: str) -> None:
    document = _client(context).json(path)
    assert_that(document["openapi"], equal_to("3.1.0"))
    in_contract = set()
    for line in CONTRACT.read_text().splitlines():
        found = _TABLE_ROW.match(line)
        if found:
            in_contract.add((re.sub(r"/ID\b", "/{task_id}", found[2]), found[1].lower()))
    assert_that(len(in_contract), greater_than(5))
    described = {(p, method) for p, item in document["paths"].items() for method in item}
    assert_that(in_contract - described, equal_to(set()))


@given("the API's event stream is open with the token")
def events_open(context: Context) -> None:
    reader = EventReader(_client(context))
    context.add_cleanup(reader.close)
    wait_until(lambda: list(reader.events), bool, timeout=30, describe="the stream's first event")
    context.events = reader


@then('the event stream says "{name}" after the task\'s payload is on disk')
def event_after(context: Context, name: str) -> None:
    """After the first event (at once), the store changes only by this task: an event
    that came after its creation time, which it is given just before its first payload
    is written, and after the stream's own first look, was sent for it."""
    created = datetime.fromisoformat(context.harness.fresh_load(context.task.id).created_at)
    first = context.events.events[0][1]
    after = max(created.timestamp(), first)
    wait_until(
        lambda: [at for event, at in context.events.events[1:] if event == name and at > after],
        bool,
        timeout=30,
        describe=f"a {name!r} event after the task was stored",
    )


@when("the user fills the board's New task form, with the scenario's labels and network:")
def fill_form(context: Context) -> None:
    values = {f"n-{row['field']}": row["value"] for row in context.table}
    if values.get("n-image") == "the test image":
        values["n-image"] = context.harness.image
    labels = " ".join(f"{k}={v}" for k, v in context.harness.labels.items())
    if "n-labels" in values:
        values["n-labels"] = f"{values['n-labels']} {labels}"
    else:
        values["n-labels"] = labels
    values.setdefault("n-network", SCENARIO_NETWORK)
    context.browser.set_values(values)


@then("the board says the task was submitted, with a link to it")
def submitted(context: Context) -> None:
    shown = context.browser.wait_for_text("submitted", "submitted ")
    task_id = shown.removeprefix("submitted ").strip()
    href = context.browser.driver.execute_script(
        "return document.querySelector('#submitted a').href;"
    )
    assert_that(href, equal_to(f"{context.ui_base}/tasks/{task_id}"))
    context.task = context.harness.fresh_load(task_id)


@then(
    'the state dir holds that task alone, its argv "{first}", "{second}", "{third}" and its '
    "timeout {seconds:d} seconds"
)
def stored_alone(context: Context, first: str, second: str, third: str, seconds: int) -> None:
    payloads = sorted((context.harness.state_dir / "tasks").glob("*.json"))
    assert_that([p.stem for p in payloads], equal_to([context.task.id]))
    spec = json.loads(payloads[0].read_bytes())["spec"]
    assert_that(spec["argv"], equal_to([first, second, third]))
    assert_that(spec["timeout"], equal_to(seconds))
    assert_that(spec["labels"], equal_to(context.harness.labels))


@then('the task\'s log file in the state dir is "{text}"')
def log_file_is(context: Context, text: str) -> None:
    assert_that(_log_file(context), equal_to(text.encode() + b"\n"))


@then('the board\'s form says beside the "{field}" field "{error}"')
def error_beside(context: Context, field: str, error: str) -> None:
    context.browser.wait_for_text(f"err-{field}", error)
    others = context.browser.driver.execute_script(
        "return [...document.querySelectorAll('#new-task .error')]"
        ".filter(e => e.textContent).map(e => e.id);"
    )
    assert_that(others, equal_to([f"err-{field}"]))


@then("the state dir holds no task")
def no_task(context: Context) -> None:
    assert_that(list((context.harness.state_dir / "tasks").glob("*.json")), equal_to([]))


@then(
    'the page of task "{task_id}" is answered 404, and a browser is shown a page that says '
    '"{words}"'
)
def unknown_task_page(context: Context, task_id: str, words: str) -> None:
    unknown_page(context, f"/tasks/{task_id}", words)


@then('the page "{path}" is answered 404, and a browser is shown a page that says "{words}"')
def unknown_page(context: Context, path: str, words: str) -> None:
    status, body = _client(context).request(path)
    assert_that(status, equal_to(404))
    assert_that(body.decode(), contains_string(words))
    browser = context.browser if getattr(context, "browser", None) else None
    if browser is None:
        from agents_runner.testing.browser import Browser

        browser = context.browser = Browser(context.harness.temp_prefix)
        context.add_cleanup(browser.quit)
        browser.open(f"{context.ui_base}/?token={context.ui_token}")  # the token's cookie
    browser.open(context.ui_base + path)
    assert_that(browser.page_text(), contains_string(words))


@then(
    'a task posted to the API is answered {status:d}, saying "{words}", and the state dir '
    "holds no more tasks than before"
)
def post_refused(context: Context, status: int, words: str) -> None:
    before = sorted((context.harness.state_dir / "tasks").glob("*.json"))
    body = json.dumps(
        {"image": context.harness.image, "command": "true", "labels": context.harness.labels}
    ).encode()
    answered, said = UiClient(context.ui_base, context.ui_token).request(
        "/api/tasks", method="POST", body=body
    )
    assert_that((answered, words in said.decode()), equal_to((status, True)), said.decode())
    after = sorted((context.harness.state_dir / "tasks").glob("*.json"))
    assert_that(after, equal_to(before))


@when("a {what} of the task is posted to the API with the token")
def post_request(context: Context, what: str) -> None:
    answered, said = UiClient(context.ui_base, context.ui_token).request(
        f"/api/tasks/{context.task.id}/{what}", method="POST", body=b"{}"
    )
    assert_that(answered, equal_to(202), said.decode())


@then('a {what} of the task posted to the API is answered {status:d}, saying "{words}"')
def post_request_refused(context: Context, what: str, status: int, words: str) -> None:
    answered, said = UiClient(context.ui_base, context.ui_token).request(
        f"/api/tasks/{context.task.id}/{what}", method="POST", body=b"{}"
    )
    error = json.loads(said).get("error", "") if said.startswith(b"{") else said.decode()
    assert_that((answered, words in error), equal_to((status, True)), said.decode())


@then("the stored task holds no {what} request")
def no_request_stored(context: Context, what: str) -> None:
    stored = context.harness.fresh_load(context.task.id)
    asked = {"cancel": stored.stop_requested_at, "kill": stored.kill_requested_at}[what]
    assert_that(asked, equal_to(None), f"the stored {what} request")


@given(
    "a task whose agent prints 80 MB of numbered 80-byte lines, then waits for its go file in "
    "that workspace"
)
def lines_until_go(context: Context) -> None:
    # 80 MB as fast as the agent can print them (the log grows all through a download of
    # its first 20 MB), then a wait for the go file: bounded, for an engine with a slower
    # log (Podman) to copy soon.
    lines = "awk 'BEGIN{for(i=1;i<=1000000;i++) printf \"%079d\\n\", i}'"
    script = f"{lines}; until [ -f /workspace/go ]; do sleep 0.1; done"
    context.spec_fields = {
        "command": ["sh", "-c", script],
        "workspace": context.workspace,
        "timeout": 300.0,
    }
    context.end_within = 300.0


@when("the task's log file holds at least {megabytes:d} MB")
def log_holds(context: Context, megabytes: int) -> None:
    path = context.harness.runner().store.log_path(context.task.id)
    context.log_size_before = wait_until(
        lambda: path.stat().st_size if path.exists() else 0,
        lambda size: size >= megabytes * 10**6,
        timeout=120,
        describe=f"the task's log file to hold {megabytes} MB",
    )


@then(
    "a Download of the task's log, while it grows, serves at least those {megabytes:d} MB "
    "whole: the start of the log file, byte for byte"
)
def download_growing(context: Context, megabytes: int) -> None:
    """The Download is held open after its first bytes until the log file has grown past
    what it began with (a busy machine may pause the copy for a while): the log grows
    while it is served, whatever the machine's load."""
    url = f"{context.ui_base}/api/tasks/{context.task.id}/log?download=1"
    headers = {"Authorization": f"Bearer {context.ui_token}"}
    log_path = context.harness.runner().store.log_path(context.task.id)
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as answer:
        assert_that(answer.status, equal_to(200))
        served = int(answer.headers["Content-Length"])
        body = answer.read(1 << 16)
        wait_until(
            lambda: log_path.stat().st_size,
            lambda size: size > served,
            timeout=120,
            describe="the log file to grow past what the open Download began with",
        )
        body += answer.read()
    stored = _log_file(context)
    assert_that(len(body), equal_to(served), "the bytes its Content-Length announced")
    assert_that(len(body), greater_than(context.log_size_before - 1))
    assert_that(len(stored), greater_than(len(body)), "the log grew while it was served")
    assert_that(body == stored[: len(body)], is_(True), "the start of the log file")


@given("a task whose agent prints 100 MB of numbered 80-byte lines")
def hundred_megabytes(context: Context) -> None:
    script = "awk 'BEGIN{for(i=1;i<=1250000;i++) printf \"%079d\\n\", i}'"
    context.spec_fields = {"command": ["sh", "-c", script], "timeout": 600.0}
    context.end_within = 600.0


@then(
    "the task's page shows the last {count:d} lines of the task's log file, and says that "
    "Download has the whole log"
)
def page_shows_tail(context: Context, count: int) -> None:
    stored = _log_file(context)
    last = b"".join(stored.splitlines(keepends=True)[-count:]).decode()
    wait_until(
        lambda: context.browser.text("log"),
        lambda shown: shown == last,
        timeout=30,
        describe=f"the page's log to be the file's last {count} lines",
    )
    assert_that(context.browser.text("cut"), contains_string("Download has the whole log"))


@then("the Download link serves the task's log file in the state dir, the same SHA-256")
def download_whole(context: Context) -> None:
    href = context.browser.attribute("download", "href")
    status, body = _client(context).request(href)
    assert_that(status, equal_to(200))
    ours = hashlib.sha256(body).hexdigest(), len(body)
    stored = _log_file(context)
    assert_that(ours, equal_to((hashlib.sha256(stored).hexdigest(), len(stored))))
