"""Steps that hand an agent what it works from: a prompt too long for one argument, and
the user's own login, through stand-ins (busybox's sh) for the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, empty, equal_to, is_

from agents_runner.testing.state_files import files_in

AGENT_UID = 1000

PROMPT_STAND_IN = """#!/bin/sh
sha256sum | cut -d' ' -f1
echo "args: $*"
"""

LOGIN_STAND_IN = """#!/bin/sh
login="$HOME/.codex/auth.json"
sha256sum "$login" | cut -d' ' -f1
awk -v at="$HOME/.codex" '$5 == at {print "mount:", $6}' /proc/self/mountinfo
printf 'refreshed-%s' "$(sha512sum "$login" | cut -c1-64)" > "$login"
"""


def _stand_in(folder: Path, script: str) -> None:
    path = folder / "stand-in"
    path.write_text(script)
    path.chmod(0o755)


def _output_lines(context: Context) -> list[str]:
    return context.harness.log_text(context.task.id).splitlines()


@given(
    "a workspace holding a stand-in for the claude CLI that prints the SHA-256 of its stdin,"
    " then its arguments"
)
def prompt_stand_in(context: Context) -> None:
    context.workspace = context.harness.workspace()
    _stand_in(context.workspace, PROMPT_STAND_IN)


@when('the user runs "{line}" with a prompt of 1 MB on stdin')
def run_with_big_prompt(context: Context, line: str) -> None:
    lines = (f'{n:07d} ünïcødé, "quotes", $(not run) `nor this`; ' for n in range(20000))
    prompt = "\n".join(lines)[: 1 << 20].rstrip("\n")
    context.prompt = prompt
    args = shlex.split(line.replace("{workspace}", str(context.workspace)))
    args[1:1] = ["--image", context.harness.image]
    context.result = context.harness.cli.run(*args, stdin=prompt)
    context.task = context.harness.newest_task()


@then("the stand-in read on its stdin the SHA-256 of the prompt the user gave")
def stdin_digest(context: Context) -> None:
    expected = hashlib.sha256(context.prompt.encode()).hexdigest()
    assert len(context.prompt.encode()) > 1_000_000, "the prompt is over 1 MB"
    assert_that(_output_lines(context)[0], equal_to(expected))


@then('the stand-in\'s arguments were exactly "{arguments}"')
def stand_in_arguments(context: Context, arguments: str) -> None:
    assert_that(_output_lines(context)[1], equal_to(f"args: {arguments}"))


@then("the state dir holds no copy of the prompt outside its payload once the task has ended")
def no_prompt_copy(context: Context) -> None:
    sample = context.prompt[-4096:].encode()
    payload = context.harness.runner().store.payload_path(context.task.id)
    copies = [
        str(path)
        for path, data in files_in(context.harness.state_dir)
        if path != payload and sample in data
    ]
    assert_that(copies, is_(empty()))


# -- the user's own login ----------------------------------------------------------------


@given("a home folder with a codex login in ~/.codex/auth.json, owned by uid 1000")
def codex_login_home(context: Context) -> None:
    home = context.harness.workspace()
    (home / ".codex").mkdir()
    token = os.urandom(24).hex()
    login = home / ".codex" / "auth.json"
    login.write_text(json.dumps({"OPENAI_API_KEY": None, "tokens": {"refresh_token": token}}))
    login.chmod(0o600)
    for path in (home, home / ".codex", login):
        os.chown(path, AGENT_UID, AGENT_UID)
    context.login_home = home
    context.login_bytes = login.read_bytes()
    context.login_token = token.encode()
    context.refreshed = b"refreshed-" + hashlib.sha512(login.read_bytes()).hexdigest()[:64].encode()


@given(
    "a workspace owned by uid 1000 holding a stand-in for the codex CLI that prints the"
    " SHA-256 of $HOME/.codex/auth.json and how it is mounted, then writes a refreshed token"
    " into it"
)
def login_stand_in(context: Context) -> None:
    context.workspace = context.harness.workspace()
    _stand_in(context.workspace, LOGIN_STAND_IN)
    for path in (context.workspace, context.workspace / "stand-in"):
        os.chown(path, AGENT_UID, AGENT_UID)


@when('the user runs "{line}" with that home folder as HOME')
def run_with_home(context: Context, line: str) -> None:
    args = shlex.split(line.replace("{workspace}", str(context.workspace)))
    args[1:1] = ["--image", context.harness.image]
    context.result = context.harness.cli.run(*args, env={"HOME": str(context.login_home)})
    context.task = context.harness.newest_task()


@then("the stand-in saw the SHA-256 of the host's login, in a read-write mount")
def saw_login(context: Context) -> None:
    digest = hashlib.sha256(context.login_bytes).hexdigest()
    lines = _output_lines(context)
    assert_that(lines[0], equal_to(digest), f"the stand-in printed {lines!r}")
    assert_that(lines[1].split(" ", 1)[-1].split(",")[0], equal_to("rw"), "its mount options")


@then("the host's ~/.codex/auth.json now holds the refreshed token the stand-in wrote")
def wrote_back(context: Context) -> None:
    login = context.login_home / ".codex" / "auth.json"
    assert_that(login.read_bytes(), equal_to(context.refreshed))


@then(
    'neither the state dir, nor "show" of the task, nor the command\'s output holds the'
    " login's token or the refreshed one"
)
def login_kept_out(context: Context) -> None:
    forms = (context.login_token, context.refreshed)
    shown = context.harness.cli.run("show", context.task.id)
    assert_that(shown.returncode, equal_to(0), shown.stderr)
    as_json = context.harness.cli.run("show", "--json", context.task.id)
    assert_that(as_json.returncode, equal_to(0), as_json.stderr)
    places = {str(path): data for path, data in files_in(context.harness.state_dir)}
    places["show"] = (shown.stdout + shown.stderr).encode()
    places["show --json"] = (as_json.stdout + as_json.stderr).encode()
    places["run's output"] = (context.result.stdout + context.result.stderr).encode()
    holders = [name for name, data in places.items() if any(form in data for form in forms)]
    assert_that(holders, is_(empty()))
