"""Steps for `agents-runner ui`, driven in a real headless chromium."""

from __future__ import annotations

import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, contains_string, equal_to, is_

from agents_runner.testing.browser import Browser
from agents_runner.testing.ui_client import serve_page
from agents_runner.testing.waiting import wait_until

SCREENSHOTS = Path("reports") / "ui-screenshots"


@given("the page is served for the scenario's state dir")
@when("the page is served for the scenario's state dir")
def page_served(context: Context) -> None:
    _serve(context, "0")


@given("the page is served again, by a server whose engine does not answer")
@when("the page is served again, by a server whose engine does not answer")
def page_served_without_engine(context: Context) -> None:
    """A second server on the same state dir, with DOCKER_HOST naming a socket that no
    engine listens on (named after the scenario's state dir, and never made)."""
    state_dir = context.harness.state_dir
    socket_path = state_dir.with_name(f"{state_dir.name}-no-engine.sock")
    _serve(context, "0", {"DOCKER_HOST": f"unix://{socket_path}"})


def _serve(context: Context, port: str, env: dict[str, str] | None = None) -> None:
    page = serve_page(context.harness.cli, port, env)
    context.ui_base, context.ui_port, context.ui_token = page.base, page.port, page.token
    context.ui_process = page.process


@given("the page is served with a token the user chose, in AGENTS_RUNNER_UI_TOKEN")
def page_served_with_token(context: Context) -> None:
    context.chosen_token = secrets.token_urlsafe(24)
    _serve(context, "0", {"AGENTS_RUNNER_UI_TOKEN": context.chosen_token})
    assert_that(context.ui_token, equal_to(context.chosen_token), "the token in the URL")


@when("the server is killed with SIGKILL")
def server_killed(context: Context) -> None:
    context.ui_process.kill()
    context.ui_process.wait(timeout=10)


@when("the page is served again on the same port, with the same AGENTS_RUNNER_UI_TOKEN")
def page_served_again(context: Context) -> None:
    base = context.ui_base
    _serve(context, context.ui_port, {"AGENTS_RUNNER_UI_TOKEN": context.chosen_token})
    assert_that(context.ui_base, equal_to(base))


@then("the log on the task's page is the task's log file in the state dir, byte for byte")
def page_log_is_file(context: Context) -> None:
    shown = context.browser.driver.execute_script(
        "return document.getElementById('log').textContent;"
    )
    stored = context.harness.runner().store.log_path(context.task.id).read_text()
    assert_that(shown, equal_to(stored))


@when(
    'the user runs "ui --open" with BROWSER naming a stand-in browser that writes down the URL'
    " it is given"
)
def ui_open(context: Context) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="agents-runner-browser-"))
    context.add_cleanup(shutil.rmtree, scratch, ignore_errors=True)
    context.given_url = scratch / "given-url"
    stand_in = f"sh -c 'echo \"$0\" > {context.given_url}' %s"
    process = context.harness.cli.start("ui", "--port", "0", "--open", env={"BROWSER": stand_in})
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 60)
    context.printed_url = process.stdout.readline().strip() if ready else ""
    context.ui_process = process


@then("the stand-in browser was given the URL the server printed, which answers 200")
def browser_given_url(context: Context) -> None:
    given = wait_until(
        lambda: context.given_url.read_text() if context.given_url.exists() else "",
        bool,
        timeout=30,
        describe="the stand-in browser to write down its URL",
    )
    assert_that(given.strip(), equal_to(context.printed_url))
    with urllib.request.urlopen(context.printed_url, timeout=30) as answer:
        assert_that(answer.status, equal_to(200))


def _browser(context: Context) -> Browser:
    if getattr(context, "browser", None) is None:
        context.browser = Browser(context.harness.temp_prefix)
        name = re.sub(r"[^A-Za-z0-9]+", "-", context.scenario.name)[:80]

        def finish() -> None:
            context.browser.screenshot(SCREENSHOTS / f"{name}.png")
            context.browser.quit()

        context.add_cleanup(finish)
    return context.browser


@when("the board is open in a browser, through the printed URL")
def open_board(context: Context) -> None:
    _browser(context).open(f"{context.ui_base}/?token={context.ui_token}")


@when("the task's page is open in a browser, through the printed URL")
def open_task_page(context: Context) -> None:
    browser = _browser(context)
    browser.open(f"{context.ui_base}/?token={context.ui_token}")  # the token's cookie
    browser.open(f"{context.ui_base}/tasks/{context.task.id}")


@then('the board shows the task "{state}", without a reload')
def board_shows(context: Context, state: str) -> None:
    browser = context.browser
    wait_until(
        lambda: browser.board_state(context.task.id),
        lambda shown: shown == state,
        timeout=60,
        describe=f"the board to show task {context.task.id} {state}",
    )
    assert_that(browser.not_reloaded(), is_(True), "the page was reloaded")


@then('the task\'s page shows "{text}" in its log, without a reload')
def log_shows(context: Context, text: str) -> None:
    context.browser.wait_for_text("log", text, timeout=60)
    assert_that(context.browser.not_reloaded(), is_(True), "the page was reloaded")


@when('the user presses "{button}" on the task\'s page')
def press(context: Context, button: str) -> None:
    context.browser.click(button.lower())
    context.browser.wait_for_text("said", f"{button.lower()} requested")


def _status(url: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers, method=headers.pop("method", "GET"))
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


@then("the board without the token is answered 401, and the API too")
def no_token(context: Context) -> None:
    assert_that(_status(f"{context.ui_base}/")[0], equal_to(401))
    assert_that(_status(f"{context.ui_base}/api/tasks")[0], equal_to(401))


@then('a browser given a wrong token is shown a page that says "{words}"')
def wrong_token(context: Context, words: str) -> None:
    browser = _browser(context)
    browser.open(f"{context.ui_base}/?token=not-{context.ui_token}")
    assert_that(browser.page_text(), contains_string(words))


@then("the API with the token as a bearer answers 200")
def bearer(context: Context) -> None:
    status, _ = _status(f"{context.ui_base}/api/tasks", Authorization=f"Bearer {context.ui_token}")
    assert_that(status, equal_to(200))


@when("a kill of the task is posted with the token from another origin")
def cross_origin(context: Context) -> None:
    context.cross_origin = _status(
        f"{context.ui_base}/api/tasks/{context.task.id}/kill",
        Authorization=f"Bearer {context.ui_token}",
        Origin="http://elsewhere.example",
        method="POST",
    )


@then("it is answered 403")
def answered_403(context: Context) -> None:
    assert_that(context.cross_origin[0], equal_to(403), context.cross_origin[1])


@given('a task whose command line and output hold "{markup}"')
def markup_task(context: Context, markup: str) -> None:
    context.spec_fields = {"command": ["echo", markup]}


@then(
    'the task\'s page shows "{markup}" as text, and the browser made no img element, '
    "showed no alert and logged no error"
)
def shown_as_text(context: Context, markup: str) -> None:
    browser = context.browser
    browser.wait_for_text("log", markup, timeout=60)
    assert_that(browser.text("argv"), contains_string(markup))
    assert_that(browser.count("img"), equal_to(0))
    assert_that(browser.alert_shown(), is_(False))
    severe = [entry for entry in browser.console() if entry.get("level") == "SEVERE"]
    assert_that(severe, equal_to([]))


@when('the user runs "ui" on the port the page is served on')
def ui_on_taken_port(context: Context) -> None:
    context.result = context.harness.cli.run("ui", "--port", context.ui_port)


@when("the board is listening to the event stream")
def board_listening(context: Context) -> None:
    """The browser's own state of the page's EventSource: OPEN (1)."""
    script = (
        "return window.eventStream ? [window.eventStream.readyState, window.eventStream.url] : [];"
    )
    wait_until(
        lambda: context.browser.driver.execute_script(script),
        lambda seen: seen == [1, f"{context.ui_base}/api/events"],
        timeout=30,
        describe="the board's event stream to be open",
    )


@when("the user presses Ctrl-C in the server's terminal")
def ctrl_c(context: Context) -> None:
    context.ui_process.send_signal(signal.SIGINT)
    context.ctrl_c_at = time.monotonic()


@then("the server exits with status {status:d} within {seconds:d} seconds")
def server_exits(context: Context, status: int, seconds: int) -> None:
    left = context.ctrl_c_at + seconds - time.monotonic()
    try:
        code = context.ui_process.wait(timeout=max(left, 0.01))
    except subprocess.TimeoutExpired:
        raise AssertionError(f"agents-runner ui still runs {seconds} s after Ctrl-C") from None
    assert_that(code, equal_to(status))


@then(
    'the board shows task {number:d} "{state}" at place {place:d}, its ticket first in the'
    " queue's waiting folder, and task {other:d} with no place, without a reload"
)
def board_place(context: Context, number: int, state: str, place: int, other: int) -> None:
    waiting, running = context.named[number], context.named[other]
    tickets = sorted(os.listdir(context.harness.state_dir / "queue" / "waiting"))
    assert_that([waiting in name for name in tickets], equal_to([True]), f"tickets {tickets}")
    wait_until(
        lambda: (
            context.browser.board_cell(waiting, "state"),
            context.browser.board_cell(waiting, "place"),
            context.browser.board_cell(running, "place"),
        ),
        lambda cells: cells == (state, str(place), "-"),
        timeout=10,
        describe=f"task {number} {state} at place {place}, task {other} with none",
    )
