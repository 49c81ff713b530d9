"""Steps about agent profiles, their argv and their secrets."""

from __future__ import annotations

import logging
from typing import Any

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, contains_string, equal_to, has_item

from agents_runner.testing.oracle import raw_inspect

PROMPTS = {
    "quotes, $( ), backticks, semicolons, newlines and unicode": (
        'it\'s "quoted" $(touch /tmp/pwned) `id`; rm -rf / &\nsecond line\ttab '
        "ünïcødé ✓ 🚀 \\n not an escape"
    ),
    "a prompt of 100 KB": "".join(f"line {n:06d} of a long prompt\n" for n in range(3500))[
        :100_000
    ],
    "a prompt that starts with a dash": "--help me -rf",
}


@given(
    'a task that runs the "{agent}" agent with the prompt "{prompt}",'
    " with echo standing in for its CLI"
)
def profile_task(context: Context, agent: str, prompt: str) -> None:
    context.spec_fields = {"agent": agent, "prompt": prompt, "agent_path": "echo"}


@given(
    'a task that runs the "{agent}" agent with {kind} as its prompt,'
    " with echo standing in for its CLI"
)
def profile_task_with_prompt(context: Context, agent: str, kind: str) -> None:
    context.spec_fields = {"agent": agent, "prompt": PROMPTS[kind], "agent_path": "echo"}


@given("it is given the secret {name}")
def given_secret(context: Context, name: str) -> None:
    context.spec_fields["secrets"] = {name: "not-a-real-key"}


@given('the extra agent arguments "{first}" and "{second}"')
def extra_arguments(context: Context, first: str, second: str) -> None:
    context.spec_fields["agent_args"] = [first, second]


@then('its log is exactly "{text}"')
def log_exactly(context: Context, text: str) -> None:
    assert_that(context.harness.log_text(context.task.id), equal_to(text + "\n"))


@then('its log is exactly "{text}" followed by the prompt')
def log_exactly_with_prompt(context: Context, text: str) -> None:
    expected = text + context.spec_fields["prompt"] + "\n"
    assert_that(context.harness.log_text(context.task.id), equal_to(expected))


@when('a task that runs the "{agent}" agent is submitted without any secret')
def submit_without_secret(context: Context, agent: str) -> None:
    try:
        context.harness.submit(agent=agent, prompt="x", agent_path="echo")
        context.error = None
    except ValueError as exc:
        context.error = exc


@then('the refusal mentions "{text}"')
def error_names_text(context: Context, text: str) -> None:
    assert_that(str(context.error), contains_string(text))


@when("the task is submitted, watching for warnings")
def submit_watching_warnings(context: Context) -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("agents_runner")
    logger.addHandler(handler)
    context.add_cleanup(logger.removeHandler, handler)
    context.warning_records = records
    context.task = context.harness.submit(**context.spec_fields)


@then('a warning names "{text}"')
def warning_names(context: Context, text: str) -> None:
    messages = [r.getMessage() for r in context.warning_records]
    assert_that(messages, has_item(contains_string(text)))


@given('it runs on the network "{network}"')
def on_network(context: Context, network: str) -> None:
    context.spec_fields["network"] = network


@given("it runs on a network the scenario made")
def on_made_network(context: Context) -> None:
    context.spec_fields["network"] = context.harness.made_network()


@given("it runs on the engine's default network")
def on_default_network(context: Context) -> None:
    context.spec_fields["network"] = None  # the harness's own default is "none"


@given("its container is kept after its end")
def kept(context: Context) -> None:
    context.spec_fields["keep_container"] = True


def _kept_container(context: Context) -> dict[str, Any]:
    container_id = context.harness.fresh_load(context.task.id).container_id
    info = raw_inspect(context.harness.engine, container_id)  # kept for this look, then removed
    assert info is not None, f"the kept container {container_id} exists"
    context.harness.engine.remove(container_id)
    return info


@then(
    "its container's environment has {assignment} exactly when the engine gave it no "
    "network but its loopback"
)
def told_when_offline(context: Context, assignment: str) -> None:
    info = _kept_container(context)
    # What the engine recorded of the container: on "host" it had the host's network; on
    # another network, only where the engine attached it (a network id; Docker records
    # its missing default bridge with none). "none" is no network.
    attached = [
        name
        for name, endpoint in (info["NetworkSettings"].get("Networks") or {}).items()
        if name != "none" and (endpoint or {}).get("NetworkID")
    ]
    offline = info["HostConfig"].get("NetworkMode") != "host" and not attached
    given_it = assignment in (info["Config"].get("Env") or [])
    assert_that(given_it, equal_to(offline), f"offline: {offline}; networks: {attached}")


@then("its container's environment has {assignment}")
def container_env_has(context: Context, assignment: str) -> None:
    assert_that(_kept_container(context)["Config"].get("Env") or [], has_item(assignment))
