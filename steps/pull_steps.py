"""Steps about images, registries and pulls."""

from __future__ import annotations

import math
import re
import subprocess

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    all_of,
    assert_that,
    equal_to,
    greater_than,
    has_entries,
    has_item,
    is_,
    less_than,
)

from agents_runner.states import TaskState
from agents_runner.task import parse_time
from agents_runner.testing.oracle import raw_image_present
from agents_runner.testing.task_refs import fresh
from agents_runner.testing.waiting import wait_until


@given("an image that only the registry has")
def registry_only_image(context: Context) -> None:
    context.image_ref = context.harness.image_only_the_registry_has()


@given("an image that only the registry has, served at {kib:d} KiB a second")
def registry_only_image_slowly(context: Context, kib: int) -> None:
    context.image_ref, context.gate = context.harness.image_through_gate(rate=kib * 1024)


@given("an image that only the registry has, whose layers the registry holds back")
def registry_only_image_held(context: Context) -> None:
    context.image_ref, context.gate = context.harness.image_through_gate(hold=True)


@given("an image that only the registry has, served at {kib:d} KiB a second and held back half-way")
def registry_only_image_held_midway(context: Context, kib: int) -> None:
    """Slowly, so that an engine that tells a layer's bytes only on a timer (Podman) has
    told some before the layer stops."""
    context.image_ref, context.gate = context.harness.image_through_gate(rate=kib * 1024)
    context.gate.hold_layers_midway()


@given("an image that only the registry has, whose data arrives corrupted")
def registry_only_image_corrupted(context: Context) -> None:
    context.image_ref, context.gate = context.harness.image_through_gate()
    context.gate.corrupt_layers = True


@given('a task that runs the "{agent}" agent in that image')
def a_task_in_that_image(context: Context, agent: str) -> None:
    context.spec_fields = {"agent": agent, "prompt": "pulled, then ran", "image": context.image_ref}


@given('a task that runs the "{agent}" agent in a tag the registry does not have')
def a_task_in_a_missing_tag(context: Context, agent: str) -> None:
    context.spec_fields = {
        "agent": agent,
        "prompt": "never runs",
        "image": context.harness.missing_tag(),
    }


@when("the proxy holds back the task's create, once the engine has the image")
def create_held_with_image(context: Context) -> None:
    context.proxy.wait_until_held("create")
    assert_that(raw_image_present(context.harness.engine, context.image_ref), is_(True))


@when("someone else removes the image from the engine")
def image_removed_behind_back(context: Context) -> None:
    context.harness.engine.api.remove_image(context.image_ref)
    assert_that(raw_image_present(context.harness.engine, context.image_ref), is_(False))


@when("the task is pulling, and a layer download is held back")
def pulling_and_held(context: Context) -> None:
    context.harness.wait_for_state(context.task.id, TaskState.PULLING)
    context.gate.wait_until_a_layer_is_held(timeout=30)


@then("its recorded pull progress counts every layer as done")
def progress_complete(context: Context) -> None:
    progress = fresh(context, "first").pull_progress
    assert_that(progress, has_entries(done=True, layers_total=greater_than(0)))
    assert_that(progress["layers_done"], equal_to(progress["layers_total"]), str(progress))


@then("while the task is pulling, its recorded progress moves forward")
def progress_moves(context: Context) -> None:
    seen: list[int] = []  # every change, in the order read: a step back stays in it

    def sample() -> list[int]:
        task = context.harness.task(context.task.id)
        current = (task.pull_progress or {}).get("bytes_current", 0)
        if task.state is TaskState.PULLING and current > 0 and (not seen or current != seen[-1]):
            seen.append(current)
        return list(seen)

    samples = wait_until(
        sample,
        lambda values: len(values) >= 3,
        timeout=60,
        describe="three changes of the byte count recorded while the task was pulling",
    )
    assert_that(samples, equal_to(sorted(set(samples))), "each change moves forward")


@then("the image is now present in the engine")
def image_present(context: Context) -> None:
    assert_that(raw_image_present(context.harness.engine, context.image_ref), is_(True))


@then("the image is not present in the engine")
def image_absent(context: Context) -> None:
    assert_that(raw_image_present(context.harness.engine, context.image_ref), is_(False))


@when("the task is pulling, with half of its layer sent and the rest held back")
def pulling_held_midway(context: Context) -> None:
    context.harness.wait_for_state(context.task.id, TaskState.PULLING)
    context.gate.wait_until_a_layer_is_held(timeout=30)


@when('the user follows the task\'s log with "logs -f" in the background')
def follow_in_background(context: Context) -> None:
    folder = context.harness.workspace()
    context.follow_out, context.follow_err = folder / "follow.out", folder / "follow.err"
    with open(context.follow_out, "wb") as out, open(context.follow_err, "wb") as err:
        process = subprocess.Popen(
            context.harness.cli.argv("logs", "-f", context.task.id),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
    context.harness.add_background_process(process)
    context.follow = process


def _still_held(context: Context) -> None:
    assert_that(context.harness.task(context.task.id).state, equal_to(TaskState.PULLING))
    context.gate.wait_until_a_layer_is_held(timeout=0)


@then(
    'while the pull is held, "list" shows the task\'s state as "pulling" and a percentage '
    "from 1% to 99%"
)
def list_shows_percent(context: Context) -> None:
    def state_cell() -> str:
        listing = context.harness.cli.run("list", "--no-trunc")
        row = next((line for line in listing.stdout.splitlines() if context.task.id in line), "")
        match = re.search(r"  (pulling(?: \d+%)?)  ", row)
        return match.group(1) if match else row

    cell = wait_until(
        state_cell,
        lambda text: re.fullmatch(r"pulling \d+%", text) is not None,
        timeout=30,
        describe="list's state column to show the pull's percentage",
    )
    assert_that(int(cell.split()[1][:-1]), is_(all_of(greater_than(0), less_than(100))), cell)
    _still_held(context)


@then(
    'while the pull is held, "logs -f" has printed on stderr a line of the pull\'s progress '
    "with a percentage, and nothing on stdout"
)
def follow_shows_progress(context: Context) -> None:
    pattern = re.compile(rf"^pulling {re.escape(context.image_ref)}: downloading +\d+% ", re.M)
    wait_until(
        context.follow_err.read_text,
        lambda text: pattern.search(text) is not None,
        timeout=30,
        describe="logs -f to print the pull's progress with a percentage on stderr",
    )
    _still_held(context)
    assert_that(context.follow_out.read_bytes(), equal_to(b""))


@when("the registry lets the rest of the layers through")
def release_layers(context: Context) -> None:
    context.gate.release_layers()


@then('"logs -f" exits with status 0, its stdout byte for byte the task\'s log file')
def follow_exits(context: Context) -> None:
    status = context.follow.wait(timeout=120)
    err = context.follow_err.read_text()
    assert_that(status, equal_to(0), err)
    log = context.harness.runner().store.log_path(context.task.id).read_bytes()
    assert_that(context.follow_out.read_bytes(), equal_to(log), err)


@then('the task\'s log file is exactly "{text}" and a newline')
def log_file_exactly(context: Context, text: str) -> None:
    log = context.harness.runner().store.log_path(context.task.id).read_bytes()
    assert_that(log, equal_to(text.encode() + b"\n"))


@then("the engine's events show a pull of the task's image while it ran")
def pulled_by_engine(context: Context) -> None:
    task = context.harness.fresh_load(context.task.id)
    since = math.floor(parse_time(task.created_at).timestamp())
    until = math.ceil(parse_time(task.updated_at).timestamp())
    pulled = context.harness.engine.image_pulls(since, until + 1)
    assert_that(pulled, has_item(task.spec.image), f"pull events {since} to {until}")
