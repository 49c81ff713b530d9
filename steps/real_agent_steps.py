"""Steps that run the real agent CLIs from their own images, and hand a login over."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    assert_that,
    contains_string,
    empty,
    equal_to,
    greater_than_or_equal_to,
    has_item,
    is_,
)

from agents_runner.agents import get_profile
from agents_runner.testing.harness import TASK_TIMEOUT
from agents_runner.testing.state_files import files_in

AGENT_UID = 1000


def _image_of(agent: str) -> str:
    image = get_profile(agent).default_image
    assert image is not None, f"the {agent} agent has no image of its own"
    return image


@when('a task runs "{command}" in the {agent} agent\'s own image')
def run_in_agent_image(context: Context, command: str, agent: str) -> None:
    context.task = context.harness.submit(image=_image_of(agent), command=command.split())
    context.task = context.harness.wait_for_end(context.task.id)
    context.agent_image = _image_of(agent)


@then("its output names the version {version}")
def output_names_version(context: Context, version: str) -> None:
    words = re.findall(r"[0-9]+\.[0-9]+\.[0-9]+", context.harness.log_text(context.task.id))
    assert_that(words[:1], equal_to([version]), "the first version the CLI printed")


@then("the {agent} profile pins {package} at {version}")
def profile_pins(context: Context, agent: str, package: str, version: str) -> None:
    release = get_profile(agent).release
    assert release is not None
    assert_that((release.package, release.version), equal_to((package, version)))


@then(
    'the "engines" field of the installed {package} asks for Node.js {asked}, '
    "and the image's Node.js meets it"
)
def node_meets_engines(context: Context, package: str, asked: str) -> None:
    manifest = f"/usr/local/lib/node_modules/{package}/package.json"
    task = context.harness.submit(
        image=context.agent_image,
        command=["sh", "-c", f'node --version; echo "--"; cat "{manifest}"'],
    )
    task = context.harness.wait_for_end(task.id)
    assert_that(task.exit_code, equal_to(0), "reading the image's Node.js and package.json")
    version_line, _, manifest_text = context.harness.log_text(task.id).partition("--\n")
    running = tuple(int(part) for part in version_line.strip().lstrip("v").split("."))
    engines = (json.loads(manifest_text).get("engines") or {}).get("node")
    expected = asked.strip('"') if asked.startswith('"') else None
    assert_that(engines, equal_to(expected), f"the engines.node of {package}")
    if engines is None:
        return  # the package asks nothing of Node.js (copilot); the README says what docs ask
    match = re.fullmatch(r">=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?", engines.strip())
    assert match, f"an engines range this step reads: {engines!r}"
    minimum = tuple(int(part or 0) for part in match.groups())
    assert_that(running, greater_than_or_equal_to(minimum), f"node {running} for {engines}")


@given('a task that runs the real "{agent}" agent in its own image with the prompt "{prompt}"')
def real_agent_task(context: Context, agent: str, prompt: str) -> None:
    context.spec_fields = {
        "agent": agent,
        "prompt": prompt,
        "image": _image_of(agent),
        "pull": "never",
        "env": {},
        "secrets": {},
    }


@given("it is given the fake credential {assignment}")
def fake_credential(context: Context, assignment: str) -> None:
    name, _, value = assignment.partition("=")
    context.spec_fields["secrets"][name] = value


@given("its environment sets {assignment}")
def environment_sets(context: Context, assignment: str) -> None:
    if assignment != "nothing":
        name, _, value = assignment.partition("=")
        context.spec_fields.setdefault("env", {})[name] = value


@given("its deadline is {seconds:d} seconds")
def deadline_seconds(context: Context, seconds: int) -> None:
    context.spec_fields["timeout"] = float(seconds)
    context.spec_fields["stop_grace"] = 5.0
    context.end_within = max(TASK_TIMEOUT, seconds + 30.0)


@then('its recorded reason says "{text}"')
def reason_says(context: Context, text: str) -> None:
    assert_that(context.task.error or "", contains_string(text))


@then('its output shows "{text}"')
def output_shows(context: Context, text: str) -> None:
    assert_that(context.harness.log_text(context.task.id), contains_string(text))


@then("the task's log is empty")
def log_is_empty(context: Context) -> None:
    assert_that(context.harness.log_text(context.task.id), equal_to(""))


@then('the line its recorded reason quotes is a whole line of its output, one that shows "{text}"')
def quoted_line(context: Context, text: str) -> None:
    reason = context.task.error or ""
    assert_that(reason, contains_string("; last output: "))
    quoted = reason.rpartition("; last output: ")[2]
    lines = [line.strip() for line in context.harness.log_text(context.task.id).splitlines()]
    assert_that(lines, has_item(quoted), "the lines of its output")
    assert_that(quoted, contains_string(text))


# -- handing a login over ----------------------------------------------------------------


@given("a home folder with a claude login in ~/.claude and ~/.claude.json, owned by uid 1000")
def claude_login_home(context: Context) -> None:
    home = context.harness.workspace()
    token = "sk-ant-oat01-" + secrets.token_hex(24)
    (home / ".claude").mkdir()
    credentials = {
        "claudeAiOauth": {
            "accessToken": token,
            "refreshToken": "sk-ant-ort01-" + secrets.token_hex(24),
            "expiresAt": 4102444800000,  # 2100: not expired, so no refresh is tried first
            "scopes": ["user:inference"],
        }
    }
    (home / ".claude" / ".credentials.json").write_text(json.dumps(credentials))
    (home / ".claude.json").write_text("{}\n")
    for path in (home, home / ".claude", *home.rglob("*")):
        os.chown(path, AGENT_UID, AGENT_UID)
    (home / ".claude" / ".credentials.json").chmod(0o600)
    (home / ".claude.json").chmod(0o600)
    context.login_home = home
    context.login_token = token.encode()


@given("it is handed the login in that home folder")
def handed_login(context: Context) -> None:
    context.spec_fields["host_login"] = str(context.login_home)


@then("the CLI has written its start-up record into that home's ~/.claude.json")
def claude_wrote_back(context: Context) -> None:
    record = json.loads((context.login_home / ".claude.json").read_text())
    assert_that(record.get("firstStartVersion"), equal_to(get_profile("claude").release.version))


@then("no file in the state dir holds the login's token")
def login_not_stored(context: Context) -> None:
    hits = [
        str(path)
        for path, data in files_in(context.harness.state_dir)
        if context.login_token in data
    ]
    assert_that(hits, is_(empty()))


@when('the user runs "{line}" as typed, without --image')
def run_without_image(context: Context, line: str) -> None:
    context.result = context.harness.cli.run(*shlex.split(line))
    context.task = context.harness.newest_task()


@then("the engine created the task's one container from the image {image}")
def created_from(context: Context, image: str) -> None:
    """Podman names a local image it was given unqualified as localhost/<name>."""
    events = context.harness.events_for(context.task.id, until_action="destroy")
    named = image if context.harness.engine.kind == "docker" else f"localhost/{image}"
    assert_that([e.image for e in events if e.action == "create"], equal_to([named]))


@then(
    "its output has a row for each agent: its image, its CLI's package at the pinned release, "
    'and "built"'
)
def images_listed(context: Context) -> None:
    rows = {line.split()[0]: line.split() for line in context.result.stdout.splitlines()[1:]}
    for agent in ("claude", "codex", "copilot", "gemini"):
        profile = get_profile(agent)
        assert profile.release is not None
        release = f"{profile.release.package}@{profile.release.version}"
        row = rows.get(agent, [])
        assert_that(row[1:3] + row[-1:], equal_to([_image_of(agent), release, "built"]), str(row))
