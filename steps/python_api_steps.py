"""Steps that run the README's Python example as a person would paste it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from behave import then, when
from behave.runner import Context
from hamcrest import (
    all_of,
    assert_that,
    contains_string,
    equal_to,
    has_items,
    is_not,
    starts_with,
)

from agents_runner.testing.cli_driver import NO_ENGINE
from agents_runner.testing.engine_at_program import run_engine_at_program

README = Path(__file__).resolve().parent.parent / "README.md"
README_IMAGE = "busybox:1.36"


def _example() -> str:
    text = README.read_text()
    section = text[text.index("## Python API") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Python API section has no Python example"
    return match.group(1)


def _run_example(context: Context, image: str) -> None:
    source = _example()
    assert_that(source, contains_string(f'image="{README_IMAGE}"'))
    # The scenario's labels, so that cleanup finds its containers; the image of here.
    source = source.replace(
        f'image="{README_IMAGE}"',
        f'image={image!r}, labels={context.harness.labels!r}, network="none"',
    )
    context.example = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=120
    )


@when("the README's Python example runs with the test image")
def run_with_test_image(context: Context) -> None:
    _run_example(context, context.harness.image)


@when("the README's Python example runs with an image the registry does not have")
def run_with_missing_image(context: Context) -> None:
    _run_example(context, context.harness.missing_tag())


@then("it exits with status {status:d}")
def example_exits(context: Context, status: int) -> None:
    result = context.example
    assert_that(result.returncode, equal_to(status), f"stderr: {result.stderr!r}")


@then('it printed "{first}" and "{second}"')
def example_printed(context: Context, first: str, second: str) -> None:
    for text in (first, second):
        assert_that(context.example.stdout, contains_string(text))


@then('it printed one line "{end}" and a reason that says "{says}", then the empty log')
def example_printed_end(context: Context, end: str, says: str) -> None:
    """The example prints the task's end on a line, then its log: nothing, and print's
    newline."""
    first, newline, rest = context.example.stdout.partition("\n")
    assert_that((newline, rest), equal_to(("\n", "\n")), repr(context.example.stdout))
    assert_that(first, all_of(starts_with(f"{end} "), contains_string(says)))


@then("it printed no traceback")
def no_traceback(context: Context) -> None:
    output = context.example.stdout + context.example.stderr
    assert_that(output, is_not(contains_string("Traceback")))


@when(
    'a Python program runs "{text}" through TaskRunner(engine=Engine.at(the scenario\'s '
    "engine)) and {way}, with DOCKER_HOST naming no engine"
)
def python_program_engine_at(context: Context, text: str, way: str) -> None:
    spec = {
        "image": context.harness.image,
        "command": ["echo", text],
        "labels": context.harness.labels,
        "network": "none",
    }
    address = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    env = {**os.environ, "DOCKER_HOST": NO_ENGINE}
    run_engine_at_program(context, "Engine", address, way, spec, env)


@then("the engine's events show the task's container started and died")
def started_and_died(context: Context) -> None:
    actions = [e.action for e in context.harness.events_for(context.task.id)]
    assert_that(actions, has_items("start", "die"))
